// A keyword query (text::Query) as SQL conditions, for the lists answered by
// PostgreSQL rather than from memory: staff lists, small collections. The table keeps
// the normalised text of a row in `search_text` and, where it has one, its 1- and
// 2-grams in `search_grams` (a GIN index narrows by them).
#pragma once
#include <string>

#include "db/db.h"
#include "text/text.h"

namespace civic::search {

struct KeywordColumns {
  std::string grams = "search_grams";  // empty: the table has none, every term is checked by LIKE
  std::string text = "search_text";
};

/// Adds to `w` that a row holds every term of `q` and a form of each of its terms
/// with variants.
void where_keywords(db::Where& w, const text::Query& q, const KeywordColumns& columns = {});

} // namespace civic::search
