// HOME 掲載登録 (issue 13): grants and activity reports submitted by the public land in
// review like events: the submitter's address sealed, a receipt to it (throttled per
// address by notification) and a notice to the centre, one transaction; when the
// centre publishes, the submitter is told.
#include "core/crypto.h"
#include "core/log.h"
#include "grants/service.h"
#include "rpc/audit.h"
#include "rpc/idempotency.h"
#include "rpc/outbox.h"
#include "rpc/server.h"
#include "workflow/workflow.h"

namespace civic::grants {

grpc::Status GrantsServiceImpl::propose(grpc::ServerContext* ctx, const char* method,
                                        const google::protobuf::Message& req, const std::string& entity,
                                        const std::string& title, const std::string& submitter_name,
                                        const std::string& submitter_email,
                                        const std::function<validation::Errors()>& validate,
                                        const std::function<std::string(db::Tx&, const rpc::Principal&)>& insert,
                                        ProposeResponse* resp) {
  grpc::Status st = rpc::guarded(ctx, config_.hmac_key, method, [&](const rpc::Principal& p) {
    return rpc::idempotent(pool_, config_.hmac_key, p, method, req, resp, [&]() -> grpc::Status {
      validation::Errors e = validate();
      e.text("submitter_name", submitter_name, {.max_chars = 100});
      e.email("submitter_email", submitter_email);
      if (!e.empty()) return rpc::invalid(e);
      return pool_.transaction([&](db::Tx& tx) {
        std::string id = insert(tx, p);
        store::insert_submitter(tx, id, entity, {submitter_name, sealer_.seal(submitter_email, id)});
        rpc::record_step(tx, p, {entity, id, "submit", std::nullopt, workflow::State::review, {}, ""});
        const char* what = entity == "grant" ? "助成金情報" : "活動報告";
        rpc::request_mail(tx, "grants.received", submitter_email, p.account_id(),
                          {{"submitter_name", submitter_name}, {"title", title}, {"what", what}});
        rpc::request_mail(tx, "grants.to_review", rpc::kCentre, "",
                          {{"title", title}, {"what", what},
                           {"url", config_.public_base_url + "/admin/" + entity + "s/" + id}});
        resp->set_id(id);
        resp->set_state("review");
        log::info(entity + "_submitted", {{"id", id}});
        return grpc::Status::OK;
      });
    });
  });
  if (st.ok()) events_written_();
  return st;
}

void GrantsServiceImpl::tell_submitter(db::Tx& tx, const std::string& id, const std::string& title,
                                       const std::string& path) const {
  auto s = store::find_submitter(tx, id);
  if (!s) return;  // entered by staff
  if (auto email = sealer_.open(s->email_sealed, id))
    rpc::request_mail(tx, "grants.published", *email, "",
                      {{"submitter_name", s->name}, {"title", title}, {"url", config_.public_base_url + path}});
}

} // namespace civic::grants
