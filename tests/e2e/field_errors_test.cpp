// Errors that help (issue 18 item 3): every problem of a request is named by its full JSON
// path — an unknown field, a wrong type with the type expected, a value outside a closed
// set with the values allowed — in Japanese, or English on request.
#include <catch2/catch.hpp>

#include <map>

#include "client.h"
#include "fixtures.h"

using namespace civic;
using namespace civic::e2e;

namespace {
std::map<std::string, nlohmann::json> details(const Response& r) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& d : r.json()["error"]["details"]) out[d["field"].get<std::string>()] = d;
  return out;
}
} // namespace

TEST_CASE("an unknown field and a wrong type are named by their path, with the type expected", "[e2e][SEC-7]") {
  Client c;
  nlohmann::json o = supernet_group("型の会 " + unique(""));
  o["kind"] = 5;
  o["nmae"] = "綴り違い";
  o["fields"] = "f01";
  o["links"] = {{{"url", "https://example.jp/"}, {"description", true}}};
  o["guardian_consent"] = "yes";
  Response r = c.post("/api/v1/organizations", {{"organization", o}, {"confirm", 1}});
  REQUIRE(r.status == 400);
  auto d = details(r);
  CHECK(d.size() == 6);
  CHECK(d["organization.kind"]["reason"] == "wrong_type");
  CHECK(d["organization.kind"]["message"] == "文字列で指定してください");
  CHECK(d["organization.nmae"]["reason"] == "unknown_field");
  CHECK(d["organization.fields"]["reason"] == "wrong_type");
  CHECK(d["organization.links[0].description"]["reason"] == "wrong_type");
  CHECK(d["organization.guardian_consent"]["reason"] == "wrong_type");
  CHECK(d["confirm"]["reason"] == "unknown_field");

  Response en = c.request("POST", "/api/v1/organizations", nlohmann::json{{"organization", o}}.dump(),
                          {"Accept-Language: en-US,en;q=0.9,ja;q=0.5"});
  REQUIRE(en.status == 400);
  CHECK(details(en)["organization.kind"]["message"] == "must be a string");
  CHECK(details(en)["organization.guardian_consent"]["message"] == "must be true or false");
}

TEST_CASE("a service's violations carry the full path, and a closed set lists its values", "[e2e]") {
  Client c;
  nlohmann::json o = supernet_group("選択の会 " + unique(""));
  o["kind"] = "club";
  o["name"] = "";
  Response r = c.post("/api/v1/organizations", {{"organization", o}});
  REQUIRE(r.status == 400);
  auto d = details(r);
  REQUIRE(d.count("organization.kind"));
  CHECK(d["organization.kind"]["reason"] == "invalid_choice");
  CHECK(d["organization.kind"]["message"] == "次のいずれかを指定してください: group, npo, company");
  CHECK(d.count("organization.name"));
  for (const auto& [field, _] : d) CHECK(field.rfind("organization.", 0) == 0);

  // A top-level field keeps its name; English lists the same values.
  Response contact = c.request("POST", "/api/v1/contact",
                               nlohmann::json{{"site", "osaka"}, {"name", "萩 花子"}, {"email", "a@example.jp"},
                                              {"subject", "件名"}, {"body", "本文"}}
                                   .dump(),
                               {"Accept-Language: EN"});
  REQUIRE(contact.status == 400);
  CHECK(details(contact)["site"]["message"] == "must be one of: supernet, aikasanet");
}
