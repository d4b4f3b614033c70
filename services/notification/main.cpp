// notification_server: wiring only. `notification_server migrate` applies the schema and exits.
#include "core/config.h"
#include "core/crypto.h"
#include "core/log.h"
#include "notification/health.h"
#include "notification/line.h"
#include "notification/mailer.h"
#include "notification/sender.h"
#include "notification/service.h"
#include "rpc/reseal.h"
#include "rpc/accounts.h"
#include "rpc/audit.h"
#include "rpc/server.h"

namespace civic::generated {
std::vector<civic::db::Schema> notification_lib_schema();
}

int main(int argc, char** argv) {
  using namespace civic;
  rpc::start_process();
  log::init("notification", config::str("LOG_LEVEL", "info"));
  try {
    std::string db_url = config::str("DATABASE_URL", "postgresql:///notification");
    std::string command = argc > 1 ? argv[1] : "serve";
    if (rpc::migrate_at_start(command, db_url, generated::notification_lib_schema(), "notification")) return 0;

    if (rpc::reseal_at_start(command, db_url, {{"newsletter_subscribers", "email_sealed"}, {"contact_messages", "sealed"},
                                                 {"suppressions", "email_sealed"},
                                                 {"messages", "recipient_sealed"}, {"line_friends", "line_user_id_sealed"},
                                                 {"line_friends", "display_name_sealed"},
                                                 {"health_redemptions", "member_sealed"}})) return 0;
    notification::NotificationConfig cfg{config::secret("INTERNAL_HMAC_KEY"), config::str("MAIL_CENTRE_BCC", ""),
                                         config::str("PUBLIC_BASE_URL", "http://127.0.0.1:8080"),
                                         int(config::integer("RECEIPTS_PER_RECIPIENT_HOUR", 3, 1, 1000)),
                                         int(config::integer("CONTACTS_PER_SENDER_HOUR", 5, 1, 1000)),
                                         int(config::integer("MAIL_BOUNCE_LIMIT", 3, 1, 100))};
    notification::SenderConfig sender_cfg;
    sender_cfg.from = config::str("MAIL_FROM", "noreply@civic.example.jp");
    sender_cfg.message_id_domain = sender_cfg.from.substr(sender_cfg.from.find('@') + 1);
    sender_cfg.max_attempts = int(config::integer("MAIL_MAX_ATTEMPTS", 8, 1, 50));
    sender_cfg.hmac_key = cfg.hmac_key;
    sender_cfg.public_base_url = cfg.public_base_url;

    db::Pool pool(db_url, size_t(config::integer("DB_POOL_SIZE", 8, 1, 200)));
    notification::SmtpMailer mailer(config::str("SMTP_URL", "smtp://127.0.0.1:2525"), config::str("SMTP_USER", ""),
                                    config::str("SMTP_PASSWORD", ""), 20,
                                    config::boolean("SMTP_QUOTE_LEGACY_LOCAL_PART", false),
                                    config::boolean("SMTP_REQUIRE_TLS", true));
    notification::MailSender sender(pool, mailer, sender_cfg);
    crypto::Sealer sealer = crypto::Sealer::from_env();
    // A published newsletter is queued a batch at a time by the sender's own loop (NTF-4).
    int batch = int(config::integer("NEWSLETTER_BATCH", 500, 1, 10000));
    sender.set_feed([&] { return notification::queue_newsletter_batch(pool, cfg, sealer, batch); });
    // Its one event: staff actions, for auth's audit log.
    std::map<std::string, std::vector<rpc::Subscriber>> routes;
    rpc::route_audit_to_auth(routes);
    rpc::OutboxRelay relay(pool, "notification", cfg.hmac_key, std::move(routes));
    // NTF-5 LINE and NTF-6 the health app (ADR 0020).
    notification::LineConfig line_cfg{cfg.hmac_key, config::str("LINE_CHANNEL_SECRET", ""),
                                      config::str("LINE_ADD_FRIEND_URL", ""), cfg.public_base_url,
                                      config::str("ONECLICK_KEY", ""),
                                      config::integer("ONECLICK_TTL_DAYS", 30, 1, 365) * 86400,
                                      int(config::integer("LINE_MAX_ATTEMPTS", 8, 1, 50))};
    notification::LineApi line_api(config::str("LINE_API_BASE", "https://api.line.me"),
                                   config::str("LINE_CHANNEL_TOKEN", ""));
    notification::LineWorker line_worker(pool, line_cfg, sealer, line_api);
    notification::HealthKeys health_keys = notification::HealthKeys::parse(config::str("HEALTH_QR_KEYS", ""));
    notification::ChannelHooks hooks;
    hooks.line_push = notification::line_push_requested;
    hooks.line_notice = notification::line_notice_requested;
    hooks.recruitment_published = [&](db::Tx& tx, const civic::events::RecruitmentPublished& r) {
      notification::health_recruitment_published(tx, cfg, health_keys, sealer, r);
    };
    hooks.recruitment_closed = notification::health_recruitment_closed;
    hooks.account_deleted = notification::line_account_deleted;
    hooks.line_queued = [&line_worker] { line_worker.notify(); };
    notification::EventSinkImpl sink(pool, cfg, sealer, [&sender] { sender.notify(); }, hooks);
    notification::LineServiceImpl line(pool, line_cfg, sealer, line_api, [&line_worker] { line_worker.notify(); });
    notification::HealthServiceImpl health(pool, cfg.hmac_key, health_keys, sealer);
    auto auth = grpc::CreateChannel(config::str("AUTH_SERVICE_ADDR", "127.0.0.1:50051"), grpc::InsecureChannelCredentials());
    notification::NotificationServiceImpl api(
        pool, cfg, sealer,
        [&] {
          sender.notify();
          relay.notify();
        },
        rpc::account_lookup(auth, cfg.hmac_key, "notification"));
    sender.set_on_permanent_failure(
        [&api](db::Tx& tx, const notification::MessageRow& m, const std::string& error) { api.bounced(tx, m, error); });
    sender.start();
    relay.start();
    line_worker.start();
    rpc::serve("0.0.0.0:" + config::str("PORT", "50052"),
               {rpc::as<civic::events::EventSink>(sink),
                rpc::as<civic::notification::NotificationService>(api),
                rpc::as<civic::notification::LineService>(line),
                rpc::as<civic::notification::HealthService>(health)},
               pool, [&] {
      relay.stop();
      sender.stop();
      line_worker.stop();
    });
    return 0;
  } catch (const std::exception& e) {
    log::error("fatal", {{"what", e.what()}});
    return 1;
  }
}
