// [unit] gateway/http1: RFC 9112 framing of request heads and chunked bodies, the
// refusals that request smuggling and oversized heads meet, the response head; and the
// JSON shape check in front of protobuf's parser.
#include <catch2/catch.hpp>

#include "civic/grants.pb.h"
#include "gateway/http1.h"
#include "gateway/routes.h"
#include "gateway/transcoder.h"

using namespace civic::gateway;
using http1::Head;
using http1::Refusal;

namespace {
http1::Limits limits;

Head head_of(std::string_view raw) {
  auto r = http1::parse_head(raw, limits);
  if (auto* refusal = std::get_if<Refusal>(&r)) FAIL("refused " << refusal->status << " " << refusal->reason);
  REQUIRE(std::holds_alternative<Head>(r));
  return std::get<Head>(r);
}

int refusal_of(std::string_view raw) {
  auto r = http1::parse_head(raw, limits);
  REQUIRE(std::holds_alternative<Refusal>(r));
  return std::get<Refusal>(r).status;
}

bool incomplete(std::string_view raw) { return std::holds_alternative<std::monostate>(http1::parse_head(raw, limits)); }
} // namespace

TEST_CASE("a request head is parsed once with its target split and names lower-cased", "[unit]") {
  Head h = head_of("\r\nGET /api/v1/grants?q=%E8%90%A9&page_size=5 HTTP/1.1\r\nHost: x\r\nX-Thing:  a b \r\n"
                   "Cookie: a=1\r\ncookie: b=2\r\nAccept: json\r\naccept: html\r\n\r\nrest");
  CHECK(h.method == "GET");
  CHECK(h.path == "/api/v1/grants");
  CHECK(h.query == "q=%E8%90%A9&page_size=5");
  CHECK(h.header("x-thing") == "a b");
  CHECK(h.header("cookie") == "a=1; b=2");  // repeated cookies join as one cookie list
  CHECK(h.header("accept") == "json, html");
  CHECK(h.keep_alive);
  CHECK_FALSE(h.has_body());
  CHECK(h.size == std::string_view("\r\nGET /api/v1/grants?q=%E8%90%A9&page_size=5 HTTP/1.1\r\nHost: x\r\nX-Thing:  a b \r\n"
                                   "Cookie: a=1\r\ncookie: b=2\r\nAccept: json\r\naccept: html\r\n\r\n").size());
  CHECK(head_of("GET http://gw.example/api/v1/x?y=1 HTTP/1.1\r\nHost: gw\r\n\r\n").path == "/api/v1/x");
}

