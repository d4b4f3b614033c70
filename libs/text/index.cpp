#include "text/index.h"

#include <algorithm>

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
  // The candidates: the shortest posting list of any character of any term.
  static const std::vector<Doc> kNone;
  const std::vector<Doc>* shortest = nullptr;
  for (const auto& term : terms)
    for (char32_t c : characters(term)) {
      auto it = postings_.find(c);
      const auto& list = it == postings_.end() ? kNone : it->second;
      if (!shortest || list.size() < shortest->size()) shortest = &list;
    }
  if (!shortest) return out;  // terms of nothing searchable
  for (Doc d : *shortest) {
    const std::string& text = texts_[d];
    bool all = std::all_of(terms.begin(), terms.end(), [&](const std::string& t) {
      return t.empty() || text.find(t) != std::string::npos;
    });
    if (all) out.push_back(d);
  }
  return out;
}

} // namespace civic::text
