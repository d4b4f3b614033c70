// Grants end to end: staff entry through the review workflow, public search, detail and
// deadline calendar; drafts and archived grants never public; members cannot edit.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "client.h"
#include "fixtures.h"
#include "core/time.h"
#include "db/db.h"

using namespace civic;
using namespace civic::e2e;

namespace {
nlohmann::json grant(const std::string& name, const std::string& deadline) {
  return {{"funder", "公益財団法人やまぐち社会貢献基金"},
          {"name", name},
          {"fields", {"f07"}},
          {"target_area", "prefecture"},
          {"purpose", "里山の保全に取り組む団体を応援します"},
          {"amount", "上限50万円"},
          {"application_start", "2026-01-05"},
          {"application_end", deadline},
          {"how_to_apply", "申請書を郵送してください"},
          {"contact_name", "基金事務局"},
          {"contact_phone", "083-000-0000"},
          {"contact_email", "grants@example.jp"},
          {"url", "https://example.jp/grant"}};
}

} // namespace

TEST_CASE("staff enter a grant, an editor publishes it, the public finds it by keyword and deadline", "[e2e]") {
  std::string token = unique("");
  std::string name = "里山保全活動助成" + token;
  Client anyone, member, admin, editor;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  ready_admin(admin, unique("admin_"));
  ready_editor(admin, editor, unique("editor_"));

  CHECK(anyone.post("/api/v1/admin/grants", {{"grant", grant(name, "2099-03-31")}}).status == 401);
  CHECK(member.post("/api/v1/admin/grants", {{"grant", grant(name, "2099-03-31")}}).status == 403);
  Response created = editor.post("/api/v1/admin/grants", {{"grant", grant(name, "2099-03-31")}});
  REQUIRE(created.status == 201);
  std::string id = created.json()["id"];
  CHECK(created.json()["state"] == "draft");

  // A draft does not exist for the public, by id or by search.
  CHECK(anyone.get("/api/v1/grants/" + id).status == 404);
  CHECK(anyone.get("/api/v1/grants?q=" + token).json()["total_size"] == 0);
  CHECK(member.post("/api/v1/admin/grants/" + id + "/publish").status == 403);

  // Edits need the current version; a stale one changes nothing.
  nlohmann::json edited = grant(name, "2099-03-31");
  edited["amount"] = "上限100万円";
  edited["version"] = created.json()["version"];
  Response updated = editor.request("PUT", "/api/v1/admin/grants/" + id, nlohmann::json{{"grant", edited}}.dump());
  REQUIRE(updated.status == 200);
  CHECK(updated.json()["amount"] == "上限100万円");
  CHECK(editor.request("PUT", "/api/v1/admin/grants/" + id, nlohmann::json{{"grant", edited}}.dump()).status == 409);

  Response published = editor.post("/api/v1/admin/grants/" + id + "/publish");
  REQUIRE(published.status == 200);
  CHECK(published.json()["state"] == "published");

  Response detail = anyone.get("/api/v1/grants/" + id);
  REQUIRE(detail.status == 200);
  CHECK(detail.json()["amount"] == "上限100万円");
  CHECK(detail.json()["contact_email"] == "grants@example.jp");
  CHECK_FALSE(detail.json().contains("state"));    // private: staff only
  CHECK_FALSE(detail.json().contains("version"));

  // Staff correct the published grant: the public detail and list, just shown from
  // memory, show the correction at once (records kept per row stamp, ADR 0027).
  CHECK(anyone.get("/api/v1/grants?q=" + token).json()["items"][0]["amount"] == "上限100万円");
  nlohmann::json corrected = grant(name, "2099-03-31");
  corrected["amount"] = "上限50万円";
  corrected["version"] = published.json()["version"];
  REQUIRE(editor.request("PUT", "/api/v1/admin/grants/" + id, nlohmann::json{{"grant", corrected}}.dump()).status == 200);
  CHECK(anyone.get("/api/v1/grants/" + id).json()["amount"] == "上限50万円");
  CHECK(anyone.get("/api/v1/grants?q=" + token).json()["items"][0]["amount"] == "上限50万円");

  CHECK(anyone.get("/api/v1/grants?q=%E9%87%8C+" + token).json()["total_size"] == 1);  // 里 (1 character)
  CHECK(anyone.get("/api/v1/grants?q=%EF%BE%8E%EF%BE%9E%EF%BE%97+" + token).json()["total_size"] == 0);  // ﾎﾞﾗ
  CHECK(anyone.get("/api/v1/grants?field=f07&open=true&q=" + token).json()["total_size"] == 1);
  CHECK(anyone.get("/api/v1/grants?field=f01&q=" + token).json()["total_size"] == 0);
  CHECK(anyone.get("/api/v1/grants?field=F07;DROP").status == 400);

  Response calendar = anyone.get("/api/v1/grants/calendar?month=2099-03");
  REQUIRE(calendar.status == 200);
  bool listed = false;
  for (const auto& day : calendar.json()["days"])
    for (const auto& entry : day["deadlines"]) listed |= entry["id"] == id && day["date"] == "2099-03-31";
  CHECK(listed);
  CHECK(anyone.get("/api/v1/grants/calendar?month=2099-13").status == 400);
  CHECK(anyone.get("/api/v1/grants/calendar?month=../../etc").status == 400);

  SECTION("archived and duplicated grants are not public; the history keeps every step") {
    Response dup = admin.post("/api/v1/admin/grants/" + id + "/duplicate");
    REQUIRE(dup.status == 201);
    std::string copy = dup.json()["id"];
    CHECK(anyone.get("/api/v1/grants/" + copy).status == 404);
    CHECK(admin.get("/api/v1/admin/grants?state=draft&q=" + token).json()["total_size"] == 1);
    REQUIRE(admin.post("/api/v1/admin/grants/" + id + "/archive").status == 200);
    CHECK(anyone.get("/api/v1/grants/" + id).status == 404);
    CHECK(anyone.get("/api/v1/grants?q=" + token).json()["total_size"] == 0);
    CHECK(admin.post("/api/v1/admin/grants/" + id + "/publish").status == 400);  // archived: restore first
    Response history = admin.get("/api/v1/admin/grants/" + id + "/history");
    REQUIRE(history.status == 200);
    std::vector<std::string> actions;
    for (const auto& h : history.json()["items"]) actions.push_back(h["action"]);
    CHECK(actions == std::vector<std::string>{"create", "edit", "publish", "edit", "archive"});
    CHECK(member.get("/api/v1/admin/grants/" + id + "/history").status == 403);
  }
}

