-- Issue 15 item 5: the former site's LINE friends (849), kept for the LINE integration
-- (issue 16), which takes them on. A LINE user id identifies a person: looked up by its
-- keyed hash, kept sealed (SEC-17), as are the display names.
CREATE TABLE line_friends_import (
  id uuid PRIMARY KEY,
  legacy_id text NOT NULL UNIQUE CHECK (length(legacy_id) BETWEEN 1 AND 64),
  line_user_key bytea NOT NULL UNIQUE CHECK (octet_length(line_user_key) = 32),
  line_user_id_sealed bytea NOT NULL,
  display_name_sealed bytea NOT NULL,
  account_id uuid,
  followed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
