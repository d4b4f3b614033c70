// An in-memory substring index over normalised texts (SPEC DIR-6, PERF-2).
//
// Every document keeps its text (from search_text()) and, per character, the sorted
// list of documents that contain it. A query intersects the lists of all its
// characters (shortest first); a one-character term is then answered, a longer one is
// confirmed by a substring search, so every hit is a true match of any length. Memory:
// about 4 bytes per distinct character per document plus the texts themselves.
//
// Not thread-safe: the owner guards it (readers share, writers exclude).
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace civic::text {

class Index {
 public:
  using Doc = uint32_t;

  /// Sets the text of `doc` (replacing an earlier one). `normalized` comes from
  /// search_text() or normalize(); documents added in ascending order load in O(n).
  void put(Doc doc, std::string normalized);
  void remove(Doc doc);
  bool contains(Doc doc) const { return doc < texts_.size() && present_[doc]; }

  /// Every document whose text contains each of `terms` (normalised, as in
  /// text::Query::terms), ascending. No terms: every document.
  std::vector<Doc> match(const std::vector<std::string>& terms) const;

  size_t size() const { return count_; }

 private:
  std::unordered_map<char32_t, std::vector<Doc>> postings_;
  std::vector<std::string> texts_;
  std::vector<bool> present_;
  size_t count_ = 0;
};

} // namespace civic::text
