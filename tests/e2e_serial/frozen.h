// Freezing a process of the test stack (SIGSTOP) for the length of a scope: it keeps its
// sockets open and answers nothing, as a hung service or scanner would. Tests that use it
// run alone (e2e_serial).
#pragma once
#include <catch2/catch.hpp>
#include <signal.h>

#include <fstream>
#include <string>

#include "client.h"

namespace civic::e2e {

/// The pid tools/dev recorded for `name` (auth, grants, clamd, ...).
inline pid_t stack_pid(const std::string& name) {
  std::ifstream pid_file(env("TEST_RUN_DIR") + "/pids/" + name);
  pid_t pid = 0;
  REQUIRE(pid_file >> pid);
  return pid;
}

struct Frozen {
  pid_t pid;
  explicit Frozen(pid_t p) : pid(p) { REQUIRE(kill(pid, SIGSTOP) == 0); }
  ~Frozen() { kill(pid, SIGCONT); }
  Frozen(const Frozen&) = delete;
  Frozen& operator=(const Frozen&) = delete;
};

} // namespace civic::e2e
