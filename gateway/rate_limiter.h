// Per-key token buckets (client address) for one route class: login, uploads, writes
// or reads (GatewayConfig::rate_per_minute). Sharded, so reads on many threads do not
// queue on one lock.
#pragma once
#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace civic::gateway {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  /// `per_minute` requests per key per minute, with a burst of the same size.
  explicit RateLimiter(int per_minute) : per_minute_(per_minute) {}

  struct Decision {
    int wait_seconds;  ///< 0: allowed (and counted)
    int limit;         ///< the burst (= per minute)
    int remaining;     ///< whole requests left now
    int reset_seconds; ///< until the bucket is full again
  };
  Decision check(const std::string& key, Clock::time_point now = Clock::now());
  /// 0 when allowed (and counted); otherwise the seconds to wait.
  int acquire(const std::string& key, Clock::time_point now = Clock::now()) { return check(key, now).wait_seconds; }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
  };
  int per_minute_;
  std::array<Shard, 16> shards_;
};

} // namespace civic::gateway
