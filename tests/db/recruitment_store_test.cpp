// [db] recruitment: the public list of coming events from memory (search::LiveIndex)
// against real PostgreSQL — only published events with a date today or later, soonest
// first, the list's filters, and following edits and archiving.
#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "core/time.h"
#include "db/migrations.h"
#include "fresh_db.h"
#include "recruitment/service.h"
#include "recruitment/store.h"
#include "text/text.h"

namespace civic::generated {
std::vector<civic::db::Schema> recruitment_lib_schema();
}

using namespace civic;
using namespace civic::recruitment;

namespace {
struct RecruitmentDb {
  testing::FreshDatabase fresh;
  db::Pool pool{fresh.url(), 2};
  RecruitmentDb() { db::migrate(fresh.url(), generated::recruitment_lib_schema(), "recruitment"); }
};

const int32_t kToday = time::day_number("2026-11-22");

store::EventRow event(const std::string& title, std::vector<std::string> dates, const std::string& category = "event") {
  store::EventRow e;
  e.id = crypto::uuid_v4();
  e.category = category;
  e.title = title;
  e.dates = std::move(dates);
  e.municipality = "hagi";
  e.fields = {"f13"};
  e.submitter_name = "山口 花子";
  e.submitter_email_sealed = "sealed";
  e.search_text = text::search_text({title});
  return e;
}

store::EventFilters keywords(const std::string& q) {
  store::EventFilters f;
  f.keywords = text::query(q);
  return f;
}

std::vector<std::string> titles(db::Pool& pool, const search::Page& page) {
  std::vector<std::string> out;
  for (const auto& row : pool.read([&](db::Tx& tx) { return store::find_published_events(tx, page.ids); }))
    out.push_back(row.title);
  return out;
}
} // namespace

TEST_CASE("coming events from memory: published, a date today or later, soonest first, filtered", "[db]") {
  RecruitmentDb d;
  auto past = event("萩の終わった祭り", {"2026-11-21"}), today = event("萩の朝市", {"2026-11-20", "2026-11-22"}),
       later = event("萩の講座", {"2026-12-10"}, "course"), draft = event("萩の下書き", {"2026-12-01"}),
       spring = event("周南の花見", {"2027-04-01"});
  d.pool.transaction([&](db::Tx& tx) {
    for (auto* e : {&past, &today, &later, &draft, &spring}) store::insert_event(tx, *e);
    for (auto* e : {&past, &today, &later, &spring}) store::set_event_state(tx, e->id, "published");
  });
  store::EventIndex index(d.pool, store::changed_events);
  index.refresh();
  CHECK(index.size() == 4);  // the past one is indexed, the draft is not

  auto page = coming_events(index, keywords("萩"), kToday, 20, 0);
  CHECK(page.total == 2);
  CHECK(titles(d.pool, page) == std::vector<std::string>{"萩の朝市", "萩の講座"});  // soonest first
  CHECK(coming_events(index, {}, kToday, 20, 0).total == 3);

  store::EventFilters f;
  f.category = "course";
  CHECK(coming_events(index, f, kToday, 20, 0).total == 1);
  f = {};
  f.from = "2026-12-01";
  f.to = "2026-12-31";
  CHECK(titles(d.pool, coming_events(index, f, kToday, 20, 0)) == std::vector<std::string>{"萩の講座"});
  f = {};
  f.from = "2026-01-01";  // a "from" in the past does not bring past events back
  CHECK(coming_events(index, f, kToday, 20, 0).total == 3);
  f = {};
  f.municipality = "shunan";
  CHECK(coming_events(index, f, kToday, 20, 0).total == 0);
  f = {};
  f.field = "f13";
  CHECK(coming_events(index, f, kToday, 20, 0).total == 3);
  CHECK(coming_events(index, keywords("花見"), kToday + 200, 20, 0).total == 0);  // over by then
}

TEST_CASE("the list of coming events follows new dates and archiving", "[db]") {
  RecruitmentDb d;
  auto a = event("萩の朝市", {"2026-12-20"}), b = event("萩の講座", {"2026-12-10"});
  d.pool.transaction([&](db::Tx& tx) {
    for (auto* e : {&a, &b}) {
      store::insert_event(tx, *e);
      store::set_event_state(tx, e->id, "published");
    }
  });
  store::EventIndex index(d.pool, store::changed_events);
  index.refresh();
  CHECK(titles(d.pool, coming_events(index, {}, kToday, 20, 0)) == std::vector<std::string>{"萩の講座", "萩の朝市"});
  d.pool.transaction([&](db::Tx& tx) {
    auto moved = *store::find_event(tx, a.id, true);
    moved.dates = {"2026-12-01"};
    REQUIRE(store::update_event(tx, moved));
  });
  index.refresh();
  CHECK(titles(d.pool, coming_events(index, {}, kToday, 20, 0)) == std::vector<std::string>{"萩の朝市", "萩の講座"});
  d.pool.transaction([&](db::Tx& tx) { store::set_event_state(tx, b.id, "archived"); });
  index.refresh();
  CHECK(coming_events(index, keywords("講座"), kToday, 20, 0).total == 0);
  CHECK(index.size() == 1);
}
