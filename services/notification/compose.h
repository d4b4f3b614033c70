// One requested mail -> one queued message row (NTF-1, NTF-2): the template rendered,
// header fields checked, malformed requests kept as `rejected` with their reason.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "civic/events.pb.h"
#include "db/db.h"
#include "notification/service.h"
#include "notification/store.h"

namespace civic::notification {

/// Templates read once per transaction (a batch names the same few many times).
class Templates {
 public:
  explicit Templates(db::Tx& tx) : tx_(tx) {}
  const std::optional<TemplateRow>& find(const std::string& key, const std::string& locale);

 private:
  db::Tx& tx_;
  std::map<std::pair<std::string, std::string>, std::optional<TemplateRow>> cache_;
};

/// The queued (or rejected) message for one requested mail; `id` makes it unique (the
/// event's id, a mail's own id within a mail.batch event, or a newsletter mail's).
MessageRow compose(Templates& templates, const std::string& id, const civic::events::MailRequested& req,
                   const NotificationConfig& config);

} // namespace civic::notification
