#include "auth/service.h"

#include <nlohmann/json.hpp>

#include "auth/legacy_hash.h"
#include "auth/store.h"
#include "core/csv.h"
#include "core/log.h"
#include "core/paging.h"
#include "core/time.h"
#include "core/totp.h"
#include "core/validation.h"
#include "civic/events.pb.h"
#include "rpc/audit.h"
#include "rpc/declared.h"
#include "rpc/outbox.h"
#include "rpc/idempotency.h"
#include "rpc/imports.h"
#include "rpc/server.h"
#include "text/text.h"

namespace civic::auth {
namespace {

using grpc::Status;
using grpc::StatusCode;
using rpc::Principal;

const char* kLoginFailed = "ログインIDまたはパスワードが正しくありません";

std::string token_hash(std::string_view token) { return crypto::sha256(token); }

bool is_staff_roles(const std::vector<std::string>& roles) {
  return std::find(roles.begin(), roles.end(), "editor") != roles.end() ||
         std::find(roles.begin(), roles.end(), "admin") != roles.end();
}

std::vector<std::string> pending_of(bool must_change_password, bool staff, bool totp_enabled) {
  std::vector<std::string> out;
  if (must_change_password) out.push_back("password_change");
  if (staff && !totp_enabled) out.push_back("totp_enrolment");
  return out;
}

void to_proto(const AccountRow& a, Account* out) {
  out->set_id(a.id);
  out->set_login_id(a.login_id);
  out->set_email(a.email);
  out->set_status(a.status);
  for (const auto& r : a.roles) out->add_roles(r);
  out->set_email_verified(a.email_verified);
  out->set_totp_enabled(a.totp_enabled);
  for (const auto& p : pending_of(a.must_change_password, is_staff_roles(a.roles), a.totp_enabled)) out->add_pending(p);
  out->set_created_at(a.created_at);
  out->set_last_login_at(a.last_login_at);
  out->set_locked(a.locked);
  out->set_display_name(a.display_name);
}

Status unauthenticated() { return Status(StatusCode::UNAUTHENTICATED, "ログインしてください"); }
using rpc::not_found;


void audit(db::Tx& tx, const Principal& p, const std::string& action, const std::string& target,
           nlohmann::json detail = nlohmann::json::object()) {
  if (!p.user_agent().empty()) detail["user_agent"] = text::prefix(p.user_agent(), 200);
  store::append_audit(tx, {p.account_id(), p.client_ip(), action, target, detail.dump(), p.request_id()});
}

// Tells matching, directory and notification what became of a login (issue 14), in the
// transaction of the change: account.suspended / resumed / deleted / email_changed.
void announce(db::Tx& tx, const std::string& type, const AccountRow& a, const std::string& email = "",
              const std::string& by = "") {
  civic::events::AccountChanged ev;
  ev.set_account_id(a.id);
  ev.set_email(email);
  ev.set_by(by);
  rpc::enqueue_event(tx, type, ev);
}

// The whole deletion of a login, whoever asks: the row (sessions and tokens go with it),
// the audit entry and the announcement.
void delete_login(db::Tx& tx, const Principal& p, const AccountRow& a, const std::string& by) {
  store::delete_account(tx, a.id);
  audit(tx, p, "account.deleted_by_" + by, a.id, {{"login_id", log::mask(a.login_id)}});
  announce(tx, "account.deleted", a, a.email, by);
}


// Validation of fields shared by registration and staff creation.
void check_login_id(validation::Errors& e, const std::string& login_id) {
  if (!e.text("login_id", login_id, {.min_chars = 3, .max_chars = 64})) return;
  bool ok = std::all_of(login_id.begin(), login_id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-' || c == '.';
  });
  if (!ok)
    e.add("login_id", "invalid_format", "ログインIDは半角英数字と _ - . で入力してください",
          "may contain only letters, digits, '_', '-' and '.'");
}

std::string recovery_code() {
  // 10 characters of base32: 50 bits each, single use, shown once.
  return crypto::base32(crypto::random_bytes(7)).substr(0, 10);
}

} // namespace

AuthServiceImpl::AuthServiceImpl(db::Pool& pool, AuthConfig config, crypto::Sealer sealer,
                                 std::function<void()> events_written)
    : pool_(pool),
      config_(std::move(config)),
      sealer_(std::move(sealer)),
      events_written_(std::move(events_written)),
      dummy_hash_(hash_password(crypto::random_token(), config_.argon2)) {}

std::string AuthServiceImpl::bootstrap_admin(const std::string& login_id, const std::string& email) {
  validation::Errors e;
  check_login_id(e, login_id);
  e.email("email", email);
  if (!e.empty()) throw std::invalid_argument(e.list().front().field + ": " + e.list().front().message_en);
  std::string password = temporary_password();
  pool_.transaction([&](db::Tx& tx) {
    if (store::account_by_login(tx, login_id)) throw std::invalid_argument("login_id: is already taken");
    if (store::email_taken(tx, email, "")) throw std::invalid_argument("email: is already registered");
    AccountRow a;
    a.id = crypto::uuid_v4();
    a.login_id = login_id;
    a.email = email;
    a.email_verified = true;
    a.password_hash = hash_password(password, config_.argon2);
    a.roles = {"admin"};
    a.status = "active";
    a.must_change_password = true;
    store::insert_account(tx, a);
    Principal system;
    system.set_caller("bootstrap");
    audit(tx, system, "admin.bootstrap", a.id, {{"login_id", login_id}});
  });
  return password;
}