TEST_CASE("a grant with bad items is refused field by field and nothing is stored", "[e2e]") {
  Client admin;
  ready_admin(admin, unique("admin_"));
  std::string token = unique("");
  Response r = admin.post("/api/v1/admin/grants", {{"grant", nlohmann::json::object()}});
  REQUIRE(r.status == 400);
  CHECK(error_fields(r) == std::set<std::string>{"grant.funder", "grant.name", "grant.purpose", "grant.application_end"});

  nlohmann::json bad = grant("助成" + token, "2026-02-30");
  bad["fields"] = {"f99"};
  bad["target_area"] = "mars";
  bad["application_start"] = "yesterday";
  bad["contact_email"] = "nobody";
  bad["contact_phone"] = "call me";
  bad["url"] = "javascript:alert(1)";
  bad["name"] = std::string(201, 'x');
  bad["purpose"] = "改行は可\n制御文字は不可\x07";
  r = admin.post("/api/v1/admin/grants", {{"grant", bad}});
  REQUIRE(r.status == 400);
  CHECK(error_fields(r) == std::set<std::string>{"grant.fields", "grant.target_area", "grant.application_start", "grant.application_end",
                                                 "grant.contact_email", "grant.contact_phone", "grant.url", "grant.name", "grant.purpose"});
  nlohmann::json reversed = grant("助成" + token, "2026-01-01");
  reversed["application_start"] = "2026-02-01";
  CHECK(error_fields(admin.post("/api/v1/admin/grants", {{"grant", reversed}})) ==
        std::set<std::string>{"grant.application_end"});
  nlohmann::json anytime = grant("助成" + token, "2026-03-01");
  anytime["anytime"] = true;
  CHECK(error_fields(admin.post("/api/v1/admin/grants", {{"grant", anytime}})) ==
        std::set<std::string>{"grant.application_end"});
  CHECK(admin.get("/api/v1/admin/grants?q=" + token).json()["total_size"] == 0);
  CHECK(admin.post("/api/v1/admin/grants/not-a-uuid/publish").status == 404);
}

