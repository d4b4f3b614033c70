-- Issue 14 (DIR-1 for individuals): an individual member accepts the current Aikasanet
-- terms of use when joining; the version and time are kept like an organisation's.
-- (Groups and companies accepted them with their organisation's registration.)
ALTER TABLE members ADD COLUMN accepted_terms_version integer CHECK (accepted_terms_version > 0),
  ADD COLUMN accepted_terms_at timestamptz,
  ADD CHECK ((accepted_terms_version IS NULL) = (accepted_terms_at IS NULL));
CREATE INDEX members_created ON members (created_at);