Status AuthServiceImpl::Register(Ctx* ctx, const RegisterRequest* req, RegisterResponse* resp) {
  Status st = rpc::guarded(ctx, config_.hmac_key, "Register", [&](const Principal& p) {
    return rpc::idempotent(pool_, config_.hmac_key, p, "Register", *req, resp, [&]() -> Status {
      validation::Errors e;
      check_login_id(e, req->login_id());
      e.email("email", req->email());
      check_password(e, "password", req->password(), req->login_id(), req->email());
      if (!e.empty()) return rpc::invalid(e);
      std::string hash = hash_password(req->password(), config_.argon2);
      std::string token = crypto::random_token();
      return pool_.transaction([&](db::Tx& tx) {
        // A taken login id is said (it is chosen, not secret); a registered address is not:
        // the answer is the same as for a new one, and the address's owner is told by mail
        // (ADR 0001). The password was hashed either way, so the timing says nothing.
        if (store::account_by_login(tx, req->login_id())) {
          Status s = rpc::invalid("login_id", "taken", "このログインIDは既に使われています", "is already taken");
          return Status(StatusCode::ALREADY_EXISTS, s.error_message(), s.error_details());
        }
        resp->set_status("pending");
        if (auto owner = store::account_by_email(tx, req->email())) {
          if (store::recent_audit_count(tx, owner->id, "account.register_existing", 60) < config_.mails_per_recipient_hour)
            rpc::request_mail(tx, "auth.register_existing", owner->email, owner->id,
                              {{"login_id", owner->login_id},
                               {"url", config_.public_base_url + "/password-reset"}});
          audit(tx, p, "account.register_existing", owner->id, {{"email", log::mask_email(req->email())}});
          return Status::OK;
        }
        AccountRow a;
        a.id = crypto::uuid_v4();
        a.login_id = req->login_id();
        a.email = req->email();
        a.password_hash = hash;
        a.roles = {"member"};
        a.status = "pending";
        store::insert_account(tx, a);
        store::insert_token(tx, token_hash(token), a.id, "verify_email", std::nullopt, config_.verify_token_minutes);
        rpc::request_mail(tx, "auth.verify_email", a.email, a.id,
                     {{"login_id", a.login_id}, {"url", config_.public_base_url + "/accounts/verify?token=" + token}});
        audit(tx, p, "account.register", a.id, {{"email", log::mask_email(a.email)}});
        return Status::OK;
      });
    });
  });
  if (st.ok()) events_written_();
  return st;
}

Status AuthServiceImpl::VerifyEmail(Ctx* ctx, const VerifyEmailRequest* req, VerifyEmailResponse* resp) {
  Status s = rpc::guarded(ctx, config_.hmac_key, "VerifyEmail", [&](const Principal& p) {
    validation::Errors e;
    e.text("token", req->token(), {.max_chars = 100});
    if (!e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      auto used = store::consume_token(tx, token_hash(req->token()), {"verify_email", "change_email"});
      if (!used) return Status(StatusCode::NOT_FOUND, "リンクが無効か、有効期限が切れています");
      auto account = store::account_by_id(tx, used->account_id, true);
      if (!account) return Status(StatusCode::NOT_FOUND, "リンクが無効か、有効期限が切れています");
      if (used->purpose == "verify_email") {
        store::activate_email(tx, account->id);
        resp->set_email(account->email);
        audit(tx, p, "account.email_verified", account->id);
      } else {
        if (store::email_taken(tx, used->new_email, account->id))
          throw rpc::Abort{Status(StatusCode::ALREADY_EXISTS, "このメールアドレスは既に登録されています")};
        store::set_email(tx, account->id, used->new_email);
        store::spend_account_tokens(tx, account->id);  // a reset link sent to the old address
        announce(tx, "account.email_changed", *account, used->new_email);
        rpc::request_mail(tx, "auth.email_changed", account->email, account->id, {{"login_id", account->login_id}});
        resp->set_email(used->new_email);
        audit(tx, p, "account.email_changed", account->id,
              {{"from", log::mask_email(account->email)}, {"to", log::mask_email(used->new_email)}});
      }
      return Status::OK;
    });
  });
  if (s.ok()) events_written_();
  return s;
}

Status AuthServiceImpl::Login(Ctx* ctx, const LoginRequest* req, LoginResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "Login", [&](const Principal& p) {
    validation::Errors e;
    e.text("login_id", req->login_id(), {.max_chars = 64});
    e.text("password", req->password(), {.max_chars = 128});
    e.text("totp", req->totp(), {.required = false, .max_chars = 16});
    if (!e.empty()) return rpc::invalid(e);

    std::optional<AccountRow> account = pool_.transaction([&](db::Tx& tx) { return store::account_by_login(tx, req->login_id()); });
    // Hash even for unknown or locked accounts: the response time must not tell them apart.
    bool password_ok = verify_password(account ? account->password_hash : dummy_hash_, req->password());
    if (!account) {
      pool_.transaction([&](db::Tx& tx) { audit(tx, p, "login.failed", "", {{"reason", "unknown_login_id"}}); });
      return Status(StatusCode::UNAUTHENTICATED, kLoginFailed);
    }
    // Locks are per (account, source) (ADR 0001): an address that keeps failing is
    // slowed, never the owner at an address that has not failed.
    if (int64_t wait = pool_.read([&](db::Tx& tx) { return store::source_lock_seconds(tx, account->id, p.client_ip()); });
        wait > 0) {
      pool_.transaction([&](db::Tx& tx) {
        audit(tx, p, "login.refused_locked", account->id, {{"seconds_left", wait}});
      });
      return Status(StatusCode::UNAUTHENTICATED, kLoginFailed);
    }
    std::optional<int64_t> totp_step;
    bool recovery_used = false;
    if (password_ok && account->totp_enabled) {
      // A missing or wrong second factor is a failure like a wrong password, with the
      // same answer: anything else would confirm the password to whoever sent it.
      if (req->totp().size() == 6) {
        auto secret = sealer_.open(account->totp_secret, account->id);
        if (secret) totp_step = totp::verify(*secret, req->totp(), time::unix_ms(time::Clock::now()) / 1000,
                                             account->totp_last_step);
        if (!totp_step) password_ok = false;
      } else if (!req->totp().empty()) {
        recovery_used = true;
      } else {
        password_ok = false;
      }
    }
    std::string token = crypto::random_token();
    std::string csrf = crypto::random_token();
    std::string public_id = crypto::uuid_v4();
    bool staff = is_staff_roles(account->roles);
    std::optional<std::string> rehash;
    if (password_ok && needs_rehash(account->password_hash, config_.argon2))
      rehash = hash_password(req->password(), config_.argon2);

    return pool_.transaction([&](db::Tx& tx) {
      bool ok = password_ok;
      if (ok && totp_step && !store::use_totp_step(tx, account->id, *totp_step)) ok = false;  // replayed code
      if (ok && recovery_used) {
        std::string normalised = req->totp();
        std::transform(normalised.begin(), normalised.end(), normalised.begin(), ::toupper);
        ok = store::use_recovery_code(tx, account->id, crypto::sha256(normalised));
        if (ok) audit(tx, p, "login.recovery_code_used", account->id);
      }
      if (!ok) {
        auto failure = store::record_login_failure(tx, account->id, p.client_ip(), config_.lockout_threshold,
                                                   config_.lockout_minutes);
        audit(tx, p, "login.failed", account->id, {{"reason", "bad_credentials"}});
        if (failure.source_locked) audit(tx, p, "account.locked_for_source", account->id);
        // A sustained attack (from however many addresses) is told to the centre, once an hour.
        if (failure.account_failures >= config_.attack_alert_failures &&
            store::recent_audit_count(tx, account->id, "account.login_attack", 60) == 0) {
          audit(tx, p, "account.login_attack", account->id, {{"failures", failure.account_failures}});
          rpc::request_mail(tx, "auth.login_attack", rpc::kCentre, "",
                            {{"login_id", account->login_id}, {"failures", std::to_string(failure.account_failures)}});
          log::warn("login_attack", {{"account_id", account->id}, {"failures", failure.account_failures}});
        }
        return Status(StatusCode::UNAUTHENTICATED, kLoginFailed);
      }
      if (account->status == "pending")
        return Status(StatusCode::FAILED_PRECONDITION, "メールアドレスの確認が済んでいません。届いたメールのリンクを開いてください");
      if (account->status == "suspended")
        return Status(StatusCode::PERMISSION_DENIED, "このアカウントは休止中です");
      store::record_login_success(tx, account->id, p.client_ip(), rehash);
      int idle = staff ? config_.staff_idle_seconds : config_.member_idle_seconds;
      int absolute = staff ? config_.staff_absolute_seconds : config_.member_absolute_seconds;
      store::insert_session(tx, token_hash(token), public_id, account->id, csrf, idle, absolute, p.client_ip(),
                            text::prefix(p.user_agent(), 200));
      audit(tx, p, "login.succeeded", account->id, {{"session", public_id}});
      resp->set_session_token(token);
      resp->set_csrf_token(csrf);
      resp->set_expires_at(store::session_expiry(tx, public_id).value_or(""));
      to_proto(*account, resp->mutable_account());
      return Status::OK;
    });
  });
}

