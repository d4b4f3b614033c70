#include "text/text.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace civic::text {
namespace {

const icu::Normalizer2& nfkc_casefold() {
  static const icu::Normalizer2* instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status)) throw std::runtime_error("ICU NFKC_Casefold is unavailable");
    return n;
  }();
  return *instance;
}

// The code points of the normalised text, white space runs as one U+0020, trimmed.
std::vector<UChar32> normalized_code_points(std::string_view utf8) {
  icu::UnicodeString in = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), int32_t(utf8.size())));
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString folded = nfkc_casefold().normalize(in, status);
  if (U_FAILURE(status)) return {};
  std::vector<UChar32> out;
  for (int32_t i = 0; i < folded.length();) {
    UChar32 c = folded.char32At(i);
    i += U16_LENGTH(c);
    if (c == 0xFFFD) continue;  // what ICU made of invalid UTF-8
    if (u_isUWhiteSpace(c)) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      continue;
    }
    if (u_iscntrl(c) || u_charType(c) == U_FORMAT_CHAR) continue;
    out.push_back(c);
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string utf8_of(const UChar32* cps, size_t n) {
  icu::UnicodeString s;
  for (size_t i = 0; i < n; ++i) s.append(cps[i]);
  std::string out;
  s.toUTF8String(out);
  return out;
}

void add_grams(const std::vector<UChar32>& cps, std::set<std::string>& grams) {
  for (size_t i = 0; i < cps.size(); ++i) {
    if (cps[i] == ' ') continue;
    grams.insert(utf8_of(&cps[i], 1));
    if (i + 1 < cps.size() && cps[i + 1] != ' ') grams.insert(utf8_of(&cps[i], 2));
  }
}

} // namespace

std::string like_pattern(std::string_view term) {
  std::string out = "%";
  for (char c : term) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

std::string normalize(std::string_view utf8) {
  auto cps = normalized_code_points(utf8);
  return utf8_of(cps.data(), cps.size());
}

std::vector<std::string> index_grams(const std::vector<std::string_view>& parts) {
  std::set<std::string> grams;
  for (auto part : parts) add_grams(normalized_code_points(part), grams);
  return {grams.begin(), grams.end()};
}

std::string search_text(const std::vector<std::string_view>& parts) {
  std::string out;
  for (auto part : parts) {
    std::string n = normalize(part);
    if (n.empty()) continue;
    if (!out.empty()) out += '\n';
    out += n;
  }
  return out;
}

Variants::Variants(const std::vector<std::vector<std::string>>& groups) {
  for (const auto& group : groups) {
    std::vector<std::string> words;
    for (const auto& w : group) {
      std::string n = normalize(w);
      if (!n.empty() && std::find(words.begin(), words.end(), n) == words.end()) words.push_back(n);
    }
    if (words.size() < 2) continue;
    for (const auto& w : words) words_.push_back({w, groups_.size()});
    groups_.push_back(std::move(words));
  }
  // The longest word first: 特定非営利活動法人 before a shorter word inside it.
  std::stable_sort(words_.begin(), words_.end(),
                   [](const Word& a, const Word& b) { return a.text.size() > b.text.size(); });
}

std::vector<std::string> Variants::forms(const std::string& term) const {
  std::vector<std::string> out = {term};
  for (size_t next = 0; next < out.size() && out.size() < kMaxForms; ++next) {
    for (const auto& word : words_) {
      size_t at = out[next].find(word.text);
      if (at == std::string::npos) continue;
      for (const auto& other : groups_[word.group]) {
        if (other == word.text) continue;
        std::string form = out[next];
        form.replace(at, word.text.size(), other);
        if (std::find(out.begin(), out.end(), form) == out.end()) out.push_back(std::move(form));
        if (out.size() == kMaxForms) return out;
      }
    }
  }
  return out;
}

Query query(std::string_view keyword, const Variants& variants) {
  Query q;
  auto cps = normalized_code_points(keyword);
  std::set<std::string> grams;
  size_t start = 0;
  for (size_t i = 0; i <= cps.size(); ++i) {
    if (i < cps.size() && cps[i] != ' ') continue;
    std::vector<UChar32> term(cps.begin() + long(start), cps.begin() + long(i));
    start = i + 1;
    if (term.empty()) continue;
    std::string t = utf8_of(term.data(), term.size());
    if (auto forms = variants.forms(t); forms.size() > 1) {
      q.any_of.push_back(std::move(forms));
      continue;
    }
    q.terms.push_back(t);
    // A term of one or two characters is one of the row's grams exactly when it is a
    // substring of its text, so only longer terms need the LIKE recheck.
    if (term.size() > 2) q.like_patterns.push_back(like_pattern(t));
    if (term.size() == 1) grams.insert(t);
    else for (size_t k = 0; k + 1 < term.size(); ++k) grams.insert(utf8_of(&term[k], 2));
  }
  q.grams.assign(grams.begin(), grams.end());
  return q;
}

std::string prefix(std::string_view utf8, size_t max_chars) {
  size_t end = 0, chars = 0;
  while (end < utf8.size() && chars < max_chars) {
    ++end;  // past the lead byte, then its continuation bytes
    while (end < utf8.size() && (static_cast<unsigned char>(utf8[end]) & 0xC0) == 0x80) ++end;
    ++chars;
  }
  return std::string(utf8.substr(0, end));
}

} // namespace civic::text
