#include "notification/service.h"

#include <set>

#include "core/crypto.h"
#include "core/log.h"
#include "core/paging.h"
#include "core/validation.h"
#include "notification/compose.h"
#include "notification/sender.h"
#include "notification/store.h"
#include "notification/suppression.h"
#include "rpc/audit.h"
#include "rpc/declared.h"
#include "rpc/outbox.h"
#include "rpc/server.h"

namespace civic::notification {
namespace {
using grpc::Status;
using grpc::StatusCode;

void to_proto(const TemplateRow& t, MailTemplate* out) {
  out->set_key(t.key);
  out->set_locale(t.locale);
  out->set_subject(t.subject);
  out->set_body(t.body);
  out->set_version(t.version);
  out->set_updated_at(t.updated_at);
}

// Receipts of what anyone may submit (registrations, events, recruitments, members):
// the submitter's address is whatever was typed, so twenty sources could fill one
// mailbox; at most receipts_per_recipient_hour a template and address, the rest recorded
// as rejected (never silently dropped).
const std::set<std::string> kReceipts = {"directory.registered", "recruitment.event_received", "recruitment.received",
                                         "matching.member_received", "grants.received"};

} // namespace

EventSinkImpl::EventSinkImpl(db::Pool& pool, NotificationConfig config, crypto::Sealer sealer,
                             std::function<void()> queued, ChannelHooks channels)
    : pool_(pool),
      config_(std::move(config)),
      sealer_(std::move(sealer)),
      queued_(std::move(queued)),
      channels_(std::move(channels)) {}

Status EventSinkImpl::Deliver(grpc::ServerContext* ctx, const civic::events::Event* event,
                              civic::events::DeliverResponse*) {
  bool line = false;
  Status st = rpc::deliver_once(ctx, config_.hmac_key, pool_, *event, [&](db::Tx& tx) {
    Templates templates(tx);
    std::vector<MessageRow> rows;
    if (event->type() == "mail.requested") {
      civic::events::MailRequested req;
      if (!req.ParseFromString(event->payload())) return log::error("event_payload_invalid", {{"event_id", event->id()}});
      rows.push_back(compose(templates, event->id(), req, config_));
      MessageRow& m = rows.back();
      if (kReceipts.count(m.template_key) && m.status == "queued" &&
          store::recent_messages_to(tx, suppression_key(config_.hmac_key, m.recipient), m.template_key, 60) >= config_.receipts_per_recipient_hour) {
        m.status = "rejected";
        m.last_error = "throttled: receipts per recipient and hour";
      }
      if (req.also_line() && channels_.line_notice) {
        channels_.line_notice(tx, event->id(), req);
        line = true;
      }
    } else if (event->type() == "mail.batch") {
      civic::events::MailBatch batch;
      if (!batch.ParseFromString(event->payload())) return log::error("event_payload_invalid", {{"event_id", event->id()}});
      rows.reserve(size_t(batch.mails_size()));
      for (const auto& mail : batch.mails())
        if (validation::is_uuid(mail.id())) rows.push_back(compose(templates, mail.id(), mail.mail(), config_));
      log::info("mail_batch_queued", {{"event_id", event->id()}, {"mails", rows.size()}});
    } else if (event->type() == "account.deleted") {
      // The login is gone: so are the mail-magazine subscriptions of its address.
      civic::events::AccountChanged a;
      if (!a.ParseFromString(event->payload())) return log::error("event_payload_invalid", {{"event_id", event->id()}});
      if (channels_.account_deleted) channels_.account_deleted(tx, a.account_id());  // its LINE link too
      if (!a.email().empty()) {
        int64_t ended = store::unsubscribe_address(tx, subscriber_key(config_.hmac_key, a.email()));
        log::info("subscriptions_ended", {{"event_id", event->id()}, {"count", ended}});
      }
      return;
    } else if (event->type() == "line.push") {
      civic::events::LinePushRequested push;
      if (!push.ParseFromString(event->payload())) return log::error("event_payload_invalid", {{"event_id", event->id()}});
      if (channels_.line_push) channels_.line_push(tx, push);
      line = true;
      return;
    } else if (event->type() == "recruitment.published") {
      civic::events::RecruitmentPublished r;
      if (!r.ParseFromString(event->payload())) return log::error("event_payload_invalid", {{"event_id", event->id()}});
      if (channels_.recruitment_published) channels_.recruitment_published(tx, r);  // the health app's QR codes
      return;
    } else if (event->type() == "recruitment.closed") {
      civic::events::RecruitmentClosed r;
      if (!r.ParseFromString(event->payload())) return log::error("event_payload_invalid", {{"event_id", event->id()}});
      if (channels_.recruitment_closed) channels_.recruitment_closed(tx, r.id());
      return;
    } else if (event->type() == "member.magazine") {
      civic::events::MagazineChoice c;
      if (!c.ParseFromString(event->payload())) return log::error("event_payload_invalid", {{"event_id", event->id()}});
      return magazine_choice(tx, config_, sealer_, c);
    } else if (event->type().rfind("account.", 0) == 0) {
      return;  // suspension and address changes: the mails come from the other services
    } else {
      return log::warn("event_type_ignored", {{"event_id", event->id()}, {"type", event->type()}});
    }
    for (const auto& m : rows)
      if (m.status == "rejected") {
        count_mail("rejected");
        log::warn("mail_rejected", {{"event_id", event->id()}, {"template", m.template_key}, {"reason", m.last_error}});
      }
    queue(tx, std::move(rows), config_.hmac_key, sealer_);
  });
  if (st.ok()) queued_();
  if (st.ok() && line && channels_.line_queued) channels_.line_queued();
  return st;
}

NotificationServiceImpl::NotificationServiceImpl(db::Pool& pool, NotificationConfig config, crypto::Sealer sealer,
                                                 std::function<void()> queued, rpc::AccountLookup accounts)
    : pool_(pool),
      config_(std::move(config)),
      sealer_(std::move(sealer)),
      queued_(std::move(queued)),
      accounts_(std::move(accounts)),
      newsletters_(newsletter_collection()) {}

Status NotificationServiceImpl::staff_delete(const grpc::ServerContext* ctx, const char* method, const std::string& id,
                                             const char* entity_type, const char* action,
                                             const std::function<bool(db::Tx&)>& erase) const {
  return rpc::guarded(ctx, config_.hmac_key, method, [&](const rpc::Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    if (!validation::is_uuid(id)) return rpc::not_found();
    return pool_.transaction([&](db::Tx& tx) {
      if (!erase(tx)) return rpc::not_found();
      rpc::audit(tx, p, action, entity_type, id);
      return Status::OK;
    });
  });
}

Status NotificationServiceImpl::ListTemplates(grpc::ServerContext* ctx, const ListTemplatesRequest*,
                                              ListTemplatesResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListTemplates", [&](const rpc::Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    for (const auto& t : pool_.transaction([](db::Tx& tx) { return store::list_templates(tx); }))
      to_proto(t, resp->add_items());
    return Status::OK;
  });
}

