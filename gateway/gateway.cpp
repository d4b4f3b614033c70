#include "gateway/gateway.h"

#include <google/protobuf/dynamic_message.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>

#include <malloc.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "civic/auth.grpc.pb.h"
#include "civic/common.pb.h"
#include "civic/content.grpc.pb.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/trace.h"
#include "gateway/errors.h"
#include "gateway/http1.h"
#include "gateway/multipart.h"
#include "gateway/openapi.h"
#include "gateway/public_cache.h"
#include "gateway/transcoder.h"
#include "rpc/principal.h"

namespace civic::gateway {
namespace {
using Clock = std::chrono::steady_clock;

bool unsafe(const std::string& m) { return m != "GET" && m != "HEAD" && m != "OPTIONS"; }

bool valid_request_id(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

// A route without a body still accepts the "{}" most HTTP clients send with a bare POST.
constexpr size_t kNoBodyLimit = 64;

HttpResponse origin_refused(bool english) {
  return errors::http(403, "許可されていないオリジンです", "Origin not allowed.", english);
}
} // namespace

// The order of the stages is the gateway's request path; read it here.
const Gateway::NamedStage Gateway::kHeadStages[] = {
    {"operational", &Gateway::operational}, {"cors", &Gateway::cors},       {"route", &Gateway::route},
    {"size_limits", &Gateway::size_limits}, {"rate_limit", &Gateway::rate_limit}, {"session", &Gateway::session},
    {"maintenance", &Gateway::maintenance}, {"cache", &Gateway::cache},     {"csrf", &Gateway::csrf},
};
const Gateway::NamedStage Gateway::kBodyStages[] = {
    {"transcode", &Gateway::transcode},
    {"call", &Gateway::call},
    {"respond", &Gateway::respond},
};

bool SessionInfo::staff() const {
  return std::any_of(roles.begin(), roles.end(), [](const std::string& r) { return r == "editor" || r == "admin"; });
}

Gateway::Gateway(GatewayConfig config)
    : config_(std::move(config)),
      routes_(RouteTable::build(served_files())),
      cache_(std::make_unique<PublicCache>(config_.public_cache_ttl)) {
  forwarded_headers_ = routes_.forwarded_headers();
  register_portal();
  // One pass over the routes: a channel per backend, each remote method registered on it
  // once (no per-call lookup), a limiter per route class.
  for (const auto& r : routes_.routes()) {
    if (!limiters_.count(r.rate_class)) {
      auto limit = config_.rate_per_minute.find(r.rate_class);
      if (limit == config_.rate_per_minute.end()) throw std::invalid_argument("no rate limit for route class " + r.rate_class);
      limiters_[r.rate_class] = std::make_unique<RateLimiter>(limit->second);
    }
    if (local_.count(r.grpc_path)) continue;
    if (!channels_.count(r.backend)) {
      auto addr = config_.backend_addrs.find(r.backend);
      if (addr == config_.backend_addrs.end()) throw std::invalid_argument("no address configured for backend " + r.backend);
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
      // A backend that was away (a restart, a rollout, ADR 0024) is tried again at least
      // every 2 s, not after gRPC's default backoff of up to 120 s: its routes are back as
      // soon as it is.
      // (The minimum is also each attempt's connect timeout.)
      args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 250);
      args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
      args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
      args.SetMaxReceiveMessageSize(config_.max_message_bytes);  // gRPC's default 4 MiB breaks 10 MiB downloads
      args.SetMaxSendMessageSize(config_.max_message_bytes);
      channels_[r.backend] = grpc::CreateCustomChannel(addr->second, grpc::InsecureChannelCredentials(), args);
    }
    const auto& channel = channels_.at(r.backend);
    methods_.emplace(&r, std::make_pair(channel.get(), grpc::internal::RpcMethod(
                                                           r.grpc_path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC, channel)));
  }
  if (!channels_.count("auth")) throw std::invalid_argument("the auth backend is required for sessions");
  openapi_ = openapi_document(routes_);
  if (!config_.docs_script_path.empty()) {
    std::ifstream in(config_.docs_script_path, std::ios::binary);
    std::ostringstream bundle;
    bundle << in.rdbuf();
    docs_script_ = bundle.str();
    if (docs_script_.empty()) throw std::invalid_argument("API_DOCS_SCRIPT: cannot read " + config_.docs_script_path);
  }
  view_flusher_ = std::thread([this] {
    std::unique_lock lock(views_mutex_);
    while (!stopping_) {
      views_cv_.wait_for(lock, config_.view_flush_interval, [this] { return stopping_; });
      lock.unlock();
      flush_views();
      cache_->purge();
      // Backends that are away are used again as soon as they are back (see connect()).
      connect(std::chrono::milliseconds(50));
      // Hand freed memory back to the system (large bodies, expired cache entries):
      // glibc keeps it otherwise, and the pod's limit counts it (issue 12).
      malloc_trim(0);
      lock.lock();
    }
  });
}

Gateway::~Gateway() {
  {
    std::lock_guard lock(views_mutex_);
    stopping_ = true;
  }
  views_cv_.notify_all();
  if (view_flusher_.joinable()) view_flusher_.join();  // its last round sent what was left
}

void Gateway::count_view(const RequestContext& ctx) {
  if (ctx.route->view_type.empty() || ctx.vars.size() != 1) return;
  const std::string &type = ctx.route->view_type, &item = ctx.vars.begin()->second, &client = ctx.client_ip;
  constexpr size_t kMaxDistinct = 200000;  // bounded even if content stays away for long
  constexpr auto kWindow = std::chrono::minutes(30);
  auto now = Clock::now();
  std::lock_guard lock(views_mutex_);
  // One view per client, item and half hour (issue 12): reloads and cached answers are
  // not free inflation of the access statistics.
  std::string key = type + '\0' + item + '\0' + client;
  auto [seen, fresh] = viewers_.try_emplace(key, now);
  if (!fresh) {
    if (now - seen->second < kWindow) return;
    seen->second = now;
  }
  if (viewers_.size() > kMaxDistinct) viewers_.clear();
  auto it = views_.find({type, item});
  if (it != views_.end()) ++it->second;
  else if (views_.size() < kMaxDistinct) views_.emplace(std::make_pair(type, item), 1);
}

void Gateway::flush_views() {
  std::map<std::pair<std::string, std::string>, int64_t> batch;
  {
    std::lock_guard lock(views_mutex_);
    batch.swap(views_);
  }
  if (batch.empty() || !channels_.count("content")) return;
  civic::content::RecordViewsRequest req;
  for (const auto& [key, n] : batch) {
    auto* v = req.add_views();
    v->set_type(key.first);
    v->set_item_id(key.second);
    v->set_views(n);
  }
  grpc::ClientContext ctx;
  sign_own_call(ctx, crypto::uuid_v4());
  civic::common::Empty out;
  grpc::Status st = civic::content::ContentService::Stub(channels_.at("content")).RecordViews(&ctx, req, &out);
  if (st.ok()) return;
  log::warn("views_not_recorded", {{"entries", batch.size()}, {"grpc", st.error_message()}});
  std::lock_guard lock(views_mutex_);  // try again with the next batch
  for (const auto& [key, n] : batch) views_[key] += n;
}

void Gateway::connect(std::chrono::milliseconds wait) {
  // Waiting is what drives a connection attempt forward: a channel nobody polls only
  // progresses with gRPC's backup poller (every 5 s), and a fresh gateway took up to a
  // minute to reach its backends. All share one deadline, so this takes at most `wait`.
  auto deadline = std::chrono::system_clock::now() + wait;
  for (auto& [name, ch] : channels_) ch->WaitForConnected(deadline);
}

bool Gateway::ready(std::chrono::milliseconds wait, std::map<std::string, std::string>& backends) {
  connect(wait);
  for (auto& [name, ch] : channels_) {
    switch (ch->GetState(false)) {
      case GRPC_CHANNEL_READY: backends[name] = "ready"; break;
      case GRPC_CHANNEL_CONNECTING: backends[name] = "connecting"; break;
      case GRPC_CHANNEL_IDLE: backends[name] = "idle"; break;
      default: backends[name] = "unavailable";
    }
  }
  return backends.at("auth") == "ready";
}

void Gateway::sign(grpc::ClientContext& ctx, const rpc::Principal& principal, std::chrono::milliseconds timeout) const {
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  ctx.AddMetadata("x-request-id", principal.request_id());
  rpc::attach(ctx, principal, config_.hmac_key);
}

rpc::Principal Gateway::own_principal(const std::string& request_id) {
  rpc::Principal gateway;
  gateway.set_caller("gateway");
  gateway.set_request_id(request_id);
  return gateway;
}

void Gateway::sign_own_call(grpc::ClientContext& ctx, const std::string& request_id) const {
  sign(ctx, own_principal(request_id), config_.call_timeout);
}

std::optional<SessionInfo> Gateway::cached_login(const std::string& key,
                                                 const std::function<std::optional<SessionInfo>()>& ask_auth) {
  auto now = Clock::now();
  {
    std::lock_guard lock(sessions_mutex_);
    auto it = sessions_.find(key);
    if (it != sessions_.end()) {
      if (it->second.expires > now) return it->second;
      sessions_.erase(it);
    }
  }
  std::optional<SessionInfo> info = ask_auth();
  if (!info) return std::nullopt;
  info->expires = now + config_.session_cache_ttl;
  std::lock_guard lock(sessions_mutex_);
  if (sessions_.size() > 50000) sessions_.clear();
  sessions_[key] = *info;
  return info;
}

std::optional<SessionInfo> Gateway::resolve_session(const std::string& token, const std::string& request_id) {
  return cached_login(crypto::sha256(token), [&]() -> std::optional<SessionInfo> {
    civic::auth::AuthService::Stub stub(channels_.at("auth"));
    grpc::ClientContext ctx;
    sign_own_call(ctx, request_id);
    civic::auth::ValidateSessionRequest req;
    req.set_session_token(token);
    civic::auth::ValidateSessionResponse resp;
    if (!stub.ValidateSession(&ctx, req, &resp).ok()) return std::nullopt;
    return SessionInfo{resp.account_id(), resp.session_id(), resp.csrf_token(),
                       {resp.roles().begin(), resp.roles().end()}, {}};
  });
}

Gateway::MaintenanceInfo Gateway::maintenance_state(const std::string& request_id) {
  auto now = Clock::now();
  {
    std::lock_guard lock(maintenance_mutex_);
    if (maintenance_.expires > now) return maintenance_;
  }
  MaintenanceInfo info;
  info.expires = now + config_.maintenance_cache_ttl;
  civic::content::ContentService::Stub stub(channels_.at("content"));
  grpc::ClientContext ctx;
  sign_own_call(ctx, request_id);
  civic::content::SiteSettings site;
  grpc::Status st = stub.GetSite(&ctx, civic::common::Empty(), &site);
  if (st.ok()) {
    info.enabled = site.maintenance().enabled();
    info.message = site.maintenance().message();
    info.retry_after_seconds = site.maintenance().retry_after_seconds();
  } else {
    // Fail open: a content outage must not take both sites down with it.
    log::warn("maintenance_unknown", {{"grpc_status", int(st.error_code())}});
  }
  std::lock_guard lock(maintenance_mutex_);
  maintenance_ = info;
  return info;
}

std::optional<SessionInfo> Gateway::resolve_client(const std::string& authorization, const std::string& request_id) {
  civic::auth::ValidateApiClientRequest req;
  if (authorization.rfind("Bearer ", 0) == 0) {
    req.set_secret(authorization.substr(7));
  } else if (authorization.rfind("Basic ", 0) == 0) {
    auto decoded = crypto::base64_decode(authorization.substr(6));
    auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) return std::nullopt;
    req.set_client_id(decoded->substr(0, colon));
    req.set_secret(decoded->substr(colon + 1));
  } else {
    return std::nullopt;
  }
  if (req.secret().empty() || req.secret().size() > 200 || req.client_id().size() > 64) return std::nullopt;
  // Keyed apart from session tokens: the same cache, never the same key.
  return cached_login(crypto::sha256("api-client\n" + req.client_id() + "\n" + req.secret()),
                      [&]() -> std::optional<SessionInfo> {
                        civic::auth::AuthService::Stub stub(channels_.at("auth"));
                        grpc::ClientContext ctx;
                        sign_own_call(ctx, request_id);
                        civic::auth::ValidateApiClientResponse resp;
                        if (!stub.ValidateApiClient(&ctx, req, &resp).ok()) return std::nullopt;
                        return SessionInfo{resp.client_id(), "", "", {resp.role()}, {}};
                      });
}

