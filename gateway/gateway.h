// The gateway's request path, independent of the HTTP library: route match ->
// session -> CSRF/CORS/rate limit -> transcode -> gRPC call -> status mapping, with
// security headers on every response.
#pragma once
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <thread>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/metrics.h"
#include "gateway/rate_limiter.h"
#include "gateway/routes.h"

namespace civic::gateway {

class PublicCache;

struct GatewayConfig {
  std::string hmac_key;
  std::map<std::string, std::string> backend_addrs;  // "auth" -> "127.0.0.1:50051"
  std::vector<std::string> cors_origins;             // exact origins allowed (the two SPAs)
  std::string cookie_name = "__Host-civic_session";
  bool cookie_secure = true;
  size_t max_body_bytes = 1 << 20;
  std::chrono::milliseconds call_timeout{5000};
  std::chrono::milliseconds fanout_timeout{1000};       // per service, for the home page and site-wide search
  std::chrono::milliseconds view_flush_interval{5000};  // CNT-4: how often counted views go to content
  std::chrono::milliseconds session_cache_ttl{2000};
  std::chrono::milliseconds maintenance_cache_ttl{2000};  // how long the content service's answer is reused
  std::chrono::milliseconds public_cache_ttl{0};          // anonymous public GETs served from memory (0: off)
  int rate_limit_per_minute = 10;                    // per client address, rate-limited routes
  bool trust_forwarded_for = false;                  // behind the ingress: take X-Forwarded-For
};

struct HttpRequest {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;  // raw pairs
  std::map<std::string, std::string> headers;              // lower-case names
  std::string body;
  std::string peer_ip;
  bool http11 = true;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
};

class Gateway {
 public:
  explicit Gateway(GatewayConfig config);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  HttpResponse handle(const HttpRequest& req);

  /// Ready when every backend channel can connect within `wait`.
  bool ready(std::chrono::milliseconds wait);
  const RouteTable& routes() const { return routes_; }
  Metrics& metrics() { return metrics_; }

  /// One call of a fan-out: `section` names its part of the composite response.
  struct Call {
    std::string section, backend, path;
    std::unique_ptr<google::protobuf::Message> request, response;
    grpc::Status status;
  };

 private:
  /// GET /api/v1/home (else /api/v1/search) after route_api's session and maintenance
  /// steps (aggregates.cpp).
  /// `partial` is set when a service did not answer in time.
  HttpResponse aggregate(const HttpRequest& req, const std::string& request_id, bool english, std::string& route_label,
                         bool& partial);
  /// Runs every call at once, each with fanout_timeout, on the gateway's own principal.
  void call_all(std::vector<Call>& calls, const std::string& request_id);
  struct SessionInfo {
    std::string account_id, session_id, csrf_token;
    std::vector<std::string> roles;
    std::chrono::steady_clock::time_point expires;
  };
  HttpResponse route_api(const HttpRequest& req, const std::string& request_id, std::string& route_label,
                         std::string& account_id);
  struct MaintenanceInfo {
    bool enabled = false;
    std::string message;
    int retry_after_seconds = 0;
    std::chrono::steady_clock::time_point expires;
  };
  /// Deadline and the gateway's own signed principal, for calls made on its own behalf.
  void sign_own_call(grpc::ClientContext& ctx, const std::string& request_id) const;
  std::optional<SessionInfo> resolve_session(const std::string& token, const std::string& request_id);
  /// Maintenance mode as the content service last said (CNT-3); off when it cannot be asked.
  MaintenanceInfo maintenance(const std::string& request_id);
  void forget_session(const std::string& token);
  std::string client_ip(const HttpRequest& req) const;
  void finish(const HttpRequest& req, HttpResponse& resp, const std::string& request_id, bool personal) const;
  /// CNT-4: one view of `item` of `type`, counted in memory (no I/O on the request path).
  void count_view(const std::string& type, const std::string& item);
  /// Sends the counted views to content in one call; kept for the next try if it fails.
  void flush_views();

  GatewayConfig config_;
  RouteTable routes_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
  std::string openapi_;
  RateLimiter limiter_;
  Metrics metrics_;
  std::mutex sessions_mutex_;
  std::unordered_map<std::string, SessionInfo> sessions_;  // keyed by SHA-256 of the token
  std::mutex maintenance_mutex_;
  MaintenanceInfo maintenance_;
  std::mutex views_mutex_;
  std::map<std::pair<std::string, std::string>, int64_t> views_;  // (type, item) -> views since the last flush
  std::condition_variable views_cv_;
  std::unique_ptr<PublicCache> cache_;
  bool stopping_ = false;
  std::thread view_flusher_;
};

/// The value of cookie `name` in a Cookie header, or "".
std::string cookie_value(std::string_view header, std::string_view name);

} // namespace civic::gateway
