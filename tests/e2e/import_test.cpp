// Issue 15: what the former system hands over enters through its owning service's
// import call, which only tools/import may make (signed as "import"). Logins (item 4):
// the member logs in with the password they already have, its old hash is replaced by
// Argon2id at once, an address confirmed there is not asked again. Mail-magazine
// members (item 5): confirmed subscribers, their consent recorded as imported. A re-run
// changes nothing.
#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "civic/auth.grpc.pb.h"
#include "civic/notification.grpc.pb.h"
#include "client.h"
#include "db/db.h"
#include "rpc/principal.h"

using namespace civic;
using namespace civic::e2e;

namespace {
/// A client context signed as the import tool (or as `caller`).
void sign(grpc::ClientContext& ctx, const char* caller = "import") {
  rpc::Principal p;
  p.add_roles("service");
  p.set_caller(caller);
  rpc::attach(ctx, p, env("INTERNAL_HMAC_KEY"));
}

struct Importer {
  std::unique_ptr<civic::auth::AuthService::Stub> stub =
      civic::auth::AuthService::NewStub(grpc::CreateChannel(env("AUTH_SERVICE_ADDR"), grpc::InsecureChannelCredentials()));

  grpc::Status run(const civic::auth::ImportAccountRequest& req, civic::common::ImportResult* resp,
                   const char* caller = "import") {
    grpc::ClientContext ctx;
    sign(ctx, caller);
    return stub->ImportAccount(&ctx, req, resp);
  }
  std::string outcome(const civic::auth::ImportAccountRequest& req) {
    civic::common::ImportResult resp;
    grpc::Status st = run(req, &resp);
    return st.ok() ? resp.outcome() : "error " + std::to_string(int(st.error_code()));
  }
};

civic::auth::ImportAccountRequest legacy(const std::string& login, const std::string& hash, bool verified = true) {
  civic::auth::ImportAccountRequest req;
  req.mutable_meta()->set_legacy_id(unique("wp-user-"));
  req.set_login_id(login);
  req.set_email(login + "@example.jp");
  req.set_email_verified(verified);
  req.set_password_hash(hash);
  req.mutable_meta()->set_created_at("2015-04-01T09:00:00+09:00");
  return req;
}

std::string stored_hash(const std::string& login) {
  db::Connection c(env("AUTH_DATABASE_URL"));
  return c.exec("SELECT password_hash FROM accounts WHERE login_key = lower($1)", login)[0].text(0);
}
} // namespace

TEST_CASE("a login of the former system carries over: its password works, and is Argon2id from the first login", "[e2e]") {
  Importer importer;
  std::string login = unique("wp_");
  auto req = legacy(login, "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0");  // phpass of "test12345"
  REQUIRE(importer.outcome(req) == "created");
  CHECK(importer.outcome(req) == "unchanged");  // a second run duplicates nothing

  Client member;
  CHECK(member.login(login, "test12346").status == 401);
  Response in = member.login(login, "test12345");
  REQUIRE(in.status == 200);  // confirmed in the old system: no confirmation mail first
  CHECK(mail_count(login + "@example.jp") == 0);
  Response me = member.get("/api/v1/me");
  CHECK(me.json()["created_at"] == "2015-04-01T00:00:00Z");  // registered then, not today
  CHECK(me.body.find("$P$") == std::string::npos);
  CHECK(stored_hash(login).rfind("$argon2id$", 0) == 0);  // replaced at once
  CHECK(importer.outcome(req) == "unchanged");             // the new hash is never overwritten
  CHECK(Client().login(login, "test12345").status == 200);

  // WordPress 6.8's own format, as WordPress made it.
  std::string wp = unique("wp68_");
  REQUIRE(importer.outcome(legacy(wp, "$wp$2y$10$y6/UfA/WhvVLZK6RxBSJE./L6YpJN8ChGg15a0Pqry/bTGsDuMR1q")) == "created");
  CHECK(Client().login(wp, "Na101918!").status == 200);
  CHECK(stored_hash(wp).rfind("$argon2id$", 0) == 0);
}

