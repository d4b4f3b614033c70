// Prometheus metrics of the gateway: requests by route and status, latency histogram.
#pragma once
#include <array>
#include <map>
#include <mutex>
#include <string>

namespace civic::gateway {

class Metrics {
 public:
  void observe(const std::string& route, int status, double seconds);
  /// Text exposition format 0.0.4.
  std::string render();

 private:
  static constexpr std::array<double, 10> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
};

} // namespace civic::gateway
