#include "notification/store.h"

#include "core/crypto.h"

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
    "), ''), last_error, reply_to, coalesce(recipient_sealed, ''::bytea)";
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
    "UPDATE messages SET status = 'sent', sent_at = now(), body = '', recipient = $2, lease_until = NULL, "
    "last_error = '', updated_at = now() WHERE id = $1::uuid";
constexpr const char* kRetry =
    "UPDATE messages SET status = CASE WHEN $3 THEN 'failed' ELSE 'queued' END, last_error = $2, lease_until = NULL, "
    "recipient = CASE WHEN $3 THEN $4 ELSE recipient END, "
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
  m.recipient_sealed = r.bytes(13);
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

int64_t recent_messages_to(db::Tx& tx, std::string_view recipient_key, std::string_view template_key, int minutes) {
  // Deliveries run concurrently: the count and the insert that follows it are serialised
  // per address and template until this transaction ends, so two cannot both pass a limit.
  static constexpr const char* kLock = "SELECT pg_advisory_xact_lock(hashtextextended(encode($1::bytea, 'hex') || $2, 0))";
  tx.exec(kLock, db::Bytes{recipient_key}, template_key);
  static constexpr const char* kRecentTo =
      "SELECT count(*) FROM messages WHERE recipient_key = $1::bytea AND template = $2 "
      "AND created_at > now() - make_interval(mins => $3::int)";
  return tx.exec(kRecentTo, db::Bytes{recipient_key}, template_key, minutes)[0].int64(0);
}

void insert_messages(db::Tx& tx, const std::vector<MessageRow>& ms) {
  // The keyed hash and the sealed recipient travel as hex (bytea has no array literal).
  static constexpr const char* kInsertMany =
      "INSERT INTO messages (id, event_id, template, recipient, bcc, subject, body, status, last_error, reply_to, "
      "recipient_key, recipient_sealed) "
      "SELECT i, e, t, r, b, s, body, st, le, rt, nullif(decode(k, 'hex'), ''), nullif(decode(sealed, 'hex'), '') "
      "FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], "
      "$9::text[], $10::text[], $11::text[], $12::text[]) AS x(i, e, t, r, b, s, body, st, le, rt, k, sealed) "
      "ON CONFLICT (event_id) DO NOTHING";
  std::vector<std::string> cols[12];
  for (const auto& m : ms) {
    const std::string* values[] = {&m.id,      &m.event_id, &m.template_key, &m.recipient,  &m.bcc,
                                   &m.subject, &m.body,     &m.status,       &m.last_error, &m.reply_to};
    for (size_t i = 0; i < 10; ++i) cols[i].push_back(*values[i]);
    cols[10].push_back(crypto::hex(m.recipient_key));
    cols[11].push_back(crypto::hex(m.recipient_sealed));
  }
  tx.exec(kInsertMany, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8], cols[9],
          cols[10], cols[11]);
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

std::map<std::string, std::vector<std::tuple<std::string, std::string, std::string>>> attachments(
    db::Tx& tx, const std::vector<std::string>& ids) {
  std::map<std::string, std::vector<std::tuple<std::string, std::string, std::string>>> out;
  if (ids.empty()) return out;
  for (const auto& r : tx.exec("SELECT message_id::text, filename, content_type, data FROM message_attachments "
                               "WHERE message_id = ANY($1::uuid[]) ORDER BY message_id, n",
                               ids))
    out[r.text(0)].emplace_back(r.text(1), r.text(2), r.bytes(3));
  return out;
}

void drop_attachments(db::Tx& tx, std::string_view id) {
  tx.exec("DELETE FROM message_attachments WHERE message_id = $1::uuid", id);
}

void record_attempt(db::Tx& tx, std::string_view id, int attempt, bool ok, std::string_view detail) {
  tx.exec(kAttempt, id, attempt, ok, detail);
}
void mark_sent(db::Tx& tx, std::string_view id, std::string_view masked) { tx.exec(kSent, id, masked); }
void mark_retry(db::Tx& tx, std::string_view id, std::string_view error, bool final, std::string_view masked) {
  tx.exec(kRetry, id, error, final, masked);
}

MessagePage list_messages(db::Tx& tx, std::string_view status, int limit, int offset) {
  MessagePage page;
  db::Result r = tx.exec(kListMessages, status, limit, offset);
  for (int i = 0; i < r.size(); ++i) page.items.push_back(read_message(r[i]));
  page.total = tx.exec(kCountMessages, status)[0].int64(0);
  return page;
}

