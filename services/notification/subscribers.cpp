// NTF-4: staff manage mail-magazine members — list by site, state or address, add on a
// person's request (recorded as staff-added with the note), stop, delete, export — and
// a member's profile choice subscribes its verified address (issue 14).
#include <regex>

#include "core/csv.h"
#include "core/log.h"
#include "core/paging.h"
#include "core/time.h"
#include "core/validation.h"
#include "notification/service.h"
#include "notification/store.h"
#include "rpc/audit.h"
#include "rpc/declared.h"
#include "rpc/imports.h"
#include "rpc/outbox.h"
#include "rpc/server.h"

namespace civic::notification {
namespace {

using grpc::Status;
using grpc::StatusCode;
using rpc::Principal;
using validation::Errors;

} // namespace

void NotificationServiceImpl::render(const SubscriberView& s, Subscriber* out) const {
  out->set_id(s.id);
  out->set_site(s.site);
  out->set_email(sealer_.open(s.email_sealed, s.id).value_or(""));
  out->set_state(s.state);
  out->set_source(s.source);
  out->set_note(s.note);
  out->set_added_by(s.added_by);
  out->set_created_at(s.created_at);
  out->set_confirmed_at(s.confirmed_at);
  out->set_unsubscribed_at(s.unsubscribed_at);
}

Status NotificationServiceImpl::ListSubscribers(grpc::ServerContext* ctx, const ListSubscribersRequest* req,
                                                ListSubscribersResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListSubscribers", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    rpc::check_declared(*req, e);
    e.email("email", req->email(), false);
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    std::optional<std::string> key;
    if (!req->email().empty()) key = subscriber_key(config_.hmac_key, req->email());
    auto found = pool_.read([&](db::Tx& tx) {
      return store::list_subscribers(tx, req->site(), req->state(), key, page.limit, page.offset);
    });
    paging::fill(page, found, resp, [&](const SubscriberView& s, Subscriber* out) { render(s, out); });
    return Status::OK;
  });
}

Status NotificationServiceImpl::AddSubscriber(grpc::ServerContext* ctx, const AddSubscriberRequest* req,
                                              Subscriber* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "AddSubscriber", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    e.email("email", req->email());
    rpc::check_declared(*req, e);
    e.text("note", req->note(), {.max_chars = 500, .multiline = true});  // how the person asked
    if (!e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      SubscriberRow s{crypto::uuid_v4(), req->site(), "", "active"};
      s.email_sealed = sealer_.seal(req->email(), s.id);
      std::string id = store::activate_subscriber(tx, s, subscriber_key(config_.hmac_key, req->email()), "staff",
                                                  p.account_id(), req->note());
      render(*store::find_subscriber_view(tx, id), resp);
      rpc::audit(tx, p, "create", "newsletter_subscriber", id, {{"site", req->site()}});
      return Status::OK;
    });
  });
}

// Issue 15 item 5: a mail-magazine member of the former system, a confirmed
// subscriber from the start (its consent was given there, dated as it was). A re-run
// finds it by its legacy id and follows a corrected address; it never subscribes again
// someone who has left since. An address that subscribed here first keeps its row,
// which gains the legacy id.
Status NotificationServiceImpl::ImportSubscriber(grpc::ServerContext* ctx, const ImportSubscriberRequest* req,
                                                 civic::common::ImportResult* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ImportSubscriber", [&](const Principal& p) {
    if (Status s = rpc::require_importer(p); !s.ok()) return s;
    Errors e;
    rpc::check_meta(e, req->meta());
    rpc::check_declared(*req, e);
    e.email("email", req->email());
    if (!e.empty()) return rpc::invalid(e);
    const std::string& legacy_id = req->meta().legacy_id();
    std::string key = subscriber_key(config_.hmac_key, req->email());
    // validate_only (tools/import --dry-run) runs all of it and rolls it back.
    auto done = [&]() -> Status {
      if (req->meta().validate_only()) throw rpc::Abort{Status::OK};
      return Status::OK;
    };
    return pool_.transaction([&](db::Tx& tx) {
      if (auto known = store::find_subscriber_by_legacy_id(tx, req->site(), legacy_id)) {
        resp->set_id(known->id);
        bool same = sealer_.open(known->email_sealed, known->id).value_or("") == req->email();
        resp->set_outcome(same ? "unchanged" : "updated");
        if (!same) store::correct_subscriber(tx, known->id, key, sealer_.seal(req->email(), known->id), known->note);
        return done();
      }
      if (auto here = store::find_subscriber(tx, req->site(), key)) {
        store::set_subscriber_legacy_id(tx, here->id, legacy_id);
        resp->set_id(here->id);
        resp->set_outcome("unchanged");
        return done();
      }
      SubscriberRow s{crypto::uuid_v4(), req->site(), "", "active"};
      s.email_sealed = sealer_.seal(req->email(), s.id);
      store::insert_imported_subscriber(tx, s, key, legacy_id, rpc::imported(req->meta()).created_at);
      resp->set_id(s.id);
      resp->set_outcome("created");
      return done();
    });
  });
}

