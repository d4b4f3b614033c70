// The audit trail of staff actions (AUTH-8, OPS-4; ADR 0017): what staff do in any
// service reaches auth's one hash-chained log, through each service's outbox, with who,
// from where and what, and no personal values; admins filter it and export it, and the
// export is itself recorded.
#include <catch2/catch.hpp>

#include <algorithm>

#include "client.h"
#include "core/time.h"
#include "fixtures.h"

using namespace civic;
using namespace civic::e2e;

namespace {
// The entries the filter `query` finds, once `wanted` of them (by action) have arrived:
// the services' relays deliver them within a second or so.
nlohmann::json audit_entries(Client& admin, const std::string& query, const std::set<std::string>& wanted) {
  nlohmann::json items;
  eventually([&] {
    Response r = admin.get("/api/v1/admin/audit-events?page_size=100&" + query);
    if (r.status != 200) return false;
    items = r.json()["items"];
    std::set<std::string> seen;
    for (const auto& e : items) seen.insert(e["action"].get<std::string>());
    return std::includes(seen.begin(), seen.end(), wanted.begin(), wanted.end());
  });
  return items;
}

std::set<std::string> actions_of(const nlohmann::json& items) {
  std::set<std::string> out;
  for (const auto& e : items) out.insert(e["action"].get<std::string>());
  return out;
}
} // namespace

