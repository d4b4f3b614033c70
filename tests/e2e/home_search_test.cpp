// The composite reads: each site's home page in one call, and the site-wide search
// across organisations, grants and articles, merged by relevance then recency.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "client.h"
#include "core/time.h"
#include "fixtures.h"

using namespace civic;
using namespace civic::e2e;

TEST_CASE("one search box finds organisations, grants and notices, title hits first", "[e2e]") {
  std::string token = unique("");
  Client anyone, admin;
  ready_admin(admin, unique("admin_"));
  nlohmann::json grant = {{"funder", "山口県"}, {"name", "防災の助成 " + token}, {"purpose", "地域の防災活動を応援します"},
                          {"application_end", "2099-12-31"}};
  Response g = admin.post("/api/v1/admin/grants", {{"grant", grant}});
  REQUIRE(g.status == 201);
  REQUIRE(admin.post("/api/v1/admin/grants/" + g.json()["id"].get<std::string>() + "/publish").status == 200);
  nlohmann::json notice = {{"site", "supernet"}, {"kind", "notice"}, {"title", "説明会のお知らせ"},
                           {"body", "助成金の説明会を開きます。" + token}};
  Response n = admin.post("/api/v1/admin/articles", {{"article", notice}});
  REQUIRE(n.status == 201);
  REQUIRE(admin.post("/api/v1/admin/articles/" + n.json()["id"].get<std::string>() + "/publish").status == 200);

  Response r = anyone.get("/api/v1/search?q=" + token);
  REQUIRE(r.status == 200);
  CHECK(r.json()["partial"] == false);
  REQUIRE(r.json()["items"].size() == 2);
  CHECK(r.json()["items"][0]["type"] == "grant");   // the keyword is in its title
  CHECK(r.json()["items"][1]["type"] == "notice");  // only in the body
  CHECK(r.json()["totals"]["grants"] == 1);
  CHECK(r.json()["totals"]["organizations"] == 0);
  CHECK(r.json()["totals"]["notices"] == 1);
  for (const char* empty : {"books", "reports", "events", "recruitments", "center_news", "interview", "faq", "page", "link",
                            "form"})
    CHECK(r.json()["totals"][empty] == 0);
  CHECK(r.json()["totals"].size() == 13);  // every section answered, under its list's name
  CHECK_FALSE(r.json()["totals"].contains("members"));  // Aikasanet's search only

  CHECK(anyone.get("/api/v1/search").status == 400);  // a keyword is required
  CHECK(anyone.get("/api/v1/search?q=" + std::string(101, 'x')).status == 400);
  CHECK(anyone.get("/api/v1/search?q=a&site=mars").status == 400);
  CHECK(anyone.get("/api/v1/search?q=a&debug=1").status == 400);
  CHECK(anyone.get("/api/v1/search?q=%FF%FE").status == 400);  // not UTF-8
}

TEST_CASE("each site's home page comes in one call with its sections", "[e2e]") {
  Client anyone;
  Response supernet = anyone.get("/api/v1/home?site=supernet");
  REQUIRE(supernet.status == 200);
  CHECK(supernet.json()["partial"] == false);
  for (const char* section : {"organizations", "events", "grants", "notices", "blocks", "newest_events", "center_news"}) {
    INFO(section);
    CHECK(supernet.json().contains(section));
  }
  CHECK(supernet.json()["organizations"]["items"].size() <= 3);
  CHECK(supernet.json()["blocks"]["site"] == "supernet");
  Response aikasanet = anyone.get("/api/v1/home?site=aikasanet");
  REQUIRE(aikasanet.status == 200);
  CHECK(aikasanet.json()["members"]["items"].size() <= 6);
  CHECK(aikasanet.json()["member_counts"].contains("individual"));
  CHECK(aikasanet.json()["member_counts"].contains("group"));
  CHECK(aikasanet.json().contains("recruitments"));
  CHECK(aikasanet.json()["recruitments"]["items"].size() <= 3);
  CHECK(aikasanet.json()["member_counts"].contains("company"));
  CHECK(anyone.get("/api/v1/home?site=other").status == 400);
  CHECK(anyone.request("POST", "/api/v1/home", "{}", {"X-Requested-With: t", "Content-Type: application/json"}).status == 405);
}

