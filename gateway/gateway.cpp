#include "gateway/gateway.h"

#include <google/protobuf/dynamic_message.h>
#include <grpcpp/generic/generic_stub.h>

#include <algorithm>
#include <future>

#include "civic/auth.grpc.pb.h"
#include "civic/common.pb.h"
#include "civic/content.grpc.pb.h"
#include "core/crypto.h"
#include "core/log.h"
#include "gateway/multipart.h"
#include "gateway/openapi.h"
#include "gateway/public_cache.h"
#include "gateway/transcoder.h"
#include "rpc/principal.h"

namespace civic::gateway {
namespace {
using Clock = std::chrono::steady_clock;

bool unsafe(const std::string& m) { return m != "GET" && m != "HEAD" && m != "OPTIONS"; }

std::string header(const HttpRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

bool valid_request_id(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

HttpResponse error(grpc::StatusCode code, const std::string& message, bool english,
                   const std::vector<validation::Violation>& details = {}) {
  HttpResponse r;
  r.status = http_status(code);
  r.body = error_body(code, message, details, english);
  return r;
}

HttpResponse plain_error(int status, const char* name, const std::string& ja, const std::string& en, bool english) {
  HttpResponse r;
  r.status = status;
  nlohmann::json body = {{"error", {{"code", status}, {"status", name}, {"message", english ? en : ja},
                                    {"details", nlohmann::json::array()}}}};
  r.body = body.dump();
  return r;
}

using GenericStub = grpc::TemplatedGenericStub<google::protobuf::Message, google::protobuf::Message>;
} // namespace

std::string cookie_value(std::string_view header_value, std::string_view name) {
  size_t i = 0;
  while (i < header_value.size()) {
    size_t end = header_value.find(';', i);
    if (end == std::string_view::npos) end = header_value.size();
    std::string_view pair = header_value.substr(i, end - i);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
    i = end + 1;
  }
  return "";
}

Gateway::Gateway(GatewayConfig config)
    : config_(std::move(config)),
      routes_(RouteTable::build(served_files())),
      limiter_(config_.rate_limit_per_minute),
      cache_(std::make_unique<PublicCache>(config_.public_cache_ttl)) {
  for (const auto& name : routes_.backends()) {
    auto it = config_.backend_addrs.find(name);
    if (it == config_.backend_addrs.end()) throw std::invalid_argument("no address configured for backend " + name);
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
    channels_[name] = grpc::CreateCustomChannel(it->second, grpc::InsecureChannelCredentials(), args);
  }
  if (!channels_.count("auth")) throw std::invalid_argument("the auth backend is required for sessions");
  openapi_ = openapi_document(routes_);
  view_flusher_ = std::thread([this] {
    std::unique_lock lock(views_mutex_);
    while (!stopping_) {
      views_cv_.wait_for(lock, config_.view_flush_interval, [this] { return stopping_; });
      lock.unlock();
      flush_views();
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

void Gateway::count_view(const std::string& type, const std::string& item) {
  constexpr size_t kMaxDistinct = 200000;  // bounded even if content stays away for long
  std::lock_guard lock(views_mutex_);
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

bool Gateway::ready(std::chrono::milliseconds wait) {
  auto deadline = std::chrono::system_clock::now() + wait;
  for (auto& [name, ch] : channels_)
    if (!ch->WaitForConnected(deadline)) return false;
  return true;
}

std::string Gateway::client_ip(const HttpRequest& req) const {
  if (config_.trust_forwarded_for) {
    std::string xff = header(req, "x-forwarded-for");
    if (!xff.empty()) {
      // The ingress appends the address it saw: the last entry is the one to trust.
      auto comma = xff.rfind(',');
      std::string last = comma == std::string::npos ? xff : xff.substr(comma + 1);
      last.erase(0, last.find_first_not_of(' '));
      if (!last.empty() && last.size() <= 45) return last;
    }
  }
  return req.peer_ip;
}

void Gateway::sign_own_call(grpc::ClientContext& ctx, const std::string& request_id) const {
  ctx.set_deadline(std::chrono::system_clock::now() + config_.call_timeout);
  rpc::Principal gateway;
  gateway.set_caller("gateway");
  gateway.set_request_id(request_id);
  rpc::attach(ctx, gateway, config_.hmac_key);
}

std::optional<Gateway::SessionInfo> Gateway::resolve_session(const std::string& token, const std::string& request_id) {
  std::string key = crypto::sha256(token);
  auto now = Clock::now();
  {
    std::lock_guard lock(sessions_mutex_);
    auto it = sessions_.find(key);
    if (it != sessions_.end()) {
      if (it->second.expires > now) return it->second;
      sessions_.erase(it);
    }
  }
  civic::auth::AuthService::Stub stub(channels_.at("auth"));
  grpc::ClientContext ctx;
  sign_own_call(ctx, request_id);
  civic::auth::ValidateSessionRequest req;
  req.set_session_token(token);
  civic::auth::ValidateSessionResponse resp;
  grpc::Status st = stub.ValidateSession(&ctx, req, &resp);
  if (!st.ok()) return std::nullopt;
  SessionInfo info{resp.account_id(), resp.session_id(), resp.csrf_token(),
                   {resp.roles().begin(), resp.roles().end()}, now + config_.session_cache_ttl};
  std::lock_guard lock(sessions_mutex_);
  if (sessions_.size() > 50000) sessions_.clear();
  sessions_[key] = info;
  return info;
}

Gateway::MaintenanceInfo Gateway::maintenance(const std::string& request_id) {
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
    log::warn("maintenance_unknown", {{"request_id", request_id}, {"grpc_status", int(st.error_code())}});
  }
  std::lock_guard lock(maintenance_mutex_);
  maintenance_ = info;
  return info;
}

void Gateway::forget_session(const std::string& token) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.erase(crypto::sha256(token));
}

void Gateway::finish(const HttpRequest& req, HttpResponse& resp, const std::string& request_id, bool personal) const {
  auto& h = resp.headers;
  h.emplace_back("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  h.emplace_back("X-Frame-Options", "DENY");
  h.emplace_back("X-Content-Type-Options", "nosniff");
  h.emplace_back("Referrer-Policy", "no-referrer");
  h.emplace_back("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  h.emplace_back("Cache-Control", personal || resp.status >= 400 ? "no-store" : "no-cache");
  h.emplace_back("X-Request-Id", request_id);
  std::string origin = header(req, "origin");
  if (!origin.empty() &&
      std::find(config_.cors_origins.begin(), config_.cors_origins.end(), origin) != config_.cors_origins.end()) {
    h.emplace_back("Access-Control-Allow-Origin", origin);
    h.emplace_back("Access-Control-Allow-Credentials", "true");
  }
  h.emplace_back("Vary", "Origin, Cookie");
  if (req.http11 && header(req, "connection") != "close") h.emplace_back("Connection", "keep-alive");
}

HttpResponse Gateway::handle(const HttpRequest& req) {
  auto started = Clock::now();
  std::string request_id = header(req, "x-request-id");
  if (!valid_request_id(request_id)) request_id = crypto::uuid_v4();
  bool english = header(req, "accept-language").rfind("en", 0) == 0;
  std::string route_label = "unmatched";
  std::string account_id;
  HttpResponse resp;
  bool personal = true;
  try {
    if (req.path == "/healthz") {
      route_label = "/healthz";
      resp.body = R"({"status":"ok"})";
    } else if (req.path == "/readyz") {
      route_label = "/readyz";
      bool ok = ready(std::chrono::milliseconds(300));
      resp.status = ok ? 200 : 503;
      resp.body = ok ? R"({"status":"ready"})" : R"({"status":"unavailable"})";
    } else if (req.path == "/metrics") {
      route_label = "/metrics";
      resp.body = metrics_.render();
      resp.content_type = "text/plain; version=0.0.4";
    } else if (req.path == "/api/v1/openapi.json" && req.method == "GET") {
      route_label = "/api/v1/openapi.json";
      personal = false;
      resp.body = openapi_;
    } else {
      resp = route_api(req, request_id, route_label, account_id);
    }
  } catch (const std::exception& e) {
    log::error("gateway_exception", {{"request_id", request_id}, {"what", e.what()}});
    resp = error(grpc::StatusCode::INTERNAL, "内部エラーが発生しました", english);
  }
  finish(req, resp, request_id, personal);
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  metrics_.observe(route_label, resp.status, seconds);
  log::info("http_access", {{"request_id", request_id}, {"method", req.method}, {"route", route_label},
                            {"status", resp.status}, {"duration_ms", seconds * 1000}, {"account_id", account_id},
                            {"client_ip", client_ip(req)}});
  return resp;
}

HttpResponse Gateway::route_api(const HttpRequest& req, const std::string& request_id, std::string& route_label,
                                std::string& account_id) {
  bool english = header(req, "accept-language").rfind("en", 0) == 0;
  std::string origin = header(req, "origin");
  bool origin_allowed = origin.empty() || std::find(config_.cors_origins.begin(), config_.cors_origins.end(),
                                                    origin) != config_.cors_origins.end();

  // CORS preflight.
  if (req.method == "OPTIONS") {
    auto found = routes_.find(header(req, "access-control-request-method"), req.path);
    if (origin.empty() || !origin_allowed || !std::holds_alternative<RouteMatch>(found))
      return plain_error(403, "PERMISSION_DENIED", "許可されていないオリジンです", "Origin not allowed.", english);
    HttpResponse r;
    r.status = 204;
    r.headers = {{"Access-Control-Allow-Methods", std::get<RouteMatch>(found).route->verb},
                 {"Access-Control-Allow-Headers", "Content-Type, X-CSRF-Token, X-Requested-With, Accept-Language"},
                 {"Access-Control-Max-Age", "600"}};
    return r;
  }

  // The gateway's own composite reads (home page, site-wide search) have no route in
  // the table but take the same session and maintenance steps below.
  bool composite = req.path == "/api/v1/home" || req.path == "/api/v1/search";
  std::optional<RouteMatch> matched;
  std::string body = req.body;
  if (!composite) {
    auto found = routes_.find(req.method, req.path);
    if (auto* miss = std::get_if<RouteMiss>(&found)) {
      if (miss->allowed.empty())
        return plain_error(404, "NOT_FOUND", "見つかりません", "Not found.", english);
      HttpResponse r = plain_error(405, "METHOD_NOT_ALLOWED", "このメソッドは使用できません", "Method not allowed.", english);
      std::string allow;
      for (const auto& v : miss->allowed) allow += (allow.empty() ? "" : ", ") + v;
      r.headers.emplace_back("Allow", allow);
      return r;
    }
    matched = std::get<RouteMatch>(found);
    const Route& route = *matched->route;
    route_label = route.verb + " " + route.path.text();
    if (req.body.size() > (route.max_body_bytes ? route.max_body_bytes : config_.max_body_bytes))
      return plain_error(413, "PAYLOAD_TOO_LARGE", "リクエストが大きすぎます", "Request body too large.", english);
    if (!req.body.empty() && !route.body.empty()) {
      std::string ct = header(req, "content-type");
      if (ct.rfind("multipart/form-data", 0) == 0 && route.body == "*") {
        // Uploads: the parts become the JSON the transcoder reads (files as HttpBody).
        std::string problem;
        auto parts = multipart_to_json(ct, req.body, problem);
        if (!parts)
          return error(grpc::StatusCode::INVALID_ARGUMENT, "入力内容に誤りがあります", english,
                       {{"body", "invalid_multipart", "マルチパートの形式が正しくありません", "malformed multipart body: " + problem}});
        body = parts->dump();
      } else if (ct.rfind("application/json", 0) != 0) {
        return plain_error(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type は application/json にしてください",
                           "Content-Type must be application/json.", english);
      }
    }
  }

  std::string ip = client_ip(req);
  if (matched && matched->route->rate_limited) {
    if (int wait = limiter_.acquire(ip); wait > 0) {
      HttpResponse r = error(grpc::StatusCode::RESOURCE_EXHAUSTED, "リクエストが多すぎます。しばらくしてからお試しください", english);
      r.headers.emplace_back("Retry-After", std::to_string(wait));
      return r;
    }
  }

  // Session and CSRF.
  std::string token = cookie_value(header(req, "cookie"), config_.cookie_name);
  std::optional<SessionInfo> session;
  if (!token.empty() && token.size() <= 100) session = resolve_session(token, request_id);
  // Maintenance (CNT-3): staff keep working; everyone else may still log in and out and
  // read the site settings, which carry the message.
  bool staff = session && std::any_of(session->roles.begin(), session->roles.end(),
                                      [](const std::string& r) { return r == "editor" || r == "admin"; });
  if (!staff && !(matched && matched->route->open_in_maintenance)) {
    if (MaintenanceInfo m = maintenance(request_id); m.enabled) {
      HttpResponse r = error(grpc::StatusCode::UNAVAILABLE,
                             m.message.empty() ? "ただいまメンテナンス中です" : m.message, english);
      r.headers.emplace_back("Retry-After", std::to_string(m.retry_after_seconds));
      return r;
    }
  }
  const Route* route_of = matched ? matched->route : nullptr;
  // Anonymous reads of public routes: from the micro-cache when it has them (ADR 0010).
  bool cacheable = cache_->enabled() && req.method == "GET" && !session &&
                   (composite || (!route_of->personal &&
                                  route_of->method->output_type() != civic::common::HttpBody::descriptor()));
  std::string cache_key;
  if (cacheable) {
    cache_key = PublicCache::key_of(req);
    if (auto hit = cache_->get(cache_key)) {
      if (composite) route_label = "GET " + req.path;
      else if (!route_of->view_type.empty() && matched->vars.size() == 1)
        count_view(route_of->view_type, matched->vars.begin()->second);
      return *hit;
    }
  }
  if (composite) {  // public reads: no CSRF, no body
    bool partial = false;
    HttpResponse r = aggregate(req, request_id, english, route_label, partial);
    if (cacheable && !partial) cache_->put(cache_key, r);
    return r;
  }
  const RouteMatch& match = *matched;
  const Route& route = *match.route;

  if (unsafe(req.method)) {
    if (!origin_allowed)
      return plain_error(403, "PERMISSION_DENIED", "許可されていないオリジンです", "Origin not allowed.", english);
    if (session) {
      if (!crypto::equal_constant_time(header(req, "x-csrf-token"), session->csrf_token))
        return plain_error(403, "PERMISSION_DENIED", "CSRF トークンがありません、または正しくありません",
                           "Missing or wrong CSRF token.", english);
    } else if (header(req, "x-requested-with").empty() && header(req, "x-csrf-token").empty()) {
      // A custom header forces a CORS preflight, which foreign origins fail.
      return plain_error(403, "PERMISSION_DENIED", "X-Requested-With ヘッダが必要です",
                         "The X-Requested-With header is required.", english);
    }
  }

  // Transcode.
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<google::protobuf::Message> request(factory->GetPrototype(route.method->input_type())->New());
  std::unique_ptr<google::protobuf::Message> response(factory->GetPrototype(route.method->output_type())->New());
  auto violations = build_request(route, match.vars, req.query, body, request.get());
  if (!violations.empty())
    return error(grpc::StatusCode::INVALID_ARGUMENT, "入力内容に誤りがあります", english, violations);

  rpc::Principal principal;
  principal.set_caller("gateway");
  principal.set_request_id(request_id);
  principal.set_client_ip(ip);
  principal.set_user_agent(header(req, "user-agent").substr(0, 200));
  if (session) {
    principal.set_account_id(session->account_id);
    principal.set_session_id(session->session_id);
    for (const auto& r : session->roles) principal.add_roles(r);
    account_id = session->account_id;
  }

  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + config_.call_timeout);
  ctx.AddMetadata("x-request-id", request_id);
  rpc::attach(ctx, principal, config_.hmac_key);
  GenericStub stub(channels_.at(route.backend));
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, route.grpc_path, grpc::StubOptions(), request.get(), response.get(),
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  grpc::Status st = done.get_future().get();

  if (!st.ok()) {
    int retry_after = 0;
    auto details = details_of(st, &retry_after);
    std::string message = st.error_message();
    // Transport-level failures carry gRPC's own text: never show it.
    if (st.error_code() == grpc::StatusCode::UNAVAILABLE || st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
        st.error_code() == grpc::StatusCode::UNKNOWN || st.error_code() == grpc::StatusCode::INTERNAL ||
        st.error_code() == grpc::StatusCode::CANCELLED)
      message = "一時的に利用できません。しばらくしてからお試しください";
    HttpResponse r = error(st.error_code(), message, english, details);
    if (retry_after > 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after));
    if (st.error_code() == grpc::StatusCode::UNAVAILABLE || st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      log::warn("backend_unavailable", {{"request_id", request_id}, {"backend", route.backend},
                                        {"grpc", st.error_message()}});
    return r;
  }

  HttpResponse r;
  r.status = route.success_code;
  if (!route.view_type.empty() && match.vars.size() == 1) count_view(route.view_type, match.vars.begin()->second);
  if (route.method->output_type() == civic::common::HttpBody::descriptor()) {
    // A file or CSV: the bytes as they are, as a download when named.
    const auto& file = static_cast<const civic::common::HttpBody&>(*response);
    r.body = file.data();
    r.content_type = file.content_type().empty() ? "application/octet-stream" : file.content_type();
    if (!file.filename().empty()) r.headers.emplace_back("Content-Disposition", content_disposition(file.filename()));
    return r;
  }
  std::string new_token;
  r.body = render_response(*response, route.set_session_cookie, &new_token);
  std::string attrs = "; Path=/; HttpOnly; SameSite=Lax";
  if (config_.cookie_secure) attrs += "; Secure";
  if (!new_token.empty()) {
    if (!token.empty()) forget_session(token);
    r.headers.emplace_back("Set-Cookie", config_.cookie_name + "=" + new_token + attrs);
  }
  if (route.clear_session_cookie) {
    if (!token.empty()) forget_session(token);
    r.headers.emplace_back("Set-Cookie", config_.cookie_name + "=" + attrs + "; Max-Age=0");
  }
  if (r.status == 204) r.body.clear();
  if (cacheable) cache_->put(cache_key, r);
  return r;
}

} // namespace civic::gateway
