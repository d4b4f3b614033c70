// directory_server: wiring only. `directory_server migrate` applies the schema and exits.
#include "civic/content.grpc.pb.h"
#include "core/config.h"
#include "core/log.h"
#include "directory/service.h"
#include "rpc/audit.h"
#include "rpc/outbox.h"
#include "rpc/principal.h"
#include "rpc/reseal.h"
#include "rpc/server.h"

namespace civic::generated {
std::vector<civic::db::Schema> directory_lib_schema();
}

int main(int argc, char** argv) {
  using namespace civic;
  rpc::start_process();
  log::init("directory", config::str("LOG_LEVEL", "info"));
  try {
    std::string db_url = config::str("DATABASE_URL", "postgresql:///directory");
    std::string command = argc > 1 ? argv[1] : "serve";
    if (rpc::migrate_at_start(command, db_url, generated::directory_lib_schema(), "directory")) return 0;
    if (rpc::reseal_at_start(command, db_url,
                             {{"organizations", "registrant_phone_sealed"}, {"organizations", "registrant_email_sealed"},
                              {"corrections", "requester_email_sealed"}}))
      return 0;

    directory::DirectoryConfig cfg{config::secret("INTERNAL_HMAC_KEY"),
                                   config::str("PUBLIC_BASE_URL", "http://127.0.0.1:8080"),
                                   rpc::VirusScanner::from_env()};
    db::Pool pool(db_url, size_t(config::integer("DB_POOL_SIZE", 8, 1, 200)));
    auto content = grpc::CreateChannel(config::str("CONTENT_SERVICE_ADDR", "127.0.0.1:50053"),
                                       grpc::InsecureChannelCredentials());
    rpc::TaxonomyCache taxonomies(content, cfg.hmac_key,
                                  std::chrono::milliseconds(config::integer("TAXONOMY_CACHE_MS", 60000, 0, 3600000)));
    // The current terms-of-use version is read at each registration: a new version
    // must apply at once.
    auto terms_version = rpc::terms_lookup(content, cfg.hmac_key, "directory");

    std::map<std::string, std::vector<rpc::Subscriber>> routes;
    auto notification = grpc::CreateChannel(config::str("NOTIFICATION_SERVICE_ADDR", "127.0.0.1:50052"),
                                            grpc::InsecureChannelCredentials());
    routes["mail.requested"].push_back({"notification", civic::events::EventSink::NewStub(notification)});
    // Aikasanet organisations: matching links group/company members to them, recruitment
    // lets their members post and shows recruitments while they are published.
    struct Follower {
      const char *name, *addr_var, *fallback;
    };
    for (auto [name, var, fallback] : {Follower{"matching", "MATCHING_SERVICE_ADDR", "127.0.0.1:50056"},
                                       Follower{"recruitment", "RECRUITMENT_SERVICE_ADDR", "127.0.0.1:50057"}}) {
      auto channel = grpc::CreateChannel(config::str(var, fallback), grpc::InsecureChannelCredentials());
      routes["organization.changed"].push_back({name, civic::events::EventSink::NewStub(channel)});
    }
    rpc::route_audit_to_auth(routes);
    rpc::OutboxRelay relay(pool, "directory", cfg.hmac_key, std::move(routes));
    // The public search answers from memory: load it before serving, then follow the
    // table (other replicas' and tools' writes) every SEARCH_REFRESH_MS.
    directory::SearchIndex search(pool);
    search.refresh();
    log::info("search_index_loaded", {{"organizations", search.size()}});
    search.start(std::chrono::milliseconds(config::integer("SEARCH_REFRESH_MS", 1000, 50, 600000)));
    // Logins (auth): the account staff hand an organisation to is checked there, and a
    // deleted login orphans its organisations (OwnerEventSink).
    auto auth = grpc::CreateChannel(config::str("AUTH_SERVICE_ADDR", "127.0.0.1:50051"), grpc::InsecureChannelCredentials());
    directory::DirectoryServiceImpl service(pool, cfg, crypto::Sealer::from_env(), taxonomies, terms_version, search,
                                            rpc::account_lookup(auth, cfg.hmac_key, "directory"),
                                            [&relay] { relay.notify(); });
    directory::OwnerEventSink sink(pool, cfg.hmac_key, service);
    relay.start();
    rpc::serve("0.0.0.0:" + config::str("PORT", "50054"),
               {rpc::as<civic::directory::DirectoryService>(service),
                rpc::as<civic::events::EventSink>(sink)},
               pool, [&relay, &search] {
      relay.stop();
      search.stop();
    });
    return 0;
  } catch (const std::exception& e) {
    log::error("fatal", {{"what", e.what()}});
    return 1;
  }
}