TEST_CASE("the search dictionary: staff keep it, and either form finds both in every public search", "[e2e]") {
  std::string tag = unique("");
  std::string kanji = "山彦" + tag, kana = "やまびこ" + tag;  // words only this test uses
  Client anyone, admin, member;
  ready_admin(admin, unique("dict_admin_"));
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  nlohmann::json grant = {{"funder", "山口県"}, {"name", "地域の助成 " + tag},
                          {"purpose", kanji + "の会と子ども食堂を応援します"}, {"application_end", "2099-12-31"}};
  Response g = admin.post("/api/v1/admin/grants", {{"grant", grant}});
  REQUIRE(g.status == 201);
  REQUIRE(admin.post("/api/v1/admin/grants/" + g.json()["id"].get<std::string>() + "/publish").status == 200);
  nlohmann::json ev = supernet_event("交流会" + tag, unique("dict_ev_") + "@example.jp", time::tokyo_date(-10));
  ev["content"] = kanji + "と歩く自然観察会";
  Response e = anyone.post("/api/v1/events", {{"event", ev}});
  REQUIRE(e.status == 201);
  REQUIRE(admin.post("/api/v1/admin/events/" + e.json()["id"].get<std::string>() + "/publish").status == 200);
  auto total = [&](const std::string& path, const std::string& q) {
    return anyone.get(path + "?q=" + url_encode(q)).json()["total_size"].get<int>();
  };

  // Seeded: 子供/子ども/こども — today's 子ども finds with any form.
  CHECK(total("/api/v1/grants", "子供食堂 " + tag) == 1);
  CHECK(total("/api/v1/grants", "こども食堂 " + tag) == 1);
  // Not in the dictionary yet: the other form finds nothing.
  CHECK(total("/api/v1/grants", kana) == 0);
  Response before = anyone.get("/api/v1/search-variants");
  REQUIRE(before.status == 200);
  nlohmann::json original = before.json();
  CHECK(original["groups"][1]["words"] == nlohmann::json::array({"子供", "子ども", "こども"}));

  // Staff only; every word checked; one word in one group only; the version guards.
  nlohmann::json groups = original["groups"];
  groups.push_back({{"words", {kanji, kana}}});
  nlohmann::json put = {{"groups", groups}, {"version", original["version"]}};
  CHECK(member.put("/api/v1/admin/search-variants", put).status == 403);
  CHECK(anyone.put("/api/v1/admin/search-variants", put).status == 401);
  nlohmann::json bad = put;
  bad["groups"].push_back({{"words", {"ひとつ"}}});
  bad["groups"].push_back({{"words", {"子供", "こどもたち"}}});
  bad["groups"].push_back({{"words", {"二つの 語", std::string(41, 'x')}}});
  size_t n = groups.size();
  auto at = [&](size_t i, const std::string& rest) { return "groups[" + std::to_string(i) + "]" + rest; };
  CHECK(error_fields(admin.put("/api/v1/admin/search-variants", bad)) ==
        std::set<std::string>{at(n, ".words"), at(n + 1, ".words[0]"), at(n + 2, ".words[0]"), at(n + 2, ".words[1]")});
  bad = put;
  bad["version"] = original["version"].get<int>() + 7;
  CHECK(admin.put("/api/v1/admin/search-variants", bad).status == 409);
  CHECK(anyone.get("/api/v1/search-variants").json()["version"] == original["version"]);  // nothing changed

  Response saved = admin.put("/api/v1/admin/search-variants", put);
  REQUIRE(saved.status == 200);
  CHECK(saved.json()["version"] == original["version"].get<int>() + 1);
  // Either form now finds both, in the lists and the site-wide search.
  CHECK(total("/api/v1/grants", kana) == 1);
  CHECK(total("/api/v1/grants", kanji) == 1);
  CHECK(total("/api/v1/events", kana) == 1);
  Response site = anyone.get("/api/v1/search?q=" + url_encode(kana));
  REQUIRE(site.status == 200);
  CHECK(site.json()["totals"]["grants"] == 1);
  CHECK(site.json()["totals"]["events"] == 1);

  // Put back as it was (other tests read the seeded groups).
  nlohmann::json restore = {{"groups", original["groups"]}, {"version", saved.json()["version"]}};
  REQUIRE(admin.put("/api/v1/admin/search-variants", restore).status == 200);
  CHECK(total("/api/v1/grants", kana) == 0);
}

