// An in-memory substring index over normalised texts (SPEC DIR-6, PERF-2).
//
// Every document keeps its text (from search_text()) and, per character, the sorted
// list of documents that contain it. A query intersects the lists of all its
// characters (shortest first); a one-character term is then answered, a longer one is
// confirmed by a substring search, so every hit is a true match of any length. Memory:
// about 4 bytes per distinct character per document plus the texts themselves, which
// lie back to back in one buffer in document order: a common term confirms tens of
// thousands of candidates in ascending order, and reading their texts as one stream
// instead of one heap block each is what keeps that in milliseconds.
//
// Not thread-safe: the owner guards it (readers share, writers exclude).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace civic::text {

class Index {
 public:
  using Doc = uint32_t;

  /// Sets the text of `doc` (replacing an earlier one). `normalized` comes from
  /// search_text() or normalize(); documents added in ascending order load in O(n).
  void put(Doc doc, std::string_view normalized);
  void remove(Doc doc);
  bool contains(Doc doc) const { return doc < spans_.size() && spans_[doc].present; }

  /// Every document whose text contains each of `terms` (normalised, as in
  /// text::Query::terms) and, of each entry of `any_of`, at least one form;
  /// ascending. Neither: every document.
  std::vector<Doc> match(const std::vector<std::string>& terms,
                         const std::vector<std::vector<std::string>>& any_of = {}) const;

  size_t size() const { return count_; }

 private:
  struct Span {
    uint64_t at = 0;
    uint32_t size = 0;
    bool present = false;
  };
  std::string_view text(Doc doc) const { return {texts_.data() + spans_[doc].at, spans_[doc].size}; }
  std::vector<Doc> match_all(const std::vector<std::string>& terms) const;
  void compact();  // drops the texts of removed and replaced documents, in document order again

  std::unordered_map<char32_t, std::vector<Doc>> postings_;
  std::string texts_;          // every text, back to back
  std::vector<Span> spans_;    // by document: where its text lies
  size_t garbage_ = 0;         // bytes of texts_ no document uses
  size_t count_ = 0;
};

} // namespace civic::text
