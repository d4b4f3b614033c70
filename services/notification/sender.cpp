#include "notification/sender.h"

#include "core/log.h"
#include "notification/store.h"

namespace civic::notification {

MailSender::MailSender(db::Pool& pool, Mailer& mailer, SenderConfig config)
    : pool_(pool), mailer_(mailer), config_(std::move(config)) {}

MailSender::~MailSender() { stop(); }

void MailSender::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { loop(); });
}

void MailSender::stop() {
  if (!running_.exchange(false)) return;
  notify();
  if (thread_.joinable()) thread_.join();
}

void MailSender::notify() {
  {
    std::lock_guard lock(mutex_);
    wake_ = true;
  }
  cv_.notify_one();
}

int MailSender::send_due() {
  // Claiming commits first, so a message is `sending` (leased) before any SMTP traffic.
  auto batch = pool_.transaction([&](db::Tx& tx) { return store::claim_due(tx, config_.batch); });
  int sent = 0;
  for (const auto& m : batch) {
    OutgoingMail mail{"<" + m.id + "@" + config_.message_id_domain + ">", config_.from, m.recipient, m.bcc,
                      m.subject, m.body, m.reply_to};
    std::string error = mailer_.send(mail);
    pool_.transaction([&](db::Tx& tx) {
      store::record_attempt(tx, m.id, m.attempts, error.empty(), error);
      if (error.empty()) store::mark_sent(tx, m.id);
      else store::mark_retry(tx, m.id, error, m.attempts >= config_.max_attempts);
    });
    if (error.empty()) {
      ++sent;
      log::info("mail_sent", {{"message_id", m.id}, {"template", m.template_key}, {"to", log::mask_email(m.recipient)}});
    } else {
      log::warn("mail_failed", {{"message_id", m.id}, {"attempt", m.attempts}, {"error", error}});
    }
  }
  return sent;
}

void MailSender::loop() {
  while (running_) {
    int sent = 0, fed = 0;
    try {
      if (feed_) fed = feed_();
      sent = send_due();
    } catch (const std::exception& e) {
      log::error("mail_sender_error", {{"what", e.what()}});
    }
    if (sent > 0 || fed > 0) continue;  // more may be due
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::seconds(1), [&] { return wake_ || !running_; });
    wake_ = false;
  }
}

} // namespace civic::notification
