// civic_bench_newsletter [SUBSCRIBERS=10000] [BATCH=500]: in the (empty, migrated)
// notification database DATABASE_URL, writes SUBSCRIBERS confirmed Aikasanet subscribers
// (addresses sealed with CIVIC_ENCRYPTION_KEYS), publishes an issue and queues it as the
// service's sender does, a batch per transaction, printing how long until every mail
// was queued (SPEC PERF-3: a magazine to 10,000 subscribers enqueued in < 2 s).
#include <chrono>
#include <cstdio>
#include <string>

#include "core/config.h"
#include "core/crypto.h"
#include "notification/service.h"
#include "notification/store.h"

int main(int argc, char** argv) {
  using namespace civic;
  using Clock = std::chrono::steady_clock;
  int subscribers = argc > 1 ? std::stoi(argv[1]) : 10000, batch = argc > 2 ? std::stoi(argv[2]) : 500;
  db::Pool pool(config::str("DATABASE_URL", "postgresql:///bench_newsletter"), 2);
  crypto::Sealer sealer = crypto::Sealer::from_env();
  notification::NotificationConfig cfg{std::string(32, 'k'), "", "https://aikasanet.example", 3};
  pool.transaction([&](db::Tx& tx) {
    for (int i = 0; i < subscribers; ++i) {
      notification::SubscriberRow s{crypto::uuid_v4(), "aikasanet", "", "pending"};
      std::string email = "reader" + std::to_string(i) + "@example.jp", token = crypto::random_token(16);
      s.email_sealed = sealer.seal(email, s.id);
      notification::store::insert_subscriber(tx, s, crypto::sha256(email), crypto::sha256(token));
      notification::store::confirm_subscriber(tx, crypto::sha256(token));
    }
  });
  notification::NewsletterRow n{crypto::uuid_v4(), "aikasanet", "活動ニュース ベンチマーク号",
                                std::string(2000, 'x'), "review", "", "", "", "", 1};
  auto start = Clock::now();
  pool.transaction([&](db::Tx& tx) {
    notification::store::insert_newsletter(tx, n);
    notification::store::set_newsletter_state(tx, n.id, "published");
  });
  int rounds = 0;
  while (notification::queue_newsletter_batch(pool, cfg, sealer, batch) > 0) ++rounds;
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  auto queued = pool.read([&](db::Tx& tx) { return notification::store::deliveries_of(tx, {n.id}).at(n.id).queued; });
  std::printf("%d subscribers, batch %d: published and %d mails queued in %.0f ms (%d transactions)\n", subscribers,
              batch, queued, ms, rounds);
  return 0;
}