std::optional<MessageRow> find_message(db::Tx& tx, std::string_view id) {
  db::Result r = tx.exec("SELECT " + kMessageColumns + " FROM messages WHERE id = $1::uuid", id);
  if (r.empty()) return std::nullopt;
  return read_message(r[0]);
}

std::map<std::string, std::string> suppressed(db::Tx& tx, const std::vector<std::string>& keys) {
  std::map<std::string, std::string> out;
  if (keys.empty()) return out;
  std::vector<std::string> hex;
  for (const auto& k : keys) hex.push_back(crypto::hex(k));
  db::Result r = tx.exec("SELECT email_key, reason FROM suppressions "
                         "WHERE email_key = ANY (ARRAY(SELECT decode(k, 'hex') FROM unnest($1::text[]) AS k))",
                         hex);
  for (int i = 0; i < r.size(); ++i) out[r[i].bytes(0)] = r[i].text(1);
  return out;
}

bool insert_suppression(db::Tx& tx, const SuppressionRow& s, std::string_view key) {
  std::optional<std::string> by = s.created_by.empty() ? std::nullopt : std::optional<std::string>(s.created_by);
  return tx.exec("INSERT INTO suppressions (id, email_key, email_sealed, reason, note, created_by) "
                 "VALUES ($1::uuid, $2::bytea, $3::bytea, $4, $5, $6::uuid) ON CONFLICT (email_key) DO NOTHING",
                 s.id, db::Bytes{key}, db::Bytes{s.email_sealed}, s.reason, s.note, by)
             .affected() == 1;
}

bool delete_suppression(db::Tx& tx, std::string_view id) {
  return tx.exec("DELETE FROM suppressions WHERE id = $1::uuid", id).affected() == 1;
}

SuppressionPage list_suppressions(db::Tx& tx, std::string_view reason, const std::optional<std::string>& key, int limit,
                                  int offset) {
  db::Where w;
  if (!reason.empty()) w.add("reason = $?", db::to_param(reason));
  if (key) w.add("email_key = $?::bytea", db::to_param(db::Bytes{*key}));
  auto [items, total] = db::select_page<SuppressionRow>(
      tx,
      std::string("SELECT id, email_sealed, reason, note, coalesce(created_by::text, ''), "
                  "to_char(created_at AT TIME ZONE 'UTC', ") + kTime + ") FROM suppressions",
      w, "created_at DESC, id", limit, offset, [](const db::Row& r) {
        return SuppressionRow{r.text(0), r.bytes(1), r.text(2), r.text(3), r.text(4), r.text(5)};
      });
  return {std::move(items), total};
}

int add_bounce(db::Tx& tx, std::string_view key, std::string_view error) {
  return int(tx.exec("INSERT INTO bounces (email_key, permanent, last_error) VALUES ($1::bytea, 1, left($2, 500)) "
                     "ON CONFLICT (email_key) DO UPDATE SET permanent = bounces.permanent + 1, "
                     "last_error = excluded.last_error, updated_at = now() RETURNING permanent",
                     db::Bytes{key}, error)[0]
                 .int64(0));
}

void save_line_friend(db::Tx& tx, const LineFriendRow& f) {
  tx.exec("INSERT INTO line_friends (id, legacy_id, line_user_key, line_user_id_sealed, display_name_sealed, "
          "account_id, followed_at, source, linked_at) VALUES ($1::uuid, $2, $3::bytea, $4::bytea, $5::bytea, "
          "nullif($6, '')::uuid, nullif($7, '')::timestamptz, 'import', "
          "CASE WHEN $6 <> '' THEN coalesce(nullif($7, '')::timestamptz, now()) END) "
          "ON CONFLICT (id) DO UPDATE SET line_user_key = excluded.line_user_key, "
          "line_user_id_sealed = excluded.line_user_id_sealed, display_name_sealed = excluded.display_name_sealed, "
          "account_id = excluded.account_id, followed_at = excluded.followed_at, linked_at = excluded.linked_at, "
          "updated_at = now()",
          f.id, f.legacy_id, db::Bytes{f.line_user_key}, db::Bytes{f.line_user_id_sealed},
          db::Bytes{f.display_name_sealed}, f.account_id, f.followed_at);
}

} // namespace civic::notification::store