TEST_CASE("the import is refused to anyone but the import tool, and bad logins change nothing", "[e2e]") {
  Importer importer;
  std::string login = unique("wp_");
  auto req = legacy(login, "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW");  // bcrypt of "U*U"
  civic::common::ImportResult resp;
  CHECK(importer.run(req, &resp, "matching").error_code() == grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext unsigned_ctx;
  CHECK(importer.stub->ImportAccount(&unsigned_ctx, req, &resp).error_code() == grpc::StatusCode::UNAUTHENTICATED);

  auto bad = req;
  bad.set_login_id("has space");
  bad.set_email("not-an-address");
  bad.set_password_hash("plain-text-password");
  bad.mutable_meta()->set_created_at("2015-02-30");
  CHECK(importer.run(bad, &resp).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Client().login("has space", "plain-text-password").status == 401);

  REQUIRE(importer.outcome(req) == "created");
  // Another legacy user with the same address or login id is refused, not merged.
  auto twin = legacy(unique("wp_"), req.password_hash());
  twin.set_email(req.email());
  CHECK(importer.outcome(twin) == "error 3");
  twin = legacy(login, req.password_hash());
  CHECK(importer.outcome(twin) == "error 3");

  // Not confirmed in the old system: it must be confirmed here first (a reset mail does it).
  std::string pending = unique("wp_");
  REQUIRE(importer.outcome(legacy(pending, req.password_hash(), false)) == "created");
  CHECK(Client().login(pending, "U*U").status == 400);
  CHECK(Client().login(login, "U*U").status == 200);
}

TEST_CASE("mail-magazine members of the former system arrive confirmed, once, and leave as anyone does", "[e2e]") {
  auto stub = civic::notification::NotificationService::NewStub(
      grpc::CreateChannel(env("NOTIFICATION_SERVICE_ADDR"), grpc::InsecureChannelCredentials()));
  auto import = [&](const std::string& legacy_id, const std::string& email, const char* caller = "import") {
    civic::notification::ImportSubscriberRequest req;
    req.mutable_meta()->set_legacy_id(legacy_id);
    req.set_site("supernet");
    req.set_email(email);
    req.mutable_meta()->set_created_at("2019-06-01");
    civic::common::ImportResult resp;
    grpc::ClientContext ctx;
    sign(ctx, caller);
    grpc::Status st = stub->ImportSubscriber(&ctx, req, &resp);
    return st.ok() ? resp.outcome() : "error " + std::to_string(int(st.error_code()));
  };
  Client admin;
  ready_admin(admin, unique("imp_admin_"));
  std::string legacy_id = unique("mm-"), reader = unique("mm_reader_") + "@example.jp";
  CHECK(import(legacy_id, reader, "directory") == "error 7");  // PERMISSION_DENIED
  CHECK(import(legacy_id, "not-an-address") == "error 3");
  REQUIRE(import(legacy_id, reader) == "created");
  CHECK(import(legacy_id, reader) == "unchanged");
  CHECK(mail_count(reader) == 0);  // no second confirmation: consent was given there

  std::string path = "/api/v1/admin/newsletter-subscribers?email=" + url_encode(reader);
  nlohmann::json listed = admin.get(path).json();
  REQUIRE(listed["items"].size() == 1);
  CHECK(listed["items"][0]["state"] == "active");
  CHECK(listed["items"][0]["source"] == "import");
  CHECK(listed["items"][0]["confirmed_at"].get<std::string>().rfind("2019-05-31T15:00:00", 0) == 0);  // JST midnight
  std::string id = listed["items"][0]["id"];

  // A corrected address in the next hand-over follows; someone who left is not re-subscribed.
  std::string corrected = unique("mm_fixed_") + "@example.jp";
  CHECK(import(legacy_id, corrected) == "updated");
  REQUIRE(admin.post("/api/v1/admin/newsletter-subscribers/" + id + "/stop").status == 200);
  CHECK(import(legacy_id, corrected) == "unchanged");
  nlohmann::json after = admin.get("/api/v1/admin/newsletter-subscribers?email=" + url_encode(corrected)).json();
  CHECK(after["items"][0]["state"] == "unsubscribed");
  // An address that subscribed here first keeps its own row.
  std::string early = unique("mm_early_") + "@example.jp";
  REQUIRE(admin.post("/api/v1/admin/newsletter-subscribers", {{"email", early}, {"site", "supernet"}, {"note", "窓口"}})
              .status == 201);
  CHECK(import(unique("mm-"), early) == "unchanged");
  CHECK(admin.get("/api/v1/admin/newsletter-subscribers?email=" + url_encode(early)).json()["items"][0]["source"] == "staff");
}

namespace {
struct ToolRun {
  int code = -1;
  std::string out, report;
};
/// Runs tools/import on the small hand-over fixture, as an operator would.
ToolRun run_import(const std::string& extra = "") {
  std::string dir = (std::filesystem::path(__FILE__).parent_path() / "fixtures" / "import").string();
  std::string report = env("TEST_RUN_DIR") + "/" + unique("import-report-") + ".csv";
  // Every part is the test's own: a fixed directory, a generated name, a fixed flag.
  std::string command = env("IMPORT_BIN") + " --csv '" + dir + "' --report '" + report + "' " + extra + " 2>&1";
  ToolRun run;
  FILE* out = popen(command.c_str(), "r");
  REQUIRE(out);
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, out)) run.out.append(buf, n);
  run.code = pclose(out);
  std::ifstream in(report, std::ios::binary);
  run.report.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return run;
}
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
} // namespace

