// The mail magazine (NTF-4, ADR 0011): subscriptions with double opt-in, issues through
// the review workflow, and the sending of a published issue to every active subscriber
// of its site, one batch per transaction, resumable from its cursor.
#include <algorithm>
#include <cctype>
#include <map>

#include "core/log.h"
#include "core/paging.h"
#include "core/validation.h"
#include "notification/compose.h"
#include "notification/service.h"
#include "notification/store.h"
#include "notification/suppression.h"
#include "rpc/declared.h"
#include "rpc/outbox.h"
#include "rpc/server.h"

namespace civic::notification {
namespace {
using grpc::Status;
using grpc::StatusCode;
using rpc::Principal;
using validation::Errors;

using rpc::not_found;

// A message id for (issue, subscriber): a second queueing of the same mail is ignored.
std::string mail_id(const std::string& newsletter_id, const std::string& subscriber_id) {
  std::string h = crypto::hex(crypto::sha256("newsletter:" + newsletter_id + ":" + subscriber_id)).substr(0, 32);
  h[12] = '8';                                       // version 8: application-defined
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];  // RFC 9562 variant
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

Errors validate(const Newsletter& n) {
  Errors e;
  rpc::check_declared(n, e);
  e.text("title", n.title(), {.max_chars = 200});
  e.text("body", n.body(), {.max_chars = 20000, .multiline = true});
  return e;
}

NewsletterRow row_of(const Newsletter& n) {
  NewsletterRow row;
  row.site = n.site();
  row.title = n.title();
  row.body = n.body();
  return row;
}

// `delivery`: the sending, shown to staff (`full`) once it was published.
void to_proto(const NewsletterRow& row, bool full, const DeliveryRow* delivery, Newsletter* out) {
  out->set_id(row.id);
  out->set_site(row.site);
  out->set_title(row.title);
  out->set_body(row.body);
  out->set_published_at(row.published_at);
  out->set_updated_at(row.updated_at);
  if (!full) return;
  out->set_state(row.state);
  out->set_version(row.version);
  if (!delivery) return;
  auto* d = out->mutable_delivery();
  d->set_state(delivery->state);
  d->set_total(delivery->total);
  d->set_queued(delivery->queued);
  d->set_started_at(delivery->started_at);
  d->set_finished_at(delivery->finished_at);
}

// Rows as the response shows them; staff's with their deliveries, read in one query.
void to_proto(db::Tx& tx, const std::vector<NewsletterRow>& rows, bool full,
              google::protobuf::RepeatedPtrField<Newsletter>* out) {
  std::map<std::string, DeliveryRow> deliveries;
  if (full) {
    std::vector<std::string> ids;
    for (const auto& row : rows) ids.push_back(row.id);
    deliveries = store::deliveries_of(tx, ids);
  }
  for (const auto& row : rows) {
    auto d = deliveries.find(row.id);
    to_proto(row, full, d == deliveries.end() ? nullptr : &d->second, out->Add());
  }
}

void to_proto(db::Tx& tx, const NewsletterRow& row, bool full, Newsletter* out) {
  auto deliveries = full ? store::deliveries_of(tx, {row.id}) : std::map<std::string, DeliveryRow>{};
  auto d = deliveries.find(row.id);
  to_proto(row, full, d == deliveries.end() ? nullptr : &d->second, out);
}

// A confirmation or unsubscribe token: printable, bounded, nothing else to parse.
bool token_shaped(const std::string& token) {
  return !token.empty() && token.size() <= 120 && std::all_of(token.begin(), token.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}
// A new issue from `n`, a draft entered by `p`; its id.
std::string insert_new(db::Tx& tx, const Newsletter& n, const Principal& p) {
  NewsletterRow row = row_of(n);
  row.id = crypto::uuid_v4();
  row.created_by = p.account_id();
  store::insert_newsletter(tx, row);
  return row.id;
}

} // namespace

std::string derived_key(const std::string& hmac_key, std::string_view purpose) {
  return crypto::hmac_sha256(hmac_key, purpose);
}

std::string address_key(const std::string& hmac_key, std::string_view purpose, std::string email) {
  std::transform(email.begin(), email.end(), email.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return crypto::hmac_sha256(derived_key(hmac_key, purpose), email);
}

std::string unsubscribe_token(const std::string& hmac_key, const std::string& subscriber_id) {
  return subscriber_id + "." +
         crypto::base64url(crypto::hmac_sha256(derived_key(hmac_key, "newsletter.unsubscribe"), subscriber_id));
}

std::optional<std::string> unsubscriber_of(const std::string& hmac_key, std::string_view token) {
  size_t dot = token.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string id(token.substr(0, dot));
  if (!validation::is_uuid(id)) return std::nullopt;
  if (!crypto::equal_constant_time(unsubscribe_token(hmac_key, id), token)) return std::nullopt;
  return id;
}

int queue_newsletter_batch(db::Pool& pool, const NotificationConfig& config, const crypto::Sealer& sealer, int limit) {
  return pool.transaction([&](db::Tx& tx) {
    auto batch = store::next_delivery_batch(tx, limit);
    if (!batch) return 0;
    Templates templates(tx);
    std::vector<MessageRow> rows;
    rows.reserve(batch->subscribers.size());
    for (const auto& s : batch->subscribers) {
      auto email = sealer.open(s.email_sealed, s.id);
      if (!email) {  // a key no longer in the ring: nobody to mail, and it must be seen
        log::error("newsletter_subscriber_unreadable", {{"subscriber_id", s.id}});
        continue;
      }
      civic::events::MailRequested mail;
      mail.set_template_("newsletter.issue");
      mail.set_to(*email);
      auto& vars = *mail.mutable_variables();
      vars["site_name"] = rpc::site_name(batch->site);
      vars["title"] = batch->title;
      vars["body"] = batch->body;
      vars["unsubscribe_url"] =
          config.public_base_url + "/newsletter/unsubscribe?token=" + unsubscribe_token(config.hmac_key, s.id);
      rows.push_back(compose(templates, mail_id(batch->newsletter_id, s.id), mail, config));
    }
    int queued = int(rows.size());
    queue(tx, std::move(rows), config.hmac_key, sealer);  // a stopped address is recorded, not mailed
    bool done = int(batch->subscribers.size()) < limit;
    store::advance_delivery(tx, batch->newsletter_id, batch->subscribers.empty() ? "" : batch->subscribers.back().id,
                            queued, done);
    if (done) log::info("newsletter_delivered", {{"newsletter_id", batch->newsletter_id}});
    return std::max(1, queued);  // an advanced cursor is progress too
  });
}

Status NotificationServiceImpl::ListNewsletters(grpc::ServerContext* ctx, const ListNewslettersRequest* req,
                                                ListNewslettersResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListNewsletters", [&](const Principal&) {
    Errors e;
    rpc::check_declared(*req, e);
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    std::string site = req->site().empty() ? "supernet" : req->site();
    return pool_.read([&](db::Tx& tx) {
      auto found = store::published_newsletters(tx, site, page.limit, page.offset);
      to_proto(tx, found.items, false, resp->mutable_items());
      resp->set_total_size(int32_t(found.total));
      resp->set_next_page_token(paging::next_token(page, found.items.size(), found.total));
      return Status::OK;
    });
  });
}

Status NotificationServiceImpl::GetNewsletter(grpc::ServerContext* ctx, const GetNewsletterRequest* req,
                                              Newsletter* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetNewsletter", [&](const Principal& p) {
    if (!validation::is_uuid(req->id())) return not_found();
    return pool_.read([&](db::Tx& tx) {
      auto row = store::find_newsletter(tx, req->id());
      bool staff = rpc::is_staff(p);
      if (!row || (row->state != "published" && !staff)) return not_found();  // drafts do not exist for the public
      to_proto(tx, *row, staff, resp);
      return Status::OK;
    });
  });
}

