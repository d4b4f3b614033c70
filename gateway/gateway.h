// The gateway's request path, independent of the HTTP library. A request is parsed once
// into a RequestContext and passes named stages in one visible order, as Envoy's filter
// chain reads: each stage either answers or passes on.
//
//   head stages (need only the request head; run before the body is read):
//     cors -> route -> size_limits -> rate_limit -> session -> maintenance -> cache -> csrf
//   body stages: transcode -> call, then respond
//
// Every answer, including the HTTP front's own refusals, leaves through finish():
// security headers, CORS, metrics and the access log.
#pragma once
#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/rpc_method.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gateway/metrics.h"
#include "gateway/rate_limiter.h"
#include "gateway/routes.h"
#include "rpc/principal.h"

namespace civic::gateway {

class PublicCache;

struct GatewayConfig {
  std::string hmac_key;
  std::map<std::string, std::string> backend_addrs;  // "auth" -> "127.0.0.1:50051"
  std::vector<std::string> cors_origins;             // exact origins allowed (the two SPAs)
  std::string cookie_name = "__Host-civic_session";
  bool cookie_secure = true;
  size_t max_body_bytes = 1 << 20;
  // Largest gRPC message to or from a service (GRPC_MAX_MESSAGE_BYTES): the largest
  // declared body (10,300 KiB uploads) and the largest download with headroom.
  int max_message_bytes = 16 << 20;
  std::chrono::milliseconds call_timeout{5000};
  std::chrono::milliseconds fanout_timeout{1000};       // per service, for the home page and site-wide search
  std::chrono::milliseconds view_flush_interval{5000};  // CNT-4: how often counted views go to content
  std::chrono::milliseconds session_cache_ttl{2000};
  std::chrono::milliseconds maintenance_cache_ttl{2000};  // how long the content service's answer is reused
  std::chrono::milliseconds public_cache_ttl{0};          // anonymous public GETs served from memory (0: off)
  /// Requests per minute and client address of each route class (Route::rate_class).
  std::map<std::string, int> rate_per_minute{{"login", 10}, {"uploads", 60}, {"writes", 600}, {"reads", 6000}};
  bool trust_forwarded_for = false;                  // behind the ingress: take X-Forwarded-For
  /// Redoc's standalone bundle (npm package redoc, tools/openapi): /api/docs renders the
  /// OpenAPI document with it. Empty: /api/docs is not served.
  std::string docs_script_path;
};

/// A request as the HTTP front hands it over. Header names are lower-case, one entry
/// per name (the front joins repeated fields and refuses repeated singletons).
struct HttpRequest {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;  // raw (undecoded) pairs
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<size_t> declared_length;  // Content-Length of the head; the body's size when unset
  bool chunked = false;                   // the body comes chunked: its length is unknown until read
  std::string peer_ip;

};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
};

struct SessionInfo {
  std::string account_id, session_id, csrf_token;
  std::vector<std::string> roles;
  std::chrono::steady_clock::time_point expires;
  bool staff() const;
};

/// One request on its way through the stages: what the head says, looked up once, and
/// what the stages decided.
struct RequestContext {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  // From the request, once.
  std::string method;  // HEAD is served as GET; `head_only` remembers it
  bool head_only = false;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::string origin, content_type, csrf_header, user_agent, session_token, idempotency_key, authorization;
  std::vector<std::pair<std::string, std::string>> forwarded;  // headers some route takes into its request
  bool requested_with = false;
  std::string preflight_method;  // Access-Control-Request-Method of an OPTIONS request
  std::optional<size_t> declared_length;  // unset: a chunked body, length unknown
  std::string client_ip, request_id;
  std::string trace_id;  // W3C: the client's traceparent's, or a new one
  bool english = false;
  // Decided by the stages.
  const Route* route = nullptr;
  std::map<std::string, std::string> vars;
  std::string route_label = "unmatched";
  size_t body_limit = 0;
  std::optional<SessionInfo> session;  // the login, or the API client of a client_role route
  std::string cache_key;
  bool cacheable = false;
  bool partial = false;  // a composite missed a section: not cached
  std::string body;      // JSON (multipart uploads are converted)
  std::unique_ptr<google::protobuf::Message> request, response;
  std::optional<grpc::Slice> wire;  // the answer's bytes, rendered without parsing (render_wire)
  std::vector<std::pair<std::string, std::string>> headers;  // added to the answer (RateLimit-*)
  bool personal = true;  // Cache-Control: no-store

  bool origin_allowed = true;
};

/// A gRPC method served in the gateway's own process (portal.proto).
using LocalHandler =
    std::function<grpc::Status(RequestContext&, const google::protobuf::Message&, google::protobuf::Message&)>;

class Gateway {
 public:
  explicit Gateway(GatewayConfig config);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  /// The context of a request: headers looked up once, client address, language,
  /// request id, route.
  RequestContext context(const HttpRequest& req) const;
  /// Runs the head stages. An answer means the body must not be read (the front then
  /// closes the connection if one is coming); nullopt means read up to ctx.body_limit.
  std::optional<HttpResponse> admit(RequestContext& ctx);
  /// Runs the body stages and responds.
  HttpResponse complete(RequestContext& ctx, std::string body);
  /// Security headers, CORS, metrics and the access log of every answer.
  void finish(RequestContext& ctx, HttpResponse& resp);
  /// The whole path for a request whose body is already read.
  HttpResponse handle(const HttpRequest& req);
  /// A context for an answer the HTTP front gives before a head could be parsed.
  RequestContext bare_context(const std::string& peer_ip) const;

