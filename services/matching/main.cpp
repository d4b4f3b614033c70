// matching_server: wiring only. `matching_server migrate` applies the schema and exits.
#include "core/config.h"
#include "core/log.h"
#include "core/worker.h"
#include "matching/service.h"
#include "rpc/audit.h"
#include "rpc/outbox.h"
#include "rpc/reseal.h"
#include "rpc/server.h"

namespace civic::generated {
std::vector<civic::db::Schema> matching_lib_schema();
}

int main(int argc, char** argv) {
  using namespace civic;
  rpc::start_process();
  log::init("matching", config::str("LOG_LEVEL", "info"));
  try {
    std::string db_url = config::str("DATABASE_URL", "postgresql:///matching");
    std::string command = argc > 1 ? argv[1] : "serve";
    if (rpc::migrate_at_start(command, db_url, generated::matching_lib_schema(), "matching")) return 0;
    if (rpc::reseal_at_start(command, db_url, {{"members", "private_sealed"}, {"recruitments", "organizer_email_sealed"}})) return 0;

    matching::MatchingConfig cfg{config::secret("INTERNAL_HMAC_KEY"),
                                 {config::str("PUBLIC_BASE_URL", "http://127.0.0.1:8080"), config::secret("ONECLICK_KEY"),
                                  config::integer("ONECLICK_TTL_DAYS", 30, 1, 365) * 86400}};
    db::Pool pool(db_url, size_t(config::integer("DB_POOL_SIZE", 8, 1, 200)));
    auto content = grpc::CreateChannel(config::str("CONTENT_SERVICE_ADDR", "127.0.0.1:50053"),
                                       grpc::InsecureChannelCredentials());
    rpc::TaxonomyCache taxonomies(content, cfg.hmac_key,
                                  std::chrono::milliseconds(config::integer("TAXONOMY_CACHE_MS", 60000, 0, 3600000)));
    auto notification = grpc::CreateChannel(config::str("NOTIFICATION_SERVICE_ADDR", "127.0.0.1:50052"),
                                            grpc::InsecureChannelCredentials());
    std::map<std::string, std::vector<rpc::Subscriber>> routes;
    for (const char* type : {"mail.requested", "mail.batch", "member.magazine", "line.push"})
      routes[type].push_back({"notification", civic::events::EventSink::NewStub(notification)});
    // Logins: a member's verified address is read from auth, a withdrawal ends the login.
    auto auth = grpc::CreateChannel(config::str("AUTH_SERVICE_ADDR", "127.0.0.1:50051"), grpc::InsecureChannelCredentials());
    routes["member.withdrawn"].push_back({"auth", civic::events::EventSink::NewStub(auth)});
    rpc::route_audit_to_auth(routes);
    rpc::OutboxRelay relay(pool, "matching", cfg.hmac_key, std::move(routes));
    auto sealer = crypto::Sealer::from_env();
    matching::MatchingServiceImpl service(pool, cfg, sealer, taxonomies, rpc::account_lookup(auth, cfg.hmac_key, "matching"),
                                          rpc::terms_lookup(content, cfg.hmac_key, "matching"), [&relay] { relay.notify(); });
    matching::EventSinkImpl sink(pool, cfg, sealer, [&relay] { relay.notify(); });
    // The daily and weekly digests of matching mails (issue 16), at DIGEST_HOUR in Asia/Tokyo.
    matching::DigestSchedule digest{int(config::integer("DIGEST_HOUR", 8, 0, 23)),
                                    int(config::integer("DIGEST_WEEKDAY", 1, 0, 6))};
    BackgroundLoop digests("digests", std::chrono::milliseconds(config::integer("SCHEDULER_TICK_MS", 60000, 100, 3600000)),
                           [&] {
                             int n = matching::send_digests(pool, cfg.triggers, sealer, digest, std::time(nullptr));
                             if (n > 0) relay.notify();
                             return n;
                           });
    relay.start();
    digests.start();
    rpc::serve("0.0.0.0:" + config::str("PORT", "50056"),
               {rpc::as<civic::matching::MatchingService>(service),
                rpc::as<civic::events::EventSink>(sink)},
               pool, [&relay, &digests] {
      digests.stop();
      relay.stop();
    });
    return 0;
  } catch (const std::exception& e) {
    log::error("fatal", {{"what", e.what()}});
    return 1;
  }
}
