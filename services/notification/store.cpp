#include "notification/store.h"

namespace civic::notification::store {
namespace {
constexpr const char* kTime = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";
const std::string kTemplateColumns = std::string("key, locale, subject, body, version, to_char(updated_at AT TIME ZONE 'UTC', ") + kTime + ")";
const std::string kFindTemplate = "SELECT " + kTemplateColumns + " FROM mail_templates WHERE key = $1 AND locale = $2";
const std::string kListTemplates = "SELECT " + kTemplateColumns + " FROM mail_templates ORDER BY key, locale";
const std::string kUpdateTemplate =
    "UPDATE mail_templates SET subject = $3, body = $4, version = version + 1, updated_at = now() "
    "WHERE key = $1 AND locale = $2 AND version = $5 RETURNING " + kTemplateColumns;
const std::string kMessageColumns = std::string(
    "id, event_id, template, recipient, bcc, subject, body, status, attempts, "
    "to_char(created_at AT TIME ZONE 'UTC', ") + kTime + "), coalesce(to_char(sent_at AT TIME ZONE 'UTC', " + kTime +
    "), ''), last_error, reply_to";
// A message whose sender died mid-send gets its lease back only after a minute.
const std::string kClaimDue =
    "UPDATE messages SET status = 'sending', attempts = attempts + 1, lease_until = now() + interval '1 minute', "
    "updated_at = now() WHERE id IN ("
    "  SELECT id FROM messages WHERE (status = 'queued' AND next_attempt_at <= now()) "
    "     OR (status = 'sending' AND lease_until < now()) "
    "  ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING " + kMessageColumns;
constexpr const char* kAttempt =
    "INSERT INTO message_attempts (message_id, attempt, ok, detail) VALUES ($1::uuid, $2, $3, $4) "
    "ON CONFLICT (message_id, attempt) DO UPDATE SET ok = excluded.ok, detail = excluded.detail, updated_at = now()";
constexpr const char* kSent =
    "UPDATE messages SET status = 'sent', sent_at = now(), body = '', lease_until = NULL, last_error = '', "
    "updated_at = now() WHERE id = $1::uuid";
constexpr const char* kRetry =
    "UPDATE messages SET status = CASE WHEN $3 THEN 'failed' ELSE 'queued' END, last_error = $2, lease_until = NULL, "
    "next_attempt_at = now() + least(interval '1 hour', interval '2 seconds' * power(2, least(attempts, 12))), "
    "updated_at = now() WHERE id = $1::uuid";
const std::string kListMessages = "SELECT " + kMessageColumns +
    " FROM messages WHERE ($1 = '' OR status = $1) ORDER BY created_at DESC, id LIMIT $2 OFFSET $3";
constexpr const char* kCountMessages = "SELECT count(*) FROM messages WHERE ($1 = '' OR status = $1)";

TemplateRow read_template(const db::Row& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), int(r.int64(4)), r.text(5)};
}
MessageRow read_message(const db::Row& r) {
  MessageRow m;
  m.id = r.text(0);
  m.event_id = r.text(1);
  m.template_key = r.text(2);
  m.recipient = r.text(3);
  m.bcc = r.text(4);
  m.subject = r.text(5);
  m.body = r.text(6);
  m.status = r.text(7);
  m.attempts = int(r.int64(8));
  m.created_at = r.text(9);
  m.sent_at = r.text(10);
  m.last_error = r.text(11);
  m.reply_to = r.text(12);
  return m;
}
} // namespace

std::optional<TemplateRow> find_template(db::Tx& tx, std::string_view key, std::string_view locale) {
  db::Result r = tx.exec(kFindTemplate, key, locale);
  if (r.empty()) return std::nullopt;
  return read_template(r[0]);
}

std::vector<TemplateRow> list_templates(db::Tx& tx) {
  std::vector<TemplateRow> out;
  db::Result r = tx.exec(kListTemplates);
  for (int i = 0; i < r.size(); ++i) out.push_back(read_template(r[i]));
  return out;
}

std::optional<TemplateRow> update_template(db::Tx& tx, const TemplateRow& t) {
  db::Result r = tx.exec(kUpdateTemplate, t.key, t.locale, t.subject, t.body, t.version);
  if (r.empty()) return std::nullopt;
  return read_template(r[0]);
}

int64_t recent_messages_to(db::Tx& tx, std::string_view recipient, std::string_view template_key, int minutes) {
  static constexpr const char* kRecentTo =
      "SELECT count(*) FROM messages WHERE recipient = $1 AND template = $2 "
      "AND created_at > now() - make_interval(mins => $3::int)";
  return tx.exec(kRecentTo, recipient, template_key, minutes)[0].int64(0);
}

void insert_messages(db::Tx& tx, const std::vector<MessageRow>& ms) {
  static constexpr const char* kInsertMany =
      "INSERT INTO messages (id, event_id, template, recipient, bcc, subject, body, status, last_error, reply_to) "
      "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], "
      "$8::text[], $9::text[], $10::text[]) ON CONFLICT (event_id) DO NOTHING";
  std::vector<std::string> cols[10];
  for (const auto& m : ms) {
    const std::string* values[] = {&m.id,      &m.event_id, &m.template_key, &m.recipient,  &m.bcc,
                                   &m.subject, &m.body,     &m.status,       &m.last_error, &m.reply_to};
    for (size_t i = 0; i < 10; ++i) cols[i].push_back(*values[i]);
  }
  tx.exec(kInsertMany, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8], cols[9]);
}

void insert_message(db::Tx& tx, const MessageRow& m) { insert_messages(tx, {m}); }


void insert_contact(db::Tx& tx, std::string_view id, std::string_view site, std::string_view sender_key,
                    std::string_view sealed) {
  tx.exec("INSERT INTO contact_messages (id, site, sender_key, sealed) VALUES ($1::uuid, $2, $3::bytea, $4::bytea)", id,
          site, db::Bytes{sender_key}, db::Bytes{sealed});
}

int64_t recent_contacts(db::Tx& tx, std::string_view sender_key, int minutes) {
  return tx.exec("SELECT count(*) FROM contact_messages WHERE sender_key = $1::bytea "
                 "AND created_at > now() - make_interval(mins => $2::int)",
                 db::Bytes{sender_key}, minutes)[0]
      .int64(0);
}

std::vector<MessageRow> claim_due(db::Tx& tx, int limit) {
  std::vector<MessageRow> out;
  db::Result r = tx.exec(kClaimDue, limit);
  for (int i = 0; i < r.size(); ++i) out.push_back(read_message(r[i]));
  return out;
}

void record_attempt(db::Tx& tx, std::string_view id, int attempt, bool ok, std::string_view detail) {
  tx.exec(kAttempt, id, attempt, ok, detail);
}
void mark_sent(db::Tx& tx, std::string_view id) { tx.exec(kSent, id); }
void mark_retry(db::Tx& tx, std::string_view id, std::string_view error, bool final) { tx.exec(kRetry, id, error, final); }

MessagePage list_messages(db::Tx& tx, std::string_view status, int limit, int offset) {
  MessagePage page;
  db::Result r = tx.exec(kListMessages, status, limit, offset);
  for (int i = 0; i < r.size(); ++i) page.items.push_back(read_message(r[i]));
  page.total = tx.exec(kCountMessages, status)[0].int64(0);
  return page;
}

} // namespace civic::notification::store
