-- Lockout per (account, source) (issue 12, ADR 0001): five wrong passwords from one
-- address lock the account for that address only, with growing delays; the owner logging
-- in from an address that has not failed is never refused. accounts.failed_logins keeps
-- counting failures from every address since the last success: the attack signal that
-- alerts staff.
CREATE TABLE login_throttle (
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  source text NOT NULL,                       -- the client address the gateway saw
  failures int NOT NULL DEFAULT 0 CHECK (failures >= 0),
  lock_count int NOT NULL DEFAULT 0 CHECK (lock_count >= 0),
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, source)
);
