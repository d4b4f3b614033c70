-- DIR-5 cross-site hand-off: a single-use, short-lived token handed to the registrant
-- (only its SHA-256 is kept) that pre-fills the other site's registration form.
CREATE TABLE handoff_tokens (
  token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
  organization_id uuid NOT NULL REFERENCES organizations (id),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX handoff_tokens_expiry ON handoff_tokens (expires_at) WHERE used_at IS NULL;
