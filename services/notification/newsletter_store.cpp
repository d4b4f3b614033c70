// The mail magazine's SQL (NTF-4): issues, subscribers and the sending of an issue.
#include "notification/store.h"

#include <map>

namespace civic::notification::store {
namespace {
constexpr const char* kTime = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";
const std::string kColumns = std::string(
    "id, site, title, body, state, coalesce(created_by::text, ''), coalesce(duplicated_from::text, ''), "
    "coalesce(to_char(published_at AT TIME ZONE 'UTC', ") + kTime + "), ''), to_char(updated_at AT TIME ZONE 'UTC', " +
    kTime + "), version";
const std::string kSelect = "SELECT " + kColumns + " FROM newsletters";
constexpr const char* kInsert =
    "INSERT INTO newsletters (id, site, title, body, state, created_by, duplicated_from) "
    "VALUES ($1::uuid, $2, $3, $4, $5, nullif($6, '')::uuid, nullif($7, '')::uuid)";
constexpr const char* kUpdate =
    "UPDATE newsletters SET title = $2, body = $3, version = version + 1, updated_at = now() "
    "WHERE id = $1::uuid AND version = $4";
constexpr const char* kSetState =
    "UPDATE newsletters SET state = $2, published_at = CASE WHEN $2 = 'published' THEN coalesce(published_at, now()) "
    "ELSE published_at END, version = version + 1, updated_at = now() WHERE id = $1::uuid";
// The first publication: every active subscriber of the site then is the total.
constexpr const char* kStartDelivery =
    "INSERT INTO newsletter_deliveries (newsletter_id, total) SELECT n.id, (SELECT count(*) FROM "
    "newsletter_subscribers s WHERE s.site = n.site AND s.state = 'active') FROM newsletters n WHERE n.id = $1::uuid "
    "ON CONFLICT (newsletter_id) DO NOTHING";
const std::string kDeliveries = std::string(
    "SELECT newsletter_id, state, total, queued, to_char(started_at AT TIME ZONE 'UTC', ") + kTime +
    "), coalesce(to_char(finished_at AT TIME ZONE 'UTC', " + kTime + "), '') FROM newsletter_deliveries "
    "WHERE newsletter_id = ANY($1::uuid[])";
constexpr const char* kNextDelivery =
    "SELECT d.newsletter_id, n.site, n.title, n.body, coalesce(d.cursor::text, '') FROM newsletter_deliveries d "
    "JOIN newsletters n ON n.id = d.newsletter_id WHERE d.state = 'sending' ORDER BY d.started_at "
    "LIMIT 1 FOR UPDATE OF d SKIP LOCKED";
constexpr const char* kNextSubscribers =
    "SELECT id, site, email_sealed, state FROM newsletter_subscribers WHERE site = $1 AND state = 'active' "
    "AND id > coalesce(nullif($2, '')::uuid, '00000000-0000-0000-0000-000000000000') ORDER BY id LIMIT $3";
constexpr const char* kAdvance =
    "UPDATE newsletter_deliveries SET cursor = coalesce(nullif($2, '')::uuid, cursor), queued = queued + $3, "
    "state = CASE WHEN $4 THEN 'done' ELSE state END, finished_at = CASE WHEN $4 THEN now() END, updated_at = now() "
    "WHERE newsletter_id = $1::uuid";
constexpr const char* kSubscriberColumns = "id, site, email_sealed, state";

NewsletterRow read(const db::Row& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6), r.text(7), r.text(8),
          int(r.int64(9))};
}

SubscriberRow read_subscriber(const db::Row& r) { return {r.text(0), r.text(1), r.bytes(2), r.text(3)}; }

std::optional<SubscriberRow> first_subscriber(const db::Result& r) {
  if (r.empty()) return std::nullopt;
  return read_subscriber(r[0]);
}
} // namespace

void insert_newsletter(db::Tx& tx, const NewsletterRow& n) {
  tx.exec(kInsert, n.id, n.site, n.title, n.body, n.state, n.created_by, n.duplicated_from);
}

bool update_newsletter(db::Tx& tx, const NewsletterRow& n) {
  return tx.exec(kUpdate, n.id, n.title, n.body, n.version).affected() == 1;
}

std::optional<NewsletterRow> find_newsletter(db::Tx& tx, std::string_view id, bool for_update) {
  db::Result r = tx.exec(kSelect + " WHERE id = $1::uuid" + (for_update ? " FOR UPDATE" : ""), id);
  if (r.empty()) return std::nullopt;
  return read(r[0]);
}

void erase_newsletter(db::Tx& tx, std::string_view id) {
  tx.exec("DELETE FROM newsletters WHERE id = $1::uuid", id);
}

void set_newsletter_state(db::Tx& tx, std::string_view id, std::string_view state) {
  set_back_number_state(tx, id, state);
  if (state == "published") tx.exec(kStartDelivery, id);
}

