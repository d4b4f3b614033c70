// Staff accounts end to end: the one-shot first admin, its mandatory password change and
// TOTP enrolment, two-factor login (codes single-use, recovery codes), admin actions on
// members (suspend ends every session), and the refusals for members and anonymous calls.
#include <catch2/catch.hpp>

#include "client.h"

using namespace civic;
using namespace civic::e2e;


TEST_CASE("the first admin must change the temporary password and enrol TOTP before any admin call", "[e2e]") {
  std::string login = unique("admin_");
  std::string temporary = create_admin(login);
  CHECK(temporary.size() >= 16);

  Client admin;
  Response r = admin.login(login, temporary);
  REQUIRE(r.status == 200);
  CHECK(r.json()["account"]["pending"] == nlohmann::json::array({"password_change", "totp_enrolment"}));
  CHECK(admin.get("/api/v1/admin/accounts").status == 403);  // roles inactive while anything is pending

  CHECK(admin.post("/api/v1/me/password", {{"current_password", temporary}, {"new_password", "password"}}).status == 400);
  REQUIRE(admin.post("/api/v1/me/password", {{"current_password", temporary}, {"new_password", kAdminPassword}}).status == 200);
  CHECK(admin.get("/api/v1/admin/accounts").status == 403);  // TOTP still missing

  Response enrol = admin.post("/api/v1/me/totp");
  REQUIRE(enrol.status == 200);
  std::string secret = enrol.json()["secret"];
  CHECK(enrol.json()["otpauth_uri"].get<std::string>().rfind("otpauth://totp/", 0) == 0);
  CHECK(admin.post("/api/v1/me/totp/confirm", {{"code", "000000"}}).status == 400);
  std::string before = admin.session;
  Response confirmed = admin.post("/api/v1/me/totp/confirm", {{"code", code_at(secret)}});
  REQUIRE(confirmed.status == 200);
  // Staff rights took effect: the session that had none is replaced, the token never shown.
  CHECK(admin.session != before);
  CHECK_FALSE(confirmed.json().contains("session_token"));
  Client stale;
  stale.session = before;
  CHECK(stale.get("/api/v1/me").status == 401);
  auto recovery = confirmed.json()["recovery_codes"];
  CHECK(recovery.size() == 10);
  CHECK(admin.get("/api/v1/admin/accounts").status == 200);

  SECTION("login then needs the second factor; a code works once; a recovery code works once") {
    Client other;
    Response no_code = other.login(login, kAdminPassword);
    Response wrong = other.login(login, "wrong-password-1", code_at(secret, 30));
    CHECK(no_code.status == 401);
    CHECK(wrong.status == 401);
    // The right password without its second factor is answered exactly like a wrong one:
    // no detail, same message (it would confirm the password otherwise).
    CHECK(no_code.body == wrong.body);
    CHECK(no_code.json()["error"]["details"].empty());

    std::string next = code_at(secret, 30);  // the next step: newer than the code used to confirm
    CHECK(other.login(login, kAdminPassword, next).status == 200);
    Client replay;
    CHECK(replay.login(login, kAdminPassword, next).status == 401);

    std::string spare = recovery[0];
    Client lost_phone;
    CHECK(lost_phone.login(login, kAdminPassword, spare).status == 200);
    Client again;
    CHECK(again.login(login, kAdminPassword, spare).status == 401);
  }
}

TEST_CASE("admins suspend, resume and delete members, members and anonymous callers cannot", "[e2e]") {
  Client admin;
  ready_admin(admin, unique("admin_"));

  Client member;
  auto [member_login, member_mail] = verified_member(member);
  REQUIRE(member.login(member_login, kPassword).status == 200);
  std::string member_id = member.get("/api/v1/me").json()["id"];

  CHECK(member.get("/api/v1/admin/accounts").status == 403);
  CHECK(member.post("/api/v1/admin/accounts/" + member_id + "/resume").status == 403);
  CHECK(member.post("/api/v1/admin/accounts", {{"login_id", unique("s_")}, {"email", "x@example.jp"}, {"roles", {"admin"}}})
            .status == 403);
  Client anonymous;
  CHECK(anonymous.get("/api/v1/admin/accounts").status == 401);
  CHECK(anonymous.get("/api/v1/admin/audit-events").status == 401);

  Response list = admin.get("/api/v1/admin/accounts?q=" + member_login);
  REQUIRE(list.status == 200);
  REQUIRE(list.json()["items"].size() == 1);
  CHECK(list.json()["items"][0]["id"] == member_id);

  CHECK(admin.post("/api/v1/admin/accounts/not-a-uuid/suspend").status == 404);
  REQUIRE(admin.post("/api/v1/admin/accounts/" + member_id + "/suspend").status == 200);
  CHECK(member.get("/api/v1/me").status == 401);  // every session ended
  Client relogin;
  CHECK(relogin.login(member_login, kPassword).status == 403);

  REQUIRE(admin.post("/api/v1/admin/accounts/" + member_id + "/resume").status == 200);
  CHECK(relogin.login(member_login, kPassword).status == 200);

  Response audit = admin.get("/api/v1/admin/audit-events?account_id=" + member_id);
  REQUIRE(audit.status == 200);
  CHECK(audit.json()["chain_intact"] == true);
  std::set<std::string> actions;
  for (const auto& e : audit.json()["items"]) actions.insert(e["action"].get<std::string>());
  CHECK(actions.count("account.suspended"));
  CHECK(actions.count("account.resumed"));

  REQUIRE(admin.del("/api/v1/admin/accounts/" + member_id).status == 200);
  CHECK(relogin.get("/api/v1/me").status == 401);
  CHECK(Client().login(member_login, kPassword).status == 401);
}

