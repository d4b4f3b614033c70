-- The audit log becomes every service's (ADR 0017): it moves to audit.events, which
-- `auth_server provision` made beforehand, owned by a role auth does not hold, so the
-- database itself keeps it append-only. Earlier rows keep their hashes (hash_version 1).
DO $$ BEGIN
  IF to_regclass('audit.events') IS NULL THEN
    RAISE EXCEPTION 'audit.events is missing: run "auth_server provision" with PROVISION_DATABASE_URL first (ADR 0017)';
  END IF;
END $$;
INSERT INTO audit.events (seq, at_us, service, actor_account_id, client_ip, action, entity_type, entity_id, detail,
                          hash_version, prev_hash, hash)
SELECT seq, at_us, 'auth', actor_account_id, client_ip, action,
       CASE WHEN target_account_id = '' THEN '' ELSE 'account' END, target_account_id, detail, 1, prev_hash, hash
FROM audit_events ORDER BY seq;
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
