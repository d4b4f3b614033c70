// Jobs at a time of day in Asia/Tokyo (activity reminders, matching digests): a
// BackgroundLoop (core/worker.h) ticks, and each round asks whether its moment has come
// and does one transaction's worth of work under the job's advisory lock, so however
// many replicas run it, one at a time does. What was done is recorded in the job's own
// rows (a reminder per application and day, a digest time per member), so a restart or
// a round cut short loses and repeats nothing.
#pragma once
#include <ctime>
#include <string_view>

#include "db/db.h"

namespace civic::rpc {

/// A moment that comes back: `hour`:00 in Asia/Tokyo every day, or only on `weekday`
/// (0 = Sunday ... 6 = Saturday).
struct DailyAt {
  int hour = 0;
  int weekday = -1;  // -1: every day
};

/// Tokyo's hour (0-23) at `now`.
int tokyo_hour(std::time_t now);

/// The last such moment at or before `now`.
std::time_t last_moment(const DailyAt& at, std::time_t now);

/// Takes the job's transaction-scoped advisory lock; false when another replica holds it
/// (this round then does nothing).
bool try_job_lock(db::Tx& tx, std::string_view job);

/// "12月3日（木）": a valid YYYY-MM-DD as mails and LINE messages show it.
std::string japanese_date(std::string_view yyyy_mm_dd);

} // namespace civic::rpc
