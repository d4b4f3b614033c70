#include "core/time.h"

#include <ctime>

namespace civic::time {

std::string iso8601(Clock::time_point t, bool millis) {
  auto secs = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (millis) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(ms));
    out += frac;
  }
  return out + "Z";
}

int64_t unix_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

namespace {
constexpr std::time_t kTokyoOffset = 9 * 3600;
std::string two(int n) { return (n < 10 ? "0" : "") + std::to_string(n); }
} // namespace

std::string tokyo_date(int days_ago, std::time_t now) {
  std::time_t t = now + kTokyoOffset - std::time_t(days_ago) * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  return std::to_string(1900 + tm.tm_year) + "-" + two(tm.tm_mon + 1) + "-" + two(tm.tm_mday);
}

int32_t tokyo_day(std::time_t now) { return int32_t((now + kTokyoOffset) / 86400); }

int32_t day_number(std::string_view d) {
  auto number = [&](size_t at, size_t len) {
    int n = 0;
    for (size_t i = at; i < at + len; ++i) n = n * 10 + (d[i] - '0');
    return n;
  };
  std::chrono::year_month_day ymd{std::chrono::year(number(0, 4)), std::chrono::month(unsigned(number(5, 2))),
                                  std::chrono::day(unsigned(number(8, 2)))};
  return int32_t(std::chrono::sys_days(ymd).time_since_epoch().count());
}

std::string in_tokyo(std::string_view t) {
  if (t.size() == 10) return std::string(t) + "T00:00:00+09:00";
  bool zoned = t.substr(10).find_first_of("Z+-") != std::string_view::npos;
  return zoned ? std::string(t) : std::string(t) + "+09:00";
}

std::string tokyo_month(int months_ago, std::time_t now) {
  std::time_t t = now + kTokyoOffset;
  std::tm tm{};
  gmtime_r(&t, &tm);
  int m = tm.tm_year * 12 + tm.tm_mon - months_ago;
  return std::to_string(1900 + m / 12) + "-" + two(m % 12 + 1);
}

std::string month_after(std::string_view yyyy_mm) {
  int year = std::stoi(std::string(yyyy_mm.substr(0, 4))), month = std::stoi(std::string(yyyy_mm.substr(5, 2)));
  return month == 12 ? std::to_string(year + 1) + "-01" : std::to_string(year) + "-" + two(month + 1);
}

} // namespace civic::time
