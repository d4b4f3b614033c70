// A service that stops answering (here: the grants process frozen with SIGSTOP) leaves
// its part out of the site-wide search and the home page, which say they are partial;
// neither fails. Freezes a process of the test stack, so it runs alone.
#include <catch2/catch.hpp>

#include "client.h"
#include "frozen.h"

using namespace civic;
using namespace civic::e2e;

TEST_CASE("a stopped service yields a partial search result and home page, not an error", "[e2e]") {
  pid_t pid = stack_pid("grants");
  Client anyone;
  REQUIRE(anyone.get("/api/v1/search?q=%E5%8A%A9%E6%88%90").json()["partial"] == false);  // 助成
  {
    Frozen frozen(pid);
    Response r = anyone.get("/api/v1/search?q=%E5%8A%A9%E6%88%90");
    REQUIRE(r.status == 200);
    CHECK(r.json()["partial"] == true);
    CHECK(r.json()["unavailable"] == nlohmann::json::array({"grants", "books", "reports"}));  // one service
    CHECK_FALSE(r.json()["totals"].contains("grants"));
    CHECK(r.json()["totals"].contains("organizations"));
    Response home = anyone.get("/api/v1/home?site=supernet");
    REQUIRE(home.status == 200);
    CHECK(home.json()["partial"] == true);
    CHECK_FALSE(home.json().contains("grants"));
    CHECK(home.json().contains("notices"));
  }
  CHECK(anyone.get("/api/v1/search?q=%E5%8A%A9%E6%88%90").json()["partial"] == false);  // back
}
