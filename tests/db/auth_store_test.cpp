// [db] auth store and schema: lockout, single-use tokens, sessions, audit hash chain,
// and the outbox relay with retries.
#include <catch2/catch.hpp>

#include "auth/audit_log.h"
#include "auth/store.h"
#include "civic/events.grpc.pb.h"
#include "core/crypto.h"
#include "db/migrations.h"
#include "fresh_db.h"
#include "rpc/outbox.h"

namespace civic::generated {
std::vector<civic::db::Schema> auth_lib_schema();
}

using namespace civic;
using namespace civic::auth;

namespace {
struct AuthDb {
  testing::FreshDatabase fresh;
  db::Pool pool{fresh.url(), 4};
  // As tools/dev does: the audit log provisioned by an administrator, then migrations.
  AuthDb() {
    auth::provision_audit_log(fresh.url(), "postgres");
    db::migrate(fresh.url(), generated::auth_lib_schema(), "auth");
  }

  /// A login role of its own (as auth's is), given what provisioning grants the writer;
  /// returns its URL for this database.
  std::string writer_role() {
    std::string role = "t_writer_" + crypto::hex(crypto::random_bytes(4));
    std::string password = crypto::hex(crypto::random_bytes(12));
    pool.transaction([&](db::Tx& tx) {
      tx.exec(tx.exec("SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', $1::text, $2::text)", role, password)[0].text(0));
    });
    auth::provision_audit_log(fresh.url(), role);
    std::string url = fresh.url();
    return "postgresql://" + role + ":" + password + url.substr(url.find('@'));
  }

  std::string account(const std::string& login) {
    AccountRow a;
    a.id = crypto::uuid_v4();
    a.login_id = login;
    a.email = login + "@example.jp";
    a.password_hash = "$argon2id$placeholder";
    a.roles = {"member"};
    a.status = "active";
    pool.transaction([&](db::Tx& tx) { store::insert_account(tx, a); });
    return a.id;
  }
};
} // namespace

TEST_CASE("login ids are unique regardless of case", "[db]") {
  AuthDb db;
  db.account("Yamada");
  CHECK_THROWS_AS(db.account("yamada"), db::Error);
}

TEST_CASE("the fifth consecutive failure locks the account for that source only", "[db]") {
  AuthDb db;
  std::string id = db.account("taro");
  auto fail = [&](const char* source) {
    return db.pool.transaction([&](db::Tx& tx) { return store::record_login_failure(tx, id, source, 5, 15); });
  };
  auto wait = [&](const char* source) {
    return db.pool.transaction([&](db::Tx& tx) { return store::source_lock_seconds(tx, id, source); });
  };
  for (int i = 1; i <= 4; ++i) CHECK_FALSE(fail("10.0.0.66").source_locked);
  auto fifth = fail("10.0.0.66");
  CHECK(fifth.source_locked);
  CHECK(fifth.account_failures == 5);
  CHECK(wait("10.0.0.66") > 14 * 60);
  CHECK(wait("10.0.0.7") == 0);  // the owner's address is not locked out
  CHECK(db.pool.transaction([&](db::Tx& tx) { return store::account_by_id(tx, id); })->locked);  // shown to staff
  // A success from the owner's address resets the account-wide count, not the attacker's lock.
  db.pool.transaction([&](db::Tx& tx) { store::record_login_success(tx, id, "10.0.0.7", std::nullopt); });
  CHECK(wait("10.0.0.66") > 14 * 60);
  CHECK(fail("10.0.0.8").account_failures == 1);
  db.pool.transaction([&](db::Tx& tx) { store::unlock(tx, id); });
  CHECK(wait("10.0.0.66") == 0);
  CHECK_FALSE(db.pool.transaction([&](db::Tx& tx) { return store::account_by_id(tx, id); })->locked);
}

TEST_CASE("a second lock of the same source lasts twice as long as the first", "[db]") {
  AuthDb db;
  std::string id = db.account("hanako");
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 5; ++i)
      db.pool.transaction([&](db::Tx& tx) { store::record_login_failure(tx, id, "10.1.1.1", 5, 15); });
    if (round == 0)
      db.pool.transaction([&](db::Tx& tx) {
        tx.exec("UPDATE login_throttle SET locked_until = now() WHERE account_id = $1::uuid", id);
      });
  }
  CHECK(db.pool.transaction([&](db::Tx& tx) { return store::source_lock_seconds(tx, id, "10.1.1.1"); }) > 29 * 60);
}

