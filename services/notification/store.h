// Every SQL statement of the notification service, and nothing else.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "db/db.h"

namespace civic::notification {

struct TemplateRow {
  std::string key, locale, subject, body;
  int version = 0;
  std::string updated_at;
};

struct MessageRow {
  std::string id, event_id, template_key, recipient, bcc, subject, body, status;
  int attempts = 0;
  std::string created_at, sent_at, last_error;
};

namespace store {

std::optional<TemplateRow> find_template(db::Tx& tx, std::string_view key, std::string_view locale);
std::vector<TemplateRow> list_templates(db::Tx& tx);
/// Updates when `version` is the stored one; nullopt when it is not (or the row is missing).
std::optional<TemplateRow> update_template(db::Tx& tx, const TemplateRow& t);

/// Queues a message; a second message for the same event is ignored.
void insert_message(db::Tx& tx, const MessageRow& m);
/// The same for many messages in one statement (a mail.batch event).
void insert_messages(db::Tx& tx, const std::vector<MessageRow>& messages);
/// Takes up to `limit` due messages, marks them `sending` under a lease and counts the attempt.
std::vector<MessageRow> claim_due(db::Tx& tx, int limit);
void record_attempt(db::Tx& tx, std::string_view id, int attempt, bool ok, std::string_view detail);
void mark_sent(db::Tx& tx, std::string_view id);
/// Back to `queued` after a back-off, or `failed` for good once `final`.
void mark_retry(db::Tx& tx, std::string_view id, std::string_view error, bool final);

struct MessagePage {
  std::vector<MessageRow> items;
  int64_t total = 0;
};
MessagePage list_messages(db::Tx& tx, std::string_view status, int limit, int offset);

} // namespace store
} // namespace civic::notification