Status AuthServiceImpl::Logout(Ctx* ctx, const Empty*, Empty*) {
  return rpc::guarded(ctx, config_.hmac_key, "Logout", [&](const Principal& p) {
    if (p.session_id().empty()) return unauthenticated();
    pool_.transaction([&](db::Tx& tx) {
      store::delete_session(tx, p.session_id());
      audit(tx, p, "logout", p.account_id(), {{"session", p.session_id()}});
    });
    return Status::OK;
  });
}

Status AuthServiceImpl::ValidateSession(Ctx* ctx, const ValidateSessionRequest* req, ValidateSessionResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ValidateSession", [&](const Principal&) {
    if (req->session_token().empty() || req->session_token().size() > 100) return unauthenticated();
    std::string hash = token_hash(req->session_token());
    return pool_.transaction([&](db::Tx& tx) {
      auto s = store::live_session(tx, hash);
      if (!s || s->status != "active") return unauthenticated();
      if (s->needs_touch) store::touch_session(tx, hash);
      resp->set_account_id(s->account_id);
      resp->set_session_id(s->public_id);
      resp->set_csrf_token(s->csrf_token);
      // Roles take effect only once nothing is pending (temporary password, staff TOTP).
      if (pending_of(s->must_change_password, is_staff_roles(s->roles), s->totp_enabled).empty())
        for (const auto& r : s->roles) resp->add_roles(r);
      return Status::OK;
    });
  });
}

Status AuthServiceImpl::GetMe(Ctx* ctx, const Empty*, Account* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetMe", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    auto a = pool_.read([&](db::Tx& tx) { return store::account_by_id(tx, p.account_id()); });
    if (!a) return unauthenticated();
    to_proto(*a, resp);
    return Status::OK;
  });
}

Status AuthServiceImpl::DeleteMe(Ctx* ctx, const DeleteMeRequest* req, Empty*) {
  return rpc::guarded(ctx, config_.hmac_key, "DeleteMe", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    validation::Errors e;
    e.text("password", req->password(), {.max_chars = 128});
    if (!e.empty()) return rpc::invalid(e);
    auto a = pool_.transaction([&](db::Tx& tx) { return store::account_by_id(tx, p.account_id()); });
    if (!a) return unauthenticated();
    if (!verify_password(a->password_hash, req->password()))
      return rpc::invalid("password", "mismatch", "パスワードが正しくありません", "is not correct");
    pool_.transaction([&](db::Tx& tx) { delete_login(tx, p, *a, "self"); });
    events_written_();
    return Status::OK;
  });
}

void AuthServiceImpl::rotate_if_privileged(db::Tx& tx, const Principal& p, const AccountRow& a, std::string* token,
                                           std::string* csrf) {
  if (!is_staff_roles(a.roles) || !pending_of(a.must_change_password, true, a.totp_enabled).empty()) return;
  std::string new_token = crypto::random_token(), new_csrf = crypto::random_token(), public_id = crypto::uuid_v4();
  store::insert_session(tx, token_hash(new_token), public_id, a.id, new_csrf, config_.staff_idle_seconds,
                        config_.staff_absolute_seconds, p.client_ip(), text::prefix(p.user_agent(), 200));
  if (!p.session_id().empty()) store::delete_session(tx, p.session_id());
  audit(tx, p, "session.rotated", a.id, {{"session", public_id}, {"reason", "staff_rights"}});
  *token = std::move(new_token);
  *csrf = std::move(new_csrf);
}

