-- Staff may delete drafts and archived records (SPEC section 4, ADR 0013): a copy
-- outlives its original (duplicated_from is cleared), and what belongs to the record
-- alone goes with it.
ALTER TABLE grants DROP CONSTRAINT grants_duplicated_from_fkey,
  ADD CONSTRAINT grants_duplicated_from_fkey FOREIGN KEY (duplicated_from) REFERENCES grants (id) ON DELETE SET NULL;
ALTER TABLE report_photos DROP CONSTRAINT report_photos_report_id_fkey,
  ADD CONSTRAINT report_photos_report_id_fkey FOREIGN KEY (report_id) REFERENCES reports (id) ON DELETE CASCADE;
