// Maintenance mode (CNT-3). It changes what every caller sees, so this executable runs
// alone (RUN_SERIAL), never beside the other end-to-end tests.
#include <catch2/catch.hpp>

#include "client.h"

using namespace civic;
using namespace civic::e2e;

TEST_CASE("in maintenance the public gets 503 with the message while staff keep working", "[e2e]") {
  Client admin;
  ready_admin(admin, unique("admin_"));
  Client member;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  Client anyone;

  int version = anyone.get("/api/v1/site").json()["version"];
  nlohmann::json on = {{"maintenance", {{"enabled", true}, {"message", "", }}}, {"version", version}};
  Response r = admin.request("PUT", "/api/v1/admin/site", on.dump());
  REQUIRE(r.status == 400);  // a message is required to switch it on
  CHECK(r.json()["error"]["details"][0]["field"] == "maintenance.message");
  CHECK(member.request("PUT", "/api/v1/admin/site", on.dump()).status == 403);

  on["maintenance"] = {{"enabled", true}, {"message", "システムメンテナンス中です（14時まで）"}, {"retry_after_seconds", 900}};
  r = admin.request("PUT", "/api/v1/admin/site", on.dump());
  REQUIRE(r.status == 200);
  version = r.json()["version"];

  Response closed = anyone.get("/api/v1/taxonomies/municipalities");
  CHECK(closed.status == 503);
  CHECK(closed.header("retry-after") == "900");
  CHECK(closed.json()["error"]["message"] == "システムメンテナンス中です（14時まで）");
  CHECK(closed.header("x-content-type-options") == "nosniff");
  CHECK(member.get("/api/v1/me").status == 503);
  CHECK(anyone.get("/api/v1/site").json()["maintenance"]["enabled"] == true);  // the SPA can show why
  Client member_again;
  CHECK(member_again.login(login, kPassword).status == 200);  // logging in stays possible

  CHECK(admin.get("/api/v1/taxonomies/municipalities").status == 200);
  CHECK(admin.get("/api/v1/admin/accounts").status == 200);
  CHECK(anyone.get("/api/v1/home?site=supernet").status == 503);  // the composite reads too ...
  CHECK(anyone.get("/api/v1/search?q=a").header("retry-after") == "900");
  CHECK(admin.get("/api/v1/home?site=supernet").status == 200);    // ... but staff still see them

  nlohmann::json off = {{"maintenance", {{"enabled", false}}}, {"version", version}};
  REQUIRE(admin.request("PUT", "/api/v1/admin/site", off.dump()).status == 200);
  CHECK(anyone.get("/api/v1/taxonomies/municipalities").status == 200);
  CHECK(member.get("/api/v1/me").status == 200);
}
