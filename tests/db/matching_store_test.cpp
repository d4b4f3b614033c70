// [db] matching: the triggers of MAT-3 against real PostgreSQL — who is mailed, that a
// trigger fires once per subject, that mails leave in batches, and that private items
// are sealed at rest.
#include <catch2/catch.hpp>

#include "civic/events.pb.h"
#include "core/crypto.h"
#include "db/migrations.h"
#include "fresh_db.h"
#include "matching/store.h"
#include "matching/triggers.h"
#include "rpc/oneclick.h"
#include "rpc/reseal.h"
#include "rpc/schedule.h"

namespace civic::generated {
std::vector<civic::db::Schema> matching_lib_schema();
}

using namespace civic;
using namespace civic::matching;

namespace {
const crypto::Sealer kSealer({{1, std::string(32, 's')}}, 1);
const TriggerConfig kConfig{"https://aikasanet.example", std::string(32, 'k'), 86400};

struct MatchingDb {
  testing::FreshDatabase fresh;
  db::Pool pool{fresh.url(), 2};
  MatchingDb() { db::migrate(fresh.url(), generated::matching_lib_schema(), "matching"); }
};

store::MemberRow member(const std::string& email, std::vector<std::string> places, std::vector<std::string> days) {
  store::MemberRow m;
  m.id = crypto::uuid_v4();
  m.account_id = crypto::uuid_v4();
  m.type = "individual";
  m.activity_municipalities = std::move(places);
  m.fields = {"f13"};
  m.weekdays = std::move(days);
  m.time_slot = "morning";
  PrivateItems p;
  p.name = "山口 花子";
  p.email = email;
  p.phone = "0834-11-2222";
  m.private_sealed = seal_private(kSealer, m.id, p);
  return m;
}

store::RecruitmentRow recruitment() {
  store::RecruitmentRow r;
  r.id = crypto::uuid_v4();
  r.organization_id = crypto::uuid_v4();
  r.organization_name = "周南みまもり隊";
  r.title = "子ども食堂";
  r.fields = {"f13"};
  r.municipalities = {"shunan"};
  r.weekdays = {"sat"};
  r.time_slot = "morning";
  r.organizer_email_sealed = kSealer.seal("organizer@example.jp", r.id);
  return r;
}

// Every mail in the outbox's mail.batch events: recipient -> template.
std::multimap<std::string, civic::events::MailRequested> queued(db::Pool& pool) {
  std::multimap<std::string, civic::events::MailRequested> out;
  pool.read([&](db::Tx& tx) {
    db::Result r = tx.exec("SELECT payload FROM outbox WHERE type = 'mail.batch'");
    for (int i = 0; i < r.size(); ++i) {
      civic::events::MailBatch batch;
      REQUIRE(batch.ParseFromString(r[i].bytes(0)));
      for (const auto& m : batch.mails()) out.emplace(m.mail().to(), m.mail());
    }
  });
  return out;
}

void publish(db::Tx& tx, store::MemberRow& m) {
  store::insert(tx, m);
  store::set_state(tx, m.id, "published");
}
} // namespace

TEST_CASE("a published recruitment mails every reachable matching member once, with working one-click links", "[db]") {
  MatchingDb db;
  auto fits = member("fits@example.jp", {"shunan"}, {"sat"});
  auto stopped = member("stopped@example.jp", {"shunan"}, {"sat"});
  auto resting = member("resting@example.jp", {"shunan"}, {"sat"});
  auto elsewhere = member("elsewhere@example.jp", {"hagi"}, {"sat"});
  auto weekdays = member("weekdays@example.jp", {"shunan"}, {"mon"});
  auto pending = member("pending@example.jp", {"shunan"}, {"sat"});  // not yet reviewed
  db.pool.transaction([&](db::Tx& tx) {
    for (auto* m : {&fits, &stopped, &resting, &elsewhere, &weekdays}) publish(tx, *m);
    store::insert(tx, pending);
    store::set_status(tx, stopped.id, "active", true);
    store::set_status(tx, resting.id, "suspended", false);
  });
  auto r = recruitment();
  int matched = db.pool.transaction([&](db::Tx& tx) {
    store::upsert_recruitment(tx, r);
    return recruitment_published(tx, r, "organizer@example.jp", kConfig, kSealer);
  });
  CHECK(matched == 1);
  auto mails = queued(db.pool);
  REQUIRE(mails.count("fits@example.jp") == 1);
  for (const char* other : {"stopped@example.jp", "resting@example.jp", "elsewhere@example.jp", "weekdays@example.jp",
                            "pending@example.jp"}) {
    INFO(other);
    CHECK(mails.count(other) == 0);
  }
  CHECK(mails.count("organizer@example.jp") == 1);
  const auto& mail = mails.find("fits@example.jp")->second;
  CHECK(mail.template_() == "matching.recruitment_for_member");
  std::string apply = mail.variables().at("apply_url");
  auto claims = rpc::oneclick::verify(apply.substr(apply.rfind('/') + 1), kConfig.oneclick_key, std::time(nullptr));
  REQUIRE(claims);
  CHECK(claims->member_id == fits.id);
  CHECK(claims->recruitment_id == r.id);
  CHECK(claims->action == rpc::oneclick::Action::apply);

  // The same recruitment again (a replay under a new event id): nothing more.
  int again = db.pool.transaction([&](db::Tx& tx) { return recruitment_published(tx, r, "organizer@example.jp", kConfig, kSealer); });
  CHECK(again == 0);
  CHECK(queued(db.pool).size() == mails.size());
}

