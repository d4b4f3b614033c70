#include "notification/compose.h"

#include "core/crypto.h"
#include "core/validation.h"
#include "notification/store.h"
#include "notification/suppression.h"
#include "notification/template.h"

namespace civic::notification {

const std::optional<TemplateRow>& Templates::find(const std::string& key, const std::string& locale) {
  auto it = cache_.find({key, locale});
  if (it == cache_.end()) it = cache_.emplace(std::pair{key, locale}, store::find_template(tx_, key, locale)).first;
  return it->second;
}

MessageRow compose(Templates& templates, const std::string& id, const civic::events::MailRequested& req,
                   const NotificationConfig& config) {
  MessageRow m;
  m.id = crypto::uuid_v4();
  m.event_id = id;
  m.template_key = req.template_().substr(0, 64);
  m.recipient = req.to_centre() ? config.centre_bcc : req.to();
  m.status = "queued";
  std::string locale = req.locale().empty() ? "ja" : req.locale();
  auto tmpl = templates.find(m.template_key, locale);
  if (!tmpl && locale != "ja") tmpl = templates.find(m.template_key, "ja");
  std::map<std::string, std::string> vars(req.variables().begin(), req.variables().end());
  if (tmpl) {
    m.subject = render(tmpl->subject, vars);
    m.body = render(tmpl->body, vars);
  }
  if (req.bcc_centre() && !req.to_centre()) m.bcc = config.centre_bcc;
  m.reply_to = req.reply_to();

  // A malformed request is kept as `rejected` (with its reason) rather than retried forever.
  auto reject = [&](const char* why) {
    m.status = "rejected";
    m.last_error = why;
    m.recipient = header_safe(m.recipient) ? m.recipient.substr(0, 254) : "(invalid)";
    m.subject = header_safe(m.subject) ? m.subject : "(invalid)";
  };
  if (!tmpl) reject("unknown template");
  else if (!validation::is_email(m.recipient)) reject(req.to_centre() ? "no centre address configured" : "invalid recipient");
  else if (!header_safe(m.subject)) reject("CR/LF in subject");
  else if (!m.reply_to.empty() && !validation::is_email(m.reply_to)) reject("invalid reply-to");
  if (m.status == "rejected" && !header_safe(m.reply_to)) m.reply_to.clear();
  // A matching mail says how to stop such mails (a magazine issue has its own link).
  if (m.status == "queued" && unsubscribable(m.template_key) && m.template_key != "newsletter.issue")
    m.body += "\n\n--\nこのアドレスへのお知らせメールを止める（配信停止）:\n" + config.public_base_url +
              "/mail/unsubscribe?token=" + mail_stop_token(config.hmac_key, m.id);
  return m;
}
} // namespace civic::notification
