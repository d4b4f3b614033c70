// [e2e] gateway behaviour over HTTP: limits, errors, headers, keep-alive, rate limit,
// OpenAPI, health, and services refusing unsigned gRPC calls.
#include <catch2/catch.hpp>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <future>

#include "civic/auth.grpc.pb.h"
#include "civic/events.grpc.pb.h"
#include "client.h"
#include "rpc/principal.h"

using namespace civic::e2e;

namespace {
void check_security_headers(const Response& r) {
  INFO("status " << r.status);
  CHECK(r.header("content-security-policy") == "default-src 'none'; frame-ancestors 'none'");
  CHECK(r.header("x-frame-options") == "DENY");
  CHECK(r.header("x-content-type-options") == "nosniff");
  CHECK(r.header("referrer-policy") == "no-referrer");
  CHECK(r.header("strict-transport-security").find("max-age=") == 0);
  CHECK_FALSE(r.header("x-request-id").empty());
}
} // namespace

TEST_CASE("a body 1 MiB over the limit gets 413 with a JSON error", "[e2e]") {
  Client c;
  std::string big = "{\"login_id\":\"" + std::string(2 << 20, 'a') + "\"}";
  Response r = c.request("POST", "/api/v1/accounts", big);
  CHECK(r.status == 413);
  CHECK(r.json()["error"]["code"] == 413);
  check_security_headers(r);
}

TEST_CASE("malformed JSON gets a 400 JSON error that names the body", "[e2e]") {
  Client c;
  Response r = c.request("POST", "/api/v1/accounts", "{\"login_id\": ");
  REQUIRE(r.status == 400);
  CHECK(r.header("content-type").find("application/json") == 0);
  CHECK(r.json()["error"]["status"] == "INVALID_ARGUMENT");
  CHECK(r.json()["error"]["details"][0]["field"] == "body");
  CHECK(r.body.find("exception") == std::string::npos);
}

TEST_CASE("unknown routes are 404, wrong methods 405, unknown query parameters 400", "[e2e]") {
  Client c;
  Response r = c.get("/api/v1/no-such-thing");
  CHECK(r.status == 404);
  CHECK(r.json()["error"]["code"] == 404);
  check_security_headers(r);
  r = c.request("PUT", "/api/v1/sessions", "{}");
  CHECK(r.status == 405);
  CHECK(r.header("allow") == "POST");
  check_security_headers(r);
  r = c.get("/api/v1/me?debug=1");
  CHECK(r.status == 400);
  CHECK(r.json()["error"]["details"][0]["reason"] == "unknown_parameter");
}

TEST_CASE("security headers are on successes and errors alike", "[e2e][SEC-5][SEC-6]") {
  Client c;
  for (const char* path : {"/healthz", "/readyz", "/api/v1/openapi.json", "/api/v1/me", "/nowhere"}) {
    Response r = c.get(path);
    check_security_headers(r);
  }
  check_security_headers(c.post("/api/v1/sessions", {{"login_id", "x"}, {"password", "y"}}));
}

TEST_CASE("HTTP/1.1 connections stay open without a Connection header", "[e2e]") {
  Client c;
  Response r = c.get("/healthz");
  CHECK(r.status == 200);
  std::string connection = r.header("connection");
  for (auto& ch : connection) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  CHECK(connection == "keep-alive");
}

TEST_CASE("login, registration and reset are throttled per client address", "[e2e][SEC-16]") {
  Client c;  // its own address
  int limited = 0;
  Response last;
  for (int i = 0; i < 15; ++i) {
    last = c.post("/api/v1/password-resets", {{"email", "throttle@example.jp"}});
    if (last.status == 429) ++limited;
  }
  CHECK(limited >= 5);
  CHECK(last.status == 429);
  CHECK_FALSE(last.header("retry-after").empty());
  Client other;
  CHECK(other.post("/api/v1/password-resets", {{"email", "throttle@example.jp"}}).status == 202);
}

TEST_CASE("anonymous unsafe calls need a custom header and foreign origins are refused", "[e2e][SEC-6]") {
  Client c;
  Response r = c.request("POST", "/api/v1/password-resets", R"({"email":"a@example.jp"})",
                         {"Origin: https://evil.example.com"});
  CHECK(r.status == 403);
  r = c.request("OPTIONS", "/api/v1/sessions", "", {"Origin: http://localhost:5173", "Access-Control-Request-Method: POST"});
  CHECK(r.status == 204);
  CHECK(r.header("access-control-allow-origin") == "http://localhost:5173");
  CHECK(r.header("access-control-max-age") == "7200");  // the preflight is cached
  r = c.request("OPTIONS", "/api/v1/sessions", "", {"Origin: https://evil.example.com", "Access-Control-Request-Method: POST"});
  CHECK(r.status == 403);
  CHECK(r.header("access-control-allow-origin").empty());

  // An allowed origin may read the headers an SPA needs (Retry-After, RateLimit-*, the
  // request id, a download's filename); a foreign one gets no CORS headers at all.
  r = c.request("GET", "/api/v1/taxonomies", "", {"Origin: http://localhost:5173"});
  CHECK(r.status == 200);
  CHECK(r.header("access-control-allow-origin") == "http://localhost:5173");
  std::string exposed = r.header("access-control-expose-headers");
  for (const char* h : {"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "X-Request-Id",
                        "Content-Disposition"}) {
    INFO(h);
    CHECK(exposed.find(h) != std::string::npos);
  }
  r = c.request("GET", "/api/v1/taxonomies", "", {"Origin: https://evil.example.com"});
  CHECK(r.header("access-control-allow-origin").empty());
  CHECK(r.header("access-control-expose-headers").empty());
}

