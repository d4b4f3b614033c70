// Content service end to end: taxonomies as data (public reads, admin edits with
// optimistic locking, codes validated for other services over gRPC) and the versioned
// terms of use.
#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>

#include "civic/content.grpc.pb.h"
#include "client.h"
#include "fixtures.h"
#include "rpc/principal.h"

using namespace civic;
using namespace civic::e2e;

namespace {

std::set<std::string> codes_of(const nlohmann::json& taxonomy) {
  std::set<std::string> out;
  for (const auto& t : taxonomy["terms"]) out.insert(t["code"].get<std::string>());
  return out;
}

std::vector<std::string> unknown_codes(const std::string& name, const std::vector<std::string>& codes,
                                       const std::string& site = "") {
  auto stub = civic::content::ContentService::NewStub(
      grpc::CreateChannel(env("CONTENT_SERVICE_ADDR"), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  civic::rpc::Principal service;
  service.set_caller("directory");
  civic::rpc::attach(ctx, service, env("INTERNAL_HMAC_KEY"));
  civic::content::ValidateCodesRequest req;
  req.set_name(name);
  req.set_site(site);
  for (const auto& c : codes) req.add_codes(c);
  civic::content::ValidateCodesResponse resp;
  grpc::Status st = stub->ValidateCodes(&ctx, req, &resp);
  REQUIRE(st.ok());
  return {resp.unknown().begin(), resp.unknown().end()};
}

} // namespace

TEST_CASE("the seeded taxonomies are public, in order, and filtered by site", "[e2e]") {
  Client anyone;
  Response r = anyone.get("/api/v1/taxonomies/municipalities");
  REQUIRE(r.status == 200);
  auto munis = r.json();
  REQUIRE(munis["terms"].size() == 19);
  CHECK(munis["terms"][0]["label"] == "下関市");
  CHECK(munis["terms"][18]["label"] == "阿武町");
  CHECK(anyone.get("/api/v1/taxonomies/fields?site=supernet").json()["terms"].size() == 19);
  CHECK(anyone.get("/api/v1/taxonomies/fields?site=aikasanet").json()["terms"].size() == 20);
  CHECK(anyone.get("/api/v1/taxonomies/prefectures").json()["terms"].size() == 48);
  CHECK(anyone.get("/api/v1/taxonomies/budget_bands").json()["terms"].size() == 7);
  CHECK(anyone.get("/api/v1/taxonomies").json()["items"].size() >= 14);
  CHECK(anyone.get("/api/v1/taxonomies/no_such_list").status == 404);
  CHECK(anyone.get("/api/v1/taxonomies/fields?site=elsewhere").status == 400);

  CHECK(unknown_codes("municipalities", {"hagi", "ube", "atlantis"}) == std::vector<std::string>{"atlantis"});
  CHECK(unknown_codes("fields", {"f20"}, "supernet") == std::vector<std::string>{"f20"});  // Aikasanet only
  CHECK(unknown_codes("fields", {"f20"}, "aikasanet").empty());
}

TEST_CASE("only admins edit a taxonomy, stale versions and bad terms change nothing", "[e2e]") {
  Client admin;
  ready_admin(admin, unique("admin_"));
  nlohmann::json before = admin.get("/api/v1/taxonomies/probono_fields").json();
  int version = before["version"];
  nlohmann::json terms = before["terms"];

  Client member;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  nlohmann::json same = {{"terms", terms}, {"version", version}};
  CHECK(member.request("PUT", "/api/v1/admin/taxonomies/probono_fields", same.dump()).status == 403);
  CHECK(Client().request("PUT", "/api/v1/admin/taxonomies/probono_fields", same.dump()).status == 401);

  nlohmann::json bad = {{"version", version},
                        {"terms", {{{"code", "Bad Code!"}, {"label", "x"}},
                                   {{"code", "dup"}, {"label", "a\u0007b"}},
                                   {{"code", "dup"}, {"label", "y"}, {"sites", {"mars"}}},
                                   {{"code", "long"}, {"label", std::string(101, 'x')}}}}};
  Response r = admin.request("PUT", "/api/v1/admin/taxonomies/probono_fields", bad.dump());
  REQUIRE(r.status == 400);
  CHECK(error_fields(r) == std::set<std::string>{"terms[0].code", "terms[1].label", "terms[2].code", "terms[2].sites[0]",
                                        "terms[3].label"});

  // Drop "other", add "nursing".
  nlohmann::json edited = nlohmann::json::array();
  for (const auto& t : terms)
    if (t["code"] != "other") edited.push_back({{"code", t["code"]}, {"label", t["label"]}, {"sites", t["sites"]}});
  edited.push_back({{"code", "nursing"}, {"label", "介護・看護"}, {"sites", {"aikasanet"}}});
  r = admin.request("PUT", "/api/v1/admin/taxonomies/probono_fields", nlohmann::json({{"terms", edited}, {"version", version}}).dump());
  REQUIRE(r.status == 200);
  CHECK(r.json()["version"] == version + 1);
  CHECK(admin.request("PUT", "/api/v1/admin/taxonomies/probono_fields",
                      nlohmann::json({{"terms", edited}, {"version", version}}).dump()).status == 409);

  auto visible = codes_of(Client().get("/api/v1/taxonomies/probono_fields").json());
  CHECK(visible.count("nursing"));
  CHECK_FALSE(visible.count("other"));
  CHECK(codes_of(admin.get("/api/v1/taxonomies/probono_fields").json()).count("other"));  // kept, inactive
  CHECK(unknown_codes("probono_fields", {"other", "nursing"}) == std::vector<std::string>{"other"});

  // Put the defaults back for the other tests.
  r = admin.request("PUT", "/api/v1/admin/taxonomies/probono_fields",
                    nlohmann::json({{"terms", terms}, {"version", version + 1}}).dump());
  CHECK(r.status == 200);
}

TEST_CASE("terms of use are versioned: admins publish, everyone reads the current one", "[e2e]") {
  Client anyone;
  Response current = anyone.get("/api/v1/terms-of-use/aikasanet");
  REQUIRE(current.status == 200);
  int version = current.json()["version"];
  CHECK(version >= 1);
  CHECK(anyone.get("/api/v1/terms-of-use/elsewhere").status == 400);

  Client member;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  nlohmann::json doc = {{"title", "利用規約（改定）"}, {"body", "第1条 この規約は…"}};
  CHECK(member.post("/api/v1/admin/terms-of-use/aikasanet", doc).status == 403);
  CHECK(member.get("/api/v1/admin/terms-of-use/aikasanet").status == 403);

  Client admin;
  ready_admin(admin, unique("admin_"));
  CHECK(admin.post("/api/v1/admin/terms-of-use/aikasanet", {{"title", ""}, {"body", ""}}).status == 400);
  Response published = admin.post("/api/v1/admin/terms-of-use/aikasanet", doc);
  REQUIRE(published.status == 201);
  CHECK(published.json()["version"].get<int>() > version);
  CHECK(anyone.get("/api/v1/terms-of-use/aikasanet").json()["title"] == "利用規約（改定）");
  CHECK(admin.get("/api/v1/admin/terms-of-use/aikasanet").json()["items"].size() >= 2);
}

namespace {
const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(64, '\0');
} // namespace

TEST_CASE("articles: editors write and publish, drafts and archived items stay private, slugs are safe", "[e2e]") {
  std::string token = unique("");
  std::string slug = "about-" + token.substr(token.size() - 8);
  for (auto& ch : slug) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  Client anyone, member, admin, editor;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  ready_admin(admin, unique("admin_"));
  ready_editor(admin, editor, unique("editor_"));

  nlohmann::json page = {{"site", "supernet"}, {"kind", "page"}, {"slug", slug}, {"title", "センターについて"},
                         {"body", "県民活動支援センターの紹介" + token}};
  CHECK(member.post("/api/v1/admin/articles", {{"article", page}}).status == 403);
  CHECK(anyone.post("/api/v1/admin/articles", {{"article", page}}).status == 401);
  Response created = editor.post("/api/v1/admin/articles", {{"article", page}});
  REQUIRE(created.status == 201);
  std::string id = created.json()["id"];
  CHECK(editor.post("/api/v1/admin/articles", {{"article", page}}).status == 409);  // the slug is taken
  CHECK(anyone.get("/api/v1/pages/" + slug).status == 404);                           // a draft
  CHECK(anyone.get("/api/v1/articles/" + id).status == 404);
  CHECK(member.post("/api/v1/admin/articles/" + id + "/publish").status == 403);

  // An image needs its alternative text; only PNG and JPEG content.
  std::string images = "/api/v1/admin/articles/" + id + "/images";
  CHECK(error_fields(post_form(editor, images, {{"alt", ""}}, "map.png", "image/png", kPng)) == std::set<std::string>{"alt"});
  CHECK(error_fields(post_form(editor, images, {{"alt", "地図"}}, "map.png", "image/png", "<svg onload=alert(1)>")) ==
        std::set<std::string>{"file"});
  CHECK(post_form(member, images, {{"alt", "地図"}}, "map.png", "image/png", kPng).status == 403);
  Response image = post_form(editor, images, {{"alt", "センターまでの地図"}}, "map.png", "image/png", kPng);
  REQUIRE(image.status == 201);

  REQUIRE(editor.post("/api/v1/admin/articles/" + id + "/publish").status == 200);
  Response shown = anyone.get("/api/v1/pages/" + slug + "?site=supernet");
  REQUIRE(shown.status == 200);
  CHECK(shown.json()["title"] == "センターについて");
  REQUIRE(shown.json()["images"].size() == 1);
  CHECK(shown.json()["images"][0]["alt"] == "センターまでの地図");
  CHECK_FALSE(shown.json().contains("state"));
  Response file = anyone.get("/api/v1/articles/" + id + "/images/" + image.json()["id"].get<std::string>());
  REQUIRE(file.status == 200);
  CHECK(file.body == kPng);
  CHECK(anyone.get("/api/v1/pages/" + slug + "?site=aikasanet").status == 404);  // another site's page

  // A second image on the published page: its detail and list item, just shown from
  // memory, list both at once (the image moves the article's stamp, ADR 0027).
  CHECK(anyone.get("/api/v1/articles/" + id).json()["images"].size() == 1);
  CHECK(anyone.get("/api/v1/articles?kind=page&q=" + token).json()["items"][0]["images"].size() == 1);
  REQUIRE(post_form(editor, images, {{"alt", "センターの外観"}}, "front.png", "image/png", kPng).status == 201);
  CHECK(anyone.get("/api/v1/articles/" + id).json()["images"].size() == 2);
  CHECK(anyone.get("/api/v1/articles?kind=page&q=" + token).json()["items"][0]["images"].size() == 2);

  // A path or control characters in a slug are refused before any lookup.
  for (const char* bad : {"..%2F..%2Fetc%2Fpasswd", "%2E%2E", "about%00", "about%0D%0A", "About", "a--b", "-a"}) {
    INFO(bad);
    Response r = anyone.get(std::string("/api/v1/pages/") + bad);
    CHECK((r.status == 400 || r.status == 404));
    if (r.status == 400) CHECK(error_fields(r) == std::set<std::string>{"slug"});
  }
  CHECK(error_fields(editor.post("/api/v1/admin/articles", {{"article", {{"site", "supernet"}, {"kind", "page"},
                                                                       {"slug", "../x"}, {"title", "t"}, {"body", "b"}}}})) ==
        std::set<std::string>{"article.slug"});

  nlohmann::json notice = {{"site", "both"}, {"kind", "notice"}, {"title", "年末年始の休館" + token}, {"body", "12月29日から休館します"}};
  Response n = editor.post("/api/v1/admin/articles", {{"article", notice}});
  REQUIRE(n.status == 201);
  std::string notice_id = n.json()["id"];
  REQUIRE(editor.post("/api/v1/admin/articles/" + notice_id + "/publish").status == 200);
  for (const char* site : {"supernet", "aikasanet"})
    CHECK(anyone.get(std::string("/api/v1/notices?site=") + site + "&q=" + token).json()["total_size"] == 1);
  CHECK(anyone.get("/api/v1/center-news?q=" + token).json()["total_size"] == 0);
  CHECK(anyone.get("/api/v1/articles?kind=notice").status == 400);  // notices have their own path
  REQUIRE(admin.post("/api/v1/admin/articles/" + notice_id + "/archive").status == 200);
  CHECK(anyone.get("/api/v1/notices?q=" + token).json()["total_size"] == 0);
  CHECK(anyone.get("/api/v1/articles/" + notice_id).status == 404);
  Response history = admin.get("/api/v1/admin/articles/" + notice_id + "/history");
  REQUIRE(history.status == 200);
  CHECK(history.json()["items"].size() == 3);  // create, publish, archive
}

TEST_CASE("each site's emergency notice and variable block: staff edit them, everyone reads them", "[e2e]") {
  Client anyone, member, editor, admin;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  ready_admin(admin, unique("admin_"));
  ready_editor(admin, editor, unique("editor_"));
  Response current = anyone.get("/api/v1/site/aikasanet/blocks");
  REQUIRE(current.status == 200);
  nlohmann::json blocks = {{"emergency_enabled", true}, {"emergency_title", "大雨による活動中止"},
                           {"emergency_body", "本日の活動はすべて中止です"}, {"variable", {{"text", "今月の特集"}}},
                           {"version", current.json()["version"]}};
  CHECK(member.request("PUT", "/api/v1/admin/site/aikasanet/blocks", nlohmann::json{{"blocks", blocks}}.dump()).status == 403);
  nlohmann::json untitled = blocks;
  untitled["emergency_title"] = "";
  CHECK(error_fields(editor.request("PUT", "/api/v1/admin/site/aikasanet/blocks", nlohmann::json{{"blocks", untitled}}.dump())) ==
        std::set<std::string>{"blocks.emergency_title"});
  REQUIRE(editor.request("PUT", "/api/v1/admin/site/aikasanet/blocks", nlohmann::json{{"blocks", blocks}}.dump()).status == 200);
  CHECK(editor.request("PUT", "/api/v1/admin/site/aikasanet/blocks", nlohmann::json{{"blocks", blocks}}.dump()).status == 409);
  Response shown = anyone.get("/api/v1/site/aikasanet/blocks");
  CHECK(shown.json()["emergency_title"] == "大雨による活動中止");
  CHECK(anyone.get("/api/v1/site/supernet/blocks").json()["emergency_title"] != "大雨による活動中止");  // per site
  CHECK(anyone.get("/api/v1/site/elsewhere/blocks").status == 400);
  blocks["emergency_enabled"] = false;
  blocks["version"] = shown.json()["version"];
  CHECK(editor.request("PUT", "/api/v1/admin/site/aikasanet/blocks", nlohmann::json{{"blocks", blocks}}.dump()).status == 200);
}

TEST_CASE("「form」 articles host application forms: PDF, DOCX or XLSX by content, served as downloads", "[e2e][SEC-12][SEC-13]") {
  Client admin, member, anyone;
  ready_admin(admin, unique("admin_"));
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  std::string token = unique("");
  Response form = admin.post("/api/v1/admin/articles", {{"article", {{"site", "supernet"}, {"kind", "form"},
                                                                     {"title", "助成金申請書 " + token},
                                                                     {"body", "様式をダウンロードしてください"}}}});
  REQUIRE(form.status == 201);
  std::string id = form.json()["id"];
  std::string files = "/api/v1/admin/articles/" + id + "/files";
  std::string pdf = std::string("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj<<>>endobj\n", 31);

  std::string exe = std::string("MZ\x90\x00\x03\x00\x00\x00", 8) + "This program cannot be run in DOS mode.";
  Response disguised = post_form(admin, files, {{"title", "申請書"}}, "申請書.pdf", "application/pdf", exe);
  CHECK(disguised.status == 400);
  CHECK(error_fields(disguised) == std::set<std::string>{"file"});
  CHECK(error_fields(post_form(admin, files, {{"title", ""}}, "a.pdf", "application/pdf", pdf)) ==
        std::set<std::string>{"title"});
  CHECK(post_form(member, files, {{"title", "申請書"}}, "a.pdf", "application/pdf", pdf).status == 403);
  Response notice = admin.post("/api/v1/admin/articles", {{"article", {{"site", "supernet"}, {"kind", "notice"},
                                                                       {"title", "お知らせ"}, {"body", "本文"}}}});
  REQUIRE(notice.status == 201);
  CHECK(post_form(admin, "/api/v1/admin/articles/" + notice.json()["id"].get<std::string>() + "/files",
                  {{"title", "申請書"}}, "a.pdf", "application/pdf", pdf)
            .status == 400);  // only 「form」 articles carry forms

  Response up = post_form(admin, files, {{"title", "申請書（様式第1号）"}}, "../様式第1号.pdf", "text/html", pdf);
  REQUIRE(up.status == 201);
  std::string file = "/api/v1/articles/" + id + "/files/" + up.json()["id"].get<std::string>();
  CHECK(up.json()["content_type"] == "application/pdf");
  CHECK(up.json()["size"] == int(pdf.size()));
  CHECK(anyone.get(file).status == 404);  // a draft's forms are not public
  REQUIRE(admin.post("/api/v1/admin/articles/" + id + "/publish").status == 200);
  Response shown = anyone.get("/api/v1/articles/" + id);
  REQUIRE(shown.status == 200);
  CHECK(shown.json()["files"][0]["title"] == "申請書（様式第1号）");
  CHECK(shown.json()["files"][0]["size"] == int(pdf.size()));
  Response download = anyone.get(file);
  REQUIRE(download.status == 200);
  CHECK(download.body == pdf);
  CHECK(download.header("content-disposition").rfind("attachment;", 0) == 0);
  CHECK(download.header("content-disposition").find("..") == std::string::npos);

  CHECK(member.del("/api/v1/admin/articles/" + id + "/files/" + up.json()["id"].get<std::string>()).status == 403);
  CHECK(admin.del("/api/v1/admin/articles/" + id + "/files/" + up.json()["id"].get<std::string>()).status == 204);
  CHECK(anyone.get(file).status == 404);
}

TEST_CASE("the variable block carries text, links and a frame of an allowed host only", "[e2e][SEC-5][SEC-15]") {
  Client anyone, member, editor, admin;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  ready_admin(admin, unique("vb_admin_"));
  ready_editor(admin, editor, unique("vb_editor_"));
  std::string path = "/api/v1/admin/site/supernet/blocks";
  auto put = [&](Client& c, const nlohmann::json& variable) {
    nlohmann::json blocks = anyone.get("/api/v1/site/supernet/blocks").json();
    blocks["variable"] = variable;
    return c.put(path, {{"blocks", blocks}});
  };
  std::string calendar = "https://calendar.google.com/calendar/embed?src=center%40example.jp";
  nlohmann::json variable = {{"text", "プリンター・Zoom部屋の予約状況"},
                             {"links", {{{"label", "予約のしかた"}, {"url", "https://example.jp/booking"}}}},
                             {"embed_url", calendar},
                             {"embed_title", "センター設備の予約カレンダー"}};
  // Every item checked; a frame only of an allowed host, over https, without user or port.
  nlohmann::json bad = variable;
  bad["links"] = {{{"label", ""}, {"url", "javascript:alert(1)"}}};
  bad["embed_title"] = "";
  CHECK(error_fields(put(editor, bad)) == std::set<std::string>{"blocks.variable.links[0].label",
                                                               "blocks.variable.links[0].url",
                                                               "blocks.variable.embed_title"});
  for (std::string url : {"https://evil.example/calendar", "http://calendar.google.com/x",
                          "https://calendar.google.com@evil.example/", "https://calendar.google.com:8443/x",
                          "https://calendar.google.com.evil.example/"}) {
    INFO(url);
    bad = variable;
    bad["embed_url"] = url;
    CHECK(error_fields(put(editor, bad)) == std::set<std::string>{"blocks.variable.embed_url"});
  }
  CHECK(put(member, variable).status == 403);
  REQUIRE(put(editor, variable).status == 200);
  nlohmann::json shown = anyone.get("/api/v1/site/supernet/blocks").json()["variable"];
  CHECK(shown["text"] == "プリンター・Zoom部屋の予約状況");
  CHECK(shown["links"][0]["url"] == "https://example.jp/booking");
  CHECK(shown["embed_url"] == calendar);
  CHECK(anyone.get("/api/v1/home?site=supernet").json()["blocks"]["variable"]["embed_title"] == "センター設備の予約カレンダー");

  // Admins keep the allow-list; a host taken off it stops the frame at once.
  nlohmann::json site = anyone.get("/api/v1/site").json();
  CHECK(site["embed_hosts"] == nlohmann::json::array({"calendar.google.com"}));
  nlohmann::json hosts = {{"hosts", {"calendar.google.com", "Bad Host"}}, {"version", site["version"]}};
  CHECK(editor.put("/api/v1/admin/site/embed-hosts", hosts).status == 403);  // admins only
  CHECK(error_fields(admin.put("/api/v1/admin/site/embed-hosts", hosts)) == std::set<std::string>{"hosts[1]"});
  hosts["hosts"] = {"reserve.example.jp"};
  Response changed = admin.put("/api/v1/admin/site/embed-hosts", hosts);
  REQUIRE(changed.status == 200);
  CHECK(admin.put("/api/v1/admin/site/embed-hosts", hosts).status == 409);  // the version moved on
  CHECK(anyone.get("/api/v1/site/supernet/blocks").json()["variable"]["embed_url"] == "");
  hosts = {{"hosts", {"calendar.google.com"}}, {"version", changed.json()["version"]}};
  REQUIRE(admin.put("/api/v1/admin/site/embed-hosts", hosts).status == 200);  // as it was
  CHECK(anyone.get("/api/v1/site/supernet/blocks").json()["variable"]["embed_url"] == calendar);
}
