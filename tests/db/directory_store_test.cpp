// [db] directory: the schema's own guards, the staff gram search and the in-memory
// public search following the table, against real PostgreSQL.
#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "db/migrations.h"
#include "directory/search_index.h"
#include "directory/store.h"
#include "fresh_db.h"
#include "text/text.h"
#include "workflow/workflow.h"

namespace civic::generated {
std::vector<civic::db::Schema> directory_lib_schema();
}

using namespace civic;
using namespace civic::directory;

namespace {
struct DirectoryDb {
  testing::FreshDatabase fresh;
  db::Pool pool{fresh.url(), 2};
  DirectoryDb() { db::migrate(fresh.url(), generated::directory_lib_schema(), "directory"); }
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

Filters keyword(const std::string& q) {
  Filters f;
  f.keywords = text::query(q);
  return f;
}

// The staff search (any state, narrowed to published here) through the GIN index.
int64_t hits(db::Pool& pool, const std::string& q) {
  return pool.read([&](db::Tx& tx) { return store::admin_list(tx, "published", keyword(q), 20, 0).total; });
}

// The public search: what the index holds after catching up with the table.
int64_t public_hits(SearchIndex& index, const std::string& q) {
  index.refresh();
  return index.search(keyword(q), 20, 0).total;
}
} // namespace

TEST_CASE("published organisations are found by 1-, 2- and 3+-character keywords, others are not", "[db]") {
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

  SearchIndex index(d.pool);
  for (const char* q : {"宇", "下関", "ﾎﾞﾗﾝﾃｨｱ", "npo", "まちづくり 下関", "ボランティア 下関", "100%", ""}) {
    INFO(q);
    CHECK(public_hits(index, q) == hits(d.pool, q));  // both searches agree
  }
}

TEST_CASE("the in-memory public search follows publication, archiving, status and corrections", "[db]") {
  DirectoryDb d;
  SearchIndex index(d.pool);
  OrgRow a = org("萩の清掃ボランティア"), b = org("萩まちづくり会議");
  d.pool.transaction([&](db::Tx& tx) {
    store::insert(tx, a);
    store::insert(tx, b);
  });
  CHECK(public_hits(index, "萩") == 0);  // in review
  d.pool.transaction([&](db::Tx& tx) { store::set_state(tx, a.id, "published"); });
  CHECK(public_hits(index, "萩") == 1);
  d.pool.transaction([&](db::Tx& tx) { store::set_state(tx, b.id, "published"); });
  CHECK(index.search(keyword("萩"), 20, 0).total == 1);  // not until it looks again
  index.refresh();
  auto page = index.search(keyword("萩"), 20, 0);
  REQUIRE(page.ids.size() == 2);
  CHECK(page.ids[0] == b.id);  // newest publication first
  CHECK(index.search(keyword("萩"), 1, 1).ids == std::vector<std::string>{a.id});
  auto rows = d.pool.read([&](db::Tx& tx) { return store::find_published(tx, page.ids); });
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].id == b.id);  // the page's rows in the index's order

  Filters dissolved = keyword("萩");
  dissolved.status = "dissolved";
  d.pool.transaction([&](db::Tx& tx) { store::set_status(tx, a.id, "dissolved"); });
  index.refresh();
  CHECK(index.search(dissolved, 20, 0).ids == std::vector<std::string>{a.id});

  OrgRow corrected = b;
  corrected.name = "長門まちづくり会議";
  corrected.search_text = text::search_text({corrected.name});
  corrected.search_grams = text::index_grams({corrected.name});
  const auto before = index.stamp_of(b.id);
  REQUIRE(before);
  d.pool.transaction([&](db::Tx& tx) { store::update_content(tx, corrected); });
  CHECK(public_hits(index, "長門") == 1);
  CHECK(public_hits(index, "萩") == 1);  // a: dissolved, and no status filter was asked for
  // The stamp (search::Rendered) moves with a correction and with an attachment added or
  // removed: the public record lists its attachments.
  const auto corrected_at = index.stamp_of(b.id);
  REQUIRE(corrected_at);
  CHECK(*corrected_at != *before);
  AttachmentRow attachment{crypto::uuid_v4(), b.id, "articles", "会則.pdf", "application/pdf", "%PDF-1.4", 8, ""};
  d.pool.transaction([&](db::Tx& tx) { store::insert_attachment(tx, attachment, ""); });
  index.refresh();
  const auto attached_at = index.stamp_of(b.id);
  REQUIRE(attached_at);
  CHECK(*attached_at != *corrected_at);
  d.pool.transaction([&](db::Tx& tx) { CHECK(store::delete_attachment(tx, b.id, attachment.id)); });
  index.refresh();
  CHECK(index.stamp_of(b.id).value_or(0) != *attached_at);

  d.pool.transaction([&](db::Tx& tx) { store::set_state(tx, a.id, "archived"); });
  CHECK(public_hits(index, "萩") == 0);
  CHECK(index.size() == 1);
  d.pool.transaction([&](db::Tx& tx) { store::set_state(tx, a.id, "published"); });  // restored
  CHECK(public_hits(index, "清掃") == 1);
  CHECK(index.size() == 2);
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
  CHECK(refused([](OrgRow& o) { o.accepted_terms_version = -1; }));  // 0: accepted the former system's (an import)
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
