// Virus scanning of uploads (SEC-13, ADR 0022): the stack's clamd (tools/dev) knows the
// EICAR test signature from the project's own database (tools/clamd); every upload route
// refuses a file carrying it with a field error, stores nothing and leaves an audit entry.
#include <catch2/catch.hpp>

#include "client.h"
#include "core/time.h"
#include "fixtures.h"

using namespace civic;
using namespace civic::e2e;

namespace {
// The EICAR anti-virus test string, put together at run time so that no file of the
// repository is itself flagged by a scanner.
std::string eicar() {
  return std::string("X5O!P%@AP[4\\PZX54(P^)7CC)7}$") + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
}
std::string pdf_with(const std::string& inside) {
  return std::string("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj<<>>stream\n") + inside + "\nendstream endobj\n%%EOF\n";
}
std::string png_with(const std::string& inside) {
  return std::string("\x89PNG\r\n\x1a\n", 8) + std::string(32, '\0') + inside + std::string(16, '\0');
}

void check_refused(const Response& r) {
  INFO(r.body);
  REQUIRE(r.status == 400);
  auto details = r.json()["error"]["details"];
  REQUIRE(details.size() == 1);
  CHECK(details[0]["field"] == "file");
  CHECK(details[0]["reason"] == "infected");
  CHECK(details[0]["message"].get<std::string>().find("ウイルス") != std::string::npos);
}
} // namespace

TEST_CASE("every upload route refuses a file carrying a virus, stores nothing and audits the refusal", "[e2e][SEC-13]") {
  Client admin;
  ready_admin(admin, unique("av_admin_"));
  const std::string pdf = pdf_with(eicar()), png = png_with(eicar());

  // directory: an organisation's attachment (PDF-looking).
  Response org = admin.post("/api/v1/admin/organizations", {{"organization", supernet_group("検査の会 " + unique(""))}});
  REQUIRE(org.status == 201);
  std::string org_id = org.json()["id"];
  std::string attachments = "/api/v1/organizations/" + org_id + "/attachments";
  check_refused(post_form(admin, attachments, {{"category", "other"}}, "会則.pdf", "application/pdf", pdf));
  // The same file without the virus is taken: the refusal is the scanner's, not the type
  // check's; and the record holds that one file only.
  CHECK(post_form(admin, attachments, {{"category", "other"}}, "会則.pdf", "application/pdf", pdf_with("clean")).status ==
        201);
  CHECK(admin.get("/api/v1/organizations/" + org_id).json()["attachments"].size() == 1);

  // content: a hosted form (PDF-looking) and an article image (PNG-looking).
  Response form = admin.post("/api/v1/admin/articles", {{"article", {{"site", "supernet"}, {"kind", "form"},
                                                                     {"title", "申請書 " + unique("")},
                                                                     {"body", "様式"}}}});
  REQUIRE(form.status == 201);
  std::string article_id = form.json()["id"];
  check_refused(post_form(admin, "/api/v1/admin/articles/" + article_id + "/files", {{"title", "申請書"}}, "申請書.pdf",
                          "application/pdf", pdf));
  check_refused(post_form(admin, "/api/v1/admin/articles/" + article_id + "/images", {{"alt", "地図"}}, "map.png",
                          "image/png", png));

  // grants: an activity report's photo.
  nlohmann::json report = {{"title", "清掃活動 " + unique("")}, {"content", "河川敷の清掃"},
                           {"organization", "検査の会"},       {"organization_kana", "けんさのかい"},
                           {"held_on", "2026-10-04"},          {"time", "9:00〜11:00"},
                           {"place", "山口市"},                {"headcount", 3}};
  Response created = admin.post("/api/v1/admin/reports", {{"report", report}});
  REQUIRE(created.status == 201);
  std::string report_id = created.json()["id"];
  check_refused(post_form(admin, "/api/v1/admin/reports/" + report_id + "/photos", {{"alt", "参加者"}}, "r.png",
                          "image/png", png));

  // recruitment: an event's flyer.
  Response event = Client().post("/api/v1/events", {{"event", supernet_event("講座" + unique(""),
                                                                            unique("av_") + "@example.jp",
                                                                            time::tokyo_date(9))}});
  REQUIRE(event.status == 201);
  std::string event_id = event.json()["id"];
  check_refused(post_form(admin, "/api/v1/admin/events/" + event_id + "/flyers", {}, "チラシ.png", "image/png", png));
  CHECK(post_form(admin, "/api/v1/admin/events/" + event_id + "/flyers", {}, "チラシ.png", "image/png", png_with("clean"))
            .status == 201);
  CHECK(admin.get("/api/v1/admin/events/" + event_id).json()["flyers"].size() == 1);

  // Each refusal is in the audit trail, with the signature and never the file.
  for (auto [service, entity, id] : {std::tuple{"directory", "organization", org_id}, {"content", "article", article_id},
                                     {"grants", "report", report_id}, {"recruitment", "event", event_id}}) {
    INFO(service);
    nlohmann::json items;
    eventually([&] {
      items = admin.get(std::string("/api/v1/admin/audit-events?action=upload_refused&entity_id=") + id).json()["items"];
      return items.size() >= 1;
    });
    REQUIRE_FALSE(items.empty());
    CHECK(items[0]["service"] == service);
    CHECK(items[0]["entity_type"] == entity);
    std::string detail = items[0]["detail"];
    CHECK(detail.find("Civic.Test.EICAR") != std::string::npos);
    CHECK(detail.find("infected") != std::string::npos);
    CHECK(detail.find("EICAR-STANDARD") == std::string::npos);
  }
}
