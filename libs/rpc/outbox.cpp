#include "rpc/outbox.h"

#include <future>

#include "core/config.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "rpc/principal.h"

namespace civic::rpc {
namespace {
constexpr const char* kInsertOutbox =
    "INSERT INTO outbox (id, type, payload, request_id, trace_id) VALUES ($1, $2, $3, $4, $5)";
constexpr const char* kInsertInbox =
    "INSERT INTO inbox (event_id, type) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING";
constexpr const char* kDue =
    "SELECT id, type, payload, (extract(epoch FROM created_at) * 1000)::bigint, attempts, request_id, trace_id "
    "FROM outbox "
    "WHERE delivered_at IS NULL AND next_attempt_at <= now() "
    "ORDER BY created_at LIMIT 50 FOR UPDATE SKIP LOCKED";
// Events that carry addresses or one-time links (mails; a login's address) keep only
// their id and type once every subscriber has them (SEC-17, docs/personal-data.md);
// so do audit records, which name the client's address.
constexpr const char* kDelivered =
    "UPDATE outbox SET delivered_at = now(), attempts = attempts + 1, payload = CASE WHEN type IN "
    "('mail.requested', 'mail.batch', 'account.deleted', 'account.email_changed', 'member.magazine', "
    "'audit.recorded') "
    "THEN ''::bytea ELSE payload END "
    "WHERE id = $1";
// Back-off: 1 s, 2 s, 4 s ... capped at 10 minutes.
constexpr const char* kFailed =
    "UPDATE outbox SET attempts = attempts + 1, last_error = $2, "
    "next_attempt_at = now() + least(interval '10 minutes', interval '1 second' * power(2, least(attempts, 20))) "
    "WHERE id = $1";
constexpr const char* kBacklog =
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)) * 1000, 0)::bigint FROM outbox "
    "WHERE delivered_at IS NULL";

struct OutboxMetrics {
  prometheus::Family<prometheus::Counter>& delivered =
      metrics::counter("civic_outbox_delivered_total", "Events every subscriber accepted, by type.");
  prometheus::Family<prometheus::Counter>& failed =
      metrics::counter("civic_outbox_delivery_failures_total", "Delivery attempts a subscriber refused or missed, by type.");
  prometheus::Gauge& pending =
      metrics::gauge("civic_outbox_pending_events", "Events not yet accepted by every subscriber.").Add({});
  prometheus::Gauge& oldest = metrics::gauge("civic_outbox_oldest_pending_seconds",
                                             "Age of the oldest event not yet accepted by every subscriber (0: none).")
                                  .Add({});
};
OutboxMetrics& outbox_metrics() {
  static OutboxMetrics m;
  return m;
}
} // namespace

std::string enqueue_event(db::Tx& tx, const std::string& type, const google::protobuf::Message& payload) {
  std::string id = crypto::uuid_v4();
  std::string bytes = payload.SerializeAsString();
  // The request being served (if any) goes with the event to its subscribers.
  tx.exec(kInsertOutbox, id, type, db::Bytes{bytes}, std::string(log::RequestScope::request_id()),
          std::string(log::RequestScope::trace_id()));
  return id;
}

bool accept_event(db::Tx& tx, const std::string& event_id, const std::string& type) {
  if (tx.exec(kInsertInbox, event_id, type).affected() != 1) return false;
  log::info("event_accepted", {{"event_id", event_id}, {"type", type}});
  return true;
}

OutboxRelay::OutboxRelay(db::Pool& pool, std::string producer, std::string hmac_key,
                         std::map<std::string, std::vector<Subscriber>> routes)
    : pool_(pool), producer_(std::move(producer)), key_(std::move(hmac_key)), routes_(std::move(routes)),
      retention_(std::chrono::hours(config::integer("OUTBOX_RETENTION_HOURS", 168, 1, 24 * 365))),
      loop_("outbox_relay", std::chrono::milliseconds(500), [this] { return round(); }) {}

int64_t OutboxRelay::purge_delivered(std::chrono::seconds keep) {
  return pool_.transaction([&](db::Tx& tx) {
    return tx.exec("DELETE FROM outbox WHERE delivered_at < now() - $1::int * interval '1 second'", int64_t(keep.count()))
        .affected();
  });
}

OutboxRelay::~OutboxRelay() { stop(); }

// Delivers one event to every subscriber of its type, as part of the request that wrote
// it (`origin`: its request id, else the event's, and its trace); the first error, or "".
std::string OutboxRelay::deliver(const civic::events::Event& event, const Origin& origin) {
  auto it = routes_.find(event.type());
  if (it == routes_.end()) return "";
  for (const auto& sub : it->second) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    Principal p;
    p.add_roles("service");
    p.set_caller(producer_);
    p.set_request_id(origin.request_id.empty() ? event.id() : origin.request_id);
    p.set_trace_id(origin.trace_id);
    attach(ctx, p, key_);
    civic::events::DeliverResponse resp;
    grpc::Status st = sub.stub->Deliver(&ctx, event, &resp);
    if (!st.ok()) return sub.name + ": " + st.error_message();
  }
  return "";
}

