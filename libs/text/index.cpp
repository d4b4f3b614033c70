#include "text/index.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <string_view>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace civic::text {
namespace {

// The distinct code points of valid UTF-8 (normalised text is), sorted; the part
// separator and spaces are left out: no term contains them.
std::vector<char32_t> characters(std::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (int k = 1; k < len && i + size_t(k) < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + size_t(k)]) & 0x3F);
    i += size_t(len);
    if (cp != ' ' && cp != '\n') out.push_back(cp);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Whether `text` contains `term` (at least 2 bytes). Terms are short and mostly CJK,
// whose UTF-8 bytes repeat a lot (a lead byte E5-E9, continuation bytes 80-BF), so
// byte-wise skipping (Horspool, memchr) advances a byte or two a step. Instead 16
// positions are tested at once for the term's first AND last byte (SSE2, after
// W. Muła's "SIMD-friendly algorithms for substring searching"), and only positions
// where both agree are compared in full.
bool same_middle(const char* at, std::string_view term) {  // bytes 1 .. k-2; terms are short
  for (size_t j = 1; j + 1 < term.size(); ++j)
    if (at[j] != term[j]) return false;
  return true;
}

bool contains_term(std::string_view text, std::string_view term) {
  const size_t k = term.size();
  if (k > text.size()) return false;
  const char* s = text.data();
  const size_t last_start = text.size() - k;  // the last position a match can start
  size_t i = 0;
#ifdef __SSE2__
  const __m128i first = _mm_set1_epi8(term[0]), last = _mm_set1_epi8(term[k - 1]);
  for (; i + 16 <= last_start + 1; i += 16) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + k - 1));
    auto mask = unsigned(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))));
    while (mask != 0) {
      unsigned bit = unsigned(__builtin_ctz(mask));
      if (same_middle(s + i + bit, term)) return true;
      mask &= mask - 1;
    }
  }
#endif
  for (; i <= last_start; ++i)
    if (s[i] == term[0] && s[i + k - 1] == term[k - 1] && same_middle(s + i, term)) return true;
  return false;
}

size_t code_points(std::string_view s) {
  return size_t(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

} // namespace

void Index::put(Doc doc, std::string_view normalized) {
  if (contains(doc)) remove(doc);
  if (doc >= spans_.size()) spans_.resize(size_t(doc) + 1);
  for (char32_t c : characters(normalized)) {
    auto& list = postings_[c];
    if (list.empty() || list.back() < doc) list.push_back(doc);  // the bulk-load case
    else list.insert(std::lower_bound(list.begin(), list.end(), doc), doc);
  }
  spans_[doc] = Span{texts_.size(), uint32_t(normalized.size()), true};
  texts_.append(normalized);
  ++count_;
  if (garbage_ > (1u << 20) && garbage_ > texts_.size() / 2) compact();
}

void Index::compact() {
  std::string kept;
  kept.reserve(texts_.size() - garbage_);
  for (auto& span : spans_) {
    if (!span.present) continue;
    uint64_t at = kept.size();
    kept.append(texts_, span.at, span.size);
    span.at = at;
  }
  texts_.swap(kept);
  garbage_ = 0;
}

void Index::remove(Doc doc) {
  if (!contains(doc)) return;
  for (char32_t c : characters(text(doc))) {
    auto it = postings_.find(c);
    if (it == postings_.end()) continue;
    auto& list = it->second;
    auto at = std::lower_bound(list.begin(), list.end(), doc);
    if (at != list.end() && *at == doc) list.erase(at);
    if (list.empty()) postings_.erase(it);
  }
  garbage_ += spans_[doc].size;
  spans_[doc] = Span{};
  --count_;
}

std::vector<Index::Doc> Index::match(const std::vector<std::string>& terms,
                                     const std::vector<std::vector<std::string>>& any_of) const {
  if (any_of.empty()) return match_all(terms);
  // The terms without variants narrow first; each term with variants keeps the
  // documents holding one of its forms (the union of each form's matches).
  std::vector<Doc> out;
  bool all = terms.empty();
  if (!all) out = match_all(terms);
  for (const auto& forms : any_of) {
    if (!all && out.empty()) break;
    std::vector<Doc> either;
    for (const auto& form : forms) {
      std::vector<Doc> hits = match_all({form}), merged;
      std::set_union(either.begin(), either.end(), hits.begin(), hits.end(), std::back_inserter(merged));
      either.swap(merged);
    }
    if (all) {
      out.swap(either);
      all = false;
    } else {
      std::vector<Doc> kept;
      std::set_intersection(out.begin(), out.end(), either.begin(), either.end(), std::back_inserter(kept));
      out.swap(kept);
    }
  }
  return out;
}

std::vector<Index::Doc> Index::match_all(const std::vector<std::string>& terms) const {
  std::vector<Doc> out;
  if (terms.empty()) {
    for (Doc d = 0; d < spans_.size(); ++d)
      if (spans_[d].present) out.push_back(d);
    return out;
  }
  // Candidates: the documents holding every character of every term (the posting
  // lists intersected, shortest first). A one-character term is then answered; a
  // longer one is confirmed by a substring search (contains_term).
  static const std::vector<Doc> kNone;
  std::vector<const std::vector<Doc>*> lists;
  std::vector<std::string_view> longer;
  for (const auto& term : terms) {
    auto chars = characters(term);
    if (chars.empty()) continue;
    for (char32_t c : chars) {
      auto it = postings_.find(c);
      lists.push_back(it == postings_.end() ? &kNone : &it->second);
    }
    if (code_points(term) > 1) longer.push_back(term);
  }
  if (lists.empty()) return out;  // terms of nothing searchable
  std::sort(lists.begin(), lists.end(), [](const auto* a, const auto* b) { return a->size() < b->size(); });
  lists.erase(std::unique(lists.begin(), lists.end()), lists.end());
  out = *lists.front();
  for (size_t i = 1; i < lists.size() && !out.empty(); ++i) {
    const auto& list = *lists[i];
    std::vector<Doc> kept;
    kept.reserve(out.size());
    if (out.size() * 16 < list.size()) {  // few candidates: look each one up
      for (Doc d : out)
        if (std::binary_search(list.begin(), list.end(), d)) kept.push_back(d);
    } else {
      std::set_intersection(out.begin(), out.end(), list.begin(), list.end(), std::back_inserter(kept));
    }
    out.swap(kept);
  }
  if (longer.empty()) return out;
  std::vector<Doc> confirmed;
  for (Doc d : out) {
    std::string_view t = text(d);
    if (std::all_of(longer.begin(), longer.end(), [&](std::string_view term) { return contains_term(t, term); }))
      confirmed.push_back(d);
  }
  return confirmed;
}

} // namespace civic::text
