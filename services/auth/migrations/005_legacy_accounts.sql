-- Logins carried over from the former system (issue 15): its user id, unique, so that a
-- re-run of the import updates the same account; its password hash stays in
-- password_hash until the first login replaces it by Argon2id.
ALTER TABLE accounts ADD COLUMN legacy_id text UNIQUE CHECK (char_length(legacy_id) BETWEEN 1 AND 64);
