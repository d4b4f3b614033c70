#include "notification/sender.h"

#include "core/log.h"
#include "core/metrics.h"
#include "notification/store.h"
#include "notification/suppression.h"

namespace civic::notification {

void count_mail(const std::string& outcome) {
  static auto& family = metrics::counter("civic_mail_messages_total", "Mails by outcome.");
  family.Add({{"outcome", outcome}}).Increment();
}

MailSender::MailSender(db::Pool& pool, Mailer& mailer, SenderConfig config)
    : pool_(pool),
      mailer_(mailer),
      config_(std::move(config)),
      // While a newsletter feeds batches or mail was sent, the next round follows at once.
      loop_("mail_sender", std::chrono::seconds(1), [this] {
        int fed = feed_ ? feed_() : 0;  // the newsletter's next batch first, then what is due
        return fed + send_due();
      }) {}

MailSender::~MailSender() { stop(); }

int MailSender::send_due() {
  // Claiming commits first, so a message is `sending` (leased) before any SMTP traffic.
  decltype(store::attachments(std::declval<db::Tx&>(), {})) files;
  auto batch = pool_.transaction([&](db::Tx& tx) {
    auto due = store::claim_due(tx, config_.batch);
    std::vector<std::string> ids;
    for (const auto& m : due) ids.push_back(m.id);
    files = store::attachments(tx, ids);
    return due;
  });
  int sent = 0;
  for (const auto& m : batch) {
    std::string unsubscribe = unsubscribable(m.template_key) ? config_.public_base_url + "/api/v1/mail/unsubscribe/" +
                                                                   mail_stop_token(config_.hmac_key, m.id)
                                                             : "";
    OutgoingMail mail{"<" + m.id + "@" + config_.message_id_domain + ">", config_.from, m.recipient, m.bcc,
                      m.subject, m.body, m.reply_to, unsubscribe};
    if (auto f = files.find(m.id); f != files.end())
      for (auto& [name, type, data] : f->second) mail.attachments.push_back({name, type, std::move(data)});
    SendResult result = mailer_.send(mail);
    const std::string& error = result.error;
    pool_.transaction([&](db::Tx& tx) {
      store::record_attempt(tx, m.id, m.attempts, error.empty(), error);
      // Once final, the record keeps the recipient sealed and masked only (SEC-17).
      std::string masked = log::mask_email(m.recipient);
      bool final = error.empty() || result.permanent() || m.attempts >= config_.max_attempts;
      if (final && !mail.attachments.empty()) store::drop_attachments(tx, m.id);
      if (error.empty()) {
        store::mark_sent(tx, m.id, masked);
      } else {
        // A refused mailbox stays refused: no retry, and the bounce is counted.
        store::mark_retry(tx, m.id, error, result.permanent() || m.attempts >= config_.max_attempts, masked);
        if (result.permanent() && on_permanent_) on_permanent_(tx, m, error);
      }
    });
    bool gave_up = !error.empty() && (result.permanent() || m.attempts >= config_.max_attempts);
    count_mail(error.empty() ? "sent" : gave_up ? "failed" : "deferred");
    if (error.empty()) {
      ++sent;
      log::info("mail_sent", {{"message_id", m.id}, {"template", m.template_key}, {"to", log::mask_email(m.recipient)}});
    } else {
      log::warn("mail_failed", {{"message_id", m.id}, {"attempt", m.attempts}, {"error", error}});
    }
  }
  return sent;
}

} // namespace civic::notification
