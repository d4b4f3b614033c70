// [e2e] The gateway against hostile clients, over raw TCP: oversized announced and
// streamed bodies, request smuggling shapes, over-long heads, slow heads and bodies,
// uploads without a session, and JSON built to break parsers. Each case fails if its
// defence is removed: the answer must come from the head (no body sent), and the
// connection must end by the gateway's hand.
#include <catch2/catch.hpp>

#include <thread>

#include "client.h"
#include "raw_http.h"

using namespace civic::e2e;
using namespace std::chrono_literals;

namespace {
std::string ip() { return "10.77." + std::to_string(std::rand() % 250) + "." + std::to_string(std::rand() % 250); }

std::string post_head(const std::string& path, const std::string& extra) {
  return "POST " + path + " HTTP/1.1\r\nHost: gw\r\nX-Forwarded-For: " + ip() +
         "\r\nX-Requested-With: t\r\nContent-Type: application/json\r\n" + extra + "\r\n";
}

void check_json_error(const RawResponse& r, int status) {
  INFO(r.body);
  CHECK(r.status == status);
  CHECK(r.headers.count("x-content-type-options"));
  CHECK(r.headers.count("content-security-policy"));
  CHECK_FALSE(r.headers.at("x-request-id").empty());
  auto body = nlohmann::json::parse(r.body);
  CHECK(body["error"]["code"] == status);
  CHECK(r.body.find("basic_string") == std::string::npos);
  CHECK(r.body.find("bad_alloc") == std::string::npos);
}

// Sends `request` on a connection of its own: the gateway must answer `status` with its
// JSON error and every security header, then end the connection itself.
void expect_refused_and_closed(const std::string& request, int status) {
  RawConnection c;
  c.send(request);  // may fail half-way once the gateway has refused the head
  auto r = c.read_response(5s);
  REQUIRE(r);
  check_json_error(*r, status);
  CHECK(c.closed_by_server(5s));
}
} // namespace

TEST_CASE("a body announced over the route's limit is refused from the head and the connection closed", "[e2e]") {
  RawConnection c;
  REQUIRE(c.send(post_head("/api/v1/accounts", "Content-Length: 67108864\r\n")));  // 64 MiB, none of it sent
  auto r = c.read_response(5s);
  REQUIRE(r);
  check_json_error(*r, 413);
  CHECK(r->headers["connection"] == "close");
  CHECK(c.closed_by_server(5s));
}

TEST_CASE("a chunked body that keeps coming past the limit is cut off", "[e2e]") {
  RawConnection c;
  REQUIRE(c.send(post_head("/api/v1/accounts", "Transfer-Encoding: chunked\r\n")));
  std::string chunk = "10000\r\n" + std::string(0x10000, 'a') + "\r\n";  // 64 KiB a chunk, 1 MiB limit
  bool refused = false;
  for (int i = 0; i < 64 && !refused; ++i) {
    if (!c.send(chunk)) break;
    refused = c.pending().find("HTTP/1.1 413") == 0 || c.closed_by_server(1ms);
  }
  auto r = c.read_response(5s);
  REQUIRE(r);
  check_json_error(*r, 413);
  CHECK(c.closed_by_server(5s));
}

TEST_CASE("an upload without a session is refused with 401 before its body is read", "[e2e][SEC-13]") {
  expect_refused_and_closed("POST /api/v1/organizations/00000000-0000-4000-8000-000000000000/attachments HTTP/1.1\r\n"
                            "Host: gw\r\nX-Forwarded-For: " + ip() + "\r\nX-Requested-With: t\r\n"
                            "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 10000000\r\n\r\n",
                            401);
}

TEST_CASE("request smuggling shapes are refused with 400 and the connection closed", "[e2e][SEC-9]") {
  const std::vector<std::string> heads = {
      "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
      "Content-Length: 5\r\nContent-Length: 6\r\n",
      "Content-Length: 5\r\nContent-Length: 5\r\n",
      "Content-Length: 24abc\r\n",
      "Content-Length: +24\r\n",
      "Content-Length: -1\r\n",
      "Content-Length: 1e18\r\n",
      "X-Folded: a\r\n  b\r\n",
      "Content-Length : 5\r\n",
  };
  for (const auto& extra : heads) {
    INFO(extra);
    expect_refused_and_closed(post_head("/api/v1/password-resets", extra) + "{\"a\"}", 400);
  }
}

TEST_CASE("over-long request lines and header sections get 414 and 431", "[e2e]") {
  expect_refused_and_closed("GET /api/v1/grants?q=" + std::string(10000, 'a') + " HTTP/1.1\r\nHost: gw\r\n\r\n", 414);
  std::string head = "GET /healthz HTTP/1.1\r\nHost: gw\r\n";
  for (int i = 0; i < 60; ++i) head += "X-Pad-" + std::to_string(i) + ": " + std::string(1000, 'p') + "\r\n";
  expect_refused_and_closed(head + "\r\n", 431);
}

