#include "notification/line.h"

#include <nlohmann/json.hpp>

#include <chrono>

#include "core/log.h"
#include "core/paging.h"
#include "core/time.h"
#include "core/validation.h"
#include "notification/compose.h"
#include "notification/service.h"
#include "notification/template.h"
#include "rpc/declared.h"
#include "rpc/oneclick.h"
#include "rpc/server.h"
#include "text/text.h"

namespace civic::notification {
namespace {
using grpc::Status;
using grpc::StatusCode;
using json = nlohmann::json;
using rpc::Principal;

constexpr size_t kMulticast = 500;         // LINE's limit of recipients per multicast call
constexpr size_t kWebhookBytes = 1 << 20;  // LINE's webhook bodies stay far below a MiB
constexpr int kCodeAttemptsPerHour = 5;    // wrong link codes a LINE user may send an hour
constexpr int kCodeMinutes = 10;
constexpr int kEventAttempts = 5;

const char* const kStamp = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";
std::string stamp(const char* column) {
  return std::string("coalesce(to_char(") + column + " AT TIME ZONE 'UTC', " + kStamp + "), '')";
}

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}
const json& obj(const json& j, const char* key) {
  static const json empty = json::object();
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

std::string code_key(const std::string& hmac_key, const std::string& code) {
  return crypto::hmac_sha256(derived_key(hmac_key, "line.link_code"), code);
}

// A link code as typed on a phone: ASCII or full-width digits (Japanese input mode),
// spaces around; anything else is not a code ("" then).
std::string code_of(std::string_view text) {
  std::string digits;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= '0' && c <= '9') {
      digits += char(c);
      ++i;
    } else if (c == ' ' || c == '\n' || c == '\t') {
      ++i;
    } else if (text.substr(i, 3) == "\xE3\x80\x80") {  // U+3000 ideographic space
      i += 3;
    } else if (c == 0xEF && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xBC &&
               static_cast<unsigned char>(text[i + 2]) >= 0x90 && static_cast<unsigned char>(text[i + 2]) <= 0x99) {
      digits += char('0' + (static_cast<unsigned char>(text[i + 2]) - 0x90));  // ０-９
      i += 3;
    } else {
      return "";
    }
  }
  return digits.size() == 8 ? digits : "";
}

std::string new_code() {
  // 8 uniform digits: bytes below 250 only, so every digit is equally likely.
  std::string code;
  while (code.size() < 8)
    for (unsigned char b : crypto::random_bytes(16))
      if (b < 250 && code.size() < 8) code += char('0' + b % 10);
  return code;
}

std::string template_text(Templates& templates, const std::string& key, const std::map<std::string, std::string>& vars) {
  const auto& t = templates.find(key, "ja");
  return t ? render(t->body, vars) : "";
}

json text_messages(const std::string& text) {
  return json::array({{{"type", "text"}, {"text", text::prefix(text, 5000)}}});
}

// The matching mail's content as LINE messages: the text (editable by staff as the
// template line.recruitment_for_member), and buttons whose taps come back as postbacks
// naming the recruitment, answered with the member's own one-click links.
json push_messages(Templates& templates, const civic::events::LinePushRequested& p) {
  std::map<std::string, std::string> vars = {
      {"recruitment_title", p.title()}, {"organization_name", p.organization_name()}, {"url", p.url()}};
  const auto& t = templates.find("line.recruitment_for_member", "ja");
  std::string body = t ? render(t->body, vars) : p.title() + "\n" + p.url();
  std::string alt = t ? render(t->subject, vars) : p.title();
  auto postback = [&](const char* label, const char* action) {
    return json{{"type", "postback"}, {"label", label}, {"data", std::string("a=") + action + "&r=" + p.recruitment_id()},
                {"displayText", label}};
  };
  json buttons = {{"type", "buttons"},
                  {"text", text::prefix(p.title(), 60)},
                  {"actions", json::array({postback("応募する", "apply"), postback("問い合わせる", "inquire"),
                                           {{"type", "uri"}, {"label", "詳しく見る"}, {"uri", p.url()}}})}};
  return json::array({{{"type", "text"}, {"text", text::prefix(body, 5000)}},
                      {{"type", "template"}, {"altText", text::prefix(alt, 400)}, {"template", buttons}}});
}

