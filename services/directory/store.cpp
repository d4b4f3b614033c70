#include "directory/store.h"

#include <map>

#include "core/crypto.h"
#include "search/keywords.h"
#include "search/live_index.h"

namespace civic::directory::store {
namespace {
constexpr const char* kTime = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";
const std::string kColumns = std::string(
    "id, kind, class_code, name, name_kana, fields, target_area, target_municipalities, municipality, features, "
    "profile::text, registrant_name, registrant_title, registrant_phone_sealed, registrant_email_sealed, "
    "registration_requirements, accepted_terms_version, to_char(accepted_terms_at AT TIME ZONE 'UTC', ") + kTime +
    "), guardian_consent, status, state, coalesce(owner_account_id::text, ''), coalesce(duplicated_from::text, ''), "
    "coalesce(to_char(published_at AT TIME ZONE 'UTC', " + kTime + "), ''), to_char(updated_at AT TIME ZONE 'UTC', " +
    kTime + "), version, site, registrant_department, coalesce(to_char(orphaned_at AT TIME ZONE 'UTC', " + kTime +
    "), '')";
constexpr const char* kInsert =
    "INSERT INTO organizations (id, kind, class_code, name, name_kana, fields, target_area, target_municipalities, "
    "municipality, features, profile, registrant_name, registrant_title, registrant_phone_sealed, "
    "registrant_email_sealed, registration_requirements, accepted_terms_version, guardian_consent, status, state, "
    "owner_account_id, duplicated_from, search_grams, search_text, site, registrant_department) VALUES ($1::uuid, $2, $3, "
    "$4, $5, $6::text[], $7, "
    "$8::text[], $9, $10::text[], $11::jsonb, $12, $13, $14::bytea, $15::bytea, $16::text[], $17, $18, $19, $20, "
    "$21::uuid, $22::uuid, $23::text[], $24, $25, $26)";
const std::string kFind = "SELECT " + kColumns + " FROM organizations WHERE id = $1::uuid";
const std::string kFindForUpdate = kFind + " FOR UPDATE";
constexpr const char* kInsertHandoff =
    "INSERT INTO handoff_tokens (token_hash, organization_id, expires_at) "
    "VALUES ($1::bytea, $2::uuid, now() + $3::int * interval '1 minute')";
constexpr const char* kUseHandoff =
    "UPDATE handoff_tokens SET used_at = now(), updated_at = now() "
    "WHERE token_hash = $1::bytea AND used_at IS NULL AND expires_at > now() RETURNING organization_id::text";
constexpr const char* kUpdateContent =
    "UPDATE organizations SET class_code = $2, name = $3, name_kana = $4, fields = $5::text[], target_area = $6, "
    "target_municipalities = $7::text[], municipality = $8, features = $9::text[], profile = $10::jsonb, "
    "search_grams = $11::text[], search_text = $12, registrant_phone_sealed = $13::bytea, "
    "registrant_email_sealed = $14::bytea, version = version + 1, updated_at = now() WHERE id = $1::uuid";
constexpr const char* kEditContent =
    "UPDATE organizations SET class_code = $2, name = $3, name_kana = $4, fields = $5::text[], target_area = $6, "
    "target_municipalities = $7::text[], municipality = $8, features = $9::text[], profile = $10::jsonb, "
    "search_grams = $11::text[], search_text = $12, registrant_phone_sealed = $13::bytea, "
    "registrant_email_sealed = $14::bytea, registrant_name = $15, registrant_title = $16, "
    "registrant_department = $17, version = version + 1, updated_at = now() WHERE id = $1::uuid AND version = $18";
constexpr const char* kSetState =
    "UPDATE organizations SET state = $2, published_at = CASE WHEN $2 = 'published' THEN coalesce(published_at, now()) "
    "ELSE published_at END, version = version + 1, updated_at = now() WHERE id = $1::uuid";
constexpr const char* kSetStatus =
    "UPDATE organizations SET status = $2, version = version + 1, updated_at = now() WHERE id = $1::uuid";
constexpr const char* kStats =
    "SELECT site, kind, status, count(*) FROM organizations WHERE state = 'published' GROUP BY site, kind, status "
    "ORDER BY site, kind, status";

OrgRow read(const db::Row& r) {
  OrgRow o;
  o.id = r.text(0);
  o.kind = r.text(1);
  o.class_code = r.text(2);
  o.name = r.text(3);
  o.name_kana = r.text(4);
  o.fields = r.text_array(5);
  o.target_area = r.text(6);
  o.target_municipalities = r.text_array(7);
  o.municipality = r.text(8);
  o.features = r.text_array(9);
  o.profile = r.text(10);
  o.registrant_name = r.text(11);
  o.registrant_title = r.text(12);
  o.registrant_phone_sealed = r.bytes(13);
  o.registrant_email_sealed = r.bytes(14);
  o.registration_requirements = r.text_array(15);
  o.accepted_terms_version = int(r.int64(16));
  o.accepted_terms_at = r.text(17);
  o.guardian_consent = r.boolean(18);
  o.status = r.text(19);
  o.state = r.text(20);
  o.owner_account_id = r.text(21);
  o.duplicated_from = r.text(22);
  o.published_at = r.text(23);
  o.updated_at = r.text(24);
  o.version = int(r.int64(25));
  o.site = r.text(26);
  o.registrant_department = r.text(27);
  o.orphaned_at = r.text(28);
  return o;
}

std::optional<std::string> uuid_or_null(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

// Only the filters in use, values as parameters (db::Where).
db::Where where_clause(std::string_view state, const Filters& f) {
  // The state is one of four constants; written as a literal so that even a generic
  // plan matches the partial indexes (WHERE state = 'published').
  static const std::map<std::string_view, const char*> kState = {{"draft", "state = 'draft'"},
                                                                  {"review", "state = 'review'"},
                                                                  {"published", "state = 'published'"},
                                                                  {"archived", "state = 'archived'"}};
  db::Where w;
  if (!state.empty()) w.add(kState.at(state));
  search::where_keywords(w, f.keywords);
  if (!f.site.empty()) w.add("site = $?", db::to_param(f.site));
  if (!f.kind.empty()) w.add("kind = $?", db::to_param(f.kind));
  if (!f.field.empty()) w.add("fields @> ARRAY[$?]", db::to_param(f.field));
  if (!f.area.empty()) w.add("target_area = $?", db::to_param(f.area));
  if (!f.municipality.empty()) w.add("target_municipalities @> ARRAY[$?]", db::to_param(f.municipality));
  if (!f.feature.empty()) w.add("features @> ARRAY[$?]", db::to_param(f.feature));
  if (!f.status.empty()) w.add("status = $?", db::to_param(f.status));
  if (f.orphaned) w.add("orphaned_at IS NOT NULL");
  return w;
}

OrgPage list(db::Tx& tx, std::string_view state, const Filters& f, int limit, int offset, const char* order) {
  OrgPage page;
  db::Where w = where_clause(state, f);
  std::vector<db::Param> page_params = w.params();
  page_params.push_back(db::to_param(limit));
  page_params.push_back(db::to_param(offset));
  db::Result r = tx.exec_params("SELECT " + kColumns + " FROM organizations" + w.sql() + " ORDER BY " + order +
                                    " LIMIT " + w.next() + " OFFSET $" + std::to_string(w.params().size() + 2),
                                page_params);
  for (int i = 0; i < r.size(); ++i) page.items.push_back(read(r[i]));
  // Counting every match of a one-character keyword means visiting thousands of rows;
  // the total is exact up to kCountCap and reported as capped beyond it.
  std::vector<db::Param> count_params = w.params();
  count_params.push_back(db::to_param(kCountCap + 1));
  page.total = tx.exec_params("SELECT count(*) FROM (SELECT 1 FROM organizations" + w.sql() + " LIMIT " + w.next() +
                                  ") AS capped",
                              count_params)[0].int64(0);
  page.capped = page.total > kCountCap;
  if (page.capped) page.total = kCountCap;
  return page;
}
} // namespace

void insert(db::Tx& tx, const OrgRow& o) {
  tx.exec(kInsert, o.id, o.kind, o.class_code, o.name, o.name_kana, o.fields, o.target_area, o.target_municipalities,
          o.municipality, o.features, o.profile, o.registrant_name, o.registrant_title,
          db::Bytes{o.registrant_phone_sealed}, db::Bytes{o.registrant_email_sealed}, o.registration_requirements,
          o.accepted_terms_version, o.guardian_consent, o.status, o.state, uuid_or_null(o.owner_account_id),
          uuid_or_null(o.duplicated_from), o.search_grams, o.search_text, o.site, o.registrant_department);
}

std::optional<OrgRow> find(db::Tx& tx, std::string_view id, bool for_update) {
  db::Result r = tx.exec(for_update ? kFindForUpdate : kFind, id);
  if (r.empty()) return std::nullopt;
  return read(r[0]);
}

Changes changed_since(db::Tx& tx, int64_t since_us) {
  Changes out;
  out.asked_at_us = search::database_clock_us(tx);
  db::Result r = tx.exec(
      std::string("SELECT id, state, site, kind, status, target_area, fields, target_municipalities, features, "
                  "search_text, coalesce((extract(epoch FROM published_at) * 1000000)::bigint, 0), ") + search::kStamp +
          ", class_code, orphaned_at IS NOT NULL FROM organizations WHERE " + search::kChangedSince,
      since_us);
  out.rows.reserve(size_t(r.size()));
  for (int i = 0; i < r.size(); ++i) {
    const db::Row& row = r[i];
    out.rows.push_back({row.text(0), row.text(1), row.text(2), row.text(3), row.text(4), row.text(5),
                        row.text_array(6), row.text_array(7), row.text_array(8), row.text(9), row.text(12),
                        row.int64(10), row.int64(11), row.boolean(13)});
  }
  return out;
}

std::vector<OrgRow> find_published(db::Tx& tx, const std::vector<std::string>& ids) {
  return search::published_rows(tx, kColumns, "organizations", ids, read);
}

OrgPage admin_list(db::Tx& tx, std::string_view state, const Filters& f, int limit, int offset) {
  return list(tx, state, f, limit, offset, "created_at DESC, id");  // staff work the newest entries first
}

std::vector<OrgRow> export_all(db::Tx& tx, std::string_view state, std::string_view site) {
  std::vector<OrgRow> out;
  db::Result r = tx.exec("SELECT " + kColumns + " FROM organizations WHERE ($1 = '' OR state = $1) AND "
                         "($2 = '' OR site = $2) ORDER BY created_at, id",
                         state, site);
  for (int i = 0; i < r.size(); ++i) out.push_back(read(r[i]));
  return out;
}

void erase(db::Tx& tx, std::string_view id) { tx.exec("DELETE FROM organizations WHERE id = $1::uuid", id); }

void set_state(db::Tx& tx, std::string_view id, std::string_view state) { tx.exec(kSetState, id, state); }

void set_status(db::Tx& tx, std::string_view id, std::string_view status) { tx.exec(kSetStatus, id, status); }

std::vector<std::string> orphan_of(db::Tx& tx, std::string_view account_id) {
  db::Result r = tx.exec("UPDATE organizations SET orphaned_at = now(), version = version + 1, updated_at = now() "
                         "WHERE owner_account_id = $1::uuid AND orphaned_at IS NULL RETURNING id::text",
                         account_id);
  std::vector<std::string> ids;
  for (int i = 0; i < r.size(); ++i) ids.push_back(r[i].text(0));
  return ids;
}

void set_owner(db::Tx& tx, std::string_view id, std::string_view account_id) {
  tx.exec("UPDATE organizations SET owner_account_id = $2::uuid, orphaned_at = NULL, version = version + 1, "
          "updated_at = now() WHERE id = $1::uuid",
          id, account_id);
}

void insert_handoff(db::Tx& tx, std::string_view token_hash, std::string_view organization_id, int minutes) {
  tx.exec(kInsertHandoff, db::Bytes{token_hash}, organization_id, minutes);
}

std::optional<std::string> use_handoff(db::Tx& tx, std::string_view token_hash) {
  db::Result r = tx.exec(kUseHandoff, db::Bytes{token_hash});
  if (r.empty()) return std::nullopt;
  return r[0].text(0);
}

void update_content(db::Tx& tx, const OrgRow& o) {
  tx.exec(kUpdateContent, o.id, o.class_code, o.name, o.name_kana, o.fields, o.target_area, o.target_municipalities,
          o.municipality, o.features, o.profile, o.search_grams, o.search_text, db::Bytes{o.registrant_phone_sealed},
          db::Bytes{o.registrant_email_sealed});
}

bool edit_content(db::Tx& tx, const OrgRow& o) {
  return tx.exec(kEditContent, o.id, o.class_code, o.name, o.name_kana, o.fields, o.target_area,
                 o.target_municipalities, o.municipality, o.features, o.profile, o.search_grams, o.search_text,
                 db::Bytes{o.registrant_phone_sealed}, db::Bytes{o.registrant_email_sealed}, o.registrant_name,
                 o.registrant_title, o.registrant_department, o.version)
             .affected() == 1;
}

namespace {
// The organisation's public record lists its attachments: its stamp moves (search::kStamp).
void touch(db::Tx& tx, std::string_view organization_id) {
  tx.exec("UPDATE organizations SET updated_at = now() WHERE id = $1::uuid", organization_id);
}
} // namespace

bool delete_attachment(db::Tx& tx, std::string_view organization_id, std::string_view id) {
  if (tx.exec("DELETE FROM attachments WHERE organization_id = $1::uuid AND id = $2::uuid", organization_id, id)
          .affected() != 1)
    return false;
  touch(tx, organization_id);
  return true;
}

void insert_attachment(db::Tx& tx, const AttachmentRow& a, std::string_view uploaded_by) {
  std::optional<std::string> by = uploaded_by.empty() ? std::nullopt : std::optional<std::string>(uploaded_by);
  tx.exec("INSERT INTO attachments (id, organization_id, category, filename, content_type, data, sha256, uploaded_by) "
          "VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::bytea, $7::bytea, $8::uuid)",
          a.id, a.organization_id, a.category, a.filename, a.content_type, db::Bytes{a.data},
          db::Bytes{crypto::sha256(a.data)}, by);
  touch(tx, a.organization_id);
}

std::vector<AttachmentRow> attachments(db::Tx& tx, std::string_view organization_id) {
  std::vector<AttachmentRow> out;
  db::Result r = tx.exec(std::string("SELECT id, organization_id, category, filename, content_type, octet_length(data), "
                                     "to_char(created_at AT TIME ZONE 'UTC', ") + kTime +
                             ") FROM attachments WHERE organization_id = $1::uuid ORDER BY created_at, id",
                         organization_id);
  for (int i = 0; i < r.size(); ++i)
    out.push_back({r[i].text(0), r[i].text(1), r[i].text(2), r[i].text(3), r[i].text(4), "", r[i].int64(5), r[i].text(6)});
  return out;
}

std::optional<AttachmentRow> find_attachment(db::Tx& tx, std::string_view organization_id, std::string_view id) {
  db::Result r = tx.exec("SELECT id, organization_id, category, filename, content_type, data FROM attachments "
                         "WHERE organization_id = $1::uuid AND id = $2::uuid",
                         organization_id, id);
  if (r.empty()) return std::nullopt;
  AttachmentRow a{r[0].text(0), r[0].text(1), r[0].text(2), r[0].text(3), r[0].text(4), r[0].bytes(5), 0, ""};
  a.size = int64_t(a.data.size());
  return a;
}

std::vector<CountRow> stats(db::Tx& tx) {
  std::vector<CountRow> out;
  db::Result r = tx.exec(kStats);
  for (int i = 0; i < r.size(); ++i) out.push_back({r[i].text(0), r[i].text(1), r[i].text(2), r[i].int64(3)});
  return out;
}

std::vector<MonthRow> registrations_by_month(db::Tx& tx, std::string_view from, std::string_view to) {
  std::vector<MonthRow> out;
  // Duplicates are staff copies, not registrations.
  db::Result r = tx.exec("SELECT to_char(created_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') AS month, site, kind, count(*) "
                         "FROM organizations WHERE duplicated_from IS NULL "
                         "AND created_at >= ($1 || '-01')::date::timestamp AT TIME ZONE 'Asia/Tokyo' "
                         "AND created_at < (($2 || '-01')::date + interval '1 month')::timestamp AT TIME ZONE 'Asia/Tokyo' "
                         "GROUP BY month, site, kind ORDER BY month, site, kind",
                         from, to);
  for (int i = 0; i < r.size(); ++i) out.push_back({r[i].text(0), r[i].text(1), r[i].text(2), r[i].int64(3)});
  return out;
}

} // namespace civic::directory::store
