// Time helpers: everything is stored and exchanged in UTC (RFC 3339); calendar dates
// shown to users are Japan's (UTC+9, no daylight saving).
#pragma once
#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace civic::time {

using Clock = std::chrono::system_clock;

/// RFC 3339 in UTC, e.g. "2026-11-22T03:04:05Z" (with milliseconds when `millis`).
std::string iso8601(Clock::time_point t, bool millis = false);

/// Milliseconds since the Unix epoch.
int64_t unix_ms(Clock::time_point t);
inline int64_t now_unix_ms() { return unix_ms(Clock::now()); }

/// YYYY-MM-DD in Asia/Tokyo, `days_ago` days before `now`.
std::string tokyo_date(int days_ago = 0, std::time_t now = std::time(nullptr));
/// Today's date in Asia/Tokyo as days since 1970-01-01 (PostgreSQL: `d - date '1970-01-01'`).
int32_t tokyo_day(std::time_t now = std::time(nullptr));
/// A valid YYYY-MM-DD as days since 1970-01-01.
int32_t day_number(std::string_view yyyy_mm_dd);
/// A valid validation::is_timestamp() text with its zone made explicit: a date, or a
/// time without a zone, is Tokyo's ("2015-04-01" -> "2015-04-01T00:00:00+09:00").
std::string in_tokyo(std::string_view timestamp);
/// YYYY-MM in Asia/Tokyo, `months_ago` calendar months before `now`.
std::string tokyo_month(int months_ago = 0, std::time_t now = std::time(nullptr));
/// The month after a valid YYYY-MM, as YYYY-MM.
std::string month_after(std::string_view yyyy_mm);

} // namespace civic::time
