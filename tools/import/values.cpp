#include "import/values.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <regex>

#include "text/text.h"

namespace civic::import {
namespace {

// NFKC (full-width digits, letters and ASCII symbols become ASCII), then every dash-like
// character people put between digits becomes "-".
std::string ascii_digits(std::string_view given) {
  std::string s = text::normalize(given);
  static const std::array<std::string_view, 9> kDashes = {"‐", "‑", "‒", "–", "—", "―", "−", "ー", "ｰ"};
  for (auto d : kDashes)
    for (size_t at; (at = s.find(d)) != std::string::npos;) s.replace(at, d.size(), "-");
  return s;
}

std::string only(const std::string& s, std::string_view keep) {
  std::string out;
  for (char c : s)
    if (keep.find(c) != std::string_view::npos) out += c;
  return out;
}

bool real_date(int y, int m, int d) {
  return std::chrono::year_month_day(std::chrono::year(y), std::chrono::month(unsigned(m)), std::chrono::day(unsigned(d)))
      .ok();
}

std::string ymd(int y, int m, int d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

struct Era {
  const char *kanji, *letter;
  int first_y, first_m, first_d;  // its first day
};
// The last era first; an era ends the day before the next begins.
constexpr std::array<Era, 5> kEras = {{{"令和", "r", 2019, 5, 1},
                                        {"平成", "h", 1989, 1, 8},
                                        {"昭和", "s", 1926, 12, 25},
                                        {"大正", "t", 1912, 7, 30},
                                        {"明治", "m", 1868, 1, 25}}};

} // namespace

Value phone(std::string_view given) {
  // "(083)922-3111", "083 922 3111": brackets and spaces part the number as dashes do.
  std::string parts;
  for (char c : ascii_digits(given)) {
    if (c >= '0' && c <= '9') parts += c;
    else if (c == '-' || c == '(' || c == ')' || c == ' ') {
      if (!parts.empty() && parts.back() != '-') parts += '-';
    } else
      return {std::nullopt, "電話番号に数字とハイフン以外の文字があります"};
  }
  while (!parts.empty() && parts.back() == '-') parts.pop_back();
  std::string digits = only(parts, "0123456789");
  if (digits.size() < 10 || digits.size() > 11 || digits[0] != '0')
    return {std::nullopt, "電話番号は0で始まる10桁か11桁で入力してください"};
  return {parts, ""};
}

Value postal_code(std::string_view given) {
  std::string s = ascii_digits(given);
  for (std::string_view mark : {"〒", " "})
    for (size_t at; (at = s.find(mark)) != std::string::npos;) s.erase(at, mark.size());
  std::string digits = only(s, "0123456789");
  if (s.find_first_not_of("0123456789-") != std::string::npos || digits.size() != 7 ||
      (s.size() == 8 && s[3] != '-') || (s.size() != 7 && s.size() != 8))
    return {std::nullopt, "郵便番号は7桁（例: 753-0074）で入力してください"};
  return {digits.substr(0, 3) + "-" + digits.substr(3), ""};
}

Value date(std::string_view given) {
  std::string s = ascii_digits(given);  // NFKC also lower-cases a wareki letter (H27 -> h27)
  for (size_t at; (at = s.find("元年")) != std::string::npos;) s.replace(at, 6, "1年");
  // std::regex matches bytes: the kanji are alternatives, never members of a class.
  static const std::regex kWestern(R"((\d{4}) ?(?:-|/|\.|年) ?(\d{1,2}) ?(?:-|/|\.|月) ?(\d{1,2}) ?(?:日)?)");
  static const std::regex kWareki(
      R"((明治|大正|昭和|平成|令和|m|t|s|h|r) ?(\d{1,2}) ?(?:-|/|\.|年) ?(\d{1,2}) ?(?:-|/|\.|月) ?(\d{1,2}) ?(?:日)?)");
  std::smatch m;
  int y = 0, mo = 0, d = 0;
  if (std::regex_match(s, m, kWestern)) {
    y = std::stoi(m[1]);
    mo = std::stoi(m[2]);
    d = std::stoi(m[3]);
  } else if (std::regex_match(s, m, kWareki)) {
    const Era* era = nullptr;
    for (const auto& e : kEras)
      if (m[1] == e.kanji || m[1] == e.letter) era = &e;
    int n = std::stoi(m[2]);
    mo = std::stoi(m[3]);
    d = std::stoi(m[4]);
    y = era->first_y + n - 1;
    if (n < 1 || !real_date(y, mo, d)) return {std::nullopt, "存在しない日付です"};
    // Inside its era: not before its first day, not on or after the next era's.
    std::string day = ymd(y, mo, d);
    const Era* next = era == &kEras[0] ? nullptr : era - 1;
    if (day < ymd(era->first_y, era->first_m, era->first_d) ||
        (next && day >= ymd(next->first_y, next->first_m, next->first_d)))
      return {std::nullopt, std::string("その日付は") + era->kanji + "の期間にありません"};
    return {day, ""};
  } else {
    return {std::nullopt, "日付の形式が正しくありません（例: 2015-04-01、平成27年4月1日）"};
  }
  if (!real_date(y, mo, d)) return {std::nullopt, "存在しない日付です"};
  return {ymd(y, mo, d), ""};
}

Value integer(std::string_view given) {
  std::string s = text::normalize(given);
  s.erase(std::remove(s.begin(), s.end(), ','), s.end());
  static const std::regex kInt("[0-9]{1,9}");
  if (!std::regex_match(s, kInt)) return {std::nullopt, "数字で入力してください"};
  s.erase(0, std::min(s.find_first_not_of('0'), s.size() - 1));
  return {s, ""};
}

std::string html_to_text(std::string_view html) {
  static const std::array<std::pair<std::string_view, std::string_view>, 8> kEntities = {
      {{"&nbsp;", " "}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#039;", "'"}, {"&#39;", "'"},
       {"&hellip;", "…"}, {"&amp;", "&"}}};  // &amp; last: "&amp;lt;" is the text "&lt;"
  std::string out;
  size_t i = 0;
  while (i < html.size()) {
    if (html.compare(i, 4, "<!--") == 0) {
      size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    if (html[i] == '<') {
      size_t end = html.find('>', i + 1);
      if (end == std::string_view::npos) {  // a lone "<" is text
        out += html.substr(i);
        break;
      }
      std::string tag(html.substr(i + 1, end - i - 1));
      for (auto& c : tag) c = char(std::tolower(static_cast<unsigned char>(c)));
      bool closing = !tag.empty() && tag[0] == '/';
      std::string name = tag.substr(closing ? 1 : 0);
      name = name.substr(0, name.find_first_of(" \t\n/"));
      // A line ends at <br> and after a block; a paragraph leaves a blank line.
      if (name == "br") out += '\n';
      else if (closing && name == "p") out += "\n\n";
      else if (closing && (name == "div" || name == "li" || name == "tr" || (name.size() == 2 && name[0] == 'h' &&
                                                                                 name[1] >= '1' && name[1] <= '6')))
        out += '\n';
      i = end + 1;
      continue;
    }
    out += html[i++];
  }
  for (const auto& [entity, text] : kEntities)
    for (size_t at = 0; (at = out.find(entity, at)) != std::string::npos; at += text.size())
      out.replace(at, entity.size(), text);
  // Lines trimmed; at most one blank line in a row; none at either end.
  std::string clean;
  int blank = 0;
  size_t start = 0;
  while (start <= out.size()) {
    size_t end = out.find('\n', start);
    std::string line = out.substr(start, end == std::string::npos ? std::string::npos : end - start);
    line.erase(0, line.find_first_not_of(" \t\r"));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (line.empty()) ++blank;
    else {
      if (!clean.empty()) clean += blank ? "\n\n" : "\n";
      clean += line;
      blank = 0;
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return clean;
}

} // namespace civic::import
