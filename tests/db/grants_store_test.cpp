// [db] grants: the schema's own guards, search, deadline days and optimistic edits
// against real PostgreSQL.
#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "db/migrations.h"
#include "fresh_db.h"
#include "grants/service.h"
#include "grants/store.h"
#include "text/text.h"

namespace civic::generated {
const std::vector<civic::db::Migration>& grants_lib_migrations();
}

using namespace civic;
using namespace civic::grants;

namespace {
struct GrantsDb {
  testing::FreshDatabase fresh;
  db::Pool pool{fresh.url(), 2};
  GrantsDb() { db::migrate(fresh.url(), generated::grants_lib_migrations(), "grants"); }
};

GrantRow grant(const std::string& name, const std::string& end) {
  Grant g;
  g.set_funder("山口県");
  g.set_name(name);
  g.set_purpose("地域の活動を応援します");
  g.set_application_end(end);
  g.set_anytime(end.empty());
  GrantRow row = row_of(g);
  row.id = crypto::uuid_v4();
  return row;
}

int64_t hits(db::Pool& pool, const std::string& q) {
  text::Query query = text::query(q);
  GrantFilters f;
  f.grams = query.grams;
  f.like_patterns = query.like_patterns;
  return pool.read([&](db::Tx& tx) { return store::search(tx, f, 20, 0).total; });
}
} // namespace

TEST_CASE("published grants are searched and listed by deadline day, drafts are not", "[db]") {
  GrantsDb d;
  GrantRow a = grant("萩の里山保全助成", "2099-03-31"), b = grant("防災活動助成", "2099-03-01"),
           c = grant("萩の下書き助成", "2099-03-15"), anytime = grant("随時募集の助成", "");
  d.pool.transaction([&](db::Tx& tx) {
    for (auto* g : {&a, &b, &c, &anytime}) store::insert(tx, *g);
    for (auto* g : {&a, &b, &anytime}) store::set_state(tx, g->id, "published");
  });
  CHECK(hits(d.pool, "萩") == 1);
  CHECK(hits(d.pool, "里山保全") == 1);
  CHECK(hits(d.pool, "助成") == 3);
  auto days = d.pool.read([](db::Tx& tx) { return store::deadlines(tx, "2099-03-01", "2099-04-01"); });
  REQUIRE(days.size() == 2);  // the draft and the anytime grant have no day
  CHECK(days[0].date == "2099-03-01");
  CHECK(days[1].id == a.id);
  GrantFilters open;
  open.open = true;
  CHECK(d.pool.read([&](db::Tx& tx) { return store::search(tx, open, 20, 0).total; }) == 3);
}

TEST_CASE("an edit with a stale version changes nothing, the schema refuses impossible dates", "[db]") {
  GrantsDb d;
  GrantRow a = grant("助成", "2099-03-31");
  d.pool.transaction([&](db::Tx& tx) { store::insert(tx, a); });
  GrantRow edit = a;
  edit.name = "改めた助成";
  edit.version = 1;
  CHECK(d.pool.transaction([&](db::Tx& tx) { return store::update(tx, edit); }));
  edit.name = "古い版からの編集";
  CHECK_FALSE(d.pool.transaction([&](db::Tx& tx) { return store::update(tx, edit); }));  // version is 2 now
  CHECK(d.pool.read([&](db::Tx& tx) { return store::find(tx, a.id)->name; }) == "改めた助成");

  auto refused = [&](GrantRow g) {
    try {
      d.pool.transaction([&](db::Tx& tx) { store::insert(tx, g); });
      return false;
    } catch (const db::Error&) {
      return true;
    }
  };
  GrantRow no_deadline = grant("締切なし", "2099-01-01");
  no_deadline.application_end = "";  // and not anytime
  CHECK(refused(no_deadline));
  GrantRow reversed = grant("逆転", "2099-01-01");
  reversed.application_start = "2099-02-01";
  CHECK(refused(reversed));
  GrantRow bad_state = grant("状態", "2099-01-01");
  bad_state.state = "deleted";
  CHECK(refused(bad_state));
}

TEST_CASE("a keyword matching more than 1,000 grants is counted up to the cap", "[db]") {
  GrantsDb d;
  d.pool.transaction([&](db::Tx& tx) {
    for (int i = 0; i < 1002; ++i) {
      GrantRow g = grant("まちづくり助成 " + std::to_string(i), "2099-03-31");
      store::insert(tx, g);
      store::set_state(tx, g.id, "published");
    }
  });
  text::Query query = text::query("助成");
  GrantFilters f;
  f.grams = query.grams;
  auto page = d.pool.read([&](db::Tx& tx) { return store::search(tx, f, 20, 0); });
  CHECK(page.items.size() == 20);
  CHECK(page.total == 1000);
  CHECK(page.capped);
  auto last = d.pool.read([&](db::Tx& tx) { return store::search(tx, f, 20, 1000); });
  CHECK(last.items.size() == 2);  // paging goes on past the cap
}