int OutboxRelay::deliver_due() {
  return pool_.transaction([&](db::Tx& tx) {
    db::Result due = tx.exec(kDue);
    std::vector<civic::events::Event> events(size_t(due.size()));
    std::vector<Origin> origins(events.size());
    for (int i = 0; i < due.size(); ++i) {
      origins[size_t(i)] = {due[i].text(5), due[i].text(6)};
      auto& event = events[size_t(i)];
      event.set_id(due[i].text(0));
      event.set_type(due[i].text(1));
      event.set_payload(due[i].bytes(2));
      event.set_occurred_at_unix_ms(due[i].int64(3));
      event.set_producer(producer_);
    }
    // Mails are independent of one another, so they go out kConcurrentMails at a time
    // (one recruitment's matches are dozens of mail.batch events); every other event
    // keeps its order (a recruitment is published before it is closed).
    constexpr size_t kConcurrentMails = 4;
    std::vector<std::string> errors(events.size());
    std::vector<std::future<void>> running;
    for (size_t i = 0; i < events.size(); ++i) {
      if (events[i].type().rfind("mail.", 0) != 0) {
        errors[i] = deliver(events[i], origins[i]);
        continue;
      }
      if (running.size() == kConcurrentMails) {
        running.front().get();
        running.erase(running.begin());
      }
      running.push_back(std::async(std::launch::async, [&, i] { errors[i] = deliver(events[i], origins[i]); }));
    }
    for (auto& f : running) f.get();
    int done = 0;
    for (size_t i = 0; i < events.size(); ++i) {
      const auto& event = events[i];
      log::RequestScope scope(origins[i].request_id, origins[i].trace_id);
      if (errors[i].empty()) {
        tx.exec(kDelivered, event.id());
        ++done;
        outbox_metrics().delivered.Add({{"type", event.type()}}).Increment();
        log::info("event_delivered", {{"event_id", event.id()}, {"type", event.type()}});
      } else {
        tx.exec(kFailed, event.id(), errors[i]);
        outbox_metrics().failed.Add({{"type", event.type()}}).Increment();
        log::warn("event_delivery_failed", {{"event_id", event.id()}, {"type", event.type()},
                                            {"attempt", due[int(i)].int64(4) + 1}, {"error", errors[i]}});
      }
    }
    return done;
  });
}

void OutboxRelay::measure_backlog() {
  auto [count, age] = pool_.read([](db::Tx& tx) {
    db::Result r = tx.exec(kBacklog);
    return std::pair{r[0].int64(0), r[0].int64(1)};
  });
  outbox_metrics().pending.Set(double(count));
  outbox_metrics().oldest.Set(double(age) / 1000);
}

int OutboxRelay::round() {
  deliver_due();
  // A count over the undelivered events: every 5 s is enough for a scrape every 15 s or
  // more, and keeps the 500 ms rounds to their one query.
  if (std::chrono::steady_clock::now() >= next_measure_) {
    next_measure_ = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    measure_backlog();
  }
  if (std::chrono::steady_clock::now() >= next_purge_) {
    next_purge_ = std::chrono::steady_clock::now() + std::chrono::minutes(10);
    if (int64_t n = purge_delivered(retention_); n > 0) log::info("outbox_purged", {{"events", n}});
  }
  return 0;  // failed deliveries wait for their next attempt: a pause after every round
}

namespace {
civic::events::MailRequested mail_of(const std::string& tmpl, const std::string& to, const std::string& account_id,
                                     const std::map<std::string, std::string>& vars) {
  civic::events::MailRequested m;
  m.set_template_(tmpl);
  if (to == kCentre) m.set_to_centre(true);
  else m.set_to(to);
  m.set_locale("ja");
  m.set_account_id(account_id);
  for (const auto& [k, v] : vars) (*m.mutable_variables())[k] = v;
  return m;
}
} // namespace

void request_mail(db::Tx& tx, const std::string& tmpl, const std::string& to, const std::string& account_id,
                  const std::map<std::string, std::string>& vars, bool bcc_centre) {
  civic::events::MailRequested m = mail_of(tmpl, to, account_id, vars);
  m.set_bcc_centre(bcc_centre);
  enqueue_event(tx, "mail.requested", m);
}

void request_notice(db::Tx& tx, const std::string& tmpl, const std::string& to, const std::string& account_id,
                    const std::map<std::string, std::string>& vars) {
  civic::events::MailRequested m = mail_of(tmpl, to, account_id, vars);
  m.set_also_line(!account_id.empty());
  enqueue_event(tx, "mail.requested", m);
}

} // namespace civic::rpc