void set_back_number_state(db::Tx& tx, std::string_view id, std::string_view state) { tx.exec(kSetState, id, state); }

NewsletterPage published_newsletters(db::Tx& tx, std::string_view site, int limit, int offset) {
  db::Where w;
  w.add("state = 'published'");
  w.add("site = $?", db::to_param(site));
  auto [items, total] = db::select_page<NewsletterRow>(tx, kSelect, w, "published_at DESC, id", limit, offset, read);
  return {std::move(items), total};
}

NewsletterPage admin_newsletters(db::Tx& tx, std::string_view state, int limit, int offset) {
  db::Where w;
  if (!state.empty()) w.add("state = $?", db::to_param(state));
  auto [items, total] = db::select_page<NewsletterRow>(tx, kSelect, w, "created_at DESC, id", limit, offset, read);
  return {std::move(items), total};
}

std::map<std::string, DeliveryRow> deliveries_of(db::Tx& tx, const std::vector<std::string>& newsletter_ids) {
  std::map<std::string, DeliveryRow> out;
  if (newsletter_ids.empty()) return out;
  db::Result r = tx.exec(kDeliveries, newsletter_ids);
  for (int i = 0; i < r.size(); ++i)
    out[r[i].text(0)] = {r[i].text(1), int(r[i].int64(2)), int(r[i].int64(3)), r[i].text(4), r[i].text(5)};
  return out;
}

std::optional<SubscriberRow> find_subscriber(db::Tx& tx, std::string_view site, std::string_view email_key) {
  return first_subscriber(tx.exec(std::string("SELECT ") + kSubscriberColumns +
                                      " FROM newsletter_subscribers WHERE site = $1 AND email_key = $2 FOR UPDATE",
                                  site, db::Bytes{email_key}));
}

void insert_subscriber(db::Tx& tx, const SubscriberRow& s, std::string_view email_key, std::string_view confirm_hash) {
  tx.exec("INSERT INTO newsletter_subscribers (id, site, email_key, email_sealed, confirm_hash, confirm_expires_at) "
          "VALUES ($1::uuid, $2, $3, $4, $5, now() + interval '72 hours')",
          s.id, s.site, db::Bytes{email_key}, db::Bytes{s.email_sealed}, db::Bytes{confirm_hash});
}

bool renew_confirmation(db::Tx& tx, std::string_view id, std::string_view confirm_hash) {
  return !tx.exec("UPDATE newsletter_subscribers SET state = 'pending', confirm_hash = $2, "
                  "confirm_expires_at = now() + interval '72 hours', updated_at = now() WHERE id = $1::uuid "
                  "AND (state <> 'pending' OR updated_at < now() - interval '20 minutes') RETURNING id",
                  id, db::Bytes{confirm_hash})
              .empty();
}

std::optional<SubscriberRow> confirm_subscriber(db::Tx& tx, std::string_view confirm_hash) {
  return first_subscriber(tx.exec(
      std::string("UPDATE newsletter_subscribers SET state = 'active', confirmed_at = now(), confirm_hash = NULL, "
                  "confirm_expires_at = NULL, unsubscribed_at = NULL, updated_at = now() WHERE confirm_hash = $1 "
                  "AND state = 'pending' AND confirm_expires_at > now() RETURNING ") + kSubscriberColumns,
      db::Bytes{confirm_hash}));
}

std::optional<SubscriberRow> unsubscribe(db::Tx& tx, std::string_view id) {
  return first_subscriber(tx.exec(
      std::string("UPDATE newsletter_subscribers SET state = 'unsubscribed', confirm_hash = NULL, "
                  "confirm_expires_at = NULL, unsubscribed_at = coalesce(unsubscribed_at, now()), updated_at = now() "
                  "WHERE id = $1::uuid RETURNING ") + kSubscriberColumns,
      id));
}

namespace {
#define CIVIC_TIME(column) "coalesce(to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"
constexpr const char* kViewColumns =
    "SELECT id, site, email_sealed, state, source, note, coalesce(added_by::text, ''), " CIVIC_TIME("created_at") ", "
    CIVIC_TIME("confirmed_at") ", " CIVIC_TIME("unsubscribed_at") " FROM newsletter_subscribers";
#undef CIVIC_TIME
SubscriberView read_view(const db::Row& r) {
  return {r.text(0), r.text(1), r.bytes(2), r.text(3), r.text(4), r.text(5), r.text(6), r.text(7), r.text(8), r.text(9)};
}
} // namespace

SubscriberPage list_subscribers(db::Tx& tx, std::string_view site, std::string_view state,
                                const std::optional<std::string>& key, int limit, int offset) {
  db::Where w;
  if (!site.empty()) w.add("site = $?", db::to_param(site));
  if (!state.empty()) w.add("state = $?", db::to_param(state));
  if (key) w.add("email_key = $?::bytea", db::to_param(db::Bytes{*key}));
  auto [items, total] = db::select_page<SubscriberView>(tx, kViewColumns, w, "created_at DESC, id", limit, offset, read_view);
  return {std::move(items), total};
}

