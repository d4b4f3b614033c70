// [e2e-serial] Twenty clients stream bodies far over the limit at once, announced and
// chunked, while /healthz keeps answering; the gateway ends every one of their
// connections itself. Timing is the benchmark's (tools/bench/hostile), not this test's.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "client.h"
#include "raw_http.h"

using namespace civic::e2e;
using namespace std::chrono_literals;

TEST_CASE("twenty clients streaming oversized bodies are cut off while health checks are answered", "[e2e]") {
  constexpr int kAttackers = 20;
  std::atomic<int> closed{0}, refused{0};
  std::vector<std::thread> attackers;
  for (int i = 0; i < kAttackers; ++i) {
    attackers.emplace_back([i, &closed, &refused] {
      RawConnection c;
      bool chunked = i % 2 == 1;
      std::string head = "POST /api/v1/accounts HTTP/1.1\r\nHost: gw\r\nX-Forwarded-For: 10.66.0." + std::to_string(i) +
                         "\r\nX-Requested-With: t\r\nContent-Type: application/json\r\n" +
                         (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: 67108864\r\n") + "\r\n";
      c.send(head);
      std::string data = chunked ? "10000\r\n" + std::string(0x10000, 'x') + "\r\n" : std::string(0x10000, 'x');
      // Keep streaming (64 MiB at most) until the gateway ends the connection.
      for (int k = 0; k < 1024; ++k) {
        if (!c.send(data) || c.closed_by_server(0ms)) break;
      }
      auto r = c.read_response(5s);
      if (r && r->status == 413) ++refused;
      if (c.closed_by_server(10s)) ++closed;
    });
  }
  int healthy = 0;
  for (int i = 0; i < 20; ++i) {
    if (Client().get("/healthz").status == 200) ++healthy;
    std::this_thread::sleep_for(20ms);
  }
  for (auto& t : attackers) t.join();
  CHECK(healthy == 20);
  CHECK(refused == kAttackers);
  CHECK(closed == kAttackers);
}
