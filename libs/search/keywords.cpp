#include "search/keywords.h"

#include <vector>

namespace civic::search {

void where_keywords(db::Where& w, const text::Query& q, const KeywordColumns& columns) {
  std::vector<std::string> all;  // every term checked by LIKE when there are no grams
  if (!columns.grams.empty()) {
    if (!q.grams.empty()) w.add(columns.grams + " @> $?::text[]", db::to_param(q.grams));
    all = q.like_patterns;
  } else {
    for (const auto& t : q.terms) all.push_back(text::like_pattern(t));
  }
  if (!all.empty()) w.add(columns.text + " LIKE ALL ($?::text[])", db::to_param(all));
  for (const auto& forms : q.any_of) {
    std::vector<std::string> patterns;
    for (const auto& f : forms) patterns.push_back(text::like_pattern(f));
    w.add(columns.text + " LIKE ANY ($?::text[])", db::to_param(patterns));
  }
}

} // namespace civic::search
