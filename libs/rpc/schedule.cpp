#include "rpc/schedule.h"

#include <string>

#include "core/time.h"

namespace civic::rpc {
namespace {
constexpr std::time_t kTokyoOffset = 9 * 3600;  // Japan keeps no daylight saving
constexpr std::time_t kDay = 86400;
// 0 = Sunday for a day counted from 1970-01-01, a Thursday.
int weekday_of(int64_t days) { return int(((days % 7) + 7 + 4) % 7); }
} // namespace

int tokyo_hour(std::time_t now) { return int((now + kTokyoOffset) % kDay / 3600); }

std::time_t last_moment(const DailyAt& at, std::time_t now) {
  std::time_t local = now + kTokyoOffset;
  std::time_t moment = local - local % kDay + std::time_t(at.hour) * 3600;  // today's, in Tokyo's clock
  if (moment > local) moment -= kDay;
  if (at.weekday >= 0) moment -= std::time_t((weekday_of(moment / kDay) - at.weekday + 7) % 7) * kDay;
  return moment - kTokyoOffset;
}

bool try_job_lock(db::Tx& tx, std::string_view job) {
  return tx.exec("SELECT pg_try_advisory_xact_lock(hashtext($1))", std::string(job))[0].boolean(0);
}

std::string japanese_date(std::string_view d) {
  static const char* const kWeekdays[] = {"日", "月", "火", "水", "木", "金", "土"};
  auto number = [&](size_t at) { return std::to_string(std::stoi(std::string(d.substr(at, 2)))); };
  return number(5) + "月" + number(8) + "日（" + kWeekdays[weekday_of(time::day_number(d))] + "）";
}

} // namespace civic::rpc
