// [e2e] account life cycle over HTTP against the running stack (gateway -> auth ->
// PostgreSQL, auth -> notification -> SMTP sink).
#include <catch2/catch.hpp>

#include <set>

#include "client.h"

using namespace civic::e2e;

TEST_CASE("register, verify by mail, log in with a safe cookie, read /me, log out", "[e2e][SEC-4][SEC-14]") {
  Client c;
  std::string login = unique("taro_");
  std::string mail = login + "@example.jp";
  Response r = c.post("/api/v1/accounts", {{"login_id", login}, {"password", kPassword}, {"email", mail}});
  REQUIRE(r.status == 202);
  CHECK(r.json()["status"] == "pending");

  CHECK(c.login(login, kPassword).status == 400);  // not verified yet: a clear message, no session
  auto text = wait_for_mail(mail, "/accounts/verify?token=");
  REQUIRE(text);
  CHECK(text->find(kPassword) == std::string::npos);  // no mail ever carries a password
  std::string token = token_in(*text);
  CHECK(c.post("/api/v1/accounts/verify", {{"token", token}}).status == 200);
  CHECK(c.post("/api/v1/accounts/verify", {{"token", token}}).status == 404);  // single use

  r = c.login(login, kPassword);
  REQUIRE(r.status == 200);
  std::string cookie = r.header("set-cookie");
  CHECK(cookie.rfind("__Host-civic_session=", 0) == 0);
  CHECK(cookie.find("HttpOnly") != std::string::npos);
  CHECK(cookie.find("Secure") != std::string::npos);
  CHECK(cookie.find("SameSite=Lax") != std::string::npos);
  CHECK(cookie.find("Path=/") != std::string::npos);
  CHECK(c.session.size() >= 43);  // 256 bits
  CHECK_FALSE(r.json().contains("session_token"));
  CHECK(r.header("cache-control") == "no-store");

  r = c.get("/api/v1/me");
  REQUIRE(r.status == 200);
  CHECK(r.json()["login_id"] == login);
  CHECK(r.json()["roles"] == nlohmann::json::array({"member"}));

  CHECK(c.del("/api/v1/sessions/current").status == 200);
  CHECK(c.get("/api/v1/me").status == 401);
}

TEST_CASE("lockout after five failures answers exactly like a wrong password", "[e2e][SEC-4][OPS-ACCOUNTS]") {
  Client c;
  auto [login, mail] = verified_member(c);
  Response unknown = c.login(unique("nobody_"), "Wrong-Password-1!");
  Response wrong;
  for (int i = 0; i < 5; ++i) {
    wrong = c.login(login, "Wrong-Password-1!");
    REQUIRE(wrong.status == 401);
  }
  Response locked = c.login(login, kPassword);
  CHECK(locked.status == 401);
  CHECK(locked.json()["error"]["message"] == wrong.json()["error"]["message"]);
  CHECK(unknown.json()["error"]["message"] == wrong.json()["error"]["message"]);
  CHECK(c.get("/api/v1/me").status == 401);
}

TEST_CASE("an address hammering an account cannot lock its owner out, and stays slowed itself", "[e2e]") {
  Client owner;
  auto [login, mail] = verified_member(owner);
  Client attacker;  // its own address
  for (int i = 0; i < 6; ++i) CHECK(attacker.login(login, "Wrong-Password-1!").status == 401);
  CHECK(attacker.login(login, kPassword).status == 401);  // locked for the attacker's address, right password or not
  CHECK(owner.login(login, kPassword).status == 200);     // the owner's address has not failed
  CHECK(attacker.login(login, kPassword).status == 401);  // and the owner's success unlocks nobody else
}

TEST_CASE("an unsafe call with a session but without the CSRF token is refused with 403", "[e2e][SEC-6]") {
  Client c;
  auto [login, mail] = verified_member(c);
  REQUIRE(c.login(login, kPassword).status == 200);
  c.send_csrf = false;
  Response r = c.post("/api/v1/me/password", {{"current_password", kPassword}, {"new_password", "Another-Secret*Walk9"}});
  CHECK(r.status == 403);
  CHECK(r.json()["error"]["status"] == "PERMISSION_DENIED");
  c.send_csrf = true;
  c.csrf = "forged";
  CHECK(c.post("/api/v1/me/password", {{"current_password", kPassword}, {"new_password", "Another-Secret*Walk9"}}).status == 403);
}