void Gateway::forget_session(const std::string& token) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.erase(crypto::sha256(token));
}

RequestContext Gateway::bare_context(const std::string& peer_ip) const {
  RequestContext ctx;
  ctx.client_ip = peer_ip;
  ctx.request_id = crypto::uuid_v4();
  ctx.trace_id = trace::new_trace_id();
  return ctx;
}

RequestContext Gateway::context(const HttpRequest& req) const {
  RequestContext ctx;
  ctx.head_only = req.method == "HEAD";
  ctx.method = ctx.head_only ? "GET" : req.method;
  ctx.path = req.path;
  ctx.query = req.query;
  if (!req.chunked) ctx.declared_length = req.declared_length.value_or(req.body.size());
  ctx.client_ip = req.peer_ip;
  for (const auto& [name, value] : req.headers) {
    if (name == "origin") ctx.origin = value;
    else if (name == "content-type") ctx.content_type = value;
    else if (name == "x-csrf-token") ctx.csrf_header = value;
    else if (name == "x-requested-with") ctx.requested_with = !value.empty();
    else if (name == "user-agent") ctx.user_agent = value.substr(0, 200);
    else if (name == "idempotency-key") ctx.idempotency_key = value.substr(0, 256);  // checked by the service
    else if (name == "cookie") ctx.session_token = cookie_value(value, config_.cookie_name);
    else if (name == "x-request-id" && valid_request_id(value)) ctx.request_id = value;
    else if (name == "traceparent") ctx.trace_id = trace::trace_id_of(value).value_or("");
    else if (name == "accept-language") ctx.english = prefers_english(value);
    else if (name == "access-control-request-method") ctx.preflight_method = value;
    else if (name == "authorization") ctx.authorization = value.substr(0, 1024);
    else if (std::find(forwarded_headers_.begin(), forwarded_headers_.end(), name) != forwarded_headers_.end())
      ctx.forwarded.emplace_back(name, value.substr(0, 1024));
    else if (name == "x-forwarded-for" && config_.trust_forwarded_for) {
      // The ingress appends the address it saw: the last entry is the one to trust.
      auto comma = value.rfind(',');
      std::string last = comma == std::string::npos ? value : value.substr(comma + 1);
      last.erase(0, last.find_first_not_of(' '));
      if (!last.empty() && last.size() <= 45) ctx.client_ip = last;
    }
  }
  if (ctx.request_id.empty()) ctx.request_id = crypto::uuid_v4();
  if (ctx.trace_id.empty()) ctx.trace_id = trace::new_trace_id();  // none, or not a valid one
  ctx.origin_allowed = ctx.origin.empty() || std::find(config_.cors_origins.begin(), config_.cors_origins.end(),
                                                       ctx.origin) != config_.cors_origins.end();
  return ctx;
}

