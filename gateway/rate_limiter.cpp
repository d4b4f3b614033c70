#include "gateway/rate_limiter.h"

#include <cmath>

namespace civic::gateway {

int RateLimiter::acquire(const std::string& key, std::chrono::steady_clock::time_point now) {
  const double rate = per_minute_ / 60.0;  // tokens per second
  std::lock_guard lock(mutex_);
  if (buckets_.size() > 100000) buckets_.clear();  // bounded memory under an address-spraying flood
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{double(per_minute_), now});
  Bucket& b = it->second;
  if (!fresh) {
    double elapsed = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(double(per_minute_), b.tokens + elapsed * rate);
    b.at = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max(1, int(std::ceil((1.0 - b.tokens) / rate)));
}

} // namespace civic::gateway
