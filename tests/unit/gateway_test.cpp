// [unit] gateway: path templates, route table, transcoding, status mapping, cookies,
// rate limiting, principal signatures, mail template safety.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <set>

#include <google/protobuf/util/json_util.h>

#include "civic/auth.pb.h"
#include "civic/directory.pb.h"
#include "civic/events.pb.h"
#include "rpc/privacy.h"
#include "core/crypto.h"
#include "gateway/errors.h"
#include "gateway/gateway.h"
#include "gateway/http1.h"
#include "gateway/public_cache.h"
#include "gateway/multipart.h"
#include "gateway/openapi.h"
#include "gateway/rate_limiter.h"
#include "gateway/transcoder.h"
#include "notification/template.h"
#include "rpc/principal.h"
#include "rpc/status.h"

using namespace civic;
using namespace civic::gateway;

TEST_CASE("path templates bind variables and reject extra or missing segments", "[unit]") {
  auto t = PathTemplate::parse("/api/v1/accounts/{id}/suspend");
  auto m = t.match("/api/v1/accounts/abc-123/suspend");
  REQUIRE(m);
  CHECK(m->at("id") == "abc-123");
  CHECK_FALSE(t.match("/api/v1/accounts/abc/suspend/x"));
  CHECK_FALSE(t.match("/api/v1/accounts//suspend"));
  CHECK_FALSE(t.match("/api/v1/accounts/a%2Fb/suspend"));  // encoded slash never enters a single segment
  CHECK(t.match("/api/v1/accounts/%E5%B1%B1/suspend")->at("id") == "山");
  auto rest = PathTemplate::parse("/api/v1/pages/{slug=**}");
  CHECK(rest.match("/api/v1/pages/guide/faq")->at("slug") == "guide/faq");
  CHECK_THROWS(PathTemplate::parse("api/v1"));
  CHECK_THROWS(PathTemplate::parse("/a/{x"));
  CHECK_THROWS(PathTemplate::parse("/a/{x=**}/b"));
  CHECK_THROWS(PathTemplate::parse("/a/{x}/{x}"));
}

TEST_CASE("the route table is built from the annotations and prefers literals", "[unit]") {
  auto table = RouteTable::build(served_files());
  auto found = table.find("POST", "/api/v1/accounts/verify");
  REQUIRE(std::holds_alternative<RouteMatch>(found));
  CHECK(std::get<RouteMatch>(found).route->method->name() == "VerifyEmail");
  auto login = std::get<RouteMatch>(table.find("POST", "/api/v1/sessions"));
  CHECK(login.route->set_session_cookie == "session_token");
  CHECK(login.route->rate_limited);
  auto wrong = table.find("PUT", "/api/v1/sessions");
  REQUIRE(std::holds_alternative<RouteMiss>(wrong));
  CHECK(std::get<RouteMiss>(wrong).allowed == std::vector<std::string>{"POST"});
  CHECK(std::get<RouteMiss>(table.find("GET", "/api/v1/nothing")).allowed.empty());
  CHECK(std::get<RouteMatch>(table.find("POST", "/api/v1/accounts")).route->success_code == 202);
}

