-- Correction requests of any published record (DIR-4, 募集情報修正依頼), owned by
-- libs/workflow. The requester's e-mail is sealed (SEC-17); the confirmation token
-- mailed to the record's contact is kept as its SHA-256 only. A request goes with its
-- record (the service erases both in one transaction).
CREATE TABLE corrections (
  id uuid PRIMARY KEY,
  entity_type text NOT NULL CHECK (entity_type ~ '^[a-z_]{1,40}$'),
  entity_id uuid NOT NULL,
  subject text NOT NULL DEFAULT '' CHECK (char_length(subject) <= 300),
  changes jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'object'),
  requester_name text NOT NULL CHECK (char_length(requester_name) BETWEEN 1 AND 100),
  requester_email_sealed bytea NOT NULL,
  reason text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 2000),
  state text NOT NULL DEFAULT 'unconfirmed' CHECK (state IN ('unconfirmed', 'confirmed', 'applied', 'rejected')),
  token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  token_expires_at timestamptz NOT NULL,
  confirmed_at timestamptz,
  decided_at timestamptz,
  decided_by uuid,
  note text NOT NULL DEFAULT '' CHECK (char_length(note) <= 2000),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CHECK (state = 'unconfirmed' OR state = 'rejected' OR confirmed_at IS NOT NULL)
);
CREATE INDEX corrections_queue ON corrections (entity_type, state, created_at DESC);
CREATE INDEX corrections_entity ON corrections (entity_type, entity_id);