TEST_CASE("a session id presented before login is never reused", "[e2e][SEC-4]") {
  Client c;
  auto [login, mail] = verified_member(c);
  c.session = civic::crypto::random_token();  // planted by an attacker
  std::string planted = c.session;
  c.csrf.clear();
  Response r = c.login(login, kPassword);
  REQUIRE(r.status == 200);
  CHECK(c.session != planted);
  Client attacker;
  attacker.session = planted;
  CHECK(attacker.get("/api/v1/me").status == 401);
}

TEST_CASE("password reset: always 202, single-use link, every session ends", "[e2e]") {
  Client c;
  auto [login, mail] = verified_member(c);
  REQUIRE(c.login(login, kPassword).status == 200);
  Client anonymous;
  std::string stranger = unique("nobody_") + "@example.jp";
  CHECK(anonymous.post("/api/v1/password-resets", {{"email", stranger}}).status == 202);
  CHECK(anonymous.post("/api/v1/password-resets", {{"email", mail}}).status == 202);
  auto text = wait_for_mail(mail, "/password-reset?token=");
  REQUIRE(text);
  std::string token = token_in(*text);
  Response weak = anonymous.post("/api/v1/password-resets/confirm", {{"token", token}, {"new_password", "password1"}});
  CHECK(weak.status == 400);  // and the link still works afterwards
  CHECK(anonymous.post("/api/v1/password-resets/confirm", {{"token", token}, {"new_password", "Akiyoshi-Cave#Deep88"}}).status == 200);
  CHECK(anonymous.post("/api/v1/password-resets/confirm", {{"token", token}, {"new_password", "Akiyoshi-Cave#Deep89"}}).status == 404);
  CHECK(c.get("/api/v1/me").status == 401);  // the old session ended
  Client fresh;
  CHECK(fresh.login(login, kPassword).status == 401);
  CHECK(fresh.login(login, "Akiyoshi-Cave#Deep88").status == 200);
  CHECK(mail_count(stranger) == 0);
}

TEST_CASE("a reset link mailed before a password change no longer resets the password", "[e2e]") {
  Client c;
  auto [login, mail] = verified_member(c);
  REQUIRE(c.login(login, kPassword).status == 200);
  Client anonymous;
  REQUIRE(anonymous.post("/api/v1/password-resets", {{"email", mail}}).status == 202);
  auto text = wait_for_mail(mail, "/password-reset?token=");
  REQUIRE(text);
  std::string token = token_in(*text);
  REQUIRE(c.post("/api/v1/me/password", {{"current_password", kPassword}, {"new_password", "Tokuyama-Port*Night31"}})
              .status == 200);
  CHECK(anonymous.post("/api/v1/password-resets/confirm", {{"token", token}, {"new_password", "Akiyoshi-Cave#Deep88"}})
            .status == 404);
  Client fresh;
  CHECK(fresh.login(login, "Tokuyama-Port*Night31").status == 200);  // the change stands
}

TEST_CASE("registration names every bad field and changes nothing", "[e2e][SEC-18]") {
  Client c;
  std::string login = unique("x_");
  Response r = c.post("/api/v1/accounts", {{"login_id", "a"}, {"password", "short"}, {"email", "not-an-address"}});
  REQUIRE(r.status == 400);
  std::set<std::string> fields;
  nlohmann::json error = r.json();
  for (auto& d : error["error"]["details"]) fields.insert(d["field"].get<std::string>());
  CHECK(fields == std::set<std::string>{"login_id", "password", "email"});
  r = c.request("POST", "/api/v1/accounts", R"({"login_id":"ab\u0001c","password":"x","email":"a@b.jp"})",
                {"Accept-Language: en"});
  CHECK(r.status == 400);
  CHECK(r.json()["error"]["details"][0]["message"].get<std::string>().find("control") != std::string::npos);
  // Accept-Language as browsers send it (RFC 9110): case, regions and q-values.
  for (const char* english : {"Accept-Language: EN", "Accept-Language: en-US,en;q=0.9,ja;q=0.8",
                              "Accept-Language: ja;q=0.3, en-GB;q=0.7"}) {
    INFO(english);
    r = c.request("POST", "/api/v1/accounts", R"({"login_id":"a","password":"x","email":"a@b.jp"})", {english});
    CHECK(r.json()["error"]["details"].dump().find("must") != std::string::npos);
  }
  r = c.request("POST", "/api/v1/accounts", R"({"login_id":"a","password":"x","email":"a@b.jp"})",
                {"Accept-Language: ja-JP,ja;q=0.9,en-US;q=0.8"});
  CHECK(r.json()["error"]["details"].dump().find("must") == std::string::npos);
  REQUIRE(c.post("/api/v1/accounts", {{"login_id", login}, {"password", kPassword}, {"email", login + "@example.jp"}}).status == 202);
  r = c.post("/api/v1/accounts", {{"login_id", login}, {"password", kPassword}, {"email", login + "2@example.jp"}});
  CHECK(r.status == 409);
  CHECK(r.json()["error"]["details"].size() == 1);  // the login id only: nothing about the address
  CHECK(r.json()["error"]["details"][0]["field"] == "login_id");
}