TEST_CASE("requests are built from body, path and query, and strangers are refused", "[unit]") {
  auto table = RouteTable::build(served_files());
  auto login = std::get<RouteMatch>(table.find("POST", "/api/v1/sessions"));
  civic::auth::LoginRequest req;
  CHECK(build_request(*login.route, login.vars, {}, R"({"login_id":"taro","password":"pw"})", &req).empty());
  CHECK(req.login_id() == "taro");

  civic::auth::LoginRequest bad;
  auto v = build_request(*login.route, login.vars, {}, R"({"login_id":"taro",)", &bad);
  REQUIRE(v.size() == 1);
  CHECK(v[0].reason == "invalid_json");
  v = build_request(*login.route, login.vars, {}, R"({"login_id":"taro","role":"admin"})", &bad);
  REQUIRE(v.size() == 1);  // unknown JSON field
  v = build_request(*login.route, login.vars, {{"debug", "1"}}, "{}", &bad);
  REQUIRE(v.size() == 1);
  CHECK(v[0].reason == "unknown_parameter");

  auto list = std::get<RouteMatch>(table.find("GET", "/api/v1/admin/accounts"));
  civic::auth::ListAccountsRequest lr;
  CHECK(build_request(*list.route, list.vars, {{"q", "%E5%B1%B1+口"}, {"page_size", "5"}}, "", &lr).empty());
  CHECK(lr.q() == "山 口");
  CHECK(lr.page_size() == 5);
  civic::auth::ListAccountsRequest lr2;
  v = build_request(*list.route, list.vars, {{"page_size", "five"}}, "", &lr2);
  REQUIRE(v.size() == 1);
  CHECK(v[0].field == "page_size");
  v = build_request(*list.route, list.vars, {}, R"({"q":"x"})", &lr2);
  REQUIRE(v.size() == 1);
  CHECK(v[0].reason == "unexpected_body");
  CHECK(build_request(*list.route, list.vars, {}, " { } ", &lr2).empty());  // what clients send with an empty POST

  auto suspend = std::get<RouteMatch>(table.find("POST", "/api/v1/admin/accounts/abc/suspend"));
  civic::auth::AccountIdRequest ar;
  v = build_request(*suspend.route, suspend.vars, {{"id", "other"}}, "", &ar);
  CHECK(ar.id() == "abc");
  REQUIRE(v.size() == 1);  // a path variable cannot be overridden from the query
}

TEST_CASE("the session token never appears in a rendered response", "[unit][SEC-4]") {
  civic::auth::LoginResponse r;
  r.set_session_token("secret-token");
  r.set_csrf_token("csrf");
  std::string token;
  auto json = nlohmann::json::parse(render_response(r, "session_token", &token));
  CHECK(token == "secret-token");
  CHECK_FALSE(json.contains("session_token"));
  CHECK(json["csrf_token"] == "csrf");
}

TEST_CASE("gRPC codes map to HTTP exactly as grpc-gateway and Envoy do", "[unit]") {
  using C = grpc::StatusCode;
  const std::vector<std::pair<C, int>> table = {
      {C::OK, 200}, {C::CANCELLED, 499}, {C::UNKNOWN, 500}, {C::INVALID_ARGUMENT, 400},
      {C::DEADLINE_EXCEEDED, 504}, {C::NOT_FOUND, 404}, {C::ALREADY_EXISTS, 409}, {C::PERMISSION_DENIED, 403},
      {C::RESOURCE_EXHAUSTED, 429}, {C::FAILED_PRECONDITION, 400}, {C::ABORTED, 409}, {C::OUT_OF_RANGE, 400},
      {C::UNIMPLEMENTED, 501}, {C::INTERNAL, 500}, {C::UNAVAILABLE, 503}, {C::DATA_LOSS, 500},
      {C::UNAUTHENTICATED, 401}};
  for (auto [code, http] : table) {
    INFO(rpc::code_name(code));
    CHECK(http_status(code) == http);
  }
  auto body = nlohmann::json::parse(error_body(C::INVALID_ARGUMENT, "入力内容に誤りがあります",
                                               {{"email", "required", "必須項目です", "is required"}}, true));
  CHECK(body["error"]["code"] == 400);
  CHECK(body["error"]["status"] == "INVALID_ARGUMENT");
  CHECK(body["error"]["details"][0]["field"] == "email");
  CHECK(body["error"]["details"][0]["message"] == "is required");
}