Status NotificationServiceImpl::Subscribe(grpc::ServerContext* ctx, const SubscribeRequest* req,
                                          SubscribeResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "Subscribe", [&](const Principal&) {
    Errors e;
    if (e.text("email", req->email(), {.max_chars = 254}) && !validation::is_email(req->email()))
      e.add("email", "invalid_format", "メールアドレスの形式が正しくありません", "is not an e-mail address");
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    std::string site = req->site().empty() ? "supernet" : req->site();
    std::string key = subscriber_key(config_.hmac_key, req->email());
    std::string token = crypto::random_token(32), hash = crypto::sha256(token);
    bool mailed = pool_.transaction([&](db::Tx& tx) {
      auto existing = store::find_subscriber(tx, site, key);
      if (existing && existing->state == "active") return false;  // already subscribed: nothing to confirm
      if (existing) {
        if (!store::renew_confirmation(tx, existing->id, hash)) return false;  // mailed just now: silently
      } else {
        SubscriberRow s{crypto::uuid_v4(), site, "", "pending"};
        s.email_sealed = sealer_.seal(req->email(), s.id);
        store::insert_subscriber(tx, s, key, hash);
      }
      civic::events::MailRequested mail;
      mail.set_template_("newsletter.confirm");
      mail.set_to(req->email());
      (*mail.mutable_variables())["site_name"] = rpc::site_name(site);
      (*mail.mutable_variables())["url"] = config_.public_base_url + "/newsletter/confirm?token=" + token;
      Templates templates(tx);
      queue(tx, {compose(templates, crypto::uuid_v4(), mail, config_)}, config_.hmac_key, sealer_);
      return true;
    });
    if (mailed) queued_();
    log::info("newsletter_subscription_requested", {{"site", site}, {"to", log::mask_email(req->email())}});
    resp->set_state("confirmation_sent");  // the same answer whether or not the address was known
    return Status::OK;
  });
}

