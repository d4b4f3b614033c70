// [db] directory: the schema's own guards and the gram search against real PostgreSQL.
#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "db/migrations.h"
#include "directory/store.h"
#include "fresh_db.h"
#include "text/text.h"
#include "workflow/workflow.h"

namespace civic::generated {
const std::vector<civic::db::Migration>& directory_lib_migrations();
}

using namespace civic;
using namespace civic::directory;

namespace {
struct DirectoryDb {
  testing::FreshDatabase fresh;
  db::Pool pool{fresh.url(), 2};
  DirectoryDb() { db::migrate(fresh.url(), generated::directory_lib_migrations(), "directory"); }
};

OrgRow org(const std::string& name, const std::string& activities = "清掃活動") {
  OrgRow o;
  o.id = crypto::uuid_v4();
  o.kind = "group";
  o.class_code = "voluntary";
  o.name = name;
  o.name_kana = "てすと";
  o.fields = {"f01"};
  o.target_area = "prefecture";
  o.municipality = "ube";
  o.profile = "{}";
  o.registrant_name = "担当";
  o.registrant_phone_sealed = "sealed";
  o.registrant_email_sealed = "sealed";
  o.accepted_terms_version = 1;
  o.guardian_consent = true;
  std::vector<std::string_view> parts = {o.name, activities};
  o.search_grams = text::index_grams(parts);
  o.search_text = text::search_text(parts);
  return o;
}

int64_t hits(db::Pool& pool, const std::string& q) {
  text::Query query = text::query(q);
  Filters f;
  f.grams = query.grams;
  f.like_patterns = query.like_patterns;
  return pool.read([&](db::Tx& tx) { return store::search(tx, f, 20, 0).total; });
}
} // namespace

TEST_CASE("published organisations are found by 1-, 2- and 3+-character keywords; others are not", "[db]") {
  DirectoryDb d;
  OrgRow a = org("宇部ボランティア協会"), b = org("下関まちづくりの会", "ＮＰＯ支援"), c = org("宇部の下書き団体");
  d.pool.transaction([&](db::Tx& tx) {
    for (auto* o : {&a, &b, &c}) store::insert(tx, *o);
    store::set_state(tx, a.id, "published");
    store::set_state(tx, b.id, "published");
  });
  CHECK(hits(d.pool, "宇") == 1);           // c is not published
  CHECK(hits(d.pool, "下関") == 1);
  CHECK(hits(d.pool, "ﾎﾞﾗﾝﾃｨｱ") == 1);
  CHECK(hits(d.pool, "npo") == 1);          // full-width ＮＰＯ in the activities
  CHECK(hits(d.pool, "まちづくり 下関") == 1);
  CHECK(hits(d.pool, "ボランティア 下関") == 0);
  CHECK(hits(d.pool, "100%") == 0);          // LIKE wildcards are escaped
  CHECK(hits(d.pool, "") == 2);
}

TEST_CASE("the schema refuses what the service must never write", "[db]") {
  DirectoryDb d;
  auto refused = [&](auto edit) {
    OrgRow o = org("団体");
    edit(o);
    try {
      d.pool.transaction([&](db::Tx& tx) { store::insert(tx, o); });
      return false;
    } catch (const db::Error&) {
      return true;
    }
  };
  CHECK(refused([](OrgRow& o) { o.kind = "club"; }));
  CHECK(refused([](OrgRow& o) { o.guardian_consent = false; }));
  CHECK(refused([](OrgRow& o) { o.accepted_terms_version = 0; }));
  CHECK(refused([](OrgRow& o) { o.state = "live"; }));
  CHECK(refused([](OrgRow& o) { o.profile = "[1,2]"; }));
  CHECK(refused([](OrgRow& o) { o.name = ""; }));
  CHECK(d.pool.read([](db::Tx& tx) { return tx.exec("SELECT count(*) FROM organizations")[0].int64(0); }) == 0);
}

TEST_CASE("state changes stamp the first publication and are kept in the history", "[db]") {
  DirectoryDb d;
  OrgRow o = org("履歴の会");
  d.pool.transaction([&](db::Tx& tx) {
    store::insert(tx, o);
    workflow::record(tx, {"organization", o.id, "create", std::nullopt, workflow::State::review, "", ""});
    store::set_state(tx, o.id, "published");
    workflow::record(tx, {"organization", o.id, "publish", workflow::State::review, workflow::State::published, "", ""});
  });
  auto row = d.pool.read([&](db::Tx& tx) { return store::find(tx, o.id); });
  REQUIRE(row);
  CHECK(row->state == "published");
  CHECK_FALSE(row->published_at.empty());
  CHECK(row->version == 2);
  auto h = d.pool.transaction([&](db::Tx& tx) { return workflow::history(tx, "organization", o.id); });
  REQUIRE(h.size() == 2);
  CHECK(h[1].from == "review");
  CHECK(h[1].to == "published");
}