TEST_CASE("the OpenAPI document lists every annotated route", "[unit]") {
  auto table = RouteTable::build(served_files());
  auto doc = nlohmann::json::parse(openapi_document(table));
  CHECK(doc["openapi"] == "3.0.3");
  size_t operations = 0;
  for (auto& [path, ops] : doc["paths"].items()) operations += ops.size();
  CHECK(operations == table.routes().size());  // the composites are declared routes too (portal.proto)
  // The site-wide search's parameters come from its request message, with nothing else.
  std::set<std::string> search_params;
  for (auto& p : doc["paths"]["/api/v1/search"]["get"]["parameters"]) search_params.insert(p["name"]);
  CHECK(search_params == std::set<std::string>{"q", "site"});
  CHECK(doc["paths"]["/api/v1/home"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] ==
        "#/components/schemas/civic.portal.HomeResponse");
  CHECK(doc["paths"]["/api/v1/sessions"]["post"]["responses"].contains("200"));
  CHECK(doc["paths"]["/api/v1/admin/accounts/{id}/suspend"]["post"]["parameters"][0]["in"] == "path");
}

TEST_CASE("the OpenAPI document describes fields and messages with their .proto comments and rules", "[unit]") {
  auto doc = nlohmann::json::parse(openapi_document(RouteTable::build(served_files())));
  const auto& organization = doc["components"]["schemas"]["civic.directory.Organization"];
  // A trailing comment, then the declared rule where `required` cannot say it.
  CHECK(organization["properties"]["kind"]["description"] == "group (県民活動団体), npo (NPO法人) or company (企業)");
  CHECK(organization["properties"]["kind"]["enum"] == nlohmann::json::array({"group", "npo", "company"}));
  CHECK(organization["properties"]["purpose"]["description"] ==
        "活動目的; groups and NPOs Required when site=aikasanet; kind!=company.");
  CHECK(organization["properties"]["purpose"]["x-required-when"] == "site=aikasanet; kind!=company");
  CHECK(organization["properties"]["registrant_name"]["x-required-in-requests"] == true);
  // A taxonomy code names the route of its codes.
  CHECK(organization["properties"]["target_area"]["description"].get<std::string>().find(
            "Codes: GET /api/v1/taxonomies/target_areas.") != std::string::npos);
  CHECK_FALSE(organization.contains("description"));  // no comment above it
  // A comment above a message; a correction's partial record requires nothing.
  CHECK(doc["components"]["schemas"]["civic.directory.SubmitCorrectionRequest"]["properties"]["changes"]["allOf"][0]["$ref"] ==
        "#/components/schemas/civic.directory.Organization.Changes");
  CHECK_FALSE(doc["components"]["schemas"]["civic.directory.Organization.Changes"].contains("required"));
  const auto& summary = doc["components"]["schemas"]["civic.portal.SearchHit"];
  CHECK_FALSE(summary.value("description", "").empty());
  // The rule on a query parameter.
  for (const auto& p : doc["paths"]["/api/v1/search"]["get"]["parameters"])
    if (p["name"] == "q") CHECK(p["required"] == true);
}