// Issue 15 item 5: a LINE friend of the former site's official account, kept (user id
// and name sealed, found by a keyed hash) in a staging table for the LINE integration
// (issue 16). A re-run refreshes what changed there.
Status NotificationServiceImpl::ImportLineFriend(grpc::ServerContext* ctx, const ImportLineFriendRequest* req,
                                                 civic::common::ImportResult* resp) {
  static const std::regex kLineUser("U[0-9a-f]{32}");
  return rpc::guarded(ctx, config_.hmac_key, "ImportLineFriend", [&](const Principal& p) {
    if (Status s = rpc::require_importer(p); !s.ok()) return s;
    Errors e;
    rpc::check_meta(e, req->meta());
    if (!std::regex_match(req->line_user_id(), kLineUser))
      e.add("line_user_id", "invalid_format", "LINEのユーザーIDは U と16進数32桁です", "must be U and 32 hex digits");
    e.text("display_name", req->display_name(), {.required = false, .max_chars = 100});
    if (!req->account_id().empty() && !validation::is_uuid(req->account_id()))
      e.add("account_id", "invalid_format", "アカウントIDの形式が正しくありません", "must be a UUID");
    if (!e.empty()) return rpc::invalid(e);
    const std::string& legacy_id = req->meta().legacy_id();
    std::string digest = rpc::import_digest(*req);
    return pool_.transaction([&](db::Tx& tx) {
      auto known = rpc::find_import(tx, "line_friend", legacy_id);
      std::string id = known ? known->id : crypto::uuid_v4();
      resp->set_id(id);
      if (known && known->digest == digest) {
        resp->set_outcome("unchanged");
        return Status::OK;
      }
      store::save_line_friend(tx, {id, legacy_id, address_key(config_.hmac_key, "line.user", req->line_user_id()),
                                   sealer_.seal(req->line_user_id(), id), sealer_.seal(req->display_name(), id),
                                   req->account_id(), rpc::imported(req->meta()).created_at});
      rpc::save_import(tx, "line_friend", legacy_id, id, digest);
      resp->set_outcome(known ? "updated" : "created");
      if (req->meta().validate_only()) throw rpc::Abort{Status::OK};  // checked; rolled back
      return Status::OK;
    });
  });
}

// A typo on the paper form, or a new address the person asked for: the address is
// rekeyed and sealed anew, the note replaced; the site may not hold it twice (409).
Status NotificationServiceImpl::UpdateSubscriber(grpc::ServerContext* ctx, const UpdateSubscriberRequest* req,
                                                 Subscriber* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "UpdateSubscriber", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return rpc::not_found();
    Errors e;
    e.email("email", req->email());
    e.text("note", req->note(), {.required = false, .max_chars = 500, .multiline = true});
    if (!e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      auto before = store::find_subscriber_view(tx, req->id());
      if (!before) return rpc::not_found();
      std::vector<std::string> changed;
      if (sealer_.open(before->email_sealed, before->id).value_or("") != req->email()) changed.push_back("email");
      if (before->note != req->note()) changed.push_back("note");
      store::correct_subscriber(tx, req->id(), subscriber_key(config_.hmac_key, req->email()),
                                sealer_.seal(req->email(), req->id()), req->note());
      render(*store::find_subscriber_view(tx, req->id()), resp);
      rpc::audit(tx, p, "edit", "newsletter_subscriber", req->id(), {{"changed", changed}});
      return Status::OK;
    });
  });
}

Status NotificationServiceImpl::StopSubscriber(grpc::ServerContext* ctx, const SubscriberIdRequest* req,
                                               Subscriber* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "StopSubscriber", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return rpc::not_found();
    return pool_.transaction([&](db::Tx& tx) {
      if (!store::unsubscribe(tx, req->id())) return rpc::not_found();
      render(*store::find_subscriber_view(tx, req->id()), resp);
      rpc::audit(tx, p, "stop", "newsletter_subscriber", req->id());
      return Status::OK;
    });
  });
}

Status NotificationServiceImpl::DeleteSubscriber(grpc::ServerContext* ctx, const SubscriberIdRequest* req,
                                                 civic::common::Empty*) {
  return staff_delete(ctx, "DeleteSubscriber", req->id(), "newsletter_subscriber", "delete",
                      [&](db::Tx& tx) { return store::delete_subscriber(tx, req->id()); });
}

