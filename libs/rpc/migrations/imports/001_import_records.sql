-- libs/rpc imports (issue 15, OPS-5): which record each of the former system's records
-- became, by its id there (legacy id, unique per kind of record), and a digest of what
-- was imported last, so that re-running tools/import updates what changed there,
-- leaves the rest untouched and never duplicates.
CREATE TABLE IF NOT EXISTS import_records (
  entity_type text NOT NULL CHECK (entity_type ~ '^[a-z_]{1,40}$'),
  legacy_id text NOT NULL CHECK (length(legacy_id) BETWEEN 1 AND 64),
  id uuid NOT NULL,
  digest bytea NOT NULL CHECK (octet_length(digest) = 32),
  imported_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (entity_type, legacy_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS import_records_record ON import_records (entity_type, id);
