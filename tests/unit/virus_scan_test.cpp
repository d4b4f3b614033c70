// The clamd client without a clamd (SEC-13): every way of getting no verdict is
// "unavailable", so the caller fails closed. The verdicts themselves are tested against
// the stack's real clamd (e2e virus_scan_test).
#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

#include "rpc/virus_scan.h"

using civic::rpc::ScanVerdict;
using civic::rpc::VirusScanner;
using namespace std::chrono_literals;

TEST_CASE("virus scanner: no clamd, a bad address or a clamd that never answers give no verdict", "[unit][SEC-13]") {
  auto outcome = [](const VirusScanner& s) { return s.scan("%PDF-1.4 clean").outcome; };
  CHECK(outcome(VirusScanner()) == ScanVerdict::Outcome::unavailable);  // not configured
  CHECK(outcome(VirusScanner("no-port-here", 200ms)) == ScanVerdict::Outcome::unavailable);
  CHECK(outcome(VirusScanner("unix:/nonexistent/clamd.sock", 200ms)) == ScanVerdict::Outcome::unavailable);
  CHECK(outcome(VirusScanner("unix:" + std::string(200, 'x'), 200ms)) == ScanVerdict::Outcome::unavailable);
  CHECK(outcome(VirusScanner("127.0.0.1:1", 200ms)) == ScanVerdict::Outcome::unavailable);  // refused

  // A socket that accepts connections (the kernel's backlog) but never answers: the
  // timeout ends the wait.
  std::string path = "/tmp/civic-scan-test-" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.data(), path.size());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  ScanVerdict silent = VirusScanner("unix:" + path, 300ms).scan(std::string(1024, 'a'));
  CHECK(silent.outcome == ScanVerdict::Outcome::unavailable);
  CHECK(silent.detail == "no answer");
  ::close(fd);
  ::unlink(path.c_str());
}