Status NotificationServiceImpl::UpdateTemplate(grpc::ServerContext* ctx, const UpdateTemplateRequest* req,
                                               MailTemplate* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "UpdateTemplate", [&](const rpc::Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    validation::Errors e;
    e.text("key", req->key(), {.max_chars = 64});
    rpc::check_declared(*req, e);
    e.text("subject", req->subject(), {.max_chars = 200});
    e.text("body", req->body(), {.max_chars = 20000, .multiline = true});
    if (req->version() <= 0) e.add("version", "required", "必須項目です", "is required");
    if (!e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      if (!store::find_template(tx, req->key(), req->locale())) return Status(StatusCode::NOT_FOUND, "見つかりません");
      auto updated = store::update_template(tx, {req->key(), req->locale(), req->subject(), req->body(), req->version(), ""});
      if (!updated)
        return Status(StatusCode::ABORTED, "他の人が先に更新しました。最新の内容を読み込んでから編集してください");
      to_proto(*updated, resp);
      rpc::audit(tx, p, "edit", "mail_template", req->key() + "/" + req->locale());
      return Status::OK;
    });
  });
}

Status NotificationServiceImpl::ListMessages(grpc::ServerContext* ctx, const ListMessagesRequest* req,
                                             ListMessagesResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListMessages", [&](const rpc::Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    validation::Errors e;
    rpc::check_declared(*req, e);
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    auto found = pool_.transaction([&](db::Tx& tx) {
      return store::list_messages(tx, req->status(), page.limit, page.offset);
    });
    for (const auto& m : found.items) {
      auto* out = resp->add_items();
      out->set_id(m.id);
      out->set_template_(m.template_key);
      out->set_to(log::mask_email(m.recipient));
      out->set_status(m.status);
      out->set_attempts(m.attempts);
      out->set_created_at(m.created_at);
      out->set_sent_at(m.sent_at);
      out->set_last_error(m.last_error);
    }
    resp->set_total_size(int32_t(found.total));
    resp->set_next_page_token(paging::next_token(page, found.items.size(), found.total));
    return Status::OK;
  });
}

} // namespace civic::notification
