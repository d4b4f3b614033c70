// Health that means something (issue 18 item 6, ADR 0024). A gateway whose grants
// backend is away stays ready and answers 503 for grants only; a service whose database
// refuses connections reports NOT_SERVING on grpc.health.v1 (for "" and its own name)
// while the others keep SERVING, and SERVING again once the database is back. Takes the
// grants database away for a few seconds, so it runs alone.
#include <catch2/catch.hpp>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <thread>

#include "client.h"
#include "db/db.h"
#include "frozen.h"

extern char** environ;

using namespace civic;
using namespace civic::e2e;

namespace {

int unused_port() {  // bound, read and closed: nothing listens there afterwards
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// A second gateway: the stack's own binary and environment, with `changes` applied.
struct SecondGateway {
  pid_t pid = 0;
  std::string base;
  explicit SecondGateway(const std::map<std::string, std::string>& changes) {
    pid_t stack = stack_pid("gateway");
    std::ifstream in("/proc/" + std::to_string(stack) + "/environ", std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), {});
    std::vector<std::string> vars;
    for (size_t at = 0; at < all.size();) {
      size_t end = all.find('\0', at);
      std::string var = all.substr(at, end - at);
      at = end + 1;
      if (!changes.count(var.substr(0, var.find('=')))) vars.push_back(var);
    }
    for (const auto& [k, v] : changes) vars.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& v : vars) envp.push_back(v.data());
    envp.push_back(nullptr);
    std::string exe = "/proc/" + std::to_string(stack) + "/exe";
    char* argv[] = {exe.data(), nullptr};
    REQUIRE(posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv, envp.data()) == 0);
    base = "http://127.0.0.1:" + changes.at("PORT");
    Client probe(base);
    REQUIRE(eventually([&] {
      try {
        return probe.get("/healthz").status == 200;
      } catch (const std::exception&) {
        return false;
      }
    }));
  }
  ~SecondGateway() {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }
};

// grpc.health.v1.Health/Check by hand (the request: field 1 = service name; the answer:
// field 1 = status, 1 SERVING, 2 NOT_SERVING): the generic stub needs no generated code.
int health(const std::string& address, const std::string& service) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  std::string request;
  if (!service.empty()) request = std::string("\x0A", 1) + char(service.size()) + service;
  grpc::Slice slice(request);
  grpc::ByteBuffer in(&slice, 1), out;
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &in, &out, [&](grpc::Status s) {
    std::lock_guard lock(m);
    status = std::move(s);
    done = true;
    cv.notify_one();
  });
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return done; });
  if (!status.ok()) return -int(status.error_code());
  std::vector<grpc::Slice> slices;
  (void)out.Dump(&slices);
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return bytes.size() >= 2 && bytes[0] == 0x08 ? int(bytes[1]) : 0;
}
constexpr int kServing = 1, kNotServing = 2;

} // namespace

TEST_CASE("one backend away degrades only its routes: /readyz stays ready and names it", "[e2e]") {
  SecondGateway gw({{"PORT", std::to_string(unused_port())},
                    {"GRANTS_SERVICE_ADDR", "127.0.0.1:" + std::to_string(unused_port())}});
  Client c(gw.base);
  Response ready;
  REQUIRE(eventually([&] {
    ready = c.get("/readyz");
    return ready.status == 200 && ready.json()["backends"]["directory"] == "ready" &&
           ready.json()["backends"]["content"] == "ready";
  }));
  CHECK(ready.json()["status"] == "ready");
  CHECK(ready.json()["backends"]["auth"] == "ready");
  CHECK(ready.json()["backends"]["grants"] != "ready");
  Response grants = c.get("/api/v1/grants");
  CHECK(grants.status == 503);
  CHECK(grants.json()["error"]["status"] == "UNAVAILABLE");
  CHECK(c.get("/api/v1/organizations").status == 200);
  CHECK(c.get("/api/v1/notices?site=supernet").status == 200);
  Response home = c.get("/api/v1/home?site=supernet");  // a composite: the grants part missing
  CHECK(home.status == 200);
}

TEST_CASE("a service whose database is away reports NOT_SERVING, the others stay SERVING", "[e2e]") {
  const std::string grants = env("GRANTS_SERVICE_ADDR"), directory = env("DIRECTORY_SERVICE_ADDR");
  REQUIRE(health(grants, "") == kServing);
  REQUIRE(health(grants, "civic.grants.GrantsService") == kServing);
  REQUIRE(health(directory, "civic.directory.DirectoryService") == kServing);
  CHECK(health(grants, "civic.nothing.NoService") == -int(grpc::StatusCode::NOT_FOUND));

  db::Connection admin(env("TEST_PG_ADMIN_URL"));
  auto allow = [&](bool yes) {
    admin.exec_params(std::string("ALTER DATABASE grants ALLOW_CONNECTIONS ") + (yes ? "true" : "false"), {});
    if (!yes) admin.exec_params("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'grants'", {});
  };
  struct Restore {
    std::function<void(bool)> allow;
    ~Restore() { allow(true); }
  } restore{allow};
  allow(false);
  CHECK(eventually([&] { return health(grants, "civic.grants.GrantsService") == kNotServing; }));
  CHECK(health(grants, "") == kNotServing);
  CHECK(health(directory, "civic.directory.DirectoryService") == kServing);
  Client c;
  Response refused = c.get("/api/v1/grants/00000000-0000-4000-8000-000000000000");
  CHECK(refused.status == 503);
  // The service's log line for it carries the gateway's request id (issue 18 item 7).
  const std::string request_id = refused.header("x-request-id");
  REQUIRE(!request_id.empty());
  CHECK(eventually([&] {
    std::ifstream log(env("TEST_RUN_DIR") + "/logs/grants.log");
    for (std::string line; std::getline(log, line);)
      if (line.find("\"database_unavailable\"") != std::string::npos &&
          line.find("\"request_id\":\"" + request_id + "\"") != std::string::npos)
        return true;
    return false;
  }, std::chrono::seconds(5)));
  CHECK(c.get("/readyz").status == 200);  // the gateway stays in rotation

  allow(true);
  CHECK(eventually([&] { return health(grants, "civic.grants.GrantsService") == kServing; }));
  CHECK(health(grants, "") == kServing);
  CHECK(eventually([&] { return c.get("/api/v1/grants").status == 200; }));
}