struct Friend {
  std::string id, state, account_id;
  bool code_locked = false;
};

std::optional<Friend> friend_by_key(db::Tx& tx, const std::string& key) {
  auto r = tx.exec("SELECT id::text, state, coalesce(account_id::text, ''), "
                   "failed_codes >= $2 AND failed_window > now() - interval '1 hour' "
                   "FROM line_friends WHERE line_user_key = $1::bytea FOR UPDATE",
                   db::Bytes{key}, kCodeAttemptsPerHour);
  if (r.empty()) return std::nullopt;
  return Friend{r[0].text(0), r[0].text(1), r[0].text(2), r[0].boolean(3)};
}

// The friend a LINE user is, made (following) when LINE tells of them first by a message.
Friend ensure_friend(db::Tx& tx, const std::string& key, const std::string& user_id, const crypto::Sealer& sealer) {
  if (auto f = friend_by_key(tx, key)) return *f;
  std::string id = crypto::uuid_v4();
  tx.exec("INSERT INTO line_friends (id, line_user_key, line_user_id_sealed, source, followed_at) "
          "VALUES ($1::uuid, $2::bytea, $3::bytea, 'webhook', now())",
          id, db::Bytes{key}, db::Bytes{sealer.seal(user_id, id)});
  return Friend{id, "following", "", false};
}

void unlink_account(db::Tx& tx, const std::string& account_id) {
  tx.exec("UPDATE line_friends SET account_id = NULL, linked_at = NULL, updated_at = now() WHERE account_id = $1::uuid",
          account_id);
  tx.exec("DELETE FROM line_link_codes WHERE account_id = $1::uuid", account_id);
}