template <size_t N>
Gateway::Outcome Gateway::run(const NamedStage (&stages)[N], RequestContext& ctx) {
  try {
    for (const auto& stage : stages)
      if (auto answer = (this->*stage.run)(ctx)) return answer;
  } catch (const std::exception& e) {  // never e.what() to the client
    log::error("gateway_exception", {{"what", e.what()}});
    return errors::http(500, ctx.english);
  }
  return std::nullopt;
}

// The front calls the three parts of a request on its connection's thread, perhaps with
// other connections' requests in between: each part names its request on every log line
// and every gRPC call it makes (log::RequestScope, rpc::attach).
std::optional<HttpResponse> Gateway::admit(RequestContext& ctx) {
  log::RequestScope scope(ctx.request_id, ctx.trace_id);
  return run(kHeadStages, ctx);
}

HttpResponse Gateway::complete(RequestContext& ctx, std::string body) {
  log::RequestScope scope(ctx.request_id, ctx.trace_id);
  ctx.body = std::move(body);
  return std::move(*run(kBodyStages, ctx));  // respond, the last stage, always answers
}

HttpResponse Gateway::handle(const HttpRequest& req) {
  RequestContext ctx = context(req);
  std::optional<HttpResponse> answer = admit(ctx);
  HttpResponse resp = answer ? std::move(*answer) : complete(ctx, req.body);
  finish(ctx, resp);
  return resp;
}