  /// Whether the gateway can serve: auth (every session and login) connects within
  /// `wait`. Another backend that is away degrades only its own routes (503) and the
  /// composites' parts, so it never takes the gateway out of rotation; `backends` gets
  /// each one's channel state ("ready", "connecting", "idle", "unavailable").
  bool ready(std::chrono::milliseconds wait, std::map<std::string, std::string>& backends);
  /// Waits up to `wait` (in all) for every backend channel to connect.
  void connect(std::chrono::milliseconds wait);
  const RouteTable& routes() const { return routes_; }
  Metrics& metrics() { return metrics_; }

 private:
  using Outcome = std::optional<HttpResponse>;
  using Stage = Outcome (Gateway::*)(RequestContext&);
  struct NamedStage {
    const char* name;
    Stage run;
  };
  static const NamedStage kHeadStages[9];
  static const NamedStage kBodyStages[3];
  /// Runs `stages` in order until one answers; an exception becomes a plain 500.
  template <size_t N>
  Outcome run(const NamedStage (&stages)[N], RequestContext& ctx);

  Outcome cors(RequestContext& ctx);
  Outcome route(RequestContext& ctx);
  Outcome size_limits(RequestContext& ctx);
  Outcome rate_limit(RequestContext& ctx);
  Outcome session(RequestContext& ctx);
  Outcome maintenance(RequestContext& ctx);
  Outcome cache(RequestContext& ctx);
  Outcome csrf(RequestContext& ctx);
  Outcome transcode(RequestContext& ctx);
  Outcome call(RequestContext& ctx);
  Outcome respond(RequestContext& ctx);  // always answers
  /// /healthz, /readyz, /metrics and /robots.txt: probes, scraping and crawlers, outside the API.
  Outcome operational(RequestContext& ctx);

  // portal.cpp: the composite reads.
  void register_portal();
  grpc::Status home(RequestContext& ctx, const google::protobuf::Message& in, google::protobuf::Message& out);
  grpc::Status search(RequestContext& ctx, const google::protobuf::Message& in, google::protobuf::Message& out);
  grpc::Status sitemap(RequestContext& ctx, const google::protobuf::Message& in, google::protobuf::Message& out);

 public:
  /// One call of a fan-out: `section` names its part of the composite response.
  struct Call {
    std::string section, backend, path;
    std::unique_ptr<google::protobuf::Message> request, response;
    grpc::Status status;
  };

 private:
  /// Runs every call at once, each with fanout_timeout, on the gateway's own principal.
  void call_all(std::vector<Call>& calls, const std::string& request_id);
  struct MaintenanceInfo {
    bool enabled = false;
    std::string message;
    int retry_after_seconds = 0;
    std::chrono::steady_clock::time_point expires;
  };
  /// Deadline, request id and `principal` signed, on a call to a service.
  void sign(grpc::ClientContext& ctx, const rpc::Principal& principal, std::chrono::milliseconds timeout) const;
  /// The gateway acting for nobody's session (its own reads, public composites).
  static rpc::Principal own_principal(const std::string& request_id);
  /// sign() with the gateway's own principal and BACKEND_TIMEOUT_MS.
  void sign_own_call(grpc::ClientContext& ctx, const std::string& request_id) const;
  /// The login cached under `key` for SESSION_CACHE_MS, else what `ask_auth` says (cached when valid).
  std::optional<SessionInfo> cached_login(const std::string& key,
                                          const std::function<std::optional<SessionInfo>()>& ask_auth);
  std::optional<SessionInfo> resolve_session(const std::string& token, const std::string& request_id);
  /// The API client whose credentials an Authorization header carries (AUTH-9), as a
  /// session holding its role; nullopt when they are missing or wrong.
  std::optional<SessionInfo> resolve_client(const std::string& authorization, const std::string& request_id);
  /// Maintenance mode as the content service last said (CNT-3); off when it cannot be asked.
  MaintenanceInfo maintenance_state(const std::string& request_id);
  void forget_session(const std::string& token);
  /// CNT-4: one view of the item a viewed route names (its single path variable) by the
  /// client, counted in memory (no I/O on the request path) at most once per client and
  /// item in 30 minutes.
  void count_view(const RequestContext& ctx);
  /// Sends the counted views to content in one call; kept for the next try if it fails.
  void flush_views();

  GatewayConfig config_;
  RouteTable routes_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
  std::map<std::string, LocalHandler> local_;  // by gRPC path
  std::unordered_map<const Route*, std::pair<grpc::ChannelInterface*, grpc::internal::RpcMethod>> methods_;
  std::string openapi_;
  std::string docs_script_;  // Redoc's bundle, read once at start
  std::map<std::string, std::unique_ptr<RateLimiter>> limiters_;  // by route class
  Metrics metrics_;
  std::mutex sessions_mutex_;
  std::unordered_map<std::string, SessionInfo> sessions_;  // keyed by SHA-256 of the token or credentials
  std::vector<std::string> forwarded_headers_;              // RouteTable::forwarded_headers()
  std::mutex maintenance_mutex_;
  MaintenanceInfo maintenance_;
  std::mutex views_mutex_;
  std::map<std::pair<std::string, std::string>, int64_t> views_;  // (type, item) -> views since the last flush
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> viewers_;  // type, item, client -> counted at
  std::condition_variable views_cv_;
  std::unique_ptr<PublicCache> cache_;
  bool stopping_ = false;
  std::thread view_flusher_;
};

} // namespace civic::gateway