TEST_CASE("the OpenAPI document, health and metrics are served", "[e2e]") {
  Client c;
  Response r = c.get("/api/v1/openapi.json");
  REQUIRE(r.status == 200);
  CHECK(r.json()["paths"].contains("/api/v1/sessions"));
  CHECK(c.get("/healthz").status == 200);
  CHECK(c.get("/readyz").status == 200);
  r = c.get("/metrics");
  CHECK(r.status == 200);
  CHECK(r.body.find("civic_http_requests_total") != std::string::npos);
}

TEST_CASE("every auth method refuses a call without a valid principal signature", "[e2e][SEC-8]") {
  auto channel = grpc::CreateChannel(env("AUTH_SERVICE_ADDR"), grpc::InsecureChannelCredentials());
  grpc::TemplatedGenericStub<google::protobuf::Message, google::protobuf::Message> stub(channel);
  const auto* service = civic::auth::Account::descriptor()->file()->FindServiceByName("AuthService");
  for (int i = 0; i < service->method_count(); ++i) {
    const auto* m = service->method(i);
    auto* factory = google::protobuf::MessageFactory::generated_factory();
    std::unique_ptr<google::protobuf::Message> req(factory->GetPrototype(m->input_type())->New());
    std::unique_ptr<google::protobuf::Message> resp(factory->GetPrototype(m->output_type())->New());
    for (bool forged : {false, true}) {
      grpc::ClientContext ctx;
      if (forged) {
        civic::rpc::Principal p;
        p.set_account_id("00000000-0000-4000-8000-000000000000");
        p.add_roles("admin");
        civic::rpc::attach(ctx, p, std::string(32, 'x'));  // wrong key
      }
      std::promise<grpc::Status> done;
      stub.UnaryCall(&ctx, "/" + service->full_name() + "/" + m->name(), grpc::StubOptions(), req.get(), resp.get(),
                     [&](grpc::Status s) { done.set_value(s); });
      INFO(m->name() << (forged ? " forged" : " unsigned"));
      CHECK(done.get_future().get().error_code() == grpc::StatusCode::UNAUTHENTICATED);
    }
  }
}

TEST_CASE("a replayed mail event sends one mail and a CR/LF recipient sends none", "[e2e][SEC-7][SEC-11]") {
  auto channel = grpc::CreateChannel(env("NOTIFICATION_SERVICE_ADDR"), grpc::InsecureChannelCredentials());
  auto stub = civic::events::EventSink::NewStub(channel);
  std::string to = unique("replay_") + "@example.jp";
  civic::events::MailRequested m;
  m.set_template_("auth.password_changed");
  m.set_to(to);
  (*m.mutable_variables())["login_id"] = "replay";
  civic::events::Event e;
  e.set_id(civic::crypto::uuid_v4());
  e.set_type("mail.requested");
  e.set_payload(m.SerializeAsString());
  civic::rpc::Principal service;
  service.add_roles("service");
  service.set_caller("e2e");
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    civic::rpc::attach(ctx, service, env("INTERNAL_HMAC_KEY"));
    civic::events::DeliverResponse resp;
    REQUIRE(stub->Deliver(&ctx, e, &resp).ok());
  }
  REQUIRE(wait_for_mail(to));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(mail_count(to) == 1);

  civic::events::MailRequested evil = m;
  std::string victim = unique("victim_") + "@example.jp";
  evil.set_to(to + "\r\nBcc: " + victim);
  e.set_id(civic::crypto::uuid_v4());
  e.set_payload(evil.SerializeAsString());
  grpc::ClientContext ctx;
  civic::rpc::attach(ctx, service, env("INTERNAL_HMAC_KEY"));
  civic::events::DeliverResponse resp;
  REQUIRE(stub->Deliver(&ctx, e, &resp).ok());  // accepted and recorded as rejected, not retried forever
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(mail_count(victim) == 0);
  CHECK(mail_count(to) == 1);
}

TEST_CASE("a member cannot deliver events to the notification service", "[e2e][SEC-8]") {
  auto channel = grpc::CreateChannel(env("NOTIFICATION_SERVICE_ADDR"), grpc::InsecureChannelCredentials());
  auto stub = civic::events::EventSink::NewStub(channel);
  civic::rpc::Principal member;
  member.set_account_id(civic::crypto::uuid_v4());
  member.add_roles("member");
  grpc::ClientContext ctx;
  civic::rpc::attach(ctx, member, env("INTERNAL_HMAC_KEY"));
  civic::events::Event e;
  e.set_id(civic::crypto::uuid_v4());
  civic::events::DeliverResponse resp;
  CHECK(stub->Deliver(&ctx, e, &resp).error_code() == grpc::StatusCode::PERMISSION_DENIED);
}
