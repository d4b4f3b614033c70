#include "gateway/metrics.h"

namespace civic::gateway {

Metrics::Metrics()
    : requests_(metrics::counter("civic_http_requests_total", "HTTP requests by route template and status.")),
      latency_(metrics::histogram("civic_http_request_duration_seconds", "Request latency by route template.")) {}

void Metrics::observe(const std::string& route, int status, double seconds) {
  prometheus::Counter* counter;
  prometheus::Histogram* histogram;
  {
    std::lock_guard lock(mutex_);
    auto& c = counters_[{route, status}];
    if (!c) c = &requests_.Add({{"route", route}, {"status", std::to_string(status)}});
    auto& h = histograms_[route];
    if (!h) h = &latency_.Add({{"route", route}}, metrics::latency_buckets());
    counter = c;
    histogram = h;
  }
  counter->Increment();
  histogram->Observe(seconds);
}

} // namespace civic::gateway