// What one webhook event does to the friends; the text to reply, if any.
std::string apply_event(db::Tx& tx, const json& ev, const LineConfig& config, const crypto::Sealer& sealer) {
  std::string type = str(ev, "type");
  std::string user = str(obj(ev, "source"), "userId");
  if (user.empty() || user.size() > 64) return "";  // groups and rooms: not ours to follow
  std::string key = line_user_key(config.hmac_key, user);
  Templates templates(tx);

  if (type == "follow") {
    Friend f = ensure_friend(tx, key, user, sealer);
    tx.exec("UPDATE line_friends SET state = 'following', followed_at = now(), unfollowed_at = NULL, updated_at = now() "
            "WHERE id = $1::uuid",
            f.id);
    return "";
  }
  if (type == "unfollow") {  // removed or blocked: nothing is pushed until they follow again
    tx.exec("UPDATE line_friends SET state = 'unfollowed', unfollowed_at = now(), updated_at = now() "
            "WHERE line_user_key = $1::bytea",
            db::Bytes{key});
    return "";
  }
  if (type == "message" && str(obj(ev, "message"), "type") == "text") {
    Friend f = ensure_friend(tx, key, user, sealer);
    std::string text = str(obj(ev, "message"), "text");
    if (text.find("連携解除") != std::string::npos) {
      if (f.account_id.empty()) return "";
      unlink_account(tx, f.account_id);
      log::info("line_unlinked", {{"friend_id", f.id}, {"by", "line"}});
      return template_text(templates, "line.unlinked", {});
    }
    std::string code = code_of(text);
    if (code.empty()) return "";  // a conversation: for the centre's staff in LINE's own chat
    if (f.code_locked) return template_text(templates, "line.code_locked", {});
    auto found = tx.exec("DELETE FROM line_link_codes WHERE code_key = $1::bytea AND expires_at > now() "
                         "RETURNING account_id::text",
                         db::Bytes{code_key(config.hmac_key, code)});
    if (found.empty()) {
      tx.exec("UPDATE line_friends SET failed_codes = CASE WHEN failed_window > now() - interval '1 hour' "
              "THEN failed_codes + 1 ELSE 1 END, failed_window = CASE WHEN failed_window > now() - interval '1 hour' "
              "THEN failed_window ELSE now() END, updated_at = now() WHERE id = $1::uuid",
              f.id);
      log::warn("line_link_code_unknown", {{"friend_id", f.id}});
      return template_text(templates, "line.code_unknown", {});
    }
    std::string account = found[0].text(0);
    // One LINE per account: a new link replaces the account's former one.
    tx.exec("UPDATE line_friends SET account_id = NULL, linked_at = NULL WHERE account_id = $1::uuid AND id <> $2::uuid",
            account, f.id);
    tx.exec("UPDATE line_friends SET account_id = $2::uuid, linked_at = now(), failed_codes = 0, state = 'following', "
            "updated_at = now() WHERE id = $1::uuid",
            f.id, account);
    log::info("line_linked", {{"friend_id", f.id}, {"account_id", account}});
    return template_text(templates, "line.linked", {});
  }
  if (type == "postback") {
    auto f = friend_by_key(tx, key);
    std::string data = str(obj(ev, "postback"), "data");
    // a=apply|inquire & r=<recruitment id>: the buttons of a pushed matching message.
    std::string action, recruitment;
    for (size_t start = 0; start < data.size();) {
      size_t end = data.find('&', start);
      std::string part = data.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (part.rfind("a=", 0) == 0) action = part.substr(2);
      if (part.rfind("r=", 0) == 0) recruitment = part.substr(2);
      if (end == std::string::npos) break;
      start = end + 1;
    }
    if ((action != "apply" && action != "inquire") || !validation::is_uuid(recruitment)) return "";
    if (!f || f->account_id.empty() || config.oneclick_key.empty())
      return template_text(templates, "line.oneclick_unknown", {});
    auto target = tx.exec("SELECT t.member_id::text, p.title FROM line_push_targets t JOIN line_pushes p ON p.id = t.push_id "
                          "WHERE t.friend_id = $1::uuid AND p.recruitment_id = $2::uuid ORDER BY p.created_at DESC LIMIT 1",
                          f->id, recruitment);
    if (target.empty()) return template_text(templates, "line.oneclick_unknown", {});
    namespace oc = rpc::oneclick;
    int64_t expires = int64_t(std::time(nullptr)) + config.oneclick_ttl_seconds;
    std::string token = oc::issue({action == "apply" ? oc::Action::apply : oc::Action::inquire, target[0].text(0),
                                   recruitment, expires},
                                  config.oneclick_key);
    return template_text(templates, "line.oneclick",
                         {{"recruitment_title", target[0].text(1)},
                          {"action", action == "apply" ? "応募" : "問い合わせ"},
                          {"days", std::to_string(config.oneclick_ttl_seconds / 86400)},
                          {"oneclick_url", config.public_base_url + "/oneclick/" + token}});
  }
  return "";  // join, leave, beacon, other message types: nothing to do
}

} // namespace

std::string line_user_key(const std::string& hmac_key, const std::string& user_id) {
  return address_key(hmac_key, "line.user", user_id);
}

bool line_signature_valid(const std::string& secret, std::string_view body, std::string_view signature) {
  if (secret.empty() || signature.empty() || signature.size() > 100) return false;
  return crypto::equal_constant_time(crypto::base64(crypto::hmac_sha256(secret, body)), signature);
}

namespace {
// Records a push (once: `id` is its key) to the friends `friend_ids`, each with the member
// whose one-click links a button tap answers (empty: a notice without buttons). Each
// recipient's multicast call is decided here, 500 to a call.
void queue_push(db::Tx& tx, const std::string& id, const std::string& kind, const std::string& recruitment_id,
                const std::string& title, const json& messages, const std::vector<std::string>& friend_ids,
                const std::vector<std::string>& member_ids) {
  auto made = tx.exec("INSERT INTO line_pushes (id, kind, recruitment_id, title, message, recipients) "
                      "VALUES ($1::uuid, $2, nullif($3, '')::uuid, $4, $5::jsonb, $6) ON CONFLICT (id) DO NOTHING",
                      id, kind, recruitment_id, text::prefix(title, 200), messages.dump(), int(friend_ids.size()));
  if (made.affected() == 0) return;
  tx.exec("INSERT INTO line_push_targets (push_id, friend_id, member_id, call_no) "
          "SELECT $1::uuid, f, nullif(m, '')::uuid, (n - 1) / $4 "
          "FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS x(f, m, n) ON CONFLICT DO NOTHING",
          id, friend_ids, member_ids, int(kMulticast));
  log::info("line_push_queued", {{"push_id", id}, {"kind", kind}, {"recruitment_id", recruitment_id},
                                 {"recipients", friend_ids.size()}});
}
} // namespace