Status AuthServiceImpl::ChangePassword(Ctx* ctx, const ChangePasswordRequest* req, ChangePasswordResponse* resp) {
  Status st = rpc::guarded(ctx, config_.hmac_key, "ChangePassword", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    auto a = pool_.transaction([&](db::Tx& tx) { return store::account_by_id(tx, p.account_id()); });
    if (!a) return unauthenticated();
    validation::Errors e;
    e.text("current_password", req->current_password(), {.max_chars = 128});
    check_password(e, "new_password", req->new_password(), a->login_id, a->email);
    if (!e.empty()) return rpc::invalid(e);
    if (!verify_password(a->password_hash, req->current_password()))
      return rpc::invalid("current_password", "mismatch", "現在のパスワードが正しくありません", "is not correct");
    if (req->new_password() == req->current_password())
      return rpc::invalid("new_password", "unchanged", "現在と異なるパスワードを入力してください",
                          "must differ from the current password");
    std::string hash = hash_password(req->new_password(), config_.argon2);
    pool_.transaction([&](db::Tx& tx) {
      store::set_password(tx, a->id, hash, false);
      store::spend_account_tokens(tx, a->id);
      // Every other session ends: whoever else knew the old password is out.
      for (const auto& s : store::sessions_of(tx, a->id))
        if (s.public_id != p.session_id()) store::delete_session(tx, s.public_id);
      rpc::request_mail(tx, "auth.password_changed", a->email, a->id, {{"login_id", a->login_id}});
      audit(tx, p, "password.changed", a->id);
      if (auto now = store::account_by_id(tx, a->id))
        rotate_if_privileged(tx, p, *now, resp->mutable_session_token(), resp->mutable_csrf_token());
    });
    return Status::OK;
  });
  if (st.ok()) events_written_();
  return st;
}

Status AuthServiceImpl::ChangeEmail(Ctx* ctx, const ChangeEmailRequest* req, Empty*) {
  Status st = rpc::guarded(ctx, config_.hmac_key, "ChangeEmail", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    validation::Errors e;
    e.email("new_email", req->new_email());
    e.text("password", req->password(), {.max_chars = 128});
    if (!e.empty()) return rpc::invalid(e);
    auto a = pool_.transaction([&](db::Tx& tx) { return store::account_by_id(tx, p.account_id()); });
    if (!a) return unauthenticated();
    if (!verify_password(a->password_hash, req->password()))
      return rpc::invalid("password", "mismatch", "パスワードが正しくありません", "is not correct");
    std::string token = crypto::random_token();
    return pool_.transaction([&](db::Tx& tx) {
      if (store::email_taken(tx, req->new_email(), a->id))
        return rpc::invalid("new_email", "taken", "このメールアドレスは既に登録されています", "is already registered");
      store::spend_account_tokens(tx, a->id);
      store::insert_token(tx, token_hash(token), a->id, "change_email", req->new_email(), config_.verify_token_minutes);
      rpc::request_mail(tx, "auth.change_email", req->new_email(), a->id,
                   {{"login_id", a->login_id}, {"url", config_.public_base_url + "/accounts/verify?token=" + token}});
      audit(tx, p, "email.change_requested", a->id, {{"to", log::mask_email(req->new_email())}});
      return Status::OK;
    });
  });
  if (st.ok()) events_written_();
  return st;
}

Status AuthServiceImpl::RequestPasswordReset(Ctx* ctx, const PasswordResetRequest* req, Empty*) {
  Status st = rpc::guarded(ctx, config_.hmac_key, "RequestPasswordReset", [&](const Principal& p) {
    validation::Errors e;
    e.email("email", req->email());
    if (!e.empty()) return rpc::invalid(e);
    std::string token = crypto::random_token();
    pool_.transaction([&](db::Tx& tx) {
      auto a = store::account_by_email(tx, req->email());
      // The answer is the same whether or not the address is registered.
      if (!a || a->status == "suspended") {
        audit(tx, p, "password.reset_requested_unknown", "", {{"email", log::mask_email(req->email())}});
        return;
      }
      // Per recipient as well as per client address (the gateway's): twenty sources must
      // not fill one mailbox. Silent: the answer stays 202.
      if (store::recent_audit_count(tx, a->id, "password.reset_requested", 60) >= config_.mails_per_recipient_hour) {
        audit(tx, p, "password.reset_throttled", a->id);
        return;
      }
      store::insert_token(tx, token_hash(token), a->id, "reset_password", std::nullopt, config_.reset_token_minutes);
      rpc::request_mail(tx, "auth.password_reset", a->email, a->id,
                   {{"login_id", a->login_id},
                    {"url", config_.public_base_url + "/password-reset?token=" + token},
                    {"minutes", std::to_string(config_.reset_token_minutes)}});
      audit(tx, p, "password.reset_requested", a->id);
    });
    return Status::OK;
  });
  if (st.ok()) events_written_();
  return st;
}

Status AuthServiceImpl::ConfirmPasswordReset(Ctx* ctx, const PasswordResetConfirmRequest* req, Empty*) {
  Status st = rpc::guarded(ctx, config_.hmac_key, "ConfirmPasswordReset", [&](const Principal& p) {
    validation::Errors e;
    e.text("token", req->token(), {.max_chars = 100});
    e.text("new_password", req->new_password(), {.max_chars = 128});
    if (!e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      auto used = store::consume_token(tx, token_hash(req->token()), {"reset_password"});
      if (!used) return Status(StatusCode::NOT_FOUND, "リンクが無効か、有効期限が切れています");
      auto a = store::account_by_id(tx, used->account_id, true);
      if (!a) return Status(StatusCode::NOT_FOUND, "リンクが無効か、有効期限が切れています");
      validation::Errors policy;
      check_password(policy, "new_password", req->new_password(), a->login_id, a->email);
      // Aborting rolls the transaction back, so the link stays usable for a better password.
      if (!policy.empty()) throw rpc::Abort{rpc::invalid(policy)};
      store::set_password(tx, a->id, hash_password(req->new_password(), config_.argon2), false);
      store::spend_account_tokens(tx, a->id);
      store::unlock(tx, a->id);
      store::delete_sessions_of(tx, a->id);
      // Receiving the mail proves the address, so a pending registration completes too.
      if (a->status == "pending") store::activate_email(tx, a->id);
      rpc::request_mail(tx, "auth.password_changed", a->email, a->id, {{"login_id", a->login_id}});
      audit(tx, p, "password.reset", a->id);
      return Status::OK;
    });
  });
  if (st.ok()) events_written_();
  return st;
}