TEST_CASE("the OpenAPI document says who may call each route and how, and what can go wrong", "[unit]") {
  auto doc = nlohmann::json::parse(openapi_document(RouteTable::build(served_files())));
  const auto& paths = doc["paths"];
  // Public reads need nothing; a member's and staff's routes the session (and CSRF on writes).
  CHECK(paths["/api/v1/organizations"]["get"]["security"] == nlohmann::json::array());
  CHECK(paths["/api/v1/me"]["get"]["security"] == nlohmann::json::parse(R"([{"session": []}])"));
  CHECK(paths["/api/v1/admin/accounts"]["get"]["x-access"] == "admin");
  CHECK(paths["/api/v1/admin/grants"]["post"]["x-access"] == "editor");
  CHECK(paths["/api/v1/admin/grants"]["post"]["security"] == nlohmann::json::parse(R"([{"session": [], "csrfToken": []}])"));
  // A public write: anonymous with X-Requested-With, or with the session's CSRF token.
  CHECK(paths["/api/v1/contact"]["post"]["security"] ==
        nlohmann::json::parse(R"([{"requestedWith": []}, {"session": [], "csrfToken": []}])"));
  CHECK(paths["/api/v1/recruitments"]["post"]["x-access"] == "session");
  // Uploads are multipart with the file part required; downloads are bytes.
  const auto& upload = paths["/api/v1/organizations/{id}/attachments"]["post"]["requestBody"]["content"];
  REQUIRE(upload.contains("multipart/form-data"));
  CHECK(upload["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary");
  CHECK(upload["multipart/form-data"]["schema"]["required"] == nlohmann::json::array({"category", "file"}));
  // Every operation: a description, its error answers with the envelope, an example body.
  size_t bodies = 0;
  for (auto& [path, ops] : paths.items())
    for (auto& [verb, op] : ops.items()) {
      INFO(verb << " " << path);
      CHECK_FALSE(op.value("description", "").empty());
      CHECK(op["responses"].contains("429"));
      CHECK(op["responses"].contains("503"));
      if (op.contains("parameters") || op.contains("requestBody")) CHECK(op["responses"].contains("400"));
      if (op.contains("requestBody") && op["requestBody"]["content"].contains("application/json")) {
        CHECK(op["requestBody"]["content"]["application/json"]["example"].is_object());
        ++bodies;
      }
    }
  CHECK(bodies > 100);
  CHECK(doc["components"]["responses"]["BadRequest"]["content"]["application/json"]["schema"]["$ref"] ==
        "#/components/schemas/Error");
  // Formats by the proto's names.
  const auto& org = doc["components"]["schemas"]["civic.directory.Organization"]["properties"];
  CHECK(org["registrant_email"]["format"] == "email");
}

TEST_CASE("cookies are found by exact name", "[unit][SEC-4]") {
  CHECK(cookie_value("a=1; __Host-civic_session=tok; b=2", "__Host-civic_session") == "tok");
  CHECK(cookie_value("x__Host-civic_session=evil", "__Host-civic_session").empty());
}

TEST_CASE("the rate limiter allows a burst, then asks to wait, then refills", "[unit][SEC-16]") {
  RateLimiter limiter(3);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(limiter.acquire("1.2.3.4", t0) == 0);
  CHECK(limiter.acquire("1.2.3.4", t0) == 0);
  CHECK(limiter.acquire("1.2.3.4", t0) == 0);
  CHECK(limiter.acquire("1.2.3.4", t0) > 0);
  CHECK(limiter.acquire("5.6.7.8", t0) == 0);
  CHECK(limiter.acquire("1.2.3.4", t0 + std::chrono::seconds(21)) == 0);
}

TEST_CASE("a principal verifies only with the right key, untampered and fresh", "[unit][SEC-8]") {
  rpc::Principal p;
  p.set_account_id("a1");
  p.add_roles("member");
  p.set_issued_at_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count());
  std::string bytes = p.SerializeAsString();
  std::string key(32, 'k');
  std::string sig = crypto::hmac_sha256(key, bytes);
  CHECK(rpc::verify_values(bytes, sig, key, std::chrono::seconds(60)));
  CHECK_FALSE(rpc::verify_values(bytes, sig, std::string(32, 'x'), std::chrono::seconds(60)));
  rpc::Principal admin = p;
  admin.add_roles("admin");
  CHECK_FALSE(rpc::verify_values(admin.SerializeAsString(), sig, key, std::chrono::seconds(60)));
  p.set_issued_at_unix_ms(p.issued_at_unix_ms() - 120000);
  std::string old = p.SerializeAsString();
  CHECK_FALSE(rpc::verify_values(old, crypto::hmac_sha256(key, old), key, std::chrono::seconds(60)));
  CHECK_FALSE(rpc::verify_values("", "", key, std::chrono::seconds(60)));
}

TEST_CASE("mail templates substitute variables and headers refuse CR/LF", "[unit][SEC-7]") {
  CHECK(notification::render("{{name}} 様 {{missing}}!", {{"name", "山口"}}) == "山口 様 !");
  CHECK(notification::header_safe("【山口県】確認"));
  CHECK_FALSE(notification::header_safe("subject\r\nBcc: victim@example.jp"));
  CHECK_FALSE(notification::header_safe(std::string("a\0b", 3)));
  CHECK(notification::encode_header("plain") == "plain");
  CHECK(notification::encode_header("山口").rfind("=?UTF-8?B?", 0) == 0);
}