void line_push_requested(db::Tx& tx, const civic::events::LinePushRequested& push) {
  if (!validation::is_uuid(push.id()) || !validation::is_uuid(push.recruitment_id())) {
    log::error("line_push_invalid", {{"push_id", push.id()}});
    return;
  }
  std::vector<std::string> accounts, members;
  for (const auto& r : push.recipients())
    if (validation::is_uuid(r.account_id()) && validation::is_uuid(r.member_id())) {
      accounts.push_back(r.account_id());
      members.push_back(r.member_id());
    }
  if (accounts.empty()) return;
  // The linked friends who follow: nobody else is pushed to.
  auto friends = tx.exec(
      "SELECT f.id::text, x.member_id::text FROM unnest($1::uuid[], $2::uuid[]) AS x(account_id, member_id) "
      "JOIN line_friends f ON f.account_id = x.account_id AND f.state = 'following'",
      accounts, members);
  if (friends.empty()) return;
  std::vector<std::string> friend_ids, member_ids;
  for (const auto& row : friends) {
    friend_ids.push_back(row.text(0));
    member_ids.push_back(row.text(1));
  }
  Templates templates(tx);
  queue_push(tx, push.id(), "matching", push.recruitment_id(), push.title(), push_messages(templates, push), friend_ids,
             member_ids);
}

void line_notice_requested(db::Tx& tx, const std::string& id, const civic::events::MailRequested& mail) {
  if (!mail.also_line() || !validation::is_uuid(id) || !validation::is_uuid(mail.account_id())) return;
  auto linked = tx.exec("SELECT id::text FROM line_friends WHERE account_id = $1::uuid AND state = 'following'",
                        mail.account_id());
  if (linked.empty()) return;
  Templates templates(tx);
  const auto& t = templates.find("line." + mail.template_(), "ja");
  if (!t) return log::error("line_template_missing", {{"template", mail.template_()}});
  std::map<std::string, std::string> vars(mail.variables().begin(), mail.variables().end());
  json messages = json::array({{{"type", "text"}, {"text", text::prefix(render(t->body, vars), 5000)}}});
  queue_push(tx, id, "notice", "", render(t->subject, vars), messages, {linked[0].text(0)}, {""});
}

void line_account_deleted(db::Tx& tx, const std::string& account_id) {
  if (validation::is_uuid(account_id)) unlink_account(tx, account_id);
}

// ---- the API --------------------------------------------------------------------------

LineServiceImpl::LineServiceImpl(db::Pool& pool, LineConfig config, crypto::Sealer sealer, const LineApi& api,
                                 std::function<void()> received)
    : pool_(pool), config_(std::move(config)), sealer_(std::move(sealer)), api_(api), received_(std::move(received)) {}

Status LineServiceImpl::LineWebhook(grpc::ServerContext* ctx, const LineWebhookRequest* req, LineWebhookResponse*) {
  return rpc::guarded(ctx, config_.hmac_key, "LineWebhook", [&](const Principal&) {
    if (config_.channel_secret.empty()) return Status(StatusCode::UNAVAILABLE, "LINE 連携は設定されていません");
    const std::string& body = req->raw_body();
    // The signature first: nothing of an unsigned body is parsed or stored.
    if (!line_signature_valid(config_.channel_secret, body, req->signature()))
      return Status(StatusCode::UNAUTHENTICATED, "X-Line-Signature が正しくありません");
    if (body.size() > kWebhookBytes)
      return rpc::invalid("body", "too_large", "本文が大きすぎます", "the body is too large");
    json j = json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("events") || !j["events"].is_array())
      return rpc::invalid("body", "invalid_format", "LINE の Webhook の形式ではありません", "not a LINE webhook body");
    // Stored once each (LINE redelivers with the same webhookEventId) and answered at
    // once; the worker does the rest.
    int64_t stored = pool_.transaction([&](db::Tx& tx) {
      int64_t n = 0;
      for (const auto& ev : j["events"]) {
        std::string id = str(ev, "webhookEventId");
        if (id.empty() || id.size() > 64) continue;
        n += tx.exec("INSERT INTO line_events (webhook_event_id, event_sealed) VALUES ($1, $2::bytea) "
                     "ON CONFLICT (webhook_event_id) DO NOTHING",
                     id, db::Bytes{sealer_.seal(ev.dump(), id)})
                 .affected();
      }
      return n;
    });
    if (stored > 0) received_();
    return Status::OK;
  });
}

