// Background delivery of queued mail: claim under a lease, send, record the attempt,
// retry with back-off, give up after a configured number of attempts.
#pragma once
#include <functional>
#include <string>

#include "core/worker.h"
#include "db/db.h"
#include "notification/mailer.h"
#include "notification/store.h"

namespace civic::notification {

struct SenderConfig {
  std::string from = "noreply@example.jp";
  std::string message_id_domain = "civic.local";
  int max_attempts = 8;
  int batch = 20;
  std::string hmac_key = {};         // one-click unsubscribe tokens
  std::string public_base_url = {};  // where they point
};

/// Counts a mail in civic_mail_messages_total{outcome}: "sent", "failed" (for good),
/// "deferred" (tried again later), "suppressed" (the address is stopped), "rejected"
/// (malformed, never queued).
void count_mail(const std::string& outcome);

class MailSender {
 public:
  MailSender(db::Pool& pool, Mailer& mailer, SenderConfig config);
  ~MailSender();
  void start() { loop_.start(); }
  void stop() { loop_.stop(); }
  void notify() { loop_.notify(); }
  /// Sends what is due once; returns how many messages were sent.
  int send_due();
  /// Called before each round of sending (before start()): queues more mail (the
  /// newsletter's next batch) and returns how many; the loop goes on while it does.
  void set_feed(std::function<int()> feed) { feed_ = std::move(feed); }
  /// Called in the transaction that records a permanent failure (the relay refused the
  /// recipient with 5xx): counts the bounce and may stop the address.
  using PermanentFailure = std::function<void(db::Tx&, const MessageRow&, const std::string& error)>;
  void set_on_permanent_failure(PermanentFailure f) { on_permanent_ = std::move(f); }

 private:

  db::Pool& pool_;
  Mailer& mailer_;
  SenderConfig config_;
  std::function<int()> feed_;
  PermanentFailure on_permanent_;
  BackgroundLoop loop_;  // last: stopped before the rest goes
};

} // namespace civic::notification
