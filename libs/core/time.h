// Time helpers: everything is stored and exchanged in UTC (RFC 3339).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace civic::time {

using Clock = std::chrono::system_clock;

/// RFC 3339 in UTC, e.g. "2026-11-22T03:04:05Z" (with milliseconds when `millis`).
std::string iso8601(Clock::time_point t, bool millis = false);

/// Milliseconds since the Unix epoch.
int64_t unix_ms(Clock::time_point t);
inline int64_t now_unix_ms() { return unix_ms(Clock::now()); }

} // namespace civic::time
