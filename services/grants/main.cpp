// grants_server: wiring only. `grants_server migrate` applies the schema and exits.
#include "core/config.h"
#include "core/log.h"
#include "grants/service.h"
#include "rpc/audit.h"
#include "rpc/outbox.h"
#include "rpc/reseal.h"
#include "rpc/server.h"

namespace civic::generated {
std::vector<civic::db::Schema> grants_lib_schema();
}

int main(int argc, char** argv) {
  using namespace civic;
  rpc::start_process();
  log::init("grants", config::str("LOG_LEVEL", "info"));
  try {
    std::string db_url = config::str("DATABASE_URL", "postgresql:///grants");
    std::string command = argc > 1 ? argv[1] : "serve";
    if (rpc::migrate_at_start(command, db_url, generated::grants_lib_schema(), "grants")) return 0;
    if (rpc::reseal_at_start(command, db_url, {{"submitters", "email_sealed"}})) return 0;

    grants::GrantsConfig cfg{config::secret("INTERNAL_HMAC_KEY"), config::str("PUBLIC_BASE_URL", "http://127.0.0.1:8080"),
                             rpc::VirusScanner::from_env()};
    db::Pool pool(db_url, size_t(config::integer("DB_POOL_SIZE", 8, 1, 200)));
    auto content = grpc::CreateChannel(config::str("CONTENT_SERVICE_ADDR", "127.0.0.1:50053"),
                                       grpc::InsecureChannelCredentials());
    auto notification = grpc::CreateChannel(config::str("NOTIFICATION_SERVICE_ADDR", "127.0.0.1:50052"),
                                            grpc::InsecureChannelCredentials());
    std::map<std::string, std::vector<rpc::Subscriber>> routes;
    routes["mail.requested"].push_back({"notification", civic::events::EventSink::NewStub(notification)});
    rpc::route_audit_to_auth(routes);
    rpc::OutboxRelay relay(pool, "grants", cfg.hmac_key, std::move(routes));
    rpc::TaxonomyCache taxonomies(content, cfg.hmac_key,
                                  std::chrono::milliseconds(config::integer("TAXONOMY_CACHE_MS", 60000, 0, 3600000)));
    // The public grant list and library catalogue answer from memory (ADR 0007): load
    // them before serving, then follow the tables every SEARCH_REFRESH_MS.
    grants::GrantIndex index(pool, grants::store::changed_since, "grants");
    grants::BookIndex books(pool, grants::store::changed_books, "books");
    index.refresh();
    books.refresh();
    log::info("search_index_loaded", {{"grants", index.size()}, {"books", books.size()}});
    std::chrono::milliseconds refresh(config::integer("SEARCH_REFRESH_MS", 1000, 50, 600000));
    index.start(refresh);
    books.start(refresh);
    grants::GrantsServiceImpl service(pool, cfg, taxonomies, index, books, crypto::Sealer::from_env(),
                                      [&relay] { relay.notify(); });
    relay.start();
    rpc::serve("0.0.0.0:" + config::str("PORT", "50055"),
               {rpc::as<civic::grants::GrantsService>(service)},
               pool, [&relay, &index, &books] {
      relay.stop();
      index.stop();
      books.stop();
    });
    return 0;
  } catch (const std::exception& e) {
    log::error("fatal", {{"what", e.what()}});
    return 1;
  }
}