TEST_CASE("an admin creates an editor whose roles wait for its own password change and TOTP", "[e2e][OPS-ACCOUNTS][SEC-8]") {
  Client admin;
  ready_admin(admin, unique("admin_"));
  std::string login = unique("editor_");
  CHECK(admin.post("/api/v1/admin/accounts", {{"login_id", login}, {"email", login + "@pref.example.jp"}, {"roles", {"owner"}}})
            .status == 400);  // unknown role
  Response created = admin.post("/api/v1/admin/accounts",
                                {{"login_id", login}, {"email", login + "@pref.example.jp"}, {"roles", {"editor"}}});
  REQUIRE(created.status == 201);
  std::string temporary = created.json()["temporary_password"];
  Client editor;
  REQUIRE(editor.login(login, temporary).status == 200);
  CHECK(editor.get("/api/v1/me").json()["pending"].size() == 2);
  CHECK(editor.get("/api/v1/admin/accounts").status == 403);  // an editor is no admin either way
}

TEST_CASE("a member changes the e-mail address only through a link sent to the new address", "[e2e]") {
  Client member;
  auto [login, old_mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  std::string new_mail = unique("new_") + "@example.jp";
  CHECK(member.post("/api/v1/me/email", {{"new_email", new_mail}, {"password", "wrong-password-9"}}).status == 400);
  CHECK(member.post("/api/v1/me/email", {{"new_email", "not-an-address"}, {"password", kPassword}}).status == 400);
  REQUIRE(member.post("/api/v1/me/email", {{"new_email", new_mail}, {"password", kPassword}}).status == 202);
  CHECK(member.get("/api/v1/me").json()["email"] == old_mail);  // unchanged until confirmed
  auto text = wait_for_mail(new_mail, "/accounts/verify?token=");
  REQUIRE(text);
  REQUIRE(Client().post("/api/v1/accounts/verify", {{"token", token_in(*text)}}).status == 200);
  CHECK(member.get("/api/v1/me").json()["email"] == new_mail);
}

TEST_CASE("admins manage one staff account: name, address (confirmed), temporary password, TOTP reset", "[e2e]") {
  Client admin, editor, member, anyone;
  ready_admin(admin, unique("admin_"));
  std::string login = unique("editor_");
  ready_editor(admin, editor, login);
  std::string id = editor.get("/api/v1/me").json()["id"];
  std::string path = "/api/v1/admin/accounts/" + id;
  auto [member_login, member_mail] = verified_member(member);
  REQUIRE(member.login(member_login, kPassword).status == 200);
  std::string member_id = member.get("/api/v1/me").json()["id"];

  // Admins only, every route.
  for (Client* c : {&anyone, &member, &editor}) {
    int expected = c == &anyone ? 401 : 403;
    CHECK(c->get(path).status == expected);
    CHECK(c->put(path, {{"display_name", "x"}}).status == expected);
    CHECK(c->post(path + "/temporary-password").status == expected);
    CHECK(c->del(path + "/totp").status == expected);
  }
  Response got = admin.get(path);
  REQUIRE(got.status == 200);
  CHECK(got.json()["login_id"] == login);

  // Display name; control characters refused and nothing changed.
  CHECK(admin.put(path, {{"display_name", "広報\n担当"}}).status == 400);
  Response named = admin.put(path, {{"display_name", "広報担当 山口"}});
  REQUIRE(named.status == 200);
  CHECK(named.json()["account"]["display_name"] == "広報担当 山口");

  // A new address takes effect only once its owner confirms it.
  std::string new_mail = unique("new_") + "@pref.example.jp";
  Response moved = admin.put(path, {{"email", new_mail}});
  REQUIRE(moved.status == 200);
  CHECK(moved.json()["email_confirmation_sent"] == true);
  CHECK(moved.json()["account"]["email"] == login + "@pref.example.jp");
  auto link = wait_for_mail(new_mail, "token=");
  REQUIRE(link);
  REQUIRE(anyone.post("/api/v1/accounts/verify", {{"token", token_in(*link)}}).status == 200);
  CHECK(admin.get(path).json()["email"] == new_mail);

  // Not on members, not on oneself.
  CHECK(admin.post("/api/v1/admin/accounts/" + member_id + "/temporary-password").status == 400);
  std::string own = admin.get("/api/v1/me").json()["id"];
  CHECK(admin.post("/api/v1/admin/accounts/" + own + "/temporary-password").status == 400);

  // A temporary password: every session ends, the new one must be changed at login.
  Response reissued = admin.post(path + "/temporary-password");
  REQUIRE(reissued.status == 200);
  std::string temporary = reissued.json()["temporary_password"];
  CHECK(temporary.size() >= 16);
  CHECK(editor.get("/api/v1/me").status == 401);

  // TOTP reset (a lost phone): enrolment pending again, sessions end.
  Response reset = admin.del(path + "/totp");
  REQUIRE(reset.status == 200);
  CHECK(reset.json()["totp_enabled"] == false);
  CHECK(Client().login(login, kAdminPassword).status == 401);  // the old password is gone
  Client again;
  Response fresh = again.login(login, temporary);
  REQUIRE(fresh.status == 200);  // no second factor to give any more
  CHECK(fresh.json()["account"]["pending"] == nlohmann::json::array({"password_change", "totp_enrolment"}));
  CHECK(again.get("/api/v1/admin/grants").status == 403);  // no staff rights until both are done

  // Each in the audit log.
  std::string log = admin.get("/api/v1/admin/audit-events?account_id=" + id + "&page_size=100").body;
  for (const char* action : {"staff.display_name_changed", "staff.email_change_requested", "staff.password_reissued",
                             "staff.totp_reset"})
    CHECK(log.find(action) != std::string::npos);
}
