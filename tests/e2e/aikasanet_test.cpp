// Aikasanet end to end (MAT-1 to MAT-5, REC-2 to REC-5): members join and are
// reviewed, a group posts a recruitment, its publication mails every matching member
// once with one-click links, a link acts exactly once, and nobody reads another
// member's private items.
#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>

#include <tuple>

#include "civic/events.grpc.pb.h"
#include "civic/matching.pb.h"
#include "client.h"
#include "core/time.h"
#include "db/db.h"
#include "aikasanet_fixtures.h"
#include "fixtures.h"
#include "raw_http.h"
#include "rpc/principal.h"
#include "rpc/privacy.h"

using namespace civic;
using namespace civic::e2e;

namespace {

/// Every key anywhere in `j`.
void keys_of(const nlohmann::json& j, std::set<std::string>& out) {
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it) {
      out.insert(it.key());
      keys_of(it.value(), out);
    }
  else if (j.is_array())
    for (const auto& v : j) keys_of(v, out);
}

/// The group's own volunteer record (its areas, days and fields), published; returns its
/// id. Retries until the directory's organization.changed has reached matching.
std::string group_member(Client& group, Client& admin, const std::string& organization_id, const std::string& email) {
  nlohmann::json profile = {{"type", "group"},
                            {"organization_id", organization_id},
                            {"email", email},
                            {"activity_municipalities", {"shunan", "hagi"}},
                            {"fields", {"f13"}},
                            {"weekdays", {"sat", "mon"}},
                            {"time_slot", "daytime"}};
  Response r;
  for (int i = 0; i < 100; ++i) {
    r = group.put("/api/v1/me/volunteer-profile", {{"profile", profile}});
    if (r.status != 400 || !error_fields(r).count("organization_id")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(r.status == 200);
  CHECK(r.json()["type"] == "group");
  std::string id = r.json()["id"];
  REQUIRE(admin.post("/api/v1/admin/members/" + id + "/publish").status == 200);
  return id;
}

} // namespace

TEST_CASE("A published recruitment mails each matching member once with one-click links that act exactly once", "[e2e]") {
  Client admin;
  ready_admin(admin, unique("aika_admin_"));

  // Volunteers: one who matches, one who is mail-stopped, one suspended, one elsewhere.
  Client a, stopped, resting, elsewhere;
  auto [a_id, a_mail] = published_volunteer(a, admin, "shunan", "sat");
  auto [stopped_id, stopped_mail] = published_volunteer(stopped, admin, "shunan", "sat");
  auto [resting_id, resting_mail] = published_volunteer(resting, admin, "shunan", "sat");
  auto [elsewhere_id, elsewhere_mail] = published_volunteer(elsewhere, admin, "hagi", "sat");
  REQUIRE(admin.post("/api/v1/admin/members/" + stopped_id + "/status", {{"status", "active"}, {"mail_stopped", true}})
              .status == 200);
  REQUIRE(resting.post("/api/v1/me/membership-requests", {{"action", "suspend"}}).status == 200);

  // Only members of a published group that recruits may post.
  Client group;
  std::string organizer = unique("organizer_") + "@example.jp";
  std::string group_id = published_group(group, admin, unique("group_") + "@example.jp");
  std::string tag = unique("");
  std::string title = "子ども食堂ボランティア" + tag;
  CHECK(a.post("/api/v1/recruitments", {{"recruitment", recruitment(title, organizer)}}).status == 403);
  CHECK(Client().post("/api/v1/recruitments", {{"recruitment", recruitment(title, organizer)}}).status == 401);

  nlohmann::json bad = recruitment(title, "not-an-address");
  bad["fields"] = {"f99"};
  bad["period_end"] = "2026-02-30";
  bad["title"] = std::string(201, 'x');
  Response invalid = post_recruitment(group, bad);
  REQUIRE(invalid.status == 400);
  auto fields = error_fields(invalid);
  for (const char* f : {"recruitment.organizer_email", "recruitment.fields", "recruitment.period_end", "recruitment.title"}) {
    INFO(f);
    CHECK(fields.count(f));
  }

  Response posted = post_recruitment(group, recruitment(title, organizer));
  REQUIRE(posted.status == 201);
  std::string rid = posted.json()["id"];
  CHECK(posted.json()["state"] == "review");
  CHECK(posted.json()["weekdays"] == nlohmann::json::array({"sat"}));  // derived from the date
  CHECK(Client().get("/api/v1/recruitments/" + rid).status == 404);   // not yet published
  CHECK(group.get("/api/v1/recruitments/" + rid).status == 200);       // its owner sees it
  CHECK(a.post("/api/v1/admin/recruitments/" + rid + "/publish").status == 403);

  REQUIRE(admin.post("/api/v1/admin/recruitments/" + rid + "/publish").status == 200);
  Response pub = Client().get("/api/v1/recruitments/" + rid);
  REQUIRE(pub.status == 200);
  CHECK(pub.json()["open"] == true);
  CHECK_FALSE(pub.json().contains("organizer_email"));
  Response search = Client().get("/api/v1/search?q=" + tag);  // the site-wide search (CNT-5) finds it
  REQUIRE(search.status == 200);
  REQUIRE(search.json()["items"].size() == 1);
  CHECK(search.json()["items"][0]["type"] == "recruitment");
  CHECK(search.json()["items"][0]["id"] == rid);
  Response month = Client().get("/api/v1/calendar?month=" + next_saturday().substr(0, 7));
  REQUIRE(month.status == 200);
  CHECK(month.body.find(rid) != std::string::npos);

  // MAT-3 (d): the matching member gets the mail, the others none; the organiser the list.
  auto match_mail = wait_for_mail(a_mail, title);
  REQUIRE(match_mail);
  CHECK(match_mail->find("/oneclick/") != std::string::npos);
  CHECK(wait_for_mail(organizer, "条件に合う会員"));
  for (const auto& other : {stopped_mail, resting_mail, elsewhere_mail}) {
    INFO(other);
    CHECK_FALSE(wait_for_mail(other, title, std::chrono::seconds(1)));
  }

  // MAT-3 (a) and (c): a member published later hears of the open recruitment, and its
  // organiser of the member.
  Client late;
  auto [late_id, late_mail] = published_volunteer(late, admin, "shunan", "sat");
  auto late_list = wait_for_mail(late_mail, "募集中のボランティア");
  REQUIRE(late_list);
  CHECK(late_list->find(title) != std::string::npos);
  CHECK(wait_for_mail(organizer, "/aikasanet/members/" + late_id));

  std::string apply_token = oneclick_token(*match_mail, "参加を申し込む");
  std::string inquire_token = oneclick_token(*match_mail, "問い合わせる");

  // REC-5: GET only describes, POST acts once.
  Client anyone;
  Response described = anyone.get("/api/v1/oneclick/" + apply_token);
  REQUIRE(described.status == 200);
  CHECK(described.json()["action"] == "apply");
  CHECK(described.json()["recruitment_title"] == title);
  CHECK(described.json().value("done", false) == false);
  CHECK(anyone.get("/api/v1/oneclick/" + apply_token).status == 200);
  CHECK_FALSE(wait_for_mail(organizer, "参加申込み", std::chrono::seconds(1)));

  Response confirmed = anyone.post("/api/v1/oneclick/" + apply_token);
  REQUIRE(confirmed.status == 200);
  CHECK(confirmed.json().value("already_done", false) == false);
  auto application = wait_for_mail(organizer, "参加の申込み");
  REQUIRE(application);
  CHECK(application->find(a_mail) != std::string::npos);        // name, e-mail and phone reach the organiser
  CHECK(application->find("0834-11-2222") != std::string::npos);
  size_t applications = mail_count(organizer, "参加の申込み");

  Response again = anyone.post("/api/v1/oneclick/" + apply_token);
  REQUIRE(again.status == 200);
  CHECK(again.json()["already_done"] == true);
  CHECK(anyone.get("/api/v1/oneclick/" + apply_token).json()["done"] == true);
  CHECK(a.post("/api/v1/recruitments/" + rid + "/applications", {{"message", "よろしくお願いします"}}).status == 409);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(mail_count(organizer, "参加の申込み") == applications);  // nothing sent twice

  // Tampered, truncated and made-up tokens: a plain 404, nothing leaked.
  std::string tampered = apply_token;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  for (const auto& t : {tampered, apply_token.substr(0, 40), std::string(99, 'A'), unique("x")}) {
    Response r = anyone.post("/api/v1/oneclick/" + t);
    CHECK(r.status == 404);
    CHECK(r.body.find("expired") == std::string::npos);
    CHECK(r.body.find("signature") == std::string::npos);
    CHECK(anyone.get("/api/v1/oneclick/" + t).status == 404);
  }

  // Revoked while the member rests, valid again after resuming, revoked when the
  // recruitment closes.
  REQUIRE(a.post("/api/v1/me/membership-requests", {{"action", "suspend"}}).status == 200);
  CHECK(anyone.get("/api/v1/oneclick/" + inquire_token).status == 404);
  CHECK(anyone.post("/api/v1/oneclick/" + inquire_token).status == 404);
  REQUIRE(a.post("/api/v1/me/membership-requests", {{"action", "resume"}}).status == 200);
  CHECK(anyone.get("/api/v1/oneclick/" + inquire_token).status == 200);
  REQUIRE(admin.post("/api/v1/admin/recruitments/" + rid + "/archive").status == 200);
  CHECK(anyone.get("/api/v1/oneclick/" + inquire_token).status == 404);
  CHECK(anyone.post("/api/v1/oneclick/" + inquire_token).status == 404);
  CHECK(Client().get("/api/v1/recruitments/" + rid).status == 404);
  (void)group_id;
}

TEST_CASE("A replayed recruitment.published event sends no second matching mail", "[e2e]") {
  Client admin;
  ready_admin(admin, unique("aika_replay_"));
  Client v, group;
  auto [v_id, v_mail] = published_volunteer(v, admin, "shunan", "sat");
  published_group(group, admin, unique("replay_group_") + "@example.jp");
  std::string title = "川の清掃" + unique("");
  Response posted = post_recruitment(group, recruitment(title, unique("replay_org_") + "@example.jp"));
  REQUIRE(posted.status == 201);
  std::string rid = posted.json()["id"];
  REQUIRE(admin.post("/api/v1/admin/recruitments/" + rid + "/publish").status == 200);
  REQUIRE(wait_for_mail(v_mail, title));
  size_t before = mail_count(v_mail, title);
  CHECK(before == 1);

  // The event as the recruitment service wrote it, delivered again: once with its own
  // id (the inbox drops it) and once under a new id (the trigger has fired already).
  db::Pool pool(env("TEST_RECRUITMENT_DB_URL"), 1);
  civic::events::Event event;
  pool.read([&](db::Tx& tx) {
    db::Result r = tx.exec("SELECT id, payload FROM outbox WHERE type = 'recruitment.published' ORDER BY created_at");
    for (int i = 0; i < r.size(); ++i) {
      civic::events::RecruitmentPublished p;
      REQUIRE(p.ParseFromString(r[i].bytes(1)));
      if (p.id() != rid) continue;
      event.set_id(r[i].text(0));
      event.set_payload(r[i].bytes(1));
    }
  });
  REQUIRE_FALSE(event.id().empty());
  event.set_type("recruitment.published");
  event.set_producer("recruitment");
  auto stub = civic::events::EventSink::NewStub(
      grpc::CreateChannel(env("MATCHING_SERVICE_ADDR"), grpc::InsecureChannelCredentials()));
  for (std::string id : {event.id(), crypto::uuid_v4()}) {
    event.set_id(id);
    CHECK(deliver_as(*stub, event, "recruitment").ok());
  }
  // A caller without the service role is refused.
  {
    grpc::ClientContext ctx;
    rpc::Principal p;
    p.set_account_id(crypto::uuid_v4());
    p.add_roles("member");
    rpc::attach(ctx, p, env("INTERNAL_HMAC_KEY"));
    civic::events::DeliverResponse resp;
    CHECK(stub->Deliver(&ctx, event, &resp).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(mail_count(v_mail, title) == before);
}

TEST_CASE("Volunteer profiles: every item checked, private items never public, one's own record only", "[e2e][SEC-8][SEC-17]") {
  Client anyone;
  CHECK(anyone.put("/api/v1/me/volunteer-profile", {{"profile", individual("x@example.jp", "shunan", "sat")}}).status == 401);

  Client admin;
  ready_admin(admin, unique("aika_prof_"));
  Client a;
  auto [login, mail] = verified_member(a);
  REQUIRE(a.login(login, kPassword).status == 200);
  CHECK(a.get("/api/v1/me/volunteer-profile").status == 404);

  nlohmann::json bad = individual("not-mail", "nowhere", "someday");
  bad["birth_date"] = time::tokyo_date(365 * 10);  // a ten-year-old without a guardian's consent
  bad["fields"] = nlohmann::json::array();
  bad["occupation"] = std::string("会社員\x01");
  bad["organization_id"] = crypto::uuid_v4();      // a group's item
  bad["time_slot"] = "";
  Response r = a.put("/api/v1/me/volunteer-profile", {{"profile", bad}});
  REQUIRE(r.status == 400);
  auto fields = error_fields(r);
  for (const char* f : {"profile.activity_municipalities", "profile.weekdays", "profile.guardian_consent", "profile.fields", "profile.occupation",
                        "profile.organization_id", "profile.time_slot"}) {
    INFO(f);
    CHECK(fields.count(f));
  }
  CHECK(a.get("/api/v1/me/volunteer-profile").status == 404);  // nothing written
  nlohmann::json no_type = individual(mail, "shunan", "sat");
  no_type["type"] = "robot";
  CHECK(error_fields(a.put("/api/v1/me/volunteer-profile", {{"profile", no_type}})).count("profile.type"));
  nlohmann::json company = individual(mail, "shunan", "sat");
  company["type"] = "company";
  company.erase("name");
  company["organization_id"] = crypto::uuid_v4();  // somebody else's (or nobody's) organisation
  CHECK(error_fields(a.put("/api/v1/me/volunteer-profile", {{"profile", company}})).count("profile.organization_id"));

  // An individual joining accepts the current terms of use (DIR-1, as organisations do).
  nlohmann::json unaccepted = individual(mail, "shunan", "sun");
  unaccepted.erase("accepted_terms_version");
  CHECK(error_fields(a.put("/api/v1/me/volunteer-profile", {{"profile", unaccepted}})) ==
        std::set<std::string>{"profile.accepted_terms_version"});
  unaccepted["accepted_terms_version"] = aikasanet_terms() + 1;  // not the current version
  CHECK(error_fields(a.put("/api/v1/me/volunteer-profile", {{"profile", unaccepted}})) ==
        std::set<std::string>{"profile.accepted_terms_version"});
  Response created = a.put("/api/v1/me/volunteer-profile", {{"profile", individual(mail, "shunan", "sun")}});
  REQUIRE(created.status == 200);
  CHECK(created.json()["accepted_terms_version"] == aikasanet_terms());
  CHECK(created.json()["accepted_terms_at"].get<std::string>().size() == 20);
  // CNT-4: the month's new members, individuals included (staff).
  Response months = admin.get("/api/v1/admin/members/registrations");
  REQUIRE(months.status == 200);
  int individuals = 0;
  for (const auto& m : months.json()["months"])
    if (m["month"] == time::tokyo_month() && m["type"] == "individual") individuals = m["count"];
  CHECK(individuals >= 1);
  CHECK(a.get("/api/v1/admin/members/registrations").status == 403);
  CHECK(error_fields(admin.get("/api/v1/admin/members/registrations?from=2026-13&to=2025-01")) ==
        std::set<std::string>{"from"});
  CHECK(error_fields(admin.get("/api/v1/admin/members/registrations?from=2026-05&to=2026-01")) ==
        std::set<std::string>{"to"});
  std::string id = created.json()["id"];
  int version = created.json()["version"];
  CHECK(anyone.get("/api/v1/members/" + id).status == 404);  // in review
  REQUIRE(admin.post("/api/v1/admin/members/" + id + "/publish").status == 200);
  CHECK(wait_for_mail(mail, "会員登録が完了"));

  // The public profile carries no private item, in the detail or the search.
  Response pub = anyone.get("/api/v1/members/" + id);
  REQUIRE(pub.status == 200);
  std::set<std::string> keys;
  keys_of(pub.json(), keys);
  Response found = anyone.get("/api/v1/members?type=individual&municipality=shunan&field=f13&q=" + std::string("%E5%AD%90%E3%81%A9%E3%82%82"));
  REQUIRE(found.status == 200);
  bool listed = false;
  for (const auto& m : found.json()["items"]) listed |= m["id"] == id;
  CHECK(listed);
  keys_of(found.json(), keys);
  for (const auto& f : rpc::private_field_names(civic::matching::Member::descriptor())) {
    INFO(f);
    CHECK_FALSE(keys.count(f));
  }
  CHECK(pub.body.find(mail) == std::string::npos);
  CHECK(pub.body.find("0834-11-2222") == std::string::npos);

  // Another member cannot see or change it: there is only "me", and staff routes refuse.
  Client b;
  auto [login_b, mail_b] = verified_member(b);
  REQUIRE(b.login(login_b, kPassword).status == 200);
  CHECK(b.get("/api/v1/admin/members/" + id).status == 403);
  CHECK(b.post("/api/v1/admin/members/" + id + "/status", {{"status", "suspended"}}).status == 403);
  CHECK(b.get("/api/v1/me/volunteer-profile").status == 404);

  // Edits keep the version rule; the type never changes.
  nlohmann::json edit = individual(mail, "shunan", "sun");
  edit["version"] = version;  // stale: publishing bumped it
  CHECK(a.put("/api/v1/me/volunteer-profile", {{"profile", edit}}).status == 409);
  Response mine = a.get("/api/v1/me/volunteer-profile");
  REQUIRE(mine.status == 200);
  CHECK(mine.json()["phone"] == "0834-11-2222");  // the owner reads the private items
  edit["version"] = mine.json()["version"];
  edit["type"] = "group";
  CHECK(error_fields(a.put("/api/v1/me/volunteer-profile", {{"profile", edit}})).count("profile.type"));

  // The home figures count published, active members.
  Response summary = anyone.get("/api/v1/members/summary");
  REQUIRE(summary.status == 200);
  CHECK(summary.json()["individuals"].get<int>() >= 1);

  // 退会 erases the personal items and takes the profile off the site.
  REQUIRE(a.post("/api/v1/me/membership-requests", {{"action", "withdraw"}}).status == 200);
  CHECK(anyone.get("/api/v1/members/" + id).status == 404);
  Response gone = admin.get("/api/v1/admin/members/" + id);
  REQUIRE(gone.status == 200);
  CHECK(gone.json().value("phone", "") == "");
  CHECK(gone.json()["status"] == "withdrawn");
  // ... and ends the login (auth follows matching's member.withdrawn).
  CHECK(eventually([&] { return a.get("/api/v1/me").status == 401; }));
  CHECK(Client().login(login, kPassword).status == 401);
}

TEST_CASE("A recruitment of an unpublished organisation or past its period is invisible", "[e2e]") {
  Client admin;
  ready_admin(admin, unique("aika_vis_"));
  Client group;
  std::string org = published_group(group, admin, unique("vis_group_") + "@example.jp");
  std::string title = "海岸清掃" + unique("");
  Response posted = post_recruitment(group, recruitment(title, unique("vis_org_") + "@example.jp"));
  REQUIRE(posted.status == 201);
  std::string rid = posted.json()["id"];
  REQUIRE(admin.post("/api/v1/admin/recruitments/" + rid + "/publish").status == 200);
  REQUIRE(Client().get("/api/v1/recruitments/" + rid).status == 200);

  auto listed = [&](const std::string& query) {
    Response r = Client().get("/api/v1/recruitments?" + query);
    REQUIRE(r.status == 200);
    return r.body.find(rid) != std::string::npos;
  };
  CHECK(listed("organization_id=" + org));

  // The owner attaches a flyer; another member cannot; the public downloads it while open.
  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(32, '\0');
  Client outsider;
  auto [o_login, o_mail] = verified_member(outsider);
  REQUIRE(outsider.login(o_login, kPassword).status == 200);
  CHECK(post_form(outsider, "/api/v1/recruitments/" + rid + "/flyers", {}, "f.png", "image/png", png).status == 404);
  Client nobody;
  CHECK(post_form(nobody, "/api/v1/recruitments/" + rid + "/flyers", {}, "f.png", "image/png", png).status == 401);
  Response flyer = post_form(group, "/api/v1/recruitments/" + rid + "/flyers", {}, "チラシ.png", "image/png", png);
  REQUIRE(flyer.status == 201);
  std::string flyer_path = "/api/v1/recruitments/" + rid + "/flyers/" + flyer.json()["id"].get<std::string>();
  CHECK(Client().get(flyer_path).body == png);
  CHECK(Client().get("/api/v1/recruitments/" + rid).json()["flyers"].size() == 1);

  // The organisation is archived: its recruitments leave the site.
  REQUIRE(admin.post("/api/v1/admin/organizations/" + org + "/archive").status == 200);
  bool hidden = false;
  for (int i = 0; i < 100 && !hidden; ++i) {
    hidden = Client().get("/api/v1/recruitments/" + rid).status == 404;
    if (!hidden) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(hidden);
  CHECK_FALSE(listed("organization_id=" + org));
  CHECK(Client().get(flyer_path).status == 404);

  // Past its period: not in the current list or detail, but in the past list.
  Client other;
  std::string org2 = published_group(other, admin, unique("past_group_") + "@example.jp");
  nlohmann::json past = recruitment("過去の募集" + unique(""), unique("past_org_") + "@example.jp");
  past["period_start"] = time::tokyo_date(20);
  past["period_end"] = time::tokyo_date(10);
  past["activity_dates"] = {time::tokyo_date(12)};
  Response p = post_recruitment(other, past);
  REQUIRE(p.status == 201);
  std::string pid = p.json()["id"];
  REQUIRE(admin.post("/api/v1/admin/recruitments/" + pid + "/publish").status == 200);
  CHECK(Client().get("/api/v1/recruitments/" + pid).status == 404);
  CHECK(other.get("/api/v1/recruitments/" + pid).status == 200);  // the owner still sees it
  CHECK_FALSE(listed("organization_id=" + org2));
  Response past_list = Client().get("/api/v1/recruitments?status=past&organization_id=" + org2);
  REQUIRE(past_list.status == 200);
  CHECK(past_list.body.find(pid) != std::string::npos);
  Client applicant;
  auto [v_id, v_mail] = published_volunteer(applicant, admin, "shunan", "sat");
  CHECK(applicant.post("/api/v1/recruitments/" + pid + "/applications").status == 404);

  // Staff copy it into a draft of the same group; members cannot.
  CHECK(other.post("/api/v1/admin/recruitments/" + pid + "/duplicate").status == 403);
  Response copy = admin.post("/api/v1/admin/recruitments/" + pid + "/duplicate");
  REQUIRE(copy.status == 201);
  Response copied = other.get("/api/v1/recruitments/" + copy.json()["id"].get<std::string>());  // the owner's view
  REQUIRE(copied.status == 200);
  CHECK(copied.json()["state"] == "draft");
  CHECK(copied.json()["organization_id"] == org2);

  // Another group's member cannot edit it.
  nlohmann::json edit = past;
  edit["version"] = 1;
  CHECK(group.request("PUT", "/api/v1/recruitments/" + pid, nlohmann::json({{"recruitment", edit}}).dump()).status == 404);
  (void)v_id;
}

TEST_CASE("Applications and inquiries reach the organiser with a copy to the centre, and group members may ask members", "[e2e]") {
  Client admin;
  ready_admin(admin, unique("aika_apply_"));
  Client group, volunteer, stranger;
  std::string organizer = unique("apply_org_") + "@example.jp";
  std::string group_mail = unique("apply_group_") + "@example.jp";
  std::string org = published_group(group, admin, group_mail);
  std::string title = "夏祭りの運営" + unique("");
  Response posted = post_recruitment(group, recruitment(title, organizer));
  REQUIRE(posted.status == 201);
  std::string rid = posted.json()["id"];
  REQUIRE(admin.post("/api/v1/admin/recruitments/" + rid + "/publish").status == 200);
  auto [v_id, v_mail] = published_volunteer(volunteer, admin, "hagi", "mon");
  std::string group_member_id = group_member(group, admin, org, group_mail);
  // MAT-3 (b): the group hears of the members who fit its own areas, days and fields, at
  // its login's verified address (not at the organisation's, typed into a form).
  std::string group_login_mail = group.get("/api/v1/me").json()["email"];
  CHECK(wait_for_mail(group_login_mail, "活動地域・曜日・分野に合う会員"));
  CHECK(mail_count(group_mail, "活動地域・曜日・分野に合う会員") == 0);

  // Only a published member applies.
  auto [s_login, s_mail] = verified_member(stranger);
  REQUIRE(stranger.login(s_login, kPassword).status == 200);
  CHECK(stranger.post("/api/v1/recruitments/" + rid + "/applications").status == 403);
  CHECK(Client().post("/api/v1/recruitments/" + rid + "/inquiries", {{"question", "?"}}).status == 401);
  CHECK(volunteer.post("/api/v1/recruitments/" + rid + "/inquiries", {{"question", ""}}).status == 400);
  CHECK(volunteer.post("/api/v1/recruitments/" + rid + "/inquiries", {{"question", std::string(2001, 'a')}}).status == 400);

  Response applied = volunteer.post("/api/v1/recruitments/" + rid + "/applications", {{"message", "初参加です"}});
  REQUIRE(applied.status == 201);
  auto mail = wait_for_mail(organizer, "初参加です");
  REQUIRE(mail);
  CHECK(mail->find(v_mail) != std::string::npos);
  CHECK(wait_for_mail(v_mail, "参加申込みを主催者へ送りました"));
  CHECK(volunteer.post("/api/v1/recruitments/" + rid + "/applications").status == 409);
  REQUIRE(volunteer.post("/api/v1/recruitments/" + rid + "/inquiries", {{"question", "駐車場はありますか"}}).status == 201);
  CHECK(wait_for_mail(organizer, "駐車場はありますか"));

  // The stored records are sealed: neither the message nor the address is readable in the table.
  db::Pool pool(env("TEST_RECRUITMENT_DB_URL"), 1);
  pool.read([&](db::Tx& tx) {
    db::Result r = tx.exec("SELECT sealed FROM submissions WHERE recruitment_id = $1::uuid", rid);
    REQUIRE(r.size() == 2);
    for (int i = 0; i < r.size(); ++i) {
      CHECK(r[i].bytes(0).find("初参加") == std::string::npos);
      CHECK(r[i].bytes(0).find(v_mail) == std::string::npos);
    }
  });

  // A group member asks a member; a member who is not a group cannot.
  Response asked = group.post("/api/v1/members/" + v_id + "/inquiries", {{"question", "秋の行事も手伝えますか"}});
  REQUIRE(asked.status == 201);
  auto to_member = wait_for_mail(v_mail, "秋の行事も手伝えますか");
  REQUIRE(to_member);
  CHECK(to_member->find(group_login_mail) != std::string::npos);  // the reply address is the group's
  CHECK(volunteer.post("/api/v1/members/" + v_id + "/inquiries", {{"question", "?"}}).status == 403);
  CHECK(group.post("/api/v1/members/" + crypto::uuid_v4() + "/inquiries", {{"question", "?"}}).status == 404);
  CHECK(group.post("/api/v1/members/" + group_member_id + "/inquiries", {{"question", "?"}}).status == 404);  // itself
  REQUIRE(admin.post("/api/v1/admin/members/" + v_id + "/status", {{"status", "active"}, {"mail_stopped", true}}).status == 200);
  CHECK(group.post("/api/v1/members/" + v_id + "/inquiries", {{"question", "届きますか"}}).status == 404);  // undeliverable
  // A group's public profile carries its name from the directory and lists its recruitments.
  Response profile = Client().get("/api/v1/members/" + group_member_id);
  REQUIRE(profile.status == 200);
  CHECK(profile.json()["display_name"].get<std::string>().find("周南みまもり隊") == 0);
  CHECK(profile.body.find(rid) != std::string::npos);
}

TEST_CASE("admins export members as CSV with the labels staff read and the codes beside them", "[e2e]") {
  Client admin, volunteer, editor, anyone;
  ready_admin(admin, unique("aika_export_"));
  auto [id, mail] = published_volunteer(volunteer, admin, "hagi", "sat");
  Response csv = admin.get("/api/v1/admin/members/export?type=individual");
  REQUIRE(csv.status == 200);
  CHECK(csv.header("content-type").rfind("text/csv", 0) == 0);
  REQUIRE(csv.body.rfind("\xEF\xBB\xBF" "id,種別,", 0) == 0);
  auto start = csv.body.find(id);
  REQUIRE(start != std::string::npos);
  std::string line = csv.body.substr(start, csv.body.find("\r\n", start) - start);
  CHECK(line.find(",個人,") != std::string::npos);
  CHECK(line.find(",山口 花子,") != std::string::npos);  // private items: for admins only
  CHECK(line.find(",萩市,") != std::string::npos);        // an activity municipality's label
  CHECK(line.find(",女性,") != std::string::npos);
  CHECK(line.find(",hagi,") != std::string::npos);        // and its code
  CHECK(line.find(",f13;f01,") != std::string::npos);

  ready_editor(admin, editor, unique("aika_ed_"));
  CHECK(editor.get("/api/v1/admin/members/export").status == 403);  // staff, but not an admin
  CHECK(volunteer.get("/api/v1/admin/members/export").status == 403);
  CHECK(anyone.get("/api/v1/admin/members/export").status == 401);
  CHECK(admin.get("/api/v1/admin/members/export?type=robot").status == 400);
}

TEST_CASE("The organiser withdraws a recruitment (applicants are told) and deletes it, nobody else can", "[e2e]") {
  Client admin, group, volunteer, other_group;
  ready_admin(admin, unique("aika_withdraw_"));
  std::string organizer = unique("wd_org_") + "@example.jp";
  published_group(group, admin, unique("wd_group_") + "@example.jp");
  std::string title = "河川清掃" + unique("");
  Response posted = post_recruitment(group, recruitment(title, organizer));
  REQUIRE(posted.status == 201);
  std::string rid = posted.json()["id"];
  REQUIRE(admin.post("/api/v1/admin/recruitments/" + rid + "/publish").status == 200);
  auto [v_id, v_mail] = published_volunteer(volunteer, admin, "hagi", "mon");
  REQUIRE(volunteer.post("/api/v1/recruitments/" + rid + "/applications", {{"message", "参加します"}}).status == 201);

  // Another group's account, a volunteer and the anonymous cannot touch it.
  published_group(other_group, admin, unique("wd_other_") + "@example.jp");
  CHECK(other_group.post("/api/v1/recruitments/" + rid + "/withdraw").status == 404);
  CHECK(volunteer.post("/api/v1/recruitments/" + rid + "/withdraw").status == 404);
  CHECK(Client().post("/api/v1/recruitments/" + rid + "/withdraw").status == 401);
  CHECK(other_group.del("/api/v1/recruitments/" + rid).status == 404);
  CHECK(group.del("/api/v1/recruitments/" + rid).status == 400);  // published: withdraw first

  Response withdrawn = group.post("/api/v1/recruitments/" + rid + "/withdraw", {{"note", "雨天のため中止"}});
  REQUIRE(withdrawn.status == 200);
  CHECK(withdrawn.json()["state"] == "archived");
  CHECK(wait_for_mail(v_mail, "取り下げられました"));
  CHECK(volunteer.post("/api/v1/recruitments/" + rid + "/applications").status == 404);  // applications closed
  CHECK(Client().get("/api/v1/recruitments/" + rid).status == 404);
  CHECK(group.post("/api/v1/recruitments/" + rid + "/withdraw").status == 400);  // not published any more

  CHECK(group.del("/api/v1/recruitments/" + rid).status == 204);
  CHECK(group.get("/api/v1/recruitments/" + rid).status == 404);
  Response history = admin.get("/api/v1/admin/recruitments/" + rid + "/history");
  REQUIRE(history.status == 200);
  CHECK(history.json()["items"].back()["action"] == "delete");
}

TEST_CASE("Staff correct a member record: checked as on registration, the history names the fields, search follows", "[e2e]") {
  Client admin, volunteer, editor, anyone;
  ready_admin(admin, unique("aika_fix_"));
  auto [id, mail] = published_volunteer(volunteer, admin, "hagi", "sun");
  std::string path = "/api/v1/admin/members/" + id;
  nlohmann::json record = admin.get(path).json();
  std::string word = unique("点字翻訳");

  nlohmann::json fixed = record;
  fixed["name"] = "山口 華子";          // a typo in a private item
  fixed["selling_point"] = word + "ができます";  // a public item
  fixed["magazine"] = false;          // the member's own consent: not staff's to change
  Response r = admin.put(path, {{"member", fixed}});
  REQUIRE(r.status == 200);
  CHECK(r.json()["name"] == "山口 華子");
  CHECK(r.json()["magazine"] == true);
  CHECK(r.json()["state"] == "published");  // a staff correction needs no second review
  CHECK(r.json()["version"] == record["version"].get<int>() + 1);
  // The public search follows at once; the private name never leaves.
  Response found = anyone.get("/api/v1/members?q=" + url_encode(word));
  REQUIRE(found.status == 200);
  REQUIRE(found.json()["items"].size() == 1);
  CHECK(found.body.find("華子") == std::string::npos);
  // The history names the fields, never their values.
  Response history = admin.get(path + "/history");
  nlohmann::json last = history.json()["items"].back();
  CHECK(last["action"] == "edit");
  CHECK(last["changed_fields"] == nlohmann::json::array({"name", "selling_point"}));
  CHECK(history.body.find("華子") == std::string::npos);

  // A stale version, a bad field, a type change: refused, nothing changed.
  CHECK(admin.put(path, {{"member", fixed}}).status == 409);
  nlohmann::json bad = r.json();
  bad["phone"] = "phone me";
  bad["fields"] = nlohmann::json::array();
  Response refused = admin.put(path, {{"member", bad}});
  REQUIRE(refused.status == 400);
  CHECK(refused.body.find("\"member.phone\"") != std::string::npos);
  CHECK(refused.body.find("\"member.fields\"") != std::string::npos);
  bad = r.json();
  bad["type"] = "company";
  CHECK(admin.put(path, {{"member", bad}}).status == 400);
  CHECK(admin.get(path).json()["phone"] == "0834-11-2222");
  CHECK(admin.get(path).json()["version"] == r.json()["version"]);

  // Staff only; an unknown id is absent.
  ready_editor(admin, editor, unique("aika_fix_ed_"));
  nlohmann::json current = admin.get(path).json();
  CHECK(volunteer.put(path, {{"member", current}}).status == 403);
  CHECK(anyone.put(path, {{"member", current}}).status == 401);
  CHECK(editor.put("/api/v1/admin/members/" + crypto::uuid_v4(), {{"member", current}}).status == 404);
  current["occupation"] = "自営業";
  CHECK(editor.put(path, {{"member", current}}).status == 200);  // editors correct records too
}

TEST_CASE("Aikasanet's site-wide search finds members by their public profile, never by a private item", "[e2e]") {
  Client admin, volunteer, anyone;
  ready_admin(admin, unique("aika_search_"));
  std::string open_word = unique("手話通訳"), private_word = unique("内緒");
  auto [login, mail] = verified_member(volunteer);
  REQUIRE(volunteer.login(login, kPassword).status == 200);
  nlohmann::json profile = individual(mail, "hagi", "sun");
  profile["selling_point"] = open_word + "ができます";
  profile["other_note"] = private_word;       // private
  profile["address"] = "萩市" + private_word;  // private
  Response saved = volunteer.put("/api/v1/me/volunteer-profile", {{"profile", profile}});
  REQUIRE(saved.status == 200);
  std::string id = saved.json()["id"];
  CHECK(anyone.get("/api/v1/search?site=aikasanet&q=" + url_encode(open_word)).json()["totals"]["members"] == 0);  // in review
  REQUIRE(admin.post("/api/v1/admin/members/" + id + "/publish").status == 200);

  Response found = anyone.get("/api/v1/search?site=aikasanet&q=" + url_encode(open_word));
  REQUIRE(found.status == 200);
  CHECK(found.json()["totals"]["members"] == 1);
  REQUIRE(found.json()["items"].size() == 1);
  CHECK(found.json()["items"][0]["type"] == "member");
  CHECK(found.json()["items"][0]["id"] == id);
  CHECK(found.json()["items"][0]["title"] == "個人会員");  // an individual has no name in public
  for (const std::string& secret : {std::string("山口 花子"), std::string("0834-11-2222"), std::string("1990-05-01"), private_word})
    CHECK(found.body.find(secret) == std::string::npos);
  CHECK(found.body.find(mail) == std::string::npos);
  CHECK(anyone.get("/api/v1/search?site=aikasanet&q=" + url_encode(private_word)).json()["totals"]["members"] == 0);
  CHECK_FALSE(anyone.get("/api/v1/search?q=" + url_encode(open_word)).json()["totals"].contains("members"));  // Supernet's
}

namespace {
/// A verified, logged-in member with a published individual profile in Shunan on
/// Saturdays (what recruitment() asks for); returns {login id, e-mail, member id}.
std::tuple<std::string, std::string, std::string> matched_volunteer(Client& c, Client& admin) {
  auto [login, mail] = verified_member(c);
  REQUIRE(c.login(login, kPassword).status == 200);
  Response r = c.put("/api/v1/me/volunteer-profile", {{"profile", individual(mail, "shunan", "sat")}});
  REQUIRE(r.status == 200);
  std::string id = r.json()["id"];
  REQUIRE(admin.post("/api/v1/admin/members/" + id + "/publish").status == 200);
  return {login, mail, id};
}

/// The mail-magazine state of `email` on `site`, as notification keeps it (by keyed hash).
std::string subscription_state(const std::string& email, const std::string& site) {
  std::string key = crypto::hmac_sha256(crypto::hmac_sha256(env("INTERNAL_HMAC_KEY"), "newsletter.email"), email);
  db::Pool pool(env("TEST_NOTIFICATION_DB_URL"), 1);
  return pool.read([&](db::Tx& tx) {
    db::Result r = tx.exec("SELECT state FROM newsletter_subscribers WHERE site = $1 AND email_key = $2::bytea", site,
                           db::Bytes{key});
    return r.empty() ? std::string("none") : r[0].text(0);
  });
}
} // namespace

TEST_CASE("What becomes of a login reaches every service: suspended, resumed, new address, deleted, withdrawn",
          "[e2e]") {
  Client admin, group, v, w, heir, anyone;
  ready_admin(admin, unique("life_admin_"));
  std::string organizer = unique("life_org_") + "@example.jp";
  std::string org = published_group(group, admin, unique("life_group_") + "@example.jp");
  std::string group_account = group.get("/api/v1/me").json()["id"];
  auto [v_login, v_mail, v_id] = matched_volunteer(v, admin);
  auto [w_login, w_mail, w_id] = matched_volunteer(w, admin);
  std::string v_account = v.get("/api/v1/me").json()["id"];
  auto publish = [&](const std::string& title) {
    Response posted = post_recruitment(group, recruitment(title, organizer));
    REQUIRE(posted.status == 201);
    std::string rid = posted.json()["id"];
    REQUIRE(admin.post("/api/v1/admin/recruitments/" + rid + "/publish").status == 200);
    REQUIRE(wait_for_mail(w_mail, title));  // the other volunteer's mail: the fan-out is done
    return rid;
  };

  // Before: V is public, matched and applies.
  std::string t1 = "見守り" + unique("");
  std::string r1 = publish(t1);
  CHECK(wait_for_mail(v_mail, t1));
  REQUIRE(v.post("/api/v1/recruitments/" + r1 + "/applications", {{"message", "参加します"}}).status == 201);
  CHECK(anyone.get("/api/v1/members/" + v_id).status == 200);

  // Suspended by an admin: hidden, matched and mailed by nothing; its application stays.
  REQUIRE(admin.post("/api/v1/admin/accounts/" + v_account + "/suspend").status == 200);
  CHECK(eventually([&] { return anyone.get("/api/v1/members/" + v_id).status == 404; }));
  nlohmann::json staff_view = admin.get("/api/v1/admin/members/" + v_id).json();
  CHECK(staff_view["account_suspended"] == true);
  CHECK(staff_view["status"] == "active");  // the member's own status is untouched
  std::string t2 = "清掃" + unique("");
  publish(t2);
  CHECK(mail_count(v_mail, t2) == 0);
  db::Pool recruitment_db(env("TEST_RECRUITMENT_DB_URL"), 1);
  auto applications = [&] {
    return recruitment_db.read([&](db::Tx& tx) {
      return tx.exec("SELECT count(*) FROM submissions WHERE from_member_id = $1::uuid AND kind = 'application'", v_id)[0]
          .int64(0);
    });
  };
  CHECK(applications() == 1);

  // Resumed: back as it was.
  REQUIRE(admin.post("/api/v1/admin/accounts/" + v_account + "/resume").status == 200);
  CHECK(eventually([&] { return anyone.get("/api/v1/members/" + v_id).status == 200; }));
  CHECK(admin.get("/api/v1/admin/members/" + v_id).json().value("account_suspended", false) == false);  // proto3 JSON leaves false out

  // A new verified address: matching mails go there from then on, and never to the old.
  REQUIRE(v.login(v_login, kPassword).status == 200);  // the suspension ended its sessions
  std::string new_mail = unique("life_new_") + "@example.jp";
  REQUIRE(v.post("/api/v1/me/email", {{"new_email", new_mail}, {"password", kPassword}}).status == 202);
  auto verify = wait_for_mail(new_mail, "/accounts/verify?token=");
  REQUIRE(verify);
  REQUIRE(anyone.post("/api/v1/accounts/verify", {{"token", token_in(*verify)}}).status == 200);
  CHECK(eventually([&] { return admin.get("/api/v1/admin/members/" + v_id).json()["email"] == new_mail; }));
  std::string t3 = "配食" + unique("");
  publish(t3);
  auto matched = wait_for_mail(new_mail, t3);
  REQUIRE(matched);
  CHECK(mail_count(v_mail, t3) == 0);
  std::string apply_token = oneclick_token(*matched, "参加を申し込む");
  CHECK(anyone.get("/api/v1/oneclick/" + apply_token).status == 200);
  {
    Client c;  // the mail magazine, at the new address
    REQUIRE(c.post("/api/v1/newsletter/subscriptions", {{"email", new_mail}, {"site", "aikasanet"}}).status == 202);
    auto confirm = wait_for_mail(new_mail, "/newsletter/confirm?token=");
    REQUIRE(confirm);
    REQUIRE(c.post("/api/v1/newsletter/confirmations", {{"token", token_in(*confirm)}}).status == 200);
  }
  CHECK(subscription_state(new_mail, "aikasanet") == "active");

  // Deleted by the member: personal items erased, off the site, links dead, subscriptions ended.
  REQUIRE(v.del("/api/v1/me", nlohmann::json{{"password", kPassword}}.dump()).status == 200);
  CHECK(eventually([&] { return admin.get("/api/v1/admin/members/" + v_id).json()["status"] == "withdrawn"; }));
  nlohmann::json erased = admin.get("/api/v1/admin/members/" + v_id).json();
  for (const char* item : {"name", "kana", "phone", "email", "address", "birth_date"}) {
    INFO(item);
    CHECK(erased.value(item, "") == "");
  }
  CHECK(erased["state"] == "archived");
  CHECK(anyone.get("/api/v1/members/" + v_id).status == 404);
  CHECK(anyone.get("/api/v1/oneclick/" + apply_token).status == 404);
  CHECK(anyone.post("/api/v1/oneclick/" + apply_token).status == 404);
  CHECK(eventually([&] { return subscription_state(new_mail, "aikasanet") == "unsubscribed"; }));
  CHECK(applications() == 1);  // the organiser's record of the application stays

  // A replayed account.deleted erases nothing twice and fails nothing. (The delivered
  // event kept only its id: its payload, an address, was dropped.)
  civic::events::Event event;
  db::Pool auth_db(env("AUTH_DATABASE_URL"), 1);
  auth_db.read([&](db::Tx& tx) {
    db::Result r = tx.exec("SELECT id, octet_length(payload) FROM outbox WHERE type = 'account.deleted' "
                           "AND delivered_at IS NOT NULL ORDER BY created_at DESC LIMIT 1");
    REQUIRE(r.size() == 1);
    CHECK(r[0].int64(1) == 0);
    event.set_id(r[0].text(0));
  });
  civic::events::AccountChanged replayed;
  replayed.set_account_id(v_account);
  replayed.set_email(new_mail);
  replayed.set_by("self");
  event.set_payload(replayed.SerializeAsString());
  event.set_type("account.deleted");
  event.set_producer("auth");
  auto sink = civic::events::EventSink::NewStub(
      grpc::CreateChannel(env("MATCHING_SERVICE_ADDR"), grpc::InsecureChannelCredentials()));
  for (std::string id : {event.id(), crypto::uuid_v4()}) {  // the same event, and as if it were new
    event.set_id(id);
    CHECK(deliver_as(*sink, event, "auth").ok());
  }
  CHECK(admin.get("/api/v1/admin/members/" + v_id).json()["status"] == "withdrawn");

  // The group's login deleted by an admin: its organisation and recruitments leave the
  // public site; staff see it orphaned and hand it to another account.
  CHECK(anyone.get("/api/v1/organizations/" + org).status == 200);
  REQUIRE(admin.del("/api/v1/admin/accounts/" + group_account).status == 200);
  CHECK(eventually([&] { return anyone.get("/api/v1/organizations/" + org).status == 404; }));
  CHECK(eventually([&] { return anyone.get("/api/v1/recruitments/" + r1).status == 404; }));
  Response orphans = admin.get("/api/v1/admin/organizations?orphaned=true&site=aikasanet");
  REQUIRE(orphans.status == 200);
  bool listed = false;
  for (const auto& o : orphans.json()["items"]) listed |= o["id"] == org;
  CHECK(listed);
  auto [heir_login, heir_mail] = verified_member(heir);
  REQUIRE(heir.login(heir_login, kPassword).status == 200);
  std::string heir_account = heir.get("/api/v1/me").json()["id"];
  std::string owner_path = "/api/v1/admin/organizations/" + org + "/owner";
  CHECK(heir.put(owner_path, {{"account_id", heir_account}}).status == 403);
  CHECK(error_fields(admin.put(owner_path, {{"account_id", group_account}})) == std::set<std::string>{"account_id"});
  CHECK(error_fields(admin.put(owner_path, {{"account_id", "x"}})) == std::set<std::string>{"account_id"});
  Response handed = admin.put(owner_path, {{"account_id", heir_account}});
  REQUIRE(handed.status == 200);
  CHECK(handed.json()["owner_account_id"] == heir_account);
  CHECK(handed.json().value("orphaned_at", "") == "");
  CHECK(anyone.get("/api/v1/organizations/" + org).status == 200);
  CHECK(eventually([&] { return anyone.get("/api/v1/recruitments/" + r1).status == 200; }));

  // A withdrawal staff approve ends the login too.
  REQUIRE(admin.post("/api/v1/admin/members/" + w_id + "/status", {{"status", "withdrawn"}}).status == 200);
  CHECK(eventually([&] { return w.get("/api/v1/me").status == 401; }));
  CHECK(Client().login(w_login, kPassword).status == 401);
  CHECK(admin.get("/api/v1/admin/members/" + w_id).json().value("phone", "") == "");
}

TEST_CASE("A matching mail unsubscribes with one click (RFC 8058), without login or CSRF header, for its address only",
          "[e2e]") {
  Client admin, group, v, w;
  ready_admin(admin, unique("stop_admin_"));
  published_group(group, admin, unique("stop_group_") + "@example.jp");
  auto [v_login, v_mail, v_id] = matched_volunteer(v, admin);
  auto [w_login, w_mail, w_id] = matched_volunteer(w, admin);
  auto publish = [&](const std::string& title) {
    Response posted = post_recruitment(group, recruitment(title, unique("stop_org_") + "@example.jp"));
    REQUIRE(posted.status == 201);
    REQUIRE(admin.post("/api/v1/admin/recruitments/" + posted.json()["id"].get<std::string>() + "/publish").status == 200);
  };
  std::string t1 = "防災訓練" + unique("");
  publish(t1);
  REQUIRE(wait_for_mail(v_mail, t1));
  Mail match;
  for (auto& m : mails(v_mail))
    if (m.text.find(t1) != std::string::npos) match = m;
  // The headers a mail client offers as an unsubscribe button, and the link in the text.
  std::smatch header;
  REQUIRE(std::regex_search(match.raw, header, std::regex("List-Unsubscribe: <https?://[^/]+(/api/v1/mail/unsubscribe/([A-Za-z0-9_.-]+))>")));
  CHECK(match.raw.find("List-Unsubscribe-Post: List-Unsubscribe=One-Click") != std::string::npos);
  std::string path = header[1], token = header[2];
  CHECK(match.text.find("/mail/unsubscribe?token=" + token) != std::string::npos);

  auto one_click = [](const std::string& target) {
    RawConnection c;  // as a mail client posts: a form body, no cookie, no X-Requested-With
    std::string body = "List-Unsubscribe=One-Click";
    c.send("POST " + target + " HTTP/1.1\r\nHost: mail.example\r\nContent-Type: application/x-www-form-urlencoded\r\n"
           "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    auto r = c.read_response();
    return r ? r->status : 0;
  };
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  CHECK(one_click("/api/v1/mail/unsubscribe/" + forged) == 404);  // a token is its own proof
  CHECK(one_click("/api/v1/mail/unsubscribe/" + crypto::uuid_v4() + ".x") == 404);
  CHECK(one_click(path) == 200);
  CHECK(one_click(path) == 200);  // again: the same, nothing more

  // The address is stopped ("unsubscribe"); the other volunteer's is not.
  Response listed = admin.get("/api/v1/admin/mail-suppressions?email=" + url_encode(v_mail));
  REQUIRE(listed.status == 200);
  REQUIRE(listed.json()["items"].size() == 1);
  CHECK(listed.json()["items"][0]["reason"] == "unsubscribe");
  CHECK(admin.get("/api/v1/admin/mail-suppressions?email=" + url_encode(w_mail)).json()["total_size"] == 0);
  std::string t2 = "炊き出し" + unique("");
  publish(t2);
  REQUIRE(wait_for_mail(w_mail, t2));
  CHECK(mail_count(v_mail, t2) == 0);  // not mailed ...
  bool recorded = false;                // ... but recorded as suppressed
  for (int i = 0; i < 50 && !recorded; ++i) {
    nlohmann::json list = admin.get("/api/v1/admin/mail-messages?status=suppressed&page_size=100").json();
    for (const auto& m : list["items"]) recorded |= m["last_error"] == "suppressed: unsubscribe";
    if (!recorded) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(recorded);
}

TEST_CASE("The profile's mail-magazine choice subscribes the login's verified address and ends it again", "[e2e]") {
  Client admin, v;
  ready_admin(admin, unique("mag_admin_"));
  auto [login, mail] = verified_member(v);
  REQUIRE(v.login(login, kPassword).status == 200);
  std::string path = "/api/v1/admin/newsletter-subscribers?site=aikasanet&email=" + url_encode(mail);
  auto state = [&] {
    nlohmann::json items = admin.get(path).json()["items"];
    return items.empty() ? std::string("none") : items[0]["state"].get<std::string>();
  };
  nlohmann::json profile = individual(mail, "hagi", "sun");  // 「メルマガ配信を希望する」 ticked
  Response saved = v.put("/api/v1/me/volunteer-profile", {{"profile", profile}});
  REQUIRE(saved.status == 200);
  CHECK(eventually([&] { return state() == "active"; }));
  CHECK(admin.get(path).json()["items"][0]["source"] == "profile");
  CHECK(mail_count(mail, "/newsletter/confirm?token=") == 0);  // the address is verified already
  profile = saved.json();
  profile["magazine"] = false;
  REQUIRE(v.put("/api/v1/me/volunteer-profile", {{"profile", profile}}).status == 200);
  CHECK(eventually([&] { return state() == "unsubscribed"; }));
}
