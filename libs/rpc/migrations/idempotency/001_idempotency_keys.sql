-- libs/rpc idempotency (SEC-11): a public submission sent twice with one
-- Idempotency-Key makes one record; the first answer is kept 24 h and replayed.
-- Keyed by a hash of (method, account, key); the request's hash tells a retry from a
-- key reused for something else.
CREATE TABLE IF NOT EXISTS idempotency_keys (
  key_hash bytea PRIMARY KEY CHECK (octet_length(key_hash) = 32),
  request_hash bytea NOT NULL CHECK (octet_length(request_hash) = 32),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
  response bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (status = 'pending' OR response IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_at);
