#include "directory/store.h"

namespace civic::directory::store {
namespace {
constexpr const char* kTime = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";
const std::string kColumns = std::string(
    "id, kind, class_code, name, name_kana, fields, target_area, target_municipalities, municipality, features, "
    "profile::text, registrant_name, registrant_title, registrant_phone_sealed, registrant_email_sealed, "
    "registration_requirements, accepted_terms_version, to_char(accepted_terms_at AT TIME ZONE 'UTC', ") + kTime +
    "), guardian_consent, status, state, coalesce(owner_account_id::text, ''), coalesce(duplicated_from::text, ''), "
    "coalesce(to_char(published_at AT TIME ZONE 'UTC', " + kTime + "), ''), to_char(updated_at AT TIME ZONE 'UTC', " +
    kTime + "), version";
constexpr const char* kInsert =
    "INSERT INTO organizations (id, kind, class_code, name, name_kana, fields, target_area, target_municipalities, "
    "municipality, features, profile, registrant_name, registrant_title, registrant_phone_sealed, "
    "registrant_email_sealed, registration_requirements, accepted_terms_version, guardian_consent, status, state, "
    "owner_account_id, duplicated_from, search_grams, search_text) VALUES ($1::uuid, $2, $3, $4, $5, $6::text[], $7, "
    "$8::text[], $9, $10::text[], $11::jsonb, $12, $13, $14::bytea, $15::bytea, $16::text[], $17, $18, $19, $20, "
    "$21::uuid, $22::uuid, $23::text[], $24)";
const std::string kFind = "SELECT " + kColumns + " FROM organizations WHERE id = $1::uuid";
const std::string kFindForUpdate = kFind + " FOR UPDATE";
// One shape for the public search and the staff list: every filter is optional.
const std::string kWhere =
    " WHERE ($1 = '' OR state = $1) AND search_grams @> $2::text[] AND search_text LIKE ALL ($3::text[]) "
    "AND ($4 = '' OR kind = $4) AND ($5 = '' OR $5 = ANY (fields)) AND ($6 = '' OR target_area = $6) "
    "AND ($7 = '' OR $7 = ANY (target_municipalities)) AND ($8 = '' OR $8 = ANY (features)) "
    "AND ($9 = '' OR status = $9)";
const std::string kSearch = "SELECT " + kColumns + " FROM organizations" + kWhere +
                            " ORDER BY published_at DESC NULLS LAST, created_at DESC, id LIMIT $10 OFFSET $11";
const std::string kCount = "SELECT count(*) FROM organizations" + kWhere;
constexpr const char* kSetState =
    "UPDATE organizations SET state = $2, published_at = CASE WHEN $2 = 'published' THEN coalesce(published_at, now()) "
    "ELSE published_at END, version = version + 1, updated_at = now() WHERE id = $1::uuid";
constexpr const char* kSetStatus =
    "UPDATE organizations SET status = $2, version = version + 1, updated_at = now() WHERE id = $1::uuid";
constexpr const char* kStats =
    "SELECT kind, status, count(*) FROM organizations WHERE state = 'published' GROUP BY kind, status ORDER BY kind, status";

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
  return o;
}

std::optional<std::string> uuid_or_null(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

OrgPage list(db::Tx& tx, std::string_view state, const Filters& f, int limit, int offset) {
  OrgPage page;
  db::Result r = tx.exec(kSearch, state, f.grams, f.like_patterns, f.kind, f.field, f.area, f.municipality, f.feature,
                         f.status, limit, offset);
  for (int i = 0; i < r.size(); ++i) page.items.push_back(read(r[i]));
  page.total = tx.exec(kCount, state, f.grams, f.like_patterns, f.kind, f.field, f.area, f.municipality, f.feature,
                       f.status)[0].int64(0);
  return page;
}
} // namespace

void insert(db::Tx& tx, const OrgRow& o) {
  tx.exec(kInsert, o.id, o.kind, o.class_code, o.name, o.name_kana, o.fields, o.target_area, o.target_municipalities,
          o.municipality, o.features, o.profile, o.registrant_name, o.registrant_title,
          db::Bytes{o.registrant_phone_sealed}, db::Bytes{o.registrant_email_sealed}, o.registration_requirements,
          o.accepted_terms_version, o.guardian_consent, o.status, o.state, uuid_or_null(o.owner_account_id),
          uuid_or_null(o.duplicated_from), o.search_grams, o.search_text);
}

std::optional<OrgRow> find(db::Tx& tx, std::string_view id, bool for_update) {
  db::Result r = tx.exec(for_update ? kFindForUpdate : kFind, id);
  if (r.empty()) return std::nullopt;
  return read(r[0]);
}

OrgPage search(db::Tx& tx, const Filters& f, int limit, int offset) { return list(tx, "published", f, limit, offset); }

OrgPage admin_list(db::Tx& tx, std::string_view state, const Filters& f, int limit, int offset) {
  return list(tx, state, f, limit, offset);
}

void set_state(db::Tx& tx, std::string_view id, std::string_view state) { tx.exec(kSetState, id, state); }

void set_status(db::Tx& tx, std::string_view id, std::string_view status) { tx.exec(kSetStatus, id, status); }

std::vector<CountRow> stats(db::Tx& tx) {
  std::vector<CountRow> out;
  db::Result r = tx.exec(kStats);
  for (int i = 0; i < r.size(); ++i) out.push_back({r[i].text(0), r[i].text(1), r[i].int64(2)});
  return out;
}

} // namespace civic::directory::store