// ---- head stages ----------------------------------------------------------------

Gateway::Outcome Gateway::operational(RequestContext& ctx) {
  if (ctx.path == "/healthz") {
    ctx.route_label = ctx.path;
    HttpResponse r;
    r.body = R"({"status":"ok"})";
    return r;
  }
  if (ctx.path == "/readyz") {
    ctx.route_label = ctx.path;
    HttpResponse r;
    std::map<std::string, std::string> backends;
    bool ok = ready(std::chrono::milliseconds(300), backends);
    r.status = ok ? 200 : 503;
    r.body = nlohmann::json{{"status", ok ? "ready" : "unavailable"}, {"backends", backends}}.dump();
    return r;
  }
  if (ctx.path == "/robots.txt") {  // SEC-16: the API is for the SPAs, not for search engines
    ctx.route_label = ctx.path;
    ctx.personal = false;
    HttpResponse r;
    r.body = "User-agent: *\nDisallow: /api/\n";
    r.content_type = "text/plain; charset=utf-8";
    return r;
  }
  if (ctx.path == "/api/docs" || ctx.path == "/api/docs/redoc.standalone.js") {
    // The rendered API reference: Redoc (bundled from npm, served from here, no CDN)
    // reading /api/v1/openapi.json. Its page may run its own script and styles only.
    ctx.route_label = ctx.path;
    ctx.personal = false;
    if (docs_script_.empty() || ctx.method != "GET") return errors::http(404, ctx.english);
    HttpResponse r;
    if (ctx.path == "/api/docs") {
      r.body = "<!doctype html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
               "<title>API reference: Supernet / Aikasanet</title></head>\n"
               "<body><redoc spec-url=\"/api/v1/openapi.json\"></redoc>"
               "<script src=\"/api/docs/redoc.standalone.js\"></script></body></html>\n";
      r.content_type = "text/html; charset=utf-8";
    } else {
      r.body = docs_script_;
      r.content_type = "text/javascript; charset=utf-8";
    }
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
                           "frame-ancestors 'none'");
    return r;
  }
  if (ctx.path == "/metrics") {
    ctx.route_label = ctx.path;
    HttpResponse r;
    r.body = metrics_.render();
    r.content_type = "text/plain; version=0.0.4";
    return r;
  }
  return std::nullopt;
}