TEST_CASE("views are counted off the request path and staff read them per day, as top items and as CSV", "[e2e]") {
  std::string token = unique("");
  Client anyone, member, admin;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  ready_admin(admin, unique("admin_"));
  Response g = admin.post("/api/v1/admin/grants", {{"grant", grant("閲覧数の助成" + token, "2099-01-31")}});
  REQUIRE(g.status == 201);
  std::string id = g.json()["id"];
  CHECK(anyone.get("/api/v1/grants/" + id).status == 404);  // a draft: not a view
  REQUIRE(admin.post("/api/v1/admin/grants/" + id + "/publish").status == 200);
  for (int i = 0; i < 3; ++i) REQUIRE(Client().get("/api/v1/grants/" + id).status == 200);  // three visitors
  for (int i = 0; i < 5; ++i) REQUIRE(anyone.get("/api/v1/grants/" + id).status == 200);     // one reloading 5 times

  // The gateway sends its counts in batches (VIEW_FLUSH_MS); wait for them.
  int64_t views = 0;
  for (int attempt = 0; attempt < 50 && views < 4; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Response stats = admin.get("/api/v1/admin/stats?type=grant");
    REQUIRE(stats.status == 200);
    for (const auto& t : stats.json()["top"])
      if (t["item_id"] == id) views = std::stoll(t["views"].get<std::string>());
  }
  CHECK(views == 4);  // one per visitor and half hour
  Response csv = admin.get("/api/v1/admin/stats/export?type=grant");
  REQUIRE(csv.status == 200);
  CHECK(csv.body.rfind("\xEF\xBB\xBF", 0) == 0);
  CHECK(csv.body.find(",grant," + id + ",4\r\n") != std::string::npos);

  CHECK(member.get("/api/v1/admin/stats").status == 403);
  CHECK(anyone.get("/api/v1/admin/stats/export").status == 401);
  CHECK(admin.get("/api/v1/admin/stats?from=2026-02-30").status == 400);
  CHECK(admin.get("/api/v1/admin/stats?from=2026-03-01&to=2026-02-01").status == 400);
  CHECK(admin.get("/api/v1/admin/stats?type=Grant;--").status == 400);
}