Status LineServiceImpl::CreateMyLineLinkCode(grpc::ServerContext* ctx, const civic::common::Empty*, LineLinkCode* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "CreateMyLineLinkCode", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    // A new code replaces the account's former one; a clash with another account's live
    // code (one in 10^8 per live code) draws again.
    for (int attempt = 0; attempt < 5; ++attempt) {
      std::string code = new_code();
      try {
        return pool_.transaction([&](db::Tx& tx) {
          tx.exec("DELETE FROM line_link_codes WHERE expires_at < now()");
          auto r = tx.exec("INSERT INTO line_link_codes (code_key, account_id, expires_at) "
                           "VALUES ($1::bytea, $2::uuid, now() + make_interval(mins => $3::int)) "
                           "ON CONFLICT (account_id) DO UPDATE SET code_key = excluded.code_key, "
                           "expires_at = excluded.expires_at, updated_at = now() RETURNING " + stamp("expires_at"),
                           db::Bytes{code_key(config_.hmac_key, code)}, p.account_id(), kCodeMinutes);
          resp->set_code(code);
          resp->set_expires_at(r[0].text(0));
          resp->set_add_friend_url(config_.add_friend_url);
          return Status::OK;
        });
      } catch (const db::Error& e) {
        if (e.kind() != db::ErrorKind::unique_violation) throw;
      }
    }
    return Status(StatusCode::UNAVAILABLE, "しばらくしてからお試しください");
  });
}

Status LineServiceImpl::GetMyLine(grpc::ServerContext* ctx, const civic::common::Empty*, MyLine* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetMyLine", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    return pool_.read([&](db::Tx& tx) {
      auto r = tx.exec("SELECT " + stamp("linked_at") + ", state FROM line_friends WHERE account_id = $1::uuid",
                       p.account_id());
      resp->set_linked(!r.empty());
      if (!r.empty()) {
        resp->set_linked_at(r[0].text(0));
        resp->set_following(r[0].text(1) == "following");
      }
      return Status::OK;
    });
  });
}

Status LineServiceImpl::UnlinkMyLine(grpc::ServerContext* ctx, const civic::common::Empty*, civic::common::Empty*) {
  return rpc::guarded(ctx, config_.hmac_key, "UnlinkMyLine", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    return pool_.transaction([&](db::Tx& tx) {
      unlink_account(tx, p.account_id());
      log::info("line_unlinked", {{"account_id", p.account_id()}, {"by", "member"}});
      return Status::OK;
    });
  });
}

Status LineServiceImpl::ListLineFriends(grpc::ServerContext* ctx, const ListLineFriendsRequest* req,
                                        ListLineFriendsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListLineFriends", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    validation::Errors e;
    rpc::check_declared(*req, e);
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    return pool_.read([&](db::Tx& tx) {
      const std::string where = " FROM line_friends WHERE ($1 = '' OR state = $1) "
                                "AND ($2 = '' OR (account_id IS NOT NULL) = ($2 = 'yes'))";
      auto rows = tx.exec("SELECT id::text, state, coalesce(account_id::text, ''), source, " + stamp("followed_at") + ", " +
                              stamp("unfollowed_at") + ", " + stamp("linked_at") + where +
                              " ORDER BY created_at DESC, id LIMIT $3 OFFSET $4",
                          req->state(), req->linked(), page.limit, page.offset);
      int64_t total = tx.exec("SELECT count(*)" + where, req->state(), req->linked())[0].int64(0);
      for (const auto& r : rows) {
        auto* f = resp->add_items();
        f->set_id(r.text(0));
        f->set_state(r.text(1));
        f->set_account_id(r.text(2));
        f->set_linked(!r.text(2).empty());
        f->set_source(r.text(3));
        f->set_followed_at(r.text(4));
        f->set_unfollowed_at(r.text(5));
        f->set_linked_at(r.text(6));
      }
      resp->set_total_size(int32_t(total));
      resp->set_next_page_token(paging::next_token(page, size_t(rows.size()), total));
      auto c = tx.exec("SELECT count(*) FILTER (WHERE state = 'following'), "
                       "count(*) FILTER (WHERE state = 'following' AND account_id IS NOT NULL), "
                       "count(*) FILTER (WHERE state = 'unfollowed') FROM line_friends");
      resp->mutable_counts()->set_following(int32_t(c[0].int64(0)));
      resp->mutable_counts()->set_linked(int32_t(c[0].int64(1)));
      resp->mutable_counts()->set_unfollowed(int32_t(c[0].int64(2)));
      return Status::OK;
    });
  });
}

