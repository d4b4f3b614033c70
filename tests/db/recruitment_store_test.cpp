// [db] recruitment: the public list of coming events from memory (search::LiveIndex)
// against real PostgreSQL — only published events with a date today or later, soonest
// first, the list's filters, and following edits and archiving.
#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "core/time.h"
#include "db/migrations.h"
#include "fresh_db.h"
#include "recruitment/service.h"
#include "recruitment/reminders.h"
#include "recruitment/store.h"
#include "rpc/schedule.h"
#include "civic/events.pb.h"
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
  index.refresh();  // the plain list kept from before is stale now
  CHECK(titles(d.pool, coming_events(index, {}, kToday, 20, 0)) == std::vector<std::string>{"萩の朝市", "萩の講座"});
  auto second = coming_events(index, {}, kToday, 1, 1);  // a page of the kept list
  CHECK(second.total == 2);
  CHECK(titles(d.pool, second) == std::vector<std::string>{"萩の講座"});
  CHECK(coming_events(index, {}, kToday, 20, 5).ids.empty());
  // A flyer added moves the event's stamp (search::Rendered): its public record lists it.
  const auto before = index.stamp_of(b.id);
  REQUIRE(before);
  d.pool.transaction([&](db::Tx& tx) {
    store::insert_flyer(tx, "event", b.id, {crypto::uuid_v4(), "flyer.pdf", "application/pdf", "%PDF-1.4", 8}, "");
  });
  index.refresh();
  CHECK(index.stamp_of(b.id).value_or(0) != *before);
  d.pool.transaction([&](db::Tx& tx) { store::set_event_state(tx, b.id, "archived"); });
  index.refresh();
  CHECK_FALSE(index.stamp_of(b.id));
  CHECK(coming_events(index, keywords("講座"), kToday, 20, 0).total == 0);
  CHECK(titles(d.pool, coming_events(index, {}, kToday, 20, 0)) == std::vector<std::string>{"萩の朝市"});
  CHECK(index.size() == 1);
}

TEST_CASE("reminders: the day before from the hour, once per application and day, only of published recruitments", "[db]") {
  RecruitmentDb d;
  // 2026-12-02 18:30 in Tokyo (09:30 UTC): tomorrow is 2026-12-03.
  const std::time_t evening = 1796169600 + 9 * 3600 + 1800;
  store::OrgRow org{crypto::uuid_v4(), crypto::uuid_v4(), "npo", "周南みまもり隊", true, true};
  auto recruitment = [&](const std::string& title, std::vector<std::string> dates, const char* state) {
    store::RecruitmentRow r;
    r.id = crypto::uuid_v4();
    r.organization_id = org.id;
    r.owner_account_id = org.owner_account_id;
    r.title = title;
    r.fields = {"f13"};
    r.municipalities = {"shunan"};
    r.activity_dates = std::move(dates);
    r.period_end = "2026-12-31";
    r.profile = R"({"place":"周南市民館","time_note":"9:00～12:00","organizer_contact":"0834-00-0000"})";
    r.organizer_email_sealed = "sealed";
    r.state = "review";
    d.pool.transaction([&](db::Tx& tx) {
      store::insert(tx, r);
      store::set_state(tx, r.id, state);
    });
    return r.id;
  };
  auto apply = [&](const std::string& recruitment_id, const std::string& member_id) {
    d.pool.transaction([&](db::Tx& tx) {
      store::insert_submission(tx, crypto::uuid_v4(), "application", recruitment_id, "", member_id, false, "sealed");
    });
  };
  d.pool.transaction([&](db::Tx& tx) { store::upsert_organization(tx, org); });
  std::string tomorrow = recruitment("子ども食堂", {"2026-12-03", "2026-12-10"}, "published");
  std::string later = recruitment("海岸清掃", {"2026-12-10"}, "published");
  std::string withdrawn = recruitment("取り下げた募集", {"2026-12-03"}, "archived");
  std::string reachable = crypto::uuid_v4(), stopped = crypto::uuid_v4(), gone = crypto::uuid_v4();
  for (const auto& m : {reachable, stopped, gone}) apply(tomorrow, m);
  apply(later, reachable);
  apply(withdrawn, reachable);

  int lookups = 0;
  ContactLookup contacts = [&](const rpc::Principal&, const std::string& member_id, const std::string&)
      -> std::optional<civic::matching::ContactResponse> {
    ++lookups;
    if (member_id == gone) return std::nullopt;  // deleted since
    civic::matching::ContactResponse c;
    c.set_member_id(member_id);
    c.set_email(member_id == reachable ? "volunteer@example.jp" : "stopped@example.jp");
    c.set_account_id(member_id == reachable ? "0b7c4a0e-56e8-4c37-9d1b-0a6c3c1d2e3f" : "");
    c.set_reachable(true);
    c.set_mail_stopped(member_id == stopped);
    return c;
  };
  ReminderConfig cfg{18, "https://aikasanet.example", 2};
  auto mails = [&] {
    std::vector<civic::events::MailRequested> out;
    d.pool.read([&](db::Tx& tx) {
      for (const auto& row : tx.exec("SELECT payload FROM outbox WHERE type = 'mail.requested'")) {
        civic::events::MailRequested m;
        REQUIRE(m.ParseFromString(row.bytes(0)));
        if (m.template_() == "recruitment.reminder") out.push_back(m);
      }
    });
    return out;
  };

  // Before 18:00: nothing.
  CHECK(remind(d.pool, contacts, cfg, evening - 3600) == 0);
  CHECK(lookups == 0);
  // From 18:00, two a round (the batch), then nothing more.
  CHECK(remind(d.pool, contacts, cfg, evening) == 2);
  CHECK(remind(d.pool, contacts, cfg, evening + 60) == 1);
  CHECK(remind(d.pool, contacts, cfg, evening + 120) == 0);
  CHECK(lookups == 3);
  auto sent = mails();
  REQUIRE(sent.size() == 1);  // the stopped address and the deleted member get none
  CHECK(sent[0].to() == "volunteer@example.jp");
  CHECK(sent[0].also_line());
  CHECK(sent[0].account_id() == "0b7c4a0e-56e8-4c37-9d1b-0a6c3c1d2e3f");
  CHECK(sent[0].variables().at("date") == "12月3日（木）");
  CHECK(sent[0].variables().at("place") == "周南市民館");
  CHECK(sent[0].variables().at("belongings") == "（記載なし）");
  CHECK(sent[0].variables().at("url") == "https://aikasanet.example/aikasanet/recruitments/" + tomorrow);
  auto outcomes = d.pool.read([](db::Tx& tx) {
    std::multiset<std::string> out;
    for (const auto& row : tx.exec("SELECT outcome FROM reminders")) out.insert(row.text(0));
    return out;
  });
  CHECK(outcomes == std::multiset<std::string>{"member_gone", "mail_stopped", "sent"});

  // A week later (the 10th's activity): both recruitments, once each.
  const std::time_t next_week = evening + 7 * 86400;
  while (remind(d.pool, contacts, cfg, next_week) > 0) {
  }
  CHECK(mails().size() == 3);
  // Another replica holding the job's lock: this round waits its turn.
  db::Pool other(d.fresh.url(), 1);
  other.transaction([&](db::Tx& tx) {
    REQUIRE(rpc::try_job_lock(tx, "recruitment.reminders"));
    apply(later, crypto::uuid_v4());
    CHECK(remind(d.pool, contacts, cfg, next_week + 60) == 0);
  });
  CHECK(remind(d.pool, contacts, cfg, next_week + 120) == 1);
}