TEST_CASE("a token works once, only for its purpose, and only the newest of a kind", "[db][SEC-4][SEC-11]") {
  AuthDb db;
  std::string id = db.account("jiro");
  std::string h1 = crypto::sha256("t1"), h2 = crypto::sha256("t2");
  db.pool.transaction([&](db::Tx& tx) { store::insert_token(tx, h1, id, "reset_password", std::nullopt, 30); });
  db.pool.transaction([&](db::Tx& tx) { store::insert_token(tx, h2, id, "reset_password", std::nullopt, 30); });
  auto use = [&](const std::string& h, const std::string& purpose) {
    return db.pool.transaction([&](db::Tx& tx) { return store::consume_token(tx, h, {purpose}); });
  };
  CHECK_FALSE(use(h1, "reset_password"));  // superseded
  CHECK_FALSE(use(h2, "verify_email"));    // wrong purpose
  CHECK(use(h2, "reset_password"));
  CHECK_FALSE(use(h2, "reset_password"));  // replay
}

TEST_CASE("an expired token is refused", "[db]") {
  AuthDb db;
  std::string id = db.account("saburo");
  std::string h = crypto::sha256("t");
  db.pool.transaction([&](db::Tx& tx) {
    store::insert_token(tx, h, id, "verify_email", std::nullopt, 30);
    tx.exec("UPDATE tokens SET expires_at = now() - interval '1 second'");
  });
  CHECK_FALSE(db.pool.transaction([&](db::Tx& tx) { return store::consume_token(tx, h, {"verify_email"}); }));
}

TEST_CASE("an idle session expires and deleting the account ends its sessions", "[db][SEC-4]") {
  AuthDb db;
  std::string id = db.account("shiro");
  std::string h = crypto::sha256("session");
  db.pool.transaction([&](db::Tx& tx) {
    store::insert_session(tx, h, crypto::uuid_v4(), id, "csrf", 60, 3600, "127.0.0.1", "test");
  });
  CHECK(db.pool.transaction([&](db::Tx& tx) { return store::live_session(tx, h); }));
  db.pool.transaction([&](db::Tx& tx) { tx.exec("UPDATE sessions SET last_seen_at = now() - interval '61 seconds'"); });
  CHECK_FALSE(db.pool.transaction([&](db::Tx& tx) { return store::live_session(tx, h); }));
  db.pool.transaction([&](db::Tx& tx) { store::delete_account(tx, id); });
  CHECK(db.pool.read([](db::Tx& c) { return c.exec("SELECT count(*) FROM sessions")[0].int64(0); }) == 0);
}

TEST_CASE("the audit log is append-only and its hash chain exposes tampering", "[db]") {
  AuthDb db;
  for (int i = 0; i < 5; ++i)
    db.pool.transaction([&](db::Tx& tx) { store::append_audit(tx, {"actor", "127.0.0.1", "login.failed", "t", R"({"n":1})"}); });
  CHECK(db.pool.transaction([](db::Tx& tx) { return store::audit_chain_intact(tx); }));
  CHECK_THROWS_AS(db.pool.transaction([](db::Tx& tx) { tx.exec("UPDATE audit.events SET action = 'x' WHERE seq = 2"); }),
                  db::Error);
  CHECK_THROWS_AS(db.pool.transaction([](db::Tx& tx) { tx.exec("DELETE FROM audit.events"); }), db::Error);
  // A superuser bypassing the trigger still cannot hide the change.
  db.pool.transaction([](db::Tx& tx) {
    tx.exec("ALTER TABLE audit.events DISABLE TRIGGER events_change");
    tx.exec("UPDATE audit.events SET action = 'login.succeeded' WHERE seq = 3");
  });
  CHECK_FALSE(db.pool.transaction([](db::Tx& tx) { return store::audit_chain_intact(tx); }));
}

TEST_CASE("auth's own role may only read and append to the audit log, never change or drop it", "[db]") {
  AuthDb db;
  db::Pool writer(db.writer_role(), 1);
  for (int i = 0; i < 5; ++i)
    writer.transaction([&](db::Tx& tx) {
      NewAudit e{"actor", "127.0.0.1", "publish", "", "{}", "req-1", "directory", "organization"};
      store::append_audit(tx, e);
    });
  CHECK(writer.read([](db::Tx& tx) { return store::audit_chain_intact(tx); }));
  for (const char* sql : {"UPDATE audit.events SET action = 'x' WHERE seq = 2", "DELETE FROM audit.events WHERE seq = 1",
                          "TRUNCATE audit.events", "DROP TABLE audit.events",
                          "ALTER TABLE audit.events DISABLE TRIGGER events_change",
                          "DROP TRIGGER events_change ON audit.events", "ALTER TABLE audit.events OWNER TO CURRENT_USER",
                          "CREATE OR REPLACE FUNCTION audit.guard() RETURNS trigger LANGUAGE plpgsql AS "
                          "'BEGIN RETURN NEW; END'",
                          "DROP SCHEMA audit CASCADE"}) {
    INFO(sql);
    CHECK_THROWS_AS(writer.transaction([&](db::Tx& tx) { tx.exec(sql); }), db::Error);
  }
  CHECK(writer.read([](db::Tx& tx) { return tx.exec("SELECT count(*) FROM audit.events")[0].int64(0); }) == 5);
  // Not even the table's owner deletes a row younger than 13 months.
  CHECK_THROWS_AS(db.pool.transaction([](db::Tx& tx) {
    tx.exec("SET LOCAL ROLE auth_audit");
    tx.exec("DELETE FROM audit.events WHERE seq = 1");
  }), db::Error);
}

