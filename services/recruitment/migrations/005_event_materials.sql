-- Issue 13: whoever submits an event attaches its reference material (PDF, PNG, JPEG,
-- Word or Excel by content, limits as flyers): from its account, or with the upload
-- token its submission answered (kept as a SHA-256 only, valid 24 hours).
ALTER TABLE flyers DROP CONSTRAINT flyers_content_type_check,
  ADD CONSTRAINT flyers_content_type_check CHECK (content_type IN (
    'application/pdf', 'image/png', 'image/jpeg',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'));

CREATE TABLE event_upload_tokens (
  token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_upload_tokens_event ON event_upload_tokens (event_id);
