// Input validation with field-level messages in Japanese and English (SEC-18).
// Every check appends to an Errors list, so one response names every bad field.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace civic::validation {

struct Violation {
  std::string field;
  std::string reason;      // required, too_short, too_long, invalid_encoding, control_characters, invalid_format, ...
  std::string message;     // Japanese
  std::string message_en;  // English
};

/// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool valid_utf8(std::string_view s);
/// Number of code points in valid UTF-8 `s`.
size_t char_count(std::string_view s);
/// True when `s` holds a C0/C1 control character or DEL; tab/CR/LF allowed when `multiline`.
bool has_control(std::string_view s, bool multiline);
/// Practical address check: one '@', ASCII, no spaces, a dotted domain, at most 254 bytes;
/// consecutive dots or a dot before '@' only at a legacy carrier domain.
bool is_email(std::string_view s);
/// Japanese carrier domains whose old addresses may hold consecutive dots or a dot before
/// '@' (taro..yamada@docomo.ne.jp): docomo.ne.jp, ezweb.ne.jp, au.com, softbank.ne.jp,
/// i.softbank.jp and those in LEGACY_MAIL_DOMAINS (comma-separated); case-insensitive.
bool is_legacy_mail_domain(std::string_view domain);

/// True when `s` is YYYY-MM-DD and names a real day.
bool is_date(std::string_view s);

/// True when `s` is such a date, or a time of it as PostgreSQL reads one: RFC 3339
/// ("2015-04-01T09:00:00+09:00", "...Z", fractions of a second) or with a space for the T.
bool is_timestamp(std::string_view s);

/// Canonical lower- or upper-case hex UUID text (8-4-4-4-12).
bool is_uuid(std::string_view s);

struct Text {
  bool required = true;
  size_t min_chars = 0;
  size_t max_chars = 200;
  bool multiline = false;
};

class Errors {
 public:
  /// Names a violation; the same field and reason a second time is not repeated.
  void add(std::string field, std::string reason, std::string message, std::string message_en);
  /// `field` is required and empty.
  void missing(std::string_view field);

  /// Checks encoding, control characters, presence and length; returns true when valid.
  bool text(std::string_view field, std::string_view value, const Text& rule);
  /// A text (max 254) that must also be an e-mail address.
  bool email(std::string_view field, std::string_view value, bool required = true);
  /// A calendar date YYYY-MM-DD (2024-02-30 is refused).
  bool date(std::string_view field, std::string_view value, bool required = true);
  /// A Japanese phone or fax number: digits, hyphens, parentheses, spaces, leading +.
  bool phone(std::string_view field, std::string_view value, bool required = true);
  /// A postcode 123-4567 (or 1234567).
  bool postal_code(std::string_view field, std::string_view value, bool required = true);
  /// An absolute http:// or https:// URL (no javascript:, data:, ...), at most 500 bytes.
  bool http_url(std::string_view field, std::string_view value, bool required = true);
  /// `value` must be one of `allowed`.
  bool one_of(std::string_view field, std::string_view value, const std::vector<std::string_view>& allowed,
              bool required = true);

  bool empty() const { return list_.empty(); }
  const std::vector<Violation>& list() const { return list_; }

 private:
  std::vector<Violation> list_;
};

/// A period of whole months, "YYYY-MM" to "YYYY-MM" inclusive; an empty end is the
/// last twelve months' (Asia/Tokyo). Bad or reversed ends are named in `e`.
struct MonthRange {
  std::string from, to;
};
MonthRange month_range(Errors& e, std::string_view from, std::string_view to);

} // namespace civic::validation
