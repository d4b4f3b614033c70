// One JSON object per line on stdout: ts, level, service, event and fields.
// Personal data never goes in raw: pass it through mask_email / mask.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace civic::log {

enum class Level { debug, info, warn, error };

/// Sets the service name written on every line and the minimum level ("debug",
/// "info", "warn", "error").
void init(std::string service, std::string_view level = "info");

void write(Level level, std::string_view event, nlohmann::json fields = nlohmann::json::object());
inline void debug(std::string_view e, nlohmann::json f = nlohmann::json::object()) { write(Level::debug, e, std::move(f)); }
inline void info(std::string_view e, nlohmann::json f = nlohmann::json::object()) { write(Level::info, e, std::move(f)); }
inline void warn(std::string_view e, nlohmann::json f = nlohmann::json::object()) { write(Level::warn, e, std::move(f)); }
inline void error(std::string_view e, nlohmann::json f = nlohmann::json::object()) { write(Level::error, e, std::move(f)); }

/// While it lives, every line this thread writes carries `request_id` and `trace_id`
/// (the request being served: rpc::guarded, the gateway's handler) unless the line
/// names its own. The strings must outlive the scope.
class RequestScope {
 public:
  RequestScope(std::string_view request_id, std::string_view trace_id);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;
  /// The request this thread serves, or "" outside any scope.
  static std::string_view request_id();
  static std::string_view trace_id();

 private:
  std::string_view outer_request_, outer_trace_;
};

/// "taro.yamada@example.jp" -> "t***@e***.jp"; anything without '@' goes through mask().
std::string mask_email(std::string_view email);
/// Keeps the first character (whole UTF-8 sequence) and replaces the rest with "***".
std::string mask(std::string_view value);

} // namespace civic::log
