// [db] the mail magazine's sending (NTF-4) against real PostgreSQL: only the site's
// confirmed subscribers, a batch per transaction from a cursor (so a restart goes on
// where it stopped), never a mail twice, never a second delivery; unsubscribe tokens.
#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "db/migrations.h"
#include "fresh_db.h"
#include "notification/service.h"
#include "notification/store.h"

namespace civic::generated {
std::vector<civic::db::Schema> notification_lib_schema();
}

using namespace civic;
using namespace civic::notification;

namespace {
const crypto::Sealer kSealer({{1, std::string(32, 's')}}, 1);
const NotificationConfig kConfig{std::string(32, 'k'), "", "https://aikasanet.example"};

struct NewsletterDb {
  testing::FreshDatabase fresh;
  db::Pool pool{fresh.url(), 2};
  NewsletterDb() { db::migrate(fresh.url(), generated::notification_lib_schema(), "notification"); }

  // A subscriber of `site` in `state` (pending ones have never confirmed).
  std::string subscriber(const std::string& site, const std::string& email, const std::string& state) {
    SubscriberRow s{crypto::uuid_v4(), site, "", "pending"};
    s.email_sealed = kSealer.seal(email, s.id);
    std::string token = crypto::random_token(16);
    pool.transaction([&](db::Tx& tx) {
      store::insert_subscriber(tx, s, crypto::sha256(email), crypto::sha256(token));
      if (state != "pending") REQUIRE(store::confirm_subscriber(tx, crypto::sha256(token)));
      if (state == "unsubscribed") REQUIRE(store::unsubscribe(tx, s.id));
    });
    return s.id;
  }
  std::string published(const std::string& site) {
    NewsletterRow n{crypto::uuid_v4(), site, "活動ニュース", "今月の活動です。", "review", "", "", "", "", 1};
    pool.transaction([&](db::Tx& tx) {
      store::insert_newsletter(tx, n);
      store::set_newsletter_state(tx, n.id, "published");
    });
    return n.id;
  }
  int64_t mails(const std::string& where = "true") {
    return pool.read([&](db::Tx& tx) {
      return tx.exec("SELECT count(*) FROM messages WHERE template = 'newsletter.issue' AND " + where)[0].int64(0);
    });
  }
};
} // namespace

TEST_CASE("a published issue is queued in batches to the site's active subscribers, once", "[db]") {
  NewsletterDb d;
  for (int i = 0; i < 5; ++i) d.subscriber("aikasanet", "reader" + std::to_string(i) + "@example.jp", "active");
  d.subscriber("aikasanet", "pending@example.jp", "pending");
  d.subscriber("aikasanet", "left@example.jp", "unsubscribed");
  d.subscriber("supernet", "other@example.jp", "active");
  std::string id = d.published("aikasanet");
  auto delivery = [&] { return d.pool.read([&](db::Tx& tx) { return store::deliveries_of(tx, {id}).at(id); }); };
  CHECK(delivery().total == 5);
  CHECK(delivery().state == "sending");

  CHECK(queue_newsletter_batch(d.pool, kConfig, kSealer, 2) == 2);
  CHECK(delivery().queued == 2);
  CHECK(delivery().state == "sending");  // a restart here goes on from the cursor
  CHECK(queue_newsletter_batch(d.pool, kConfig, kSealer, 2) == 2);
  CHECK(queue_newsletter_batch(d.pool, kConfig, kSealer, 2) == 1);
  CHECK(delivery().state == "done");
  CHECK(delivery().queued == 5);
  CHECK(queue_newsletter_batch(d.pool, kConfig, kSealer, 2) == 0);  // nothing left sending

  CHECK(d.mails() == 5);
  CHECK(d.mails("recipient LIKE 'reader%'") == 5);
  CHECK(d.mails("body LIKE '%https://aikasanet.example/newsletter/unsubscribe?token=%'") == 5);
  CHECK(d.mails("subject LIKE '%あいかさねっと】活動ニュース'") == 5);

  // Going over the same subscribers again (a cursor lost) queues no mail twice.
  d.pool.transaction([&](db::Tx& tx) {
    tx.exec("UPDATE newsletter_deliveries SET state = 'sending', cursor = NULL WHERE newsletter_id = $1::uuid", id);
  });
  while (queue_newsletter_batch(d.pool, kConfig, kSealer, 2) > 0) {}
  CHECK(d.mails() == 5);

  // Publishing the same issue again (after archiving) starts no second delivery.
  d.pool.transaction([&](db::Tx& tx) {
    store::set_newsletter_state(tx, id, "archived");
    store::set_newsletter_state(tx, id, "published");
  });
  CHECK(queue_newsletter_batch(d.pool, kConfig, kSealer, 2) == 0);
  CHECK(d.mails() == 5);
}

TEST_CASE("unsubscribe tokens name their subscriber and nothing else", "[db]") {
  std::string id = crypto::uuid_v4(), key = std::string(32, 'k');
  std::string token = unsubscribe_token(key, id);
  CHECK(unsubscriber_of(key, token) == id);
  CHECK_FALSE(unsubscriber_of(std::string(32, 'x'), token));  // another key
  std::string other = crypto::uuid_v4();
  CHECK_FALSE(unsubscriber_of(key, other + token.substr(id.size())));  // another id, the same MAC
  CHECK_FALSE(unsubscriber_of(key, token.substr(0, token.size() - 1)));
  CHECK_FALSE(unsubscriber_of(key, id));
  CHECK_FALSE(unsubscriber_of(key, ""));
}