Status NotificationServiceImpl::ConfirmSubscription(grpc::ServerContext* ctx, const SubscriptionTokenRequest* req,
                                                    SubscriptionResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ConfirmSubscription", [&](const Principal&) {
    if (!token_shaped(req->token())) return Status(StatusCode::NOT_FOUND, "リンクが無効か、有効期限が切れています");
    auto s = pool_.transaction([&](db::Tx& tx) { return store::confirm_subscriber(tx, crypto::sha256(req->token())); });
    if (!s) return Status(StatusCode::NOT_FOUND, "リンクが無効か、有効期限が切れています");
    log::info("newsletter_subscribed", {{"subscriber_id", s->id}, {"site", s->site}});
    resp->set_state(s->state);
    resp->set_site(s->site);
    return Status::OK;
  });
}

Status NotificationServiceImpl::Unsubscribe(grpc::ServerContext* ctx, const SubscriptionTokenRequest* req,
                                            SubscriptionResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "Unsubscribe", [&](const Principal&) {
    auto id = token_shaped(req->token()) ? unsubscriber_of(config_.hmac_key, req->token()) : std::nullopt;
    if (!id) return Status(StatusCode::NOT_FOUND, "リンクが無効です");
    auto s = pool_.transaction([&](db::Tx& tx) { return store::unsubscribe(tx, *id); });
    if (!s) return Status(StatusCode::NOT_FOUND, "リンクが無効です");
    log::info("newsletter_unsubscribed", {{"subscriber_id", s->id}, {"site", s->site}});
    resp->set_state(s->state);
    resp->set_site(s->site);
    return Status::OK;
  });
}

