-- Accounts, sessions, one-time tokens, TOTP recovery codes, the audit log and the
-- event outbox of the auth service.
CREATE TABLE accounts (
  id uuid PRIMARY KEY,
  login_id text NOT NULL CHECK (char_length(login_id) BETWEEN 3 AND 64),
  login_key text NOT NULL UNIQUE,               -- lower-cased login id: uniqueness ignores case
  email text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
  email_verified_at timestamptz,
  password_hash text NOT NULL,
  roles text[] NOT NULL DEFAULT '{member}'
    CHECK (roles <@ ARRAY['member', 'editor', 'admin']::text[]),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'suspended')),
  must_change_password boolean NOT NULL DEFAULT false,
  totp_secret bytea,                             -- AES-256-GCM sealed
  totp_enabled boolean NOT NULL DEFAULT false,
  totp_last_step bigint NOT NULL DEFAULT 0,
  failed_logins integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  lock_count integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  last_login_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));
CREATE INDEX accounts_status ON accounts (status, created_at DESC);

CREATE TABLE sessions (
  token_hash bytea PRIMARY KEY,                  -- SHA-256 of the cookie value; the value itself is never stored
  public_id uuid NOT NULL UNIQUE,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  idle_seconds integer NOT NULL CHECK (idle_seconds > 0),
  expires_at timestamptz NOT NULL,               -- absolute timeout
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  client_ip text NOT NULL DEFAULT '',
  user_agent text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE tokens (
  token_hash bytea PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('verify_email', 'change_email', 'reset_password')),
  new_email text,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tokens_account ON tokens (account_id, purpose);

CREATE TABLE recovery_codes (
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  code_hash bytea NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, code_hash)
);

-- Security audit log (AUTH-8): append-only, each row hashes its predecessor.
CREATE TABLE audit_events (
  seq bigint PRIMARY KEY,
  at_us bigint NOT NULL,                         -- microseconds since the epoch (UTC), part of the hash
  actor_account_id text NOT NULL DEFAULT '',
  client_ip text NOT NULL DEFAULT '',
  action text NOT NULL,
  target_account_id text NOT NULL DEFAULT '',
  detail jsonb NOT NULL DEFAULT '{}',
  prev_hash bytea NOT NULL,
  hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_action ON audit_events (action, seq DESC);
CREATE INDEX audit_events_target ON audit_events (target_account_id, seq DESC);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

