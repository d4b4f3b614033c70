// gateway_server: wiring only. Reads configuration, builds the Gateway and serves it
// with its HTTP front until SIGTERM. `gateway_server openapi` prints the OpenAPI
// document (built from the proto annotations, as /api/v1/openapi.json serves it) and exits.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "core/config.h"
#include "core/log.h"
#include "gateway/http_server.h"
#include "gateway/openapi.h"
#include "rpc/server.h"

int main(int argc, char** argv) {
  using namespace civic;
  if (argc > 1 && std::string_view(argv[1]) == "openapi") {
    std::puts(gateway::openapi_document(gateway::RouteTable::build(gateway::served_files())).c_str());
    return 0;
  }
  rpc::start_process();
  log::init("gateway", config::str("LOG_LEVEL", "info"));
  try {
    gateway::GatewayConfig cfg;
    cfg.hmac_key = config::secret("INTERNAL_HMAC_KEY");
    cfg.backend_addrs["auth"] = config::str("AUTH_SERVICE_ADDR", "127.0.0.1:50051");
    cfg.backend_addrs["notification"] = config::str("NOTIFICATION_SERVICE_ADDR", "127.0.0.1:50052");
    cfg.backend_addrs["content"] = config::str("CONTENT_SERVICE_ADDR", "127.0.0.1:50053");
    cfg.backend_addrs["directory"] = config::str("DIRECTORY_SERVICE_ADDR", "127.0.0.1:50054");
    cfg.backend_addrs["grants"] = config::str("GRANTS_SERVICE_ADDR", "127.0.0.1:50055");
    cfg.backend_addrs["matching"] = config::str("MATCHING_SERVICE_ADDR", "127.0.0.1:50056");
    cfg.backend_addrs["recruitment"] = config::str("RECRUITMENT_SERVICE_ADDR", "127.0.0.1:50057");
    cfg.cors_origins = config::list("CORS_ORIGINS", "http://localhost:5173,http://localhost:5174");
    cfg.cookie_name = config::str("COOKIE_NAME", "__Host-civic_session");
    cfg.cookie_secure = config::boolean("COOKIE_SECURE", true);
    cfg.max_body_bytes = size_t(config::integer("MAX_BODY_BYTES", 1 << 20, 1024, 64 << 20));
    cfg.call_timeout = std::chrono::milliseconds(config::integer("BACKEND_TIMEOUT_MS", 5000, 100, 60000));
    cfg.max_message_bytes = int(config::integer("GRPC_MAX_MESSAGE_BYTES", 16 << 20, 1 << 20, 256 << 20));
    cfg.fanout_timeout = std::chrono::milliseconds(config::integer("FANOUT_TIMEOUT_MS", 1000, 50, 10000));
    cfg.view_flush_interval = std::chrono::milliseconds(config::integer("VIEW_FLUSH_MS", 5000, 50, 600000));
    cfg.session_cache_ttl = std::chrono::milliseconds(config::integer("SESSION_CACHE_MS", 2000, 0, 60000));
    cfg.public_cache_ttl = std::chrono::milliseconds(config::integer("PUBLIC_CACHE_MS", 1000, 0, 60000));
    cfg.maintenance_cache_ttl = std::chrono::milliseconds(config::integer("MAINTENANCE_CACHE_MS", 2000, 0, 60000));
    cfg.rate_per_minute = {{"login", int(config::integer("RATE_LIMIT_PER_MINUTE", 10, 1, 100000))},
                           {"uploads", int(config::integer("RATE_LIMIT_UPLOADS_PER_MINUTE", 60, 1, 100000))},
                           {"writes", int(config::integer("RATE_LIMIT_WRITES_PER_MINUTE", 600, 1, 1000000))},
                           {"reads", int(config::integer("RATE_LIMIT_READS_PER_MINUTE", 6000, 1, 100000000))},
                           // Partner systems (LINE's webhook, the health app) call from few addresses.
                           {"partners", int(config::integer("RATE_LIMIT_PARTNERS_PER_MINUTE", 120000, 1, 100000000))}};
    cfg.trust_forwarded_for = config::boolean("TRUST_FORWARDED_FOR", false);
    cfg.docs_script_path = config::str("API_DOCS_SCRIPT", "");

    gateway::ServerOptions server;
    server.threads = int(config::integer("GATEWAY_THREADS", 8, 1, 256));
    server.header_timeout = std::chrono::milliseconds(config::integer("HEADER_TIMEOUT_MS", 10000, 100, 600000));
    server.body_idle_timeout = std::chrono::milliseconds(config::integer("BODY_IDLE_TIMEOUT_MS", 15000, 100, 600000));
    server.body_timeout = std::chrono::milliseconds(config::integer("BODY_TIMEOUT_MS", 120000, 100, 3600000));
    server.keepalive_timeout = std::chrono::milliseconds(config::integer("KEEPALIVE_TIMEOUT_MS", 60000, 100, 3600000));
    server.max_connections = size_t(config::integer("MAX_CONNECTIONS", 10000, 1, 1000000));
    // Past the descriptor limit accept() fails and Pistache's listener retries it in a
    // busy loop: keep the connection cap below the limit (raised to the hard limit).
    rlimit files{};
    if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
      files.rlim_cur = files.rlim_max;
      setrlimit(RLIMIT_NOFILE, &files);
      getrlimit(RLIMIT_NOFILE, &files);
      if (files.rlim_cur > 512) server.max_connections = std::min(server.max_connections, size_t(files.rlim_cur) - 256);
    }

    auto gw = std::make_shared<gateway::Gateway>(std::move(cfg));
    gateway::HttpServer http(gw, server);
    http.start(uint16_t(config::integer("PORT", 8080, 1, 65535)));
    log::info("gateway_started", {{"port", http.port()}, {"routes", gw->routes().routes().size()}});
    int sig = rpc::wait_for_shutdown_signal();
    log::info("gateway_stopping", {{"signal", sig}});
    http.stop();
    return 0;
  } catch (const std::exception& e) {
    log::error("fatal", {{"what", e.what()}});
    return 1;
  }
}
