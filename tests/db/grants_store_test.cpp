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
std::vector<civic::db::Schema> grants_lib_schema();
}

using namespace civic;
using namespace civic::grants;

namespace {
struct GrantsDb {
  testing::FreshDatabase fresh;
  db::Pool pool{fresh.url(), 2};
  GrantsDb() { db::migrate(fresh.url(), generated::grants_lib_schema(), "grants"); }
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

GrantFilters keywords(const std::string& q) {
  GrantFilters f;
  f.keywords = text::query(q);
  return f;
}

// The public list as ListGrants answers it: from the index, on 2026-11-22 (Tokyo).
constexpr int32_t kToday = 20779;
int64_t hits(const GrantIndex& index, GrantFilters f) { return public_grants(index, f, kToday, 20, 0).total; }
int64_t hits(const GrantIndex& index, const std::string& q) { return hits(index, keywords(q)); }
} // namespace

TEST_CASE("published grants are searched and listed by deadline day, drafts are not", "[db]") {
  GrantsDb d;
  GrantRow a = grant("萩の里山保全助成", "2099-03-31"), b = grant("防災活動助成", "2099-03-01"),
           c = grant("萩の下書き助成", "2099-03-15"), anytime = grant("随時募集の助成", ""),
           closed = grant("締め切った助成", "2026-11-21"), later = grant("来年から募集の助成", "2099-04-30");
  later.application_start = "2027-04-01";
  d.pool.transaction([&](db::Tx& tx) {
    for (auto* g : {&a, &b, &c, &anytime, &closed, &later}) store::insert(tx, *g);
    for (auto* g : {&a, &b, &anytime, &closed, &later}) store::set_state(tx, g->id, "published");
  });
  GrantIndex index(d.pool, store::changed_since);
  index.refresh();
  CHECK(hits(index, "萩") == 1);  // the draft is not in the index
  CHECK(hits(index, "里山保全") == 1);
  CHECK(hits(index, "助成") == 5);
  auto days = d.pool.read([](db::Tx& tx) { return store::deadlines(tx, "2099-03-01", "2099-04-01"); });
  REQUIRE(days.size() == 2);  // the draft and the anytime grant have no day, the rest are in other months
  CHECK(days[0].date == "2099-03-01");
  CHECK(days[1].id == a.id);
  GrantFilters open;
  open.open = true;  // neither the closed one nor the one that opens next year
  CHECK(hits(index, open) == 3);

  // The page's rows come from PostgreSQL in the index's order, newest publication first.
  auto page = public_grants(index, keywords("助成"), kToday, 2, 0);
  REQUIRE(page.ids.size() == 2);
  auto rows = d.pool.read([&](db::Tx& tx) { return store::find_published(tx, page.ids); });
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].id == page.ids[0]);
  CHECK(rows[1].id == page.ids[1]);
}

