#include "auth/audit_log.h"

#include "db/migrations.h"

namespace civic::auth {
namespace {
// current_setting('civic.audit_writer') names the role granted SELECT and INSERT.
constexpr const char* kProvision = R"SQL(
DO $$ BEGIN
  CREATE ROLE auth_audit NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- made already (or concurrently)
END $$;
CREATE SCHEMA IF NOT EXISTS audit AUTHORIZATION auth_audit;
SET LOCAL ROLE auth_audit;

CREATE TABLE IF NOT EXISTS audit.events (
  seq bigint PRIMARY KEY,
  at_us bigint NOT NULL,                        -- when the action was taken (µs since the epoch, UTC)
  service text NOT NULL,                        -- the producing service, as its signed delivery named it
  actor_account_id text NOT NULL DEFAULT '',
  client_ip text NOT NULL DEFAULT '',
  request_id text NOT NULL DEFAULT '',
  action text NOT NULL,
  entity_type text NOT NULL DEFAULT '',
  entity_id text NOT NULL DEFAULT '',
  detail jsonb NOT NULL DEFAULT '{}',           -- field names, states, counts: no personal values
  hash_version smallint NOT NULL DEFAULT 2,     -- 1: rows from before the log took every service's actions
  prev_hash bytea NOT NULL,
  hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()  -- when it was appended; retention counts from here
);
CREATE INDEX IF NOT EXISTS events_action ON audit.events (action, seq DESC);
CREATE INDEX IF NOT EXISTS events_actor ON audit.events (actor_account_id, seq DESC);
CREATE INDEX IF NOT EXISTS events_entity ON audit.events (entity_id, seq DESC);
CREATE INDEX IF NOT EXISTS events_at ON audit.events (at_us);
CREATE INDEX IF NOT EXISTS events_created ON audit.events (created_at);

-- Appended rows get the database's time; nothing changes them; only rows older than
-- 13 months may be deleted (by the owner's audit.purge; the writer holds no DELETE).
CREATE OR REPLACE FUNCTION audit.guard() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.created_at := now();
    RETURN NEW;
  END IF;
  IF TG_OP = 'DELETE' AND OLD.created_at < now() - interval '13 months' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit.events only grows: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE TRIGGER events_insert BEFORE INSERT ON audit.events
  FOR EACH ROW EXECUTE FUNCTION audit.guard();
CREATE OR REPLACE TRIGGER events_change BEFORE UPDATE OR DELETE ON audit.events
  FOR EACH ROW EXECUTE FUNCTION audit.guard();
CREATE OR REPLACE TRIGGER events_truncate BEFORE TRUNCATE ON audit.events
  FOR EACH STATEMENT EXECUTE FUNCTION audit.guard();

-- Retention: rows appended more than keep_months ago (13 at the least) go; returns how many.
CREATE OR REPLACE FUNCTION audit.purge(keep_months int) RETURNS bigint LANGUAGE sql SECURITY DEFINER
  SET search_path = pg_catalog AS $$
  WITH gone AS (
    DELETE FROM audit.events WHERE created_at < now() - make_interval(months => greatest(keep_months, 13)) RETURNING 1
  ) SELECT count(*) FROM gone
$$;

RESET ROLE;
REVOKE ALL ON SCHEMA audit FROM PUBLIC;
REVOKE ALL ON audit.events FROM PUBLIC;
REVOKE ALL ON FUNCTION audit.purge(int) FROM PUBLIC;
DO $$
DECLARE writer text := current_setting('civic.audit_writer');
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA audit TO %I', writer);
  EXECUTE format('GRANT SELECT, INSERT ON audit.events TO %I', writer);
  EXECUTE format('GRANT EXECUTE ON FUNCTION audit.purge(int) TO %I', writer);
END $$;
)SQL";
} // namespace

void provision_audit_log(const std::string& admin_url, const std::string& writer) {
  db::provision(admin_url, kProvision, {{"civic.audit_writer", writer}});
}

} // namespace civic::auth