Status AuthServiceImpl::ListSessions(Ctx* ctx, const Empty*, ListSessionsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListSessions", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    auto sessions = pool_.transaction([&](db::Tx& tx) { return store::sessions_of(tx, p.account_id()); });
    for (const auto& s : sessions) {
      auto* out = resp->add_items();
      out->set_id(s.public_id);
      out->set_created_at(s.created_at);
      out->set_last_seen_at(s.last_seen_at);
      out->set_expires_at(s.expires_at);
      out->set_client_ip(s.client_ip);
      out->set_user_agent(s.user_agent);
      out->set_current(s.public_id == p.session_id());
    }
    return Status::OK;
  });
}

Status AuthServiceImpl::RevokeSession(Ctx* ctx, const RevokeSessionRequest* req, Empty*) {
  return rpc::guarded(ctx, config_.hmac_key, "RevokeSession", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return not_found();
    return pool_.transaction([&](db::Tx& tx) {
      // Another account's session id answers exactly like a missing one.
      if (!store::delete_own_session(tx, p.account_id(), req->id())) return not_found();
      audit(tx, p, "session.revoked", p.account_id(), {{"session", req->id()}});
      return Status::OK;
    });
  });
}

Status AuthServiceImpl::BeginTotpEnrolment(Ctx* ctx, const Empty*, TotpEnrolmentResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "BeginTotpEnrolment", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    std::string secret = crypto::random_bytes(20);
    return pool_.transaction([&](db::Tx& tx) {
      auto a = store::account_by_id(tx, p.account_id(), true);
      if (!a) return unauthenticated();
      if (a->totp_enabled)
        return Status(StatusCode::FAILED_PRECONDITION, "二要素認証は既に有効です");
      store::set_totp_secret(tx, a->id, sealer_.seal(secret, a->id));
      std::string b32 = crypto::base32(secret);
      resp->set_secret(b32);
      resp->set_otpauth_uri(totp::uri(config_.totp_issuer, a->login_id, b32));
      audit(tx, p, "totp.enrolment_started", a->id);
      return Status::OK;
    });
  });
}

Status AuthServiceImpl::ConfirmTotpEnrolment(Ctx* ctx, const TotpConfirmRequest* req, TotpConfirmResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ConfirmTotpEnrolment", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    validation::Errors e;
    e.text("code", req->code(), {.min_chars = 6, .max_chars = 6});
    if (!e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      auto a = store::account_by_id(tx, p.account_id(), true);
      if (!a) return unauthenticated();
      if (a->totp_enabled) return Status(StatusCode::FAILED_PRECONDITION, "二要素認証は既に有効です");
      auto secret = a->totp_secret.empty() ? std::nullopt : sealer_.open(a->totp_secret, a->id);
      if (!secret) return Status(StatusCode::FAILED_PRECONDITION, "先に登録を開始してください");
      auto step = totp::verify(*secret, req->code(), time::unix_ms(time::Clock::now()) / 1000, a->totp_last_step);
      if (!step) return rpc::invalid("code", "mismatch", "確認コードが正しくありません", "is not correct");
      store::enable_totp(tx, a->id, *step);
      std::vector<std::string> hashes;
      for (int i = 0; i < 10; ++i) {
        std::string code = recovery_code();
        resp->add_recovery_codes(code);
        hashes.push_back(crypto::sha256(code));
      }
      store::replace_recovery_codes(tx, a->id, hashes);
      audit(tx, p, "totp.enabled", a->id);
      if (auto now = store::account_by_id(tx, a->id))
        rotate_if_privileged(tx, p, *now, resp->mutable_session_token(), resp->mutable_csrf_token());
      return Status::OK;
    });
  });
}

Status AuthServiceImpl::DisableTotp(Ctx* ctx, const TotpDisableRequest* req, Empty*) {
  return rpc::guarded(ctx, config_.hmac_key, "DisableTotp", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    auto a = pool_.transaction([&](db::Tx& tx) { return store::account_by_id(tx, p.account_id()); });
    if (!a) return unauthenticated();
    if (is_staff_roles(a->roles))
      return Status(StatusCode::PERMISSION_DENIED, "職員アカウントは二要素認証を無効にできません");
    if (!verify_password(a->password_hash, req->password()))
      return rpc::invalid("password", "mismatch", "パスワードが正しくありません", "is not correct");
    pool_.transaction([&](db::Tx& tx) {
      store::disable_totp(tx, a->id);
      audit(tx, p, "totp.disabled", a->id);
    });
    return Status::OK;
  });
}

Status AuthServiceImpl::ListAccounts(Ctx* ctx, const ListAccountsRequest* req, ListAccountsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListAccounts", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    validation::Errors e;
    rpc::check_declared(*req, e);
    e.text("q", req->q(), {.required = false, .max_chars = 100});
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    auto found = pool_.transaction([&](db::Tx& tx) {
      return store::list_accounts(tx, req->status(), req->role(), req->q(), page.limit, page.offset);
    });
    for (const auto& a : found.items) to_proto(a, resp->add_items());
    resp->set_total_size(int32_t(found.total));
    resp->set_next_page_token(paging::next_token(page, found.items.size(), found.total));
    return Status::OK;
  });
}

Status AuthServiceImpl::CreateStaffAccount(Ctx* ctx, const CreateStaffAccountRequest* req,
                                           CreateStaffAccountResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "CreateStaffAccount", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    validation::Errors e;
    check_login_id(e, req->login_id());
    e.email("email", req->email());
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    std::string password = temporary_password();
    std::string hash = hash_password(password, config_.argon2);
    return pool_.transaction([&](db::Tx& tx) {
      if (store::account_by_login(tx, req->login_id()))
        return Status(StatusCode::ALREADY_EXISTS, "このログインIDは既に使われています");
      if (store::email_taken(tx, req->email(), ""))
        return Status(StatusCode::ALREADY_EXISTS, "このメールアドレスは既に登録されています");
      AccountRow a;
      a.id = crypto::uuid_v4();
      a.login_id = req->login_id();
      a.email = req->email();
      a.email_verified = true;
      a.password_hash = hash;
      a.roles.assign(req->roles().begin(), req->roles().end());
      a.status = "active";
      a.must_change_password = true;
      store::insert_account(tx, a);
      audit(tx, p, "staff.created", a.id, {{"roles", a.roles}});
      auto created = store::account_by_id(tx, a.id);
      to_proto(*created, resp->mutable_account());
      resp->set_temporary_password(password);
      return Status::OK;
    });
  });
}

