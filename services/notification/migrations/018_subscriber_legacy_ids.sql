-- Mail-magazine members carried over from the former system (issue 15 item 5): its id
-- for each, unique per site, so that a re-run of the import finds the same subscriber.
ALTER TABLE newsletter_subscribers ADD COLUMN legacy_id text CHECK (char_length(legacy_id) BETWEEN 1 AND 64);
CREATE UNIQUE INDEX newsletter_subscribers_legacy ON newsletter_subscribers (site, legacy_id) WHERE legacy_id IS NOT NULL;
