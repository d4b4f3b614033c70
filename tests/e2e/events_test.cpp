// Supernet events and recruitment notices end to end (REC-1, REC-3): anyone submits,
// the centre publishes, the public finds them by date, keyword and calendar; flyers.
#include <catch2/catch.hpp>

#include "client.h"
#include "core/time.h"
#include "fixtures.h"

using namespace civic;
using namespace civic::e2e;

namespace {

const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(32, '\0');

} // namespace

TEST_CASE("receipts of submissions reach one address at most three times an hour, whoever submits", "[e2e]") {
  std::string submitter = unique("receipts_") + "@example.jp";
  for (int i = 0; i < 5; ++i) {  // five sources: the per-client throttle does not apply
    Response r = Client().post("/api/v1/events", {{"event", supernet_event("講座" + unique(""), submitter, time::tokyo_date(9))}});
    CHECK(r.status == 201);  // every submission is taken; only its receipt is held back
  }
  CHECK(settled_mail_count(submitter, "掲載依頼を受け付けました", 3) == 3);
}

TEST_CASE("Anyone submits an event, the centre publishes it, the public finds it by keyword, date and calendar", "[e2e]") {
  Client anyone, admin, member;
  ready_admin(admin, unique("ev_admin_"));
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  std::string tag = unique("");
  std::string title = "NPO会計講座" + tag;
  std::string submitter = unique("ev_submitter_") + "@example.jp";
  std::string date = time::tokyo_date(-20);

  nlohmann::json bad = supernet_event(std::string(201, 'x'), "nobody", "2026-02-30");
  bad["category"] = "party";
  bad["url"] = "javascript:alert(1)";
  bad["fields"] = {"f99"};
  Response invalid = anyone.post("/api/v1/events", {{"event", bad}});
  REQUIRE(invalid.status == 400);
  auto fields = error_fields(invalid);
  for (const char* f : {"event.title", "event.submitter_email", "event.dates[0]", "event.category", "event.url", "event.fields"}) {
    INFO(f);
    CHECK(fields.count(f));
  }

  Response submitted = anyone.post("/api/v1/events", {{"event", supernet_event(title, submitter, date)}});
  REQUIRE(submitted.status == 201);
  CHECK(submitted.json()["state"] == "review");
  std::string id = submitted.json()["id"];
  CHECK(wait_for_mail(submitter, "掲載依頼を受け付けました"));
  CHECK(anyone.get("/api/v1/events/" + id).status == 404);
  CHECK(member.post("/api/v1/admin/events/" + id + "/publish").status == 403);
  CHECK(member.get("/api/v1/admin/events").status == 403);

  // Flyers: staff only, PDF/PNG/JPEG by content.
  CHECK(post_form(member, "/api/v1/admin/events/" + id + "/flyers", {}, "flyer.png", "image/png", kPng).status == 403);
  CHECK(error_fields(post_form(admin, "/api/v1/admin/events/" + id + "/flyers", {}, "flyer.pdf", "application/pdf",
                               "#!/bin/sh\nrm -rf /\n"))
            .count("file"));
  Response flyer = post_form(admin, "/api/v1/admin/events/" + id + "/flyers", {}, "../../チラシ.png", "image/png", kPng);
  REQUIRE(flyer.status == 201);
  CHECK(flyer.json()["filename"] == "チラシ.png");  // the path is not kept
  std::string flyer_path = "/api/v1/events/" + id + "/flyers/" + flyer.json()["id"].get<std::string>();
  CHECK(anyone.get(flyer_path).status == 404);  // not published yet

  Response published = admin.post("/api/v1/admin/events/" + id + "/publish");
  REQUIRE(published.status == 200);
  CHECK(wait_for_mail(submitter, "掲載しました"));
  Response shown = anyone.get("/api/v1/events/" + id);
  REQUIRE(shown.status == 200);
  CHECK_FALSE(shown.json().contains("submitter_email"));
  CHECK_FALSE(shown.json().contains("submitter_name"));
  CHECK(shown.body.find(submitter) == std::string::npos);
  CHECK(shown.json()["flyers"].size() == 1);
  Response download = anyone.get(flyer_path);
  REQUIRE(download.status == 200);
  CHECK(download.body == kPng);
  CHECK(download.header("content-disposition").rfind("attachment", 0) == 0);

  Response listed = anyone.get("/api/v1/events?q=" + tag);
  REQUIRE(listed.status == 200);
  REQUIRE(listed.json()["items"].size() == 1);
  CHECK(listed.json()["items"][0]["id"] == id);
  CHECK(anyone.get("/api/v1/events?q=" + tag + "&from=" + time::tokyo_date(-30)).json()["total_size"] == 0);
  CHECK(anyone.get("/api/v1/events?q=" + tag + "&category=course&municipality=hagi").json()["total_size"] == 1);
  Response month = anyone.get("/api/v1/calendar?type=events&month=" + date.substr(0, 7));
  REQUIRE(month.status == 200);
  CHECK(month.body.find(id) != std::string::npos);
  CHECK(anyone.get("/api/v1/calendar?type=parties&month=" + date.substr(0, 7)).status == 400);
  Response search = anyone.get("/api/v1/search?q=" + tag);
  REQUIRE(search.status == 200);
  REQUIRE(search.json()["items"].size() == 1);
  CHECK(search.json()["items"][0]["type"] == "event");

  // Staff edits keep the version rule; archived events leave the site with their flyers.
  nlohmann::json edit = supernet_event(title + "（会場変更）", submitter, date);
  edit["version"] = 1;
  CHECK(admin.request("PUT", "/api/v1/admin/events/" + id, nlohmann::json({{"event", edit}}).dump()).status == 409);
  edit["version"] = published.json()["version"];
  Response edited = admin.request("PUT", "/api/v1/admin/events/" + id, nlohmann::json({{"event", edit}}).dump());
  REQUIRE(edited.status == 200);
  CHECK(edited.json()["title"] == title + "（会場変更）");
  // A copy starts as a draft, with its own history.
  CHECK(member.post("/api/v1/admin/events/" + id + "/duplicate").status == 403);
  Response copy = admin.post("/api/v1/admin/events/" + id + "/duplicate");
  REQUIRE(copy.status == 201);
  std::string copy_id = copy.json()["id"];
  CHECK(anyone.get("/api/v1/events/" + copy_id).status == 404);
  Response copy_history = admin.get("/api/v1/admin/events/" + copy_id + "/history");
  REQUIRE(copy_history.status == 200);
  CHECK(copy_history.json()["items"][0]["action"] == "duplicate");
  CHECK(admin.get("/api/v1/events/" + copy_id).json()["submitter_email"] == submitter);  // sealed anew, still opens
  CHECK(admin.post("/api/v1/admin/events/" + crypto::uuid_v4() + "/duplicate").status == 404);

  REQUIRE(admin.post("/api/v1/admin/events/" + id + "/archive").status == 200);
  CHECK(anyone.get("/api/v1/events/" + id).status == 404);
  CHECK(anyone.get(flyer_path).status == 404);
  CHECK(admin.get("/api/v1/admin/events/" + id + "/history").json()["items"].size() >= 4);
}