TEST_CASE("1,200 matches leave as three mail.batch events of at most 500", "[db]") {
  MatchingDb db;
  db.pool.transaction([&](db::Tx& tx) {
    for (int i = 0; i < 1200; ++i) {
      auto m = member("v" + std::to_string(i) + "@example.jp", {"shunan"}, {"sat"});
      publish(tx, m);
    }
  });
  auto r = recruitment();
  db.pool.transaction([&](db::Tx& tx) {
    store::upsert_recruitment(tx, r);
    CHECK(recruitment_published(tx, r, "organizer@example.jp", kConfig, kSealer) == 1200);
  });
  db.pool.read([&](db::Tx& tx) {
    CHECK(tx.exec("SELECT count(*) FROM outbox WHERE type = 'mail.batch'")[0].int64(0) == 3);
  });
  CHECK(queued(db.pool).size() == 1201);  // every member and the organiser
}

TEST_CASE("a member published later hears of the open recruitments it fits, and their organisers of it, once", "[db]") {
  MatchingDb db;
  auto open = recruitment();
  auto closed = recruitment();
  auto past = recruitment();
  past.period_end = "2020-01-01";
  db.pool.transaction([&](db::Tx& tx) {
    for (auto* r : {&open, &closed, &past}) store::upsert_recruitment(tx, *r);
    store::close_recruitment(tx, closed.id);
  });
  auto hidden = recruitment();  // its organisation was archived in the directory
  db.pool.transaction([&](db::Tx& tx) {
    store::upsert_recruitment(tx, hidden);
    store::upsert_organization(tx, {hidden.organization_id, crypto::uuid_v4(), "group", "休止中の会", false, true});
  });
  auto m = member("late@example.jp", {"shunan", "hagi"}, {"sat", "sun"});
  db.pool.transaction([&](db::Tx& tx) {
    publish(tx, m);
    CHECK(member_published(tx, *store::find(tx, m.id), kConfig, kSealer) == 2);  // (a) and one (c)
  });
  auto mails = queued(db.pool);
  REQUIRE(mails.count("late@example.jp") == 1);
  CHECK(mails.find("late@example.jp")->second.variables().at("count") == "1");
  CHECK(mails.count("organizer@example.jp") == 1);
  db.pool.transaction([&](db::Tx& tx) { CHECK(member_published(tx, *store::find(tx, m.id), kConfig, kSealer) == 0); });
}

TEST_CASE("private items are sealed at rest and bound to their member", "[db][SEC-17]") {
  MatchingDb db;
  auto m = member("secret@example.jp", {"shunan"}, {"sat"});
  db.pool.transaction([&](db::Tx& tx) { store::insert(tx, m); });
  auto row = db.pool.read([&](db::Tx& tx) { return store::find(tx, m.id); });
  REQUIRE(row);
  CHECK(row->private_sealed.find("secret@example.jp") == std::string::npos);
  CHECK(row->private_sealed.find("0834") == std::string::npos);
  CHECK(open_private(kSealer, *row).email == "secret@example.jp");
  store::MemberRow other = *row;
  other.id = crypto::uuid_v4();  // the same ciphertext under another member id does not open
  CHECK(open_private(kSealer, other).email.empty());
}

TEST_CASE("key rotation: reseal rewrites every value under the new key, once, and refuses a value it cannot open", "[db][SEC-17]") {
  MatchingDb db;
  crypto::Sealer old_ring({{1, std::string(32, 'a')}}, 1);
  std::vector<std::string> ids;
  db.pool.transaction([&](db::Tx& tx) {
    for (int i = 0; i < 1203; ++i) {  // more than one batch of 500
      auto m = member("r" + std::to_string(i) + "@example.jp", {"shunan"}, {"sat"});
      PrivateItems p;
      p.email = "r" + std::to_string(i) + "@example.jp";
      m.private_sealed = seal_private(old_ring, m.id, p);
      store::insert(tx, m);
      ids.push_back(m.id);
    }
  });
  crypto::Sealer new_ring({{2, std::string(32, 'b')}, {1, std::string(32, 'a')}}, 2);
  CHECK(rpc::reseal(db.pool, new_ring, {"members", "private_sealed"}) == 1203);
  CHECK(rpc::reseal(db.pool, new_ring, {"members", "private_sealed"}) == 0);  // nothing left to do
  crypto::Sealer only_new({{2, std::string(32, 'b')}}, 2);  // the old key can now go
  auto row = db.pool.read([&](db::Tx& tx) { return store::find(tx, ids[700]); });
  REQUIRE(row);
  CHECK(uint8_t(row->private_sealed[0]) == 2);
  CHECK(open_private(only_new, *row).email == "r700@example.jp");

  // A value under a key the ring does not hold stops the run with an error.
  crypto::Sealer stray({{7, std::string(32, 'c')}}, 7);
  db.pool.transaction([&](db::Tx& tx) {
    auto m = member("x@example.jp", {"shunan"}, {"sat"});
    m.private_sealed = seal_private(stray, m.id, {});
    store::insert(tx, m);
  });
  CHECK_THROWS(rpc::reseal(db.pool, new_ring, {"members", "private_sealed"}));
}

