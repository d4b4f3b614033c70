// Per-key token buckets (client address) for login, registration and reset routes.
#pragma once
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace civic::gateway {

class RateLimiter {
 public:
  /// `per_minute` requests per key per minute, with a burst of the same size.
  explicit RateLimiter(int per_minute) : per_minute_(per_minute) {}

  /// 0 when allowed (and counted); otherwise the seconds to wait.
  int acquire(const std::string& key, std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  int per_minute_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

} // namespace civic::gateway
