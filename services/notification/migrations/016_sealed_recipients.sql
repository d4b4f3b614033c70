-- SEC-17 (issue 14): the record of mails keeps each recipient sealed and as a keyed
-- hash; the readable address is replaced by its masked form once the mail is sent, has
-- failed for good or was never sent (a stopped address). The receipts throttle counts
-- by the keyed hash.
ALTER TABLE messages ADD COLUMN recipient_key bytea, ADD COLUMN recipient_sealed bytea;
DROP INDEX messages_recipient;  -- by the readable address, which is masked now
CREATE INDEX messages_recipient_key ON messages (recipient_key, template, created_at) WHERE recipient_key IS NOT NULL;