Status NotificationServiceImpl::AdminListNewsletters(grpc::ServerContext* ctx, const AdminListNewslettersRequest* req,
                                                     ListNewslettersResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "AdminListNewsletters", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    rpc::check_declared(*req, e);
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    return pool_.read([&](db::Tx& tx) {
      auto found = store::admin_newsletters(tx, req->state(), page.limit, page.offset);
      to_proto(tx, found.items, true, resp->mutable_items());
      resp->set_total_size(int32_t(found.total));
      resp->set_next_page_token(paging::next_token(page, found.items.size(), found.total));
      return Status::OK;
    });
  });
}

rpc::Collection<NewsletterRow, Newsletter> NotificationServiceImpl::newsletter_collection() {
  return {
      .entity = "newsletter",
      .pool = &pool_,
      .hmac_key = &config_.hmac_key,
      .find = [](db::Tx& tx, const std::string& id, bool lock) { return store::find_newsletter(tx, id, lock); },
      .render = [](db::Tx& tx, const NewsletterRow& row, Newsletter* out) { to_proto(tx, row, true, out); },
      .set_state = store::set_newsletter_state,
      .copy =
          [](db::Tx& tx, const NewsletterRow& row, const Principal& p) {
            NewsletterRow copy{crypto::uuid_v4(), row.site, row.title, row.body, "draft", p.account_id(), row.id,
                               "", "", 1};
            store::insert_newsletter(tx, copy);
            return copy.id;
          },
      .erase = [](db::Tx& tx, const NewsletterRow& row) { store::erase_newsletter(tx, row.id); },
      .written = [this] { queued_(); },  // a published issue: the sender starts its delivery
      .table = "newsletters",
      .set_imported_state = store::set_back_number_state,
  };
}

Status NotificationServiceImpl::CreateNewsletter(grpc::ServerContext* ctx, const SaveNewsletterRequest* req,
                                                 Newsletter* resp) {
  return newsletters_.create(
      ctx, "CreateNewsletter", [&] { return validate(req->newsletter()); },
      [&](db::Tx& tx, const Principal& p) { return insert_new(tx, req->newsletter(), p); }, resp);
}

// A back number of the former mail magazine: listed as it was, never sent again.
Status NotificationServiceImpl::ImportNewsletter(grpc::ServerContext* ctx, const ImportNewsletterRequest* req,
                                                 civic::common::ImportResult* resp) {
  return newsletters_.import(
      ctx, "ImportNewsletter", req->meta(), *req, [&] { return validate(req->newsletter()); },
      [&](db::Tx& tx, const Principal& p) { return insert_new(tx, req->newsletter(), p); },
      [&](db::Tx& tx, const NewsletterRow& current) {
        NewsletterRow row = row_of(req->newsletter());
        row.id = current.id;
        row.version = current.version;
        store::update_newsletter(tx, row);
      },
      resp);
}

Status NotificationServiceImpl::UpdateNewsletter(grpc::ServerContext* ctx, const SaveNewsletterRequest* req,
                                                 Newsletter* resp) {
  return newsletters_.edit(
      ctx, "UpdateNewsletter", req->id(), [&] { return validate(req->newsletter()); },
      [&](const NewsletterRow& current) {
        // Mailed issues stay as they were sent; the site is fixed with the subscribers.
        if (current.state == "published")
          return Status(StatusCode::FAILED_PRECONDITION, "配信済みのメールマガジンは編集できません");
        if (current.site != req->newsletter().site())
          return rpc::invalid("site", "not_changeable", "サイトは変更できません", "the site cannot be changed");
        return Status::OK;
      },
      [&](db::Tx& tx, const NewsletterRow& current, std::vector<std::string>& changed) {
        Newsletter before;
        to_proto(tx, current, true, &before);
        changed = rpc::changed_fields(before, req->newsletter(),
                                      {"id", "version", "state", "delivery", "published_at", "updated_at"});
        NewsletterRow row = row_of(req->newsletter());
        row.id = current.id;
        row.version = req->newsletter().version();
        return store::update_newsletter(tx, row);
      },
      resp);
}

} // namespace civic::notification
