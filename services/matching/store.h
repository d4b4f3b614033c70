// Every SQL statement of the matching service.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "db/db.h"
#include "text/text.h"

namespace civic::matching::store {

struct MemberRow {
  std::string id, account_id, type, organization_id, display_name, prefecture, municipality;
  std::string links_json = "[]";
  std::string occupation, qualifications, selling_point;
  std::vector<std::string> activity_municipalities, fields, weekdays;
  std::string time_slot, probono_field, probono_content, probono_needs;
  bool magazine = false;
  std::string private_sealed;  // sealed JSON of the private items
  std::string search_text;
  std::string state = "review", status = "active";
  bool mail_stopped = false;
  std::string published_at, updated_at;
  int version = 1;
  bool account_suspended = false;  // the login is suspended by an admin (issue 14)
  int accepted_terms_version = 0;  // individuals: the terms accepted when joining
  std::string accepted_terms_at = {};
  std::string mail_frequency = "instant";  // matching mails: instant, daily or weekly (a digest)
};

std::optional<MemberRow> find(db::Tx& tx, const std::string& id, bool for_update = false);
std::optional<MemberRow> find_by_account(db::Tx& tx, const std::string& account_id, bool for_update = false);
void insert(db::Tx& tx, const MemberRow& m);
/// False when `m.version` is no longer current.
bool update(db::Tx& tx, const MemberRow& m);
void set_state(db::Tx& tx, const std::string& id, std::string_view state);
/// Deletes the member record (its login account is auth's).
void erase(db::Tx& tx, const std::string& id);
void set_status(db::Tx& tx, const std::string& id, std::string_view status, bool mail_stopped);
/// Hides (or shows again) the member of a suspended (resumed) login.
void set_account_suspended(db::Tx& tx, const std::string& account_id, bool suspended);

struct Filters {
  text::Query keywords;  // from text::query, with the search dictionary (no grams: LIKE only)
  std::string type, municipality, field, probono_field;
};
struct MemberPage {
  std::vector<MemberRow> items;
  int64_t total = 0;
};
/// Published, active members, newest first.
MemberPage list_public(db::Tx& tx, const Filters& f, int limit, int offset);
MemberPage admin_list(db::Tx& tx, const std::string& state, const std::string& type, int limit, int offset);

struct Counts {
  int individuals = 0, groups = 0, companies = 0;
};
Counts counts(db::Tx& tx);

struct MonthRow {
  std::string month, type;
  int64_t count = 0;
};
/// Members registered per month (Asia/Tokyo) from `from` to `to` (YYYY-MM), by type.
std::vector<MonthRow> registrations_by_month(db::Tx& tx, std::string_view from, std::string_view to);

/// What MAT-2 needs of a member who may be mailed (published, active, not stopped).
struct Candidate {
  std::string id, type, time_slot;
  std::vector<std::string> municipalities, fields, weekdays;
  std::string sealed;  // the private items, when asked for
  std::string account_id = {};  // the login (its LINE, when linked: notification knows)
  std::string mail_frequency = "instant";
};
/// Narrows the candidates in the database by MAT-2's own necessary conditions (places
/// and days overlap, unless anywhere / any day), so 100,000 profiles are not all read;
/// match() still decides.
struct Narrowing {
  std::vector<std::string> places;
  bool anywhere = false;
  std::vector<std::string> days;
  bool any_day = false;
};
std::vector<Candidate> candidates(db::Tx& tx, const Narrowing& n, bool with_sealed);

struct OrgRow {
  std::string id, owner_account_id, kind, name;
  bool visible = false, recruits = false;
};
void upsert_organization(db::Tx& tx, const OrgRow& o);
std::optional<OrgRow> find_organization(db::Tx& tx, const std::string& id);
/// Display names follow the organisation's own name.
void rename_members_of(db::Tx& tx, const std::string& organization_id, const std::string& name);

struct RecruitmentRow {
  std::string id, organization_id, organization_name, title;
  std::vector<std::string> fields, municipalities, weekdays;
  bool prefecture_wide = false, anytime = false;
  std::string time_slot, period_end;
  std::string organizer_email_sealed;
  bool closed = false;
  std::string published_at;
};
void upsert_recruitment(db::Tx& tx, const RecruitmentRow& r);
void close_recruitment(db::Tx& tx, const std::string& id);
/// Not closed and not past its period (Asia/Tokyo today).
std::vector<RecruitmentRow> open_recruitments(db::Tx& tx, int limit = 0);
std::vector<RecruitmentRow> recruitments_of(db::Tx& tx, const std::string& organization_id);

/// Keeps matches of members who take a digest for their next one (issue 16 item 4).
void defer_matches(db::Tx& tx, const std::string& recruitment_id, const std::vector<std::string>& member_ids);

/// A member whose digest is due: matches kept since before the last digest moment of
/// their frequency (`daily_at` / `weekly_at`, Unix seconds), or left over from a digest
/// frequency they gave up (instant: at once). Published, active and mailable members
/// only, at most `limit`, locked (SKIP LOCKED: replicas share the work).
struct DigestMember {
  std::string id, sealed;  // the private items, for the address
};
std::vector<DigestMember> digests_due(db::Tx& tx, int64_t daily_at, int64_t weekly_at, int limit);
/// Takes (deletes) the member's kept matches and returns those still open, oldest first.
std::vector<RecruitmentRow> take_matches(db::Tx& tx, const std::string& member_id);

/// Records that trigger `kind` fired for `subject_id`; false when it had already.
bool fire(db::Tx& tx, std::string_view kind, const std::string& subject_id, int matches);

} // namespace civic::matching::store
