// An in-memory substring index over normalised texts (SPEC DIR-6, PERF-2).
//
// Every document keeps its text (from search_text()) and, per character, the sorted
// list of documents that contain it. A query intersects the lists of all its
// characters (shortest first); a one-character term is then answered, a longer one is
// confirmed by a substring search, so every hit is a true match of any length.
//
// Memory (PERF-5): a character's documents are a sorted list (4 bytes each) while it
// is rare, and a bitmap of all documents (1 bit each) once more than 1 in 32 (and at
// least 1,024) hold it — the hiragana and common kanji most of a Japanese text is made
// of, which as lists took most of the index. Bitmaps also make the intersection a bit
// test. Which form each character takes is decided again whenever the number of
// documents has doubled, with a margin (back to a list below 1 in 64) so nothing flips
// back and forth. The texts lie back to back in one buffer in document order: a common
// term confirms tens of thousands of candidates in ascending order, and reading their
// texts as one stream instead of one heap block each is what keeps that in milliseconds.
//
// Not thread-safe: the owner guards it (readers share, writers exclude).
#pragma once
#include <algorithm>
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
  /// How many characters are bitmaps (tests).
  size_t dense_characters() const;

 private:
  struct Postings {
    std::vector<Doc> docs;       // ascending, while the character is rare
    std::vector<uint64_t> bits;  // by document, once it is common (docs then empty)
    uint32_t count = 0;
    bool dense = false;
    bool has(Doc d) const {
      return dense ? (d / 64 < bits.size() && (bits[d / 64] >> (d % 64) & 1)) : std::binary_search(docs.begin(), docs.end(), d);
    }
  };
  struct Span {
    uint64_t at = 0;
    uint32_t size = 0;
    bool present = false;
  };
  std::string_view text(Doc doc) const { return {texts_.data() + spans_[doc].at, spans_[doc].size}; }
  std::vector<Doc> match_all(const std::vector<std::string>& terms) const;
  void compact();    // drops the texts of removed and replaced documents, in document order again
  void rebalance();  // each character's list or bitmap, for the present number of documents

  std::unordered_map<char32_t, Postings> postings_;
  std::string texts_;          // every text, back to back
  std::vector<Span> spans_;    // by document: where its text lies
  size_t garbage_ = 0;         // bytes of texts_ no document uses
  size_t count_ = 0;
  size_t balanced_at_ = 0;     // spans_.size() at the last rebalance()
};

} // namespace civic::text