Status LineServiceImpl::GetLineUsage(grpc::ServerContext* ctx, const LineUsageRequest* req, LineUsage* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetLineUsage", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    std::string month = req->month().empty() ? time::tokyo_month() : req->month();
    if (month.size() != 7 || !validation::is_date(month + "-01"))
      return rpc::invalid("month", "invalid_format", "月は YYYY-MM で指定してください", "month must be YYYY-MM");
    resp->set_month(month);
    Status st = pool_.read([&](db::Tx& tx) {
      // The month in Tokyo's calendar, as LINE counts it.
      auto sums = tx.exec("SELECT (SELECT coalesce(sum(recipients), 0) FROM line_push_calls WHERE state = 'sent' "
                          "AND to_char(sent_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') = $1), "
                          "(SELECT coalesce(sum(recipients), 0) FROM line_pushes WHERE state = 'skipped' "
                          "AND to_char(created_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') = $1)",
                          month);
      resp->set_delivered(int32_t(sums[0].int64(0)));
      resp->set_skipped(int32_t(sums[0].int64(1)));
      auto pushes = tx.exec("SELECT p.id::text, coalesce(p.recruitment_id::text, ''), p.title, p.state, p.reason, "
                            "p.recipients, (SELECT count(*) FROM line_push_calls c WHERE c.push_id = p.id), " +
                                stamp("p.created_at") + ", " + stamp("p.finished_at") + ", p.kind FROM line_pushes p "
                                "WHERE to_char(p.created_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') = $1 "
                                "ORDER BY p.created_at DESC LIMIT 100",
                            month);
      for (const auto& r : pushes) {
        auto* out = resp->add_pushes();
        out->set_id(r.text(0));
        out->set_recruitment_id(r.text(1));
        out->set_title(r.text(2));
        out->set_state(r.text(3));
        out->set_reason(r.text(4));
        out->set_recipients(int32_t(r.int64(5)));
        out->set_calls(int32_t(r.int64(6)));
        out->set_created_at(r.text(7));
        out->set_finished_at(r.text(8));
        out->set_kind(r.text(9));
      }
      return Status::OK;
    });
    if (!st.ok()) return st;
    // LINE's own figures, for this month only (it keeps no history to ask).
    resp->set_quota_type("unknown");
    if (api_.configured() && month == time::tokyo_month())
      if (auto q = api_.quota()) {
        resp->set_quota_type(q->type);
        resp->set_quota(int32_t(q->limit));
        resp->set_consumption(int32_t(q->used));
      }
    return Status::OK;
  });
}

// ---- the worker -------------------------------------------------------------------------

LineWorker::LineWorker(db::Pool& pool, LineConfig config, crypto::Sealer sealer, const LineApi& api)
    : pool_(pool),
      config_(std::move(config)),
      sealer_(std::move(sealer)),
      api_(api),
      loop_("line_worker", std::chrono::seconds(1), [this] { return run_once(); }) {}

LineWorker::~LineWorker() { stop(); }

int LineWorker::run_once() { return process_events() + plan_pushes() + send_calls(); }