TEST_CASE("registering a known address answers like a new one and tells the address's owner", "[e2e]") {
  Client owner;
  auto [login, mail] = verified_member(owner);
  Client stranger;
  std::string other = unique("copy_");
  Response fresh = stranger.post("/api/v1/accounts", {{"login_id", unique("new_")}, {"password", kPassword},
                                                      {"email", unique("new_") + "@example.jp"}});
  Response known = stranger.post("/api/v1/accounts", {{"login_id", other}, {"password", kPassword}, {"email", mail}});
  CHECK(known.status == fresh.status);
  CHECK(known.status == 202);
  CHECK(known.body == fresh.body);  // the same bytes: no account id, no hint
  auto text = wait_for_mail(mail, "既にアカウント");
  REQUIRE(text);
  CHECK(text->find(login) != std::string::npos);
  CHECK(Client().login(other, kPassword).status == 401);  // no second account was made
  // Per recipient, at most three such mails an hour, whatever the sources.
  for (int i = 0; i < 4; ++i)
    Client().post("/api/v1/accounts", {{"login_id", unique("flood_")}, {"password", kPassword}, {"email", mail}});
  CHECK(settled_mail_count(mail, "既にアカウント", 3) == 3);
}

TEST_CASE("reset mails to one account are throttled per recipient, silently", "[e2e]") {
  Client c;
  auto [login, mail] = verified_member(c);
  for (int i = 0; i < 6; ++i)  // six sources, one mailbox
    CHECK(Client().post("/api/v1/password-resets", {{"email", mail}}).status == 202);
  CHECK(settled_mail_count(mail, "/password-reset?token=", 3) == 3);
}

TEST_CASE("a member can list and end their sessions but not another member's", "[e2e][SEC-4][SEC-8]") {
  Client a, a2, b;
  auto [login_a, mail_a] = verified_member(a);
  auto [login_b, mail_b] = verified_member(b);
  REQUIRE(a.login(login_a, kPassword).status == 200);
  REQUIRE(a2.login(login_a, kPassword).status == 200);
  REQUIRE(b.login(login_b, kPassword).status == 200);
  auto sessions = a.get("/api/v1/me/sessions").json()["items"];
  REQUIRE(sessions.size() == 2);
  std::string other;
  for (auto& s : sessions)
    if (!s["current"].get<bool>()) other = s["id"];
  std::string b_session = b.get("/api/v1/me/sessions").json()["items"][0]["id"];
  CHECK(a.del("/api/v1/me/sessions/" + b_session).status == 404);
  CHECK(b.get("/api/v1/me").status == 200);
  CHECK(a.del("/api/v1/me/sessions/" + other).status == 200);
  CHECK(a2.get("/api/v1/me").status == 401);
}

TEST_CASE("members cannot reach admin routes and anonymous callers must log in", "[e2e][SEC-8]") {
  Client c;
  CHECK(c.get("/api/v1/admin/accounts").status == 401);
  auto [login, mail] = verified_member(c);
  REQUIRE(c.login(login, kPassword).status == 200);
  CHECK(c.get("/api/v1/admin/accounts").status == 403);
  CHECK(c.get("/api/v1/admin/audit-events").status == 403);
  CHECK(c.post("/api/v1/admin/accounts", {{"login_id", "evil_admin"}, {"email", "e@example.jp"}, {"roles", {"admin"}}}).status == 403);
  CHECK(c.get("/api/v1/admin/mail-templates").status == 403);
}

TEST_CASE("a member deletes their own account only with the password", "[e2e]") {
  Client c;
  auto [login, mail] = verified_member(c);
  REQUIRE(c.login(login, kPassword).status == 200);
  CHECK(c.request("DELETE", "/api/v1/me", R"({"password":"wrong-one"})").status == 400);
  Response r = c.request("DELETE", "/api/v1/me", nlohmann::json({{"password", kPassword}}).dump());
  CHECK(r.status == 200);
  CHECK(r.header("set-cookie").find("Max-Age=0") != std::string::npos);
  Client again;
  CHECK(again.login(login, kPassword).status == 401);
}
