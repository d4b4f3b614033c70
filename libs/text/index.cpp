#include "text/index.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <string_view>

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

size_t code_points(std::string_view s) {
  return size_t(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

} // namespace

void Index::put(Doc doc, std::string normalized) {
  if (contains(doc)) remove(doc);
  if (doc >= texts_.size()) {
    texts_.resize(size_t(doc) + 1);
    present_.resize(size_t(doc) + 1, false);
  }
  for (char32_t c : characters(normalized)) {
    auto& list = postings_[c];
    if (list.empty() || list.back() < doc) list.push_back(doc);  // the bulk-load case
    else list.insert(std::lower_bound(list.begin(), list.end(), doc), doc);
  }
  texts_[doc] = std::move(normalized);
  present_[doc] = true;
  ++count_;
}

void Index::remove(Doc doc) {
  if (!contains(doc)) return;
  for (char32_t c : characters(texts_[doc])) {
    auto it = postings_.find(c);
    if (it == postings_.end()) continue;
    auto& list = it->second;
    auto at = std::lower_bound(list.begin(), list.end(), doc);
    if (at != list.end() && *at == doc) list.erase(at);
    if (list.empty()) postings_.erase(it);
  }
  texts_[doc] = std::string();
  present_[doc] = false;
  --count_;
}

std::vector<Index::Doc> Index::match(const std::vector<std::string>& terms) const {
  std::vector<Doc> out;
  if (terms.empty()) {
    for (Doc d = 0; d < texts_.size(); ++d)
      if (present_[d]) out.push_back(d);
    return out;
  }
  // Candidates: the documents holding every character of every term (the posting
  // lists intersected, shortest first). A one-character term is then answered; a
  // longer one is confirmed by a substring search (Boyer-Moore-Horspool: CJK text
  // shares lead bytes, so memchr-based find would stop at nearly every character).
  static const std::vector<Doc> kNone;
  std::vector<const std::vector<Doc>*> lists;
  using Searcher = std::boyer_moore_horspool_searcher<std::string::const_iterator>;
  std::vector<Searcher> longer;
  for (const auto& term : terms) {
    auto chars = characters(term);
    if (chars.empty()) continue;
    for (char32_t c : chars) {
      auto it = postings_.find(c);
      lists.push_back(it == postings_.end() ? &kNone : &it->second);
    }
    if (code_points(term) > 1) longer.emplace_back(term.begin(), term.end());
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
    const std::string& text = texts_[d];
    if (std::all_of(longer.begin(), longer.end(),
                    [&](const Searcher& s) { return std::search(text.begin(), text.end(), s) != text.end(); }))
      confirmed.push_back(d);
  }
  return confirmed;
}

} // namespace civic::text