Status NotificationServiceImpl::ExportSubscribers(grpc::ServerContext* ctx, const ExportSubscribersRequest* req,
                                                  civic::common::HttpBody* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ExportSubscribers", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;  // every address in one file
    Errors e;
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    constexpr int kAll = 1000000;
    auto rows = pool_.read([&](db::Tx& tx) { return store::list_subscribers(tx, req->site(), req->state(), {}, kAll, 0).items; });
    static const std::map<std::string, std::string> kStateLabels = {
        {"pending", "確認待ち"}, {"active", "配信中"}, {"unsubscribed", "配信停止"}};
    static const std::map<std::string, std::string> kSources = {
        {"form", "申込フォーム"}, {"staff", "センター登録"}, {"profile", "会員登録"}, {"import", "移行"}};
    std::string out(csv::kBom);
    out += csv::row({"id", "サイト", "Eメール", "状態", "登録経路", "メモ", "登録日時", "確認日時", "停止日時", "状態(コード)",
                     "登録経路(コード)"});
    for (const auto& s : rows) {
      Subscriber x;
      render(s, &x);
      out += csv::row({x.id(), rpc::site_name(x.site()), x.email(), csv::label(kStateLabels, x.state()),
                       csv::label(kSources, x.source()), x.note(), x.created_at(), x.confirmed_at(), x.unsubscribed_at(),
                       x.state(), x.source()});
    }
    rpc::export_csv(pool_, p, resp, "newsletter_subscriber", "メルマガ会員.csv", std::move(out), rows.size(),
                    {{"site", req->site()}, {"state", req->state()}});
    return Status::OK;
  });
}

// The member's own page: the subscriptions of the login's verified address, and the
// choice to join or leave — consent given there, with that address, needs no second
// confirmation (as the profile's 「メルマガ配信を希望する」).
Status NotificationServiceImpl::GetMySubscriptions(grpc::ServerContext* ctx, const civic::common::Empty*,
                                                   MySubscriptionsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetMySubscriptions", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    std::string email = verified_address(p);
    std::string key = email.empty() ? "" : subscriber_key(config_.hmac_key, email);
    return pool_.read([&](db::Tx& tx) {
      for (const char* site : {"supernet", "aikasanet"}) {
        auto* item = resp->add_items();
        item->set_site(site);
        auto row = email.empty() ? std::nullopt : store::find_subscriber(tx, site, key);
        item->set_state(row ? row->state : "none");
      }
      return Status::OK;
    });
  });
}

Status NotificationServiceImpl::SetMySubscription(grpc::ServerContext* ctx, const SetMySubscriptionRequest* req,
                                                  MySubscription* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "SetMySubscription", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    Errors e;
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    std::string email = verified_address(p);
    if (email.empty())
      return rpc::invalid("email", "unverified", "メールアドレスの確認を済ませてから登録してください",
                          "verify the account's address first");
    civic::events::MagazineChoice choice;
    choice.set_email(email);
    choice.set_site(req->site());
    choice.set_subscribe(req->subscribe());
    return pool_.transaction([&](db::Tx& tx) {
      magazine_choice(tx, config_, sealer_, choice);
      resp->set_site(req->site());
      auto row = store::find_subscriber(tx, req->site(), subscriber_key(config_.hmac_key, email));
      resp->set_state(row ? row->state : "none");
      return Status::OK;
    });
  });
}

std::string NotificationServiceImpl::verified_address(const Principal& p) const {
  auto account = accounts_(p, p.account_id());
  return account && account->email_verified() ? account->email() : "";
}

// member.magazine (matching): the profile's 「メルマガ配信を希望する」 with the login's
// verified address — consent is recorded as given there, no second confirmation.
void magazine_choice(db::Tx& tx, const NotificationConfig& config, const crypto::Sealer& sealer,
                     const civic::events::MagazineChoice& c) {
  if (!validation::is_email(c.email()) || (c.site() != "supernet" && c.site() != "aikasanet")) return;
  std::string key = subscriber_key(config.hmac_key, c.email());
  if (c.subscribe()) {
    SubscriberRow s{crypto::uuid_v4(), c.site(), "", "active"};
    s.email_sealed = sealer.seal(c.email(), s.id);
    store::activate_subscriber(tx, s, key, "profile", "", "");
  } else {
    store::unsubscribe_address(tx, key, c.site());
  }
  log::info("magazine_choice", {{"site", c.site()}, {"subscribe", c.subscribe()}, {"to", log::mask_email(c.email())}});
}

} // namespace civic::notification
