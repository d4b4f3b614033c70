// What the logs keep (OPS-4, SEC-17; issue 17 item 3): every component's JSON lines, kept
// a year by the cluster's collector, carry the request id, route template, status,
// latency, client address and account id — and never a personal value, a cookie or a
// token. This test leaves a member's address, phone, password and session all over a
// run and then reads every log of the stack (tools/dev writes them to .run/test/logs).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "client.h"
#include "fixtures.h"

using namespace civic;
using namespace civic::e2e;

namespace {
// The logs of the system's own processes (the SMTP sink and the loopback LINE API are
// the tests' stand-ins for outside parties, PostgreSQL's log is the database's).
std::string all_logs() {
  std::string text;
  for (const char* name : {"gateway", "auth", "notification", "content", "directory", "grants", "matching",
                           "recruitment"}) {
    std::ifstream in(env("TEST_RUN_DIR") + "/logs/" + name + ".log", std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    text += s.str();
  }
  return text;
}
} // namespace

TEST_CASE("a run's logs name requests and accounts but hold no address, phone, password or session", "[e2e][SEC-17]") {
  Client member;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  std::string account_id = member.get("/api/v1/me").json()["id"];
  std::string session = member.session, csrf = member.csrf;
  REQUIRE_FALSE(session.empty());

  // A registration with the member's address and a phone number, a wrong password for
  // the login, a password reset to the address: each touches personal values.
  unsigned long n = std::stoul(unique("").substr(0, 7), nullptr, 16);
  std::string phone = "083-9" + std::to_string(10 + n % 89) + "-" + std::to_string(1000 + n / 89 % 8999);
  nlohmann::json org = supernet_group("記録の会 " + unique(""));
  org["registrant_email"] = mail;
  org["registrant_phone"] = phone;
  Response reg = member.post("/api/v1/organizations", {{"organization", org}});
  REQUIRE(reg.status == 201);
  CHECK(Client().login(login, "Wrong-Password*123").status == 401);
  CHECK(Client().post("/api/v1/password-resets", {{"email", mail}}).status == 202);
  CHECK(wait_for_mail(mail, "/password-reset?token="));
  Response me = member.get("/api/v1/me");
  REQUIRE(me.status == 200);
  std::string request_id = me.header("x-request-id");
  REQUIRE_FALSE(request_id.empty());

  std::string logs;
  // The access line of the last request proves the logs were written at all (and read
  // here), so the checks below cannot pass on an empty file.
  REQUIRE(eventually([&] {
    logs = all_logs();
    return logs.find(request_id) != std::string::npos;
  }));
  std::string line = logs.substr(logs.rfind('\n', logs.find(request_id)) + 1);
  line = line.substr(0, line.find('\n'));
  INFO(line);
  CHECK(line.find("\"event\":\"http_access\"") != std::string::npos);
  CHECK(line.find("\"route\":\"GET /api/v1/me\"") != std::string::npos);  // the template, not the path
  CHECK(line.find("\"account_id\":\"" + account_id + "\"") != std::string::npos);
  CHECK(line.find("\"status\":200") != std::string::npos);
  CHECK(line.find("\"duration_ms\":") != std::string::npos);
  CHECK(line.find("\"client_ip\":") != std::string::npos);

  for (const std::string& secret : {mail, phone, std::string(kPassword), session, csrf}) {
    INFO(secret);
    CHECK(logs.find(secret) == std::string::npos);
  }
}
