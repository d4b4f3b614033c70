#include "gateway/metrics.h"

#include <sstream>

namespace civic::gateway {

void Metrics::observe(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::render() {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  out << "# HELP civic_http_requests_total HTTP requests by route template and status.\n"
      << "# TYPE civic_http_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out << "civic_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second << "\"} " << n << "\n";
  out << "# HELP civic_http_request_duration_seconds Request latency by route template.\n"
      << "# TYPE civic_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i)
      out << "civic_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"" << kBuckets[i] << "\"} "
          << h.counts[i] << "\n";
    out << "civic_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} " << h.count << "\n"
        << "civic_http_request_duration_seconds_sum{route=\"" << route << "\"} " << h.sum << "\n"
        << "civic_http_request_duration_seconds_count{route=\"" << route << "\"} " << h.count << "\n";
  }
  return out.str();
}

} // namespace civic::gateway
