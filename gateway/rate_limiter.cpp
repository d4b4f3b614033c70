#include "gateway/rate_limiter.h"

#include <cmath>
#include <functional>

namespace civic::gateway {

RateLimiter::Decision RateLimiter::check(const std::string& key, Clock::time_point now) {
  const double rate = per_minute_ / 60.0;  // tokens per second
  Shard& shard = shards_[std::hash<std::string>{}(key) % shards_.size()];
  std::lock_guard lock(shard.mutex);
  if (shard.buckets.size() > 20000) shard.buckets.clear();  // bounded memory under an address-spraying flood
  auto [it, fresh] = shard.buckets.try_emplace(key, Bucket{double(per_minute_), now});
  Bucket& b = it->second;
  if (!fresh) {
    double elapsed = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(double(per_minute_), b.tokens + elapsed * rate);
    b.at = now;
  }
  int wait = 0;
  if (b.tokens >= 1.0) b.tokens -= 1.0;
  else wait = std::max(1, int(std::ceil((1.0 - b.tokens) / rate)));
  int reset = int(std::ceil((per_minute_ - b.tokens) / rate));
  return {wait, per_minute_, int(b.tokens), reset};
}

} // namespace civic::gateway
