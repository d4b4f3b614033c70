// Every SQL statement of the grants service, and nothing else.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "db/db.h"
#include "search/live_index.h"
#include "text/text.h"

namespace civic::grants {

struct GrantRow {
  std::string id, funder, name;
  std::vector<std::string> fields;
  std::string target_area, application_start, application_end;  // YYYY-MM-DD or ""
  bool anytime = false;
  std::string profile;  // JSON object
  std::string state = "draft", created_by, duplicated_from;
  std::vector<std::string> search_grams;
  std::string search_text;
  std::string published_at, updated_at;
  int version = 0;
};

struct GrantFilters {
  text::Query keywords;                                   // from text::query, with the search dictionary
  std::string field, area;                                // the public list's
  bool open = false;                                      // accepting applications today (Asia/Tokyo)
};

/// Totals above this are reported as this number with `capped` set.
inline constexpr int64_t kCountCap = 1000;

struct GrantPage {
  std::vector<GrantRow> items;
  int64_t total = 0;
  bool capped = false;
};

struct Deadline {
  std::string date, id, name, funder;
};

struct BookRow {
  std::string id, title, author, description, publisher, published_on, receipt_number, state = "draft", created_by;
  std::vector<std::string> search_grams;
  std::string search_text, published_at, updated_at;
  int version = 0;
};

struct BookPage {
  std::vector<BookRow> items;
  int64_t total = 0;
};

struct ReportRow {
  std::string id, title, content, organization, organization_kana, held_on, time, place;
  int headcount = 0;
  std::string related_organizations, url, state = "draft", created_by;
  std::vector<std::string> search_grams;
  std::string search_text, published_at, updated_at;
  int version = 0;
};

struct ReportPage {
  std::vector<ReportRow> items;
  int64_t total = 0;
};

struct PhotoRow {
  std::string id, report_id, alt, content_type, data;
  int64_t size = 0;
};

/// What the in-memory public list (search::LiveIndex) keeps of a published grant:
/// dates as days since 1970-01-01, open-ended ones at the ends of the range.
struct GrantHot {
  int32_t start_day = INT32_MIN, end_day = INT32_MAX;
  bool anytime = false;
};
struct GrantCold {
  std::string target_area;
  std::vector<std::string> fields;
};
using GrantIndex = search::LiveIndex<GrantHot, GrantCold>;
/// The public library catalogue in memory: keywords only, no filters.
/// The public library catalogue in memory, with the items of its detailed search
/// (蔵書 詳細検索): the year of publication, and author and publisher normalised.
struct BookHot {
  int16_t year = 0;  // 0: unknown
};
struct BookCold {
  std::string author, publisher;  // text::normalize()d
};
using BookIndex = search::LiveIndex<BookHot, BookCold>;

namespace store {

void insert(db::Tx& tx, const GrantRow& g);
/// Rewrites the content of `g` if its version is still `g.version`; false otherwise.
bool update(db::Tx& tx, const GrantRow& g);
std::optional<GrantRow> find(db::Tx& tx, std::string_view id, bool for_update = false);
/// Grants changed since `since_us` (the database's clock), for the GrantIndex.
search::Changes<GrantHot, GrantCold> changed_since(db::Tx& tx, int64_t since_us);
/// The published ones of `ids`, in that order.
std::vector<GrantRow> find_published(db::Tx& tx, const std::vector<std::string>& ids);
/// Any state (or one), newest entry first, keywords only (the staff list).
GrantPage admin_list(db::Tx& tx, std::string_view state, const GrantFilters& f, int limit, int offset);
/// Published grants whose deadline falls in [first, next) (dates YYYY-MM-DD), by day.
std::vector<Deadline> deadlines(db::Tx& tx, std::string_view first, std::string_view next);
/// Moves to `state` (published_at set on first publication); bumps the version.
void set_state(db::Tx& tx, std::string_view id, std::string_view state);
/// Deletes the grant (a copy of it keeps its content, duplicated_from cleared).
void erase(db::Tx& tx, std::string_view id);

void insert_book(db::Tx& tx, const BookRow& b);
/// Books changed since `since_us` (the database's clock), for the BookIndex.
search::Changes<BookHot, BookCold> changed_books(db::Tx& tx, int64_t since_us);
/// The published ones of `ids`, in that order.
std::vector<BookRow> find_published_books(db::Tx& tx, const std::vector<std::string>& ids);
/// Rewrites the content if the version is still `b.version`; false otherwise.
bool update_book(db::Tx& tx, const BookRow& b);
std::optional<BookRow> find_book(db::Tx& tx, std::string_view id, bool for_update = false);
/// The detailed search of the catalogue (蔵書 詳細検索): author and publisher by any
/// part (text::normalize()d), year of publication; empty or 0: any.
struct BookDetail {
  std::string author, publisher;
  int year = 0;
};
/// In `state` (empty: any) matching `keywords` and `detail`, newest first (staff).
BookPage list_books(db::Tx& tx, std::string_view state, const text::Query& keywords, const BookDetail& detail,
                    int limit, int offset);
void set_book_state(db::Tx& tx, std::string_view id, std::string_view state);
void erase_book(db::Tx& tx, std::string_view id);

void insert_report(db::Tx& tx, const ReportRow& r);
/// Rewrites the content if the version is still `r.version`; false otherwise.
bool update_report(db::Tx& tx, const ReportRow& r);
std::optional<ReportRow> find_report(db::Tx& tx, std::string_view id, bool for_update = false);
ReportPage list_reports(db::Tx& tx, std::string_view state, const text::Query& keywords, int limit, int offset);
void set_report_state(db::Tx& tx, std::string_view id, std::string_view state);
/// Deletes the report with its photos.
void erase_report(db::Tx& tx, std::string_view id);
/// Copies every photo of report `from` to report `to` (a duplicate), as `by`.
void copy_photos(db::Tx& tx, std::string_view from, std::string_view to, std::string_view by);
void insert_photo(db::Tx& tx, const PhotoRow& p, std::string_view uploaded_by);

/// Who submitted a grant or report from the public form (name, sealed address).
struct SubmitterRow {
  std::string name, email_sealed;
};
void insert_submitter(db::Tx& tx, std::string_view id, std::string_view entity_type, const SubmitterRow& s);
std::optional<SubmitterRow> find_submitter(db::Tx& tx, std::string_view id);
/// False when the report has no such photo.
bool delete_photo(db::Tx& tx, std::string_view report_id, std::string_view id);
/// The photos of every report in `report_ids` (without data), oldest first: one query for a whole page.
std::vector<PhotoRow> photos(db::Tx& tx, const std::vector<std::string>& report_ids);
std::optional<PhotoRow> find_photo(db::Tx& tx, std::string_view report_id, std::string_view id);

} // namespace store
} // namespace civic::grants
