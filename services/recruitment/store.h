// Every SQL statement of the recruitment service.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "db/db.h"
#include "search/live_index.h"
#include "text/text.h"

namespace civic::recruitment::store {

struct OrgRow {
  std::string id, owner_account_id, kind, name;
  bool visible = false, recruits = false;
};
void upsert_organization(db::Tx& tx, const OrgRow& o);
/// A group the directory has not announced yet (an import's): a hidden stand-in, which
/// its announcement then overwrites; nothing when the group is known.
void expect_organization(db::Tx& tx, const std::string& id, const std::string& owner_account_id,
                         const std::string& name);
/// The organisation `account_id` registered (at most one on Aikasanet).
std::optional<OrgRow> organization_of(db::Tx& tx, const std::string& account_id);

struct RecruitmentRow {
  std::string id, organization_id, organization_name, owner_account_id, title;
  std::vector<std::string> fields, municipalities, activity_dates, weekdays;
  bool prefecture_wide = false, anytime = false;
  std::string time_slot, period_start, period_end;
  std::string profile = "{}";                  // the descriptive items as JSON
  std::string organizer_email_sealed;
  std::vector<std::string> search_grams;
  std::string search_text;
  std::string state = "review", duplicated_from, published_at, updated_at;
  int version = 1;
  bool organization_visible = false;
  bool open = false;                           // published, organisation visible, in period today
};

std::optional<RecruitmentRow> find(db::Tx& tx, const std::string& id, bool for_update = false);
void insert(db::Tx& tx, const RecruitmentRow& r);
bool update(db::Tx& tx, const RecruitmentRow& r);  // false when r.version is no longer current
void set_state(db::Tx& tx, const std::string& id, std::string_view state);
/// Deletes the recruitment with its applications, inquiries and flyers.
void erase(db::Tx& tx, const std::string& id);

struct Filters {
  text::Query keywords;  // from text::query, with the search dictionary
  std::string field, municipality, from, to, organization_id;
  bool past = false;
};
struct Page {
  std::vector<RecruitmentRow> items;
  int64_t total = 0;
};
/// Visible recruitments (published, organisation published, in period — or past it when
/// `f.past`), newest first.
Page list_public(db::Tx& tx, const Filters& f, int limit, int offset);
Page list_by_organization(db::Tx& tx, const std::string& organization_id, int limit, int offset);
Page admin_list(db::Tx& tx, const std::string& state, int limit, int offset);

struct CalendarItem {
  std::string date, id, title, organization_name;
};
std::vector<CalendarItem> calendar(db::Tx& tx, const std::string& first_day, const std::string& next_first_day);

/// False when the member already applied to the recruitment.
bool insert_submission(db::Tx& tx, const std::string& id, std::string_view kind, const std::string& recruitment_id,
                       const std::string& to_member_id, const std::string& from_member_id, bool via_oneclick,
                       const std::string& sealed);
/// When a submission carried over from the former system was sent (a Tokyo time).
void date_submission(db::Tx& tx, const std::string& id, const std::string& sent_at);
bool oneclick_used(db::Tx& tx, const std::string& token_hash);
/// The members who applied to the recruitment.
std::vector<std::string> applicants(db::Tx& tx, const std::string& recruitment_id);
/// Records a confirmed token; false when it had been confirmed before.
bool use_oneclick(db::Tx& tx, const std::string& token_hash, const std::string& member_id,
                  const std::string& recruitment_id, std::string_view action);

struct FlyerRow {
  std::string id, filename, content_type, data;
  int64_t size = 0;
};
/// `owner` is "recruitment" or "event".
void insert_flyer(db::Tx& tx, std::string_view owner, const std::string& owner_id, const FlyerRow& f,
                  const std::string& uploaded_by);
std::vector<FlyerRow> flyers_of(db::Tx& tx, std::string_view owner, const std::string& owner_id);  // without data
std::optional<FlyerRow> find_flyer(db::Tx& tx, std::string_view owner, const std::string& owner_id,
                                   const std::string& flyer_id);

// Supernet events (REC-1).
struct EventRow {
  std::string id, category, title;
  std::vector<std::string> dates, fields;
  std::string municipality, application_start, application_end;
  std::string profile = "{}";
  std::string submitter_name, submitter_email_sealed, submitted_by;
  std::vector<std::string> search_grams;
  std::string search_text;
  std::string state = "review", duplicated_from, published_at, updated_at;
  int version = 1;
  bool past = false;
};
std::optional<EventRow> find_event(db::Tx& tx, const std::string& id, bool for_update = false);
void insert_event(db::Tx& tx, const EventRow& e);
bool update_event(db::Tx& tx, const EventRow& e);  // false when e.version is no longer current
void set_event_state(db::Tx& tx, const std::string& id, std::string_view state);
void insert_upload_token(db::Tx& tx, const std::string& token_hash, const std::string& event_id, int hours);
/// True when `token_hash` lets one attach to `event_id` now.
bool upload_token_valid(db::Tx& tx, const std::string& token_hash, const std::string& event_id);
/// How many files the event has.
int64_t flyer_count(db::Tx& tx, std::string_view owner, const std::string& id);
/// Deletes the event with its flyers.
void erase_event(db::Tx& tx, const std::string& id);
struct EventFilters {
  text::Query keywords;                                   // from text::query, with the search dictionary
  std::string category, field, municipality, from, to;    // from/to: YYYY-MM-DD or ""
  bool past = false;
  bool newest = false;                                    // newest published first (新着順), not by date
};
/// What the in-memory list of coming events (search::LiveIndex) keeps of a published
/// event: its first and last day as days since 1970-01-01, its category as a code.
struct EventHot {
  int32_t first_day = 0, last_day = 0;
  uint8_t category = 0;  // 1 + its position in kEventCategories
};
struct EventCold {
  std::string municipality;
  std::vector<std::string> fields;
};
using EventIndex = search::LiveIndex<EventHot, EventCold>;
inline const std::vector<std::string> kEventCategories = {"event", "course", "participation", "other"};
/// Events changed since `since_us` (the database's clock), soonest first, for the EventIndex.
search::Changes<EventHot, EventCold> changed_events(db::Tx& tx, int64_t since_us);
/// The published ones of `ids`, in that order.
std::vector<EventRow> find_published_events(db::Tx& tx, const std::vector<std::string>& ids);
struct EventPage {
  std::vector<EventRow> items;
  int64_t total = 0;
};
/// Published events: with a date today or later, soonest first; or past, latest first
/// (the public list of coming events answers from the EventIndex; staff and past ones here).
EventPage list_events(db::Tx& tx, const EventFilters& f, int limit, int offset);
EventPage admin_list_events(db::Tx& tx, const std::string& state, int limit, int offset);
/// Published events by date within [first_day, next_first_day).
std::vector<CalendarItem> event_calendar(db::Tx& tx, const std::string& first_day, const std::string& next_first_day);

} // namespace civic::recruitment::store