Status AuthServiceImpl::SetRoles(Ctx* ctx, const SetRolesRequest* req, Account* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "SetRoles", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    validation::Errors e;
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    if (req->id() == p.account_id())
      return Status(StatusCode::FAILED_PRECONDITION, "自分自身の権限は変更できません");
    return pool_.transaction([&](db::Tx& tx) {
      auto a = store::account_by_id(tx, req->id(), true);
      if (!a) return not_found();
      std::vector<std::string> roles(req->roles().begin(), req->roles().end());
      std::sort(roles.begin(), roles.end());
      roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
      store::set_roles(tx, a->id, roles);
      store::delete_sessions_of(tx, a->id);  // new roles apply from a fresh login
      audit(tx, p, "account.roles_changed", a->id, {{"from", a->roles}, {"to", roles}});
      to_proto(*store::account_by_id(tx, a->id), resp);
      return Status::OK;
    });
  });
}

Status AuthServiceImpl::set_status_by_admin(Ctx* ctx, const AccountIdRequest* req, Account* resp, const char* method,
                                            const char* action) {
  Status st = rpc::guarded(ctx, config_.hmac_key, method, [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    std::string act(action);
    if (req->id() == p.account_id() && act != "account.unlocked")
      return Status(StatusCode::FAILED_PRECONDITION, "自分自身には実行できません");
    return pool_.transaction([&](db::Tx& tx) {
      auto a = store::account_by_id(tx, req->id(), true);
      if (!a) return not_found();
      if (act == "account.suspended") {
        if (a->status == "suspended") return Status(StatusCode::FAILED_PRECONDITION, "既に休止中です");
        store::set_status(tx, a->id, "suspended");
        store::delete_sessions_of(tx, a->id);
        store::spend_account_tokens(tx, a->id);
        announce(tx, act, *a);
      } else if (act == "account.resumed") {
        if (a->status != "suspended") return Status(StatusCode::FAILED_PRECONDITION, "休止中ではありません");
        store::set_status(tx, a->id, a->email_verified ? "active" : "pending");
        announce(tx, act, *a);
      } else {
        store::unlock(tx, a->id);
      }
      audit(tx, p, act, a->id);
      to_proto(*store::account_by_id(tx, a->id), resp);
      return Status::OK;
    });
  });
  if (st.ok()) events_written_();
  return st;
}

Status AuthServiceImpl::SuspendAccount(Ctx* ctx, const AccountIdRequest* req, Account* resp) {
  return set_status_by_admin(ctx, req, resp, "SuspendAccount", "account.suspended");
}
Status AuthServiceImpl::ResumeAccount(Ctx* ctx, const AccountIdRequest* req, Account* resp) {
  return set_status_by_admin(ctx, req, resp, "ResumeAccount", "account.resumed");
}
Status AuthServiceImpl::UnlockAccount(Ctx* ctx, const AccountIdRequest* req, Account* resp) {
  return set_status_by_admin(ctx, req, resp, "UnlockAccount", "account.unlocked");
}

Status AuthServiceImpl::GetAccount(Ctx* ctx, const AccountIdRequest* req, Account* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetAccount", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return not_found();
    auto a = pool_.read([&](db::Tx& tx) { return store::account_by_id(tx, req->id()); });
    if (!a) return not_found();
    to_proto(*a, resp);
    return Status::OK;
  });
}

// AUTH-7: the operations an admin performs on another staff account, each audited. One
// staff account is the target (members manage their own), never the admin itself (its
// own password, address and TOTP go through the member routes, with its password).
Status AuthServiceImpl::on_staff_account(Ctx* ctx, const std::string& id, const char* method,
                                         const std::function<Status(db::Tx&, const Principal&, const AccountRow&)>& fn) {
  Status st = rpc::guarded(ctx, config_.hmac_key, method, [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    if (!validation::is_uuid(id)) return not_found();
    if (id == p.account_id())
      return Status(StatusCode::FAILED_PRECONDITION, "自分自身のアカウントはマイページから変更してください");
    return pool_.transaction([&](db::Tx& tx) {
      auto a = store::account_by_id(tx, id, true);
      if (!a) return not_found();
      if (!is_staff_roles(a->roles))
        return Status(StatusCode::FAILED_PRECONDITION, "職員のアカウントではありません");
      return fn(tx, p, *a);
    });
  });
  if (st.ok()) events_written_();
  return st;
}

Status AuthServiceImpl::UpdateStaffAccount(Ctx* ctx, const UpdateStaffAccountRequest* req,
                                           UpdateStaffAccountResponse* resp) {
  validation::Errors e;
  e.text("display_name", req->display_name(), {.required = false, .max_chars = 100});
  if (!req->email().empty()) e.email("email", req->email());
  if (req->display_name().empty() && req->email().empty())
    e.add("display_name", "required", "表示名かメールアドレスを入力してください", "give a display name or an e-mail");
  std::string token = crypto::random_token();
  return on_staff_account(ctx, req->id(), "UpdateStaffAccount", [&](db::Tx& tx, const Principal& p, const AccountRow& a) {
    if (!e.empty()) return rpc::invalid(e);
    if (!req->display_name().empty() && req->display_name() != a.display_name) {
      store::set_display_name(tx, a.id, req->display_name());
      audit(tx, p, "staff.display_name_changed", a.id);
    }
    if (!req->email().empty() && req->email() != a.email) {
      if (store::email_taken(tx, req->email(), a.id))
        return rpc::invalid("email", "taken", "このメールアドレスは既に登録されています", "is already registered");
      // The new address confirms before it is used; until then the old one stays.
      store::spend_account_tokens(tx, a.id);
      store::insert_token(tx, token_hash(token), a.id, "change_email", req->email(), config_.verify_token_minutes);
      rpc::request_mail(tx, "auth.change_email", req->email(), a.id,
                        {{"login_id", a.login_id}, {"url", config_.public_base_url + "/accounts/verify?token=" + token}});
      audit(tx, p, "staff.email_change_requested", a.id, {{"to", log::mask_email(req->email())}});
      resp->set_email_confirmation_sent(true);
    }
    to_proto(*store::account_by_id(tx, a.id), resp->mutable_account());
    return Status::OK;
  });
}