TEST_CASE("retention purges only what is older than 13 months, and the chain stays whole from there", "[db]") {
  AuthDb db;
  db::Pool writer(db.writer_role(), 1);
  for (int i = 0; i < 5; ++i)
    writer.transaction([&](db::Tx& tx) { store::append_audit(tx, {"actor", "127.0.0.1", "login.failed", "t"}); });
  // Time passes (a superuser back-dates rows 1 and 2 by 14 months, row 3 by 12).
  db.pool.transaction([](db::Tx& tx) {
    tx.exec("ALTER TABLE audit.events DISABLE TRIGGER events_change");
    tx.exec("UPDATE audit.events SET created_at = now() - interval '14 months' WHERE seq <= 2");
    tx.exec("UPDATE audit.events SET created_at = now() - interval '12 months' WHERE seq = 3");
    tx.exec("ALTER TABLE audit.events ENABLE TRIGGER events_change");
  });
  // A shorter retention asked for is still 13 months.
  CHECK(writer.transaction([](db::Tx& tx) { return store::purge_audit(tx, 1); }) == 2);
  CHECK(writer.transaction([](db::Tx& tx) { return store::purge_audit(tx, 13); }) == 0);
  CHECK(writer.read([](db::Tx& tx) { return tx.exec("SELECT min(seq), count(*) FROM audit.events")[0].int64(0); }) == 3);
  CHECK(writer.read([](db::Tx& tx) { return store::audit_chain_intact(tx); }));
  writer.transaction([&](db::Tx& tx) { store::append_audit(tx, {"actor", "127.0.0.1", "logout", "t"}); });
  CHECK(writer.read([](db::Tx& tx) { return store::audit_chain_intact(tx); }));
  // Cutting a row out of the middle is seen.
  db.pool.transaction([](db::Tx& tx) {
    tx.exec("ALTER TABLE audit.events DISABLE TRIGGER events_change");
    tx.exec("DELETE FROM audit.events WHERE seq = 4");
  });
  CHECK_FALSE(writer.read([](db::Tx& tx) { return store::audit_chain_intact(tx); }));
}

TEST_CASE("audit rows from before the log took every service's actions move with their hashes intact", "[db]") {
  testing::FreshDatabase fresh;
  auth::provision_audit_log(fresh.url(), "postgres");
  // The schema as it was up to auth's migration 003, with the old table filled.
  std::vector<db::Schema> all = generated::auth_lib_schema(), before = all;
  std::vector<db::Migration> early;
  for (auto& schema : before)
    if (schema.component.empty()) {
      for (const auto& m : *schema.migrations)
        if (m.version <= 3) early.push_back(m);
      schema.migrations = &early;
    }
  db::migrate(fresh.url(), before, "auth");
  db::Pool pool(fresh.url(), 1);
  pool.transaction([](db::Tx& tx) {
    std::string prev(32, '\0');
    for (int seq = 1; seq <= 3; ++seq) {
      AuditRow r;
      r.hash_version = 1;
      r.seq = seq;
      r.at_us = 1700000000000000 + seq;
      r.actor = "admin";
      r.ip = "127.0.0.1";
      r.action = seq == 2 ? "login.failed" : "account.suspended";
      r.entity_id = seq == 2 ? "" : "acct-" + std::to_string(seq);
      r.detail = tx.exec("SELECT $1::jsonb::text", std::string(R"({"n":1})"))[0].text(0);
      r.prev_hash = prev;
      r.hash = store::audit_hash(r);
      tx.exec("INSERT INTO audit_events (seq, at_us, actor_account_id, client_ip, action, target_account_id, detail, "
              "prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)",
              r.seq, r.at_us, r.actor, r.ip, r.action, r.entity_id, r.detail, db::Bytes{r.prev_hash}, db::Bytes{r.hash});
      prev = r.hash;
    }
  });
  db::migrate(fresh.url(), all, "auth");
  CHECK(pool.read([](db::Tx& tx) { return store::audit_chain_intact(tx); }));
  pool.transaction([](db::Tx& tx) { store::append_audit(tx, {"admin", "127.0.0.1", "logout", "acct-1"}); });
  CHECK(pool.read([](db::Tx& tx) { return store::audit_chain_intact(tx); }));
  int64_t total = 0;
  auto rows = pool.read([&](db::Tx& tx) { return store::list_audit(tx, {.account = "acct-1"}, 10, 0, total); });
  CHECK(total == 2);
  CHECK(rows.at(1).service == "auth");
  CHECK(rows.at(1).entity_type == "account");
  CHECK(pool.read([](db::Tx& tx) { return tx.exec("SELECT to_regclass('public.audit_events') IS NULL")[0].boolean(0); }));
}

