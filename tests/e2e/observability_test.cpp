// What operators follow (issue 18 item 7): every service serves Prometheus metrics on its
// own port — gRPC calls by method and code, latency, the database pool, the outbox, mails,
// index sizes and the process — in a form promtool accepts; and one request is followed
// across processes by its request id and W3C trace id on every log line.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "client.h"

using namespace civic;
using namespace civic::e2e;

namespace {
const char* kServices[] = {"auth", "notification", "content", "directory", "grants", "matching", "recruitment"};

// NAME=VALUE lines of the test stack's env file (ports).
std::map<std::string, std::string> stack_env() {
  std::map<std::string, std::string> out;
  std::ifstream in(env("TEST_RUN_DIR") + "/env");
  for (std::string line; std::getline(in, line);)
    if (auto eq = line.find('='); eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  return out;
}

std::string scrape(const std::string& service) {
  std::string name = service;
  for (auto& ch : name) ch = char(std::toupper(static_cast<unsigned char>(ch)));
  std::string port = stack_env()[name + "_METRICS_PORT"];
  REQUIRE_FALSE(port.empty());
  Response r = Client("http://127.0.0.1:" + port).get("/metrics");
  REQUIRE(r.status == 200);
  return r.body;
}

// The value of the first sample of `name` whose labels include every one of `labels`
// (`key="value"`), or -1 when there is none.
double sample(const std::string& text, const std::string& name, const std::vector<std::string>& labels = {}) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) != 0 || (line.size() > name.size() && line[name.size()] != '{' && line[name.size()] != ' '))
      continue;
    bool all = true;
    for (const auto& l : labels) all = all && line.find(l) != std::string::npos;
    if (all) return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return -1;
}

// promtool's verdict on an exposition: its exit status and what it printed.
std::pair<int, std::string> promtool(const std::string& text) {
  std::string file = env("TEST_RUN_DIR") + "/metrics-" + unique("") + ".txt";
  std::ofstream(file) << text;
  std::string command = "promtool check metrics < " + file + " 2>&1";  // file: the run's own directory
  FILE* out = popen(command.c_str(), "r");
  REQUIRE(out);
  std::string said;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, out)) said.append(buf, n);
  int status = pclose(out);
  std::remove(file.c_str());
  return {status, said};
}

// The JSON lines of `process`'s log holding `needle`.
std::vector<nlohmann::json> log_lines(const std::string& process, const std::string& needle) {
  std::vector<nlohmann::json> out;
  std::ifstream in(env("TEST_RUN_DIR") + "/logs/" + process + ".log");
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded()) out.push_back(std::move(j));
    }
  return out;
}

nlohmann::json contact(const std::string& subject) {
  return {{"site", "supernet"},      {"name", "萩 花子"}, {"email", unique("trace.") + "@example.jp"},
          {"subject", subject},      {"body", "本文です。"}};
}
} // namespace

TEST_CASE("every service and the gateway serve Prometheus metrics that promtool accepts", "[e2e]") {
  Client c;
  for (const char* service : kServices) {
    INFO(service);
    std::string text = scrape(service);
    auto [status, said] = promtool(text);
    CHECK(said == "");
    CHECK(status == 0);
    CHECK(sample(text, "process_resident_memory_bytes") > 1e6);
    CHECK(sample(text, "process_cpu_seconds_total") > 0);
    CHECK(sample(text, "process_open_fds") > 3);
    CHECK(sample(text, "process_threads") > 1);
    CHECK(sample(text, "process_start_time_seconds") > 1.7e9);
    CHECK(sample(text, "civic_db_pool_max_connections") >= 1);
    CHECK(sample(text, "civic_db_pool_connections", {"state=\"idle\""}) >= 0);
    CHECK(sample(text, "civic_db_pool_acquire_seconds_count") >= 1);  // the health check's at least
  }
  c.get("/metrics");  // counted once answered: the next scrape shows it
  std::string gateway = c.get("/metrics").body;
  auto [status, said] = promtool(gateway);
  CHECK(said == "");
  CHECK(status == 0);
  CHECK(sample(gateway, "civic_http_requests_total", {"route=\"/metrics\"", "status=\"200\""}) >= 1);
  CHECK(sample(gateway, "civic_http_request_duration_seconds_count", {"route=\"/metrics\""}) >= 1);
  CHECK(sample(gateway, "process_resident_memory_bytes") > 1e6);
}