TEST_CASE("An event whose dates are over moves from the current list to the past list", "[e2e]") {
  Client anyone, admin;
  ready_admin(admin, unique("ev_past_"));
  std::string tag = unique("");
  Response submitted = anyone.post(
      "/api/v1/events", {{"event", supernet_event("清掃活動" + tag, unique("ev_p_") + "@example.jp", time::tokyo_date(3))}});
  REQUIRE(submitted.status == 201);
  std::string id = submitted.json()["id"];
  REQUIRE(admin.post("/api/v1/admin/events/" + id + "/publish").status == 200);
  CHECK(anyone.get("/api/v1/events?q=" + tag).json()["total_size"] == 0);
  Response past = anyone.get("/api/v1/events?status=past&q=" + tag);
  REQUIRE(past.status == 200);
  REQUIRE(past.json()["items"].size() == 1);
  CHECK(past.json()["items"][0]["past"] == true);
  CHECK(anyone.get("/api/v1/events/" + id).status == 200);  // a record of what took place
}

TEST_CASE("whoever submits an event attaches its reference material with the submission's token, nobody else", "[e2e]") {
  Client admin, anyone;
  ready_admin(admin, unique("admin_"));
  Response a = Client().post("/api/v1/events", {{"event", supernet_event("資料付き講座" + unique(""), unique("ev_") + "@example.jp",
                                                                time::tokyo_date(12))}});
  Response b = Client().post("/api/v1/events", {{"event", supernet_event("別の講座" + unique(""), unique("ev_") + "@example.jp",
                                                                time::tokyo_date(12))}});
  REQUIRE(a.status == 201);
  REQUIRE(b.status == 201);
  std::string id = a.json()["id"], token = a.json()["upload_token"], other = b.json()["id"];
  CHECK(token.size() >= 43);
  std::string pdf = std::string("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj<<>>endobj\n", 31);
  auto attach = [&](const std::string& event_id, const std::string& with, const std::string& data) {
    return post_form(anyone, "/api/v1/events/" + event_id + "/materials", {{"token", with}}, "資料.pdf",
                     "application/pdf", data);
  };
  CHECK(attach(id, "", pdf).status == 404);             // neither the account nor the token
  CHECK(attach(id, token + "x", pdf).status == 404);
  CHECK(attach(other, token, pdf).status == 404);       // a token is for its own event only
  std::string exe = std::string("MZ\x90\x00\x03\x00\x00\x00", 8) + "This program cannot be run in DOS mode.";
  Response disguised = attach(id, token, exe);
  CHECK(disguised.status == 400);
  Response up = attach(id, token, pdf);
  REQUIRE(up.status == 201);
  CHECK(up.json()["content_type"] == "application/pdf");
  CHECK(attach(id, token, kPng).status == 201);
  for (int i = 0; i < 3; ++i) REQUIRE(attach(id, token, pdf).status == 201);
  CHECK(attach(id, token, pdf).status == 400);  // five files at most
  CHECK(admin.get("/api/v1/admin/events/" + id).json()["flyers"].size() == 5);
}