TEST_CASE("every service's staff actions reach one audit log: who, from where, what, never personal values", "[e2e]") {
  Client admin, editor, member;
  ready_admin(admin, unique("admin_"));
  std::string admin_id = admin.get("/api/v1/me").json()["id"];
  std::string editor_login = unique("editor_");
  ready_editor(admin, editor, editor_login);
  std::string editor_id = editor.get("/api/v1/me").json()["id"];

  // directory: staff register an organisation from its paper form, publish it, mark it
  // dissolved, and an admin exports the list.
  std::string name = "監査の会 " + unique("");
  nlohmann::json org = supernet_group(name);
  Response created = admin.post("/api/v1/admin/organizations", {{"organization", org}});
  REQUIRE(created.status == 201);
  std::string org_id = created.json()["id"];
  REQUIRE(editor.post("/api/v1/admin/organizations/" + org_id + "/publish").status == 200);
  REQUIRE(admin.put("/api/v1/admin/organizations/" + org_id + "/status", {{"status", "dissolved"}}).status == 200);
  REQUIRE(admin.get("/api/v1/admin/organizations/export?site=supernet").status == 200);
  // notification: an editor stops an address; matching: an admin exports the members.
  std::string stopped = unique("audited_") + "@example.jp";
  Response stop = editor.post("/api/v1/admin/mail-suppressions", {{"email", stopped}, {"note", "本人から電話"}});
  REQUIRE(stop.status == 201);
  REQUIRE(admin.get("/api/v1/admin/members/export").status == 200);

  nlohmann::json on_org = audit_entries(admin, "entity_id=" + org_id, {"create", "publish", "status"});
  CHECK(actions_of(on_org) == std::set<std::string>{"create", "publish", "status"});
  for (const auto& e : on_org) {
    CHECK(e["service"] == "directory");
    CHECK(e["entity_type"] == "organization");
    CHECK(e["actor_account_id"] == (e["action"] == "publish" ? editor_id : admin_id));
    CHECK(e["client_ip"].get<std::string>().rfind("10.9.", 0) == 0);  // the caller's address
    CHECK_FALSE(e.value("request_id", "").empty());
    // Field names and states, never the values: no name, phone or address of anyone.
    std::string detail = e["detail"];
    for (const std::string& value : {name, std::string(org["registrant_email"]), std::string("0838-00-0000")})
      CHECK(detail.find(value) == std::string::npos);
  }

  nlohmann::json stops = audit_entries(admin, "service=notification&actor=" + editor_id, {"mail_stop"});
  REQUIRE(stops.size() == 1);
  CHECK(stops[0]["entity_id"] == stop.json()["id"]);
  CHECK(stops[0]["detail"].get<std::string>().find(stopped) == std::string::npos);
  CHECK(stops[0]["detail"].get<std::string>().find("電話") == std::string::npos);  // notes may hold anything

  for (auto [service, entity] : {std::pair{"directory", "organization"}, {"matching", "member"}}) {
    nlohmann::json exports =
        audit_entries(admin, "action=export&actor=" + admin_id + "&service=" + service, {"export"});
    REQUIRE(exports.size() == 1);
    CHECK(exports[0]["entity_type"] == entity);
    CHECK(exports[0]["detail"].get<std::string>().find("\"rows\"") != std::string::npos);
  }

  // Filters: a period (JST dates, inclusive), by service and entity type; bad ones are
  // refused field by field and change nothing.
  std::string today = time::tokyo_date(), yesterday = time::tokyo_date(1);
  CHECK(audit_entries(admin, "entity_id=" + org_id + "&from=" + today + "&to=" + today, {"create"}).size() == 3);
  CHECK(admin.get("/api/v1/admin/audit-events?entity_id=" + org_id + "&to=" + yesterday).json().value("total_size", 0) == 0);
  CHECK(admin.get("/api/v1/admin/audit-events?entity_type=organization&service=matching&entity_id=" + org_id)
            .json()
            .value("total_size", 0) == 0);
  CHECK(error_fields(admin.get("/api/v1/admin/audit-events?from=2026-02-30&service=mail&to=x")) ==
        std::set<std::string>{"from", "service", "to"});
  CHECK(error_fields(admin.get("/api/v1/admin/audit-events?from=" + today + "&to=" + yesterday)) ==
        std::set<std::string>{"to"});
  CHECK(admin.get("/api/v1/admin/audit-events?entity_id=" + org_id).json()["chain_intact"] == true);

  // The CSV export, for admins only; it is recorded in turn.
  Response csv = admin.get("/api/v1/admin/audit-events/export?entity_id=" + org_id);
  REQUIRE(csv.status == 200);
  CHECK(csv.header("content-type").rfind("text/csv", 0) == 0);
  CHECK(csv.body.find("サービス") != std::string::npos);
  CHECK(csv.body.find(org_id) != std::string::npos);
  CHECK(std::count(csv.body.begin(), csv.body.end(), '\n') == 4);  // a header and three rows
  nlohmann::json exported_log = audit_entries(admin, "action=audit.exported&actor=" + admin_id, {"audit.exported"});
  CHECK(exported_log[0]["service"] == "auth");
  CHECK(exported_log[0]["detail"].get<std::string>().find("entity_id") != std::string::npos);  // which filter, not its value
  CHECK(exported_log[0]["detail"].get<std::string>().find(org_id) == std::string::npos);

  // Only admins read it: editors and members are refused, the anonymous asked to log in.
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  for (const char* path : {"/api/v1/admin/audit-events", "/api/v1/admin/audit-events/export"}) {
    CHECK(editor.get(path).status == 403);
    CHECK(member.get(path).status == 403);
    CHECK(Client().get(path).status == 401);
  }
}

TEST_CASE("a member's own steps are the record's history, not staff actions in the audit log", "[e2e]") {
  Client admin, member;
  ready_admin(admin, unique("admin_"));
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  nlohmann::json org = supernet_group("自分で登録する会 " + unique(""));
  Response registered = member.post("/api/v1/organizations", {{"organization", org}});
  REQUIRE(registered.status == 201);
  std::string id = registered.json()["id"];
  REQUIRE(admin.post("/api/v1/admin/organizations/" + id + "/reject", {{"note", "代表者の記入がありません"}}).status == 200);
  // The staff step arrives; the member's registration before it never does.
  nlohmann::json items = audit_entries(admin, "entity_id=" + id, {"reject"});
  CHECK(actions_of(items) == std::set<std::string>{"reject"});
  CHECK(items[0]["detail"].get<std::string>().find("代表者") == std::string::npos);  // the note stays in the history
}
