#include "matching/store.h"

#include <map>

#include "search/keywords.h"

namespace civic::matching::store {
namespace {
constexpr const char* kTime = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";
const std::string kColumns = std::string(
    "id, account_id, type, coalesce(organization_id::text, ''), display_name, prefecture, municipality, "
    "links::text, occupation, qualifications, selling_point, activity_municipalities, fields, weekdays, time_slot, "
    "probono_field, probono_content, probono_needs, magazine, private_sealed, search_text, state, status, "
    "mail_stopped, coalesce(to_char(published_at AT TIME ZONE 'UTC', ") + kTime +
    "), ''), to_char(updated_at AT TIME ZONE 'UTC', " + kTime + "), version, account_suspended, "
    "coalesce(accepted_terms_version, 0), coalesce(to_char(accepted_terms_at AT TIME ZONE 'UTC', " + kTime + "), ''), "
    "mail_frequency";
const std::string kSelect = "SELECT " + kColumns + " FROM members";
const std::string kFind = kSelect + " WHERE id = $1::uuid";
const std::string kFindForUpdate = kFind + " FOR UPDATE";
const std::string kFindByAccount = kSelect + " WHERE account_id = $1::uuid";
const std::string kFindByAccountForUpdate = kFindByAccount + " FOR UPDATE";
constexpr const char* kInsert =
    "INSERT INTO members (id, account_id, type, organization_id, display_name, prefecture, municipality, links, "
    "occupation, qualifications, selling_point, activity_municipalities, fields, weekdays, time_slot, probono_field, "
    "probono_content, probono_needs, magazine, private_sealed, search_text, state, accepted_terms_version, "
    "accepted_terms_at, mail_frequency) VALUES ($1::uuid, $2::uuid, $3, nullif($4, '')::uuid, $5, $6, $7, $8::jsonb, "
    "$9, $10, $11, $12::text[], $13::text[], $14::text[], $15, $16, $17, $18, $19, $20, $21, $22, nullif($23, 0), "
    "CASE WHEN $23 > 0 THEN now() END, $24)";
constexpr const char* kUpdate =
    "UPDATE members SET display_name = $2, prefecture = $3, municipality = $4, links = $5::jsonb, occupation = $6, "
    "qualifications = $7, selling_point = $8, activity_municipalities = $9::text[], fields = $10::text[], "
    "weekdays = $11::text[], time_slot = $12, probono_field = $13, probono_content = $14, probono_needs = $15, "
    "magazine = $16, private_sealed = $17, search_text = $18, mail_frequency = $20, version = version + 1, "
    "updated_at = now() WHERE id = $1::uuid AND version = $19";
constexpr const char* kSetState =
    "UPDATE members SET state = $2, published_at = CASE WHEN $2 = 'published' THEN coalesce(published_at, now()) "
    "ELSE published_at END, version = version + 1, updated_at = now() WHERE id = $1::uuid";
constexpr const char* kSetStatus =
    "UPDATE members SET status = $2, mail_stopped = $3, version = version + 1, updated_at = now() WHERE id = $1::uuid";
constexpr const char* kCounts =
    "SELECT type, count(*) FROM members WHERE state = 'published' AND status = 'active' AND NOT account_suspended "
    "GROUP BY type";
const std::string kCandidateWhere =
    " FROM members WHERE state = 'published' AND status = 'active' AND NOT mail_stopped AND NOT account_suspended "
    "AND ($1 OR activity_municipalities && $2::text[]) AND ($3 OR weekdays && $4::text[])";
const std::string kCandidates =
    "SELECT id, type, time_slot, activity_municipalities, fields, weekdays, ''::bytea, account_id, mail_frequency" +
    kCandidateWhere;
const std::string kCandidatesSealed =
    "SELECT id, type, time_slot, activity_municipalities, fields, weekdays, private_sealed, account_id, mail_frequency" +
    kCandidateWhere;
constexpr const char* kUpsertOrg =
    "INSERT INTO organizations (id, owner_account_id, kind, name, visible, recruits) VALUES ($1::uuid, $2::uuid, $3, "
    "$4, $5, $6) ON CONFLICT (id) DO UPDATE SET owner_account_id = excluded.owner_account_id, kind = excluded.kind, "
    "name = excluded.name, visible = excluded.visible, recruits = excluded.recruits, updated_at = now()";
constexpr const char* kFindOrg =
    "SELECT id, owner_account_id, kind, name, visible, recruits FROM organizations WHERE id = $1::uuid";
constexpr const char* kRename =
    "UPDATE members SET display_name = $2, updated_at = now() WHERE organization_id = $1::uuid AND display_name <> $2";
const std::string kRecruitmentColumns =
    "id, organization_id, organization_name, title, fields, municipalities, prefecture_wide, weekdays, anytime, "
    "time_slot, coalesce(period_end::text, ''), organizer_email_sealed, closed, "
    "to_char(published_at AT TIME ZONE 'UTC', " + std::string(kTime) + ")";
constexpr const char* kUpsertRecruitment =
    "INSERT INTO recruitments (id, organization_id, organization_name, title, fields, municipalities, prefecture_wide, "
    "weekdays, anytime, time_slot, period_end, organizer_email_sealed, published_at) VALUES ($1::uuid, $2::uuid, $3, "
    "$4, $5::text[], $6::text[], $7, $8::text[], $9, $10, nullif($11, '')::date, $12, "
    "coalesce(nullif($13, '')::timestamptz, now())) ON CONFLICT (id) DO UPDATE SET "
    "organization_name = excluded.organization_name, title = excluded.title, fields = excluded.fields, "
    "municipalities = excluded.municipalities, prefecture_wide = excluded.prefecture_wide, "
    "weekdays = excluded.weekdays, anytime = excluded.anytime, time_slot = excluded.time_slot, "
    "period_end = excluded.period_end, organizer_email_sealed = excluded.organizer_email_sealed, closed = false, "
    "updated_at = now()";
constexpr const char* kClose = "UPDATE recruitments SET closed = true, updated_at = now() WHERE id = $1::uuid";
// Open: not closed, in period, and its organisation not known to be hidden (the
// directory's organization.changed may not have arrived yet for a new group).
const std::string kOpenWhere =
    "NOT closed AND (period_end IS NULL OR period_end >= (now() AT TIME ZONE 'Asia/Tokyo')::date) AND NOT EXISTS ("
    "SELECT 1 FROM organizations o WHERE o.id = recruitments.organization_id AND NOT o.visible)";
const std::string kOpen =
    "SELECT " + kRecruitmentColumns + " FROM recruitments WHERE " + kOpenWhere + " ORDER BY published_at DESC, id";
const std::string kOfOrg = "SELECT " + kRecruitmentColumns +
                           " FROM recruitments WHERE organization_id = $1::uuid ORDER BY published_at DESC, id LIMIT 100";
constexpr const char* kFire =
    "INSERT INTO triggers_fired (kind, subject_id, matches) VALUES ($1, $2::uuid, $3) ON CONFLICT DO NOTHING";

MemberRow read(const db::Row& r) {
  MemberRow m;
  m.id = r.text(0);
  m.account_id = r.text(1);
  m.type = r.text(2);
  m.organization_id = r.text(3);
  m.display_name = r.text(4);
  m.prefecture = r.text(5);
  m.municipality = r.text(6);
  m.links_json = r.text(7);
  m.occupation = r.text(8);
  m.qualifications = r.text(9);
  m.selling_point = r.text(10);
  m.activity_municipalities = r.text_array(11);
  m.fields = r.text_array(12);
  m.weekdays = r.text_array(13);
  m.time_slot = r.text(14);
  m.probono_field = r.text(15);
  m.probono_content = r.text(16);
  m.probono_needs = r.text(17);
  m.magazine = r.boolean(18);
  m.private_sealed = r.bytes(19);
  m.search_text = r.text(20);
  m.state = r.text(21);
  m.status = r.text(22);
  m.mail_stopped = r.boolean(23);
  m.published_at = r.text(24);
  m.updated_at = r.text(25);
  m.version = int(r.int64(26));
  m.account_suspended = r.boolean(27);
  m.accepted_terms_version = int(r.int64(28));
  m.accepted_terms_at = r.text(29);
  m.mail_frequency = r.text(30);
  return m;
}

std::optional<MemberRow> one(db::Result r) {
  if (r.empty()) return std::nullopt;
  return read(r[0]);
}

RecruitmentRow read_recruitment(const db::Row& r) {
  RecruitmentRow x;
  x.id = r.text(0);
  x.organization_id = r.text(1);
  x.organization_name = r.text(2);
  x.title = r.text(3);
  x.fields = r.text_array(4);
  x.municipalities = r.text_array(5);
  x.prefecture_wide = r.boolean(6);
  x.weekdays = r.text_array(7);
  x.anytime = r.boolean(8);
  x.time_slot = r.text(9);
  x.period_end = r.text(10);
  x.organizer_email_sealed = r.bytes(11);
  x.closed = r.boolean(12);
  x.published_at = r.text(13);
  return x;
}

const std::map<std::string_view, const char*> kType = {{"individual", "type = 'individual'"},
                                                       {"group", "type = 'group'"},
                                                       {"company", "type = 'company'"}};
} // namespace

std::optional<MemberRow> find(db::Tx& tx, const std::string& id, bool for_update) {
  return one(tx.exec(for_update ? kFindForUpdate : kFind, id));
}
std::optional<MemberRow> find_by_account(db::Tx& tx, const std::string& account_id, bool for_update) {
  return one(tx.exec(for_update ? kFindByAccountForUpdate : kFindByAccount, account_id));
}

void insert(db::Tx& tx, const MemberRow& m) {
  tx.exec(kInsert, m.id, m.account_id, m.type, m.organization_id, m.display_name, m.prefecture, m.municipality,
          m.links_json, m.occupation, m.qualifications, m.selling_point, m.activity_municipalities, m.fields,
          m.weekdays, m.time_slot, m.probono_field, m.probono_content, m.probono_needs, m.magazine,
          db::Bytes{m.private_sealed}, m.search_text, m.state, m.accepted_terms_version, m.mail_frequency);
}

std::vector<MonthRow> registrations_by_month(db::Tx& tx, std::string_view from, std::string_view to) {
  std::vector<MonthRow> out;
  db::Result r = tx.exec(
      "SELECT to_char(created_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') AS month, type, count(*) FROM members "
      "WHERE created_at >= to_date($1, 'YYYY-MM')::timestamp AT TIME ZONE 'Asia/Tokyo' "
      "AND created_at < (to_date($2, 'YYYY-MM') + interval '1 month')::timestamp AT TIME ZONE 'Asia/Tokyo' "
      "GROUP BY month, type ORDER BY month, type",
      from, to);
  for (int i = 0; i < r.size(); ++i) out.push_back({r[i].text(0), r[i].text(1), r[i].int64(2)});
  return out;
}

bool update(db::Tx& tx, const MemberRow& m) {
  return tx.exec(kUpdate, m.id, m.display_name, m.prefecture, m.municipality, m.links_json, m.occupation,
                 m.qualifications, m.selling_point, m.activity_municipalities, m.fields, m.weekdays, m.time_slot,
                 m.probono_field, m.probono_content, m.probono_needs, m.magazine, db::Bytes{m.private_sealed},
                 m.search_text, m.version, m.mail_frequency)
             .affected() == 1;
}

void erase(db::Tx& tx, const std::string& id) { tx.exec("DELETE FROM members WHERE id = $1::uuid", id); }

void set_state(db::Tx& tx, const std::string& id, std::string_view state) { tx.exec(kSetState, id, state); }
void set_status(db::Tx& tx, const std::string& id, std::string_view status, bool mail_stopped) {
  tx.exec(kSetStatus, id, status, mail_stopped);
}

void set_account_suspended(db::Tx& tx, const std::string& account_id, bool suspended) {
  tx.exec("UPDATE members SET account_suspended = $2, version = version + 1, updated_at = now() "
          "WHERE account_id = $1::uuid AND account_suspended <> $2",
          account_id, suspended);
}

MemberPage list_public(db::Tx& tx, const Filters& f, int limit, int offset) {
  db::Where w;
  w.add("state = 'published' AND status = 'active'");  // as the partial index says
  w.add("NOT account_suspended");
  search::where_keywords(w, f.keywords, {.grams = "", .text = "search_text"});
  if (!f.type.empty()) w.add(kType.at(f.type));
  if (!f.municipality.empty()) w.add("activity_municipalities @> ARRAY[$?]", db::to_param(f.municipality));
  if (!f.field.empty()) w.add("fields @> ARRAY[$?]", db::to_param(f.field));
  if (!f.probono_field.empty()) w.add("probono_field = $?", db::to_param(f.probono_field));
  auto [items, total] = db::select_page<MemberRow>(tx, kSelect, w, "published_at DESC, id", limit, offset, read);
  return {std::move(items), total};
}

MemberPage admin_list(db::Tx& tx, const std::string& state, const std::string& type, int limit, int offset) {
  db::Where w;
  if (!state.empty()) w.add("state = $?", db::to_param(state));
  if (!type.empty()) w.add(kType.at(type));
  auto [items, total] = db::select_page<MemberRow>(tx, kSelect, w, "created_at DESC, id", limit, offset, read);
  return {std::move(items), total};
}

Counts counts(db::Tx& tx) {
  Counts c;
  db::Result r = tx.exec(kCounts);
  for (int i = 0; i < r.size(); ++i) {
    int n = int(r[i].int64(1));
    std::string t = r[i].text(0);
    (t == "individual" ? c.individuals : t == "group" ? c.groups : c.companies) = n;
  }
  return c;
}

std::vector<Candidate> candidates(db::Tx& tx, const Narrowing& n, bool with_sealed) {
  db::Result r = tx.exec(with_sealed ? kCandidatesSealed : kCandidates, n.anywhere, n.places, n.any_day, n.days);
  std::vector<Candidate> out;
  out.reserve(size_t(r.size()));
  for (int i = 0; i < r.size(); ++i)
    out.push_back({r[i].text(0), r[i].text(1), r[i].text(2), r[i].text_array(3), r[i].text_array(4), r[i].text_array(5),
                   with_sealed ? r[i].bytes(6) : std::string(), r[i].text(7), r[i].text(8)});
  return out;
}

void upsert_organization(db::Tx& tx, const OrgRow& o) {
  tx.exec(kUpsertOrg, o.id, o.owner_account_id, o.kind, o.name, o.visible, o.recruits);
}
std::optional<OrgRow> find_organization(db::Tx& tx, const std::string& id) {
  db::Result r = tx.exec(kFindOrg, id);
  if (r.empty()) return std::nullopt;
  return OrgRow{r[0].text(0), r[0].text(1), r[0].text(2), r[0].text(3), r[0].boolean(4), r[0].boolean(5)};
}
void rename_members_of(db::Tx& tx, const std::string& organization_id, const std::string& name) {
  tx.exec(kRename, organization_id, name);
}

void upsert_recruitment(db::Tx& tx, const RecruitmentRow& r) {
  tx.exec(kUpsertRecruitment, r.id, r.organization_id, r.organization_name, r.title, r.fields, r.municipalities,
          r.prefecture_wide, r.weekdays, r.anytime, r.time_slot, r.period_end, db::Bytes{r.organizer_email_sealed},
          r.published_at);
}
void close_recruitment(db::Tx& tx, const std::string& id) { tx.exec(kClose, id); }

std::vector<RecruitmentRow> open_recruitments(db::Tx& tx, int limit) {
  db::Result r = limit > 0 ? tx.exec(kOpen + " LIMIT $1", limit) : tx.exec(kOpen);
  std::vector<RecruitmentRow> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(read_recruitment(r[i]));
  return out;
}
std::vector<RecruitmentRow> recruitments_of(db::Tx& tx, const std::string& organization_id) {
  db::Result r = tx.exec(kOfOrg, organization_id);
  std::vector<RecruitmentRow> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(read_recruitment(r[i]));
  return out;
}

void defer_matches(db::Tx& tx, const std::string& recruitment_id, const std::vector<std::string>& member_ids) {
  if (member_ids.empty()) return;
  tx.exec("INSERT INTO pending_matches (member_id, recruitment_id) SELECT unnest($2::uuid[]), $1::uuid "
          "ON CONFLICT DO NOTHING",
          recruitment_id, member_ids);
}

std::vector<DigestMember> digests_due(db::Tx& tx, int64_t daily_at, int64_t weekly_at, int limit) {
  std::vector<DigestMember> out;
  for (const auto& r : tx.exec(
           "SELECT m.id::text, m.private_sealed FROM members m JOIN ("
           "  SELECT member_id, min(created_at) AS oldest FROM pending_matches GROUP BY member_id) p "
           "ON p.member_id = m.id WHERE m.state = 'published' AND m.status = 'active' AND NOT m.mail_stopped "
           "AND NOT m.account_suspended AND p.oldest < CASE m.mail_frequency WHEN 'daily' THEN to_timestamp($1) "
           "WHEN 'weekly' THEN to_timestamp($2) ELSE 'infinity' END "
           "ORDER BY p.oldest, m.id LIMIT $3 FOR UPDATE OF m SKIP LOCKED",
           daily_at, weekly_at, limit))
    out.push_back({r.text(0), r.bytes(1)});
  return out;
}

std::vector<RecruitmentRow> take_matches(db::Tx& tx, const std::string& member_id) {
  std::vector<RecruitmentRow> out;
  for (const auto& r : tx.exec("WITH taken AS (DELETE FROM pending_matches WHERE member_id = $1::uuid "
                               "RETURNING recruitment_id, created_at) SELECT " + kRecruitmentColumns +
                                   " FROM recruitments JOIN taken ON taken.recruitment_id = recruitments.id WHERE " +
                                   kOpenWhere + " ORDER BY taken.created_at, recruitments.id",
                               member_id))
    out.push_back(read_recruitment(r));
  return out;
}

bool fire(db::Tx& tx, std::string_view kind, const std::string& subject_id, int matches) {
  return tx.exec(kFire, kind, subject_id, matches).affected() == 1;
}

} // namespace civic::matching::store