Status AuthServiceImpl::ReissueTemporaryPassword(Ctx* ctx, const AccountIdRequest* req, TemporaryPasswordResponse* resp) {
  return on_staff_account(ctx, req->id(), "ReissueTemporaryPassword",
                          [&](db::Tx& tx, const Principal& p, const AccountRow& a) {
                            // Hashed only once the caller is known to be an admin.
                            std::string password = temporary_password();
                            store::set_password(tx, a.id, hash_password(password, config_.argon2), true);
                            store::delete_sessions_of(tx, a.id);
                            store::spend_account_tokens(tx, a.id);
                            audit(tx, p, "staff.password_reissued", a.id);
                            to_proto(*store::account_by_id(tx, a.id), resp->mutable_account());
                            resp->set_temporary_password(password);
                            return Status::OK;
                          });
}

Status AuthServiceImpl::ResetTotp(Ctx* ctx, const AccountIdRequest* req, Account* resp) {
  return on_staff_account(ctx, req->id(), "ResetTotp", [&](db::Tx& tx, const Principal& p, const AccountRow& a) {
    store::disable_totp(tx, a.id);  // and its recovery codes; enrolment is pending again
    store::delete_sessions_of(tx, a.id);
    audit(tx, p, "staff.totp_reset", a.id);
    to_proto(*store::account_by_id(tx, a.id), resp);
    return Status::OK;
  });
}

Status AuthServiceImpl::DeleteAccount(Ctx* ctx, const AccountIdRequest* req, Empty*) {
  Status st = rpc::guarded(ctx, config_.hmac_key, "DeleteAccount", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    if (req->id() == p.account_id()) return Status(StatusCode::FAILED_PRECONDITION, "自分自身は削除できません");
    return pool_.transaction([&](db::Tx& tx) {
      auto a = store::account_by_id(tx, req->id(), true);
      if (!a) return not_found();
      delete_login(tx, p, *a, "admin");
      return Status::OK;
    });
  });
  if (st.ok()) events_written_();
  return st;
}

// Issue 15 (OPS-5): a login of the former system, as tools/import hands it over. Its
// password hash is kept as it was until its owner's first login replaces it by Argon2id
// (verify_password, needs_rehash); an address confirmed there is not asked again. A
// re-run finds it by its legacy id: what changed is updated — the hash only while it is
// still the old system's — and an unchanged login is left alone. validate_only runs all
// of it and rolls it back (tools/import --dry-run).
Status AuthServiceImpl::ImportAccount(Ctx* ctx, const ImportAccountRequest* req, civic::common::ImportResult* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ImportAccount", [&](const Principal& p) {
    if (Status s = rpc::require_importer(p); !s.ok()) return s;
    validation::Errors e;
    rpc::check_meta(e, req->meta());
    check_login_id(e, req->login_id());
    e.email("email", req->email());
    if (!req->password_hash().empty() && !is_legacy_hash(req->password_hash()))
      e.add("password_hash", "unsupported", "旧システムのパスワード形式（phpass・bcrypt・MD5）ではありません",
            "not a password hash of the former system (phpass, bcrypt, MD5)");
    if (!e.empty()) return rpc::invalid(e);
    ImportedAccount in{req->meta().legacy_id(), req->login_id(), req->email(), req->email_verified(),
                       req->password_hash().empty() ? "!" : req->password_hash(),
                       rpc::imported(req->meta()).created_at};
    return pool_.transaction([&](db::Tx& tx) {
      auto existing = store::account_by_legacy_id(tx, in.legacy_id);
      auto other = [&](const std::optional<AccountRow>& a) { return a && (!existing || a->id != existing->id); };
      if (other(store::account_by_login(tx, in.login_id)))
        return rpc::invalid("login_id", "taken", "このログインIDは既に使われています", "is already taken");
      if (other(store::account_by_email(tx, in.email)))
        return rpc::invalid("email", "taken", "このメールアドレスは既に登録されています", "is already registered");
      if (!existing) {
        std::string id = crypto::uuid_v4();
        store::insert_imported(tx, id, in);
        audit(tx, p, "account.imported", id, {{"legacy_id", in.legacy_id}});
        resp->set_id(id);
        resp->set_outcome("created");
        if (req->meta().validate_only()) throw rpc::Abort{Status::OK};  // checked; rolled back
        return Status::OK;
      }
      // The hash only while the owner has not logged in here (it is still the old one).
      bool old_hash = existing->password_hash == "!" || is_legacy_hash(existing->password_hash);
      std::optional<std::string> hash;
      if (old_hash && existing->password_hash != in.password_hash) hash = in.password_hash;
      bool changed = hash || existing->login_id != in.login_id || existing->email != in.email ||
                     (in.email_verified && !existing->email_verified);
      resp->set_id(existing->id);
      resp->set_outcome(changed ? "updated" : "unchanged");
      if (!changed) return Status::OK;
      store::update_imported(tx, existing->id, in, hash);
      audit(tx, p, "account.import_updated", existing->id, {{"legacy_id", in.legacy_id}});
      if (req->meta().validate_only()) throw rpc::Abort{Status::OK};  // checked; rolled back
      return Status::OK;
    });
  });
}

Status AuthServiceImpl::GetAccountContact(Ctx* ctx, const AccountIdRequest* req, AccountContact* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetAccountContact", [&](const Principal& p) {
    // Personal data for the services that mail an account's owner, never for a browser.
    if (!rpc::has_role(p, "service") ||
        (p.caller() != "matching" && p.caller() != "directory" && p.caller() != "notification"))
      return Status(StatusCode::PERMISSION_DENIED, "権限がありません");
    if (!validation::is_uuid(req->id())) return not_found();
    auto a = pool_.read([&](db::Tx& tx) { return store::account_by_id(tx, req->id()); });
    if (!a) return not_found();
    resp->set_account_id(a->id);
    resp->set_email_verified(a->email_verified);
    if (a->email_verified) resp->set_email(a->email);
    resp->set_status(a->status);
    return Status::OK;
  });
}