int LineWorker::process_events() {
  int done = 0;
  for (;;) {
    std::string id, reply_token, reply;
    bool claimed = false;
    try {
      claimed = pool_.transaction([&](db::Tx& tx) {
        auto r = tx.exec("SELECT webhook_event_id, event_sealed FROM line_events WHERE state = 'queued' "
                         "ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED");
        if (r.empty()) return false;
        id = r[0].text(0);
        auto plain = sealer_.open(r[0].bytes(1), id);
        json ev = plain ? json::parse(*plain, nullptr, false) : json();
        reply = apply_event(tx, ev, config_, sealer_);
        reply_token = str(ev, "replyToken");
        // Done: the event (LINE user ids) is not kept.
        tx.exec("UPDATE line_events SET state = 'done', event_sealed = NULL, attempts = attempts + 1, updated_at = now() "
                "WHERE webhook_event_id = $1",
                id);
        return true;
      });
    } catch (const std::exception& e) {
      if (id.empty()) throw;
      log::error("line_event_failed", {{"webhook_event_id", id}, {"what", e.what()}});
      pool_.transaction([&](db::Tx& tx) {
        tx.exec("UPDATE line_events SET attempts = attempts + 1, last_error = left($2, 500), "
                "state = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE state END, updated_at = now() "
                "WHERE webhook_event_id = $1",
                id, std::string(e.what()), kEventAttempts);
      });
      ++done;
      continue;
    }
    if (!claimed) break;
    ++done;
    // A reply is a courtesy within LINE's minute: it is not retried.
    if (!reply.empty() && !reply_token.empty() && api_.configured()) {
      LineAnswer a = api_.reply(reply_token, text_messages(reply));
      if (!a.ok()) log::warn("line_reply_failed", {{"status", a.status}, {"error", a.error}});
    }
  }
  return done;
}

int LineWorker::plan_pushes() {
  int planned = 0;
  // The plan's quota, asked once a round (LINE rate-limits these endpoints too); the
  // pushes planned in the round add to its use.
  std::optional<LineQuota> quota;
  bool asked = false;
  for (;;) {
    bool any = pool_.transaction([&](db::Tx& tx) {
      auto r = tx.exec("SELECT id::text, recipients FROM line_pushes WHERE state = 'queued' "
                       "ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED");
      if (r.empty()) return false;
      std::string id = r[0].text(0);
      int64_t recipients = r[0].int64(1);
      auto skip = [&](const std::string& reason) {
        tx.exec("UPDATE line_pushes SET state = 'skipped', reason = $2, finished_at = now(), updated_at = now() "
                "WHERE id = $1::uuid",
                id, reason);
        log::warn("line_push_skipped", {{"push_id", id}, {"reason", reason}});
      };
      if (!api_.configured()) {
        skip("LINE_CHANNEL_TOKEN が設定されていません");
        return true;
      }
      // The plan's monthly quota: a fan-out that would pass it is not started (the mails
      // went anyway). When LINE does not answer, the calls try and LINE decides.
      if (!asked) quota = api_.quota();
      asked = true;
      if (quota && quota->exceeded_by(recipients)) {
        skip("月間の送信上限を超えるため送りませんでした（上限 " + std::to_string(quota->limit) + " 通、使用済み " +
             std::to_string(quota->used) + " 通、必要 " + std::to_string(recipients) + " 通）");
        return true;
      }
      if (quota) quota->used += recipients;
      tx.exec("INSERT INTO line_push_calls (push_id, call_no, retry_key, recipients) "
              "SELECT $1::uuid, call_no, gen_random_uuid(), count(*) FROM line_push_targets "
              "WHERE push_id = $1::uuid GROUP BY call_no",
              id);
      tx.exec("UPDATE line_pushes SET state = 'sending', updated_at = now() WHERE id = $1::uuid", id);
      return true;
    });
    if (!any) break;
    ++planned;
  }
  return planned;
}