TEST_CASE("the public grant index follows edits, archiving and publication", "[db]") {
  GrantsDb d;
  GrantRow a = grant("萩の里山保全助成", "2099-03-31"), b = grant("防災活動助成", "2099-03-01");
  d.pool.transaction([&](db::Tx& tx) {
    for (auto* g : {&a, &b}) store::insert(tx, *g);
    store::set_state(tx, a.id, "published");
  });
  GrantIndex index(d.pool, store::changed_since);
  index.refresh();
  CHECK(index.size() == 1);
  // A listed row's stamp (search::Rendered keeps records by it): absent for a draft.
  const auto first_stamp = index.stamp_of(a.id);
  REQUIRE(first_stamp);
  CHECK_FALSE(index.stamp_of(b.id));
  CHECK_FALSE(index.stamp_of("not-a-uuid"));
  d.pool.transaction([&](db::Tx& tx) {
    GrantRow renamed = *store::find(tx, a.id);
    Grant content;
    to_proto(renamed, true, &content);
    content.set_name("周南の森づくり助成");
    GrantRow edit = row_of(content);
    edit.id = a.id;
    edit.version = renamed.version;
    REQUIRE(store::update(tx, edit));
    store::set_state(tx, b.id, "published");
  });
  index.refresh();
  REQUIRE(index.stamp_of(a.id));
  CHECK(*index.stamp_of(a.id) != *first_stamp);  // the edit moved it
  CHECK(index.stamp_of(b.id));
  CHECK(hits(index, "萩") == 0);  // the old text is gone
  CHECK(hits(index, "森づくり") == 1);
  CHECK(hits(index, "防災") == 1);
  d.pool.transaction([&](db::Tx& tx) { store::set_state(tx, a.id, "archived"); });
  index.refresh();
  CHECK(hits(index, "森づくり") == 0);
  CHECK(index.size() == 1);
  CHECK_FALSE(index.stamp_of(a.id));  // no longer listed
  // A row archived after the index picked the page is left out of the page's rows.
  auto page = public_grants(index, keywords("助成"), kToday, 20, 0);
  d.pool.transaction([&](db::Tx& tx) { store::set_state(tx, b.id, "archived"); });
  CHECK(page.ids.size() == 1);
  CHECK(d.pool.read([&](db::Tx& tx) { return store::find_published(tx, page.ids); }).empty());
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

TEST_CASE("a keyword matching more than 1,000 grants: the public total is exact, the staff list's capped", "[db]") {
  GrantsDb d;
  d.pool.transaction([&](db::Tx& tx) {
    for (int i = 0; i < 1002; ++i) {
      GrantRow g = grant("まちづくり助成 " + std::to_string(i), "2099-03-31");
      store::insert(tx, g);
      store::set_state(tx, g.id, "published");
    }
  });
  GrantFilters f = keywords("助成");
  GrantIndex index(d.pool, store::changed_since);
  index.refresh();
  CHECK(public_grants(index, f, kToday, 20, 0).total == 1002);
  CHECK(public_grants(index, f, kToday, 20, 1000).ids.size() == 2);
  auto page = d.pool.read([&](db::Tx& tx) { return store::admin_list(tx, "published", f, 20, 0); });
  CHECK(page.items.size() == 20);
  CHECK(page.total == 1000);
  CHECK(page.capped);
  auto last = d.pool.read([&](db::Tx& tx) { return store::admin_list(tx, "published", f, 20, 1000); });
  CHECK(last.items.size() == 2);  // paging goes on past the cap
}

TEST_CASE("the public library catalogue comes from memory: published books only, by keyword", "[db]") {
  GrantsDb d;
  auto book = [&](const std::string& title, const std::string& receipt, bool publish) {
    BookRow b;
    b.id = crypto::uuid_v4();
    b.title = title;
    b.author = "山口 太郎";
    b.receipt_number = receipt;
    b.search_text = text::search_text({title, b.author});
    d.pool.transaction([&](db::Tx& tx) {
      store::insert_book(tx, b);
      if (publish) store::set_book_state(tx, b.id, "published");
    });
    return b.id;
  };
  std::string a = book("萩の歴史と市民活動", "R-0001", true);
  book("萩の下書き", "R-0002", false);
  std::string c = book("ボランティア入門", "R-0003", true);
  BookIndex index(d.pool, store::changed_books);
  index.refresh();
  auto found = [&](const std::string& q) {
    return index.search(text::query(q), [](const BookHot&, const BookCold&) { return true; }, 20, 0, "all");
  };
  CHECK(found("萩").ids == std::vector<std::string>{a});
  CHECK(found("ﾎﾞﾗﾝﾃｨｱ").ids == std::vector<std::string>{c});
  CHECK(found("").total == 2);
  CHECK(d.pool.read([&](db::Tx& tx) { return store::find_published_books(tx, found("").ids); }).size() == 2);
  d.pool.transaction([&](db::Tx& tx) { store::set_book_state(tx, a, "archived"); });
  index.refresh();
  CHECK(found("萩").total == 0);
}
