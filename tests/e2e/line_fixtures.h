// The loopback LINE API (tools/line/server.py) and LINE's webhook calls, for the
// channel tests (e2e/channels_test.cpp) and the serial ones that change the loopback
// server's limits for every caller (e2e_serial/line_limits_test.cpp).
#pragma once
#include <catch2/catch.hpp>
#include <curl/curl.h>

#include <optional>
#include <string>
#include <vector>

#include "aikasanet_fixtures.h"
#include "client.h"
#include "core/crypto.h"
#include "fixtures.h"

namespace civic::e2e {

using json = nlohmann::json;

// ---- the loopback LINE API and LINE's webhook calls ----------------------------------

inline size_t collect(char* p, size_t s, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, s * n);
  return s * n;
}

/// A call to the loopback LINE server's test interface.
inline json line_sim(const std::string& method, const std::string& path, const json& body = json::object()) {
  CURL* c = curl_easy_init();
  std::string url = env("LINE_API_BASE") + path, out, data = body.dump();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST") curl_easy_setopt(c, CURLOPT_POSTFIELDS, data.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
  REQUIRE(curl_easy_perform(c) == CURLE_OK);
  curl_easy_cleanup(c);
  return json::parse(out);
}

inline json line_requests(const std::string& kind) {
  json out = json::array();
  json all = line_sim("GET", "/_test/requests");
  for (const auto& r : all["requests"])
    if (r["kind"] == kind) out.push_back(r);
  return out;
}

/// The text of LINE's replies to `reply_token` (each one a reply call).
inline std::vector<std::string> replies_to(const std::string& reply_token) {
  std::vector<std::string> out;
  for (const auto& r : line_requests("reply"))
    if (r["replyToken"] == reply_token) out.push_back(r["messages"][0]["text"]);
  return out;
}

/// The multicasts whose text names `needle`.
inline json multicasts_of(const std::string& needle) {
  json out = json::array();
  for (const auto& r : line_requests("multicast"))
    if (r["messages"][0]["text"].get<std::string>().find(needle) != std::string::npos) out.push_back(r);
  return out;
}

inline std::string line_user() { return "U" + crypto::hex(crypto::random_bytes(16)); }

inline json event(const std::string& type, const std::string& user, json extra = json::object()) {
  json e = {{"type", type},
            {"mode", "active"},
            {"timestamp", 1700000000000},
            {"source", {{"type", "user"}, {"userId", user}}},
            {"webhookEventId", "01" + crypto::hex(crypto::random_bytes(12))},
            {"deliveryContext", {{"isRedelivery", false}}}};
  for (auto it = extra.begin(); it != extra.end(); ++it) e[it.key()] = it.value();
  return e;
}
inline json text_event(const std::string& user, const std::string& text, const std::string& reply_token) {
  return event("message", user,
               {{"replyToken", reply_token}, {"message", {{"type", "text"}, {"id", "1"}, {"text", text}}}});
}
inline json postback_event(const std::string& user, const std::string& data, const std::string& reply_token) {
  return event("postback", user, {{"replyToken", reply_token}, {"postback", {{"data", data}}}});
}

/// LINE's call: the body signed with the channel secret (HMAC-SHA256, base64), as LINE does.
inline Response webhook(const std::string& body, std::optional<std::string> signature = std::nullopt) {
  std::string sig = signature ? *signature : crypto::base64(crypto::hmac_sha256(env("LINE_CHANNEL_SECRET"), body));
  std::vector<std::string> headers = {"Content-Type: application/json; charset=utf-8"};
  if (!sig.empty()) headers.push_back("X-Line-Signature: " + sig);
  Client line;
  return line.request("POST", "/api/v1/integrations/line/webhook", body, headers);
}
inline Response deliver(const std::vector<json>& events) {
  return webhook(json{{"destination", "Uaikasanet"}, {"events", events}}.dump());
}

/// Links `user`'s LINE to the account logged in on `member`, as a member does: the code
/// from the member's page, sent to the official account.
inline void link_line(Client& member, const std::string& user) {
  Response code = member.post("/api/v1/me/line/link-code");
  REQUIRE(code.status == 201);
  std::string reply = "r" + unique("");
  REQUIRE(deliver({text_event(user, code.json()["code"], reply)}).status == 200);
  REQUIRE(eventually([&] { return member.get("/api/v1/me/line").json().value("linked", false); }));
}

/// An admin, a recruiting group and two published volunteers of 周南 on Saturdays: `linked`
/// has linked the LINE user `user`, `plain` has not; the loopback LINE API accepts all.
struct LineCast {
  Client admin, linked, plain, group;
  std::string linked_mail, plain_mail, user;
  explicit LineCast(const std::string& admin_prefix) {
    ready_admin(admin, unique(admin_prefix));
    line_sim("POST", "/_test/config", {{"quota", nullptr}, {"fail_next", 0}, {"retry_after", 0}});
    linked_mail = published_volunteer(linked, admin, "shunan", "sat").second;
    plain_mail = published_volunteer(plain, admin, "shunan", "sat").second;
    user = line_user();
    REQUIRE(deliver({event("follow", user)}).status == 200);
    link_line(linked, user);
    published_group(group, admin, unique("group_") + "@example.jp");
  }
};

/// Mails its organiser a recruitment that a volunteer of 周南 on Saturdays matches.
inline std::string publish(Client& group, Client& admin, const std::string& title, const std::string& organizer,
                    const std::vector<std::string>& dates = {}) {
  json r = recruitment(title, organizer);
  if (!dates.empty()) r["activity_dates"] = dates;
  Response posted = post_recruitment(group, r);
  REQUIRE(posted.status == 201);
  std::string id = posted.json()["id"];
  REQUIRE(admin.post("/api/v1/admin/recruitments/" + id + "/publish").status == 200);
  return id;
}

} // namespace civic::e2e