Gateway::Outcome Gateway::cors(RequestContext& ctx) {
  if (ctx.method != "OPTIONS") return std::nullopt;
  auto found = routes_.find(ctx.preflight_method, ctx.path);
  if (ctx.origin.empty() || !ctx.origin_allowed || !std::holds_alternative<RouteMatch>(found))
    return origin_refused(ctx.english);
  ctx.route_label = "OPTIONS " + std::get<RouteMatch>(found).route->path.text();
  HttpResponse r;
  r.status = 204;
  r.headers = {{"Access-Control-Allow-Methods", std::get<RouteMatch>(found).route->verb},
               {"Access-Control-Allow-Headers", "Content-Type, X-CSRF-Token, X-Requested-With, Accept-Language, Idempotency-Key, traceparent"},
               {"Access-Control-Max-Age", "7200"}};  // Chromium's cap; Firefox keeps a day
  return r;
}

Gateway::Outcome Gateway::route(RequestContext& ctx) {
  auto found = routes_.find(ctx.method, ctx.path);
  if (auto* miss = std::get_if<RouteMiss>(&found)) {
    if (miss->allowed.empty()) return errors::http(404, ctx.english);
    HttpResponse r = errors::http(405, ctx.english);
    std::string allow;
    for (const auto& v : miss->allowed) allow += (allow.empty() ? "" : ", ") + v + (v == "GET" ? ", HEAD" : "");
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  auto& match = std::get<RouteMatch>(found);
  ctx.route = match.route;
  ctx.vars = std::move(match.vars);
  ctx.route_label = ctx.route->verb + " " + ctx.route->path.text();
  return std::nullopt;
}

Gateway::Outcome Gateway::size_limits(RequestContext& ctx) {
  const Route& route = *ctx.route;
  size_t declared = route.max_body_bytes ? route.max_body_bytes : config_.max_body_bytes;
  ctx.body_limit = route.body.empty() && !route.server_to_server ? kNoBodyLimit : declared;
  if (ctx.declared_length.value_or(0) > ctx.body_limit) return errors::http(413, ctx.english);
  bool body_coming = !ctx.declared_length || *ctx.declared_length > 0;
  if (body_coming && !route.body.empty() && !route.server_to_server) {
    bool multipart = ctx.content_type.rfind("multipart/form-data", 0) == 0 && route.body == "*";
    if (!multipart && ctx.content_type.rfind("application/json", 0) != 0) return errors::http(415, ctx.english);
  }
  return std::nullopt;
}

Gateway::Outcome Gateway::rate_limit(RequestContext& ctx) {
  RateLimiter::Decision d = limiters_.at(ctx.route->rate_class)->check(ctx.client_ip);
  ctx.headers.emplace_back("RateLimit-Limit", std::to_string(d.limit));
  ctx.headers.emplace_back("RateLimit-Remaining", std::to_string(d.remaining));
  ctx.headers.emplace_back("RateLimit-Reset", std::to_string(d.reset_seconds));
  if (d.wait_seconds == 0) return std::nullopt;
  HttpResponse r = errors::status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                  "リクエストが多すぎます。しばらくしてからお試しください", ctx.english);
  r.headers.emplace_back("Retry-After", std::to_string(d.wait_seconds));
  return r;
}

