// Content service end to end: taxonomies as data (public reads, admin edits with
// optimistic locking, codes validated for other services over gRPC) and the versioned
// terms of use.
#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>

#include "civic/content.grpc.pb.h"
#include "client.h"
#include "rpc/principal.h"

using namespace civic;
using namespace civic::e2e;

namespace {

std::set<std::string> codes_of(const nlohmann::json& taxonomy) {
  std::set<std::string> out;
  for (const auto& t : taxonomy["terms"]) out.insert(t["code"].get<std::string>());
  return out;
}

std::vector<std::string> unknown_codes(const std::string& name, const std::vector<std::string>& codes,
                                       const std::string& site = "") {
  auto stub = civic::content::ContentService::NewStub(
      grpc::CreateChannel(env("CONTENT_SERVICE_ADDR"), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  civic::rpc::Principal service;
  service.set_caller("directory");
  civic::rpc::attach(ctx, service, env("INTERNAL_HMAC_KEY"));
  civic::content::ValidateCodesRequest req;
  req.set_name(name);
  req.set_site(site);
  for (const auto& c : codes) req.add_codes(c);
  civic::content::ValidateCodesResponse resp;
  grpc::Status st = stub->ValidateCodes(&ctx, req, &resp);
  REQUIRE(st.ok());
  return {resp.unknown().begin(), resp.unknown().end()};
}

} // namespace

TEST_CASE("the seeded taxonomies are public, in order, and filtered by site", "[e2e]") {
  Client anyone;
  Response r = anyone.get("/api/v1/taxonomies/municipalities");
  REQUIRE(r.status == 200);
  auto munis = r.json();
  REQUIRE(munis["terms"].size() == 19);
  CHECK(munis["terms"][0]["label"] == "下関市");
  CHECK(munis["terms"][18]["label"] == "阿武町");
  CHECK(anyone.get("/api/v1/taxonomies/fields?site=supernet").json()["terms"].size() == 19);
  CHECK(anyone.get("/api/v1/taxonomies/fields?site=aikasanet").json()["terms"].size() == 20);
  CHECK(anyone.get("/api/v1/taxonomies/prefectures").json()["terms"].size() == 48);
  CHECK(anyone.get("/api/v1/taxonomies/budget_bands").json()["terms"].size() == 7);
  CHECK(anyone.get("/api/v1/taxonomies").json()["items"].size() >= 14);
  CHECK(anyone.get("/api/v1/taxonomies/no_such_list").status == 404);
  CHECK(anyone.get("/api/v1/taxonomies/fields?site=elsewhere").status == 400);

  CHECK(unknown_codes("municipalities", {"hagi", "ube", "atlantis"}) == std::vector<std::string>{"atlantis"});
  CHECK(unknown_codes("fields", {"f20"}, "supernet") == std::vector<std::string>{"f20"});  // Aikasanet only
  CHECK(unknown_codes("fields", {"f20"}, "aikasanet").empty());
}

TEST_CASE("only admins edit a taxonomy; stale versions and bad terms change nothing", "[e2e]") {
  Client admin;
  ready_admin(admin, unique("admin_"));
  nlohmann::json before = admin.get("/api/v1/taxonomies/probono_fields").json();
  int version = before["version"];
  nlohmann::json terms = before["terms"];

  Client member;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  nlohmann::json same = {{"terms", terms}, {"version", version}};
  CHECK(member.request("PUT", "/api/v1/admin/taxonomies/probono_fields", same.dump()).status == 403);
  CHECK(Client().request("PUT", "/api/v1/admin/taxonomies/probono_fields", same.dump()).status == 401);

  nlohmann::json bad = {{"version", version},
                        {"terms", {{{"code", "Bad Code!"}, {"label", "x"}},
                                   {{"code", "dup"}, {"label", "a\u0007b"}},
                                   {{"code", "dup"}, {"label", "y"}, {"sites", {"mars"}}},
                                   {{"code", "long"}, {"label", std::string(101, 'x')}}}}};
  Response r = admin.request("PUT", "/api/v1/admin/taxonomies/probono_fields", bad.dump());
  REQUIRE(r.status == 400);
  std::set<std::string> fields;
  for (const auto& d : r.json()["error"]["details"]) fields.insert(d["field"].get<std::string>());
  CHECK(fields == std::set<std::string>{"terms[0].code", "terms[1].label", "terms[2].code", "terms[2].sites",
                                        "terms[3].label"});

  // Drop "other", add "nursing".
  nlohmann::json edited = nlohmann::json::array();
  for (const auto& t : terms)
    if (t["code"] != "other") edited.push_back({{"code", t["code"]}, {"label", t["label"]}, {"sites", t["sites"]}});
  edited.push_back({{"code", "nursing"}, {"label", "介護・看護"}, {"sites", {"aikasanet"}}});
  r = admin.request("PUT", "/api/v1/admin/taxonomies/probono_fields", nlohmann::json({{"terms", edited}, {"version", version}}).dump());
  REQUIRE(r.status == 200);
  CHECK(r.json()["version"] == version + 1);
  CHECK(admin.request("PUT", "/api/v1/admin/taxonomies/probono_fields",
                      nlohmann::json({{"terms", edited}, {"version", version}}).dump()).status == 409);

  auto visible = codes_of(Client().get("/api/v1/taxonomies/probono_fields").json());
  CHECK(visible.count("nursing"));
  CHECK_FALSE(visible.count("other"));
  CHECK(codes_of(admin.get("/api/v1/taxonomies/probono_fields").json()).count("other"));  // kept, inactive
  CHECK(unknown_codes("probono_fields", {"other", "nursing"}) == std::vector<std::string>{"other"});

  // Put the defaults back for the other tests.
  r = admin.request("PUT", "/api/v1/admin/taxonomies/probono_fields",
                    nlohmann::json({{"terms", terms}, {"version", version + 1}}).dump());
  CHECK(r.status == 200);
}

TEST_CASE("terms of use are versioned: admins publish, everyone reads the current one", "[e2e]") {
  Client anyone;
  Response current = anyone.get("/api/v1/terms-of-use/aikasanet");
  REQUIRE(current.status == 200);
  int version = current.json()["version"];
  CHECK(version >= 1);
  CHECK(anyone.get("/api/v1/terms-of-use/elsewhere").status == 400);

  Client member;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  nlohmann::json doc = {{"title", "利用規約（改定）"}, {"body", "第1条 この規約は…"}};
  CHECK(member.post("/api/v1/admin/terms-of-use/aikasanet", doc).status == 403);
  CHECK(member.get("/api/v1/admin/terms-of-use/aikasanet").status == 403);

  Client admin;
  ready_admin(admin, unique("admin_"));
  CHECK(admin.post("/api/v1/admin/terms-of-use/aikasanet", {{"title", ""}, {"body", ""}}).status == 400);
  Response published = admin.post("/api/v1/admin/terms-of-use/aikasanet", doc);
  REQUIRE(published.status == 201);
  CHECK(published.json()["version"].get<int>() > version);
  CHECK(anyone.get("/api/v1/terms-of-use/aikasanet").json()["title"] == "利用規約（改定）");
  CHECK(admin.get("/api/v1/admin/terms-of-use/aikasanet").json()["items"].size() >= 2);
}
