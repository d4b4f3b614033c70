#include "grants/store.h"

#include "search/keywords.h"
#include "text/text.h"

#include <algorithm>
#include <map>

namespace civic::grants::store {
namespace {
constexpr const char* kTime = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";
const std::string kColumns = std::string(
    "id, funder, name, fields, target_area, coalesce(application_start::text, ''), "
    "coalesce(application_end::text, ''), anytime, profile::text, state, coalesce(created_by::text, ''), "
    "coalesce(duplicated_from::text, ''), coalesce(to_char(published_at AT TIME ZONE 'UTC', ") + kTime +
    "), ''), to_char(updated_at AT TIME ZONE 'UTC', " + kTime + "), version";
const std::string kFind = "SELECT " + kColumns + " FROM grants WHERE id = $1::uuid";
const std::string kFindForUpdate = kFind + " FOR UPDATE";
constexpr const char* kInsert =
    "INSERT INTO grants (id, funder, name, fields, target_area, application_start, application_end, anytime, "
    "profile, state, created_by, duplicated_from, search_grams, search_text) VALUES ($1::uuid, $2, $3, $4::text[], "
    "$5, nullif($6, '')::date, nullif($7, '')::date, $8, $9::jsonb, $10, $11::uuid, $12::uuid, $13::text[], $14)";
constexpr const char* kUpdate =
    "UPDATE grants SET funder = $2, name = $3, fields = $4::text[], target_area = $5, "
    "application_start = nullif($6, '')::date, application_end = nullif($7, '')::date, anytime = $8, "
    "profile = $9::jsonb, search_grams = $10::text[], search_text = $11, version = version + 1, updated_at = now() "
    "WHERE id = $1::uuid AND version = $12";
constexpr const char* kSetState =
    "UPDATE grants SET state = $2, published_at = CASE WHEN $2 = 'published' THEN coalesce(published_at, now()) "
    "ELSE published_at END, version = version + 1, updated_at = now() WHERE id = $1::uuid";
constexpr const char* kDeadlines =
    "SELECT application_end::text, id, name, funder FROM grants WHERE state = 'published' "
    "AND application_end >= $1::date AND application_end < $2::date ORDER BY application_end, name, id";

GrantRow read(const db::Row& r) {
  GrantRow g;
  g.id = r.text(0);
  g.funder = r.text(1);
  g.name = r.text(2);
  g.fields = r.text_array(3);
  g.target_area = r.text(4);
  g.application_start = r.text(5);
  g.application_end = r.text(6);
  g.anytime = r.boolean(7);
  g.profile = r.text(8);
  g.state = r.text(9);
  g.created_by = r.text(10);
  g.duplicated_from = r.text(11);
  g.published_at = r.text(12);
  g.updated_at = r.text(13);
  g.version = int(r.int64(14));
  return g;
}

// Newest publication first for the public; newest entry first for staff.
std::string newest(std::string_view state) {
  return state == "published" ? "published_at DESC NULLS LAST, id" : "created_at DESC, id";
}

std::optional<std::string> uuid_or_null(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

const std::map<std::string_view, const char*> kState = {{"draft", "state = 'draft'"},
                                                        {"review", "state = 'review'"},
                                                        {"published", "state = 'published'"},
                                                        {"archived", "state = 'archived'"}};

// Staff lists: any state, keywords in SQL (low volume, every state).
GrantPage list(db::Tx& tx, std::string_view state, const GrantFilters& f, int limit, int offset) {
  db::Where w;
  if (!state.empty()) w.add(kState.at(state));  // a constant, so even a generic plan matches the partial indexes
  search::where_keywords(w, f.keywords);
  auto [items, total] = db::select_page<GrantRow>(tx, "SELECT " + kColumns + " FROM grants", w, "created_at DESC, id",
                                                  limit, offset, read, kCountCap);
  return {std::move(items), std::min(total, kCountCap), total > kCountCap};
}
} // namespace

void insert(db::Tx& tx, const GrantRow& g) {
  tx.exec(kInsert, g.id, g.funder, g.name, g.fields, g.target_area, g.application_start, g.application_end, g.anytime,
          g.profile, g.state, uuid_or_null(g.created_by), uuid_or_null(g.duplicated_from), g.search_grams,
          g.search_text);
}

bool update(db::Tx& tx, const GrantRow& g) {
  return tx.exec(kUpdate, g.id, g.funder, g.name, g.fields, g.target_area, g.application_start, g.application_end,
                 g.anytime, g.profile, g.search_grams, g.search_text, g.version)
             .affected() == 1;
}

std::optional<GrantRow> find(db::Tx& tx, std::string_view id, bool for_update) {
  db::Result r = tx.exec(for_update ? kFindForUpdate : kFind, id);
  if (r.empty()) return std::nullopt;
  return read(r[0]);
}

search::Changes<GrantHot, GrantCold> changed_since(db::Tx& tx, int64_t since_us) {
  return search::changed_rows<GrantHot, GrantCold>(
      tx,
      std::string("id, state = 'published', ") + search::kStamp +
          ", coalesce((extract(epoch FROM published_at) * 1000000)::bigint, 0), "
          "search_text, coalesce(application_start - date '1970-01-01', -2147483648), "
      "coalesce(application_end - date '1970-01-01', 2147483647), anytime, target_area, fields",
      "grants", since_us, [](const db::Row& row) {
        return search::Row<GrantHot, GrantCold>{row.text(0), row.boolean(1), row.int64(2), row.int64(3),
                                                row.text(4),
                                                GrantHot{int32_t(row.int64(5)), int32_t(row.int64(6)), row.boolean(7)},
                                                GrantCold{row.text(8), row.text_array(9)}};
      });
}

std::vector<GrantRow> find_published(db::Tx& tx, const std::vector<std::string>& ids) {
  return search::published_rows(tx, kColumns, "grants", ids, read);
}

GrantPage admin_list(db::Tx& tx, std::string_view state, const GrantFilters& f, int limit, int offset) {
  return list(tx, state, f, limit, offset);
}

std::vector<Deadline> deadlines(db::Tx& tx, std::string_view first, std::string_view next) {
  std::vector<Deadline> out;
  db::Result r = tx.exec(kDeadlines, first, next);
  for (int i = 0; i < r.size(); ++i) out.push_back({r[i].text(0), r[i].text(1), r[i].text(2), r[i].text(3)});
  return out;
}

void set_state(db::Tx& tx, std::string_view id, std::string_view state) { tx.exec(kSetState, id, state); }

void erase(db::Tx& tx, std::string_view id) {
  tx.exec("DELETE FROM submitters WHERE id = $1::uuid", id);
  tx.exec("DELETE FROM grants WHERE id = $1::uuid", id);
}

void erase_book(db::Tx& tx, std::string_view id) { tx.exec("DELETE FROM books WHERE id = $1::uuid", id); }

void erase_report(db::Tx& tx, std::string_view id) {
  tx.exec("DELETE FROM submitters WHERE id = $1::uuid", id);
  tx.exec("DELETE FROM reports WHERE id = $1::uuid", id);
}

void copy_photos(db::Tx& tx, std::string_view from, std::string_view to, std::string_view by) {
  tx.exec("INSERT INTO report_photos (id, report_id, alt, content_type, data, uploaded_by) "
          "SELECT gen_random_uuid(), $2::uuid, alt, content_type, data, $3::uuid FROM report_photos "
          "WHERE report_id = $1::uuid ORDER BY created_at",
          from, to, uuid_or_null(std::string(by)));
}

namespace {
const std::string kBookColumns = std::string(
    "id, title, author, description, publisher, published_on, receipt_number, state, coalesce(created_by::text, ''), "
    "coalesce(to_char(published_at AT TIME ZONE 'UTC', ") + kTime + "), ''), to_char(updated_at AT TIME ZONE 'UTC', " +
    kTime + "), version";

BookRow read_book(const db::Row& r) {
  BookRow b;
  b.id = r.text(0);
  b.title = r.text(1);
  b.author = r.text(2);
  b.description = r.text(3);
  b.publisher = r.text(4);
  b.published_on = r.text(5);
  b.receipt_number = r.text(6);
  b.state = r.text(7);
  b.created_by = r.text(8);
  b.published_at = r.text(9);
  b.updated_at = r.text(10);
  b.version = int(r.int64(11));
  return b;
}
} // namespace

void insert_book(db::Tx& tx, const BookRow& b) {
  tx.exec("INSERT INTO books (id, title, author, description, publisher, published_on, receipt_number, state, created_by, "
          "search_grams, search_text) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9::uuid, $10::text[], $11)",
          b.id, b.title, b.author, b.description, b.publisher, b.published_on, b.receipt_number, b.state,
          uuid_or_null(b.created_by), b.search_grams, b.search_text);
}

bool update_book(db::Tx& tx, const BookRow& b) {
  return tx.exec("UPDATE books SET title = $2, author = $3, description = $4, publisher = $5, published_on = $6, "
                 "receipt_number = $7, search_grams = $8::text[], search_text = $9, version = version + 1, "
                 "updated_at = now() WHERE id = $1::uuid AND version = $10",
                 b.id, b.title, b.author, b.description, b.publisher, b.published_on, b.receipt_number, b.search_grams,
                 b.search_text, b.version)
             .affected() == 1;
}

std::optional<BookRow> find_book(db::Tx& tx, std::string_view id, bool for_update) {
  db::Result r = tx.exec("SELECT " + kBookColumns + " FROM books WHERE id = $1::uuid" + (for_update ? " FOR UPDATE" : ""), id);
  if (r.empty()) return std::nullopt;
  return read_book(r[0]);
}

BookPage list_books(db::Tx& tx, std::string_view state, const text::Query& keywords, const BookDetail& detail,
                    int limit, int offset) {
  db::Where w;
  if (!state.empty()) w.add(kState.at(state));
  search::where_keywords(w, keywords);
  // PostgreSQL's NFKC and lower case: as text::normalize for what a catalogue holds.
  if (!detail.author.empty())
    w.add("lower(normalize(author, NFKC)) LIKE $?", db::to_param(text::like_pattern(detail.author)));
  if (!detail.publisher.empty())
    w.add("lower(normalize(publisher, NFKC)) LIKE $?", db::to_param(text::like_pattern(detail.publisher)));
  if (detail.year != 0) w.add("left(published_on, 4) = $?", db::to_param(std::to_string(detail.year)));
  auto [items, total] =
      db::select_page<BookRow>(tx, "SELECT " + kBookColumns + " FROM books", w, newest(state), limit, offset, read_book);
  return {std::move(items), total};
}

search::Changes<BookHot, BookCold> changed_books(db::Tx& tx, int64_t since_us) {
  return search::changed_rows<BookHot, BookCold>(
      tx,
      std::string("id, state = 'published', ") + search::kStamp +
          ", coalesce((extract(epoch FROM published_at) * 1000000)::bigint, 0), "
          "search_text, coalesce(nullif(substr(published_on, 1, 4), '')::int, 0), author, publisher",
      "books", since_us, [](const db::Row& r) {
        return search::Row<BookHot, BookCold>{r.text(0),
                                              r.boolean(1),
                                              r.int64(2),
                                              r.int64(3),
                                              r.text(4),
                                              BookHot{int16_t(r.int64(5))},
                                              BookCold{text::normalize(r.text(6)), text::normalize(r.text(7))}};
      });
}

std::vector<BookRow> find_published_books(db::Tx& tx, const std::vector<std::string>& ids) {
  return search::published_rows(tx, kBookColumns, "books", ids, read_book);
}

void set_book_state(db::Tx& tx, std::string_view id, std::string_view state) {
  tx.exec("UPDATE books SET state = $2, published_at = CASE WHEN $2 = 'published' THEN coalesce(published_at, now()) "
          "ELSE published_at END, version = version + 1, updated_at = now() WHERE id = $1::uuid",
          id, state);
}

namespace {
const std::string kReportColumns = std::string(
    "id, title, content, organization, organization_kana, coalesce(held_on::text, ''), time, place, headcount, "
    "related_organizations, url, state, coalesce(created_by::text, ''), coalesce(to_char(published_at AT TIME ZONE "
    "'UTC', ") + kTime + "), ''), to_char(updated_at AT TIME ZONE 'UTC', " + kTime + "), version";

ReportRow read_report(const db::Row& r) {
  ReportRow x;
  x.id = r.text(0);
  x.title = r.text(1);
  x.content = r.text(2);
  x.organization = r.text(3);
  x.organization_kana = r.text(4);
  x.held_on = r.text(5);
  x.time = r.text(6);
  x.place = r.text(7);
  x.headcount = int(r.int64(8));
  x.related_organizations = r.text(9);
  x.url = r.text(10);
  x.state = r.text(11);
  x.created_by = r.text(12);
  x.published_at = r.text(13);
  x.updated_at = r.text(14);
  x.version = int(r.int64(15));
  return x;
}
} // namespace

void insert_report(db::Tx& tx, const ReportRow& r) {
  tx.exec("INSERT INTO reports (id, title, content, organization, organization_kana, held_on, time, place, headcount, "
          "related_organizations, url, state, created_by, search_grams, search_text) VALUES ($1::uuid, $2, $3, $4, $5, "
          "nullif($6, '')::date, $7, $8, $9, $10, $11, $12, $13::uuid, $14::text[], $15)",
          r.id, r.title, r.content, r.organization, r.organization_kana, r.held_on, r.time, r.place, r.headcount,
          r.related_organizations, r.url, r.state, uuid_or_null(r.created_by), r.search_grams, r.search_text);
}

bool update_report(db::Tx& tx, const ReportRow& r) {
  return tx.exec("UPDATE reports SET title = $2, content = $3, organization = $4, organization_kana = $5, "
                 "held_on = nullif($6, '')::date, time = $7, place = $8, headcount = $9, related_organizations = $10, "
                 "url = $11, search_grams = $12::text[], search_text = $13, version = version + 1, updated_at = now() "
                 "WHERE id = $1::uuid AND version = $14",
                 r.id, r.title, r.content, r.organization, r.organization_kana, r.held_on, r.time, r.place, r.headcount,
                 r.related_organizations, r.url, r.search_grams, r.search_text, r.version)
             .affected() == 1;
}

std::optional<ReportRow> find_report(db::Tx& tx, std::string_view id, bool for_update) {
  db::Result r =
      tx.exec("SELECT " + kReportColumns + " FROM reports WHERE id = $1::uuid" + (for_update ? " FOR UPDATE" : ""), id);
  if (r.empty()) return std::nullopt;
  return read_report(r[0]);
}

ReportPage list_reports(db::Tx& tx, std::string_view state, const text::Query& keywords, int limit, int offset) {
  db::Where w;
  if (!state.empty()) w.add(kState.at(state));
  search::where_keywords(w, keywords);
  auto [items, total] = db::select_page<ReportRow>(tx, "SELECT " + kReportColumns + " FROM reports", w, newest(state),
                                                   limit, offset, read_report);
  return {std::move(items), total};
}

void set_report_state(db::Tx& tx, std::string_view id, std::string_view state) {
  tx.exec("UPDATE reports SET state = $2, published_at = CASE WHEN $2 = 'published' THEN coalesce(published_at, now()) "
          "ELSE published_at END, version = version + 1, updated_at = now() WHERE id = $1::uuid",
          id, state);
}

bool delete_photo(db::Tx& tx, std::string_view report_id, std::string_view id) {
  return tx.exec("DELETE FROM report_photos WHERE report_id = $1::uuid AND id = $2::uuid", report_id, id).affected() == 1;
}

void insert_submitter(db::Tx& tx, std::string_view id, std::string_view entity_type, const SubmitterRow& s) {
  tx.exec("INSERT INTO submitters (id, entity_type, name, email_sealed) VALUES ($1::uuid, $2, $3, $4::bytea)", id,
          entity_type, s.name, db::Bytes{s.email_sealed});
}

std::optional<SubmitterRow> find_submitter(db::Tx& tx, std::string_view id) {
  db::Result r = tx.exec("SELECT name, email_sealed FROM submitters WHERE id = $1::uuid", id);
  if (r.empty()) return std::nullopt;
  return SubmitterRow{r[0].text(0), r[0].bytes(1)};
}

void insert_photo(db::Tx& tx, const PhotoRow& p, std::string_view uploaded_by) {
  std::optional<std::string> by = uploaded_by.empty() ? std::nullopt : std::optional<std::string>(uploaded_by);
  tx.exec("INSERT INTO report_photos (id, report_id, alt, content_type, data, uploaded_by) "
          "VALUES ($1::uuid, $2::uuid, $3, $4, $5::bytea, $6::uuid)",
          p.id, p.report_id, p.alt, p.content_type, db::Bytes{p.data}, by);
}

std::vector<PhotoRow> photos(db::Tx& tx, const std::vector<std::string>& report_ids) {
  std::vector<PhotoRow> out;
  if (report_ids.empty()) return out;
  db::Result r = tx.exec("SELECT id, report_id, alt, content_type, octet_length(data) FROM report_photos "
                         "WHERE report_id = ANY($1::uuid[]) ORDER BY created_at, id",
                         report_ids);
  for (int i = 0; i < r.size(); ++i) out.push_back({r[i].text(0), r[i].text(1), r[i].text(2), r[i].text(3), "", r[i].int64(4)});
  return out;
}

std::optional<PhotoRow> find_photo(db::Tx& tx, std::string_view report_id, std::string_view id) {
  db::Result r = tx.exec("SELECT id, report_id, alt, content_type, data FROM report_photos "
                         "WHERE report_id = $1::uuid AND id = $2::uuid",
                         report_id, id);
  if (r.empty()) return std::nullopt;
  PhotoRow p{r[0].text(0), r[0].text(1), r[0].text(2), r[0].text(3), r[0].bytes(4), 0};
  p.size = int64_t(p.data.size());
  return p;
}

} // namespace civic::grants::store
