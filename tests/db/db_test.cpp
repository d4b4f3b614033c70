// [db] libs/db against a real PostgreSQL: parameters, SQLSTATE classes, transactions,
// migrations with checksums and the advisory lock.
#include <catch2/catch.hpp>

#include <thread>

#include "db/migrations.h"
#include "fresh_db.h"

using namespace civic;

TEST_CASE("parameters travel separately from SQL, so quotes are just data", "[db][SEC-1]") {
  testing::FreshDatabase fresh;
  db::Pool pool(fresh.url(), 2);
  std::string evil = "x'); DROP TABLE t; --";
  pool.transaction([&](db::Tx& tx) {
    tx.exec("CREATE TABLE t (v text, n bigint, b bytea, a text[])");
    tx.exec("INSERT INTO t VALUES ($1, $2, $3, $4::text[])", evil, int64_t{1} << 40, db::Bytes{std::string("\0\x01", 2)},
            std::vector<std::string>{"a,b", "c\"d", "e"});
  });
  auto r = pool.read([](db::Tx& c) { return c.exec("SELECT v, n, b, a FROM t"); });
  REQUIRE(r.size() == 1);
  CHECK(r[0].text(0) == evil);
  CHECK(r[0].int64(1) == int64_t{1} << 40);
  CHECK(r[0].bytes(2) == std::string("\0\x01", 2));
  CHECK(r[0].text_array(3) == std::vector<std::string>{"a,b", "c\"d", "e"});
}

TEST_CASE("errors are classified by SQLSTATE and a failed transaction leaves nothing", "[db][SEC-18]") {
  testing::FreshDatabase fresh;
  db::Pool pool(fresh.url(), 2);
  pool.transaction([](db::Tx& tx) {
    tx.exec("CREATE TABLE u (id int PRIMARY KEY, v int CHECK (v > 0))");
    tx.exec("INSERT INTO u VALUES (1, 1)");
  });
  try {
    pool.transaction([](db::Tx& tx) {
      tx.exec("INSERT INTO u VALUES (2, 2)");
      tx.exec("INSERT INTO u VALUES (1, 1)");
    });
    FAIL("expected a unique violation");
  } catch (const db::Error& e) {
    CHECK(e.kind() == db::ErrorKind::unique_violation);
    CHECK(e.sqlstate() == "23505");
    CHECK(e.constraint() == "u_pkey");
  }
  CHECK_THROWS_AS(pool.transaction([](db::Tx& tx) { tx.exec("INSERT INTO u VALUES (3, -1)"); }), db::Error);
  CHECK(pool.read([](db::Tx& c) { return c.exec("SELECT count(*) FROM u")[0].int64(0); }) == 1);
  CHECK_THROWS(pool.transaction([](db::Tx& tx) {
    tx.exec("INSERT INTO u VALUES (4, 4)");
    throw std::runtime_error("application error");
  }));
  CHECK(pool.read([](db::Tx& c) { return c.exec("SELECT count(*) FROM u")[0].int64(0); }) == 1);
}

TEST_CASE("a session the server ends is a connection error, and the pool recovers", "[db]") {
  // Failover, restart or an operator's pg_terminate_backend (SQLSTATE 57P01): the caller
  // gets UNAVAILABLE (retry), not INTERNAL, and health probes see the database again at once.
  testing::FreshDatabase fresh;
  db::Pool pool(fresh.url(), 1);
  REQUIRE(pool.healthy());
  try {
    pool.read([](db::Tx& tx) { return tx.exec("SELECT pg_terminate_backend(pg_backend_pid())").size(); });
    FAIL("expected the session to end");
  } catch (const db::Error& e) {
    INFO(e.sqlstate() << " " << e.what());
    CHECK(e.kind() == db::ErrorKind::connection);
  }
  CHECK(pool.healthy());
  CHECK(pool.read([](db::Tx& tx) { return tx.exec("SELECT 1")[0].int64(0); }) == 1);
}

TEST_CASE("migrations apply once, in order, even when two replicas start together", "[db][SEC-11]") {
  testing::FreshDatabase fresh;
  std::vector<db::Migration> ms = {{2, "002_b", "ALTER TABLE a ADD COLUMN w int;"},
                                   {1, "001_a", "CREATE TABLE a (v int); CREATE INDEX a_v ON a (v);"}};
  int applied[2] = {0, 0};
  std::thread t1([&] { applied[0] = db::migrate(fresh.url(), {{"", &ms}}, "test"); });
  std::thread t2([&] { applied[1] = db::migrate(fresh.url(), {{"", &ms}}, "test"); });
  t1.join();
  t2.join();
  CHECK(applied[0] + applied[1] == 2);
  CHECK(db::migrate(fresh.url(), {{"", &ms}}, "test") == 0);
  ms[0].sql = "ALTER TABLE a ADD COLUMN w bigint;";
  CHECK_THROWS_WITH(db::migrate(fresh.url(), {{"", &ms}}, "test"), Catch::Contains("changed after it was applied"));
}

TEST_CASE("a library's migrations count apart from the service's and run before them", "[db]") {
  testing::FreshDatabase fresh;
  std::vector<db::Migration> lib = {{1, "001_lib", "CREATE TABLE lib_t (v int);"}};
  // The service's own migration needs the library's table already there.
  std::vector<db::Migration> own = {{1, "001_own", "CREATE TABLE own_t (v int); INSERT INTO lib_t VALUES (1);"}};
  CHECK(db::migrate(fresh.url(), {{"lib", &lib}, {"", &own}}, "test") == 2);
  CHECK(db::migrate(fresh.url(), {{"lib", &lib}, {"", &own}}, "test") == 0);
  db::Connection c(fresh.url());
  CHECK(c.exec("SELECT string_agg(component || '/' || version, ',' ORDER BY applied_at, component DESC) "
               "FROM schema_migrations")[0].text(0) == "lib/1,/1");
  std::vector<db::Migration> repeated = {{1, "001_a", "SELECT 1;"}, {1, "001_b", "SELECT 1;"}};
  CHECK_THROWS_WITH(db::migrate(fresh.url(), {{"", &repeated}}, "test"), Catch::Contains("repeats"));
}

TEST_CASE("a failing migration is rolled back whole and not recorded", "[db]") {
  testing::FreshDatabase fresh;
  std::vector<db::Migration> ms = {{1, "001_bad", "CREATE TABLE x (v int); SELECT no_such_function();"}};
  CHECK_THROWS_AS(db::migrate(fresh.url(), {{"", &ms}}, "test"), db::Error);
  db::Connection c(fresh.url());
  CHECK(c.exec("SELECT to_regclass('x') IS NULL")[0].boolean(0));
  CHECK(c.exec("SELECT count(*) FROM schema_migrations")[0].int64(0) == 0);
}