TEST_CASE("keep-alive follows the version and the Connection header", "[unit]") {
  CHECK_FALSE(head_of("GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n").keep_alive);
  CHECK_FALSE(head_of("GET / HTTP/1.0\r\n\r\n").keep_alive);
  CHECK(head_of("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
  CHECK(head_of("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n").expect_continue);
}

TEST_CASE("an incomplete head waits for more bytes, an endless one is refused", "[unit]") {
  CHECK(incomplete(""));
  CHECK(incomplete("GET / HTTP/1.1\r\nHost: x\r\n"));
  CHECK(incomplete("GET / HT"));
  CHECK(refusal_of(std::string("GET /") + std::string(9000, 'a')) == 414);
  CHECK(refusal_of(std::string("GET /") + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n") == 414);
  std::string big = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 400; ++i) big += "X-Pad-" + std::to_string(i) + ": " + std::string(80, 'p') + "\r\n";
  CHECK(refusal_of(big) == 431);  // even before the head ends
  std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 101; ++i) many += "X-" + std::to_string(i) + ": 1\r\n";
  CHECK(refusal_of(many + "\r\n") == 431);
}

TEST_CASE("request smuggling shapes are refused with 400", "[unit]") {
  const char* cases[] = {
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 24abc\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +24\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1e18\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n",          // obs-fold
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\n",        // space before colon
      "POST / HTTP/1.1\r\nHost: x\nContent-Length: 5\r\n\r\n",            // bare LF
      "POST / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n",                  // bare CR
      "POST / HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n",                // control byte
      "POST / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",                    // two hosts
      "POST / HTTP/1.1\r\n\r\n",                                          // no host
      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /a\x7f HTTP/1.1\r\nHost: x\r\n\r\n",
      "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET relative HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nOrigin: a\r\nOrigin: b\r\n\r\n",     // singleton repeated
      "GET / HTTP/1.1\r\nHost: x\r\nX-CSRF-Token: a\r\nx-csrf-token: b\r\n\r\n",
  };
  for (const char* c : cases) {
    INFO(c);
    CHECK(refusal_of(c) == 400);
  }
  CHECK(refusal_of("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == 501);
  CHECK(refusal_of("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == 505);
  CHECK(refusal_of("GET / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n") == 417);
  CHECK(head_of("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n").chunked);
  CHECK(*head_of("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 007\r\n\r\n").content_length == 7);
}

TEST_CASE("a chunked body is decoded across any split and refused over its limit", "[unit]") {
  std::string wire = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
  for (size_t split = 0; split <= wire.size(); ++split) {
    http1::ChunkedDecoder d;
    std::string body;
    size_t used = 0, consumed = 0;
    auto r = d.feed(std::string_view(wire).substr(0, split), body, 100, used);
    consumed += used;
    if (r == http1::ChunkedDecoder::Result::more) {
      r = d.feed(std::string_view(wire).substr(consumed), body, 100, used);
      consumed += used;
    }
    INFO(split);
    CHECK(r == http1::ChunkedDecoder::Result::done);
    CHECK(body == "hello world");
    CHECK(wire.substr(consumed) == "NEXT");  // the next request is left alone
  }
  auto one = [](std::string wire, size_t limit) {
    http1::ChunkedDecoder d;
    std::string body;
    size_t used = 0;
    return d.feed(wire, body, limit, used);
  };
  using R = http1::ChunkedDecoder::Result;
  CHECK(one("b\r\nhello world\r\n0\r\n\r\n", 10) == R::too_large);
  CHECK(one("fffffffffffffffff\r\n", 10) == R::malformed);
  CHECK(one("zz\r\n", 10) == R::malformed);
  CHECK(one("\r\n", 10) == R::malformed);
  CHECK(one("2\r\nabXX0\r\n\r\n", 10) == R::malformed);
  CHECK(one(std::string(5000, '1'), 10) == R::malformed);
}

TEST_CASE("a response head carries its length, or none for 204", "[unit]") {
  std::string h = http1::serialize_head(200, {{"X-A", "1"}, {"X-Bad", "a\r\nInjected: 1"}}, "application/json", 12, true);
  CHECK(h.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(h.find("Content-Length: 12\r\n") != std::string::npos);
  CHECK(h.find("Connection: keep-alive\r\n") != std::string::npos);
  CHECK(h.find("Injected") == std::string::npos);
  CHECK(h.substr(h.size() - 4) == "\r\n\r\n");
  std::string none = http1::serialize_head(204, {}, "application/json", 0, false);
  CHECK(none.find("Content-Length") == std::string::npos);
  CHECK(none.find("Connection: close\r\n") != std::string::npos);
}

TEST_CASE("JSON bodies with repeated keys, deep nesting or huge numbers are refused by path", "[unit][SEC-18]") {
  auto problem = json_shape_problem(R"({"login_id":"nobody","login_id":"pt_bob"})");
  REQUIRE(problem);
  CHECK(problem->field == "login_id");
  CHECK(problem->reason == "duplicate_key");
  problem = json_shape_problem(R"({"organization":{"name":"a","tags":[{"x":1},{"x":2,"x":3}]}})");
  REQUIRE(problem);
  CHECK(problem->field == "organization.tags[1].x");
  problem = json_shape_problem(R"({"a":1e400})");
  REQUIRE(problem);
  CHECK(problem->reason == "number_out_of_range");
  CHECK(problem->field == "a");
  problem = json_shape_problem(std::string(10000, '[') + std::string(10000, ']'));
  REQUIRE(problem);
  CHECK(problem->reason == "too_deep");
  problem = json_shape_problem(std::string("{\"a\":\"x\0y\"}", 11));
  REQUIRE(problem);
  CHECK(problem->reason == "invalid_json");
  CHECK_FALSE(json_shape_problem(R"({"a":[1,2,{"b":null}],"c":{"a":1},"d":1.5e300})"));
}

TEST_CASE("a query parameter without a name is refused as the query's, never with an empty field", "[unit]") {
  // Found by tools/fuzz request: "&=eld=b" gave a violation whose field was "".
  auto table = RouteTable::build(served_files());
  auto found = table.find("GET", "/api/v1/grants");
  REQUIRE(std::holds_alternative<RouteMatch>(found));
  const Route& route = *std::get<RouteMatch>(found).route;
  civic::grants::ListGrantsRequest msg;
  auto violations = build_request(route, {}, split_query("q=a&=eld=b&%FF=1"), "", &msg);
  REQUIRE(violations.size() == 2);
  for (const auto& v : violations) {
    CHECK(v.field == "query");
    CHECK(v.reason == "invalid_encoding");
  }
}

TEST_CASE("download names lose bidirectional controls and unsafe characters", "[unit][SEC-3][SEC-9]") {
  std::string spoof = "f\xE2\x80\xAEgnp.pdf";  // shows as "fdp.png" where the override is obeyed
  std::string h = content_disposition(spoof);
  CHECK(h == "attachment; filename=\"fgnp.pdf\"; filename*=UTF-8''fgnp.pdf");
  CHECK(content_disposition("a\xE2\x81\xA6" "b\xD8\x9C" "c\xE2\x80\x8F.txt").find("abc.txt") != std::string::npos);
  CHECK(content_disposition("報告書.pdf") ==
        "attachment; filename=\"_________.pdf\"; filename*=UTF-8''%E5%A0%B1%E5%91%8A%E6%9B%B8.pdf");
  CHECK(content_disposition("\"a\r\nb\".pdf").find('\r') == std::string::npos);
}