std::optional<SubscriberView> find_subscriber_view(db::Tx& tx, std::string_view id) {
  db::Result r = tx.exec(std::string(kViewColumns) + " WHERE id = $1::uuid", id);
  if (r.empty()) return std::nullopt;
  return read_view(r[0]);
}

std::optional<SubscriberView> find_subscriber_by_legacy_id(db::Tx& tx, std::string_view site, std::string_view legacy_id) {
  db::Result r = tx.exec(std::string(kViewColumns) + " WHERE site = $1 AND legacy_id = $2 FOR UPDATE", site, legacy_id);
  if (r.empty()) return std::nullopt;
  return read_view(r[0]);
}

void set_subscriber_legacy_id(db::Tx& tx, std::string_view id, std::string_view legacy_id) {
  tx.exec("UPDATE newsletter_subscribers SET legacy_id = $2, updated_at = now() WHERE id = $1::uuid", id, legacy_id);
}

void insert_imported_subscriber(db::Tx& tx, const SubscriberRow& s, std::string_view email_key,
                                std::string_view legacy_id, std::string_view subscribed_at) {
  std::optional<std::string> at = subscribed_at.empty() ? std::nullopt : std::optional<std::string>(subscribed_at);
  tx.exec("INSERT INTO newsletter_subscribers (id, site, email_key, email_sealed, state, confirmed_at, created_at, "
          "source, note, legacy_id) VALUES ($1::uuid, $2, $3::bytea, $4::bytea, 'active', coalesce($5::timestamptz, now()), "
          "coalesce($5::timestamptz, now()), 'import', '旧システムから移行', $6)",
          s.id, s.site, db::Bytes{email_key}, db::Bytes{s.email_sealed}, at, legacy_id);
}

bool correct_subscriber(db::Tx& tx, std::string_view id, std::string_view email_key, std::string_view email_sealed,
                        std::string_view note) {
  return tx.exec("UPDATE newsletter_subscribers SET email_key = $2::bytea, email_sealed = $3::bytea, note = $4, "
                 "updated_at = now() WHERE id = $1::uuid",
                 id, db::Bytes{email_key}, db::Bytes{email_sealed}, note)
             .affected() == 1;
}

std::string activate_subscriber(db::Tx& tx, const SubscriberRow& s, std::string_view email_key, std::string_view source,
                                std::string_view added_by, std::string_view note) {
  std::optional<std::string> by = added_by.empty() ? std::nullopt : std::optional<std::string>(added_by);
  return tx.exec("INSERT INTO newsletter_subscribers (id, site, email_key, email_sealed, state, confirmed_at, source, "
                 "added_by, note) VALUES ($1::uuid, $2, $3::bytea, $4::bytea, 'active', now(), $5, $6::uuid, $7) "
                 "ON CONFLICT (site, email_key) DO UPDATE SET state = 'active', confirm_hash = NULL, "
                 "confirm_expires_at = NULL, confirmed_at = coalesce(newsletter_subscribers.confirmed_at, now()), "
                 "unsubscribed_at = NULL, source = excluded.source, added_by = excluded.added_by, note = excluded.note, "
                 "updated_at = now() RETURNING id::text",
                 s.id, s.site, db::Bytes{email_key}, db::Bytes{s.email_sealed}, source, by, note)[0]
      .text(0);
}

bool delete_subscriber(db::Tx& tx, std::string_view id) {
  return tx.exec("DELETE FROM newsletter_subscribers WHERE id = $1::uuid", id).affected() == 1;
}

int64_t unsubscribe_address(db::Tx& tx, std::string_view email_key, std::string_view site) {
  return tx.exec("UPDATE newsletter_subscribers SET state = 'unsubscribed', confirm_hash = NULL, confirm_expires_at = NULL, "
                 "unsubscribed_at = coalesce(unsubscribed_at, now()), updated_at = now() "
                 "WHERE email_key = $1::bytea AND ($2 = '' OR site = $2) AND state <> 'unsubscribed'",
                 db::Bytes{email_key}, site)
      .affected();
}

std::optional<DeliveryBatch> next_delivery_batch(db::Tx& tx, int limit) {
  db::Result d = tx.exec(kNextDelivery);
  if (d.empty()) return std::nullopt;
  DeliveryBatch batch{d[0].text(0), d[0].text(1), d[0].text(2), d[0].text(3), {}};
  db::Result r = tx.exec(kNextSubscribers, batch.site, d[0].text(4), limit);
  for (int i = 0; i < r.size(); ++i) batch.subscribers.push_back(read_subscriber(r[i]));
  return batch;
}

void advance_delivery(db::Tx& tx, std::string_view newsletter_id, std::string_view last_id, int queued, bool done) {
  tx.exec(kAdvance, newsletter_id, last_id, queued, done);
}

} // namespace civic::notification::store
