// recruitment_server: wiring only. `recruitment_server migrate` applies the schema and exits.
#include "core/config.h"
#include "core/log.h"
#include "core/worker.h"
#include "recruitment/reminders.h"
#include "recruitment/service.h"
#include "rpc/audit.h"
#include "rpc/outbox.h"
#include "rpc/reseal.h"
#include "rpc/server.h"

namespace civic::generated {
std::vector<civic::db::Schema> recruitment_lib_schema();
}

int main(int argc, char** argv) {
  using namespace civic;
  rpc::start_process();
  log::init("recruitment", config::str("LOG_LEVEL", "info"));
  try {
    std::string db_url = config::str("DATABASE_URL", "postgresql:///recruitment");
    std::string command = argc > 1 ? argv[1] : "serve";
    if (rpc::migrate_at_start(command, db_url, generated::recruitment_lib_schema(), "recruitment")) return 0;
    if (rpc::reseal_at_start(command, db_url,
                             {{"recruitments", "organizer_email_sealed"}, {"events", "submitter_email_sealed"},
                              {"submissions", "sealed"}, {"corrections", "requester_email_sealed"}}))
      return 0;

    recruitment::RecruitmentConfig cfg{config::secret("INTERNAL_HMAC_KEY"),
                                       config::str("PUBLIC_BASE_URL", "http://127.0.0.1:8080"),
                                       config::secret("ONECLICK_KEY"), rpc::VirusScanner::from_env()};
    db::Pool pool(db_url, size_t(config::integer("DB_POOL_SIZE", 8, 1, 200)));
    auto channel = [](const char* var, const char* fallback) {
      return grpc::CreateChannel(config::str(var, fallback), grpc::InsecureChannelCredentials());
    };
    auto content = channel("CONTENT_SERVICE_ADDR", "127.0.0.1:50053");
    auto notification = channel("NOTIFICATION_SERVICE_ADDR", "127.0.0.1:50052");
    auto matching = channel("MATCHING_SERVICE_ADDR", "127.0.0.1:50056");
    rpc::TaxonomyCache taxonomies(content, cfg.hmac_key,
                                  std::chrono::milliseconds(config::integer("TAXONOMY_CACHE_MS", 60000, 0, 3600000)));
    std::map<std::string, std::vector<rpc::Subscriber>> routes;
    routes["mail.requested"].push_back({"notification", civic::events::EventSink::NewStub(notification)});
    for (const char* type : {"recruitment.published", "recruitment.closed"}) {
      routes[type].push_back({"matching", civic::events::EventSink::NewStub(matching)});
      routes[type].push_back({"notification", civic::events::EventSink::NewStub(notification)});
    }
    rpc::route_audit_to_auth(routes);
    rpc::OutboxRelay relay(pool, "recruitment", cfg.hmac_key, std::move(routes));
    // The public list of coming events answers from memory (ADR 0007): load it before
    // serving, then follow the table every SEARCH_REFRESH_MS.
    recruitment::store::EventIndex events(pool, recruitment::store::changed_events, "events");
    events.refresh();
    log::info("search_index_loaded", {{"events", events.size()}});
    events.start(std::chrono::milliseconds(config::integer("SEARCH_REFRESH_MS", 1000, 50, 600000)));
    auto contacts = recruitment::contact_lookup(civic::matching::MatchingService::NewStub(matching), cfg.hmac_key);
    recruitment::RecruitmentServiceImpl service(pool, cfg, crypto::Sealer::from_env(), taxonomies, contacts,
                                                [&relay] { relay.notify(); }, events);
    recruitment::EventSinkImpl sink(pool, cfg.hmac_key);
    // Activity reminders the day before, from REMINDER_HOUR in Asia/Tokyo (issue 16).
    recruitment::ReminderConfig reminders_cfg{int(config::integer("REMINDER_HOUR", 18, 0, 23)), cfg.public_base_url};
    BackgroundLoop reminders("reminders", std::chrono::milliseconds(config::integer("SCHEDULER_TICK_MS", 60000, 100, 3600000)),
                             [&] {
                               int n = recruitment::remind(pool, contacts, reminders_cfg, std::time(nullptr));
                               if (n > 0) relay.notify();
                               return n;
                             });
    relay.start();
    reminders.start();
    rpc::serve("0.0.0.0:" + config::str("PORT", "50057"),
               {rpc::as<civic::recruitment::RecruitmentService>(service),
                rpc::as<civic::events::EventSink>(sink)},
               pool, [&relay, &events, &reminders] {
      reminders.stop();
      relay.stop();
      events.stop();
    });
    return 0;
  } catch (const std::exception& e) {
    log::error("fatal", {{"what", e.what()}});
    return 1;
  }
}