TEST_CASE("An event correction reaches the public page only after its submitter confirmed it and staff applied it",
          "[e2e]") {
  Client anyone, admin, member;
  ready_admin(admin, unique("evc_admin_"));
  std::string tag = unique("");
  std::string submitter = unique("evc_submitter_") + "@example.jp";
  Response made = anyone.post("/api/v1/events", {{"event", supernet_event("会計講座" + tag, submitter, time::tokyo_date(-15))}});
  REQUIRE(made.status == 201);
  std::string id = made.json()["id"];
  std::string path = "/api/v1/events/" + id + "/correction-requests";
  std::string requester = unique("evc_req_") + "@example.jp";
  nlohmann::json proposal = {{"changes", {{"venue", "萩市民館 第2会議室"}, {"dates", {time::tokyo_date(-16)}}}},
                             {"requester_name", "参加者 一郎"},
                             {"requester_email", requester},
                             {"reason", "会場と日程が変わったと聞きました"}};
  CHECK(anyone.post(path, proposal).status == 404);  // not public yet: nothing to correct
  REQUIRE(admin.post("/api/v1/admin/events/" + id + "/publish").status == 200);

  // Only public items, each checked as a staff edit is; nothing is stored when refused.
  nlohmann::json sneaky = proposal;
  sneaky["changes"] = {{"submitter_email", "attacker@example.jp"}, {"state", "archived"}};
  Response r = anyone.post(path, sneaky);
  REQUIRE(r.status == 400);
  CHECK(error_fields(r) == std::set<std::string>{"changes.submitter_email", "changes.state"});
  sneaky["changes"] = {{"title", std::string(201, 'x')}, {"dates", {"2026-02-30"}}};
  CHECK(error_fields(anyone.post(path, sneaky)) == std::set<std::string>{"changes.title", "changes.dates[0]"});
  sneaky = proposal;
  sneaky["changes"] = nlohmann::json::object();
  sneaky["requester_email"] = "nobody";
  CHECK(error_fields(anyone.post(path, sneaky)) == std::set<std::string>{"changes", "requester_email"});
  CHECK(anyone.post("/api/v1/events/" + crypto::uuid_v4() + "/correction-requests", proposal).status == 404);

  r = anyone.post(path, proposal);
  REQUIRE(r.status == 201);
  CHECK(r.json()["state"] == "unconfirmed");
  std::string correction = r.json()["id"];
  auto confirm_mail = wait_for_mail(submitter, "/event-correction-requests/confirm?token=");
  REQUIRE(confirm_mail);               // to whoever submitted the event ...
  CHECK(mail_count(requester) == 0);   // ... never to whoever asked

  // Unconfirmed: staff cannot apply it, the public page is unchanged; members cannot decide.
  std::string base = "/api/v1/admin/event-correction-requests/";
  CHECK(admin.post(base + correction + "/apply").status == 400);
  CHECK(anyone.get("/api/v1/events/" + id).json()["venue"] == "萩市民館");
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  CHECK(member.get("/api/v1/admin/event-correction-requests").status == 403);
  CHECK(anyone.get("/api/v1/admin/event-correction-requests").status == 401);
  CHECK(member.post(base + correction + "/apply").status == 403);
  CHECK(member.post(base + correction + "/reject", {{"note", "x"}}).status == 403);
  // A token of the organisations' desk confirms nothing here, and the other way round.
  std::string token = token_in(*confirm_mail);
  CHECK(anyone.post("/api/v1/correction-requests/confirm", {{"token", token}}).status == 404);
  CHECK(anyone.post("/api/v1/event-correction-requests/confirm", {{"token", token + "x"}}).status == 404);
  REQUIRE(anyone.post("/api/v1/event-correction-requests/confirm", {{"token", token}}).status == 200);
  CHECK(anyone.post("/api/v1/event-correction-requests/confirm", {{"token", token}}).status == 404);  // once

  Response queue = admin.get("/api/v1/admin/event-correction-requests?state=confirmed");
  REQUIRE(queue.status == 200);
  nlohmann::json queued;
  for (const auto& item : queue.json()["items"])
    if (item["id"] == correction) queued = item;
  REQUIRE(queued.is_object());
  CHECK(queued["event_id"] == id);
  CHECK(queued["event_title"] == "会計講座" + tag);
  CHECK(queued["requester_email"] == requester);  // staff may contact the requester
  CHECK(queued["changes"]["venue"] == "萩市民館 第2会議室");
  CHECK(admin.get("/api/v1/admin/event-correction-requests?state=lost").status == 400);

  CHECK(admin.post(base + correction + "/reject").status == 400);  // a rejection needs its note
  Response applied = admin.post(base + correction + "/apply", {{"note", "主催者に確認済み"}});
  REQUIRE(applied.status == 200);
  CHECK(applied.json()["state"] == "applied");
  Response page = anyone.get("/api/v1/events/" + id);
  CHECK(page.json()["venue"] == "萩市民館 第2会議室");
  CHECK(page.json()["dates"] == nlohmann::json::array({time::tokyo_date(-16)}));  // replaced, not added to
  CHECK(page.json()["title"] == "会計講座" + tag);                                  // the rest unchanged
  CHECK(anyone.get("/api/v1/events?q=" + url_encode(tag + " 第2会議室")).json()["total_size"] == 1);
  CHECK(wait_for_mail(submitter, "掲載中の情報に反映しました"));
  CHECK(admin.post(base + correction + "/apply").status == 400);  // done already
  Response history = admin.get("/api/v1/admin/events/" + id + "/history");
  CHECK(history.json()["items"].back()["action"] == "correct");
  CHECK(history.json()["items"].back()["changed_fields"] == nlohmann::json::array({"dates", "venue"}));

  // Deleting the event takes its requests along.
  REQUIRE(admin.post("/api/v1/admin/events/" + id + "/archive").status == 200);
  REQUIRE(admin.del("/api/v1/admin/events/" + id).status == 204);
  nlohmann::json left = admin.get("/api/v1/admin/event-correction-requests").json();
  for (const auto& item : left["items"]) CHECK(item["event_id"] != id);
}

TEST_CASE("The newest published events come first in the 新着順 list and on the Supernet home", "[e2e]") {
  Client anyone, admin;
  ready_admin(admin, unique("ev_new_admin_"));
  // Dated far ahead, published now: 新着順 puts it first.
  Response made = anyone.post("/api/v1/events", {{"event", supernet_event("新着講座" + unique(""), unique("ev_new_") + "@example.jp",
                                                                         time::tokyo_date(-300))}});
  REQUIRE(made.status == 201);
  std::string id = made.json()["id"];
  REQUIRE(admin.post("/api/v1/admin/events/" + id + "/publish").status == 200);
  auto contains = [&](const nlohmann::json& items) {
    for (const auto& x : items)
      if (x["id"] == id) return true;
    return false;
  };
  Response newest = anyone.get("/api/v1/events?sort=newest&page_size=3");
  REQUIRE(newest.status == 200);
  CHECK(contains(newest.json()["items"]));
  CHECK(contains(anyone.get("/api/v1/home?site=supernet").json()["newest_events"]["items"]));
  CHECK(anyone.get("/api/v1/events?sort=random").status == 400);
}