TEST_CASE("a service counts and times its calls by method and code, and reports its index and outbox", "[e2e]") {
  Client c;
  const std::vector<std::string> ok = {"grpc_service=\"civic.grants.GrantsService\"", "grpc_method=\"ListGrants\"",
                                       "grpc_code=\"OK\""};
  const std::vector<std::string> invalid = {"grpc_service=\"civic.grants.GrantsService\"",
                                            "grpc_method=\"ListGrants\"", "grpc_code=\"INVALID_ARGUMENT\""};
  std::string before = scrape("grants");
  double ok_before = std::max(0.0, sample(before, "grpc_server_handled_total", ok));
  double invalid_before = std::max(0.0, sample(before, "grpc_server_handled_total", invalid));
  // Distinct keywords: the gateway's micro-cache cannot answer them.
  for (int i = 0; i < 3; ++i) REQUIRE(c.get("/api/v1/grants?q=" + unique("kw")).status == 200);
  REQUIRE(c.get("/api/v1/grants?q=" + unique("kw") + "&page_size=1000").status == 400);
  std::string after = scrape("grants");
  CHECK(sample(after, "grpc_server_handled_total", ok) == ok_before + 3);
  CHECK(sample(after, "grpc_server_handled_total", invalid) == invalid_before + 1);
  CHECK(sample(after, "grpc_server_handling_seconds_count", {"grpc_method=\"ListGrants\""}) >= ok_before + 4);
  CHECK(sample(after, "grpc_server_handling_seconds_bucket", {"grpc_method=\"ListGrants\"", "le=\"+Inf\""}) >=
        ok_before + 4);
  CHECK(sample(after, "civic_search_index_documents", {"index=\"grants\""}) >= 0);
  CHECK(sample(after, "civic_search_index_documents", {"index=\"books\""}) >= 0);
  CHECK(sample(after, "civic_outbox_pending_events") >= 0);
  CHECK(sample(after, "civic_outbox_oldest_pending_seconds") >= 0);
  CHECK(sample(scrape("directory"), "civic_search_index_documents", {"index=\"organizations\""}) >= 0);
  CHECK(sample(scrape("content"), "civic_search_index_documents", {"index=\"articles\""}) >= 0);
  CHECK(sample(scrape("recruitment"), "civic_search_index_documents", {"index=\"events\""}) >= 0);
}

TEST_CASE("a request's id and W3C trace id are on the gateway's and the serving service's log lines", "[e2e]") {
  const std::string trace = crypto::hex(crypto::random_bytes(16));
  const std::string request_id = crypto::uuid_v4();
  double sent_before = std::max(0.0, sample(scrape("notification"), "civic_mail_messages_total", {"outcome=\"sent\""}));
  Response r = Client().request("POST", "/api/v1/contact", contact("追跡 " + request_id).dump(),
                                {"traceparent: 00-" + trace + "-00f067aa0ba902b7-01", "X-Request-Id: " + request_id});
  REQUIRE(r.status == 202);
  REQUIRE(r.header("x-request-id") == request_id);

  // The service's own line, written while serving the call, names the request and trace.
  std::vector<nlohmann::json> lines;
  CHECK(eventually([&] { return !(lines = log_lines("notification", request_id)).empty(); }));
  bool contact_line = false;
  for (const auto& line : lines) {
    CHECK(line.value("trace_id", "") == trace);
    contact_line = contact_line || line["event"] == "contact_received";
  }
  CHECK(contact_line);
  // The gateway's access line too.
  CHECK(eventually([&] {
    for (const auto& line : log_lines("gateway", request_id))
      if (line["event"] == "http_access" && line.value("trace_id", "") == trace) return true;
    return false;
  }));
  // Its mail to the centre is counted as sent.
  CHECK(eventually([&] {
    return sample(scrape("notification"), "civic_mail_messages_total", {"outcome=\"sent\""}) > sent_before;
  }));

  // A registration's verification mail goes from auth's outbox to notification's inbox as
  // part of the same request: the relay's line and the subscriber's carry its ids too.
  const std::string registration = crypto::uuid_v4(), registration_trace = crypto::hex(crypto::random_bytes(16));
  const std::string login = unique("traced_");
  REQUIRE(Client()
              .request("POST", "/api/v1/accounts",
                       nlohmann::json{{"login_id", login}, {"password", kPassword},
                                      {"email", login + "@example.jp"}}.dump(),
                       {"traceparent: 00-" + registration_trace + "-00f067aa0ba902b7-01", "X-Request-Id: " + registration})
              .status == 202);
  for (const auto& [process, event] : {std::pair{"auth", "event_delivered"}, std::pair{"notification", "event_accepted"}})
    CHECK(eventually([&, process = process, event = event] {
      for (const auto& line : log_lines(process, registration))
        if (line["event"] == event && line.value("type", "") == "mail.requested")
          return line.value("trace_id", "") == registration_trace;
      return false;
    }));

  // A malformed traceparent (upper-case hex) is not taken: the gateway starts a trace.
  const std::string other = crypto::uuid_v4();
  const std::string upper = "4BF92F3577B34DA6A3CE929D0E0E4736";
  REQUIRE(Client().request("POST", "/api/v1/contact", contact("追跡 " + other).dump(),
                           {"traceparent: 00-" + upper + "-00f067aa0ba902b7-01", "X-Request-Id: " + other})
              .status == 202);
  std::string started;
  CHECK(eventually([&] {
    for (const auto& line : log_lines("notification", other))
      if (line["event"] == "contact_received") started = line.value("trace_id", "");
    return !started.empty();
  }));
  CHECK(started.size() == 32);
  CHECK(started != upper);
  CHECK(started != trace);
}
