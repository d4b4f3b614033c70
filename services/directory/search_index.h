// The public organisation search, answered from memory (SPEC DIR-6, PERF-2).
//
// Every published organisation's filter columns and normalised search text are held in
// a text::Index; a query picks the ids of one page (newest publication first) and an
// exact total without touching PostgreSQL, which then only reads the page's rows by
// primary key. The copy follows the table by polling rows changed since the last poll
// (`updated_at`, less a margin for transactions that committed late); the service
// refreshes it right after its own writes, so a replica sees its changes at once and
// the others within the poll interval.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "db/db.h"
#include "directory/store.h"
#include "text/index.h"

namespace civic::directory {

struct SearchPage {
  std::vector<std::string> ids;  // one page, in order
  int64_t total = 0;
};

class SearchIndex {
 public:
  explicit SearchIndex(db::Pool& pool) : pool_(pool) {}
  ~SearchIndex() { stop(); }
  SearchIndex(const SearchIndex&) = delete;
  SearchIndex& operator=(const SearchIndex&) = delete;

  /// Applies every change since the last refresh (the first one loads everything).
  void refresh();
  /// Refreshes every `interval` on a thread of its own until stop().
  void start(std::chrono::milliseconds interval);
  void stop();

  /// Published organisations matching `f` (its `terms`; `grams` and `like_patterns`
  /// are the database's), newest publication first.
  SearchPage search(const Filters& f, int limit, int offset) const;
  size_t size() const;

 private:
  struct Entry {
    std::string id, target_area;
    std::vector<std::string> fields, municipalities, features;
    int64_t published_us = 0;
    int version = 0;
  };
  // What every hit is checked against, as small codes in a dense array of its own:
  // a plain list walks all entries, and 3 bytes each stay in the CPU's cache.
  struct Hot {
    uint8_t site = 0, kind = 0, status = 0;
  };
  struct Wanted;  // a Filters with its codes looked up once
  void apply(const std::vector<IndexRow>& rows);
  void reorder();
  bool passes(text::Index::Doc doc, const Wanted& w) const;

  db::Pool& pool_;
  mutable std::shared_mutex mutex_;  // guards everything below
  text::Index text_;
  std::vector<Entry> entries_;                            // by text::Index::Doc
  std::vector<Hot> hot_;                                  // by text::Index::Doc
  std::vector<text::Index::Doc> free_;                    // slots of removed entries
  std::unordered_map<std::string, text::Index::Doc> by_id_;
  std::vector<text::Index::Doc> order_;  // live entries, newest publication first
  std::vector<uint32_t> rank_;           // by doc: its position in order_

  std::mutex refresh_mutex_;  // one refresh at a time
  int64_t asked_at_us_ = 0;   // when the last refresh asked (database clock)
  std::mutex thread_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace civic::directory
