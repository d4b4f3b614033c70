// お問い合わせ (issue 13): a message reaches the centre with the sender's address as
// Reply-To and never as From; header-bound fields refuse CR/LF; one address is throttled.
#include <catch2/catch.hpp>

#include "client.h"
#include "core/time.h"
#include "fixtures.h"

using namespace civic;
using namespace civic::e2e;

namespace {
const std::string kCentre = "centre@civic.example.jp";

nlohmann::json message(const std::string& email, const std::string& subject) {
  return {{"site", "aikasanet"},
          {"name", "萩 花子"},
          {"email", email},
          {"organization", "萩まちづくりネット"},
          {"subject", subject},
          {"body", "ボランティア募集の掲載方法を教えてください。\n団体登録は済んでいます。"}};
}

std::optional<Mail> centre_mail(const std::string& contains) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    for (auto& m : mails(kCentre))
      if (m.text.find(contains) != std::string::npos) return m;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  return std::nullopt;
}
} // namespace

TEST_CASE("a contact message reaches the centre, answerable by Reply-To, never sent as the sender", "[e2e]") {
  std::string token = unique("");
  std::string sender = "hanako." + token + "@example.jp";
  Response r = Client().post("/api/v1/contact", message(sender, "掲載について " + token));
  REQUIRE(r.status == 202);
  CHECK(r.json()["id"].get<std::string>().size() == 36);

  auto mail = centre_mail(token);
  REQUIRE(mail);
  CHECK(mail->raw.find("\nReply-To: " + sender + "\n") != std::string::npos);
  CHECK(mail->raw.find("\nFrom: noreply@civic.example.jp\n") != std::string::npos);
  CHECK(mail->raw.find("From: " + sender) == std::string::npos);
  CHECK(mail->text.find("ボランティア募集の掲載方法") != std::string::npos);
  CHECK(mail->text.find("萩まちづくりネット") != std::string::npos);
  CHECK(mail_texts(sender).empty());  // nothing is mailed to whatever address was typed in
}

TEST_CASE("contact form: CR/LF and bad values refused field by field, nothing sent", "[e2e][SEC-7][SEC-18]") {
  std::string token = unique("");
  nlohmann::json bad = message("a@example.jp\r\nBcc: victim@example.jp", "件名\r\nBcc: victim@example.jp " + token);
  bad["name"] = "名前\nX-Injected: 1";
  bad["organization"] = std::string(201, 'x');
  bad["site"] = "elsewhere";
  Response r = Client().post("/api/v1/contact", bad);
  CHECK(r.status == 400);
  CHECK(error_fields(r) == std::set<std::string>{"site", "name", "email", "organization", "subject"});
  Response empty = Client().post("/api/v1/contact", nlohmann::json::object());
  CHECK(error_fields(empty) == std::set<std::string>{"name", "email", "subject", "body"});
  CHECK(settled_mail_count(kCentre, token, 0) == 0);
}

TEST_CASE("one sender address gets five contact messages an hour, from wherever it writes", "[e2e]") {
  std::string sender = unique("busy_") + "@example.jp";
  for (int i = 0; i < 5; ++i) CHECK(Client().post("/api/v1/contact", message(sender, "質問 " + std::to_string(i))).status == 202);
  Response sixth = Client().post("/api/v1/contact", message(sender, "質問 6"));
  CHECK(sixth.status == 429);
  CHECK_FALSE(sixth.header("retry-after").empty());
  CHECK(Client().post("/api/v1/contact", message(unique("other_") + "@example.jp", "質問")).status == 202);
}

TEST_CASE("an Idempotency-Key makes a double-submitted public form one record (SEC-11)", "[e2e][SEC-11]") {
  Client admin;
  ready_admin(admin, unique("admin_"));
  std::string token = unique("");
  std::string key = "Idempotency-Key: " + crypto::uuid_v4();
  nlohmann::json event = {{"category", "course"},
                          {"organizer", "萩まちづくりネット"},
                          {"title", "二度押し講座 " + token},
                          {"dates", {time::tokyo_date(15)}},
                          {"venue", "萩市民館"},
                          {"content", "NPOの会計の基本"},
                          {"contact_organization", "萩まちづくりネット"},
                          {"submitter_name", "萩 花子"},
                          {"submitter_email", unique("ev_") + "@example.jp"}};
  std::string body = nlohmann::json({{"event", event}}).dump();
  // The same form twice, from two connections, as a double click on a slow line does.
  Response first = Client().request("POST", "/api/v1/events", body, {key});
  Response second = Client().request("POST", "/api/v1/events", body, {key});
  REQUIRE(first.status == 201);
  REQUIRE(second.status == 201);
  CHECK(second.json()["id"] == first.json()["id"]);
  int found = 0;
  nlohmann::json listed = admin.get("/api/v1/admin/events?state=review&page_size=100").json();
  for (const auto& item : listed["items"])
    if (item["title"] == "二度押し講座 " + token) ++found;
  CHECK(found == 1);

  // The key reused for another request is refused; a malformed key too.
  event["title"] = "別の講座 " + token;
  Response reused = Client().request("POST", "/api/v1/events", nlohmann::json({{"event", event}}).dump(), {key});
  CHECK(reused.status == 400);
  CHECK(error_fields(reused) == std::set<std::string>{"idempotency_key"});
  Response malformed =
      Client().request("POST", "/api/v1/contact", message("a@example.jp", "件名").dump(), {"Idempotency-Key: a b"});
  CHECK(error_fields(malformed) == std::set<std::string>{"idempotency_key"});

  // A request refused for its content is not kept: corrected, the same key goes through.
  std::string contact_key = "Idempotency-Key: " + crypto::uuid_v4();
  nlohmann::json incomplete = message(unique("c_") + "@example.jp", "");
  CHECK(Client().request("POST", "/api/v1/contact", incomplete.dump(), {contact_key}).status == 400);
  incomplete["subject"] = "件名 " + token;
  Response sent = Client().request("POST", "/api/v1/contact", incomplete.dump(), {contact_key});
  Response again = Client().request("POST", "/api/v1/contact", incomplete.dump(), {contact_key});
  REQUIRE(sent.status == 202);
  CHECK(again.json()["id"] == sent.json()["id"]);
  CHECK(settled_mail_count(kCentre, "件名 " + token, 1) == 1);
}
