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
    auto& p = postings_[c];
    ++p.count;
    if (p.dense) {
      if (doc / 64 >= p.bits.size()) p.bits.resize(doc / 64 + 1);
      p.bits[doc / 64] |= uint64_t(1) << (doc % 64);
    } else if (p.docs.empty() || p.docs.back() < doc) {
      p.docs.push_back(doc);  // the bulk-load case
    } else {
      p.docs.insert(std::lower_bound(p.docs.begin(), p.docs.end(), doc), doc);
    }
  }
  spans_[doc] = Span{texts_.size(), uint32_t(normalized.size()), true};
  texts_.append(normalized);
  ++count_;
  if (garbage_ > (1u << 20) && garbage_ > texts_.size() / 2) compact();
  if (spans_.size() >= 64 && spans_.size() >= 2 * balanced_at_) rebalance();
}

void Index::rebalance() {
  // Lists of under 1,024 documents stay lists whatever their share: small either way, and
  // a few documents of a small index would otherwise make a rare character a bitmap.
  constexpr uint32_t kMinDense = 1024;
  const size_t universe = spans_.size(), words = (universe + 63) / 64;
  for (auto& [c, p] : postings_) {
    if (!p.dense && p.count >= kMinDense && size_t(p.count) * 32 > universe) {
      p.bits.assign(words, 0);
      for (Doc d : p.docs) p.bits[d / 64] |= uint64_t(1) << (d % 64);
      std::vector<Doc>().swap(p.docs);
      p.dense = true;
    } else if (p.dense && (p.count < kMinDense / 2 || size_t(p.count) * 64 < universe)) {
      p.docs.reserve(p.count);
      for (size_t w = 0; w < p.bits.size(); ++w)
        for (uint64_t b = p.bits[w]; b != 0; b &= b - 1) p.docs.push_back(Doc(w * 64 + size_t(__builtin_ctzll(b))));
      std::vector<uint64_t>().swap(p.bits);
      p.dense = false;
    } else if (!p.dense) {
      p.docs.shrink_to_fit();  // a bulk load grew it by doubling
    }
  }
  balanced_at_ = universe;
}

size_t Index::dense_characters() const {
  return size_t(std::count_if(postings_.begin(), postings_.end(), [](const auto& entry) { return entry.second.dense; }));
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
    auto& p = it->second;
    if (p.dense) {
      p.bits[doc / 64] &= ~(uint64_t(1) << (doc % 64));
    } else {
      auto at = std::lower_bound(p.docs.begin(), p.docs.end(), doc);
      if (at != p.docs.end() && *at == doc) p.docs.erase(at);
    }
    if (--p.count == 0) postings_.erase(it);
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
  static const Postings kNone;
  std::vector<const Postings*> lists;
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
  // Rarest first; the lists intersect each other, then every bitmap is a bit test per
  // remaining candidate. Only bitmaps: they are ANDed word by word.
  std::sort(lists.begin(), lists.end(), [](const auto* a, const auto* b) {
    return a->dense != b->dense ? !a->dense : a->count < b->count;
  });
  lists.erase(std::unique(lists.begin(), lists.end()), lists.end());
  if (lists.front()->dense) {
    std::vector<uint64_t> all = lists.front()->bits;
    for (size_t i = 1; i < lists.size(); ++i) {
      const auto& bits = lists[i]->bits;
      if (bits.size() < all.size()) all.resize(bits.size());
      for (size_t w = 0; w < all.size(); ++w) all[w] &= bits[w];
    }
    for (size_t w = 0; w < all.size(); ++w)
      for (uint64_t b = all[w]; b != 0; b &= b - 1) out.push_back(Doc(w * 64 + size_t(__builtin_ctzll(b))));
  } else {
    out = lists.front()->docs;
    for (size_t i = 1; i < lists.size() && !out.empty(); ++i) {
      const Postings& p = *lists[i];
      std::vector<Doc> kept;
      kept.reserve(out.size());
      if (p.dense || out.size() * 16 < p.docs.size()) {  // few candidates, or a bitmap: look each one up
        for (Doc d : out)
          if (p.has(d)) kept.push_back(d);
      } else {
        std::set_intersection(out.begin(), out.end(), p.docs.begin(), p.docs.end(), std::back_inserter(kept));
      }
      out.swap(kept);
    }
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
