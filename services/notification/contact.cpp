// お問い合わせ (issue 13): the contact form of both sites. The message is kept sealed and
// delivered to the centre with the sender's address as Reply-To — never as From, so the
// centre's answer reaches the sender and nobody can make the platform send mail "from"
// an address of their choosing. Nothing is mailed to the given address (an auto-reply
// would let anyone make the platform mail a stranger).
#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "core/log.h"
#include "core/validation.h"
#include "notification/compose.h"
#include "notification/service.h"
#include "notification/store.h"
#include "notification/suppression.h"
#include "rpc/declared.h"
#include "rpc/idempotency.h"
#include "rpc/outbox.h"
#include "rpc/server.h"

namespace civic::notification {

grpc::Status NotificationServiceImpl::SubmitContact(grpc::ServerContext* ctx, const ContactRequest* req,
                                                    ContactReceipt* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "SubmitContact", [&](const rpc::Principal& p) {
    return rpc::idempotent(pool_, config_.hmac_key, p, "SubmitContact", *req, resp, [&]() -> grpc::Status {
    validation::Errors e;
    rpc::check_declared(*req, e);
    // One-line fields refuse CR/LF and other control characters: they reach mail headers.
    e.text("name", req->name(), {.max_chars = 100});
    if (e.text("email", req->email(), {.max_chars = 254}) && !validation::is_email(req->email()))
      e.add("email", "invalid_format", "メールアドレスの形式が正しくありません", "is not an e-mail address");
    e.text("organization", req->organization(), {.required = false, .max_chars = 200});
    e.text("subject", req->subject(), {.max_chars = 200});
    e.text("body", req->body(), {.max_chars = 4000, .multiline = true});
    if (!e.empty()) return rpc::invalid(e);
    std::string site = req->site().empty() ? "supernet" : req->site();
    std::string sender = address_key(config_.hmac_key, "contact.sender", req->email());
    std::string id = crypto::uuid_v4();
    nlohmann::json content = {{"name", req->name()},       {"email", req->email()}, {"organization", req->organization()},
                              {"subject", req->subject()}, {"body", req->body()}};
    grpc::Status st = pool_.transaction([&](db::Tx& tx) {
      if (store::recent_contacts(tx, sender, 60) >= config_.contacts_per_sender_hour)
        return rpc::fail(grpc::StatusCode::RESOURCE_EXHAUSTED,
                         "お問い合わせの送信が続いています。しばらくしてからお送りください", 3600);
      store::insert_contact(tx, id, site, sender, sealer_.seal(content.dump(), id));
      civic::events::MailRequested mail;
      mail.set_template_("contact.received");
      mail.set_to_centre(true);
      mail.set_reply_to(req->email());
      auto& vars = *mail.mutable_variables();
      vars["site_name"] = rpc::site_name(site);
      vars["name"] = req->name();
      vars["email"] = req->email();
      vars["organization"] = req->organization().empty() ? "（記入なし）" : req->organization();
      vars["subject"] = req->subject();
      vars["body"] = req->body();
      Templates templates(tx);
      queue(tx, {compose(templates, id, mail, config_)}, config_.hmac_key, sealer_);
      return grpc::Status::OK;
    });
    if (!st.ok()) return st;
    queued_();
    log::info("contact_received", {{"id", id}, {"site", site}, {"from", log::mask_email(req->email())}});
    resp->set_id(id);
    return grpc::Status::OK;
    });
  });
}

} // namespace civic::notification
