#include "search/live_index.h"

#include "core/log.h"

namespace civic::search {

void Poller::start(std::chrono::milliseconds interval, std::function<void()> work, std::string name) {
  thread_ = std::thread([this, interval, work = std::move(work), failed = name + "_failed"] {
    std::unique_lock lock(mutex_);
    while (!stop_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      try {
        work();
      } catch (const std::exception& e) {  // the database is away: try again next round
        log::warn(failed, {{"what", e.what()}});
      }
      lock.lock();
    }
  });
}

void Poller::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t database_clock_us(db::Tx& tx) {
  return tx.exec("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint")[0].int64(0);
}

} // namespace civic::search