TEST_CASE("tools/import enters the hand-over through the services and reports every refused or changed row", "[e2e]") {
  Client admin;
  ready_admin(admin, unique("imp_admin_"));
  auto subscribed = [&](const std::string& email) {
    return admin.get("/api/v1/admin/newsletter-subscribers?email=" + url_encode(email)).json();
  };
  const std::string accounts_first = "accounts: read 7, created 3, updated 0, unchanged 0, rejected 4";
  const std::string subscribers_first = "subscribers: read 24, created 22, updated 0, unchanged 0, rejected 2";

  // A dry run checks every record as for real and writes nothing.
  ToolRun dry = run_import("--dry-run");
  INFO(dry.out);
  REQUIRE(dry.code == 0);
  CHECK(has(dry.out, accounts_first));
  CHECK(has(dry.out, subscribers_first));
  CHECK(Client().login("imp_taro", "test12345").status == 401);
  CHECK(subscribed("imp.reader1@example.jp").value("total_size", 0) == 0);

  ToolRun first = run_import();
  INFO(first.out);
  REQUIRE(first.code == 0);
  CHECK(has(first.out, accounts_first));
  CHECK(has(first.out, subscribers_first));
  CHECK(has(first.out, "Shift_JIS (CP932) として読みます"));  // detected, and said so
  // Each refused row with its file and line, field and reason, as the services word it.
  const std::string& r = first.report;
  CHECK(r.rfind("\xEF\xBB\xBF", 0) == 0);  // opens in Excel as UTF-8
  CHECK(has(r, "ユーザー.csv:4,903,login_id,ログインIDは半角英数字"));
  CHECK(has(r, "ユーザー.csv:4,903,password_hash,"));
  CHECK(has(r, "ユーザー.csv:6,904,meta.legacy_id,旧IDが重複しています（5行目と同じ）"));
  CHECK(has(r, "ユーザー.csv:7,905,email,"));
  CHECK(has(r, "ユーザー.csv:9,906,meta.created_at,その日付は平成の期間にありません"));
  CHECK(has(r, "メルマガ会員.csv:4,m3,site,「火星ネット」は対応表"));
  CHECK(has(r, "メルマガ会員.csv:25,,,文字コード"));
  CHECK(has(r, "変更,accounts,ユーザー.csv:3,902,meta.created_at,「平成28年5月1日」を「2016-05-01」にしました"));
  // Personal items are masked; a password hash never appears.
  for (const char* secret : {"imp.crlf@example.jp", "plaintext-password", "$P$", "$wp$", "imp.bad@example"}) {
    INFO(secret);
    CHECK_FALSE(has(r, secret));
  }
  CHECK(has(r, "subscribers,24,22,0,0,2"));

  // What was entered works as if registered today.
  CHECK(Client().login("imp_taro", "test12345").status == 200);
  CHECK(Client().login("imp_hanako", "Na101918!").status == 200);
  CHECK(Client().login("imp_dup", "test12345").status == 200);
  CHECK(Client().login("imp_dup2", "test12345").status == 401);
  nlohmann::json reader = subscribed("imp.reader1@example.jp");
  REQUIRE(reader.value("total_size", 0) == 1);
  CHECK(reader["items"][0]["source"] == "import");
  CHECK(reader["items"][0]["state"] == "active");
  CHECK(subscribed("imp.reader2@example.jp")["items"][0]["site"] == "aikasanet");

  // Once more: nothing duplicated, nothing changed.
  ToolRun again = run_import();
  INFO(again.out);
  REQUIRE(again.code == 0);
  CHECK(has(again.out, "accounts: read 7, created 0, updated 0, unchanged 3, rejected 4"));
  CHECK(has(again.out, "subscribers: read 24, created 0, updated 0, unchanged 22, rejected 2"));

  // Bad invocations are refused with a reason.
  CHECK(run_import("--encoding euc-jp").code != 0);
  CHECK(has(run_import("--dump x.sql").out, "x.sql: no such file"));
}