TEST_CASE("library books: staff catalogue and publish, the public searches, receipt numbers are unique", "[e2e][SEC-11]") {
  std::string token = unique("");
  std::string receipt = "R-" + token;
  Client anyone, member, admin;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  ready_admin(admin, unique("admin_"));
  nlohmann::json book = {{"title", "NPOの会計入門 " + token}, {"author", "山口 花子"}, {"publisher", "市民出版"},
                         {"published_on", "2021-04"}, {"receipt_number", receipt}, {"description", "小さな団体の会計"}};
  CHECK(member.post("/api/v1/admin/books", {{"book", book}}).status == 403);
  Response created = admin.post("/api/v1/admin/books", {{"book", book}});
  REQUIRE(created.status == 201);
  std::string id = created.json()["id"];
  CHECK(admin.post("/api/v1/admin/books", {{"book", book}}).status == 409);  // the receipt number is taken
  CHECK(anyone.get("/api/v1/books/" + id).status == 404);
  CHECK(anyone.get("/api/v1/books?q=" + token).json()["total_size"] == 0);
  REQUIRE(admin.post("/api/v1/admin/books/" + id + "/publish").status == 200);
  CHECK(anyone.get("/api/v1/books?q=%E4%BC%9A+" + token).json()["total_size"] == 1);  // 会 (1 character)
  Response shown = anyone.get("/api/v1/books/" + id);
  REQUIRE(shown.status == 200);
  CHECK(shown.json()["author"] == "山口 花子");
  CHECK_FALSE(shown.json().contains("state"));
  // 詳細検索: author and publisher by any part (any width), year of publication.
  CHECK(anyone.get("/api/v1/books?author=%E8%8A%B1%E5%AD%90&q=" + token).json()["total_size"] == 1);  // 花子
  CHECK(anyone.get("/api/v1/books?author=%E5%A4%AA%E9%83%8E&q=" + token).json()["total_size"] == 0);  // 太郎
  CHECK(anyone.get("/api/v1/books?publisher=%E5%B8%82%E6%B0%91&year=2021&q=" + token).json()["total_size"] == 1);
  CHECK(anyone.get("/api/v1/books?year=2020&q=" + token).json()["total_size"] == 0);
  CHECK(anyone.get("/api/v1/books?year=21").status == 400);
  // Staff search their list (any state) the same way.
  CHECK(admin.get("/api/v1/admin/books?author=%EF%BC%88%E8%8A%B1%E5%AD%90&q=" + token).json()["total_size"] == 0);
  CHECK(admin.get("/api/v1/admin/books?author=%E8%8A%B1%E5%AD%90&q=" + token).json()["total_size"] == 1);
  CHECK(admin.get("/api/v1/admin/books?publisher=%E5%B8%82%E6%B0%91&year=2021&q=" + token).json()["total_size"] == 1);
  CHECK(admin.get("/api/v1/admin/books?year=2020&q=" + token).json()["total_size"] == 0);
  CHECK(admin.get("/api/v1/admin/books?year=21").status == 400);

  nlohmann::json bad = book;
  bad["title"] = "";
  bad["published_on"] = "2021-13";
  bad["receipt_number"] = "R 1/..";
  CHECK(error_fields(admin.post("/api/v1/admin/books", {{"book", bad}})) ==
        std::set<std::string>{"book.title", "book.published_on", "book.receipt_number"});
  Response archived = admin.post("/api/v1/admin/books/" + id + "/archive");
  REQUIRE(archived.status == 200);
  CHECK(anyone.get("/api/v1/books/" + id).status == 404);
  nlohmann::json late = book;
  late["version"] = archived.json()["version"];
  CHECK(admin.request("PUT", "/api/v1/admin/books/" + id, nlohmann::json{{"book", late}}.dump()).status == 400);  // restore first
  CHECK(admin.post("/api/v1/admin/books/" + id + "/archive").status == 400);
}

TEST_CASE("activity reports: photos need alternative text, drafts and archived reports stay private", "[e2e]") {
  std::string token = unique("");
  Client anyone, member, admin;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  ready_admin(admin, unique("admin_"));
  nlohmann::json report = {{"title", "川の清掃活動 " + token}, {"content", "30人で河川敷のごみを拾いました"},
                           {"organization", "椹野川を守る会"}, {"organization_kana", "ふしのがわをまもるかい"},
                           {"held_on", "2026-10-04"}, {"time", "9:00〜11:00"}, {"place", "山口市"},
                           {"headcount", 30}, {"url", "https://example.jp/river"}};
  CHECK(member.post("/api/v1/admin/reports", {{"report", report}}).status == 403);
  Response created = admin.post("/api/v1/admin/reports", {{"report", report}});
  REQUIRE(created.status == 201);
  std::string id = created.json()["id"];
  std::string photos = "/api/v1/admin/reports/" + id + "/photos";
  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(32, '\0');
  CHECK(error_fields(post_form(admin, photos, {{"alt", ""}}, "river.png", "image/png", png)) == std::set<std::string>{"alt"});
  CHECK(error_fields(post_form(admin, photos, {{"alt", "河川敷"}}, "river.png", "image/png", "MZ\x90\x00 not an image")) ==
        std::set<std::string>{"file"});
  Response photo = post_form(admin, photos, {{"alt", "ごみ袋を手にした参加者たち"}}, "river.png", "image/png", png);
  REQUIRE(photo.status == 201);
  std::string photo_path = "/api/v1/reports/" + id + "/photos/" + photo.json()["id"].get<std::string>();
  CHECK(anyone.get("/api/v1/reports/" + id).status == 404);
  CHECK(anyone.get(photo_path).status == 404);  // a draft's photo is not public either

  REQUIRE(admin.post("/api/v1/admin/reports/" + id + "/publish").status == 200);
  Response shown = anyone.get("/api/v1/reports/" + id);
  REQUIRE(shown.status == 200);
  CHECK(shown.json()["photos"][0]["alt"] == "ごみ袋を手にした参加者たち");
  CHECK(shown.json()["headcount"] == 30);
  CHECK(anyone.get(photo_path).body == png);
  CHECK(anyone.get("/api/v1/reports?q=%E6%B8%85%E6%8E%83+" + token).json()["total_size"] == 1);  // 清掃
  CHECK(anyone.get("/api/v1/reports?state=draft").status == 400);

  nlohmann::json bad = report;
  bad["held_on"] = "2026-02-30";
  bad["headcount"] = -1;
  bad["url"] = "ftp://example.jp";
  bad["content"] = "";
  CHECK(error_fields(admin.post("/api/v1/admin/reports", {{"report", bad}})) ==
        std::set<std::string>{"report.held_on", "report.headcount", "report.url", "report.content"});
  REQUIRE(admin.post("/api/v1/admin/reports/" + id + "/archive").status == 200);
  CHECK(anyone.get("/api/v1/reports/" + id).status == 404);
}