Gateway::Outcome Gateway::session(RequestContext& ctx) {
  if (const std::string& role = ctx.route->client_role; !role.empty()) {
    // A partner system: its own credentials, never a cookie.
    ctx.session = resolve_client(ctx.authorization, ctx.request_id);
    if (!ctx.session) {
      HttpResponse r = errors::status(grpc::StatusCode::UNAUTHENTICATED, "API クライアントの認証情報がありません、または正しくありません",
                                      ctx.english);
      r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"civic\", Bearer realm=\"civic\"");
      return r;
    }
    if (std::find(ctx.session->roles.begin(), ctx.session->roles.end(), role) == ctx.session->roles.end())
      return errors::status(grpc::StatusCode::PERMISSION_DENIED, "この API クライアントには権限がありません", ctx.english);
    return std::nullopt;
  }
  // A server calling carries no session of ours: a cookie it may send is not read.
  if (!ctx.session_token.empty() && ctx.session_token.size() <= 100 && !ctx.route->server_to_server)
    ctx.session = resolve_session(ctx.session_token, ctx.request_id);
  if (ctx.route->needs_session && !ctx.session)
    return errors::status(grpc::StatusCode::UNAUTHENTICATED, "ログインが必要です", ctx.english);
  return std::nullopt;
}

Gateway::Outcome Gateway::maintenance(RequestContext& ctx) {
  // CNT-3: staff keep working; everyone else may still log in and out and read the
  // site settings, which carry the message.
  if ((ctx.session && ctx.session->staff()) || ctx.route->open_in_maintenance) return std::nullopt;
  MaintenanceInfo m = maintenance_state(ctx.request_id);
  if (!m.enabled) return std::nullopt;
  HttpResponse r = errors::status(grpc::StatusCode::UNAVAILABLE,
                                  m.message.empty() ? "ただいまメンテナンス中です" : m.message, ctx.english);
  r.headers.emplace_back("Retry-After", std::to_string(m.retry_after_seconds));
  return r;
}

Gateway::Outcome Gateway::cache(RequestContext& ctx) {
  // Anonymous reads of public routes: from the micro-cache when it has them (ADR 0010).
  const Route& route = *ctx.route;
  ctx.cacheable = cache_->enabled() && ctx.method == "GET" && !ctx.session && !route.personal &&
                  !is_file(route.method->output_type());
  if (!ctx.cacheable) return std::nullopt;
  ctx.cache_key = PublicCache::key_of(ctx.path, ctx.query);
  auto hit = cache_->get(ctx.cache_key);
  if (!hit) return std::nullopt;
  count_view(ctx);
  ctx.personal = false;
  return hit;
}

Gateway::Outcome Gateway::csrf(RequestContext& ctx) {
  // Nothing to protect where no session is read (server-to-server routes).
  if (!unsafe(ctx.method) || ctx.route->server_to_server || !ctx.route->client_role.empty()) return std::nullopt;
  if (!ctx.origin_allowed) return origin_refused(ctx.english);
  if (ctx.session) {
    if (!crypto::equal_constant_time(ctx.csrf_header, ctx.session->csrf_token))
      return errors::http(403, "CSRF トークンがありません、または正しくありません", "Missing or wrong CSRF token.",
                          ctx.english);
  } else if (!ctx.requested_with && ctx.csrf_header.empty()) {
    // A custom header forces a CORS preflight, which foreign origins fail.
    return errors::http(403, "X-Requested-With ヘッダが必要です", "The X-Requested-With header is required.",
                        ctx.english);
  }
  return std::nullopt;
}

// ---- body stages ----------------------------------------------------------------

