#include "gateway/public_cache.h"

#include <algorithm>
#include <mutex>

#include "gateway/path_template.h"

namespace civic::gateway {

std::string PublicCache::key_of(const std::string& path, const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> decoded;
  for (const auto& [k, v] : query) {
    auto name = percent_decode(k, true), value = percent_decode(v, true);
    if (!name || !value) return "";
    decoded.emplace_back(std::move(*name), std::move(*value));
  }
  std::stable_sort(decoded.begin(), decoded.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string key = path;
  for (const auto& [k, v] : decoded) {  // length-prefixed: no separator can be forged
    key += '\0' + std::to_string(k.size()) + ':' + k + std::to_string(v.size()) + ':' + v;
  }
  return key;
}

std::optional<HttpResponse> PublicCache::get(const std::string& key, Clock::time_point now) const {
  if (key.empty()) return std::nullopt;
  std::shared_lock lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  const Entry& e = *it->second;
  if (now < e.expires) return e.response;
  if (now >= e.expires + ttl_ || !e.refreshing.exchange(true)) return std::nullopt;  // this caller refreshes
  return e.response;
}

void PublicCache::drop_expired(Clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second->expires + ttl_ <= now) {
      bytes_ -= it->second->bytes;
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

void PublicCache::evict(size_t room, Clock::time_point now) {
  drop_expired(now);
  if (bytes_ + room <= max_bytes_) return;
  std::vector<std::pair<Clock::time_point, std::string>> by_age;
  for (const auto& [k, e] : entries_) by_age.emplace_back(e->expires, k);
  std::sort(by_age.begin(), by_age.end());
  for (const auto& [expires, k] : by_age) {  // down to 3/4, so a full cache does not sort on every put
    if (bytes_ + room <= max_bytes_ * 3 / 4) break;
    auto it = entries_.find(k);
    bytes_ -= it->second->bytes;
    entries_.erase(it);
  }
}

void PublicCache::put(const std::string& key, const HttpResponse& r, Clock::time_point now) {
  if (!enabled() || key.empty() || r.status != 200 || r.body.size() > max_body_) return;
  auto e = std::make_shared<Entry>();
  e->response = r;
  e->expires = now + ttl_;
  e->bytes = key.size() + r.body.size() + 256;
  for (const auto& [n, v] : r.headers) e->bytes += n.size() + v.size() + 64;
  std::unique_lock lock(mutex_);
  if (auto old = entries_.find(key); old != entries_.end()) {
    bytes_ -= old->second->bytes;
    entries_.erase(old);
  }
  if (bytes_ + e->bytes > max_bytes_) evict(e->bytes, now);
  bytes_ += e->bytes;
  entries_[key] = std::move(e);
}

void PublicCache::purge(Clock::time_point now) {
  std::unique_lock lock(mutex_);
  drop_expired(now);
}

size_t PublicCache::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

size_t PublicCache::bytes() const {
  std::shared_lock lock(mutex_);
  return bytes_;
}

} // namespace civic::gateway
