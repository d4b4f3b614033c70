// PERF-4's yardstick: the time of one Argon2id hash at the configured cost, alone, so
// tools/bench/sessions can show how much of a login is the hash itself.
// Usage: civic_bench_argon2 [MEMORY_KIB=19456] [ITERATIONS=2] [RUNS=20] -> median and p95 in ms
#include <argon2.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  uint32_t memory = argc > 1 ? uint32_t(std::atoi(argv[1])) : 19456;
  uint32_t iterations = argc > 2 ? uint32_t(std::atoi(argv[2])) : 2;
  int runs = argc > 3 ? std::atoi(argv[3]) : 20;
  std::string password = "Hagi-Orange*Blossom!26", salt = "0123456789abcdef";
  unsigned char hash[32];
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto t = std::chrono::steady_clock::now();
    if (argon2id_hash_raw(iterations, memory, 1, password.data(), password.size(), salt.data(), salt.size(), hash,
                          sizeof hash) != ARGON2_OK)
      return 1;
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("argon2id m=%u KiB t=%u p=1: median %.1f ms, p95 %.1f ms over %d runs\n", memory, iterations,
              ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 95 / 100)], runs);
}
