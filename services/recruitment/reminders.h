// Activity reminders (issue 16 item 3, the volunteers' most requested missing feature):
// the day before an activity day, from REMINDER_HOUR (Asia/Tokyo), everyone who applied
// to a published recruitment with that activity day gets a reminder by mail, and on
// LINE when their login is linked; exactly once per application and day (the
// `reminders` row is written with the request). A recruitment without dates (by
// arrangement) has nothing to remind of.
#pragma once
#include <ctime>
#include <string>

#include "db/db.h"
#include "recruitment/service.h"

namespace civic::recruitment {

struct ReminderConfig {
  int hour = 18;                 // REMINDER_HOUR: from this hour on, the day before
  std::string public_base_url;   // the recruitment's page in the reminder
  int batch = 50;                // applications per round (one transaction)
};

/// One round of the job at `now`: before the hour, nothing; else up to `batch` of the
/// applications not yet reminded of tomorrow's activity, under the job's advisory lock.
/// Returns how many it handled (0: nothing due, or another replica is at it).
int remind(db::Pool& pool, const ContactLookup& contacts, const ReminderConfig& config, std::time_t now);

} // namespace civic::recruitment
