#include "recruitment/reminders.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "core/log.h"
#include "core/time.h"
#include "rpc/outbox.h"
#include "rpc/schedule.h"
#include "rpc/server.h"

namespace civic::recruitment {
namespace {
// The applications to remind of `$1`'s activity: to published recruitments with that
// activity day, without a reminder of it yet, oldest first.
constexpr const char* kDue =
    "SELECT s.id::text, s.from_member_id::text, r.id::text, r.title, r.profile::text, coalesce(o.name, '') "
    "FROM recruitments r JOIN submissions s ON s.recruitment_id = r.id AND s.kind = 'application' "
    "LEFT JOIN organizations o ON o.id = r.organization_id "
    "WHERE r.state = 'published' AND r.activity_dates @> ARRAY[$1::date] AND NOT EXISTS ("
    "  SELECT 1 FROM reminders m WHERE m.submission_id = s.id AND m.activity_date = $1::date) "
    "ORDER BY s.created_at, s.id LIMIT $2";
constexpr const char* kRecord =
    "INSERT INTO reminders (submission_id, activity_date, outcome) VALUES ($1::uuid, $2::date, $3) "
    "ON CONFLICT DO NOTHING";

std::string or_none(const std::string& s) { return s.empty() ? "（記載なし）" : s; }
} // namespace

int remind(db::Pool& pool, const ContactLookup& contacts, const ReminderConfig& config, std::time_t now) {
  if (rpc::tokyo_hour(now) < config.hour) return 0;
  std::string tomorrow = time::tokyo_date(-1, now);
  rpc::Principal job;
  job.set_request_id("reminders-" + tomorrow);
  return pool.transaction([&](db::Tx& tx) {
    if (!rpc::try_job_lock(tx, "recruitment.reminders")) return 0;
    int handled = 0, sent = 0;
    for (const auto& row : tx.exec(kDue, tomorrow, config.batch)) {
      ++handled;
      std::optional<civic::matching::ContactResponse> member;
      try {
        member = contacts(job, row.text(1), "");
      } catch (const rpc::Abort&) {  // matching is unreachable: the whole round waits for the next tick
        throw std::runtime_error("matching unavailable: contact of member " + row.text(1));
      }
      const char* outcome = !member                 ? "member_gone"
                            : !member->reachable()  ? "not_reachable"
                            : member->mail_stopped() || member->email().empty() ? "mail_stopped"
                                                                                 : "sent";
      if (tx.exec(kRecord, row.text(0), tomorrow, outcome).affected() == 0 || std::string_view(outcome) != "sent")
        continue;
      auto profile = nlohmann::json::parse(row.text(4), nullptr, false);
      auto item = [&](const char* key) { return or_none(profile.is_object() ? profile.value(key, std::string()) : ""); };
      rpc::request_notice(tx, "recruitment.reminder", member->email(), member->account_id(),
                          {{"title", row.text(3)},
                           {"organization_name", row.text(5)},
                           {"date", rpc::japanese_date(tomorrow)},
                           {"time_note", item("time_note")},
                           {"place", item("place")},
                           {"belongings", item("belongings")},
                           {"organizer_name", item("organizer_name")},
                           {"organizer_contact", item("organizer_contact")},
                           {"url", config.public_base_url + "/aikasanet/recruitments/" + row.text(2)}});
      ++sent;
    }
    if (handled > 0) log::info("reminders_round", {{"activity_date", tomorrow}, {"handled", handled}, {"sent", sent}});
    return handled;
  });
}

} // namespace civic::recruitment
