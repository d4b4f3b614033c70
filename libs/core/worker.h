// A background thread that runs rounds of work: the outbox relay, the mail sender, the
// LINE worker. A round that did something is followed at once by the next; otherwise
// the thread sleeps until notify() or `idle` has passed. An exception ends the round,
// not the thread (logged as `<name>_error`).
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace civic {

class BackgroundLoop {
 public:
  /// `round` returns how much it did; > 0 runs the next round without waiting.
  BackgroundLoop(std::string name, std::chrono::milliseconds idle, std::function<int()> round);
  ~BackgroundLoop();  // stops
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  void start();
  /// Wakes the thread and waits for the round in progress to end.
  void stop();
  /// Runs a round now rather than after `idle` (after a commit that made work).
  void notify();

 private:
  void run();

  std::string name_;
  std::chrono::milliseconds idle_;
  std::function<int()> round_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool wake_ = false;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

} // namespace civic