TEST_CASE("daily and weekly members get one digest of every match since the last, each match in exactly one mail", "[db]") {
  MatchingDb db;
  auto instant = member("instant@example.jp", {"shunan"}, {"sat"});
  auto daily = member("daily@example.jp", {"shunan"}, {"sat"});
  auto weekly = member("weekly@example.jp", {"shunan"}, {"sat"});
  daily.mail_frequency = "daily";
  weekly.mail_frequency = "weekly";
  db.pool.transaction([&](db::Tx& tx) {
    for (auto* m : {&instant, &daily, &weekly}) publish(tx, *m);
  });
  auto first = recruitment(), second = recruitment(), withdrawn = recruitment();
  first.title = "朝市の手伝い";
  second.title = "海岸の清掃";
  withdrawn.title = "取り下げられる募集";
  for (auto* r : {&first, &second, &withdrawn})
    db.pool.transaction([&](db::Tx& tx) {
      store::upsert_recruitment(tx, *r);
      recruitment_published(tx, *r, "organizer@example.jp", kConfig, kSealer);
    });
  db.pool.transaction([&](db::Tx& tx) { store::close_recruitment(tx, withdrawn.id); });

  // At once: the instant member's three mails; nothing yet to the others.
  auto mails = queued(db.pool);
  CHECK(mails.count("instant@example.jp") == 3);
  CHECK(mails.count("daily@example.jp") == 0);
  CHECK(mails.count("weekly@example.jp") == 0);

  // The matches were kept at now(); the digest moments are judged against it.
  std::time_t now = std::time(nullptr);
  DigestSchedule schedule{8, 1};
  auto digests = [&](std::time_t at) {
    std::vector<civic::events::MailRequested> out;
    send_digests(db.pool, kConfig, kSealer, schedule, at);
    auto all = queued(db.pool);
    for (auto [it, end] = all.equal_range("daily@example.jp"); it != end; ++it) out.push_back(it->second);
    return out;
  };
  // Before the next 8:00 in Tokyo: nothing is due.
  CHECK(send_digests(db.pool, kConfig, kSealer, schedule, now) == 0);
  // A day later: the daily member's one digest lists the two still open, with one-click links.
  std::time_t tomorrow = now + 86400 + 60;
  auto daily_mails = digests(tomorrow);
  REQUIRE(daily_mails.size() == 1);
  const auto& digest = daily_mails[0];
  CHECK(digest.template_() == "matching.digest");
  CHECK(digest.variables().at("count") == "2");
  std::string list = digest.variables().at("recruitments");
  CHECK(list.find("朝市の手伝い") != std::string::npos);
  CHECK(list.find("海岸の清掃") != std::string::npos);
  CHECK(list.find("取り下げられる募集") == std::string::npos);
  std::string token = list.substr(list.find("/oneclick/") + 10);
  token = token.substr(0, token.find('\n'));
  auto claims = rpc::oneclick::verify(token, kConfig.oneclick_key, tomorrow);
  REQUIRE(claims);
  CHECK(claims->member_id == daily.id);
  CHECK(claims->recruitment_id == first.id);
  // Again the same day: nothing more (the matches went with the mail).
  CHECK(digests(tomorrow + 3600).size() == 1);

  // The weekly member's waits for the next Monday 8:00 (Tokyo) after the matches.
  std::time_t monday = rpc::last_moment({8, 1}, now + 7 * 86400);
  CHECK(monday > now);
  if (monday > tomorrow + 3600) CHECK(queued(db.pool).count("weekly@example.jp") == 0);
  if (monday - 3600 > now) {
    send_digests(db.pool, kConfig, kSealer, schedule, monday - 3600);
    CHECK(queued(db.pool).count("weekly@example.jp") == 0);
  }
  send_digests(db.pool, kConfig, kSealer, schedule, monday + 60);
  CHECK(queued(db.pool).count("weekly@example.jp") == 1);
  send_digests(db.pool, kConfig, kSealer, schedule, monday + 7 * 86400);
  CHECK(queued(db.pool).count("weekly@example.jp") == 1);
  // Nothing is left waiting, and the instant member got no digest.
  CHECK(db.pool.read([](db::Tx& tx) { return tx.exec("SELECT count(*) FROM pending_matches")[0].int64(0); }) == 0);
  CHECK(queued(db.pool).count("instant@example.jp") == 3);
}
