// Configuration from environment variables only; every setting has a default that
// works locally, except secrets, which have none in production.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace civic::config {

/// The variable's value, or `fallback` when it is unset or empty.
std::string str(const char* name, const std::string& fallback);

/// The variable as an integer; throws std::invalid_argument naming the variable when
/// it is set but not an integer in [min, max].
int64_t integer(const char* name, int64_t fallback, int64_t min = INT64_MIN, int64_t max = INT64_MAX);

/// "1", "true", "yes", "on" are true; "0", "false", "no", "off" false; anything else throws.
bool boolean(const char* name, bool fallback);

/// A comma-separated list ("a, b,c"): items without surrounding whitespace, empty items
/// dropped; `fallback` when the variable is unset or empty.
std::vector<std::string> list(const char* name, const std::string& fallback = "");

/// A secret: must be set, and must be at least `min_bytes` long after hex/base64
/// decoding is NOT applied (raw bytes of the variable). Throws when missing or short.
std::string secret(const char* name, size_t min_bytes = 32);

} // namespace civic::config
