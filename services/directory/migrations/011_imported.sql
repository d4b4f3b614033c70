-- Issue 15: organisations carried over from the former system accepted ITS terms there,
-- not this site's: accepted_terms_version 0 records that (they are asked for the current
-- terms at their next registration change, as anyone behind on the terms is).
ALTER TABLE organizations DROP CONSTRAINT organizations_accepted_terms_version_check;
ALTER TABLE organizations ADD CONSTRAINT organizations_accepted_terms_version_check CHECK (accepted_terms_version >= 0);