Gateway::Outcome Gateway::transcode(RequestContext& ctx) {
  const Route& route = *ctx.route;
  if (ctx.body.size() > ctx.body_limit) return errors::http(413, ctx.english);  // no Content-Length was announced
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  ctx.request.reset(factory->GetPrototype(route.method->input_type())->New());
  ctx.response.reset(factory->GetPrototype(route.method->output_type())->New());
  std::vector<validation::Violation> violations;
  if (!ctx.body.empty() && route.body == "*" && ctx.content_type.rfind("multipart/form-data", 0) == 0) {
    // Uploads: the parts go into the request message directly, each file copied once.
    std::string problem;
    auto parts = parse_multipart(ctx.content_type, ctx.body, problem);
    if (!parts)
      return errors::invalid({{"body", "invalid_multipart", "マルチパートの形式が正しくありません",
                               "malformed multipart body: " + problem}},
                             ctx.english);
    violations = build_upload_request(route, ctx.vars, ctx.query, *parts, ctx.request.get());
    std::string().swap(ctx.body);  // the file now lives in the message only
  } else if (route.server_to_server) {
    // Path and query as usual; the body as it came, for the service to check (a
    // signature is over the exact bytes).
    violations = build_request(route, ctx.vars, ctx.query, "", ctx.request.get());
    if (const auto* raw = ctx.request->GetDescriptor()->FindFieldByName("raw_body");
        raw && raw->type() == google::protobuf::FieldDescriptor::TYPE_BYTES)
      ctx.request->GetReflection()->SetString(ctx.request.get(), raw, std::move(ctx.body));
  } else {
    violations = build_request(route, ctx.vars, ctx.query, ctx.body, ctx.request.get());
  }
  if (!violations.empty()) return errors::invalid(violations, ctx.english);
  // Declared headers (a webhook's signature) overwrite whatever query or body said.
  for (const auto& [header, field] : route.header_fields) {
    std::string value;
    for (const auto& [name, v] : ctx.forwarded)
      if (name == header) value = v;
    ctx.request->GetReflection()->SetString(ctx.request.get(), field, std::move(value));
  }
  return std::nullopt;
}

Gateway::Outcome Gateway::call(RequestContext& ctx) {
  const Route& route = *ctx.route;
  grpc::Status st;
  if (auto local = local_.find(route.grpc_path); local != local_.end()) {
    st = local->second(ctx, *ctx.request, *ctx.response);
  } else {
    rpc::Principal principal = own_principal(ctx.request_id);
    principal.set_client_ip(ctx.client_ip);
    principal.set_user_agent(ctx.user_agent);
    principal.set_idempotency_key(ctx.idempotency_key);
    if (ctx.session) {
      principal.set_account_id(ctx.session->account_id);
      principal.set_session_id(ctx.session->session_id);
      for (const auto& r : ctx.session->roles) principal.add_roles(r);
    }
    grpc::ClientContext call;
    sign(call, principal, config_.call_timeout);
    // A blocking call on the connection's own thread: simpler than a callback and a
    // future, and measured as fast within this host's noise (docs/benchmarks.md).
    const auto& [channel, method] = methods_.at(&route);
    if (is_file(route.method->output_type()) || !route.set_session_cookie.empty()) {
      st = grpc::internal::BlockingUnaryCall<google::protobuf::Message, google::protobuf::Message>(
          channel, method, &call, *ctx.request, ctx.response.get());
    } else {  // JSON from the answer's bytes (render_wire): no message built, parsed, freed
      grpc::ByteBuffer answer;
      st = grpc::internal::BlockingUnaryCall<google::protobuf::Message, grpc::ByteBuffer>(channel, method, &call,
                                                                                          *ctx.request, &answer);
      if (st.ok() && !answer.DumpToSingleSlice(&ctx.wire.emplace()).ok()) return errors::http(502, ctx.english);
    }
  }
  if (st.ok()) return std::nullopt;

  // A message over the size limit is gRPC's RESOURCE_EXHAUSTED, not a rate limit: a 429
  // would invite retrying forever. The request side is bounded by the body limits first,
  // so it is the answer that did not fit.
  if (st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
      st.error_message().find("message larger than max") != std::string::npos) {
    log::error("backend_message_too_large", {{"backend", route.backend}, {"grpc", st.error_message()}});
    return errors::http(502, ctx.english);
  }
  int retry_after = 0;
  auto details = details_of(st, &retry_after);
  for (auto& v : details) v.field = full_field_path(ctx.request->GetDescriptor(), v.field);
  std::string message = st.error_message();
  auto code = st.error_code();
  // Transport-level failures carry gRPC's own text: never show it. A service's own
  // answer (it carries our error detail, e.g. the virus scanner being down) is shown.
  bool transport = (code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED ||
                    code == grpc::StatusCode::UNKNOWN || code == grpc::StatusCode::INTERNAL ||
                    code == grpc::StatusCode::CANCELLED) &&
                   st.error_details().empty();
  if (transport) message = "一時的に利用できません。しばらくしてからお試しください";
  HttpResponse r = errors::status(code, message, ctx.english, details);
  if (retry_after > 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after));
  if (code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED)
    log::warn("backend_unavailable", {{"backend", route.backend}, {"grpc", st.error_message()}});
  return r;
}

