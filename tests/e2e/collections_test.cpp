// The staff surface every collection shares (SPEC section 4, rpc/collection.h): the same
// paths, verbs and status codes for get, create, edit (409 on a stale version), the
// review steps, restore, duplicate, history and delete — checked on every collection
// the same way, with the refusals for the anonymous, members, stale versions and steps
// the state does not allow.
#include <catch2/catch.hpp>

#include "client.h"
#include "core/time.h"
#include "fixtures.h"

using namespace civic;
using namespace civic::e2e;

namespace {

struct Collection {
  std::string path;     // /api/v1/admin/<path>
  std::string wrapper;  // the body's key on create and edit
  nlohmann::json content;
  std::string edited_field;  // a field to change on edit
};

std::vector<Collection> staff_collections(const std::string& token) {
  std::string lower = token;
  for (auto& ch : lower) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return {
      {"grants", "grant",
       {{"funder", "やまぐち基金"}, {"name", "助成 " + token}, {"fields", {"f07"}}, {"purpose", "里山の保全"},
        {"application_end", time::tokyo_date(30)}},
       "name"},
      {"books", "book", {{"title", "会計入門 " + token}, {"receipt_number", "R-" + token}}, "title"},
      {"reports", "report",
       {{"title", "清掃活動 " + token}, {"content", "河川敷のごみを拾いました"}, {"organization", "椹野川を守る会"}},
       "title"},
      {"articles", "article",
       {{"site", "supernet"}, {"kind", "page"}, {"slug", "c-" + lower.substr(lower.size() - 8)}, {"title", "紹介"},
        {"body", "センターの紹介 " + token}},
       "title"},
      {"newsletters", "newsletter", {{"site", "supernet"}, {"title", "さぽ〜とメール " + token}, {"body", "今月の話題"}},
       "title"},
  };
}

std::vector<std::string> actions(const nlohmann::json& history) {
  std::vector<std::string> out;
  for (const auto& h : history["items"]) out.push_back(h["action"]);
  return out;
}

} // namespace

TEST_CASE("every staff collection answers the same admin surface with the same codes", "[e2e]") {
  Client admin;
  ready_admin(admin, unique("admin_"));
  for (const auto& c : staff_collections(unique(""))) {
    INFO("collection " << c.path);
    std::string base = "/api/v1/admin/" + c.path;
    Response created = admin.post(base, {{c.wrapper, c.content}});
    REQUIRE(created.status == 201);
    std::string id = created.json()["id"];
    CHECK(created.json()["state"] == "draft");
    int version = created.json()["version"];

    // Get: the full record.
    Response got = admin.get(base + "/" + id);
    REQUIRE(got.status == 200);
    CHECK(got.json()["id"] == id);
    CHECK(admin.get(base + "/" + "00000000-0000-4000-8000-000000000000").status == 404);
    CHECK(admin.get(base + "/not-a-uuid").status == 404);

    // Edit with the version read; the same version again is stale and changes nothing.
    nlohmann::json edited = c.content;
    edited[c.edited_field] = c.content[c.edited_field].get<std::string>() + " 改";
    edited["version"] = version;
    Response put = admin.put(base + "/" + id, {{c.wrapper, edited}});
    REQUIRE(put.status == 200);
    CHECK(put.json()[c.edited_field] == edited[c.edited_field]);
    nlohmann::json stale = edited;
    stale[c.edited_field] = "古い版からの変更";
    CHECK(admin.put(base + "/" + id, {{c.wrapper, stale}}).status == 409);
    CHECK(admin.get(base + "/" + id).json()[c.edited_field] == edited[c.edited_field]);

    // Review steps; what the state does not allow is refused (400, FAILED_PRECONDITION)
    // and changes nothing.
    CHECK(admin.post(base + "/" + id + "/restore").status == 400);  // not archived: FAILED_PRECONDITION
    REQUIRE(admin.post(base + "/" + id + "/submit").status == 200);
    Response no_note = admin.post(base + "/" + id + "/reject");
    CHECK(no_note.status == 400);
    REQUIRE(admin.post(base + "/" + id + "/reject", {{"note", "表記を直してください"}}).status == 200);
    REQUIRE(admin.post(base + "/" + id + "/publish").status == 200);
    CHECK(admin.get(base + "/" + id).json()["state"] == "published");
    CHECK(admin.del(base + "/" + id).status == 400);  // published: archive first
    CHECK(admin.get(base + "/" + id).status == 200);
    REQUIRE(admin.post(base + "/" + id + "/archive").status == 200);
    Response refused = admin.post(base + "/" + id + "/publish");
    CHECK(refused.status == 400);
    CHECK(refused.json()["error"]["status"] == "FAILED_PRECONDITION");
    Response restored = admin.post(base + "/" + id + "/restore");
    REQUIRE(restored.status == 200);
    CHECK(restored.json()["state"] == "draft");

    // Duplicate: a private, editable draft of its own.
    Response copy = admin.post(base + "/" + id + "/duplicate");
    REQUIRE(copy.status == 201);
    std::string copy_id = copy.json()["id"];
    CHECK(copy_id != id);
    Response copied = admin.get(base + "/" + copy_id);
    REQUIRE(copied.status == 200);
    CHECK(copied.json()["state"] == "draft");

    // History: who did what; an edit names the field it changed (never values).
    Response history = admin.get(base + "/" + id + "/history");
    REQUIRE(history.status == 200);
    CHECK(actions(history.json()) ==
          std::vector<std::string>{"create", "edit", "submit", "reject", "publish", "archive", "restore"});
    CHECK(history.json()["items"][1]["changed_fields"] == nlohmann::json::array({c.edited_field}));

    // Delete: the draft goes, its history stays and ends in the deletion.
    Response deleted = admin.del(base + "/" + id + "?note=" + "duplicate-entry");
    CHECK(deleted.status == 204);
    CHECK(deleted.body.empty());
    CHECK(admin.get(base + "/" + id).status == 404);
    CHECK(admin.del(base + "/" + id).status == 404);
    Response after = admin.get(base + "/" + id + "/history");
    REQUIRE(after.status == 200);
    CHECK(after.json()["items"].back()["action"] == "delete");
    CHECK(after.json()["items"].back()["to_state"] == "deleted");
    CHECK(admin.get(base + "/" + copy_id).status == 200);  // the copy outlives its original
    CHECK(admin.del(base + "/" + copy_id).status == 204);
  }
}

