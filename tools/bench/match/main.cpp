// PERF-3, first half: matching one recruitment against N volunteer profiles with the
// pure MAT-2 function (services/matching/match.h), in memory. Prints the time of the
// match itself, median of 5 runs. The whole of PERF-3 — publication, matching and every
// match mail queued — is measured end to end by tools/bench/publish.
// Usage: civic_bench_match [N=100000]
#include <algorithm>
#include <chrono>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "matching/match.h"

int main(int argc, char** argv) {
  using namespace civic::matching;
  size_t n = argc > 1 ? std::stoul(argv[1]) : 100000;
  const std::vector<std::string> places = {"shimonoseki", "ube", "yamaguchi", "hagi", "hofu", "kudamatsu", "iwakuni",
                                           "hikari", "nagato", "yanai", "mine", "shunan", "sanyo_onoda", "suo_oshima",
                                           "waki", "kaminoseki", "tabuse", "hirao", "abu"};
  const std::vector<std::string> days = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  const std::vector<std::string> slots = {"morning", "afternoon", "evening", "daytime", "anytime"};
  std::mt19937 rng(2026);
  auto pick = [&](const std::vector<std::string>& from, int count) {
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) out.push_back(from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)]);
    return out;
  };
  std::vector<Volunteer> volunteers(n);
  for (size_t i = 0; i < n; ++i) {
    Volunteer& v = volunteers[i];
    v.id = std::to_string(i);
    v.municipalities = pick(places, 1 + int(i % 3));
    v.weekdays = pick(days, 1 + int(i % 4));
    v.fields = {"f" + std::to_string(10 + i % 10), "f" + std::to_string(10 + i % 7)};
    v.time_slot = slots[i % slots.size()];
    v.verified = i % 50 != 0;
    v.mail_stopped = i % 97 == 0;
  }
  Recruitment r;
  r.municipalities = {"hagi", "nagato"};
  r.weekdays = {"sat", "sun"};
  r.fields = {"f13", "f16"};
  r.time_slot = "morning";

  std::vector<double> ms;
  size_t matched = 0;
  for (int run = 0; run < 5; ++run) {
    auto start = std::chrono::steady_clock::now();
    matched = match(r, volunteers).size();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  std::cout << "profiles " << n << ", matched " << matched << ", match time median " << ms[2] << " ms (min " << ms[0]
            << ", max " << ms[4] << ") -- PERF-3 budget for matching + enqueueing: 2000 ms\n";
  return 0;
}
