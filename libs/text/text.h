// Text normalisation and search keys for Japanese partial-match search (SPEC DIR-6).
//
// normalize(): NFKC with case folding (ICU's NFKC_Casefold), so full-width and
// half-width letters and digits, half-width katakana (ｶﾞ -> ガ) and upper/lower case
// all compare equal; runs of white space become one space; control characters go.
//
// Search keys: a document is indexed by the set of its 1- and 2-character grams
// (code points of the normalised text), kept in a text[] column with a GIN index. A
// 1-character keyword must be one of the unigrams, a longer one must contain all of
// its bigrams; a term of 3+ characters is then rechecked with LIKE on the normalised
// text, so a hit is always a true substring. pg_trgm cannot do this: it needs 3 characters.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace civic::text {

/// The normalised form of `utf8` (invalid UTF-8 sequences are dropped).
std::string normalize(std::string_view utf8);

/// At most the first `max_chars` code points of the valid UTF-8 `utf8` (never a
/// character cut in two).
std::string prefix(std::string_view utf8, size_t max_chars);

/// The distinct 1- and 2-grams of the normalised `parts`, joined by a separator that
/// keeps grams from spanning two parts. Spaces never start or end a gram.
std::vector<std::string> index_grams(const std::vector<std::string_view>& parts);

/// The normalised `parts` joined for the LIKE recheck (same separator as index_grams).
std::string search_text(const std::vector<std::string_view>& parts);

/// Words that mean the same to someone searching (障害/障がい/障碍, 子供/子ども/こども,
/// 高齢者/お年寄り, NPO/特定非営利活動法人): a query term holding one of them also finds
/// texts with any other. Applied when a query is made, so an edit of the dictionary
/// counts at once without re-indexing anything. Immutable once built.
class Variants {
 public:
  static constexpr size_t kMaxForms = 16;  // per term, the typed form included

  Variants() = default;
  /// Groups of words in any form (normalised here); a group of fewer than two
  /// distinct words adds nothing.
  explicit Variants(const std::vector<std::vector<std::string>>& groups);

  /// The forms of the normalised `term`: itself first, then the term with every
  /// dictionary word it holds replaced by each other word of its group (and so on for
  /// the next word), at most kMaxForms.
  std::vector<std::string> forms(const std::string& term) const;
  bool empty() const { return words_.empty(); }

 private:
  struct Word {
    std::string text;
    size_t group = 0;
  };
  std::vector<Word> words_;                   // longest first
  std::vector<std::vector<std::string>> groups_;
};

/// A keyword query: white space separates terms, and every term must match. A term
/// with variants matches when any of its forms does.
struct Query {
  std::vector<std::string> terms;                // normalised terms without variants
  std::vector<std::string> grams;                // of `terms`: every one must be among the row's grams
  std::vector<std::string> like_patterns;        // %term% (% _ \ escaped) of `terms` of 3+ characters, for the recheck
  std::vector<std::vector<std::string>> any_of;  // per term with variants: its forms (the typed one first)
  bool empty() const { return terms.empty() && any_of.empty(); }
};

/// "%term%" for LIKE, with % _ \\ of the (normalised) term escaped.
std::string like_pattern(std::string_view term);

/// The index query of `keyword` with the forms `variants` knows; empty when nothing
/// searchable is left.
Query query(std::string_view keyword, const Variants& variants = {});

} // namespace civic::text
