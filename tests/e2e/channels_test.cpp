// Aikasanet's channels end to end (issue 16, NTF-5, NTF-6): LINE's webhook signed as
// LINE signs it, linking a member's LINE with a one-time code, the multicast of a
// matching message to the loopback LINE API (tools/line/server.py) within its limits and
// the quota, and the health app's QR codes: mailed as PNGs that zbarimg decodes,
// redeemed by an API client once per member and day; activity reminders the day before
// and the daily digest of matching mails.
#include <catch2/catch.hpp>
#include <curl/curl.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "aikasanet_fixtures.h"
#include "client.h"
#include "core/crypto.h"
#include "core/time.h"
#include "db/db.h"
#include "fixtures.h"
#include "line_fixtures.h"
#include "notification/health.h"

using namespace civic;
using namespace civic::e2e;
using json = nlohmann::json;

namespace {

// ---- mails with files, QR codes ----------------------------------------------------------

/// The attachments (filename -> bytes) of the mail to `to` whose text names `needle`.
std::map<std::string, std::string> attachments_of(const std::string& to, const std::string& needle) {
  std::map<std::string, std::string> out;
  for (const auto& m : mails(to)) {
    if (m.text.find(needle) == std::string::npos) continue;
    // A part's headers (Content-Disposition with the filename, Content-Type, encoding),
    // a blank line, the base64 lines.
    static const std::regex part(
        "filename=\"?([A-Za-z0-9._-]+)\"?(?:\\r?\\n[A-Za-z-]+: [^\\r\\n]*)*\\r?\\n\\r?\\n([A-Za-z0-9+/=\\r\\n]+)");
    for (std::sregex_iterator it(m.raw.begin(), m.raw.end(), part), end; it != end; ++it) {
        std::string b64;
        for (char ch : (*it)[2].str())
          if (!std::isspace(static_cast<unsigned char>(ch))) b64 += ch;
        if (auto bytes = crypto::base64_decode(b64)) out[(*it)[1]] = *bytes;
    }
  }
  return out;
}

/// What Debian's zbarimg reads in a PNG ("" when it finds no code).
std::string zbar(const std::string& png) {
  auto path = std::filesystem::temp_directory_path() / ("qr-" + unique("") + ".png");
  std::ofstream(path, std::ios::binary) << png;
  std::string out;
  if (FILE* p = popen(("zbarimg --raw -q " + path.string()).c_str(), "r")) {
    char buf[512];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    pclose(p);
  }
  std::filesystem::remove(path);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string basic(const std::string& id, const std::string& secret) {
  return "Authorization: Basic " + crypto::base64(id + ":" + secret);
}
Response redeem(const std::string& auth, const std::string& token, const std::string& member) {
  Client app;
  std::vector<std::string> headers = {"Content-Type: application/json"};
  if (!auth.empty()) headers.push_back(auth);
  return app.request("POST", "/api/v1/integrations/health/redemptions",
                     json{{"token", token}, {"app_member_id", member}}.dump(), headers);
}
std::string reason_of(const Response& r) {
  json body = r.json();
  // A redemption that went through has no error (the withdrawal below reaches notification
  // as an event, so the first tries after it may still be accepted: CI once saw one).
  if (!body.is_object() || !body.contains("error")) return "";
  for (const auto& d : body["error"].value("details", json::array()))
    if (d.value("field", "") == "token") return d.value("reason", "");
  return "";
}

} // namespace

TEST_CASE("LINE's webhook: the signature is checked first, friends follow and leave, a one-time code links a member",
          "[e2e]") {
  Client admin;
  ready_admin(admin, unique("line_admin_"));
  int before = admin.get("/api/v1/admin/line/friends").json()["counts"].value("following", 0);

  // Unsigned, wrongly signed, oversized: refused before anything is read or stored.
  std::string user = line_user();
  std::string follow = json{{"destination", "U0"}, {"events", {event("follow", user)}}}.dump();
  CHECK(webhook(follow, "").status == 401);
  CHECK(webhook(follow, crypto::base64(crypto::hmac_sha256("not the secret", follow))).status == 401);
  std::string tampered = follow;
  tampered[tampered.find(user) + 5] ^= 1;
  CHECK(webhook(tampered, crypto::base64(crypto::hmac_sha256(env("LINE_CHANNEL_SECRET"), follow))).status == 401);
  CHECK(webhook(std::string(1100 * 1024, ' ')).status == 413);
  Response garbage = webhook("{\"events\": 42}");
  CHECK(garbage.status == 400);
  CHECK(admin.get("/api/v1/admin/line/friends").json()["counts"].value("following", 0) == before);

  // LINE's verification call (no events) and a follow, with no session or CSRF header.
  CHECK(webhook(json{{"destination", "U0"}, {"events", json::array()}}.dump()).status == 200);
  REQUIRE(webhook(follow).status == 200);
  REQUIRE(webhook(follow).status == 200);  // redelivered: the same webhookEventId, counted once
  REQUIRE(eventually([&] {
    return admin.get("/api/v1/admin/line/friends").json()["counts"].value("following", 0) == before + 1;
  }));
  Response unlinked = admin.get("/api/v1/admin/line/friends?linked=no&state=following");
  REQUIRE(unlinked.status == 200);
  CHECK(unlinked.json()["items"][0].value("linked", true) == false);
  CHECK(unlinked.json()["items"][0]["source"] == "webhook");
  CHECK(unlinked.body.find(user) == std::string::npos);  // LINE user ids are never shown

  // The member's page shows a code; nobody else gets one.
  Client member;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  CHECK(Client().post("/api/v1/me/line/link-code").status == 401);
  member.send_csrf = false;
  CHECK(member.post("/api/v1/me/line/link-code").status == 403);
  member.send_csrf = true;
  CHECK(member.get("/api/v1/me/line").json().value("linked", true) == false);
  Response code = member.post("/api/v1/me/line/link-code");
  REQUIRE(code.status == 201);
  std::string digits = code.json()["code"];
  REQUIRE(std::regex_match(digits, std::regex("[0-9]{8}")));
  CHECK(code.json()["add_friend_url"].get<std::string>().rfind("https://line.me/", 0) == 0);

  // Sent in full-width digits with spaces, as a phone in Japanese mode types it.
  std::string wide;
  for (char d : digits) wide += std::string("\xEF\xBC") + char(0x90 + (d - '0'));
  std::string reply = "r" + unique("");
  json sent = text_event(user, " " + wide.substr(0, 12) + "\xE3\x80\x80" + wide.substr(12) + " ", reply);
  REQUIRE(deliver({sent}).status == 200);
  REQUIRE(eventually([&] { return member.get("/api/v1/me/line").json().value("linked", false); }));
  CHECK(member.get("/api/v1/me/line").json()["following"] == true);
  REQUIRE(eventually([&] { return !replies_to(reply).empty(); }));
  CHECK(replies_to(reply)[0].find("連携しました") != std::string::npos);
  REQUIRE(deliver({sent}).status == 200);  // LINE redelivers: processed once, answered once
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(replies_to(reply).size() == 1);

  // Single use: the same code from another LINE user links nothing.
  std::string other = line_user();
  std::string other_reply = "r" + unique("");
  REQUIRE(deliver({text_event(other, digits, other_reply)}).status == 200);
  REQUIRE(eventually([&] { return !replies_to(other_reply).empty(); }));
  CHECK(replies_to(other_reply)[0].find("正しくない") != std::string::npos);

  // Guessing is stopped: the sixth wrong code in an hour is not even looked up.
  std::string guesser = line_user();
  std::string last;
  for (int i = 0; i < 6; ++i) {
    last = "r" + unique("");
    REQUIRE(deliver({text_event(guesser, std::to_string(10000000 + i), last)}).status == 200);
  }
  REQUIRE(eventually([&] { return !replies_to(last).empty(); }));
  CHECK(replies_to(last)[0].find("1時間") != std::string::npos);

  // Unlinking from LINE's side, then from the member's page.
  REQUIRE(deliver({text_event(user, "連携解除", "r" + unique(""))}).status == 200);
  REQUIRE(eventually([&] { return !member.get("/api/v1/me/line").json().value("linked", true); }));
  link_line(member, user);
  CHECK(member.del("/api/v1/me/line").status == 204);
  CHECK(member.get("/api/v1/me/line").json().value("linked", true) == false);

  // Blocking the account: the friend is kept as unfollowed.
  REQUIRE(deliver({event("unfollow", user)}).status == 200);
  REQUIRE(eventually([&] {
    Response r = admin.get("/api/v1/admin/line/friends?state=unfollowed");
    return r.status == 200 && r.json()["counts"].value("unfollowed", 0) >= 1 && r.json()["total_size"] >= 1;
  }));

  // Staff only.
  CHECK(member.get("/api/v1/admin/line/friends").status == 403);
  CHECK(member.get("/api/v1/admin/line/usage").status == 403);
  CHECK(admin.get("/api/v1/admin/line/friends?linked=maybe").status == 400);
  CHECK(admin.get("/api/v1/admin/line/usage?month=2026-13").status == 400);
}

TEST_CASE("A published recruitment reaches linked members by LINE multicast with their own one-click links", "[e2e]") {
  LineCast cast("line_push_admin_");
  auto& [admin, linked, plain, group, linked_mail, other_mail, user] = cast;
  std::string organizer = unique("organizer_") + "@example.jp";

  // The mail goes to both; LINE to the linked one, once, with a retry key.
  std::string title = "LINE配信テスト" + unique("");
  std::string rid = publish(group, admin, title, organizer);
  REQUIRE(wait_for_mail(linked_mail, title));
  REQUIRE(wait_for_mail(other_mail, title));
  REQUIRE(eventually([&] { return multicasts_of(title).size() == 1; }));
  json push = multicasts_of(title)[0];
  CHECK(std::find(push["to"].begin(), push["to"].end(), user) != push["to"].end());
  CHECK(push["to"].size() <= 500);
  CHECK(std::regex_match(push["retryKey"].get<std::string>(),
                         std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")));
  CHECK(push["messages"][1]["template"]["actions"][0]["data"] == "a=apply&r=" + rid);

  // The button answers with the member's own one-click link, which acts as the mail's does.
  std::string reply = "r" + unique("");
  REQUIRE(deliver({postback_event(user, "a=apply&r=" + rid, reply)}).status == 200);
  REQUIRE(eventually([&] { return !replies_to(reply).empty(); }));
  std::smatch m;
  std::string text = replies_to(reply)[0];
  REQUIRE(std::regex_search(text, m, std::regex("/oneclick/([A-Za-z0-9_-]+)")));
  Response described = Client().get("/api/v1/oneclick/" + m[1].str());
  REQUIRE(described.status == 200);
  CHECK(described.json()["action"] == "apply");
  CHECK(described.json()["recruitment_title"] == title);
  // Someone who did not link gets no link.
  std::string stranger_reply = "r" + unique("");
  REQUIRE(deliver({postback_event(line_user(), "a=apply&r=" + rid, stranger_reply)}).status == 200);
  REQUIRE(eventually([&] { return !replies_to(stranger_reply).empty(); }));
  CHECK(replies_to(stranger_reply)[0].find("/oneclick/") == std::string::npos);
}

TEST_CASE("The health app: QR codes mailed per activity day scan, redeem once per member and day, and refuse the rest",
          "[e2e]") {
  Client admin;
  ready_admin(admin, unique("health_admin_"));

  // AUTH-9: an API client for the app, made by an admin; its secret is shown once.
  Client editor;
  CHECK(editor.post("/api/v1/admin/api-clients", {{"name", "x"}, {"role", "health_app"}}).status == 401);
  CHECK(admin.post("/api/v1/admin/api-clients", {{"name", "やまぐち健幸アプリ"}, {"role", "root"}}).status == 400);
  Response made = admin.post("/api/v1/admin/api-clients", {{"name", "やまぐち健幸アプリ"}, {"role", "health_app"}});
  REQUIRE(made.status == 201);
  std::string client_id = made.json()["client"]["id"], secret = made.json()["secret"];
  CHECK(admin.get("/api/v1/admin/api-clients").body.find(secret) == std::string::npos);

  // A recruitment with today and tomorrow as activity days.
  Client group;
  published_group(group, admin, unique("group_") + "@example.jp");
  std::string organizer = unique("organizer_") + "@example.jp";
  std::string title = "健幸ポイント対象" + unique("");
  std::string today = time::tokyo_date(), tomorrow = time::tokyo_date(-1);
  std::string rid = publish(group, admin, title, organizer, {today, tomorrow});

  // The organiser's mail: one PNG a day, which zbarimg reads back as the token.
  REQUIRE(wait_for_mail(organizer, "やまぐち健幸アプリ"));
  auto files = attachments_of(organizer, title);
  REQUIRE(files.size() == 2);
  std::string today_code = zbar(files.at("health-qr-" + today + ".png"));
  std::string tomorrow_code = zbar(files.at("health-qr-" + tomorrow + ".png"));
  REQUIRE(!today_code.empty());
  CHECK(today_code != tomorrow_code);
  CHECK(today_code.find(rid) == std::string::npos);  // compact and opaque: nothing readable in it

  // Only the app's own credentials: no session, no anonymous caller, no wrong secret.
  CHECK(redeem("", today_code, "app-1").status == 401);
  CHECK(redeem("", today_code, "app-1").header("www-authenticate").find("Basic") != std::string::npos);
  CHECK(redeem(basic(client_id, secret + "x"), today_code, "app-1").status == 401);
  CHECK(redeem("Authorization: Bearer cs_" + std::string(43, 'A'), today_code, "app-1").status == 401);
  Response as_admin = admin.request("POST", "/api/v1/integrations/health/redemptions",
                                    json{{"token", today_code}, {"app_member_id", "app-1"}}.dump());
  CHECK(as_admin.status == 401);

  // Redeemed once per member and day: a repeat answers the first result.
  std::string app_member = "app-" + unique("");
  Response first = redeem(basic(client_id, secret), today_code, app_member);
  REQUIRE(first.status == 200);
  CHECK(first.json()["recruitment_id"] == rid);
  CHECK(first.json()["activity_date"] == today);
  CHECK(first.json().value("repeated", false) == false);
  Response again = redeem("Authorization: Bearer " + secret, today_code, app_member);
  REQUIRE(again.status == 200);
  CHECK(again.json()["id"] == first.json()["id"]);
  CHECK(again.json()["repeated"] == true);
  Response someone_else = redeem(basic(client_id, secret), today_code, "app-" + unique(""));
  REQUIRE(someone_else.status == 200);
  CHECK(someone_else.json()["id"] != first.json()["id"]);

  // Tomorrow's code today, a forged one, an expired one, a malformed member id.
  Response early = redeem(basic(client_id, secret), tomorrow_code, "app-" + unique(""));
  CHECK(early.status == 400);
  CHECK(reason_of(early) == "not_today");
  std::string forged = today_code;
  forged[20] = forged[20] == 'A' ? 'B' : 'A';
  CHECK(reason_of(redeem(basic(client_id, secret), forged, "app-" + unique(""))) == "invalid");
  auto keys = notification::HealthKeys::parse(env("HEALTH_QR_KEYS"));
  std::string yesterday = time::tokyo_date(1);
  std::string stale = notification::health::issue({rid, yesterday, std::time(nullptr) - 3600}, keys);
  CHECK(reason_of(redeem(basic(client_id, secret), stale, "app-" + unique(""))) == "expired");
  auto other_keys = notification::HealthKeys::parse("9:" + crypto::hex(crypto::random_bytes(32)));
  std::string foreign = notification::health::issue({rid, today, std::time(nullptr) + 3600}, other_keys);
  CHECK(reason_of(redeem(basic(client_id, secret), foreign, "app-" + unique(""))) == "invalid");
  Response bad_member = redeem(basic(client_id, secret), today_code, "<script>");
  CHECK(bad_member.status == 400);
  CHECK(error_fields(bad_member).count("app_member_id"));

  // Withdrawn: the code no longer earns a point, checked at the scan.
  REQUIRE(group.post("/api/v1/recruitments/" + rid + "/withdraw", {{"note", "雨天中止"}}).status == 200);
  REQUIRE(eventually([&] {
    return reason_of(redeem(basic(client_id, secret), today_code, "app-" + unique(""))) == "withdrawn";
  }));
  // ... but the member who redeemed before still gets the first answer.
  CHECK(redeem(basic(client_id, secret), today_code, app_member).json()["id"] == first.json()["id"]);

  // The partner file of this 年度: every redemption, admins only.
  int month = std::stoi(today.substr(5, 2)), year = std::stoi(today.substr(0, 4));
  int fiscal = month >= 4 ? year : year - 1;
  Response file = admin.get("/api/v1/admin/health/partner-file?year=" + std::to_string(fiscal));
  REQUIRE(file.status == 200);
  CHECK(file.header("content-type").rfind("text/csv", 0) == 0);
  CHECK(file.body.find(app_member) != std::string::npos);
  CHECK(file.body.find("アプリ会員ID") != std::string::npos);
  CHECK(admin.get("/api/v1/admin/health/partner-file?year=1999").status == 400);
  CHECK(group.get("/api/v1/admin/health/partner-file?year=" + std::to_string(fiscal)).status == 403);

  // Rotation: the new secret works at once, the old one not after a zero grace.
  Response rotated = admin.post("/api/v1/admin/api-clients/" + client_id + "/rotate", {{"grace_hours", 0}});
  REQUIRE(rotated.status == 200);
  std::string fresh = rotated.json()["secret"];
  CHECK(redeem(basic(client_id, secret), today_code, app_member).status == 401);
  CHECK(redeem(basic(client_id, fresh), today_code, app_member).status == 200);
  CHECK(admin.post("/api/v1/admin/api-clients/" + client_id + "/rotate", {{"grace_hours", 9999}}).status == 400);
  REQUIRE(admin.del("/api/v1/admin/api-clients/" + client_id).status == 204);
  CHECK(redeem(basic(client_id, fresh), today_code, app_member).status == 401);
}

TEST_CASE("Applicants are reminded the day before the activity by mail, and on LINE when linked, once", "[e2e]") {
  LineCast cast("reminder_admin_");
  auto& [admin, linked, plain, group, linked_mail, plain_mail, user] = cast;

  // The test stack reminds from midnight (REMINDER_HOUR=0): tomorrow's activity is due at
  // once; next week's is not.
  std::string title = "前日リマインド" + unique(""), later = "来週の活動" + unique("");
  std::string rid = publish(group, admin, title, unique("organizer_") + "@example.jp", {time::tokyo_date(-1)});
  std::string later_id = publish(group, admin, later, unique("organizer_") + "@example.jp", {time::tokyo_date(-8)});
  for (Client* c : {&linked, &plain}) {
    REQUIRE(c->post("/api/v1/recruitments/" + rid + "/applications", {{"message", "参加します"}}).status == 201);
    REQUIRE(c->post("/api/v1/recruitments/" + later_id + "/applications", json::object()).status == 201);
  }
  const std::string kReminder = "お申し込みいただいたボランティア活動が近づきました";
  auto reminders_of = [&](const std::string& to, const std::string& activity) {
    auto texts = mail_texts(to);
    return std::count_if(texts.begin(), texts.end(), [&](const std::string& t) {
      return t.find(kReminder) != std::string::npos && t.find(activity) != std::string::npos;
    });
  };
  for (const auto& to : {linked_mail, plain_mail}) {
    auto mail = wait_for_mail(to, kReminder);
    REQUIRE(mail);
    CHECK(mail->find(title) != std::string::npos);
    CHECK(mail->find("周南市民館") != std::string::npos);
    CHECK(mail->find("/aikasanet/recruitments/" + rid) != std::string::npos);
  }
  // LINE: the linked member's own notice, as one push to that user alone.
  auto notices = [&] { return multicasts_of("「" + title + "」の活動日です"); };
  REQUIRE(eventually([&] { return notices().size() == 1; }));
  json push = notices()[0];
  CHECK(push["to"] == json::array({user}));
  CHECK(push["messages"].size() == 1);
  CHECK(push["messages"][0]["text"].get<std::string>().find("周南市民館") != std::string::npos);
  // Staff see it among the month's pushes as a notice.
  REQUIRE(eventually([&] {
    json usage = admin.get("/api/v1/admin/line/usage").json();
    for (const auto& p : usage["pushes"])
      if (p.value("kind", "") == "notice" && p.value("title", "").find(title) != std::string::npos) return true;
    return false;
  }));

  // Exactly once, however often the job runs (every half second here); nothing of next
  // week's activity yet.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK(reminders_of(linked_mail, title) == 1);
  CHECK(reminders_of(plain_mail, title) == 1);
  CHECK(reminders_of(plain_mail, later) == 0);
  CHECK(notices().size() == 1);
}

TEST_CASE("A member who chose a daily digest gets one mail of every new match with one-click links, not one each", "[e2e]") {
  Client admin;
  ready_admin(admin, unique("digest_admin_"));
  Client digest_member, instant_member, group;
  auto [digest_id, digest_mail] = published_volunteer(digest_member, admin, "shunan", "sat");
  auto [instant_id, instant_mail] = published_volunteer(instant_member, admin, "shunan", "sat");

  // The choice is the member's, among three; staff's corrections keep it.
  json profile = digest_member.get("/api/v1/me/volunteer-profile").json();
  CHECK(profile["mail_frequency"] == "instant");
  profile["mail_frequency"] = "hourly";
  Response bad = digest_member.put("/api/v1/me/volunteer-profile", {{"profile", profile}});
  CHECK(bad.status == 400);
  CHECK(error_fields(bad).count("profile.mail_frequency") == 1);
  profile["mail_frequency"] = "daily";
  Response saved = digest_member.put("/api/v1/me/volunteer-profile", {{"profile", profile}});
  REQUIRE(saved.status == 200);
  CHECK(saved.json()["mail_frequency"] == "daily");
  json staff_edit = saved.json();
  staff_edit["mail_frequency"] = "instant";
  REQUIRE(admin.put("/api/v1/admin/members/" + digest_id, {{"member", staff_edit}}).status == 200);
  CHECK(digest_member.get("/api/v1/me/volunteer-profile").json()["mail_frequency"] == "daily");

  published_group(group, admin, unique("group_") + "@example.jp");
  std::string organizer = unique("organizer_") + "@example.jp";
  std::string first = "まとめ配信1" + unique(""), second = "まとめ配信2" + unique("");
  publish(group, admin, first, organizer);
  publish(group, admin, second, organizer);
  // The instant member hears of each at once; the digest member of neither yet.
  REQUIRE(wait_for_mail(instant_mail, first));
  REQUIRE(wait_for_mail(instant_mail, second));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(mail_count(digest_mail, first) == 0);
  CHECK(mail_count(digest_mail, second) == 0);

  // A day passes (the matches are dated back; DIGEST_HOUR=0 on the test stack): one
  // digest names both, with one-click links that act as the instant mail's do.
  db::Pool matching(env("TEST_MATCHING_DB_URL"), 1);
  matching.transaction([&](db::Tx& tx) {
    tx.exec("UPDATE pending_matches SET created_at = created_at - interval '1 day' WHERE member_id = $1::uuid", digest_id);
  });
  auto digest = wait_for_mail(digest_mail, first);
  REQUIRE(digest);
  CHECK(digest->find(second) != std::string::npos);
  CHECK(mail_count(digest_mail, "前回のお知らせのあとに公開された") == 1);
  std::smatch m;
  REQUIRE(std::regex_search(*digest, m, std::regex("参加を申し込む: [^\\n]*/oneclick/([A-Za-z0-9_-]+)")));
  Response described = Client().get("/api/v1/oneclick/" + m[1].str());
  REQUIRE(described.status == 200);
  CHECK(described.json()["action"] == "apply");

  // Each match in exactly one mail: nothing is left to send again.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(mail_count(digest_mail, first) == 1);
  CHECK(matching.read([&](db::Tx& tx) {
    return tx.exec("SELECT count(*) FROM pending_matches WHERE member_id = $1::uuid", digest_id)[0].int64(0);
  }) == 0);
}