TEST_CASE("the site-wide search finds fixed pages, links and forms, and the sitemap lists pages and every public list",
          "[e2e]") {
  std::string tag = unique("");
  std::string slug = "guide-" + tag;
  Client anyone, admin;
  ready_admin(admin, unique("map_admin_"));
  std::map<std::string, std::string> ids;
  for (const nlohmann::json& a :
       {nlohmann::json{{"site", "supernet"}, {"kind", "page"}, {"slug", slug}, {"title", "利用の手引き " + tag},
                       {"body", "センターの使い方"}},
        nlohmann::json{{"site", "both"}, {"kind", "link"}, {"title", "関連団体 " + tag}, {"url", "https://example.jp/"}},
        nlohmann::json{{"site", "supernet"}, {"kind", "form"}, {"title", "会議室申込書 " + tag}},
        nlohmann::json{{"site", "supernet"}, {"kind", "center_news"}, {"title", "センター便り " + tag}, {"body", "休館日"}}}) {
    Response made = admin.post("/api/v1/admin/articles", {{"article", a}});
    REQUIRE(made.status == 201);
    std::string id = made.json()["id"];
    REQUIRE(admin.post("/api/v1/admin/articles/" + id + "/publish").status == 200);
    ids[a["kind"]] = id;
  }
  Response r = anyone.get("/api/v1/search?q=" + tag);
  REQUIRE(r.status == 200);
  std::set<std::string> types;
  for (const auto& hit : r.json()["items"]) types.insert(hit["type"].get<std::string>());
  CHECK(types == std::set<std::string>{"page", "link", "form", "center_news"});
  CHECK(r.json()["totals"]["page"] == 1);
  CHECK(r.json()["totals"]["form"] == 1);
  CHECK(anyone.get("/api/v1/search?site=aikasanet&q=" + tag).json()["totals"]["link"] == 1);  // for both sites
  CHECK(anyone.get("/api/v1/search?site=aikasanet&q=" + tag).json()["totals"]["page"] == 0);  // Supernet's page

  // The sitemap: every published page of the site by title with its slug, and every
  // public list with its total and last change.
  Response map = anyone.get("/api/v1/sitemap?site=supernet");
  REQUIRE(map.status == 200);
  CHECK(map.json()["partial"] == false);
  nlohmann::json page;
  for (const auto& p : map.json()["pages"])
    if (p["id"] == ids["page"]) page = p;
  REQUIRE(page.is_object());
  CHECK(page["slug"] == slug);
  CHECK(page["title"] == "利用の手引き " + tag);
  CHECK(page["last_modified"].get<std::string>().size() == 20);  // 2026-12-01T09:00:00Z
  std::set<std::string> lists;
  for (const auto& c : map.json()["collections"]) {
    lists.insert(c["type"].get<std::string>());
    if (c["type"] == "center_news") CHECK(c["total"].get<int>() >= 1);
  }
  CHECK(lists == std::set<std::string>{"organizations", "recruitments", "events", "grants", "books", "reports", "notices",
                                       "center_news", "interview", "faq", "link", "form", "newsletters"});
  Response aika = anyone.get("/api/v1/sitemap?site=aikasanet");
  REQUIRE(aika.status == 200);
  bool members = false;
  for (const auto& c : aika.json()["collections"]) members |= c["type"] == "members";
  CHECK(members);
  for (const auto& p : aika.json()["pages"]) CHECK(p["id"] != ids["page"]);  // Supernet's page
  CHECK(anyone.get("/api/v1/sitemap?site=mars").status == 400);
  CHECK(anyone.get("/api/v1/sitemap?page=2").status == 400);

  // The Supernet home shows centre news.
  Response home = anyone.get("/api/v1/home?site=supernet");
  bool news = false;
  for (const auto& a : home.json()["center_news"]["items"]) news |= a["id"] == ids["center_news"];
  CHECK(news);
}
