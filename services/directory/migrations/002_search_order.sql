-- The public list is ordered "newest publication first" (published_at DESC NULLS LAST,
-- id); an index in exactly that order lets PostgreSQL stop after one page when a
-- keyword is common, instead of sorting every match.
DROP INDEX organizations_public;
CREATE INDEX organizations_public ON organizations (status, published_at DESC NULLS LAST, id) WHERE state = 'published';
CREATE INDEX organizations_public_any_status ON organizations (published_at DESC NULLS LAST, id) WHERE state = 'published';
