// NTF-3 mail stop: staff keep the list of stopped addresses, a recipient stops mail
// with one click (RFC 8058), permanent failures stop an address (issue 14, ADR 0016).
#include "core/csv.h"
#include "core/log.h"
#include "core/paging.h"
#include "core/validation.h"
#include "notification/service.h"
#include "notification/store.h"
#include "notification/suppression.h"
#include "rpc/audit.h"
#include "rpc/declared.h"
#include "rpc/server.h"

namespace civic::notification {
namespace {

using grpc::Status;
using grpc::StatusCode;
using rpc::Principal;
using validation::Errors;

} // namespace

void NotificationServiceImpl::render(const SuppressionRow& s, Suppression* out) const {
  out->set_id(s.id);
  out->set_email(sealer_.open(s.email_sealed, s.id).value_or(""));
  out->set_reason(s.reason);
  out->set_note(s.note);
  out->set_created_by(s.created_by);
  out->set_created_at(s.created_at);
}

bool NotificationServiceImpl::stop_address(db::Tx& tx, const std::string& email, const std::string& reason,
                                           const std::string& note, const std::string& by, SuppressionRow* made) const {
  SuppressionRow s{crypto::uuid_v4(), "", reason, note, by, ""};
  s.email_sealed = sealer_.seal(email, s.id);
  bool fresh = store::insert_suppression(tx, s, suppression_key(config_.hmac_key, email));
  if (made) *made = s;
  log::info("mail_address_stopped",
            {{"reason", reason}, {"to", log::mask_email(email)}, {"new", fresh}, {"account_id", by}});
  return fresh;
}

Status NotificationServiceImpl::ListSuppressions(grpc::ServerContext* ctx, const ListSuppressionsRequest* req,
                                                 ListSuppressionsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListSuppressions", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    rpc::check_declared(*req, e);
    e.email("email", req->email(), false);
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    std::optional<std::string> key;
    if (!req->email().empty()) key = suppression_key(config_.hmac_key, req->email());
    auto found = pool_.read(
        [&](db::Tx& tx) { return store::list_suppressions(tx, req->reason(), key, page.limit, page.offset); });
    paging::fill(page, found, resp, [&](const SuppressionRow& s, Suppression* out) { render(s, out); });
    return Status::OK;
  });
}

Status NotificationServiceImpl::AddSuppression(grpc::ServerContext* ctx, const AddSuppressionRequest* req,
                                               Suppression* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "AddSuppression", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    e.email("email", req->email());
    rpc::check_declared(*req, e);  // staff or complaint: bounces and unsubscribes are the recipients'
    std::string reason = req->reason().empty() ? "staff" : req->reason();
    e.text("note", req->note(), {.required = false, .max_chars = 500, .multiline = true});
    if (!e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      SuppressionRow made;
      if (!stop_address(tx, req->email(), reason, req->note(), p.account_id(), &made))
        return Status(StatusCode::ALREADY_EXISTS, "このアドレスは既に配信停止されています");
      rpc::audit(tx, p, "mail_stop", "mail_suppression", made.id, {{"reason", reason}});
      auto page = store::list_suppressions(tx, "", suppression_key(config_.hmac_key, req->email()), 1, 0);
      render(page.items.at(0), resp);
      return Status::OK;
    });
  });
}

Status NotificationServiceImpl::DeleteSuppression(grpc::ServerContext* ctx, const SuppressionIdRequest* req,
                                                  civic::common::Empty*) {
  return staff_delete(ctx, "DeleteSuppression", req->id(), "mail_suppression", "mail_resume",
                      [&](db::Tx& tx) { return store::delete_suppression(tx, req->id()); });
}

Status NotificationServiceImpl::ExportSuppressions(grpc::ServerContext* ctx, const ExportSuppressionsRequest* req,
                                                   civic::common::HttpBody* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ExportSuppressions", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;  // every stopped address in one file
    Errors e;
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    constexpr int kAll = 1000000;
    auto rows = pool_.read([&](db::Tx& tx) { return store::list_suppressions(tx, req->reason(), {}, kAll, 0).items; });
    static const std::map<std::string, std::string> kLabels = {
        {"staff", "センターが停止"}, {"bounce", "配信エラー"}, {"complaint", "苦情"}, {"unsubscribe", "本人が停止"}};
    std::string out(csv::kBom);
    out += csv::row({"id", "Eメール", "理由", "メモ", "停止した職員", "停止日時", "理由(コード)"});
    for (const auto& s : rows) {
      Suppression x;
      render(s, &x);
      out += csv::row({x.id(), x.email(), csv::label(kLabels, x.reason()), x.note(), x.created_by(), x.created_at(),
                       x.reason()});
    }
    rpc::export_csv(pool_, p, resp, "mail_suppression", "配信停止アドレス.csv", std::move(out), rows.size(),
                    {{"reason", req->reason()}});
    return Status::OK;
  });
}

// RFC 8058: the mail client posts "List-Unsubscribe=One-Click" to the header's URL; the
// SPA posts to the same URL from the link in the mail. A magazine issue ends the
// address's subscriptions; a matching mail stops mail to the address. Unknown, altered
// or foreign tokens are a plain 404; a second click changes nothing and says the same.
Status NotificationServiceImpl::OneClickUnsubscribe(grpc::ServerContext* ctx, const OneClickUnsubscribeRequest* req,
                                                    OneClickUnsubscribeResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "OneClickUnsubscribe", [&](const Principal&) {
    auto id = mail_stop_message(config_.hmac_key, req->token());
    if (!id) return rpc::not_found();
    return pool_.transaction([&](db::Tx& tx) {
      auto m = store::find_message(tx, *id);
      if (!m || !unsubscribable(m->template_key)) return rpc::not_found();
      auto to = sealer_.open(m->recipient_sealed, m->id);  // the record keeps it sealed only
      if (!to || !validation::is_email(*to)) return rpc::not_found();
      if (m->template_key == "newsletter.issue")
        store::unsubscribe_address(tx, subscriber_key(config_.hmac_key, *to));
      else
        stop_address(tx, *to, "unsubscribe", "one-click in " + m->template_key, "", nullptr);
      resp->set_state("unsubscribed");
      return Status::OK;
    });
  });
}

// A permanent failure (the relay refused the mailbox): counted per address; the
// MAIL_BOUNCE_LIMIT-th stops it, as listmonk and CiviMail do.
void NotificationServiceImpl::bounced(db::Tx& tx, const MessageRow& m, const std::string& error) const {
  if (!validation::is_email(m.recipient)) return;
  int count = store::add_bounce(tx, suppression_key(config_.hmac_key, m.recipient), error);
  log::warn("mail_bounced", {{"message_id", m.id}, {"to", log::mask_email(m.recipient)}, {"count", count}});
  if (count >= config_.bounce_limit)
    stop_address(tx, m.recipient, "bounce", std::to_string(count) + " permanent failures; last: " + error.substr(0, 300),
                 "", nullptr);
}

} // namespace civic::notification
