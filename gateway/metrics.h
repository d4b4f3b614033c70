// The gateway's HTTP metrics, in the process's registry (core/metrics.h): requests by
// route template and status, latency histogram by route template.
#pragma once
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "core/metrics.h"

namespace civic::gateway {

class Metrics {
 public:
  Metrics();
  void observe(const std::string& route, int status, double seconds);
  /// Text exposition format 0.0.4 of the whole process (core/metrics.h).
  std::string render() { return metrics::render(); }

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  std::mutex mutex_;  // the two maps: a route's series are found once, then by pointer
  std::map<std::pair<std::string, int>, prometheus::Counter*> counters_;
  std::map<std::string, prometheus::Histogram*> histograms_;
};

} // namespace civic::gateway