AccountEventSink::AccountEventSink(db::Pool& pool, std::string hmac_key, std::function<void()> events_written)
    : pool_(pool), hmac_key_(std::move(hmac_key)), events_written_(std::move(events_written)) {}

// member.withdrawn (matching): an Aikasanet member withdrew, so the login ends too. A
// login deleted already (the member deleted it, or a redelivery) is nothing to do.
// audit.recorded (every service): a staff action joins the one audit log, under the
// name of the service that signed the delivery.
Status AccountEventSink::Deliver(grpc::ServerContext* ctx, const civic::events::Event* event,
                                 civic::events::DeliverResponse*) {
  Status st = rpc::deliver_once(ctx, hmac_key_, pool_, *event, [&](db::Tx& tx, const Principal& sender) {
    if (event->type() == "audit.recorded") {
      civic::events::AuditRecorded a;
      if (!a.ParseFromString(event->payload()) || sender.caller().empty() || !nlohmann::json::accept(a.detail()))
        return log::warn("event_ignored", {{"event_id", event->id()}, {"type", event->type()}});
      store::append_audit(tx, {a.actor_account_id(), a.client_ip(), a.action(), a.entity_id(), a.detail(),
                               a.request_id(), sender.caller(), a.entity_type(), a.at_unix_us()});
      return;
    }
    civic::events::MemberWithdrawn w;
    if (event->type() != "member.withdrawn" || !w.ParseFromString(event->payload()) ||
        !validation::is_uuid(w.account_id()))
      return log::warn("event_ignored", {{"event_id", event->id()}, {"type", event->type()}});
    auto a = store::account_by_id(tx, w.account_id(), true);
    if (!a) return;
    Principal by;
    by.set_caller("matching");
    delete_login(tx, by, *a, "withdrawal");
  });
  if (st.ok()) events_written_();
  return st;
}

namespace {
// The audit list's and export's filters, checked; `from`/`to` are JST dates, inclusive.
std::optional<AuditFilter> audit_filter(const ListAuditEventsRequest& req, validation::Errors& e) {
  e.text("action", req.action(), {.required = false, .max_chars = 64});
  e.text("account_id", req.account_id(), {.required = false, .max_chars = 36});
  e.text("actor", req.actor(), {.required = false, .max_chars = 36});
  rpc::check_declared(req, e);
  e.text("entity_type", req.entity_type(), {.required = false, .max_chars = 64});
  e.text("entity_id", req.entity_id(), {.required = false, .max_chars = 128});
  e.date("from", req.from(), false);
  e.date("to", req.to(), false);
  if (validation::is_date(req.from()) && validation::is_date(req.to()) && req.to() < req.from())
    e.add("to", "invalid_range", "終了日は開始日以降にしてください", "must not be before from");
  if (!e.empty()) return std::nullopt;
  // Midnight in Tokyo (UTC+9) of a day, in microseconds since the epoch.
  auto tokyo_midnight_us = [](int32_t day) { return (int64_t(day) * 86400 - 9 * 3600) * 1000000; };
  AuditFilter f{req.action(), req.account_id(), req.actor(), req.service(), req.entity_type(), req.entity_id()};
  if (!req.from().empty()) f.from_us = tokyo_midnight_us(time::day_number(req.from()));
  if (!req.to().empty()) f.to_us = tokyo_midnight_us(time::day_number(req.to()) + 1);
  return f;
}

void render_audit(const AuditRow& r, AuditEvent* out) {
  out->set_seq(r.seq);
  out->set_at(time::iso8601(time::Clock::time_point(std::chrono::microseconds(r.at_us)), true));
  out->set_service(r.service);
  out->set_actor_account_id(r.actor);
  out->set_client_ip(r.ip);
  out->set_request_id(r.request_id);
  out->set_action(r.action);
  out->set_entity_type(r.entity_type);
  out->set_entity_id(r.entity_id);
  if (r.entity_type == "account") out->set_target_account_id(r.entity_id);
  out->set_detail(r.detail);
  out->set_hash(crypto::hex(r.hash));
}
} // namespace

Status AuthServiceImpl::ListAuditEvents(Ctx* ctx, const ListAuditEventsRequest* req, ListAuditEventsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListAuditEvents", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    validation::Errors e;
    auto filter = audit_filter(*req, e);
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    return pool_.read([&](db::Tx& tx) {
      int64_t total = 0;
      auto rows = store::list_audit(tx, *filter, page.limit, page.offset, total);
      for (const auto& r : rows) render_audit(r, resp->add_items());
      resp->set_total_size(int32_t(total));
      resp->set_next_page_token(paging::next_token(page, rows.size(), total));
      resp->set_chain_intact(store::audit_chain_intact(tx));
      return Status::OK;
    });
  });
}

// The log as CSV (OPS-4), with the list's filters; the export is itself audited.
Status AuthServiceImpl::ExportAuditEvents(Ctx* ctx, const ListAuditEventsRequest* req, civic::common::HttpBody* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ExportAuditEvents", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    validation::Errors e;
    auto filter = audit_filter(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      constexpr int kAll = 1000000;
      int64_t total = 0;
      auto rows = store::list_audit(tx, *filter, kAll, 0, total);
      std::string out(csv::kBom);
      out += csv::row({"seq", "日時", "サービス", "操作者", "接続元", "リクエストID", "操作", "対象種別", "対象ID",
                       "詳細", "ハッシュ"});
      for (const auto& r : rows) {
        AuditEvent a;
        render_audit(r, &a);
        out += csv::row({std::to_string(a.seq()), a.at(), a.service(), a.actor_account_id(), a.client_ip(),
                         a.request_id(), a.action(), a.entity_type(), a.entity_id(), a.detail(), a.hash()});
      }
      // Recorded in the log itself, here (auth's entries need no outbox).
      auto given = rpc::filters_given({{"action", req->action()}, {"account_id", req->account_id()},
                                       {"actor", req->actor()}, {"service", req->service()},
                                       {"entity_type", req->entity_type()}, {"entity_id", req->entity_id()},
                                       {"from", req->from()}, {"to", req->to()}});
      audit(tx, p, "audit.exported", "", {{"rows", rows.size()}, {"filters", given}});
      rpc::csv_download(resp, "監査ログ.csv", std::move(out));
      return Status::OK;
    });
  });
}

} // namespace civic::auth
