-- Staff may delete drafts and archived records (SPEC section 4, ADR 0013): a copy
-- outlives its original (duplicated_from is cleared), and what belongs to the record
-- alone goes with it.
ALTER TABLE organizations DROP CONSTRAINT organizations_duplicated_from_fkey,
  ADD CONSTRAINT organizations_duplicated_from_fkey FOREIGN KEY (duplicated_from) REFERENCES organizations (id) ON DELETE SET NULL;
ALTER TABLE handoff_tokens DROP CONSTRAINT handoff_tokens_organization_id_fkey,
  ADD CONSTRAINT handoff_tokens_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE;
ALTER TABLE correction_requests DROP CONSTRAINT correction_requests_organization_id_fkey,
  ADD CONSTRAINT correction_requests_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE;
ALTER TABLE attachments DROP CONSTRAINT attachments_organization_id_fkey,
  ADD CONSTRAINT attachments_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE;
