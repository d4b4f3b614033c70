#include "core/metrics.h"

#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace civic::metrics {
namespace {

prometheus::MetricFamily gauge_family(std::string name, std::string help, prometheus::MetricType type, double value) {
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) m.counter.value = value;
  else m.gauge.value = value;
  return {std::move(name), std::move(help), type, {m}};
}

// /proc/self/stat after the command name: fields 3.. (state, ppid, ...), see proc(5).
std::vector<std::string> stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string all;
  std::getline(in, all);  // one line
  std::vector<std::string> fields;
  auto close = all.rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream rest(all.substr(close + 1));
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  return 0;
}

class Everything : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    auto families = registry().Collect();
    using prometheus::MetricType;
    auto f = stat_fields();  // f[0] is field 3 (state)
    if (f.size() >= 22) {
      const double tick = double(sysconf(_SC_CLK_TCK));
      const double page = double(sysconf(_SC_PAGESIZE));
      double cpu = (std::stod(f[11]) + std::stod(f[12])) / tick;  // utime + stime
      families.push_back(gauge_family("process_cpu_seconds_total", "User and system CPU time spent in seconds.",
                                      MetricType::Counter, cpu));
      families.push_back(gauge_family("process_threads", "Number of OS threads in the process.", MetricType::Gauge,
                                      std::stod(f[17])));
      families.push_back(gauge_family("process_start_time_seconds",
                                      "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
                                      boot_time_seconds() + std::stod(f[19]) / tick));
      families.push_back(gauge_family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                      MetricType::Gauge, std::stod(f[20])));
      families.push_back(gauge_family("process_resident_memory_bytes", "Resident memory size in bytes.",
                                      MetricType::Gauge, std::stod(f[21]) * page));
    }
    std::error_code ec;
    double fds = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
      ++fds;
    families.push_back(
        gauge_family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, fds));
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0)
      families.push_back(gauge_family("process_max_fds", "Maximum number of open file descriptors.",
                                      MetricType::Gauge, double(limit.rlim_cur)));
    return families;
  }
};

} // namespace

prometheus::Registry& registry() {
  static prometheus::Registry r;
  return r;
}

prometheus::Family<prometheus::Counter>& counter(const std::string& name, const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry());
}
prometheus::Family<prometheus::Gauge>& gauge(const std::string& name, const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry());
}
prometheus::Family<prometheus::Histogram>& histogram(const std::string& name, const std::string& help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry());
}

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05,   0.1,   0.25,   0.5,   1,    2.5, 5, 10};
  return b;
}

std::shared_ptr<prometheus::Collectable> collectable() {
  static auto everything = std::make_shared<Everything>();
  return everything;
}

std::string render() {
  return prometheus::TextSerializer().Serialize(collectable()->Collect());
}

} // namespace civic::metrics
