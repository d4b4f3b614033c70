-- NTF-3 mail stop at the address level (issue 14): an address is found by a keyed hash
-- of its lower-case form and kept sealed; why, when and by whom it was stopped. And the
-- permanent delivery failures that stop an address after MAIL_BOUNCE_LIMIT of them.
CREATE TABLE suppressions (
  id uuid PRIMARY KEY,
  email_key bytea NOT NULL UNIQUE CHECK (octet_length(email_key) = 32),
  email_sealed bytea NOT NULL,
  reason text NOT NULL CHECK (reason IN ('staff', 'bounce', 'complaint', 'unsubscribe')),
  note text NOT NULL DEFAULT '' CHECK (char_length(note) <= 500),
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX suppressions_newest ON suppressions (created_at DESC);
CREATE TABLE bounces (
  email_key bytea PRIMARY KEY CHECK (octet_length(email_key) = 32),
  permanent integer NOT NULL DEFAULT 0,
  last_error text NOT NULL DEFAULT '' CHECK (char_length(last_error) <= 500),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE messages DROP CONSTRAINT messages_status_check,
  ADD CONSTRAINT messages_status_check
    CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'rejected', 'suppressed'));