TEST_CASE("multipart uploads fill the request's HttpBody and text fields directly", "[unit]") {
  using civic::gateway::parse_multipart;
  std::string error;
  std::string body = std::string("--XyZ\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\narticles\r\n"
                                 "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"定款.pdf\"\r\n"
                                 "Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n") +
                     std::string("binary\0\xff", 8) + "\r\n--XyZ--\r\n";
  auto parts = parse_multipart("multipart/form-data; boundary=XyZ", body, error);
  REQUIRE(parts);
  REQUIRE(parts->size() == 2);
  CHECK((*parts)[0].name == "category");
  CHECK((*parts)[0].data == "articles");
  CHECK((*parts)[1].filename == "定款.pdf");
  CHECK((*parts)[1].content_type == "application/pdf");
  CHECK((*parts)[1].data == std::string("%PDF-1.7\r\nbinary\0\xff", 18));

  // Onto the upload route's request message, with the path variable.
  auto table = RouteTable::build(served_files());
  auto found = table.find("POST", "/api/v1/organizations/abc/attachments");
  REQUIRE(std::holds_alternative<RouteMatch>(found));
  auto& match = std::get<RouteMatch>(found);
  civic::directory::UploadAttachmentRequest req;
  CHECK(build_upload_request(*match.route, match.vars, {}, *parts, &req).empty());
  CHECK(req.id() == "abc");
  CHECK(req.category() == "articles");
  CHECK(req.file().filename() == "定款.pdf");
  CHECK(req.file().data() == std::string("%PDF-1.7\r\nbinary\0\xff", 18));
  // A file where a value belongs, a value where a file belongs, an unknown part: refused by name.
  std::string wrong = "--b\r\nContent-Disposition: form-data; name=\"category\"; filename=\"x\"\r\n\r\n1\r\n"
                      "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n2\r\n"
                      "--b\r\nContent-Disposition: form-data; name=\"owner\"\r\n\r\n3\r\n--b--";
  auto wrong_parts = parse_multipart("multipart/form-data; boundary=b", wrong, error);
  REQUIRE(wrong_parts);
  civic::directory::UploadAttachmentRequest refused;
  std::set<std::string> fields;
  for (const auto& v : build_upload_request(*match.route, match.vars, {}, *wrong_parts, &refused)) fields.insert(v.field);
  CHECK(fields == std::set<std::string>{"category", "file", "owner"});

  CHECK_FALSE(parse_multipart("multipart/form-data", body, error));  // no boundary
  std::string semi = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a;b.pdf\"\r\n\r\nx\r\n--b--";
  auto quoted = parse_multipart("multipart/form-data; boundary=\"b\"", semi, error);
  REQUIRE(quoted);
  CHECK((*quoted)[0].filename == "a;b.pdf");
  CHECK_FALSE(parse_multipart("multipart/form-data; boundary=XyZ", "--XyZ\r\nno headers end", error));
  std::string twice = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
                      "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n2\r\n--b--";
  CHECK_FALSE(parse_multipart("multipart/form-data; boundary=b", twice, error));
  std::string bad_name = "--b\r\nContent-Disposition: form-data; name=\"../x\"\r\n\r\n1\r\n--b--";
  CHECK_FALSE(parse_multipart("multipart/form-data; boundary=b", bad_name, error));
  std::string bad_text = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\xff\xfe\r\n--b--";
  CHECK_FALSE(parse_multipart("multipart/form-data; boundary=b", bad_text, error));
}

