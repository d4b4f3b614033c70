#include "core/trace.h"

#include <algorithm>

#include "core/crypto.h"

namespace civic::trace {
namespace {
bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
bool all_zero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}
} // namespace

std::optional<std::string> trace_id_of(std::string_view v) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  std::string_view version = v.substr(0, 2), id = v.substr(3, 32), parent = v.substr(36, 16), flags = v.substr(53, 2);
  if (!lower_hex(version) || version == "ff" || !lower_hex(id) || !lower_hex(parent) || !lower_hex(flags))
    return std::nullopt;
  if (version == "00" && v.size() != 55) return std::nullopt;
  if (version != "00" && v.size() > 55 && v[55] != '-') return std::nullopt;
  if (all_zero(id) || all_zero(parent)) return std::nullopt;
  return std::string(id);
}

std::string new_trace_id() { return crypto::hex(crypto::random_bytes(16)); }

std::string traceparent(std::string_view trace_id) {
  return "00-" + std::string(trace_id) + "-" + crypto::hex(crypto::random_bytes(8)) + "-01";
}

} // namespace civic::trace
