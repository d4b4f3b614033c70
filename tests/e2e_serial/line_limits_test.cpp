// LINE's limits (NTF-5, issue 16): the loopback LINE API answers 429 or reports the
// month's quota as spent — for every caller, so this runs alone (a parallel LINE test
// would meet the same 429s or quota).
#include <catch2/catch.hpp>

#include <thread>

#include "line_fixtures.h"

using namespace civic;
using namespace civic::e2e;

namespace {
// The loopback server's limits put back however the test ends.
struct LimitsRestored {
  ~LimitsRestored() { line_sim("POST", "/_test/config", {{"quota", nullptr}, {"fail_next", 0}, {"retry_after", 0}}); }
};
} // namespace

TEST_CASE("LINE's 429s are retried with the same key and delivered once, past the quota the push is skipped and the mail goes",
          "[e2e]") {
  LineCast cast("line_limits_admin_");
  auto& [admin, linked, plain, group, linked_mail, other_mail, user] = cast;
  std::string organizer = unique("organizer_") + "@example.jp";
  LimitsRestored restored;

  std::string first = "LINE配信テスト" + unique("");
  publish(group, admin, first, organizer);
  REQUIRE(eventually([&] { return multicasts_of(first).size() == 1; }));

  // LINE answers 429 twice: retried after Retry-After with the same key, delivered once.
  line_sim("POST", "/_test/config", {{"fail_next", 2}, {"retry_after", 1}});
  std::string busy = "LINE混雑テスト" + unique("");
  publish(group, admin, busy, organizer);
  REQUIRE(eventually([&] { return multicasts_of(busy).size() == 1; }, std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(multicasts_of(busy).size() == 1);

  // The month's quota would be passed: LINE is skipped (and says why), the mail still goes.
  line_sim("POST", "/_test/config", {{"quota", 0}});
  std::string over = "LINE上限テスト" + unique("");
  publish(group, admin, over, organizer);
  REQUIRE(wait_for_mail(linked_mail, over));
  json skipped;
  REQUIRE(eventually([&] {
    json usage = admin.get("/api/v1/admin/line/usage").json();
    for (const auto& p : usage["pushes"])
      if (p["title"] == over && p["state"] == "skipped") skipped = p;
    return !skipped.is_null();
  }));
  CHECK(skipped["reason"].get<std::string>().find("上限") != std::string::npos);
  CHECK(multicasts_of(over).empty());
  Response usage = admin.get("/api/v1/admin/line/usage");
  CHECK(usage.json()["quota_type"] == "limited");
  CHECK(usage.json()["delivered"].get<int>() >= 2);
  CHECK(usage.json()["skipped"].get<int>() >= 1);
}
