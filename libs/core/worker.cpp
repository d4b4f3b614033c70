#include "core/worker.h"

#include "core/log.h"

namespace civic {

BackgroundLoop::BackgroundLoop(std::string name, std::chrono::milliseconds idle, std::function<int()> round)
    : name_(std::move(name)), idle_(idle), round_(std::move(round)) {}

BackgroundLoop::~BackgroundLoop() { stop(); }

void BackgroundLoop::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { run(); });
}

void BackgroundLoop::stop() {
  if (!running_.exchange(false)) return;
  notify();
  if (thread_.joinable()) thread_.join();
}

void BackgroundLoop::notify() {
  {
    std::lock_guard lock(mutex_);
    wake_ = true;
  }
  cv_.notify_one();
}

void BackgroundLoop::run() {
  while (running_) {
    int done = 0;
    try {
      done = round_();
    } catch (const std::exception& e) {
      log::error(name_ + "_error", {{"what", e.what()}});
    } catch (...) {
      log::error(name_ + "_error", {{"what", "not a std::exception"}});
    }
    if (done > 0) continue;  // more may be due
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, idle_, [&] { return wake_ || !running_; });
    wake_ = false;
  }
}

} // namespace civic
