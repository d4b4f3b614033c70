#include "gateway/public_cache.h"

#include <mutex>

namespace civic::gateway {

std::string PublicCache::key_of(const HttpRequest& req) {
  std::string key = req.path;
  char sep = '?';
  for (const auto& [k, v] : req.query) {
    key += sep + k + '=' + v;
    sep = '&';
  }
  return key;
}

std::optional<HttpResponse> PublicCache::get(const std::string& key, Clock::time_point now) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  const Entry& e = *it->second;
  if (now < e.expires) return e.response;
  if (now >= e.expires + ttl_ || !e.refreshing.exchange(true)) return std::nullopt;  // this caller refreshes
  return e.response;
}

void PublicCache::put(const std::string& key, const HttpResponse& r, Clock::time_point now) {
  if (!enabled() || r.status != 200 || r.body.size() > max_body_) return;
  std::unique_lock lock(mutex_);
  if (entries_.size() >= max_entries_ && !entries_.count(key)) {
    for (auto it = entries_.begin(); it != entries_.end();)
      it = it->second->expires <= now ? entries_.erase(it) : std::next(it);
    if (entries_.size() >= max_entries_) return;
  }
  auto e = std::make_shared<Entry>();
  e->response = r;
  e->expires = now + ttl_;
  entries_[key] = std::move(e);
}

size_t PublicCache::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

} // namespace civic::gateway
