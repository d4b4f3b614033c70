#include "rpc/accounts.h"

#include <chrono>

#include "rpc/server.h"

namespace civic::rpc {

AccountLookup account_lookup(std::shared_ptr<grpc::Channel> auth, std::string hmac_key, std::string self) {
  std::shared_ptr<civic::auth::AuthService::StubInterface> stub = civic::auth::AuthService::NewStub(auth);
  return [stub, key = std::move(hmac_key), self = std::move(self)](
             const Principal& caller, const std::string& account_id) -> std::optional<civic::auth::AccountContact> {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
    Principal service;
    service.add_roles("service");
    service.set_caller(self);
    service.set_request_id(caller.request_id());
    attach(ctx, service, key);
    civic::auth::AccountIdRequest req;
    req.set_id(account_id);
    civic::auth::AccountContact resp;
    grpc::Status st = stub->GetAccountContact(&ctx, req, &resp);
    if (st.error_code() == grpc::StatusCode::NOT_FOUND) return std::nullopt;
    if (!st.ok()) throw Abort{grpc::Status(grpc::StatusCode::UNAVAILABLE, "しばらくしてからもう一度お試しください")};
    return resp;
  };
}

} // namespace civic::rpc
