// The AuthService gRPC methods: authorise the principal, validate input, run the
// store calls in one transaction, write audit rows and mail events alongside.
#pragma once
#include <functional>
#include <string>

#include "auth/password.h"
#include "auth/store.h"
#include "civic/auth.grpc.pb.h"
#include "civic/events.grpc.pb.h"
#include "core/crypto.h"
#include "db/db.h"
#include "rpc/principal.h"

namespace civic::auth {

struct AuthConfig {
  std::string hmac_key;                                  // internal principal key
  std::string public_base_url = "http://127.0.0.1:8080"; // links in mails
  Argon2Params argon2;
  int lockout_threshold = 5;
  int lockout_minutes = 15;      // first lock of an (account, source); doubles with each further lock (max x64)
  int attack_alert_failures = 50;  // failures from every source since the last success that alert the centre
  int member_idle_seconds = 30 * 60;
  int member_absolute_seconds = 12 * 3600;
  int staff_idle_seconds = 15 * 60;
  int staff_absolute_seconds = 8 * 3600;
  int verify_token_minutes = 24 * 60;
  int reset_token_minutes = 30;
  int mails_per_recipient_hour = 3;  // reset and "already registered" mails to one account an hour (issue 12)
  std::string totp_issuer = "Yamaguchi Civic";
};

class AuthServiceImpl final : public civic::auth::AuthService::Service {
 public:
  /// `events_written` is called after a commit that wrote outbox events (wakes the relay).
  AuthServiceImpl(db::Pool& pool, AuthConfig config, crypto::Sealer sealer, std::function<void()> events_written);

  /// Creates an active admin account with a temporary password that must be changed,
  /// and TOTP enrolment pending; returns the password. Throws std::invalid_argument
  /// with the violations when the login id or e-mail is invalid or taken.
  std::string bootstrap_admin(const std::string& login_id, const std::string& email);

  using Ctx = grpc::ServerContext;
  using Empty = civic::common::Empty;

  grpc::Status Register(Ctx*, const RegisterRequest*, RegisterResponse*) override;
  grpc::Status VerifyEmail(Ctx*, const VerifyEmailRequest*, VerifyEmailResponse*) override;
  grpc::Status Login(Ctx*, const LoginRequest*, LoginResponse*) override;
  grpc::Status Logout(Ctx*, const Empty*, Empty*) override;
  grpc::Status ValidateSession(Ctx*, const ValidateSessionRequest*, ValidateSessionResponse*) override;
  grpc::Status GetMe(Ctx*, const Empty*, Account*) override;
  grpc::Status DeleteMe(Ctx*, const DeleteMeRequest*, Empty*) override;
  grpc::Status ChangePassword(Ctx*, const ChangePasswordRequest*, ChangePasswordResponse*) override;
  grpc::Status ChangeEmail(Ctx*, const ChangeEmailRequest*, Empty*) override;
  grpc::Status RequestPasswordReset(Ctx*, const PasswordResetRequest*, Empty*) override;
  grpc::Status ConfirmPasswordReset(Ctx*, const PasswordResetConfirmRequest*, Empty*) override;
  grpc::Status ListSessions(Ctx*, const Empty*, ListSessionsResponse*) override;
  grpc::Status RevokeSession(Ctx*, const RevokeSessionRequest*, Empty*) override;
  grpc::Status BeginTotpEnrolment(Ctx*, const Empty*, TotpEnrolmentResponse*) override;
  grpc::Status ConfirmTotpEnrolment(Ctx*, const TotpConfirmRequest*, TotpConfirmResponse*) override;
  grpc::Status DisableTotp(Ctx*, const TotpDisableRequest*, Empty*) override;
  grpc::Status ListAccounts(Ctx*, const ListAccountsRequest*, ListAccountsResponse*) override;
  grpc::Status CreateStaffAccount(Ctx*, const CreateStaffAccountRequest*, CreateStaffAccountResponse*) override;
  grpc::Status SetRoles(Ctx*, const SetRolesRequest*, Account*) override;
  grpc::Status GetAccount(Ctx*, const AccountIdRequest*, Account*) override;
  grpc::Status UpdateStaffAccount(Ctx*, const UpdateStaffAccountRequest*, UpdateStaffAccountResponse*) override;
  grpc::Status ReissueTemporaryPassword(Ctx*, const AccountIdRequest*, TemporaryPasswordResponse*) override;
  grpc::Status ResetTotp(Ctx*, const AccountIdRequest*, Account*) override;
  grpc::Status SuspendAccount(Ctx*, const AccountIdRequest*, Account*) override;
  grpc::Status ResumeAccount(Ctx*, const AccountIdRequest*, Account*) override;
  grpc::Status UnlockAccount(Ctx*, const AccountIdRequest*, Account*) override;
  grpc::Status DeleteAccount(Ctx*, const AccountIdRequest*, Empty*) override;
  grpc::Status ListAuditEvents(Ctx*, const ListAuditEventsRequest*, ListAuditEventsResponse*) override;
  grpc::Status ExportAuditEvents(Ctx*, const ListAuditEventsRequest*, civic::common::HttpBody*) override;
  grpc::Status GetAccountContact(Ctx*, const AccountIdRequest*, AccountContact*) override;
  grpc::Status ImportAccount(Ctx*, const ImportAccountRequest*, civic::common::ImportResult*) override;
  // AUTH-9: partner systems' API clients (api_clients.cpp).
  grpc::Status ValidateApiClient(Ctx*, const ValidateApiClientRequest*, ValidateApiClientResponse*) override;
  grpc::Status ListApiClients(Ctx*, const Empty*, ListApiClientsResponse*) override;
  grpc::Status CreateApiClient(Ctx*, const CreateApiClientRequest*, ApiClientSecret*) override;
  grpc::Status RotateApiClient(Ctx*, const RotateApiClientRequest*, ApiClientSecret*) override;
  grpc::Status DeleteApiClient(Ctx*, const AccountIdRequest*, Empty*) override;

 private:
  /// When `a` is staff and nothing is pending any more, replaces the caller's session by
  /// a new one (the rights it now carries must not ride on a token minted without them)
  /// and sets `token` and `csrf`; otherwise leaves them empty.
  void rotate_if_privileged(db::Tx& tx, const rpc::Principal& p, const AccountRow& a, std::string* token,
                            std::string* csrf);
  grpc::Status on_staff_account(Ctx* ctx, const std::string& id, const char* method,
                                const std::function<grpc::Status(db::Tx&, const rpc::Principal&, const AccountRow&)>& fn);
  grpc::Status set_status_by_admin(Ctx* ctx, const AccountIdRequest* req, Account* resp, const char* method,
                                   const char* action);

  db::Pool& pool_;
  AuthConfig config_;
  crypto::Sealer sealer_;
  std::function<void()> events_written_;
  std::string dummy_hash_;  // verified against for unknown login ids, so timing reveals nothing
};

/// Follows the other services' events: member.withdrawn (matching) ends the login of a
/// member who withdrew from Aikasanet; audit.recorded (every service) joins the audit log.
class AccountEventSink final : public civic::events::EventSink::Service {
 public:
  AccountEventSink(db::Pool& pool, std::string hmac_key, std::function<void()> events_written);
  grpc::Status Deliver(grpc::ServerContext*, const civic::events::Event*, civic::events::DeliverResponse*) override;

 private:
  db::Pool& pool_;
  std::string hmac_key_;
  std::function<void()> events_written_;
};

} // namespace civic::auth
