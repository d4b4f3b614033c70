#include "core/validation.h"

#include "core/config.h"
#include "core/time.h"

#include <algorithm>
#include <regex>

namespace civic::validation {

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) { ++i; continue; }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return false;
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

size_t char_count(std::string_view s) {
  return size_t(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool has_control(std::string_view s, bool multiline) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) {
      if (multiline && (c == '\n' || c == '\r' || c == '\t')) continue;
      return true;
    }
    // C1 controls U+0080..U+009F are encoded as C2 80..C2 9F.
    if (c == 0xC2 && i + 1 < s.size()) {
      auto next = static_cast<unsigned char>(s[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return true;
    }
  }
  return false;
}

bool is_legacy_mail_domain(std::string_view domain) {
  static const std::vector<std::string> domains = [] {
    std::vector<std::string> out = {"docomo.ne.jp", "ezweb.ne.jp", "au.com", "softbank.ne.jp", "i.softbank.jp"};
    for (std::string d : config::list("LEGACY_MAIL_DOMAINS")) {
      std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return char(std::tolower(c)); });
      out.push_back(d);
    }
    return out;
  }();
  std::string lower(domain);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return std::find(domains.begin(), domains.end(), lower) != domains.end();
}

bool is_email(std::string_view s) {
  if (s.empty() || s.size() > 254) return false;
  auto at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || s.find('@', at + 1) != std::string_view::npos)
    return false;
  auto local = s.substr(0, at);
  auto domain = s.substr(at + 1);
  auto ok_local = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
  };
  if (!std::all_of(local.begin(), local.end(), ok_local) || local.front() == '.') return false;
  // Consecutive dots or a dot before '@' break RFC 5322's dot-atom, yet Japanese carriers
  // handed out such addresses for years and still deliver to them: accepted at those
  // domains only.
  if ((local.back() == '.' || local.find("..") != std::string_view::npos) && !is_legacy_mail_domain(domain))
    return false;
  if (domain.size() < 3 || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != std::string_view::npos)
    return false;
  return std::all_of(domain.begin(), domain.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  });
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

void Errors::add(std::string field, std::string reason, std::string message, std::string message_en) {
  // A field checked twice (its declared rule, then its text rule) is named once.
  for (const auto& v : list_)
    if (v.field == field && v.reason == reason) return;
  list_.push_back({std::move(field), std::move(reason), std::move(message), std::move(message_en)});
}

void Errors::missing(std::string_view field) { add(std::string(field), "required", "必須項目です", "is required"); }

bool Errors::text(std::string_view field, std::string_view value, const Text& rule) {
  std::string f(field);
  if (!valid_utf8(value)) {
    add(f, "invalid_encoding", "文字コードが正しくありません（UTF-8）", "must be valid UTF-8");
    return false;
  }
  if (has_control(value, rule.multiline)) {
    add(f, "control_characters", "使用できない制御文字が含まれています", "must not contain control characters");
    return false;
  }
  if (value.empty()) {
    if (rule.required) missing(f);
    return !rule.required;
  }
  size_t n = char_count(value);
  if (n < rule.min_chars) {
    add(f, "too_short", std::to_string(rule.min_chars) + "文字以上で入力してください",
        "must be at least " + std::to_string(rule.min_chars) + " characters");
    return false;
  }
  if (n > rule.max_chars) {
    add(f, "too_long", std::to_string(rule.max_chars) + "文字以内で入力してください",
        "must be at most " + std::to_string(rule.max_chars) + " characters");
    return false;
  }
  return true;
}

bool Errors::email(std::string_view field, std::string_view value, bool required) {
  if (!text(field, value, {.required = required, .max_chars = 254})) return false;
  if (value.empty()) return true;
  if (!is_email(value)) {
    add(std::string(field), "invalid_format", "メールアドレスの形式が正しくありません", "must be an e-mail address");
    return false;
  }
  return true;
}

bool is_date(std::string_view s) {
  static const std::regex kDate("([0-9]{4})-([0-9]{2})-([0-9]{2})");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(s.begin(), s.end(), m, kDate)) return false;
  int y = std::stoi(m[1].str()), mo = std::stoi(m[2].str()), d = std::stoi(m[3].str());
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= kDays[mo - 1] + (mo == 2 && leap ? 1 : 0);
}

bool is_timestamp(std::string_view s) {
  static const std::regex kTime(R"([T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?)");
  return s.size() >= 10 && is_date(s.substr(0, 10)) &&
         (s.size() == 10 || std::regex_match(s.begin() + 10, s.end(), kTime));
}

namespace {
bool formatted(Errors& e, std::string_view field, std::string_view value, bool required, size_t max_chars,
               const std::regex& pattern, const char* message, const char* message_en) {
  if (!e.text(field, value, {.required = required, .max_chars = max_chars})) return false;
  if (value.empty() || std::regex_match(value.begin(), value.end(), pattern)) return true;
  e.add(std::string(field), "invalid_format", message, message_en);
  return false;
}
} // namespace

bool Errors::date(std::string_view field, std::string_view value, bool required) {
  if (!text(field, value, {.required = required, .max_chars = 10})) return false;
  if (value.empty() || is_date(value)) return true;
  add(std::string(field), "invalid_format", "日付は YYYY-MM-DD の形で入力してください", "must be a date YYYY-MM-DD");
  return false;
}

bool Errors::phone(std::string_view field, std::string_view value, bool required) {
  static const std::regex kPhone("[0-9+][0-9() -]{5,19}");
  return formatted(*this, field, value, required, 20, kPhone, "電話番号は数字とハイフンで入力してください",
                   "must be digits and hyphens");
}

bool Errors::postal_code(std::string_view field, std::string_view value, bool required) {
  static const std::regex kPostalCode("[0-9]{3}-?[0-9]{4}");
  return formatted(*this, field, value, required, 8, kPostalCode, "郵便番号は 123-4567 の形で入力してください",
                   "must look like 123-4567");
}

bool Errors::http_url(std::string_view field, std::string_view value, bool required) {
  static const std::regex kHttpUrl("https?://[^\\s<>\"]+");
  return formatted(*this, field, value, required, 500, kHttpUrl, "http:// または https:// で始まるURLを入力してください",
                   "must be an http(s) URL");
}

bool Errors::one_of(std::string_view field, std::string_view value, const std::vector<std::string_view>& allowed,
                    bool required) {
  if (value.empty()) {
    if (required) missing(field);
    return !required;
  }
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return true;
  std::string listed;  // a closed set: name it, so a form can offer it
  for (auto a : allowed) listed += (listed.empty() ? "" : ", ") + std::string(a);
  add(std::string(field), "invalid_choice", "次のいずれかを指定してください: " + listed, "must be one of: " + listed);
  return false;
}

MonthRange month_range(Errors& e, std::string_view from, std::string_view to) {
  static const std::regex kMonth("[0-9]{4}-(0[1-9]|1[0-2])");
  MonthRange r{from.empty() ? time::tokyo_month(11) : std::string(from), to.empty() ? time::tokyo_month() : std::string(to)};
  bool ok = true;
  for (const auto& [field, value] : {std::pair{"from", &r.from}, std::pair{"to", &r.to}})
    if (!std::regex_match(*value, kMonth)) {
      e.add(field, "invalid_format", "月は YYYY-MM の形で指定してください", "must be YYYY-MM");
      ok = false;
    }
  if (ok && r.from > r.to) e.add("to", "before_start", "終了月は開始月より後にしてください", "must not be before from");
  return r;
}

} // namespace civic::validation
