-- Issue 14: when the login that owns an organisation is deleted, the organisation leaves
-- the public site (its recruitments follow through organization.changed) until staff
-- hand it to another account or archive it. The former owner's id stays for the record.
ALTER TABLE organizations ADD COLUMN orphaned_at timestamptz;
CREATE INDEX organizations_owner ON organizations (owner_account_id) WHERE owner_account_id IS NOT NULL;
