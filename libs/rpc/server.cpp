#include "rpc/server.h"

#include <absl/synchronization/mutex.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/server_interceptor.h>
#include <prometheus/exposer.h>

#include <csignal>
#include <cstdlib>
#include <malloc.h>
#include <optional>
#include <pthread.h>
#include <tuple>

#include "core/config.h"
#include "core/metrics.h"
#include "core/worker.h"

namespace civic::rpc {

namespace {
sigset_t shutdown_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}
} // namespace

void start_process() {
  // Debian builds Abseil with mutex deadlock detection on: it kept every absl::Mutex
  // gRPC takes in a cycle graph, 3-5 % of each process's CPU per call (perf, issue 11).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // A fixed threshold also ends glibc's "dynamic" one, which rises to the largest block
  // freed so far (up to 32 MiB): after one login auth kept 19 MiB per thread for good.
  mallopt(M_MMAP_THRESHOLD, 256 << 10);
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);  // glibc reads the variable itself
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t set = shutdown_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_shutdown_signal() {
  sigset_t set = shutdown_set();
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

namespace {
// Follows the database: SERVING while the pool gives a working connection.
class HealthWatch {
 public:
  HealthWatch(grpc::HealthCheckServiceInterface& health, std::vector<std::string> names, db::Pool& database)
      : health_(health),
        names_(std::move(names)),
        database_(database),
        loop_("health_check", std::chrono::milliseconds(config::integer("HEALTH_CHECK_MS", 5000, 100, 600000)), [this] {
          check();
          return 0;
        }) {
    loop_.start();  // its first round checks at once
  }
  ~HealthWatch() { loop_.stop(); }

 private:
  void check() {
    bool ok = database_.healthy();
    if (ok == serving_) return;
    serving_ = ok;
    health_.SetServingStatus(ok);
    for (const auto& name : names_) health_.SetServingStatus(name, ok);
    if (ok) log::info("health_serving", {{"reason", "database reachable"}});
    else log::error("health_not_serving", {{"reason", "database unreachable"}});
  }

  grpc::HealthCheckServiceInterface& health_;
  std::vector<std::string> names_;
  db::Pool& database_;
  std::optional<bool> serving_;  // the loop's thread only
  BackgroundLoop loop_;
};
} // namespace

namespace {
// grpc_server_handled_total and grpc_server_handling_seconds, named and labelled as
// go-grpc-prometheus's (grpc_service, grpc_method, grpc_code) so its dashboards apply.
class CallMetrics {
 public:
  struct Series {
    std::string service, method;
    prometheus::Histogram* latency = nullptr;
    std::map<int, prometheus::Counter*> by_code;
  };

  CallMetrics()
      : handled_(metrics::counter("grpc_server_handled_total", "gRPC calls completed on the server, by method and code.")),
        latency_(metrics::histogram("grpc_server_handling_seconds", "Time from a call's arrival to its status, by method.")) {}

  void record(const std::string& full_method, grpc::StatusCode code, double seconds) {
    prometheus::Counter* counter;
    prometheus::Histogram* latency;
    {
      std::lock_guard lock(mutex_);
      auto [it, fresh] = series_.try_emplace(full_method);
      Series& s = it->second;
      if (fresh) {
        std::tie(s.service, s.method) = split(full_method);
        s.latency = &latency_.Add({{"grpc_service", s.service}, {"grpc_method", s.method}}, metrics::latency_buckets());
      }
      auto& c = s.by_code[int(code)];
      if (!c) c = &handled_.Add({{"grpc_service", s.service}, {"grpc_method", s.method},
                                 {"grpc_code", code_name(code)}});
      counter = c;
      latency = s.latency;
    }
    counter->Increment();
    latency->Observe(seconds);
  }

 private:
  // "/civic.grants.GrantsService/GetGrant" -> {"civic.grants.GrantsService", "GetGrant"}
  static std::pair<std::string, std::string> split(const std::string& full) {
    auto slash = full.rfind('/');
    if (full.empty() || full[0] != '/' || slash == 0 || slash == std::string::npos) return {"unknown", full};
    return {full.substr(1, slash - 1), full.substr(slash + 1)};
  }

  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& latency_;
  std::mutex mutex_;
  std::map<std::string, Series> series_;
};

class CallTimer : public grpc::experimental::Interceptor {
 public:
  CallTimer(CallMetrics& metrics, const char* method) : metrics_(metrics), method_(method ? method : "") {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* batch) override {
    if (batch->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS))
      metrics_.record(method_, batch->GetSendStatus().error_code(),
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
    batch->Proceed();
  }

 private:
  CallMetrics& metrics_;
  std::string method_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

class CallTimerFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new CallTimer(metrics_, info->method());
  }

 private:
  CallMetrics metrics_;
};

// The process's metrics (core/metrics.h) on METRICS_ADDRESS:METRICS_PORT/metrics; none
// when METRICS_PORT is 0 (the default: every deployment names its port).
std::unique_ptr<prometheus::Exposer> expose_metrics() {
  int port = int(config::integer("METRICS_PORT", 0, 0, 65535));
  if (port == 0) return nullptr;
  std::string address = config::str("METRICS_ADDRESS", "0.0.0.0") + ":" + std::to_string(port);
  auto exposer = std::make_unique<prometheus::Exposer>(address, 1);
  exposer->RegisterCollectable(metrics::collectable());
  log::info("metrics_started", {{"address", address}});
  return exposer;
}
} // namespace

