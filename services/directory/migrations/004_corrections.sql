-- DIR-4 correction requests. The requester's e-mail is sealed (SEC-17); the
-- confirmation token sent to the organisation's contact is kept as its SHA-256 only.
CREATE TABLE correction_requests (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
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
CREATE INDEX correction_requests_queue ON correction_requests (state, created_at DESC);
CREATE INDEX correction_requests_organization ON correction_requests (organization_id, created_at DESC);
