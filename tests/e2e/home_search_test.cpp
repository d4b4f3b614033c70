// The composite reads: each site's home page in one call, and the site-wide search
// across organisations, grants and articles, merged by relevance then recency.
#include <catch2/catch.hpp>

#include "client.h"

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
  for (const char* empty : {"books", "reports", "events", "recruitments", "center_news", "interview", "faq"})
    CHECK(r.json()["totals"][empty] == 0);
  CHECK(r.json()["totals"].size() == 10);  // every section answered, under its list's name

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
  for (const char* section : {"organizations", "events", "grants", "notices", "blocks"}) {
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
