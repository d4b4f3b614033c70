#include "rpc/outbox.h"

#include "core/crypto.h"
#include "core/log.h"
#include "core/time.h"
#include "rpc/principal.h"

namespace civic::rpc {
namespace {
constexpr const char* kInsertOutbox =
    "INSERT INTO outbox (id, type, payload) VALUES ($1, $2, $3)";
constexpr const char* kInsertInbox =
    "INSERT INTO inbox (event_id, type) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING";
constexpr const char* kDue =
    "SELECT id, type, payload, (extract(epoch FROM created_at) * 1000)::bigint, attempts FROM outbox "
    "WHERE delivered_at IS NULL AND next_attempt_at <= now() "
    "ORDER BY created_at LIMIT 50 FOR UPDATE SKIP LOCKED";
constexpr const char* kDelivered = "UPDATE outbox SET delivered_at = now(), attempts = attempts + 1 WHERE id = $1";
// Back-off: 1 s, 2 s, 4 s ... capped at 10 minutes.
constexpr const char* kFailed =
    "UPDATE outbox SET attempts = attempts + 1, last_error = $2, "
    "next_attempt_at = now() + least(interval '10 minutes', interval '1 second' * power(2, least(attempts, 20))) "
    "WHERE id = $1";
} // namespace

std::string enqueue_event(db::Tx& tx, const std::string& type, const google::protobuf::Message& payload) {
  std::string id = crypto::uuid_v4();
  std::string bytes = payload.SerializeAsString();
  tx.exec(kInsertOutbox, id, type, db::Bytes{bytes});
  return id;
}

bool accept_event(db::Tx& tx, const std::string& event_id, const std::string& type) {
  return tx.exec(kInsertInbox, event_id, type).affected() == 1;
}

OutboxRelay::OutboxRelay(db::Pool& pool, std::string producer, std::string hmac_key,
                         std::map<std::string, std::vector<Subscriber>> routes)
    : pool_(pool), producer_(std::move(producer)), key_(std::move(hmac_key)), routes_(std::move(routes)) {}

OutboxRelay::~OutboxRelay() { stop(); }

void OutboxRelay::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { loop(); });
}

void OutboxRelay::stop() {
  if (!running_.exchange(false)) return;
  notify();
  if (thread_.joinable()) thread_.join();
}

void OutboxRelay::notify() {
  {
    std::lock_guard lock(mutex_);
    wake_ = true;
  }
  cv_.notify_one();
}

int OutboxRelay::deliver_due() {
  return pool_.transaction([&](db::Tx& tx) {
    int done = 0;
    db::Result due = tx.exec(kDue);
    for (int i = 0; i < due.size(); ++i) {
      civic::events::Event event;
      event.set_id(due[i].text(0));
      event.set_type(due[i].text(1));
      event.set_payload(due[i].bytes(2));
      event.set_occurred_at_unix_ms(due[i].int64(3));
      event.set_producer(producer_);
      std::string error;
      auto it = routes_.find(event.type());
      if (it != routes_.end()) {
        for (const auto& sub : it->second) {
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
          Principal p;
          p.add_roles("service");
          p.set_caller(producer_);
          p.set_request_id(event.id());
          attach(ctx, p, key_);
          civic::events::DeliverResponse resp;
          grpc::Status st = sub.stub->Deliver(&ctx, event, &resp);
          if (!st.ok()) {
            error = sub.name + ": " + st.error_message();
            break;
          }
        }
      }
      if (error.empty()) {
        tx.exec(kDelivered, event.id());
        ++done;
        log::info("event_delivered", {{"event_id", event.id()}, {"type", event.type()}});
      } else {
        tx.exec(kFailed, event.id(), error);
        log::warn("event_delivery_failed",
                  {{"event_id", event.id()}, {"type", event.type()}, {"attempt", due[i].int64(4) + 1}, {"error", error}});
      }
    }
    return done;
  });
}

void OutboxRelay::loop() {
  while (running_) {
    try {
      deliver_due();
    } catch (const std::exception& e) {
      log::error("outbox_relay_error", {{"what", e.what()}});
    }
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::milliseconds(500), [&] { return wake_ || !running_; });
    wake_ = false;
  }
}

void request_mail(db::Tx& tx, const std::string& tmpl, const std::string& to, const std::string& account_id,
                  const std::map<std::string, std::string>& vars, bool bcc_centre) {
  civic::events::MailRequested m;
  m.set_template_(tmpl);
  if (to == kCentre) m.set_to_centre(true);
  else m.set_to(to);
  m.set_locale("ja");
  m.set_account_id(account_id);
  m.set_bcc_centre(bcc_centre);
  for (const auto& [k, v] : vars) (*m.mutable_variables())[k] = v;
  enqueue_event(tx, "mail.requested", m);
}

} // namespace civic::rpc
