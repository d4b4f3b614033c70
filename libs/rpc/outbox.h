// Transactional outbox, relay and inbox: a service writes an event in the same
// transaction as its change; the relay delivers it to every subscriber's EventSink
// with back-off until each accepted it; a subscriber applies it exactly once by
// recording the event id in its inbox in the same transaction as the effect.
#pragma once
#include <google/protobuf/message.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "civic/events.grpc.pb.h"
#include "core/log.h"
#include "core/validation.h"
#include "core/worker.h"
#include "db/db.h"
#include "rpc/server.h"
#include "rpc/status.h"

namespace civic::rpc {

/// SQL for the outbox and inbox tables; services include these in their migrations.
/// outbox(id uuid, type, payload bytea, created_at, next_attempt_at, attempts, delivered_at, last_error,
///        request_id, trace_id)
/// inbox(event_id uuid primary key, type, received_at)

/// Writes an event to the outbox inside `tx`, with the id and trace of the request this
/// thread serves (its subscribers are called under them); returns its id.
std::string enqueue_event(db::Tx& tx, const std::string& type, const google::protobuf::Message& payload);

/// The site's name in mails ({{site_name}}).
inline std::string site_name(const std::string& site) {
  return site == "aikasanet" ? "やまぐち社会貢献活動支援ネット あいかさねっと" : "山口県県民活動スーパーネット";
}

/// Enqueues a `mail.requested` event for the notification service: template `tmpl`
/// rendered with `vars` to `to` (Japanese), copied to the centre when `bcc_centre`.
/// `to` = kCentre addresses the support centre itself (notification knows its address).
inline const std::string kCentre = "centre";
void request_mail(db::Tx& tx, const std::string& tmpl, const std::string& to, const std::string& account_id,
                  const std::map<std::string, std::string>& vars, bool bcc_centre = false);
/// A notice to a member on every channel they have: the mail of request_mail(), and the
/// template "line.<tmpl>" to the account's LINE when it is linked and follows.
void request_notice(db::Tx& tx, const std::string& tmpl, const std::string& to, const std::string& account_id,
                    const std::map<std::string, std::string>& vars);

/// Records `event_id` in the inbox inside `tx` (and logs `event_accepted`, under the
/// request that wrote it); false when it was already there (a redelivery: the caller must
/// skip the effect and still answer OK).
bool accept_event(db::Tx& tx, const std::string& event_id, const std::string& type);

/// The whole of an EventSink's Deliver: the caller must hold the "service" role and the
/// event id be a UUID; then, in one transaction, the id goes into the inbox and
/// `apply(tx)` runs — or `apply(tx, sender)`, with the verified principal of the
/// producing service — unless the id was there already (a redelivery: nothing runs and
/// the answer is still OK, so the relay stops retrying).
template <class F>
grpc::Status deliver_once(const grpc::ServerContext* ctx, const std::string& key, db::Pool& pool,
                          const civic::events::Event& event, F&& apply) {
  return guarded(ctx, key, "Deliver", [&](const Principal& p) {
    if (!has_role(p, "service")) return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "権限がありません");
    if (!validation::is_uuid(event.id())) return invalid("id", "invalid_format", "IDが正しくありません", "must be a UUID");
    return pool.transaction([&](db::Tx& tx) {
      if (!accept_event(tx, event.id(), event.type())) {
        log::info("event_duplicate_ignored", {{"event_id", event.id()}, {"type", event.type()}});
        return grpc::Status::OK;
      }
      if constexpr (std::is_invocable_v<F, db::Tx&, const Principal&>) apply(tx, p);
      else apply(tx);
      return grpc::Status::OK;
    });
  });
}

struct Subscriber {
  std::string name;  // for logs
  std::shared_ptr<civic::events::EventSink::StubInterface> stub;
};

/// Background delivery of a service's outbox. Thread-safe.
class OutboxRelay {
 public:
  /// `routes` maps an event type to its subscribers; `producer` names this service in
  /// the signed principal of each delivery.
  OutboxRelay(db::Pool& pool, std::string producer, std::string hmac_key,
              std::map<std::string, std::vector<Subscriber>> routes);
  ~OutboxRelay();

  void start() { loop_.start(); }
  void stop() { loop_.stop(); }
  /// Wakes the relay now (call after committing a transaction that enqueued events).
  void notify() { loop_.notify(); }
  /// Delivers what is due once; returns how many events were completed. Used by the
  /// loop and by tests.
  int deliver_due();
  /// Deletes events delivered more than `keep` ago (their payloads hold recipients'
  /// addresses and one-time links); returns how many. The loop runs it every 10 minutes
  /// with OUTBOX_RETENTION_HOURS (default 168).
  int64_t purge_delivered(std::chrono::seconds keep);
  /// Sets civic_outbox_pending_events and civic_outbox_oldest_pending_seconds from the
  /// table (the loop does it every 5 s).
  void measure_backlog();

 private:
  /// One round of the loop: what is due, every 5 s the backlog's metrics, every 10 minutes the purge.
  int round();
  /// The request that wrote an event (outbox.request_id, trace_id).
  struct Origin {
    std::string request_id, trace_id;
  };
  std::string deliver(const civic::events::Event& event, const Origin& origin);

  db::Pool& pool_;
  std::string producer_;
  std::string key_;
  std::map<std::string, std::vector<Subscriber>> routes_;
  std::chrono::seconds retention_;
  std::chrono::steady_clock::time_point next_purge_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point next_measure_ = std::chrono::steady_clock::now();
  BackgroundLoop loop_;  // last: stopped before the rest goes
};

} // namespace civic::rpc
