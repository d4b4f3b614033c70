#include "search/live_index.h"
#include "search/rendered.h"

#include <malloc.h>

#include <charconv>
#include <stdexcept>

#include "core/config.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/validation.h"

namespace civic::search {

Uuid uuid_bytes(std::string_view text) {
  if (!validation::is_uuid(text)) throw std::invalid_argument("not a uuid");
  Uuid out{};
  size_t at = 0;
  for (size_t i = 0; i < text.size(); i += 2) {
    if (text[i] == '-') ++i;  // at 8, 13, 18 and 23
    std::from_chars(text.data() + i, text.data() + i + 2, out[at++], 16);
  }
  return out;
}

std::string uuid_text(const Uuid& u) {
  std::string out = crypto::hex({reinterpret_cast<const char*>(u.data()), u.size()});
  for (int at : {20, 16, 12, 8}) out.insert(size_t(at), 1, '-');
  return out;
}

void release_free_memory() { malloc_trim(0); }

size_t rendered_capacity() { return size_t(config::integer("RENDERED_RECORDS", 1024, 0, 1000000)); }

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
