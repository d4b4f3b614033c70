// auth_server: wiring only. `auth_server` serves; `auth_server migrate` applies the
// schema and exits; `auth_server provision` makes the audit log's schema and owner role
// over an administrator's connection (PROVISION_DATABASE_URL; the role auth logs in as:
// AUTH_DB_ROLE, default auth) and exits; `auth_server create-admin LOGIN_ID EMAIL`
// creates the first admin and prints its temporary password once.
#include <iostream>

#include "auth/audit_log.h"
#include "auth/service.h"
#include "auth/store.h"
#include "core/config.h"
#include "core/log.h"
#include "rpc/outbox.h"
#include "rpc/reseal.h"
#include "rpc/server.h"
#include "search/live_index.h"

namespace civic::generated {
std::vector<civic::db::Schema> auth_lib_schema();
}

int main(int argc, char** argv) {
  using namespace civic;
  rpc::start_process();
  log::init("auth", config::str("LOG_LEVEL", "info"));
  try {
    std::string db_url = config::str("DATABASE_URL", "postgresql:///auth");
    std::string command = argc > 1 ? argv[1] : "serve";
    if (command == "provision") {
      std::string admin_url = config::str("PROVISION_DATABASE_URL", "");
      if (admin_url.empty()) {
        std::cerr << "auth_server provision: set PROVISION_DATABASE_URL to an administrator's URL of auth's database\n";
        return 2;
      }
      auth::provision_audit_log(admin_url, config::str("AUTH_DB_ROLE", "auth"));
      log::info("audit_log_provisioned");
      return 0;
    }
    if (rpc::migrate_at_start(command, db_url, generated::auth_lib_schema(), "auth")) return 0;
    if (rpc::reseal_at_start(command, db_url, {{"accounts", "totp_secret"}})) return 0;

    auth::AuthConfig cfg;
    cfg.hmac_key = config::secret("INTERNAL_HMAC_KEY");
    cfg.public_base_url = config::str("PUBLIC_BASE_URL", "http://127.0.0.1:8080");
    cfg.argon2.memory_kib = uint32_t(config::integer("ARGON2_MEMORY_KIB", 19456, 19456, 4 << 20));
    cfg.argon2.iterations = uint32_t(config::integer("ARGON2_ITERATIONS", 2, 2, 100));
    cfg.mails_per_recipient_hour = int(config::integer("MAILS_PER_RECIPIENT_HOUR", 3, 1, 1000));
    cfg.attack_alert_failures = int(config::integer("LOGIN_ATTACK_ALERT_FAILURES", 50, 5, 100000));
    cfg.lockout_threshold = int(config::integer("LOCKOUT_THRESHOLD", 5, 1, 100));
    cfg.lockout_minutes = int(config::integer("LOCKOUT_MINUTES", 15, 1, 1440));
    cfg.member_idle_seconds = int(config::integer("SESSION_IDLE_SECONDS", 1800, 60, 86400));
    cfg.member_absolute_seconds = int(config::integer("SESSION_ABSOLUTE_SECONDS", 43200, 300, 604800));
    cfg.staff_idle_seconds = int(config::integer("STAFF_SESSION_IDLE_SECONDS", 900, 60, 86400));
    cfg.staff_absolute_seconds = int(config::integer("STAFF_SESSION_ABSOLUTE_SECONDS", 28800, 300, 604800));

    db::Pool pool(db_url, size_t(config::integer("DB_POOL_SIZE", 8, 1, 200)));
    std::map<std::string, std::vector<rpc::Subscriber>> routes;
    auto channel = grpc::CreateChannel(config::str("NOTIFICATION_SERVICE_ADDR", "127.0.0.1:50052"),
                                       grpc::InsecureChannelCredentials());
    routes["mail.requested"].push_back({"notification", civic::events::EventSink::NewStub(channel)});
    // What becomes of a login reaches every service that keeps something of its owner
    // (issue 14): matching (the member), directory (its organisations), notification
    // (its subscriptions).
    struct Follower {
      const char *name, *addr_var, *fallback;
    };
    for (auto [name, var, fallback] : {Follower{"matching", "MATCHING_SERVICE_ADDR", "127.0.0.1:50056"},
                                       Follower{"directory", "DIRECTORY_SERVICE_ADDR", "127.0.0.1:50054"},
                                       Follower{"notification", "NOTIFICATION_SERVICE_ADDR", "127.0.0.1:50052"}}) {
      auto follower = grpc::CreateChannel(config::str(var, fallback), grpc::InsecureChannelCredentials());
      for (const char* type : {"account.suspended", "account.resumed", "account.deleted", "account.email_changed"})
        routes[type].push_back({name, civic::events::EventSink::NewStub(follower)});
    }
    rpc::OutboxRelay relay(pool, "auth", cfg.hmac_key, std::move(routes));
    auth::AuthServiceImpl service(pool, cfg, crypto::Sealer::from_env(), [&relay] { relay.notify(); });
    auth::AccountEventSink sink(pool, cfg.hmac_key, [&relay] { relay.notify(); });

    if (command == "create-admin") {
      if (argc != 4) {
        std::cerr << "usage: auth_server create-admin LOGIN_ID EMAIL\n";
        return 2;
      }
      std::string password = service.bootstrap_admin(argv[2], argv[3]);
      std::cout << "admin " << argv[2] << " created; temporary password (change it at first login): " << password
                << "\n";
      return 0;
    }
    relay.start();
    // OPS-4: the audit log keeps AUDIT_RETENTION_MONTHS (13 at the least, which the
    // database enforces too); what is older goes, checked hourly.
    int keep_months = int(config::integer("AUDIT_RETENTION_MONTHS", 13, 13, 1200));
    search::Poller retention;
    retention.start(std::chrono::hours(1), [&] {
      if (int64_t n = pool.transaction([&](db::Tx& tx) { return auth::store::purge_audit(tx, keep_months); }); n > 0)
        log::info("audit_events_purged", {{"rows", n}});
    }, "audit_retention");
    rpc::serve("0.0.0.0:" + config::str("PORT", "50051"),
               {rpc::as<civic::auth::AuthService>(service),
                rpc::as<civic::events::EventSink>(sink)},
               pool, [&] {
      retention.stop();
      relay.stop();
    });
    return 0;
  } catch (const std::exception& e) {
    log::error("fatal", {{"what", e.what()}});
    return 1;
  }
}
