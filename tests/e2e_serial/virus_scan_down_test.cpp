// Uploads fail closed (SEC-13, ADR 0022): while clamd does not answer (frozen with
// SIGSTOP: its socket accepts, nothing comes back), an upload is answered 503 with
// Retry-After and nothing is stored; when it answers again, the same upload is taken.
// Freezes the stack's clamd, so it runs alone.
#include <catch2/catch.hpp>

#include "client.h"
#include "fixtures.h"
#include "frozen.h"

using namespace civic;
using namespace civic::e2e;

TEST_CASE("while clamd does not answer uploads are refused with 503 and nothing is stored", "[e2e][SEC-13]") {
  Client admin;
  ready_admin(admin, unique("av_admin_"));
  Response org = admin.post("/api/v1/admin/organizations", {{"organization", supernet_group("休止の会 " + unique(""))}});
  REQUIRE(org.status == 201);
  std::string org_id = org.json()["id"];
  std::string attachments = "/api/v1/organizations/" + org_id + "/attachments";
  const std::string pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj<<>>endobj\n%%EOF\n";
  {
    Frozen frozen(stack_pid("clamd"));
    Response r = post_form(admin, attachments, {{"category", "other"}}, "会則.pdf", "application/pdf", pdf);
    INFO(r.body);
    CHECK(r.status == 503);
    CHECK(r.header("retry-after") == "60");
    CHECK(r.json()["error"]["message"].get<std::string>().find("ウイルス検査") != std::string::npos);
    CHECK(admin.get("/api/v1/organizations/" + org_id).json().value("attachments", nlohmann::json::array()).empty());
  }
  Response again = post_form(admin, attachments, {{"category", "other"}}, "会則.pdf", "application/pdf", pdf);
  CHECK(again.status == 201);
  CHECK(admin.get("/api/v1/organizations/" + org_id).json()["attachments"].size() == 1);
}
