#include "rpc/terms.h"

#include <chrono>

#include "civic/content.grpc.pb.h"
#include "rpc/principal.h"
#include "rpc/server.h"

namespace civic::rpc {

TermsVersion terms_lookup(std::shared_ptr<grpc::Channel> content, std::string hmac_key, std::string self) {
  std::shared_ptr<civic::content::ContentService::StubInterface> stub = civic::content::ContentService::NewStub(content);
  return [stub, key = std::move(hmac_key), self = std::move(self)](const std::string& site) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
    Principal caller;
    caller.set_caller(self);
    attach(ctx, caller, key);
    civic::content::GetTermsRequest req;
    req.set_site(site);
    civic::content::TermsDocument doc;
    grpc::Status st = stub->GetTerms(&ctx, req, &doc);
    if (!st.ok()) throw Abort{grpc::Status(grpc::StatusCode::UNAVAILABLE, "しばらくしてからもう一度お試しください")};
    return int(doc.version());
  };
}

} // namespace civic::rpc
