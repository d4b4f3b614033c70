// Prometheus metrics of the process (prometheus-cpp, Debian's prometheus-cpp-dev): one
// registry per process where every library adds its families, plus the process's own
// CPU, memory, descriptors and threads read from /proc at each scrape.
// Services serve them on METRICS_PORT (rpc::serve), the gateway on its /metrics.
#pragma once
#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace civic::metrics {

/// The process's registry. Adding a family twice with the same name returns the first.
prometheus::Registry& registry();
prometheus::Family<prometheus::Counter>& counter(const std::string& name, const std::string& help);
prometheus::Family<prometheus::Gauge>& gauge(const std::string& name, const std::string& help);
prometheus::Family<prometheus::Histogram>& histogram(const std::string& name, const std::string& help);

/// Buckets for latencies in seconds, 0.5 ms to 10 s.
const prometheus::Histogram::BucketBoundaries& latency_buckets();

/// Everything the process exposes: the registry and the process metrics
/// (process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
/// process_open_fds, process_max_fds, process_threads, process_start_time_seconds).
std::shared_ptr<prometheus::Collectable> collectable();
/// The same in the text exposition format 0.0.4 (values with 16 significant digits).
std::string render();

} // namespace civic::metrics