TEST_CASE("responses render as protobuf's own JSON printer would, minus empty private fields", "[unit]") {
  civic::directory::Organization o;
  o.set_id("id-1");
  o.set_name("萩の会 \"quoted\" \\ \x01");
  o.add_fields("f01");
  o.add_fields("f02");
  o.set_member_count(25);
  o.set_recruits_volunteers(true);
  auto* link = o.add_links();
  link->set_url("https://example.jp/");
  o.set_registrant_name("private but set");  // staff responses keep filled private fields
  civic::directory::ListOrganizationsResponse list;
  *list.add_items() = o;
  list.add_items();  // an empty one
  list.set_total_size(2);

  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  opts.always_print_primitive_fields = true;
  std::string reference;
  REQUIRE(google::protobuf::util::MessageToJsonString(list, &reference, opts).ok());
  auto expected = nlohmann::json::parse(reference);
  auto private_names = civic::rpc::private_field_names(civic::directory::Organization::descriptor());
  for (auto& item : expected["items"])
    for (const auto& name : private_names) {
      const auto& v = item[name];
      bool empty = (v.is_string() && v.get<std::string>().empty()) || (v.is_boolean() && !v.get<bool>()) ||
                   (v.is_number() && v == 0) || (v.is_array() && v.empty());
      if (empty) item.erase(name);
    }
  std::string token;
  auto got = nlohmann::json::parse(render_response(list, "", &token));
  CHECK(got == expected);
  CHECK(got["items"][0]["registrant_name"] == "private but set");
  CHECK_FALSE(got["items"][1].contains("registrant_email"));
  CHECK(got["items"][1]["name"] == "");  // public fields are always named

  civic::common::HttpBody bytes;  // bytes as base64, 64-bit integers as strings
  bytes.set_data(std::string("\x00\xff\x10\x7f", 4));
  std::string b;
  REQUIRE(google::protobuf::util::MessageToJsonString(bytes, &b, opts).ok());
  CHECK(nlohmann::json::parse(render_response(bytes, "", &token)) == nlohmann::json::parse(b));
  civic::events::Event event;
  event.set_occurred_at_unix_ms(1795000000123);
  event.set_payload("payload");
  civic::events::MailRequested mail;
  (*mail.mutable_variables())["name"] = "山口";
  (*mail.mutable_variables())["n"] = "1";
  for (const google::protobuf::Message* m : std::initializer_list<const google::protobuf::Message*>{&event, &mail}) {
    std::string ref;
    REQUIRE(google::protobuf::util::MessageToJsonString(*m, &ref, opts).ok());
    std::unique_ptr<google::protobuf::Message> copy(m->New());
    copy->CopyFrom(*m);
    CHECK(nlohmann::json::parse(render_response(*copy, "", &token)) == nlohmann::json::parse(ref));
  }
}

TEST_CASE("rendered strings escape quotes, controls and markup characters", "[unit][SEC-5]") {
  civic::directory::Organization o;
  o.set_name("<script>\"a\"&\\\x01\n</script>萩");
  std::string token;
  std::string body = render_response(o, "", &token);
  CHECK(body.find('<') == std::string::npos);
  CHECK(body.find('>') == std::string::npos);
  CHECK(body.find('&') == std::string::npos);
  CHECK(nlohmann::json::parse(body)["name"] == o.name());
}

