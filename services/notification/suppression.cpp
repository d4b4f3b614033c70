#include "notification/suppression.h"

#include <set>

#include "core/crypto.h"
#include "core/log.h"
#include "core/validation.h"
#include "notification/sender.h"
#include "notification/service.h"

namespace civic::notification {

bool always_attempted(std::string_view template_key) { return template_key.rfind("auth.", 0) == 0; }

bool unsubscribable(std::string_view template_key) {
  static const std::set<std::string, std::less<>> kBulk = {
      "newsletter.issue",                                                       // NTF-4
      "matching.recruitment_for_member", "matching.recruitments_for_member",  // MAT-3 (a) (d)
      "matching.members_for_recruitment", "matching.members_for_group",      // MAT-3 (b) (c)
      "matching.member_for_organizer"};
  return kBulk.count(template_key) > 0;
}

std::string suppression_key(const std::string& hmac_key, const std::string& email) {
  return address_key(hmac_key, "mail.suppression", email);
}

void queue(db::Tx& tx, std::vector<MessageRow> rows, const std::string& hmac_key, const crypto::Sealer& sealer) {
  std::vector<std::string> keys;
  for (auto& m : rows) {
    if (m.status == "rejected") continue;  // malformed: nothing to seal or stop
    m.recipient_key = suppression_key(hmac_key, m.recipient);
    m.recipient_sealed = sealer.seal(m.recipient, m.id);
    if (!always_attempted(m.template_key)) keys.push_back(m.recipient_key);
  }
  auto stopped = store::suppressed(tx, keys);
  if (!stopped.empty())
    for (auto& m : rows) {
      if (m.status != "queued" || always_attempted(m.template_key)) continue;
      auto it = stopped.find(m.recipient_key);
      if (it == stopped.end()) continue;
      m.status = "suppressed";
      count_mail("suppressed");
      m.last_error = "suppressed: " + it->second;
      m.body.clear();  // never sent: nothing of it is kept
      m.recipient = log::mask_email(m.recipient);
    }
  store::insert_messages(tx, rows);
}

std::string mail_stop_token(const std::string& hmac_key, const std::string& message_id) {
  return message_id + "." + crypto::base64url(crypto::hmac_sha256(derived_key(hmac_key, "mail.stop"), message_id));
}

std::optional<std::string> mail_stop_message(const std::string& hmac_key, std::string_view token) {
  size_t dot = token.find('.');
  if (dot == std::string_view::npos || token.size() > 200) return std::nullopt;
  std::string id(token.substr(0, dot));
  if (!validation::is_uuid(id)) return std::nullopt;
  if (!crypto::equal_constant_time(mail_stop_token(hmac_key, id), token)) return std::nullopt;
  return id;
}

} // namespace civic::notification
