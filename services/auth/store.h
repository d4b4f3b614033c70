// Every SQL statement of the auth service, and nothing else.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "db/db.h"

namespace civic::auth {

struct AccountRow {
  std::string id;
  std::string login_id;
  std::string email;
  bool email_verified = false;
  std::string password_hash;
  std::vector<std::string> roles;
  std::string status;
  bool must_change_password = false;
  std::string totp_secret;  // sealed
  bool totp_enabled = false;
  int64_t totp_last_step = 0;
  int failed_logins = 0;
  std::string display_name;
  bool locked = false;
  int64_t locked_seconds_left = 0;
  std::string created_at;
  std::string last_login_at;
};

struct SessionRow {
  std::string public_id;
  std::string account_id;
  std::string csrf_token;
  std::vector<std::string> roles;
  std::string status;
  bool must_change_password = false;
  bool totp_enabled = false;
  bool needs_touch = false;
};

struct SessionInfo {
  std::string public_id;
  std::string created_at, last_seen_at, expires_at, client_ip, user_agent;
};

struct TokenUse {
  std::string account_id;
  std::string purpose;
  std::string new_email;
};

struct AuditRow {
  int64_t seq = 0;
  int64_t at_us = 0;
  std::string service = "auth";
  std::string actor, ip, request_id, action, entity_type, entity_id, detail;
  int hash_version = 2;
  std::string prev_hash, hash;
};

/// One entry for the audit log; auth's own name an account (or nothing) as the entity.
struct NewAudit {
  std::string actor, ip, action, target;  // target: the account acted on, if any
  std::string detail = "{}";              // JSON object, secrets and personal values left out
  std::string request_id = {};
  // Another service's staff action (audit.recorded): its name, entity and time.
  std::string service = "auth";
  std::string entity_type = {};           // "account" when target is set and this is empty
  int64_t at_us = 0;                      // 0: now
};

/// The list's filters; empty ones do not narrow it. from_us/to_us bound at_us.
struct AuditFilter {
  std::string action, account, actor, service, entity_type, entity_id;
  int64_t from_us = 0, to_us = 0;
};

/// A login of the former system as tools/import hands it over (issue 15).
struct ImportedAccount {
  std::string legacy_id, login_id, email;
  bool email_verified = false;
  std::string password_hash;  // a legacy hash, or "!" (none: a reset is needed)
  std::string created_at;     // YYYY-MM-DD or RFC 3339; empty: now
};

namespace store {

std::string login_key(std::string_view login_id);

void insert_account(db::Tx& tx, const AccountRow& a);
/// The account carried over as `legacy_id`, locked; nullopt when there is none.
std::optional<AccountRow> account_by_legacy_id(db::Tx& tx, std::string_view legacy_id);
/// A new member login for `a`: active when its address was confirmed, pending otherwise.
void insert_imported(db::Tx& tx, std::string_view id, const ImportedAccount& a);
/// Brings the carried-over account `id` up to `a`; its password hash only when `hash`
/// is given (it is still the former system's).
void update_imported(db::Tx& tx, std::string_view id, const ImportedAccount& a, const std::optional<std::string>& hash);
std::optional<AccountRow> account_by_login(db::Tx& tx, std::string_view login_id);
std::optional<AccountRow> account_by_id(db::Tx& tx, std::string_view id, bool for_update = false);
std::optional<AccountRow> account_by_email(db::Tx& tx, std::string_view email);
bool email_taken(db::Tx& tx, std::string_view email, std::string_view except_account);

/// Counts one failure; locks for base_minutes * 2^(locks so far) once `threshold`
/// consecutive failures are reached. Returns true when this failure locked the account.
/// Seconds `source` must still wait before it may try the account's password again (0: it may).
int64_t source_lock_seconds(db::Tx& tx, std::string_view id, std::string_view source);
struct LoginFailure {
  bool source_locked = false;  ///< this failure locked the (account, source) pair
  int64_t account_failures = 0;  ///< failures from every source since the last success
};
/// A failed login of `source`: `threshold` failures in a row lock the pair for
/// `base_minutes` × 2^(earlier locks) (× 64 at most); the account-wide count grows too.
LoginFailure record_login_failure(db::Tx& tx, std::string_view id, std::string_view source, int threshold,
                                  int base_minutes);
/// Resets the account's failure count and forgets `source`'s failures.
void record_login_success(db::Tx& tx, std::string_view id, std::string_view source,
                          const std::optional<std::string>& new_hash);
void unlock(db::Tx& tx, std::string_view id);

void set_password(db::Tx& tx, std::string_view id, std::string_view hash, bool must_change);
void set_status(db::Tx& tx, std::string_view id, std::string_view status);
void set_roles(db::Tx& tx, std::string_view id, const std::vector<std::string>& roles);
void activate_email(db::Tx& tx, std::string_view id);
void set_email(db::Tx& tx, std::string_view id, std::string_view email);
void set_display_name(db::Tx& tx, std::string_view id, std::string_view name);
void delete_account(db::Tx& tx, std::string_view id);

void set_totp_secret(db::Tx& tx, std::string_view id, std::string_view sealed);
void enable_totp(db::Tx& tx, std::string_view id, int64_t step);
void disable_totp(db::Tx& tx, std::string_view id);
/// Advances the last used step; false when `step` was already used (replay).
bool use_totp_step(db::Tx& tx, std::string_view id, int64_t step);
void replace_recovery_codes(db::Tx& tx, std::string_view id, const std::vector<std::string>& code_hashes);
bool use_recovery_code(db::Tx& tx, std::string_view id, std::string_view code_hash);

void insert_token(db::Tx& tx, std::string_view token_hash, std::string_view account_id, std::string_view purpose,
                  std::optional<std::string> new_email, int ttl_minutes);
/// Spends every outstanding reset and e-mail-change token of the account: a link mailed
/// before a password change, an e-mail change or a suspension must not act after it.
void spend_account_tokens(db::Tx& tx, std::string_view account_id);
/// Marks the token used and returns it, when it exists, is unused, unexpired and of
/// one of `purposes`.
std::optional<TokenUse> consume_token(db::Tx& tx, std::string_view token_hash, const std::vector<std::string>& purposes);

void insert_session(db::Tx& tx, std::string_view token_hash, std::string_view public_id, std::string_view account_id,
                    std::string_view csrf, int idle_seconds, int absolute_seconds, std::string_view ip,
                    std::string_view user_agent);
/// The live session for `token_hash` (not idle-expired, not past its absolute limit).
std::optional<SessionRow> live_session(db::Tx& tx, std::string_view token_hash);
void touch_session(db::Tx& tx, std::string_view token_hash);
std::optional<std::string> session_expiry(db::Tx& tx, std::string_view public_id);
void delete_session(db::Tx& tx, std::string_view public_id);
bool delete_own_session(db::Tx& tx, std::string_view account_id, std::string_view public_id);
void delete_sessions_of(db::Tx& tx, std::string_view account_id);
std::vector<SessionInfo> sessions_of(db::Tx& tx, std::string_view account_id);

struct AccountPage {
  std::vector<AccountRow> items;
  int64_t total = 0;
};
AccountPage list_accounts(db::Tx& tx, std::string_view status, std::string_view role, std::string_view q,
                          int limit, int offset);

/// Appends to the hash chain (serialised by an advisory lock); returns the new row.
AuditRow append_audit(db::Tx& tx, const NewAudit& e);
/// How many audit events of `action` about `target_account_id` the last `minutes` hold
/// (the per-recipient mail throttle counts the mails it sent this way).
int64_t recent_audit_count(db::Tx& tx, std::string_view target_account_id, std::string_view action, int minutes);
std::vector<AuditRow> list_audit(db::Tx& tx, const AuditFilter& f, int limit, int offset, int64_t& total);
/// Recomputes every hash kept in order; false at the first broken link or gap. The
/// oldest row kept anchors the chain (older ones may have been purged).
bool audit_chain_intact(db::Tx& tx);
/// Deletes what is older than `keep_months` (13 at the least: the database refuses
/// younger rows anyway); returns how many.
int64_t purge_audit(db::Tx& tx, int keep_months);
/// The hash of an audit row given its predecessor's.
std::string audit_hash(const AuditRow& r);

} // namespace store
} // namespace civic::auth
