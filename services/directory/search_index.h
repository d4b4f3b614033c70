// The public organisation search, answered from memory (SPEC DIR-6, PERF-2, ADR 0007):
// every published organisation's filter columns and search text in a search::LiveIndex,
// newest publication first. The service refreshes it right after its own writes, so a
// replica sees its changes at once and the others within the poll interval.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "directory/store.h"
#include "search/live_index.h"

namespace civic::directory {

using SearchPage = search::Page;

class SearchIndex {
 public:
  explicit SearchIndex(db::Pool& pool);
  ~SearchIndex() { stop(); }

  void refresh() { index_.refresh(); }
  void catch_up() noexcept { index_.catch_up(); }
  void start(std::chrono::milliseconds interval) { index_.start(interval); }
  void stop() { index_.stop(); }

  /// Published organisations matching `f` (its `terms`; `grams` and `like_patterns`
  /// are the database's), newest publication first.
  SearchPage search(const Filters& f, int limit, int offset) const;
  size_t size() const { return index_.size(); }
  /// The stamp of a listed organisation (search::Rendered).
  std::optional<int64_t> stamp_of(const std::string& id) const { return index_.stamp_of(id); }

 private:
  struct Hot {  // what every hit is checked against, as small codes
    uint8_t site = 0, kind = 0, status = 0;
  };
  struct Cold {
    std::string target_area, class_code;
    std::vector<std::string> fields, municipalities, features;
  };
  search::LiveIndex<Hot, Cold> index_;
};

} // namespace civic::directory
