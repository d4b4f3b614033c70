// civic_bench_index KEYWORD...: loads the public grant index from DATABASE_URL (the
// grants database) as grants_server does, then times public_grants() for each keyword
// (median and max of 50 runs, page of 20) and prints the hits. The in-memory part of
// PERF-2, apart from gRPC, the page's rows and the gateway.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "core/config.h"
#include "core/time.h"
#include "grants/service.h"
#include "text/text.h"

int main(int argc, char** argv) {
  using namespace civic;
  using Clock = std::chrono::steady_clock;
  db::Pool pool(config::str("DATABASE_URL", "postgresql:///grants"), 1);
  grants::GrantIndex index(pool, grants::store::changed_since);
  auto t0 = Clock::now();
  index.refresh();
  std::printf("loaded %zu grants in %.0f ms\n", index.size(),
              std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  for (int i = 1; i < argc; ++i) {
    grants::GrantFilters f;
    f.keywords = text::query(argv[i]);
    std::vector<double> ms;
    int64_t hits = 0;
    for (int run = 0; run < 50; ++run) {
      auto start = Clock::now();
      hits = grants::public_grants(index, f, time::tokyo_day(), 20, 0).total;
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    std::printf("%-16s %7lld hits  median %7.3f ms  max %7.3f ms\n", argv[i], static_cast<long long>(hits), ms[25],
                ms.back());
  }
  return 0;
}
