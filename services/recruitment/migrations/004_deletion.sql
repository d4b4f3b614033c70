-- Staff may delete drafts and archived records (SPEC section 4, ADR 0013): a copy
-- outlives its original (duplicated_from is cleared), and what belongs to the record
-- alone goes with it.
ALTER TABLE recruitments DROP CONSTRAINT recruitments_duplicated_from_fkey,
  ADD CONSTRAINT recruitments_duplicated_from_fkey FOREIGN KEY (duplicated_from) REFERENCES recruitments (id) ON DELETE SET NULL;
ALTER TABLE events DROP CONSTRAINT events_duplicated_from_fkey,
  ADD CONSTRAINT events_duplicated_from_fkey FOREIGN KEY (duplicated_from) REFERENCES events (id) ON DELETE SET NULL;
ALTER TABLE submissions DROP CONSTRAINT submissions_recruitment_id_fkey,
  ADD CONSTRAINT submissions_recruitment_id_fkey FOREIGN KEY (recruitment_id) REFERENCES recruitments (id) ON DELETE CASCADE;
ALTER TABLE flyers DROP CONSTRAINT flyers_recruitment_id_fkey,
  ADD CONSTRAINT flyers_recruitment_id_fkey FOREIGN KEY (recruitment_id) REFERENCES recruitments (id) ON DELETE CASCADE;
ALTER TABLE flyers DROP CONSTRAINT flyers_event_id_fkey,
  ADD CONSTRAINT flyers_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE;
