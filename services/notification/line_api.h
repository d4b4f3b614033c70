// The LINE Messaging API as this service uses it (NTF-5), over HTTPS with libcurl: the
// multicast of a matching message, replies to a member's message or button tap, and the
// month's quota and consumption. LINE_API_BASE points elsewhere for development and
// tests (tools/line: a loopback server that behaves like LINE's).
#pragma once
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace civic::notification {

struct LineAnswer {
  long status = 0;          // HTTP status; 0 when LINE could not be reached
  std::string body;
  int retry_after = 0;      // seconds, from Retry-After
  std::string error;        // transport error
  bool ok() const { return status >= 200 && status < 300; }
  /// LINE's 429 "You have reached your monthly limit.": not a rate limit, retrying is futile.
  bool quota_exceeded() const { return status == 429 && body.find("monthly limit") != std::string::npos; }
};

/// The plan's monthly messages and this month's use, as LINE counts them.
struct LineQuota {
  std::string type;       // limited, none (unlimited)
  int64_t limit = 0;      // when limited
  int64_t used = 0;
  bool exceeded_by(int64_t more) const { return type == "limited" && used + more > limit; }
};

class LineApi {
 public:
  LineApi(std::string base_url, std::string channel_token, long timeout_seconds = 10);
  bool configured() const { return !token_.empty(); }
  /// POST /v2/bot/message/multicast to at most 500 users, with X-Line-Retry-Key: LINE
  /// accepts one request per key and answers 409 to a repeat of an accepted one.
  LineAnswer multicast(const std::vector<std::string>& user_ids, const nlohmann::json& messages,
                       const std::string& retry_key) const;
  /// POST /v2/bot/message/reply with the token of the event being answered.
  LineAnswer reply(const std::string& reply_token, const nlohmann::json& messages) const;
  /// GET /v2/bot/message/quota ({"type": "limited", "value": 200} or {"type": "none"})
  /// and /quota/consumption ({"totalUsage": 42}); nullopt when LINE did not answer both.
  std::optional<LineQuota> quota() const;

 private:
  LineAnswer request(const char* method, const std::string& path, const std::string& body,
                     const std::string& retry_key) const;
  std::string base_, token_;
  long timeout_;
};

} // namespace civic::notification
