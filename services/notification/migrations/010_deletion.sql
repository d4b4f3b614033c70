-- Staff may delete drafts and archived records (SPEC section 4, ADR 0013): a copy
-- outlives its original (duplicated_from is cleared), and what belongs to the record
-- alone goes with it.
ALTER TABLE newsletters DROP CONSTRAINT newsletters_duplicated_from_fkey,
  ADD CONSTRAINT newsletters_duplicated_from_fkey FOREIGN KEY (duplicated_from) REFERENCES newsletters (id) ON DELETE SET NULL;
ALTER TABLE newsletter_deliveries DROP CONSTRAINT newsletter_deliveries_newsletter_id_fkey,
  ADD CONSTRAINT newsletter_deliveries_newsletter_id_fkey FOREIGN KEY (newsletter_id) REFERENCES newsletters (id) ON DELETE CASCADE;
