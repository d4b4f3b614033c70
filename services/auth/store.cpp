#include "auth/store.h"

#include <algorithm>

#include "core/crypto.h"
#include "core/time.h"
#include "core/validation.h"

namespace civic::auth::store {
namespace {
constexpr const char* kAccountColumns =
    "id, login_id, email, email_verified_at IS NOT NULL, password_hash, roles, status, must_change_password, "
    "totp_secret, totp_enabled, totp_last_step, failed_logins, "
    "coalesce(locked_until > now(), false), "
    "greatest(0, ceil(extract(epoch FROM coalesce(locked_until, now()) - now())))::bigint, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "coalesce(to_char(last_login_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), display_name";

std::string account_query(const char* where) {
  return std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE " + where;
}

AccountRow read_account(const db::Row& r) {
  AccountRow a;
  a.id = r.text(0);
  a.login_id = r.text(1);
  a.email = r.text(2);
  a.email_verified = r.boolean(3);
  a.password_hash = r.text(4);
  a.roles = r.text_array(5);
  a.status = r.text(6);
  a.must_change_password = r.boolean(7);
  a.totp_secret = r.bytes(8);
  a.totp_enabled = r.boolean(9);
  a.totp_last_step = r.int64(10);
  a.failed_logins = int(r.int64(11));
  a.locked = r.boolean(12);
  a.locked_seconds_left = r.int64(13);
  a.created_at = r.text(14);
  a.last_login_at = r.text(15);
  a.display_name = r.text(16);
  return a;
}

std::optional<AccountRow> first_account(const db::Result& r) {
  if (r.empty()) return std::nullopt;
  return read_account(r[0]);
}

const std::string kByLogin = account_query("login_key = $1");
const std::string kById = account_query("id = $1::uuid");
const std::string kByIdForUpdate = account_query("id = $1::uuid FOR UPDATE");
const std::string kByEmail = account_query("lower(email) = lower($1)");
const std::string kByLegacyId = account_query("legacy_id = $1 FOR UPDATE");
constexpr const char* kInsertImported =
    "INSERT INTO accounts (id, login_id, login_key, email, email_verified_at, password_hash, roles, status, legacy_id, "
    "created_at) VALUES ($1::uuid, $2, $3, $4, CASE WHEN $5 THEN coalesce($7::timestamptz, now()) END, $6, '{member}', "
    "CASE WHEN $5 THEN 'active' ELSE 'pending' END, $8, coalesce($7::timestamptz, now()))";
constexpr const char* kUpdateImported =
    "UPDATE accounts SET login_id = $2, login_key = $3, email = $4, "
    "email_verified_at = CASE WHEN $5 THEN coalesce(email_verified_at, now()) "
    "                         WHEN lower(email) <> lower($4) THEN NULL ELSE email_verified_at END, "
    "status = CASE WHEN status = 'pending' AND $5 THEN 'active' ELSE status END, "
    "password_hash = coalesce($6, password_hash), updated_at = now(), version = version + 1 WHERE id = $1::uuid";
const std::string kListAccounts = account_query(
    "($1 = '' OR status = $1) AND ($2 = '' OR $2 = ANY (roles)) "
    "AND ($3 = '' OR login_key LIKE '%' || lower($3) || '%' OR lower(email) LIKE '%' || lower($3) || '%') "
    "ORDER BY created_at DESC, id LIMIT $4 OFFSET $5");
constexpr const char* kCountAccounts =
    "SELECT count(*) FROM accounts WHERE ($1 = '' OR status = $1) AND ($2 = '' OR $2 = ANY (roles)) "
    "AND ($3 = '' OR login_key LIKE '%' || lower($3) || '%' OR lower(email) LIKE '%' || lower($3) || '%')";

constexpr const char* kRecentAudit =
    "SELECT count(*) FROM audit.events WHERE entity_id = $1 AND action = $2 AND service = 'auth' "
    "AND created_at > now() - make_interval(mins => $3::int)";
constexpr const char* kEmailTaken =
    "SELECT 1 FROM accounts WHERE lower(email) = lower($1) AND id::text <> $2";
constexpr const char* kInsertAccount =
    "INSERT INTO accounts (id, login_id, login_key, email, email_verified_at, password_hash, roles, status, "
    "must_change_password) VALUES ($1::uuid, $2, $3, $4, CASE WHEN $5 THEN now() END, $6, $7::text[], $8, $9)";
constexpr const char* kSourceLock =
    "SELECT greatest(0, ceil(extract(epoch FROM locked_until - now())))::bigint FROM login_throttle "
    "WHERE account_id = $1::uuid AND source = $2 AND locked_until > now()";
constexpr const char* kSourceFailure =
    "INSERT INTO login_throttle (account_id, source, failures) VALUES ($1::uuid, $2, 1) "
    "ON CONFLICT (account_id, source) DO UPDATE SET failures = login_throttle.failures + 1, updated_at = now() "
    "RETURNING failures";
constexpr const char* kLockSource =
    "UPDATE login_throttle SET failures = 0, lock_count = lock_count + 1, updated_at = now(), "
    "  locked_until = now() + make_interval(mins => $3 * (2 ^ least(lock_count, 6))::int) "
    "WHERE account_id = $1::uuid AND source = $2 RETURNING locked_until";
// Bounded under address spraying: a day's unlocked sources per account at most.
constexpr const char* kForgetOldSources =
    "DELETE FROM login_throttle WHERE account_id = $1::uuid AND updated_at < now() - interval '1 day' "
    "AND (locked_until IS NULL OR locked_until < now())";
constexpr const char* kAccountFailure =
    "UPDATE accounts SET failed_logins = failed_logins + 1, updated_at = now(), "
    "  locked_until = CASE WHEN $2::timestamptz IS NULL THEN locked_until "
    "                      ELSE greatest(coalesce(locked_until, now()), $2::timestamptz) END "
    "WHERE id = $1::uuid RETURNING failed_logins";
constexpr const char* kForgetSource = "DELETE FROM login_throttle WHERE account_id = $1::uuid AND source = $2";
constexpr const char* kForgetSources = "DELETE FROM login_throttle WHERE account_id = $1::uuid";
constexpr const char* kLoginSuccess =
    "UPDATE accounts SET failed_logins = 0, lock_count = 0, locked_until = NULL, last_login_at = now(), "
    "password_hash = coalesce($2, password_hash), updated_at = now() WHERE id = $1::uuid";
constexpr const char* kUnlock =
    "UPDATE accounts SET failed_logins = 0, lock_count = 0, locked_until = NULL, updated_at = now(), "
    "version = version + 1 WHERE id = $1::uuid";
constexpr const char* kSetPassword =
    "UPDATE accounts SET password_hash = $2, must_change_password = $3, failed_logins = 0, locked_until = NULL, "
    "updated_at = now(), version = version + 1 WHERE id = $1::uuid";
constexpr const char* kSetStatus =
    "UPDATE accounts SET status = $2, updated_at = now(), version = version + 1 WHERE id = $1::uuid";
constexpr const char* kSetRoles =
    "UPDATE accounts SET roles = $2::text[], updated_at = now(), version = version + 1 WHERE id = $1::uuid";
constexpr const char* kActivateEmail =
    "UPDATE accounts SET email_verified_at = coalesce(email_verified_at, now()), "
    "status = CASE WHEN status = 'pending' THEN 'active' ELSE status END, updated_at = now(), "
    "version = version + 1 WHERE id = $1::uuid";
constexpr const char* kSetEmail =
    "UPDATE accounts SET email = $2, email_verified_at = now(), updated_at = now(), version = version + 1 "
    "WHERE id = $1::uuid";
constexpr const char* kDeleteAccount = "DELETE FROM accounts WHERE id = $1::uuid";
constexpr const char* kSetTotpSecret =
    "UPDATE accounts SET totp_secret = $2, totp_enabled = false, updated_at = now() WHERE id = $1::uuid";
constexpr const char* kEnableTotp =
    "UPDATE accounts SET totp_enabled = true, totp_last_step = $2, updated_at = now(), version = version + 1 "
    "WHERE id = $1::uuid";
constexpr const char* kDisableTotp =
    "UPDATE accounts SET totp_enabled = false, totp_secret = NULL, totp_last_step = 0, updated_at = now(), "
    "version = version + 1 WHERE id = $1::uuid";
constexpr const char* kUseTotpStep =
    "UPDATE accounts SET totp_last_step = $2 WHERE id = $1::uuid AND totp_last_step < $2";
constexpr const char* kDeleteRecovery = "DELETE FROM recovery_codes WHERE account_id = $1::uuid";
constexpr const char* kInsertRecovery = "INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1::uuid, $2)";
constexpr const char* kUseRecovery =
    "UPDATE recovery_codes SET used_at = now(), updated_at = now() "
    "WHERE account_id = $1::uuid AND code_hash = $2 AND used_at IS NULL";
constexpr const char* kInsertToken =
    "INSERT INTO tokens (token_hash, account_id, purpose, new_email, expires_at) "
    "VALUES ($1, $2::uuid, $3, $4, now() + make_interval(mins => $5))";
constexpr const char* kInvalidateTokens =
    "UPDATE tokens SET used_at = now(), updated_at = now() WHERE account_id = $1::uuid AND purpose = $2 AND used_at IS NULL";
constexpr const char* kConsumeToken =
    "UPDATE tokens SET used_at = now(), updated_at = now() "
    "WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() AND purpose = ANY ($2::text[]) "
    "RETURNING account_id, purpose, coalesce(new_email, '')";
constexpr const char* kInsertSession =
    "INSERT INTO sessions (token_hash, public_id, account_id, csrf_token, idle_seconds, expires_at, client_ip, "
    "user_agent) VALUES ($1, $2::uuid, $3::uuid, $4, $5, now() + make_interval(secs => $6), $7, $8)";
constexpr const char* kLiveSession =
    "SELECT s.public_id, s.account_id, s.csrf_token, a.roles, a.status, a.must_change_password, a.totp_enabled, "
    "  s.last_seen_at < now() - interval '30 seconds' "
    "FROM sessions s JOIN accounts a ON a.id = s.account_id "
    "WHERE s.token_hash = $1 AND s.expires_at > now() "
    "  AND s.last_seen_at > now() - make_interval(secs => s.idle_seconds)";
constexpr const char* kTouchSession =
    "UPDATE sessions SET last_seen_at = now(), updated_at = now() WHERE token_hash = $1";
constexpr const char* kSessionExpiry =
    "SELECT to_char(least(expires_at, last_seen_at + make_interval(secs => idle_seconds)) AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM sessions WHERE public_id = $1::uuid";
constexpr const char* kDeleteSession = "DELETE FROM sessions WHERE public_id = $1::uuid";
constexpr const char* kDeleteOwnSession = "DELETE FROM sessions WHERE public_id = $2::uuid AND account_id = $1::uuid";
constexpr const char* kDeleteSessionsOf = "DELETE FROM sessions WHERE account_id = $1::uuid";
constexpr const char* kSessionsOf =
    "SELECT public_id, "
    "  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "  to_char(last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "  to_char(least(expires_at, last_seen_at + make_interval(secs => idle_seconds)) AT TIME ZONE 'UTC', "
    "          'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), client_ip, user_agent "
    "FROM sessions WHERE account_id = $1::uuid AND expires_at > now() "
    "  AND last_seen_at > now() - make_interval(secs => idle_seconds) ORDER BY created_at DESC";

constexpr const char* kAuditLock = "SELECT pg_advisory_xact_lock(hashtext('audit.events'))";
constexpr const char* kAuditLast = "SELECT seq, hash FROM audit.events ORDER BY seq DESC LIMIT 1";
constexpr const char* kAuditInsert =
    "INSERT INTO audit.events (seq, at_us, service, actor_account_id, client_ip, request_id, action, entity_type, "
    "entity_id, detail, hash_version, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, 2, $11, $12)";
// detail is re-serialised by jsonb; the hash covers the text as PostgreSQL returns it,
// so it is computed from the stored row (see append_audit).
constexpr const char* kAuditDetailText = "SELECT $1::jsonb::text";
constexpr const char* kAuditSelect =
    "SELECT seq, at_us, service, actor_account_id, client_ip, request_id, action, entity_type, entity_id, detail::text, "
    "hash_version, prev_hash, hash FROM audit.events";
constexpr const char* kAuditPurge = "SELECT audit.purge($1::int)";

AuditRow read_audit(const db::Row& r) {
  AuditRow a;
  a.seq = r.int64(0);
  a.at_us = r.int64(1);
  a.service = r.text(2);
  a.actor = r.text(3);
  a.ip = r.text(4);
  a.request_id = r.text(5);
  a.action = r.text(6);
  a.entity_type = r.text(7);
  a.entity_id = r.text(8);
  a.detail = r.text(9);
  a.hash_version = int(r.int64(10));
  a.prev_hash = r.bytes(11);
  a.hash = r.bytes(12);
  return a;
}
} // namespace

std::string login_key(std::string_view login_id) {
  std::string out(login_id);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}

void insert_account(db::Tx& tx, const AccountRow& a) {
  tx.exec(kInsertAccount, a.id, a.login_id, login_key(a.login_id), a.email, a.email_verified, a.password_hash,
          a.roles, a.status, a.must_change_password);
}

std::optional<AccountRow> account_by_legacy_id(db::Tx& tx, std::string_view legacy_id) {
  return first_account(tx.exec(kByLegacyId, legacy_id));
}

void insert_imported(db::Tx& tx, std::string_view id, const ImportedAccount& a) {
  std::optional<std::string> created = a.created_at.empty() ? std::nullopt : std::optional<std::string>(a.created_at);
  tx.exec(kInsertImported, id, a.login_id, login_key(a.login_id), a.email, a.email_verified, a.password_hash, created,
          a.legacy_id);
}

void update_imported(db::Tx& tx, std::string_view id, const ImportedAccount& a, const std::optional<std::string>& hash) {
  tx.exec(kUpdateImported, id, a.login_id, login_key(a.login_id), a.email, a.email_verified, hash);
}

std::optional<AccountRow> account_by_login(db::Tx& tx, std::string_view login_id) {
  return first_account(tx.exec(kByLogin, login_key(login_id)));
}
std::optional<AccountRow> account_by_id(db::Tx& tx, std::string_view id, bool for_update) {
  if (!validation::is_uuid(id)) return std::nullopt;  // not a UUID: no such account
  return first_account(tx.exec(for_update ? kByIdForUpdate : kById, id));
}
std::optional<AccountRow> account_by_email(db::Tx& tx, std::string_view email) {
  return first_account(tx.exec(kByEmail, email));
}
bool email_taken(db::Tx& tx, std::string_view email, std::string_view except_account) {
  return !tx.exec(kEmailTaken, email, except_account).empty();
}

int64_t source_lock_seconds(db::Tx& tx, std::string_view id, std::string_view source) {
  db::Result r = tx.exec(kSourceLock, id, source);
  return r.empty() ? 0 : r[0].int64(0);
}

LoginFailure record_login_failure(db::Tx& tx, std::string_view id, std::string_view source, int threshold,
                                  int base_minutes) {
  LoginFailure out;
  std::optional<std::string> locked_until;
  if (tx.exec(kSourceFailure, id, source)[0].int64(0) >= threshold) {
    locked_until = tx.exec(kLockSource, id, source, base_minutes)[0].text(0);
    out.source_locked = true;
  }
  out.account_failures = tx.exec(kAccountFailure, id, locked_until)[0].int64(0);
  tx.exec(kForgetOldSources, id);
  return out;
}
void record_login_success(db::Tx& tx, std::string_view id, std::string_view source,
                          const std::optional<std::string>& new_hash) {
  tx.exec(kLoginSuccess, id, new_hash);
  tx.exec(kForgetSource, id, source);
}
void unlock(db::Tx& tx, std::string_view id) {
  tx.exec(kUnlock, id);
  tx.exec(kForgetSources, id);
}
void set_password(db::Tx& tx, std::string_view id, std::string_view hash, bool must_change) {
  tx.exec(kSetPassword, id, hash, must_change);
}
void set_status(db::Tx& tx, std::string_view id, std::string_view status) { tx.exec(kSetStatus, id, status); }
void set_roles(db::Tx& tx, std::string_view id, const std::vector<std::string>& roles) { tx.exec(kSetRoles, id, roles); }
void activate_email(db::Tx& tx, std::string_view id) { tx.exec(kActivateEmail, id); }
void set_email(db::Tx& tx, std::string_view id, std::string_view email) { tx.exec(kSetEmail, id, email); }
void delete_account(db::Tx& tx, std::string_view id) { tx.exec(kDeleteAccount, id); }

void set_totp_secret(db::Tx& tx, std::string_view id, std::string_view sealed) {
  tx.exec(kSetTotpSecret, id, db::Bytes{sealed});
}
void enable_totp(db::Tx& tx, std::string_view id, int64_t step) { tx.exec(kEnableTotp, id, step); }
void set_display_name(db::Tx& tx, std::string_view id, std::string_view name) {
  tx.exec("UPDATE accounts SET display_name = $2, updated_at = now() WHERE id = $1::uuid", id, name);
}

void disable_totp(db::Tx& tx, std::string_view id) {
  tx.exec(kDisableTotp, id);
  tx.exec(kDeleteRecovery, id);
}
bool use_totp_step(db::Tx& tx, std::string_view id, int64_t step) { return tx.exec(kUseTotpStep, id, step).affected() == 1; }
void replace_recovery_codes(db::Tx& tx, std::string_view id, const std::vector<std::string>& code_hashes) {
  tx.exec(kDeleteRecovery, id);
  for (const auto& h : code_hashes) tx.exec(kInsertRecovery, id, db::Bytes{h});
}
bool use_recovery_code(db::Tx& tx, std::string_view id, std::string_view code_hash) {
  return tx.exec(kUseRecovery, id, db::Bytes{code_hash}).affected() == 1;
}

void insert_token(db::Tx& tx, std::string_view token_hash, std::string_view account_id, std::string_view purpose,
                  std::optional<std::string> new_email, int ttl_minutes) {
  // Only the newest link of a kind works: earlier ones are spent.
  tx.exec(kInvalidateTokens, account_id, purpose);
  tx.exec(kInsertToken, db::Bytes{token_hash}, account_id, purpose, new_email, ttl_minutes);
}
int64_t recent_audit_count(db::Tx& tx, std::string_view target_account_id, std::string_view action, int minutes) {
  return tx.exec(kRecentAudit, target_account_id, action, minutes)[0].int64(0);
}

void spend_account_tokens(db::Tx& tx, std::string_view account_id) {
  for (const char* purpose : {"reset_password", "change_email"}) tx.exec(kInvalidateTokens, account_id, purpose);
}

std::optional<TokenUse> consume_token(db::Tx& tx, std::string_view token_hash, const std::vector<std::string>& purposes) {
  db::Result r = tx.exec(kConsumeToken, db::Bytes{token_hash}, purposes);
  if (r.empty()) return std::nullopt;
  return TokenUse{r[0].text(0), r[0].text(1), r[0].text(2)};
}

void insert_session(db::Tx& tx, std::string_view token_hash, std::string_view public_id, std::string_view account_id,
                    std::string_view csrf, int idle_seconds, int absolute_seconds, std::string_view ip,
                    std::string_view user_agent) {
  tx.exec(kInsertSession, db::Bytes{token_hash}, public_id, account_id, csrf, idle_seconds, absolute_seconds, ip,
          user_agent);
}
std::optional<SessionRow> live_session(db::Tx& tx, std::string_view token_hash) {
  db::Result r = tx.exec(kLiveSession, db::Bytes{token_hash});
  if (r.empty()) return std::nullopt;
  SessionRow s;
  s.public_id = r[0].text(0);
  s.account_id = r[0].text(1);
  s.csrf_token = r[0].text(2);
  s.roles = r[0].text_array(3);
  s.status = r[0].text(4);
  s.must_change_password = r[0].boolean(5);
  s.totp_enabled = r[0].boolean(6);
  s.needs_touch = r[0].boolean(7);
  return s;
}
void touch_session(db::Tx& tx, std::string_view token_hash) { tx.exec(kTouchSession, db::Bytes{token_hash}); }
std::optional<std::string> session_expiry(db::Tx& tx, std::string_view public_id) {
  db::Result r = tx.exec(kSessionExpiry, public_id);
  if (r.empty()) return std::nullopt;
  return r[0].text(0);
}
void delete_session(db::Tx& tx, std::string_view public_id) { tx.exec(kDeleteSession, public_id); }
bool delete_own_session(db::Tx& tx, std::string_view account_id, std::string_view public_id) {
  return tx.exec(kDeleteOwnSession, account_id, public_id).affected() == 1;
}
void delete_sessions_of(db::Tx& tx, std::string_view account_id) { tx.exec(kDeleteSessionsOf, account_id); }
std::vector<SessionInfo> sessions_of(db::Tx& tx, std::string_view account_id) {
  std::vector<SessionInfo> out;
  db::Result r = tx.exec(kSessionsOf, account_id);
  for (int i = 0; i < r.size(); ++i)
    out.push_back({r[i].text(0), r[i].text(1), r[i].text(2), r[i].text(3), r[i].text(4), r[i].text(5)});
  return out;
}

AccountPage list_accounts(db::Tx& tx, std::string_view status, std::string_view role, std::string_view q, int limit,
                          int offset) {
  AccountPage page;
  db::Result r = tx.exec(kListAccounts, status, role, q, limit, offset);
  for (int i = 0; i < r.size(); ++i) page.items.push_back(read_account(r[i]));
  page.total = tx.exec(kCountAccounts, status, role, q)[0].int64(0);
  return page;
}

std::string audit_hash(const AuditRow& r) {
  std::string material = r.prev_hash;
  std::vector<std::string> parts = {std::to_string(r.seq), std::to_string(r.at_us), r.actor, r.ip, r.action,
                                    r.entity_id, r.detail};
  if (r.hash_version >= 2)
    for (const std::string& more : {r.service, r.entity_type, r.request_id}) parts.push_back(more);
  for (const std::string& part : parts) {
    material += '\x1f';
    material += part;
  }
  return crypto::sha256(material);
}

AuditRow append_audit(db::Tx& tx, const NewAudit& e) {
  tx.exec(kAuditLock);
  AuditRow row;
  db::Result last = tx.exec(kAuditLast);
  row.seq = last.empty() ? 1 : last[0].int64(0) + 1;
  row.prev_hash = last.empty() ? std::string(32, '\0') : last[0].bytes(1);
  row.at_us = e.at_us > 0 ? e.at_us : time::unix_ms(time::Clock::now()) * 1000;
  row.service = e.service;
  row.actor = e.actor;
  row.ip = e.ip;
  row.request_id = e.request_id;
  row.action = e.action;
  row.entity_id = e.target;
  row.entity_type = !e.entity_type.empty() ? e.entity_type : e.target.empty() ? "" : "account";
  row.detail = tx.exec(kAuditDetailText, e.detail)[0].text(0);
  row.hash = audit_hash(row);
  tx.exec(kAuditInsert, row.seq, row.at_us, row.service, row.actor, row.ip, row.request_id, row.action,
          row.entity_type, row.entity_id, row.detail, db::Bytes{row.prev_hash}, db::Bytes{row.hash});
  return row;
}

std::vector<AuditRow> list_audit(db::Tx& tx, const AuditFilter& f, int limit, int offset, int64_t& total) {
  db::Where where;
  if (!f.action.empty()) where.add("action = $?", f.action);
  if (!f.account.empty()) where.add("(actor_account_id = $? OR (entity_type = 'account' AND entity_id = $?))", f.account);
  if (!f.actor.empty()) where.add("actor_account_id = $?", f.actor);
  if (!f.service.empty()) where.add("service = $?", f.service);
  if (!f.entity_type.empty()) where.add("entity_type = $?", f.entity_type);
  if (!f.entity_id.empty()) where.add("entity_id = $?", f.entity_id);
  if (f.from_us > 0) where.add("at_us >= $?", db::to_param(f.from_us));
  if (f.to_us > 0) where.add("at_us < $?", db::to_param(f.to_us));
  auto [rows, count] = db::select_page<AuditRow>(tx, kAuditSelect, where, "seq DESC", limit, offset, read_audit);
  total = count;
  return rows;
}

bool audit_chain_intact(db::Tx& tx) {
  db::Result r = tx.exec(std::string(kAuditSelect) + " ORDER BY seq");
  std::string prev;
  int64_t first = 0;
  for (int i = 0; i < r.size(); ++i) {
    AuditRow row = read_audit(r[i]);
    if (i == 0) {
      first = row.seq;
      // The very first row links to zeros; after a purge the oldest kept anchors the chain.
      prev = row.seq == 1 ? std::string(32, '\0') : row.prev_hash;
    }
    if (row.prev_hash != prev || audit_hash(row) != row.hash || row.seq != first + i) return false;
    prev = row.hash;
  }
  return true;
}

int64_t purge_audit(db::Tx& tx, int keep_months) { return tx.exec(kAuditPurge, keep_months)[0].int64(0); }

} // namespace civic::auth::store
