// Every SQL statement of the directory service, and nothing else.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "db/db.h"
#include "text/text.h"

namespace civic::directory {

struct OrgRow {
  std::string id, kind, class_code, name, name_kana;
  std::vector<std::string> fields;
  std::string target_area;
  std::vector<std::string> target_municipalities;
  std::string municipality;
  std::vector<std::string> features;
  std::string profile;  // JSON object
  std::string registrant_name, registrant_title, registrant_phone_sealed, registrant_email_sealed;
  std::vector<std::string> registration_requirements;
  int accepted_terms_version = 0;
  std::string accepted_terms_at;
  bool guardian_consent = false;
  std::string status = "active", state = "review", owner_account_id, duplicated_from;
  std::vector<std::string> search_grams;
  std::string search_text;
  std::string published_at, updated_at;
  int version = 0;
  std::string site = "supernet", registrant_department;
  std::string orphaned_at = {};  // set when the owning login was deleted: off the public site
  /// Published and not orphaned: what the public sees.
  bool is_public() const { return state == "published" && orphaned_at.empty(); }
};

struct Filters {
  text::Query keywords;  // from text::query, with the search dictionary
  std::string site, kind, field, area, municipality, feature, status, class_code;  // "" = any
  bool orphaned = false;  // staff: only those whose owning login was deleted
};

/// Totals above this are reported as this number with `capped` set.
inline constexpr int64_t kCountCap = 1000;

struct OrgPage {
  std::vector<OrgRow> items;
  int64_t total = 0;
  bool capped = false;
};

/// What the in-memory search keeps of an organisation (see search_index.h).
struct IndexRow {
  std::string id, state, site, kind, status, target_area;
  std::vector<std::string> fields, target_municipalities, features;
  std::string search_text, class_code;
  int64_t published_us = 0;  // microseconds since the epoch
  int64_t stamp = 0;         // search::kStamp
  bool orphaned = false;
};

struct CountRow {
  std::string site, kind, status;
  int64_t count = 0;
};

struct AttachmentRow {
  std::string id, organization_id, category, filename, content_type, data;
  int64_t size = 0;
  std::string created_at;
};

namespace store {

void insert(db::Tx& tx, const OrgRow& o);
std::optional<OrgRow> find(db::Tx& tx, std::string_view id, bool for_update = false);
struct Changes {
  std::vector<IndexRow> rows;
  int64_t asked_at_us = 0;  // the database's clock when asked: the next call's `since_us`
};
/// Every organisation changed since `since_us` (microseconds since the epoch), less a
/// margin: `updated_at` is its transaction's start, which may commit after we looked.
Changes changed_since(db::Tx& tx, int64_t since_us);
/// The published organisations among `ids`, in the order of `ids`.
std::vector<OrgRow> find_published(db::Tx& tx, const std::vector<std::string>& ids);
/// Any state (or one), newest first; `f.grams` / `f.like_patterns` narrow by keyword.
OrgPage admin_list(db::Tx& tx, std::string_view state, const Filters& f, int limit, int offset);
/// Every organisation in `state` and `site` (empty: any), oldest first, for the CSV export.
std::vector<OrgRow> export_all(db::Tx& tx, std::string_view state, std::string_view site);
/// Moves to `state` (published_at set on first publication); bumps the version.
void set_state(db::Tx& tx, std::string_view id, std::string_view state);
/// Deletes the organisation with its attachments and hand-off tokens (a copy of it
/// keeps its content; its correction requests are the caller's to erase).
void erase(db::Tx& tx, std::string_view id);
void set_status(db::Tx& tx, std::string_view id, std::string_view status);
/// Takes every organisation of `account_id` off the public site (its login was
/// deleted); the ids of those it took.
std::vector<std::string> orphan_of(db::Tx& tx, std::string_view account_id);
/// Hands organisation `id` to `account_id` (on the public site again when published).
void set_owner(db::Tx& tx, std::string_view id, std::string_view account_id);
/// Keeps the hash of a hand-off token for `organization_id`, valid for `minutes`.
void insert_handoff(db::Tx& tx, std::string_view token_hash, std::string_view organization_id, int minutes);
/// Marks an unused, unexpired token used and returns its organisation; nullopt otherwise.
std::optional<std::string> use_handoff(db::Tx& tx, std::string_view token_hash);

/// Rewrites the public content and the sealed contact of an organisation (after a
/// correction); bumps the version.
void update_content(db::Tx& tx, const OrgRow& o);
/// The same and the registrant's name, title and department, if the version is still
/// `o.version` (a staff edit); false otherwise.
bool edit_content(db::Tx& tx, const OrgRow& o);

void insert_attachment(db::Tx& tx, const AttachmentRow& a, std::string_view uploaded_by);
/// False when the organisation has no such attachment.
bool delete_attachment(db::Tx& tx, std::string_view organization_id, std::string_view id);
/// The attachments of an organisation, without their data.
std::vector<AttachmentRow> attachments(db::Tx& tx, std::string_view organization_id);
std::optional<AttachmentRow> find_attachment(db::Tx& tx, std::string_view organization_id, std::string_view id);

struct MonthRow {
  std::string month, site, kind;
  int64_t count = 0;
};
/// Registrations per month (Asia/Tokyo) in [from, to] (YYYY-MM), by site and kind.
std::vector<MonthRow> registrations_by_month(db::Tx& tx, std::string_view from, std::string_view to);

/// Published organisations by site, kind and status.
std::vector<CountRow> stats(db::Tx& tx);

} // namespace store
} // namespace civic::directory
