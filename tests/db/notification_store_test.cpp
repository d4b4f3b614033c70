// [db] notification: inbox dedupe, one message per event, leases, sending over a real
// SMTP server on loopback (SMTP_URL), attempts recorded.
#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "db/migrations.h"
#include "fresh_db.h"
#include "notification/mailer.h"
#include "notification/sender.h"
#include "notification/store.h"
#include "rpc/outbox.h"

namespace civic::generated {
std::vector<civic::db::Schema> notification_lib_schema();
}

using namespace civic;
using namespace civic::notification;

namespace {
struct NotificationDb {
  testing::FreshDatabase fresh;
  db::Pool pool{fresh.url(), 4};
  NotificationDb() { db::migrate(fresh.url(), generated::notification_lib_schema(), "notification"); }
  MessageRow message(const std::string& event_id, const std::string& to) {
    MessageRow m;
    m.id = crypto::uuid_v4();
    m.event_id = event_id;
    m.template_key = "auth.verify_email";
    m.recipient = to;
    m.subject = "件名";
    m.body = "本文";
    m.status = "queued";
    return m;
  }
};

class FailingMailer : public Mailer {
 public:
  int calls = 0;
  SendResult send(const OutgoingMail&) override {
    ++calls;
    return {"connection refused"};
  }
};
} // namespace

TEST_CASE("the seeded templates are present and editable with optimistic locking", "[db]") {
  NotificationDb db;
  auto t = db.pool.transaction([](db::Tx& tx) { return store::find_template(tx, "auth.password_reset", "ja"); });
  REQUIRE(t);
  CHECK(t->body.find("{{url}}") != std::string::npos);
  TemplateRow edit = *t;
  edit.subject = "新しい件名";
  CHECK(db.pool.transaction([&](db::Tx& tx) { return store::update_template(tx, edit); }));
  CHECK_FALSE(db.pool.transaction([&](db::Tx& tx) { return store::update_template(tx, edit); }));  // stale version
}

TEST_CASE("an event is accepted once and yields at most one message", "[db]") {
  NotificationDb db;
  std::string event = crypto::uuid_v4();
  CHECK(db.pool.transaction([&](db::Tx& tx) { return rpc::accept_event(tx, event, "mail.requested"); }));
  CHECK_FALSE(db.pool.transaction([&](db::Tx& tx) { return rpc::accept_event(tx, event, "mail.requested"); }));
  db.pool.transaction([&](db::Tx& tx) { store::insert_message(tx, db.message(event, "a@example.jp")); });
  db.pool.transaction([&](db::Tx& tx) { store::insert_message(tx, db.message(event, "a@example.jp")); });
  CHECK(db.pool.read([](db::Tx& c) { return c.exec("SELECT count(*) FROM messages")[0].int64(0); }) == 1);
}

TEST_CASE("a batch of messages is written in one statement, bodies intact, known event ids skipped", "[db]") {
  NotificationDb db;
  std::string seen = crypto::uuid_v4();
  db.pool.transaction([&](db::Tx& tx) { store::insert_message(tx, db.message(seen, "first@example.jp")); });
  std::vector<MessageRow> batch;
  for (int i = 0; i < 300; ++i) {
    auto m = db.message(i == 0 ? seen : crypto::uuid_v4(), "v" + std::to_string(i) + "@example.jp");
    m.body = "行1\n\"引用\" \\ {波括弧} ,カンマ " + std::to_string(i);
    batch.push_back(m);
  }
  db.pool.transaction([&](db::Tx& tx) { store::insert_messages(tx, batch); });
  db.pool.read([&](db::Tx& tx) {
    CHECK(tx.exec("SELECT count(*) FROM messages")[0].int64(0) == 300);  // the known event id once
    CHECK(tx.exec("SELECT recipient FROM messages WHERE event_id = $1::uuid", seen)[0].text(0) == "first@example.jp");
    CHECK(tx.exec("SELECT body FROM messages WHERE recipient = 'v7@example.jp'")[0].text(0) ==
          "行1\n\"引用\" \\ {波括弧} ,カンマ 7");
  });
}

TEST_CASE("a header with CR/LF cannot even be stored", "[db][SEC-7]") {
  NotificationDb db;
  auto m = db.message(crypto::uuid_v4(), "a@example.jp\r\nBcc: victim@example.jp");
  CHECK_THROWS_AS(db.pool.transaction([&](db::Tx& tx) { store::insert_message(tx, m); }), db::Error);
}

TEST_CASE("failed sends are recorded, retried later and finally marked failed", "[db]") {
  NotificationDb db;
  db.pool.transaction([&](db::Tx& tx) { store::insert_message(tx, db.message(crypto::uuid_v4(), "a@example.jp")); });
  FailingMailer mailer;
  MailSender sender(db.pool, mailer, {"noreply@example.jp", "example.jp", 2, 20});
  CHECK(sender.send_due() == 0);
  CHECK(sender.send_due() == 0);  // backing off
  CHECK(mailer.calls == 1);
  db.pool.transaction([](db::Tx& tx) { tx.exec("UPDATE messages SET next_attempt_at = now()"); });
  sender.send_due();
  auto r = db.pool.read([](db::Tx& c) {
    return c.exec("SELECT status, attempts, (SELECT count(*) FROM message_attempts) FROM messages");
  });
  CHECK(r[0].text(0) == "failed");
  CHECK(r[0].int64(1) == 2);
  CHECK(r[0].int64(2) == 2);
}

TEST_CASE("a queued message is sent over real SMTP once and its body is cleared", "[db]") {
  const char* url = std::getenv("SMTP_URL");
  REQUIRE(url);
  NotificationDb db;
  std::string to = "db-test-" + crypto::hex(crypto::random_bytes(4)) + "@example.jp";
  db.pool.transaction([&](db::Tx& tx) { store::insert_message(tx, db.message(crypto::uuid_v4(), to)); });
  SmtpMailer mailer(url, "", "");
  MailSender sender(db.pool, mailer, {"noreply@example.jp", "example.jp", 3, 20});
  CHECK(sender.send_due() == 1);
  CHECK(sender.send_due() == 0);
  auto r = db.pool.read([](db::Tx& c) { return c.exec("SELECT status, body FROM messages"); });
  CHECK(r[0].text(0) == "sent");
  CHECK(r[0].text(1).empty());
}