int LineWorker::send_calls() {
  struct Call {
    std::string push_id;
    int64_t call_no = 0;
    std::string retry_key;
    int64_t attempts = 0;
  };
  // Claimed under a lease first: a worker that dies mid-call leaves it to another after
  // a minute, and the retry key makes LINE refuse (409) what it already accepted.
  auto calls = pool_.transaction([&](db::Tx& tx) {
    std::vector<Call> out;
    for (const auto& r : tx.exec("UPDATE line_push_calls c SET state = 'sending', attempts = attempts + 1, "
                                 "lease_until = now() + interval '1 minute', updated_at = now() FROM ("
                                 "  SELECT push_id, call_no FROM line_push_calls "
                                 "  WHERE (state = 'queued' AND next_attempt_at <= now()) "
                                 "     OR (state = 'sending' AND lease_until < now()) "
                                 "  ORDER BY next_attempt_at LIMIT 20 FOR UPDATE SKIP LOCKED) due "
                                 "WHERE c.push_id = due.push_id AND c.call_no = due.call_no "
                                 "RETURNING c.push_id::text, c.call_no, c.retry_key::text, c.attempts"))
      out.push_back({r.text(0), r.int64(1), r.text(2), r.int64(3)});
    return out;
  });
  for (const auto& call : calls) {
    std::vector<std::string> to;
    json messages;
    pool_.read([&](db::Tx& tx) {
      for (const auto& r : tx.exec("SELECT f.id::text, f.line_user_id_sealed FROM line_push_targets t "
                                   "JOIN line_friends f ON f.id = t.friend_id "
                                   "WHERE t.push_id = $1::uuid AND t.call_no = $2",
                                   call.push_id, call.call_no))
        if (auto user = sealer_.open(r.bytes(1), r.text(0))) to.push_back(*user);
      messages = json::parse(tx.exec("SELECT message::text FROM line_pushes WHERE id = $1::uuid", call.push_id)[0].text(0));
    });
    LineAnswer a = to.empty() ? LineAnswer{200, "", 0, ""} : api_.multicast(to, messages, call.retry_key);
    bool delivered = a.ok() || a.status == 409;  // 409: this retry key was accepted before
    bool retry = !delivered && !a.quota_exceeded() && (a.status == 0 || a.status == 429 || a.status >= 500) &&
                 call.attempts < config_.max_attempts;
    std::string error = delivered ? "" : a.status ? "HTTP " + std::to_string(a.status) + " " + a.body.substr(0, 200) : a.error;
    int wait = a.retry_after > 0 ? std::min(a.retry_after, 3600) : std::min(1 << std::min<int64_t>(call.attempts, 8), 300);
    pool_.transaction([&](db::Tx& tx) {
      if (delivered)
        tx.exec("UPDATE line_push_calls SET state = 'sent', sent_at = now(), lease_until = NULL, last_error = '', "
                "updated_at = now() WHERE push_id = $1::uuid AND call_no = $2",
                call.push_id, call.call_no);
      else
        tx.exec("UPDATE line_push_calls SET state = CASE WHEN $3 THEN 'queued' ELSE 'failed' END, lease_until = NULL, "
                "next_attempt_at = now() + make_interval(secs => $4::int), last_error = left($5, 500), updated_at = now() "
                "WHERE push_id = $1::uuid AND call_no = $2",
                call.push_id, call.call_no, retry, wait, error);
      if (a.quota_exceeded())
        tx.exec("UPDATE line_pushes SET state = 'skipped', reason = 'LINE の月間送信上限に達しました', updated_at = now() "
                "WHERE id = $1::uuid AND state = 'sending'",
                call.push_id);
      // The push is over when none of its calls is left to send.
      tx.exec("UPDATE line_pushes p SET finished_at = now(), updated_at = now(), state = CASE WHEN p.state = 'skipped' "
              "THEN 'skipped' WHEN EXISTS (SELECT 1 FROM line_push_calls c WHERE c.push_id = p.id AND c.state = 'failed') "
              "THEN 'failed' ELSE 'sent' END, reason = CASE WHEN p.reason = '' THEN coalesce((SELECT c.last_error "
              "FROM line_push_calls c WHERE c.push_id = p.id AND c.state = 'failed' LIMIT 1), '') ELSE p.reason END "
              "WHERE p.id = $1::uuid AND p.finished_at IS NULL AND NOT EXISTS (SELECT 1 FROM line_push_calls c "
              "WHERE c.push_id = p.id AND c.state IN ('queued', 'sending'))",
              call.push_id);
    });
    if (delivered)
      log::info("line_multicast_sent", {{"push_id", call.push_id}, {"call", call.call_no}, {"recipients", to.size()}});
    else
      log::warn("line_multicast_failed", {{"push_id", call.push_id}, {"call", call.call_no}, {"status", a.status},
                                          {"retry", retry}, {"error", error}});
  }
  return int(calls.size());
}

} // namespace civic::notification