TEST_CASE("public submissions in review: staff read, send back and delete them, and restore the archived", "[e2e]") {
  Client admin;
  ready_admin(admin, unique("admin_"));
  std::string token = unique("");
  nlohmann::json event = {{"category", "course"},         {"organizer", "萩まちづくりネット"},
                          {"title", "講座 " + token},     {"dates", {time::tokyo_date(20)}},
                          {"venue", "萩市民館"},          {"municipality", "hagi"},
                          {"content", "NPOの会計の基本"}, {"contact_organization", "萩まちづくりネット"},
                          {"submitter_name", "萩 花子"},  {"submitter_email", unique("ev_") + "@example.jp"}};
  Response submitted = Client().post("/api/v1/events", {{"event", event}});
  REQUIRE(submitted.status == 201);
  std::string id = submitted.json()["id"];
  std::string base = "/api/v1/admin/events/" + id;

  Response got = admin.get(base);
  REQUIRE(got.status == 200);
  CHECK(got.json()["state"] == "review");
  CHECK(got.json()["submitter_name"] == "萩 花子");  // private items, for staff
  CHECK(admin.del(base).status == 400);             // in review: reject or archive first
  REQUIRE(admin.post(base + "/archive").status == 200);
  REQUIRE(admin.post(base + "/restore").status == 200);
  CHECK(admin.get(base).json()["state"] == "draft");
  REQUIRE(admin.post(base + "/submit").status == 200);
  REQUIRE(admin.post(base + "/reject", {{"note", "日付を確認してください"}}).status == 200);
  CHECK(admin.del(base).status == 204);
  CHECK(admin.get(base).status == 404);
  CHECK(Client().get("/api/v1/events/" + id).status == 404);
}

TEST_CASE("every route of the staff surface refuses the anonymous (401) and members (403)", "[e2e][SEC-8]") {
  Client anyone, member;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  const std::string id = "00000000-0000-4000-8000-000000000001";
  for (const std::string collection : {"organizations", "members", "events", "recruitments", "grants", "books",
                                       "reports", "articles", "newsletters"}) {
    std::string base = "/api/v1/admin/" + collection;
    for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
             {"GET", base + "/" + id},
             {"GET", base + "/" + id + "/history"},
             {"POST", base + "/" + id + "/submit"},
             {"POST", base + "/" + id + "/publish"},
             {"POST", base + "/" + id + "/reject"},
             {"POST", base + "/" + id + "/archive"},
             {"POST", base + "/" + id + "/restore"},
             {"DELETE", base + "/" + id}}) {
      INFO(method << " " << path);
      std::string body = method == "POST" ? "{}" : "";
      CHECK(anyone.request(method, path, body).status == 401);
      CHECK(member.request(method, path, body).status == 403);
    }
  }
}

