// content_server: wiring only. `content_server migrate` applies the schema and exits.
#include "content/service.h"
#include "core/config.h"
#include "core/log.h"
#include "rpc/audit.h"
#include "rpc/server.h"

namespace civic::generated {
std::vector<civic::db::Schema> content_lib_schema();
}

int main(int argc, char** argv) {
  using namespace civic;
  rpc::start_process();
  log::init("content", config::str("LOG_LEVEL", "info"));
  try {
    std::string db_url = config::str("DATABASE_URL", "postgresql:///content");
    std::string command = argc > 1 ? argv[1] : "serve";
    if (rpc::migrate_at_start(command, db_url, generated::content_lib_schema(), "content")) return 0;

    db::Pool pool(db_url, size_t(config::integer("DB_POOL_SIZE", 8, 1, 200)));
    // The public article lists answer from memory (ADR 0007): load them before serving,
    // then follow the table every SEARCH_REFRESH_MS.
    content::ArticleIndex articles(pool, content::store::changed_articles, "articles");
    articles.refresh();
    log::info("search_index_loaded", {{"articles", articles.size()}});
    articles.start(std::chrono::milliseconds(config::integer("SEARCH_REFRESH_MS", 1000, 50, 600000)));
    content::ContentServiceImpl service(pool, {config::secret("INTERNAL_HMAC_KEY"), rpc::VirusScanner::from_env()},
                                        articles);
    // Its one event: staff actions, for auth's audit log.
    std::map<std::string, std::vector<rpc::Subscriber>> routes;
    rpc::route_audit_to_auth(routes);
    rpc::OutboxRelay relay(pool, "content", config::secret("INTERNAL_HMAC_KEY"), std::move(routes));
    relay.start();
    rpc::serve("0.0.0.0:" + config::str("PORT", "50053"),
               {rpc::as<civic::content::ContentService>(service)},
               pool, [&] {
      relay.stop();
      articles.stop();
    });
    return 0;
  } catch (const std::exception& e) {
    log::error("fatal", {{"what", e.what()}});
    return 1;
  }
}
