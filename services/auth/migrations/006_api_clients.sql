-- AUTH-9: partner systems calling the API with their own credentials (the health app).
-- A secret is 256 random bits shown once; only its SHA-256 is kept. After a rotation
-- the previous secret works until previous_valid_until, so the partner can switch.
CREATE TABLE api_clients (
  id uuid PRIMARY KEY,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100 AND name !~ '[\r\n]'),
  role text NOT NULL CHECK (role IN ('health_app')),
  secret_hash bytea NOT NULL UNIQUE CHECK (octet_length(secret_hash) = 32),
  previous_hash bytea UNIQUE CHECK (octet_length(previous_hash) = 32),
  previous_valid_until timestamptz,
  rotated_at timestamptz,
  last_used_at timestamptz,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