Gateway::Outcome Gateway::respond(RequestContext& ctx) {
  const Route& route = *ctx.route;
  HttpResponse r;
  r.status = route.success_code;
  count_view(ctx);
  if (is_file(route.method->output_type())) {
    // A file or CSV: the bytes as they are, as a download when named.
    auto& file = static_cast<civic::common::HttpBody&>(*ctx.response);
    r.body = std::move(*file.mutable_data());
    r.content_type = file.content_type().empty() ? "application/octet-stream" : file.content_type();
    if (!file.filename().empty()) r.headers.emplace_back("Content-Disposition", content_disposition(file.filename()));
    return r;
  }
  std::string new_token;
  std::string_view wire;
  if (ctx.wire) wire = {reinterpret_cast<const char*>(ctx.wire->begin()), ctx.wire->size()};
  if (!ctx.wire) {
    r.body = render_response(*ctx.response, route.set_session_cookie, &new_token);
  } else if (auto json = render_wire(route.method->output_type(), wire)) {
    r.body = std::move(*json);
  } else if (ctx.response->ParseFromArray(wire.data(), int(wire.size()))) {  // what only the parser decides
    r.body = render_response(*ctx.response, "", nullptr);
  } else {
    log::error("backend_answer_unreadable", {{"backend", route.backend}, {"bytes", wire.size()}});
    return errors::http(502, ctx.english);
  }
  std::string attrs = "; Path=/; HttpOnly; SameSite=Lax";
  if (config_.cookie_secure) attrs += "; Secure";
  if (!new_token.empty()) {
    if (!ctx.session_token.empty()) forget_session(ctx.session_token);
    r.headers.emplace_back("Set-Cookie", config_.cookie_name + "=" + new_token + attrs);
  }
  if (route.clear_session_cookie) {
    if (!ctx.session_token.empty()) forget_session(ctx.session_token);
    r.headers.emplace_back("Set-Cookie", config_.cookie_name + "=" + attrs + "; Max-Age=0");
  }
  if (r.status == 204) r.body.clear();
  if (ctx.cacheable && !ctx.partial) {
    cache_->put(ctx.cache_key, r);
    ctx.personal = false;
  }
  return r;
}

void Gateway::finish(RequestContext& ctx, HttpResponse& resp) {
  log::RequestScope scope(ctx.request_id, ctx.trace_id);
  auto& h = resp.headers;
  for (auto& extra : ctx.headers) h.push_back(std::move(extra));
  ctx.headers.clear();
  bool own_policy = std::any_of(h.begin(), h.end(), [](const auto& kv) { return kv.first == "Content-Security-Policy"; });
  if (!own_policy) h.emplace_back("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  h.emplace_back("X-Frame-Options", "DENY");
  h.emplace_back("X-Content-Type-Options", "nosniff");
  h.emplace_back("Referrer-Policy", "no-referrer");
  h.emplace_back("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  bool personal = ctx.personal || resp.status >= 400;
  h.emplace_back("Cache-Control", personal ? "no-store" : "no-cache");
  if (personal) h.emplace_back("X-Robots-Tag", "noindex, nofollow");  // SEC-16: personal and staff answers
  h.emplace_back("X-Request-Id", ctx.request_id);
  if (!ctx.origin.empty() && ctx.origin_allowed) {
    h.emplace_back("Access-Control-Allow-Origin", ctx.origin);
    h.emplace_back("Access-Control-Allow-Credentials", "true");
    // What a cross-origin SPA may read beyond the CORS-safelisted headers: when to retry,
    // the rate-limit budget, the request id to quote, a download's filename.
    h.emplace_back("Access-Control-Expose-Headers",
                   "Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, X-Request-Id, Content-Disposition");
  }
  h.emplace_back("Vary", "Origin, Cookie");
  double seconds = std::chrono::duration<double>(Clock::now() - ctx.started).count();
  metrics_.observe(ctx.route_label, resp.status, seconds);
  log::info("http_access", {{"method", ctx.head_only ? "HEAD" : ctx.method},
                            {"route", ctx.route_label}, {"status", resp.status}, {"duration_ms", seconds * 1000},
                            {"account_id", ctx.session ? ctx.session->account_id : ""},
                            {"client_ip", ctx.client_ip}});
}

} // namespace civic::gateway
