#include "import/services.h"

#include <grpcpp/grpcpp.h>

#include <stdexcept>

#include "civic/common.pb.h"
#include "core/config.h"
#include "rpc/principal.h"

namespace civic::import {
namespace {

std::string field(const std::map<std::string, std::string>& f, const char* name) {
  auto it = f.find(name);
  return it == f.end() ? "" : it->second;
}

// A refusal as the report lists it: each field violation, or the status message.
Services::Result refused(const grpc::Status& st) {
  if (st.error_code() == grpc::StatusCode::UNAVAILABLE || st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
    throw std::runtime_error("a service cannot be reached: " + st.error_message());
  Services::Result r;
  civic::common::ErrorDetail detail;
  if (detail.ParseFromString(st.error_details()))
    for (const auto& v : detail.violations()) r.problems.push_back({v.field(), v.message()});
  if (r.problems.empty()) r.problems.push_back({"", st.error_message()});
  return r;
}

} // namespace

Services::Services() : key_(config::secret("INTERNAL_HMAC_KEY")) {
  auto channel = [](const char* var, const char* fallback) {
    return grpc::CreateChannel(config::str(var, fallback), grpc::InsecureChannelCredentials());
  };
  auth_ = civic::auth::AuthService::NewStub(channel("AUTH_SERVICE_ADDR", "127.0.0.1:50051"));
  notification_ = civic::notification::NotificationService::NewStub(
      channel("NOTIFICATION_SERVICE_ADDR", "127.0.0.1:50052"));
}

bool Services::knows(const std::string& entity) { return entity == "accounts" || entity == "subscribers"; }

Services::Result Services::import(const std::string& entity, const std::map<std::string, std::string>& f, bool dry_run) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  rpc::Principal p;
  p.add_roles("service");
  p.set_caller("import");
  rpc::attach(ctx, p, key_);
  grpc::Status st;
  civic::common::ImportResult result;
  if (entity == "accounts") {
    civic::auth::ImportAccountRequest req;
    req.set_legacy_id(field(f, "legacy_id"));
    req.set_login_id(field(f, "login_id"));
    req.set_email(field(f, "email"));
    req.set_email_verified(field(f, "email_verified") == "true");
    req.set_password_hash(field(f, "password_hash"));
    req.set_created_at(field(f, "created_at"));
    req.set_validate_only(dry_run);
    st = auth_->ImportAccount(&ctx, req, &result);
  } else if (entity == "subscribers") {
    civic::notification::ImportSubscriberRequest req;
    req.set_legacy_id(field(f, "legacy_id"));
    req.set_site(field(f, "site"));
    req.set_email(field(f, "email"));
    req.set_subscribed_at(field(f, "subscribed_at"));
    req.set_validate_only(dry_run);
    st = notification_->ImportSubscriber(&ctx, req, &result);
  } else {
    throw std::logic_error("no import call for " + entity);
  }
  if (!st.ok()) return refused(st);
  return {result.outcome(), {}};
}

} // namespace civic::import