TEST_CASE("staff correct an organisation's record directly, checked as on registration, stale versions refused",
          "[e2e]") {
  Client admin, member;
  ready_admin(admin, unique("admin_"));
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  std::string name = "誤字のある会 " + unique("");
  nlohmann::json org = supernet_group(name);
  Response registered = Client().post("/api/v1/organizations", {{"organization", org}});
  INFO(registered.body);
  REQUIRE(registered.status == 201);
  std::string id = registered.json()["id"];
  std::string path = "/api/v1/admin/organizations/" + id;

  nlohmann::json record = admin.get(path).json();
  REQUIRE(record["registrant_phone"] == "0838-00-0000");  // staff read the private items
  nlohmann::json fixed = record;
  fixed["name"] = "誤字を直した会";
  fixed["registrant_phone"] = "0838-11-1111";
  CHECK(member.put(path, {{"organization", fixed}}).status == 403);
  CHECK(Client().put(path, {{"organization", fixed}}).status == 401);

  nlohmann::json bad = fixed;
  bad["kind"] = "npo";
  bad["phone"] = "電話";
  Response refused = admin.put(path, {{"organization", bad}});
  CHECK(refused.status == 400);
  CHECK(error_fields(refused).count("organization.phone"));
  CHECK(admin.get(path).json()["name"] == name);  // nothing changed

  Response changed = admin.put(path, {{"organization", fixed}});
  REQUIRE(changed.status == 200);
  CHECK(changed.json()["name"] == "誤字を直した会");
  CHECK(changed.json()["registrant_phone"] == "0838-11-1111");
  CHECK(changed.json()["state"] == "review");
  CHECK(admin.put(path, {{"organization", fixed}}).status == 409);  // the version read is gone

  nlohmann::json kind_changed = changed.json();
  kind_changed["kind"] = "npo";
  Response kind = admin.put(path, {{"organization", kind_changed}});
  CHECK(kind.status == 400);  // an NPO's items, or the kind itself, refused: the kind stays
  CHECK(admin.get(path).json()["kind"] == "group");

  // The history names the fields, never the values of the private ones.
  Response history = admin.get(path + "/history");
  REQUIRE(history.status == 200);
  auto last = history.json()["items"].back();
  CHECK(last["action"] == "edit");
  CHECK(last["changed_fields"] == nlohmann::json::array({"name", "registrant_phone"}));
  CHECK(history.body.find("0838-11-1111") == std::string::npos);
}

TEST_CASE("staff remove and replace the images of articles and the photos of reports", "[e2e]") {
  Client admin, member;
  ready_admin(admin, unique("admin_"));
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(32, '\0');
  std::string token = unique("");
  Response article = admin.post("/api/v1/admin/articles",
                                {{"article", {{"site", "supernet"}, {"kind", "notice"}, {"title", "お知らせ " + token},
                                              {"body", "本文"}}}});
  REQUIRE(article.status == 201);
  Response report = admin.post("/api/v1/admin/reports", {{"report", {{"title", "報告 " + token}, {"content", "本文"},
                                                                       {"organization", "椹野川を守る会"}}}});
  REQUIRE(report.status == 201);
  for (const auto& [base, part] : std::vector<std::pair<std::string, std::string>>{
           {"/api/v1/admin/articles/" + article.json()["id"].get<std::string>(), "images"},
           {"/api/v1/admin/reports/" + report.json()["id"].get<std::string>(), "photos"}}) {
    INFO(base);
    Response up = post_form(admin, base + "/" + part, {{"alt", "川の写真"}}, "river.png", "image/png", png);
    REQUIRE(up.status == 201);
    std::string one = base + "/" + part + "/" + up.json()["id"].get<std::string>();
    CHECK(member.del(one).status == 403);
    CHECK(Client().del(one).status == 401);
    CHECK(admin.del(one).status == 204);
    CHECK(admin.del(one).status == 404);
    CHECK(admin.get(base).json()[part].empty());
    REQUIRE(post_form(admin, base + "/" + part, {{"alt", "新しい写真"}}, "new.png", "image/png", png).status == 201);
    CHECK(admin.get(base).json()[part].size() == 1);
  }
}

TEST_CASE("staff register a Supernet organisation on its behalf: a draft, checked as any registration, recorded", "[e2e]") {
  Client admin, member;
  ready_admin(admin, unique("admin_"));
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  nlohmann::json org = supernet_group("紙の申込書の会 " + unique(""));
  CHECK(member.post("/api/v1/admin/organizations", {{"organization", org}}).status == 403);
  CHECK(Client().post("/api/v1/admin/organizations", {{"organization", org}}).status == 401);
  nlohmann::json incomplete = org;
  incomplete.erase("registrant_name");
  incomplete["registration_requirements"] = nlohmann::json::array();
  CHECK(error_fields(admin.post("/api/v1/admin/organizations", {{"organization", incomplete}})) ==
        std::set<std::string>{"organization.registrant_name", "organization.registration_requirements"});
  nlohmann::json aikasanet = org;
  aikasanet["site"] = "aikasanet";
  CHECK(error_fields(admin.post("/api/v1/admin/organizations", {{"organization", aikasanet}})) ==
        std::set<std::string>{"organization.site"});

  Response created = admin.post("/api/v1/admin/organizations", {{"organization", org}});
  REQUIRE(created.status == 201);
  CHECK(created.json()["state"] == "draft");
  CHECK(created.json()["registrant_phone"] == "0838-00-0000");
  std::string id = created.json()["id"];
  nlohmann::json history = admin.get("/api/v1/admin/organizations/" + id + "/history").json();
  CHECK(actions(history) == std::vector<std::string>{"create"});
  CHECK(history["items"][0]["note"].get<std::string>().find("on the organisation's behalf") != std::string::npos);
  CHECK(Client().get("/api/v1/organizations/" + id).status == 404);  // a draft until staff publish it
  REQUIRE(admin.post("/api/v1/admin/organizations/" + id + "/publish").status == 200);
  CHECK(Client().get("/api/v1/organizations/" + id).status == 200);
}