TEST_CASE("the public submits grants and activity reports: review, receipt, centre notice, sealed address", "[e2e]") {
  Client admin;
  ready_admin(admin, unique("admin_"));
  std::string token = unique("");
  nlohmann::json g = grant("公募の助成 " + token, time::tokyo_date(40));
  nlohmann::json r = {{"title", "公募の活動報告 " + token}, {"content", "公園の花壇を手入れしました"},
                      {"organization", "花の会"}};
  for (const auto& [kind, body] : std::vector<std::pair<std::string, nlohmann::json>>{{"grants", g}, {"reports", r}}) {
    INFO(kind);
    std::string wrapper = kind == "grants" ? "grant" : "report";
    std::string submitter = unique("sub_") + "@example.jp";
    Response missing = Client().post("/api/v1/" + kind, {{wrapper, body}});
    CHECK(missing.status == 400);
    CHECK(error_fields(missing) == std::set<std::string>{wrapper + ".submitter_name", wrapper + ".submitter_email"});

    nlohmann::json sent = body;
    sent["submitter_name"] = "花田 一郎";
    sent["submitter_email"] = submitter;
    Response created = Client().post("/api/v1/" + kind, {{wrapper, sent}});
    REQUIRE(created.status == 201);
    CHECK(created.json()["state"] == "review");
    std::string id = created.json()["id"];
    CHECK(wait_for_mail(submitter, "掲載依頼を受け付けました"));
    CHECK(wait_for_mail("centre@civic.example.jp", "/admin/" + kind + "/" + id));
    CHECK(Client().get("/api/v1/" + kind + "/" + id).status == 404);  // not public before review

    Response staff_view = admin.get("/api/v1/admin/" + kind + "/" + id);
    REQUIRE(staff_view.status == 200);
    CHECK(staff_view.json()["submitter_email"] == submitter);
    Response public_view;
    REQUIRE(admin.post("/api/v1/admin/" + kind + "/" + id + "/publish").status == 200);
    CHECK(wait_for_mail(submitter, "/" + kind + "/" + id));
    public_view = Client().get("/api/v1/" + kind + "/" + id);
    REQUIRE(public_view.status == 200);
    CHECK(public_view.body.find(submitter) == std::string::npos);
    CHECK(public_view.body.find("花田") == std::string::npos);

    db::Pool pool(env("TEST_GRANTS_DB_URL"), 1);
    pool.read([&](db::Tx& tx) {
      db::Result row = tx.exec("SELECT email_sealed FROM submitters WHERE id = $1::uuid", id);
      REQUIRE(row.size() == 1);
      CHECK(row[0].bytes(0).find(submitter) == std::string::npos);
    });
  }
}