namespace {
// A subscriber that refuses the first `failures` deliveries; the network peer is the
// only stand-in here, the database is real.
class RecordingSink : public civic::events::EventSink::StubInterface {
 public:
  int failures = 0;
  std::vector<civic::events::Event> received;
  grpc::Status Deliver(grpc::ClientContext*, const civic::events::Event& e, civic::events::DeliverResponse*) override {
    if (failures > 0) {
      --failures;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
    }
    received.push_back(e);
    return grpc::Status::OK;
  }

 private:
  using R = civic::events::DeliverResponse;
  using E = civic::events::Event;
  grpc::ClientAsyncResponseReaderInterface<R>* AsyncDeliverRaw(grpc::ClientContext*, const E&, grpc::CompletionQueue*) override { return nullptr; }
  grpc::ClientAsyncResponseReaderInterface<R>* PrepareAsyncDeliverRaw(grpc::ClientContext*, const E&, grpc::CompletionQueue*) override { return nullptr; }
};
} // namespace

TEST_CASE("the relay retries a refused event with back-off and then delivers it once", "[db]") {
  AuthDb db;
  auto sink = std::make_shared<RecordingSink>();
  sink->failures = 1;
  rpc::OutboxRelay relay(db.pool, "auth", std::string(32, 'k'), {{"mail.requested", {{"sink", sink}}}});
  civic::events::MailRequested m;
  m.set_to("a@example.jp");
  std::string id = db.pool.transaction([&](db::Tx& tx) { return rpc::enqueue_event(tx, "mail.requested", m); });
  CHECK(relay.deliver_due() == 0);  // refused
  CHECK(relay.deliver_due() == 0);  // backing off: not due yet
  db.pool.transaction([](db::Tx& tx) { tx.exec("UPDATE outbox SET next_attempt_at = now()"); });
  CHECK(relay.deliver_due() == 1);
  CHECK(relay.deliver_due() == 0);  // delivered events are not sent again
  REQUIRE(sink->received.size() == 1);
  CHECK(sink->received[0].id() == id);
  civic::events::MailRequested back;
  REQUIRE(back.ParseFromString(sink->received[0].payload()));
  CHECK(back.to() == "a@example.jp");
}

TEST_CASE("delivered events are purged after the retention time, undelivered ones never", "[db]") {
  AuthDb db;
  rpc::OutboxRelay relay(db.pool, "auth", std::string(32, 'k'), {});
  civic::events::MailRequested m;
  m.set_to("kept@example.jp");
  std::string old_done, new_done, old_pending;
  db.pool.transaction([&](db::Tx& tx) {
    old_done = rpc::enqueue_event(tx, "mail.requested", m);
    new_done = rpc::enqueue_event(tx, "mail.requested", m);
    old_pending = rpc::enqueue_event(tx, "mail.requested", m);
    tx.exec("UPDATE outbox SET delivered_at = now() - interval '8 days' WHERE id = $1::uuid", old_done);
    tx.exec("UPDATE outbox SET delivered_at = now() - interval '1 day' WHERE id = $1::uuid", new_done);
    tx.exec("UPDATE outbox SET created_at = now() - interval '30 days' WHERE id = $1::uuid", old_pending);
  });
  CHECK(relay.purge_delivered(std::chrono::hours(168)) == 1);
  db.pool.read([&](db::Tx& tx) {
    CHECK(tx.exec("SELECT 1 FROM outbox WHERE id = $1::uuid", old_done).empty());
    CHECK_FALSE(tx.exec("SELECT 1 FROM outbox WHERE id = $1::uuid", new_done).empty());
    CHECK_FALSE(tx.exec("SELECT 1 FROM outbox WHERE id = $1::uuid", old_pending).empty());
  });
  CHECK(relay.purge_delivered(std::chrono::hours(168)) == 0);
}