TEST_CASE("a slow head and a slow body are dropped with 408 after their timeouts", "[e2e]") {
  RawConnection head;
  REQUIRE(head.send("GET /healthz HTTP/1.1\r\nHost: gw\r\n"));  // and never the empty line
  RawConnection body;
  REQUIRE(body.send(post_head("/api/v1/password-resets", "Content-Length: 100\r\n") + "{\"email\":"));
  for (auto* c : {&head, &body}) {
    auto r = c->read_response(15s);  // tools/dev test sets the timeouts to 1.5 s
    REQUIRE(r);
    check_json_error(*r, 408);
    CHECK(c->closed_by_server(5s));
  }
}

TEST_CASE("Connection: close is honoured, keep-alive serves requests in order, HEAD has no body", "[e2e]") {
  RawConnection c;
  REQUIRE(c.send("GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\nGET /api/v1/site HTTP/1.1\r\nHost: gw\r\n\r\n"));
  auto first = c.read_response(5s);
  auto second = c.read_response(5s);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->body == R"({"status":"ok"})");
  CHECK(nlohmann::json::parse(second->body).contains("maintenance"));
  REQUIRE(c.send("HEAD /api/v1/site HTTP/1.1\r\nHost: gw\r\n\r\n"));
  c.expect_head_answers(true);
  auto head = c.read_response(5s);
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->headers["content-length"] == std::to_string(second->body.size()));
  c.expect_head_answers(false);
  REQUIRE(c.send("GET /healthz HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n"));
  auto last = c.read_response(5s);
  REQUIRE(last);
  CHECK(last->headers["connection"] == "close");
  CHECK(c.closed_by_server(5s));
  CHECK(c.pending().empty());  // HEAD sent no body bytes
}

TEST_CASE("JSON built to break parsers gets a clear 400, never a 500", "[e2e][SEC-18]") {
  Client c;
  struct Case {
    std::string body, reason;
  };
  std::vector<Case> cases = {
      {std::string(10000, '[') + std::string(10000, ']'), "too_deep"},
      {R"({"email":1e400})", "number_out_of_range"},
      {R"({"email":"a@example.jp","email":"b@example.jp"})", "duplicate_key"},
      {"{\"email\":\"\xff\xfe@example.jp\"}", "invalid_encoding"},
      {std::string("{\"email\":\"a\0b@example.jp\"}", 26), "invalid_json"},
  };
  for (const auto& k : cases) {
    INFO(k.reason);
    Response r = c.request("POST", "/api/v1/password-resets", k.body);
    CHECK(r.status == 400);
    CHECK(r.json()["error"]["details"][0]["reason"] == k.reason);
  }
  // The login a duplicate key used to pick is never attempted.
  Response r = c.request("POST", "/api/v1/sessions", R"({"login_id":"nobody","login_id":"demo_member","password":"x"})");
  CHECK(r.status == 400);
  CHECK(r.json()["error"]["details"][0]["field"] == "login_id");
}

TEST_CASE("a repeated scalar query parameter is refused with its name", "[e2e]") {
  Response r = Client().get("/api/v1/grants?q=a&q=b");
  CHECK(r.status == 400);
  CHECK(r.json()["error"]["details"][0]["field"] == "q");
  CHECK(r.json()["error"]["details"][0]["reason"] == "repeated_parameter");
}

TEST_CASE("every route class carries RateLimit headers and robots are kept off the API", "[e2e][SEC-16]") {
  Client c;
  Response r = c.get("/api/v1/grants");
  CHECK_FALSE(r.header("ratelimit-limit").empty());
  CHECK_FALSE(r.header("ratelimit-remaining").empty());
  CHECK_FALSE(r.header("ratelimit-reset").empty());
  r = c.get("/api/v1/me");
  CHECK(r.status == 401);
  CHECK(r.header("x-robots-tag").find("noindex") == 0);
  r = c.get("/robots.txt");
  CHECK(r.status == 200);
  CHECK(r.body.find("Disallow: /api/") != std::string::npos);
}

TEST_CASE("the composites are declared routes: unknown parameters are refused by name", "[e2e]") {
  Client c;
  Response r = c.get("/api/v1/home?site=supernet&debug=1");
  CHECK(r.status == 400);
  CHECK(r.json()["error"]["details"][0]["field"] == "debug");
  r = c.get("/api/v1/search?q=a&q=b");
  CHECK(r.status == 400);
  r = c.get("/api/v1/openapi.json");
  REQUIRE(r.status == 200);
  CHECK(r.json()["paths"]["/api/v1/search"]["get"]["operationId"] == "PortalService_Search");
}
