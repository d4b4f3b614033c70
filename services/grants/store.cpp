#include "grants/store.h"

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

std::optional<std::string> uuid_or_null(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

const std::map<std::string_view, const char*> kState = {{"draft", "state = 'draft'"},
                                                        {"review", "state = 'review'"},
                                                        {"published", "state = 'published'"},
                                                        {"archived", "state = 'archived'"}};

GrantPage list(db::Tx& tx, std::string_view state, const GrantFilters& f, int limit, int offset, const char* order) {
  db::Where w;
  if (!state.empty()) w.add(kState.at(state));  // a constant, so even a generic plan matches the partial indexes
  if (!f.grams.empty()) w.add("search_grams @> $?::text[]", db::to_param(f.grams));
  if (!f.like_patterns.empty()) w.add("search_text LIKE ALL ($?::text[])", db::to_param(f.like_patterns));
  if (!f.field.empty()) w.add("fields @> ARRAY[$?]", db::to_param(f.field));
  if (!f.area.empty()) w.add("target_area = $?", db::to_param(f.area));
  if (f.open)
    w.add("(anytime OR application_end >= (now() AT TIME ZONE 'Asia/Tokyo')::date) AND (application_start IS NULL "
          "OR application_start <= (now() AT TIME ZONE 'Asia/Tokyo')::date)");
  GrantPage page;
  std::vector<db::Param> page_params = w.params();
  page_params.push_back(db::to_param(limit));
  page_params.push_back(db::to_param(offset));
  db::Result r = tx.exec_params("SELECT " + kColumns + " FROM grants" + w.sql() + " ORDER BY " + order + " LIMIT " +
                                    w.next() + " OFFSET $" + std::to_string(w.params().size() + 2),
                                page_params);
  for (int i = 0; i < r.size(); ++i) page.items.push_back(read(r[i]));
  page.total = tx.exec_params("SELECT count(*) FROM grants" + w.sql(), w.params())[0].int64(0);
  return page;
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

GrantPage search(db::Tx& tx, const GrantFilters& f, int limit, int offset) {
  return list(tx, "published", f, limit, offset, "published_at DESC NULLS LAST, id");
}

GrantPage admin_list(db::Tx& tx, std::string_view state, const GrantFilters& f, int limit, int offset) {
  return list(tx, state, f, limit, offset, "created_at DESC, id");
}

std::vector<Deadline> deadlines(db::Tx& tx, std::string_view first, std::string_view next) {
  std::vector<Deadline> out;
  db::Result r = tx.exec(kDeadlines, first, next);
  for (int i = 0; i < r.size(); ++i) out.push_back({r[i].text(0), r[i].text(1), r[i].text(2), r[i].text(3)});
  return out;
}

void set_state(db::Tx& tx, std::string_view id, std::string_view state) { tx.exec(kSetState, id, state); }

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

BookPage list_books(db::Tx& tx, std::string_view state, const std::vector<std::string>& grams,
                    const std::vector<std::string>& like_patterns, int limit, int offset) {
  db::Where w;
  if (!state.empty()) w.add(kState.at(state));
  if (!grams.empty()) w.add("search_grams @> $?::text[]", db::to_param(grams));
  if (!like_patterns.empty()) w.add("search_text LIKE ALL ($?::text[])", db::to_param(like_patterns));
  const char* order = state == "published" ? "published_at DESC NULLS LAST, id" : "created_at DESC, id";
  std::vector<db::Param> params = w.params();
  params.push_back(db::to_param(limit));
  params.push_back(db::to_param(offset));
  db::Result r = tx.exec_params("SELECT " + kBookColumns + " FROM books" + w.sql() + " ORDER BY " + order + " LIMIT " +
                                    w.next() + " OFFSET $" + std::to_string(w.params().size() + 2),
                                params);
  BookPage page;
  for (int i = 0; i < r.size(); ++i) page.items.push_back(read_book(r[i]));
  page.total = tx.exec_params("SELECT count(*) FROM books" + w.sql(), w.params())[0].int64(0);
  return page;
}

void set_book_state(db::Tx& tx, std::string_view id, std::string_view state) {
  tx.exec("UPDATE books SET state = $2, published_at = CASE WHEN $2 = 'published' THEN coalesce(published_at, now()) "
          "ELSE published_at END, version = version + 1, updated_at = now() WHERE id = $1::uuid",
          id, state);
}

} // namespace civic::grants::store