void serve(const std::string& address, const std::vector<Served>& services, db::Pool& database,
           const std::function<void()>& before_stop) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<CallTimerFactory>());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.AddListeningPort(address, grpc::InsecureServerCredentials());
  // gRPC sets SO_REUSEPORT by default: a second server given the same port would share it
  // silently and take half of the other's connections. Refuse to start instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // As the gateway's channels (GRPC_MAX_MESSAGE_BYTES): uploads in, downloads and CSV
  // exports out, up to the largest declared body with headroom.
  int max_message = int(config::integer("GRPC_MAX_MESSAGE_BYTES", 16 << 20, 1 << 20, 256 << 20));
  builder.SetMaxReceiveMessageSize(max_message);
  builder.SetMaxSendMessageSize(max_message);
  // The sync server's threads: gRPC's default keeps at most 2 polling, so under load a
  // thread that finished a call exits and the next call starts a new one — a thread
  // created and destroyed per call. Keeping up to 16 cut the service's CPU per uncached
  // detail by a third (docs/benchmarks.md, issue 11 item 5).
  using Option = grpc::ServerBuilder::SyncServerOption;
  builder.SetSyncServerOption(Option::MIN_POLLERS, int(config::integer("GRPC_SERVER_MIN_POLLERS", 2, 1, 256)));
  builder.SetSyncServerOption(Option::MAX_POLLERS, int(config::integer("GRPC_SERVER_MAX_POLLERS", 16, 1, 1024)));
  std::vector<std::string> names;
  for (const auto& s : services) {
    builder.RegisterService(s.service);
    names.push_back(s.name);
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) throw std::runtime_error("cannot listen on " + address);
  std::unique_ptr<prometheus::Exposer> exposer = expose_metrics();
  std::optional<HealthWatch> watch(std::in_place, *server->GetHealthCheckService(), names, database);
  log::info("server_started", {{"address", address}});
  int sig = wait_for_shutdown_signal();
  log::info("server_stopping", {{"signal", sig}});
  watch.reset();
  server->GetHealthCheckService()->SetServingStatus(false);
  if (before_stop) before_stop();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  log::info("server_stopped");
}

bool migrate_at_start(const std::string& command, const std::string& db_url,
                      const std::vector<db::Schema>& schema, const std::string& service) {
  if (command == "migrate" || config::boolean("MIGRATE_ON_START", true)) db::migrate(db_url, schema, service);
  return command == "migrate";
}

} // namespace civic::rpc