TEST_CASE("the public micro-cache keeps 200 answers for its time-to-live only", "[unit][SEC-14]") {
  using civic::gateway::HttpResponse;
  using civic::gateway::PublicCache;
  auto t0 = PublicCache::Clock::now();
  PublicCache cache(std::chrono::milliseconds(1000), 1000, 10);
  // Keys are canonical: percent-spellings and parameter order of one query share one entry.
  CHECK(PublicCache::key_of("/api/v1/grants", {{"q", "萩"}, {"page_size", "5"}}) ==
        PublicCache::key_of("/api/v1/grants", {{"page_size", "5"}, {"q", "%E8%90%A9"}}));
  CHECK(PublicCache::key_of("/api/v1/grants", {{"q", "a+b"}}) == PublicCache::key_of("/api/v1/grants", {{"q", "a%20b"}}));
  CHECK(PublicCache::key_of("/api/v1/grants", {{"q", "a&b=c"}}) != PublicCache::key_of("/api/v1/grants", {{"q", "a"}, {"b", "c"}}));
  CHECK(PublicCache::key_of("/api/v1/grants", {{"q", "%FF%"}}).empty());  // undecodable: never cached
  HttpResponse ok;
  ok.body = "{\"a\":1}";
  cache.put("a", ok, t0);
  REQUIRE(cache.get("a", t0 + std::chrono::milliseconds(999)));
  CHECK(cache.get("a", t0 + std::chrono::milliseconds(999))->body == ok.body);
  // Expired: the first caller refreshes, the others get the old answer meanwhile.
  CHECK_FALSE(cache.get("a", t0 + std::chrono::milliseconds(1000)));
  CHECK(cache.get("a", t0 + std::chrono::milliseconds(1001)));
  CHECK(cache.get("a", t0 + std::chrono::milliseconds(1999)));
  CHECK_FALSE(cache.get("a", t0 + std::chrono::milliseconds(2000)));  // too old for anyone
  cache.put("a", ok, t0 + std::chrono::milliseconds(1500));             // refreshed
  CHECK(cache.get("a", t0 + std::chrono::milliseconds(2400)));
  CHECK_FALSE(cache.get("b", t0));

  HttpResponse missing;
  missing.status = 404;
  cache.put("nf", missing, t0);
  CHECK_FALSE(cache.get("nf", t0));  // only 200s
  HttpResponse big;
  big.body = std::string(11, 'x');
  cache.put("big", big, t0);
  CHECK_FALSE(cache.get("big", t0));  // larger than max_body

  // Bounded by bytes: when full, expired answers go first, then the oldest.
  PublicCache small(std::chrono::milliseconds(1000), 3 * 300, 10);
  for (int i = 0; i < 3; ++i) small.put("k" + std::to_string(i), ok, t0 + std::chrono::milliseconds(i));
  CHECK(small.size() == 3);
  CHECK(small.bytes() <= 3 * 300);
  small.put("k3", ok, t0 + std::chrono::milliseconds(3));  // full: the oldest make room
  CHECK(small.get("k3", t0 + std::chrono::milliseconds(3)));
  CHECK_FALSE(small.get("k0", t0 + std::chrono::milliseconds(3)));
  CHECK(small.bytes() <= 3 * 300);
  small.put("k4", ok, t0 + std::chrono::seconds(5));  // expired answers make room first
  CHECK(small.get("k4", t0 + std::chrono::seconds(5)));
  CHECK(small.size() == 3);
  CHECK(small.bytes() <= 3 * 300);
  small.purge(t0 + std::chrono::seconds(6));  // the periodic purge leaves only what may still be served
  CHECK(small.size() == 1);
  small.purge(t0 + std::chrono::seconds(8));
  CHECK(small.size() == 0);
  CHECK(small.bytes() == 0);

  PublicCache off(std::chrono::milliseconds(0));
  off.put("a", ok, t0);
  CHECK_FALSE(off.enabled());
  CHECK_FALSE(off.get("a", t0));
}

TEST_CASE("Accept-Language is read as RFC 9110 says: case, regions, q-values, order and the wildcard", "[unit]") {
  using civic::gateway::prefers_english;
  for (const char* en : {"en", "EN", "en-US", "En-gb,ja;q=0.5", "fr, en;q=0.8", "ja;q=0.5, en;q=0.9", "en, ja",
                         "en;q=1.0, *;q=0.1", " en-US , ja ; q=0.3"}) {
    INFO(en);
    CHECK(prefers_english(en));
  }
  for (const char* ja : {"", "ja", "ja-JP,en;q=0.8", "ja, en", "*", "*, en;q=0.5", "en;q=0", "fr", "english",
                         "en;q=abc", "en;q=2", "en;level=1", "ja;q=0.8, en;q=0.8", ",,,"}) {
    INFO(ja);
    CHECK_FALSE(prefers_english(ja));
  }
}
