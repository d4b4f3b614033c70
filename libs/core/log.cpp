#include "core/log.h"

#include <chrono>
#include <cstdio>
#include <mutex>

#include "core/time.h"

namespace civic::log {
namespace {
std::string g_service = "civic";
Level g_min = Level::info;
std::mutex g_mutex;
thread_local std::string_view t_request_id, t_trace_id;

const char* name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

size_t utf8_len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}
} // namespace

void init(std::string service, std::string_view level) {
  g_service = std::move(service);
  if (level == "debug") g_min = Level::debug;
  else if (level == "warn") g_min = Level::warn;
  else if (level == "error") g_min = Level::error;
  else g_min = Level::info;
}

void write(Level level, std::string_view event, nlohmann::json fields) {
  if (level < g_min) return;
  nlohmann::json line = {{"ts", time::iso8601(std::chrono::system_clock::now(), true)},
                         {"level", name(level)},
                         {"service", g_service},
                         {"event", event}};
  if (!t_request_id.empty()) line["request_id"] = t_request_id;
  if (!t_trace_id.empty()) line["trace_id"] = t_trace_id;
  if (fields.is_object()) line.update(fields);
  // Replace invalid UTF-8 instead of throwing: a log line must never take a request down.
  std::string out = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(g_mutex);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

RequestScope::RequestScope(std::string_view request_id, std::string_view trace_id)
    : outer_request_(t_request_id), outer_trace_(t_trace_id) {
  t_request_id = request_id;
  t_trace_id = trace_id;
}

RequestScope::~RequestScope() {
  t_request_id = outer_request_;
  t_trace_id = outer_trace_;
}

std::string_view RequestScope::request_id() { return t_request_id; }
std::string_view RequestScope::trace_id() { return t_trace_id; }

std::string mask(std::string_view value) {
  if (value.empty()) return "";
  size_t n = std::min(utf8_len(static_cast<unsigned char>(value[0])), value.size());
  return std::string(value.substr(0, n)) + "***";
}

std::string mask_email(std::string_view email) {
  auto at = email.find('@');
  if (at == std::string_view::npos) return mask(email);
  auto domain = email.substr(at + 1);
  auto dot = domain.rfind('.');
  std::string tld = dot == std::string_view::npos ? "" : std::string(domain.substr(dot));
  return mask(email.substr(0, at)) + "@" + mask(domain.substr(0, dot)) + tld;
}

} // namespace civic::log
