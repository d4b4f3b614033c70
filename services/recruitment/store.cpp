#include "recruitment/store.h"

#include <algorithm>

#include "search/keywords.h"

namespace civic::recruitment::store {
namespace {
constexpr const char* kTime = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";
constexpr const char* kToday = "(now() AT TIME ZONE 'Asia/Tokyo')::date";
// Open: published, its organisation visible, and today within the period.
const std::string kOpen = std::string("(r.state = 'published' AND o.visible AND (r.period_start IS NULL OR "
                                      "r.period_start <= ") + kToday + ") AND (r.anytime OR r.period_end >= " + kToday + "))";
const std::string kColumns = std::string(
    "r.id, r.organization_id, o.name, r.owner_account_id, r.title, r.fields, r.municipalities, "
    "r.activity_dates::text[], r.weekdays, r.prefecture_wide, r.anytime, r.time_slot, coalesce(r.period_start::text, ''), "
    "coalesce(r.period_end::text, ''), r.profile::text, r.organizer_email_sealed, r.state, "
    "coalesce(r.duplicated_from::text, ''), coalesce(to_char(r.published_at AT TIME ZONE 'UTC', ") + kTime +
    "), ''), to_char(r.updated_at AT TIME ZONE 'UTC', " + kTime + "), r.version, o.visible, " + kOpen;
const std::string kSelect = "SELECT " + kColumns + " FROM recruitments r JOIN organizations o ON o.id = r.organization_id";
const std::string kFind = kSelect + " WHERE r.id = $1::uuid";
const std::string kFindForUpdate = kFind + " FOR UPDATE OF r";
constexpr const char* kUpsertOrg =
    "INSERT INTO organizations (id, owner_account_id, kind, name, visible, recruits) VALUES ($1::uuid, $2::uuid, $3, "
    "$4, $5, $6) ON CONFLICT (id) DO UPDATE SET owner_account_id = excluded.owner_account_id, kind = excluded.kind, "
    "name = excluded.name, visible = excluded.visible, recruits = excluded.recruits, updated_at = now()";
constexpr const char* kOrgOf =
    "SELECT id, owner_account_id, kind, name, visible, recruits FROM organizations WHERE owner_account_id = $1::uuid "
    "ORDER BY visible DESC, updated_at DESC LIMIT 1";
constexpr const char* kInsert =
    "INSERT INTO recruitments (id, organization_id, owner_account_id, title, fields, municipalities, prefecture_wide, "
    "activity_dates, weekdays, time_slot, period_start, period_end, anytime, profile, organizer_email_sealed, "
    "search_grams, search_text, state, duplicated_from) VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5::text[], "
    "$6::text[], $7, $8::date[], $9::text[], $10, nullif($11, '')::date, nullif($12, '')::date, $13, $14::jsonb, $15, "
    "$16::text[], $17, $18, nullif($19, '')::uuid)";
constexpr const char* kUpdate =
    "UPDATE recruitments SET title = $2, fields = $3::text[], municipalities = $4::text[], prefecture_wide = $5, "
    "activity_dates = $6::date[], weekdays = $7::text[], time_slot = $8, period_start = nullif($9, '')::date, "
    "period_end = nullif($10, '')::date, anytime = $11, profile = $12::jsonb, organizer_email_sealed = $13, "
    "search_grams = $14::text[], search_text = $15, version = version + 1, updated_at = now() "
    "WHERE id = $1::uuid AND version = $16";
constexpr const char* kSetState =
    "UPDATE recruitments SET state = $2, published_at = CASE WHEN $2 = 'published' THEN coalesce(published_at, now()) "
    "ELSE published_at END, version = version + 1, updated_at = now() WHERE id = $1::uuid";
const std::string kCalendar =
    "SELECT d::date::text, r.id, r.title, o.name FROM recruitments r JOIN organizations o ON o.id = r.organization_id, "
    "unnest(r.activity_dates) d WHERE " + kOpen + " AND d >= $1::date AND d < $2::date ORDER BY d, r.title, r.id";
constexpr const char* kInsertSubmission =
    "INSERT INTO submissions (id, kind, recruitment_id, to_member_id, from_member_id, via_oneclick, sealed) "
    "VALUES ($1::uuid, $2, nullif($3, '')::uuid, nullif($4, '')::uuid, $5::uuid, $6, $7) ON CONFLICT DO NOTHING";
constexpr const char* kUsed = "SELECT 1 FROM oneclick_uses WHERE token_hash = $1";
constexpr const char* kUse =
    "INSERT INTO oneclick_uses (token_hash, member_id, recruitment_id, action) VALUES ($1, $2::uuid, $3::uuid, $4) "
    "ON CONFLICT DO NOTHING";

RecruitmentRow read(const db::Row& r) {
  RecruitmentRow x;
  x.id = r.text(0);
  x.organization_id = r.text(1);
  x.organization_name = r.text(2);
  x.owner_account_id = r.text(3);
  x.title = r.text(4);
  x.fields = r.text_array(5);
  x.municipalities = r.text_array(6);
  x.activity_dates = r.text_array(7);
  x.weekdays = r.text_array(8);
  x.prefecture_wide = r.boolean(9);
  x.anytime = r.boolean(10);
  x.time_slot = r.text(11);
  x.period_start = r.text(12);
  x.period_end = r.text(13);
  x.profile = r.text(14);
  x.organizer_email_sealed = r.bytes(15);
  x.state = r.text(16);
  x.duplicated_from = r.text(17);
  x.published_at = r.text(18);
  x.updated_at = r.text(19);
  x.version = int(r.int64(20));
  x.organization_visible = r.boolean(21);
  x.open = r.boolean(22);
  return x;
}

std::optional<RecruitmentRow> one(db::Result r) {
  if (r.empty()) return std::nullopt;
  return read(r[0]);
}
} // namespace

void upsert_organization(db::Tx& tx, const OrgRow& o) {
  tx.exec(kUpsertOrg, o.id, o.owner_account_id, o.kind, o.name, o.visible, o.recruits);
}

void expect_organization(db::Tx& tx, const std::string& id, const std::string& owner_account_id,
                         const std::string& name) {
  tx.exec("INSERT INTO organizations (id, owner_account_id, kind, name, visible, recruits) VALUES ($1::uuid, "
          "coalesce(nullif($2, '')::uuid, '00000000-0000-0000-0000-000000000000'), 'group', $3, false, true) "
          "ON CONFLICT (id) DO NOTHING",
          id, owner_account_id, name);
}

std::optional<OrgRow> organization_of(db::Tx& tx, const std::string& account_id) {
  db::Result r = tx.exec(kOrgOf, account_id);
  if (r.empty()) return std::nullopt;
  return OrgRow{r[0].text(0), r[0].text(1), r[0].text(2), r[0].text(3), r[0].boolean(4), r[0].boolean(5)};
}

std::optional<RecruitmentRow> find(db::Tx& tx, const std::string& id, bool for_update) {
  return one(tx.exec(for_update ? kFindForUpdate : kFind, id));
}

void insert(db::Tx& tx, const RecruitmentRow& r) {
  tx.exec(kInsert, r.id, r.organization_id, r.owner_account_id, r.title, r.fields, r.municipalities, r.prefecture_wide,
          r.activity_dates, r.weekdays, r.time_slot, r.period_start, r.period_end, r.anytime, r.profile,
          db::Bytes{r.organizer_email_sealed}, r.search_grams, r.search_text, r.state, r.duplicated_from);
}

bool update(db::Tx& tx, const RecruitmentRow& r) {
  return tx.exec(kUpdate, r.id, r.title, r.fields, r.municipalities, r.prefecture_wide, r.activity_dates, r.weekdays,
                 r.time_slot, r.period_start, r.period_end, r.anytime, r.profile, db::Bytes{r.organizer_email_sealed},
                 r.search_grams, r.search_text, r.version)
             .affected() == 1;
}

void erase(db::Tx& tx, const std::string& id) { tx.exec("DELETE FROM recruitments WHERE id = $1::uuid", id); }

void set_state(db::Tx& tx, const std::string& id, std::string_view state) { tx.exec(kSetState, id, state); }

Page list_public(db::Tx& tx, const Filters& f, int limit, int offset) {
  db::Where w;
  w.add("r.state = 'published' AND o.visible");
  if (f.past) w.add(std::string("NOT r.anytime AND r.period_end < ") + kToday);
  else w.add(kOpen);
  search::where_keywords(w, f.keywords, {.grams = "r.search_grams", .text = "r.search_text"});
  if (!f.field.empty()) w.add("r.fields @> ARRAY[$?]", db::to_param(f.field));
  if (!f.municipality.empty()) w.add("(r.prefecture_wide OR r.municipalities @> ARRAY[$?])", db::to_param(f.municipality));
  // A recruitment without dates (by arrangement) fits any date range.
  if (!f.from.empty())
    w.add("(cardinality(r.activity_dates) = 0 OR EXISTS (SELECT 1 FROM unnest(r.activity_dates) d WHERE d >= $?::date))",
          db::to_param(f.from));
  if (!f.to.empty())
    w.add("(cardinality(r.activity_dates) = 0 OR EXISTS (SELECT 1 FROM unnest(r.activity_dates) d WHERE d <= $?::date))",
          db::to_param(f.to));
  if (!f.organization_id.empty()) w.add("r.organization_id = $?::uuid", db::to_param(f.organization_id));
  auto [items, total] = db::select_page<RecruitmentRow>(tx, kSelect, w, "r.published_at DESC, r.id", limit, offset, read);
  return {std::move(items), total};
}

Page list_by_organization(db::Tx& tx, const std::string& organization_id, int limit, int offset) {
  db::Where w;
  w.add("r.organization_id = $?::uuid", db::to_param(organization_id));
  auto [items, total] = db::select_page<RecruitmentRow>(tx, kSelect, w, "r.created_at DESC, r.id", limit, offset, read);
  return {std::move(items), total};
}

Page admin_list(db::Tx& tx, const std::string& state, int limit, int offset) {
  db::Where w;
  if (!state.empty()) w.add("r.state = $?", db::to_param(state));
  auto [items, total] = db::select_page<RecruitmentRow>(tx, kSelect, w, "r.created_at DESC, r.id", limit, offset, read);
  return {std::move(items), total};
}

std::vector<CalendarItem> calendar(db::Tx& tx, const std::string& first_day, const std::string& next_first_day) {
  db::Result r = tx.exec(kCalendar, first_day, next_first_day);
  std::vector<CalendarItem> out;
  for (int i = 0; i < r.size(); ++i) out.push_back({r[i].text(0), r[i].text(1), r[i].text(2), r[i].text(3)});
  return out;
}

bool insert_submission(db::Tx& tx, const std::string& id, std::string_view kind, const std::string& recruitment_id,
                       const std::string& to_member_id, const std::string& from_member_id, bool via_oneclick,
                       const std::string& sealed) {
  return tx.exec(kInsertSubmission, id, kind, recruitment_id, to_member_id, from_member_id, via_oneclick,
                 db::Bytes{sealed})
             .affected() == 1;
}

void date_submission(db::Tx& tx, const std::string& id, const std::string& sent_at) {
  if (!sent_at.empty()) tx.exec("UPDATE submissions SET created_at = $2::timestamptz WHERE id = $1::uuid", id, sent_at);
}

std::vector<std::string> applicants(db::Tx& tx, const std::string& recruitment_id) {
  std::vector<std::string> out;
  db::Result r = tx.exec("SELECT DISTINCT from_member_id::text FROM submissions "
                         "WHERE recruitment_id = $1::uuid AND kind = 'application'",
                         recruitment_id);
  for (int i = 0; i < r.size(); ++i) out.push_back(r[i].text(0));
  return out;
}

bool oneclick_used(db::Tx& tx, const std::string& token_hash) { return !tx.exec(kUsed, db::Bytes{token_hash}).empty(); }

bool use_oneclick(db::Tx& tx, const std::string& token_hash, const std::string& member_id,
                  const std::string& recruitment_id, std::string_view action) {
  return tx.exec(kUse, db::Bytes{token_hash}, member_id, recruitment_id, action).affected() == 1;
}

namespace {
constexpr const char* kInsertFlyer =
    "INSERT INTO flyers (id, recruitment_id, event_id, filename, content_type, data, sha256, uploaded_by) VALUES "
    "($1::uuid, CASE WHEN $2 = 'recruitment' THEN $3::uuid END, CASE WHEN $2 = 'event' THEN $3::uuid END, $4, $5, $6, "
    "sha256($6), nullif($7, '')::uuid)";
constexpr const char* kFlyersOf =
    "SELECT id, filename, content_type, octet_length(data) FROM flyers WHERE CASE WHEN $1 = 'recruitment' "
    "THEN recruitment_id ELSE event_id END = $2::uuid ORDER BY created_at, id";
constexpr const char* kFindFlyer =
    "SELECT id, filename, content_type, octet_length(data), data FROM flyers WHERE CASE WHEN $1 = 'recruitment' "
    "THEN recruitment_id ELSE event_id END = $2::uuid AND id = $3::uuid";

const std::string kEventColumns = std::string(
    "id, category, title, dates::text[], fields, municipality, coalesce(application_start::text, ''), "
    "coalesce(application_end::text, ''), profile::text, submitter_name, submitter_email_sealed, "
    "coalesce(submitted_by::text, ''), state, coalesce(duplicated_from::text, ''), "
    "coalesce(to_char(published_at AT TIME ZONE 'UTC', ") + kTime + "), ''), to_char(updated_at AT TIME ZONE 'UTC', " +
    kTime + "), version, last_date < " + kToday;
const std::string kEventSelect = "SELECT " + kEventColumns + " FROM events";
const std::string kFindEvent = kEventSelect + " WHERE id = $1::uuid";
const std::string kFindEventForUpdate = kFindEvent + " FOR UPDATE";
constexpr const char* kInsertEvent =
    "INSERT INTO events (id, category, title, dates, first_date, last_date, municipality, fields, application_start, "
    "application_end, profile, submitter_name, submitter_email_sealed, submitted_by, search_grams, search_text, state, "
    "duplicated_from) SELECT $1::uuid, $2, $3, d, (SELECT min(x) FROM unnest(d) x), (SELECT max(x) FROM unnest(d) x), "
    "$5, $6::text[], nullif($7, '')::date, nullif($8, '')::date, $9::jsonb, $10, $11, nullif($12, '')::uuid, "
    "$13::text[], $14, $15, nullif($16, '')::uuid FROM (SELECT $4::date[] AS d) dates";
constexpr const char* kUpdateEvent =
    "UPDATE events SET category = $2, title = $3, dates = $4::date[], first_date = (SELECT min(x) FROM "
    "unnest($4::date[]) x), last_date = (SELECT max(x) FROM unnest($4::date[]) x), municipality = $5, "
    "fields = $6::text[], application_start = nullif($7, '')::date, application_end = nullif($8, '')::date, "
    "profile = $9::jsonb, search_grams = $10::text[], search_text = $11, version = version + 1, updated_at = now() "
    "WHERE id = $1::uuid AND version = $12";
constexpr const char* kSetEventState =
    "UPDATE events SET state = $2, published_at = CASE WHEN $2 = 'published' THEN coalesce(published_at, now()) "
    "ELSE published_at END, version = version + 1, updated_at = now() WHERE id = $1::uuid";
const std::string kEventCalendar =
    "SELECT d::date::text, e.id, e.title, coalesce(e.profile->>'organizer', '') FROM events e, unnest(e.dates) d "
    "WHERE e.state = 'published' AND d >= $1::date AND d < $2::date ORDER BY d, e.title, e.id";

EventRow read_event(const db::Row& r) {
  EventRow e;
  e.id = r.text(0);
  e.category = r.text(1);
  e.title = r.text(2);
  e.dates = r.text_array(3);
  e.fields = r.text_array(4);
  e.municipality = r.text(5);
  e.application_start = r.text(6);
  e.application_end = r.text(7);
  e.profile = r.text(8);
  e.submitter_name = r.text(9);
  e.submitter_email_sealed = r.bytes(10);
  e.submitted_by = r.text(11);
  e.state = r.text(12);
  e.duplicated_from = r.text(13);
  e.published_at = r.text(14);
  e.updated_at = r.text(15);
  e.version = int(r.int64(16));
  e.past = r.boolean(17);
  return e;
}
} // namespace

void insert_flyer(db::Tx& tx, std::string_view owner, const std::string& owner_id, const FlyerRow& f,
                  const std::string& uploaded_by) {
  tx.exec(kInsertFlyer, f.id, owner, owner_id, f.filename, f.content_type, db::Bytes{f.data}, uploaded_by);
  // The event's public record lists its flyers: its stamp moves (search::kStamp).
  if (owner == "event") tx.exec("UPDATE events SET updated_at = now() WHERE id = $1::uuid", owner_id);
}

std::vector<FlyerRow> flyers_of(db::Tx& tx, std::string_view owner, const std::string& owner_id) {
  db::Result r = tx.exec(kFlyersOf, owner, owner_id);
  std::vector<FlyerRow> out;
  for (int i = 0; i < r.size(); ++i) out.push_back({r[i].text(0), r[i].text(1), r[i].text(2), "", r[i].int64(3)});
  return out;
}

std::optional<FlyerRow> find_flyer(db::Tx& tx, std::string_view owner, const std::string& owner_id,
                                   const std::string& flyer_id) {
  db::Result r = tx.exec(kFindFlyer, owner, owner_id, flyer_id);
  if (r.empty()) return std::nullopt;
  return FlyerRow{r[0].text(0), r[0].text(1), r[0].text(2), r[0].bytes(4), r[0].int64(3)};
}

std::optional<EventRow> find_event(db::Tx& tx, const std::string& id, bool for_update) {
  db::Result r = tx.exec(for_update ? kFindEventForUpdate : kFindEvent, id);
  if (r.empty()) return std::nullopt;
  return read_event(r[0]);
}

void insert_event(db::Tx& tx, const EventRow& e) {
  tx.exec(kInsertEvent, e.id, e.category, e.title, e.dates, e.municipality, e.fields, e.application_start,
          e.application_end, e.profile, e.submitter_name, db::Bytes{e.submitter_email_sealed}, e.submitted_by,
          e.search_grams, e.search_text, e.state, e.duplicated_from);
}

bool update_event(db::Tx& tx, const EventRow& e) {
  return tx.exec(kUpdateEvent, e.id, e.category, e.title, e.dates, e.municipality, e.fields, e.application_start,
                 e.application_end, e.profile, e.search_grams, e.search_text, e.version)
             .affected() == 1;
}

void insert_upload_token(db::Tx& tx, const std::string& token_hash, const std::string& event_id, int hours) {
  tx.exec("INSERT INTO event_upload_tokens (token_hash, event_id, expires_at) "
          "VALUES ($1::bytea, $2::uuid, now() + make_interval(hours => $3::int))",
          db::Bytes{token_hash}, event_id, hours);
}

bool upload_token_valid(db::Tx& tx, const std::string& token_hash, const std::string& event_id) {
  return !tx.exec("SELECT 1 FROM event_upload_tokens WHERE token_hash = $1::bytea AND event_id = $2::uuid "
                  "AND expires_at > now()",
                  db::Bytes{token_hash}, event_id)
              .empty();
}

int64_t flyer_count(db::Tx& tx, std::string_view owner, const std::string& id) {
  const char* sql = owner == "event" ? "SELECT count(*) FROM flyers WHERE event_id = $1::uuid"
                                     : "SELECT count(*) FROM flyers WHERE recruitment_id = $1::uuid";
  return tx.exec(sql, id)[0].int64(0);
}

void erase_event(db::Tx& tx, const std::string& id) { tx.exec("DELETE FROM events WHERE id = $1::uuid", id); }

void set_event_state(db::Tx& tx, const std::string& id, std::string_view state) { tx.exec(kSetEventState, id, state); }

EventPage list_events(db::Tx& tx, const EventFilters& f, int limit, int offset) {
  db::Where w;
  w.add("state = 'published'");
  w.add(std::string(f.past ? "last_date < " : "last_date >= ") + kToday);
  search::where_keywords(w, f.keywords);
  if (!f.category.empty()) w.add("category = $?", db::to_param(f.category));
  if (!f.field.empty()) w.add("fields @> ARRAY[$?]", db::to_param(f.field));
  if (!f.municipality.empty()) w.add("municipality = $?", db::to_param(f.municipality));
  if (!f.from.empty()) w.add("last_date >= $?::date", db::to_param(f.from));
  if (!f.to.empty()) w.add("first_date <= $?::date", db::to_param(f.to));
  auto [items, total] = db::select_page<EventRow>(tx, kEventSelect, w,
                                                  f.newest ? "published_at DESC, id"
                                                  : f.past ? "last_date DESC, id"
                                                           : "first_date, id",
                                                  limit, offset,
                                                  read_event);
  return {std::move(items), total};
}

search::Changes<EventHot, EventCold> changed_events(db::Tx& tx, int64_t since_us) {
  return search::changed_rows<EventHot, EventCold>(
      tx,
      std::string("id, state = 'published', ") + search::kStamp +
          ", first_date - date '1970-01-01', last_date - date '1970-01-01', category, "
      "search_text, municipality, fields",
      "events", since_us, [](const db::Row& row) {
        auto first = int32_t(row.int64(3));
        return search::Row<EventHot, EventCold>{
            row.text(0), row.boolean(1), row.int64(2), -int64_t(first), row.text(6),
            EventHot{first, int32_t(row.int64(4)), search::code(kEventCategories, row.text(5))},
            EventCold{row.text(7), row.text_array(8)}};
      });
}

std::vector<EventRow> find_published_events(db::Tx& tx, const std::vector<std::string>& ids) {
  return search::published_rows(tx, kEventColumns, "events", ids, read_event);
}

EventPage admin_list_events(db::Tx& tx, const std::string& state, int limit, int offset) {
  db::Where w;
  if (!state.empty()) w.add("state = $?", db::to_param(state));
  auto [items, total] = db::select_page<EventRow>(tx, kEventSelect, w, "created_at DESC, id", limit, offset, read_event);
  return {std::move(items), total};
}

std::vector<CalendarItem> event_calendar(db::Tx& tx, const std::string& first_day, const std::string& next_first_day) {
  db::Result r = tx.exec(kEventCalendar, first_day, next_first_day);
  std::vector<CalendarItem> out;
  for (int i = 0; i < r.size(); ++i) out.push_back({r[i].text(0), r[i].text(1), r[i].text(2), r[i].text(3)});
  return out;
}

} // namespace civic::recruitment::store
