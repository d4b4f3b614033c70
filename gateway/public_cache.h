// A micro-cache of public reads (ADR 0010): the answer to an anonymous GET of a public
// route is kept for a short time (PUBLIC_CACHE_MS, default 1 s) and served again from
// memory, so a page that a thousand visitors open in the same second costs one backend
// call. Only 200 answers are kept, never for a caller with a session, a personal route
// or a file. When an answer expires, the first caller asks the backend again while the
// others keep getting the expired answer for up to one more time-to-live (no stampede
// of identical calls); what staff publish or archive shows within two of them.
// Bounded by bytes: when full, expired answers go first, then the oldest.
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/gateway.h"

namespace civic::gateway {

class PublicCache {
 public:
  using Clock = std::chrono::steady_clock;
  /// `ttl` 0 disables the cache; at most `max_bytes` of answers of at most `max_body` bytes each.
  PublicCache(std::chrono::milliseconds ttl, size_t max_bytes = 32 << 20, size_t max_body = 512 * 1024)
      : ttl_(ttl), max_bytes_(max_bytes), max_body_(max_body) {}

  bool enabled() const { return ttl_.count() > 0; }
  /// The key of a request: its path and its query parameters percent-decoded and in
  /// name order, so spellings of one query share one entry. "" when the query does not
  /// decode (such a request is not cached).
  static std::string key_of(const std::string& path, const std::vector<std::pair<std::string, std::string>>& query);
  /// A fresh answer for `key`; or, just after it expired, the expired answer to every
  /// caller but the first, which gets nullopt and should ask the backend and put().
  std::optional<HttpResponse> get(const std::string& key, Clock::time_point now = Clock::now()) const;
  /// Keeps `r` for `key` when it is a 200 small enough, evicting expired then oldest
  /// answers to stay within max_bytes.
  void put(const std::string& key, const HttpResponse& r, Clock::time_point now = Clock::now());
  /// Drops every answer too old to be served even to a refreshing caller, so an idle
  /// gateway holds no cache (called with the periodic flush; memory then goes back).
  void purge(Clock::time_point now = Clock::now());
  size_t size() const;
  size_t bytes() const;

 private:
  struct Entry {
    HttpResponse response;
    Clock::time_point expires;
    size_t bytes = 0;
    mutable std::atomic<bool> refreshing{false};
  };
  void drop_expired(Clock::time_point now);        // with the lock held: answers no caller may get
  void evict(size_t room, Clock::time_point now);  // with the lock held: expired, then the oldest
  std::chrono::milliseconds ttl_;
  size_t max_bytes_;
  size_t max_body_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const Entry>> entries_;
  size_t bytes_ = 0;
};

} // namespace civic::gateway
