// The values people typed into the former system, made what the services accept
// (issue 15 item 6): normalised where that is unambiguous, refused with a reason where
// it is not. Callers compare the result with what was given to report the change.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace civic::import {

/// A result, or why there is none (Japanese, as the API's field errors).
struct Value {
  std::optional<std::string> value;
  std::string reason;
};

/// A Japanese phone or FAX number: full-width digits made ASCII, the dashes people type
/// (－ ‐ − ー ― and the like), spaces and brackets around an area code made "-":
/// "（０８３）９２２－３１１１" -> "083-922-3111". 10 or 11 digits starting with 0.
Value phone(std::string_view given);

/// A postal code: "〒７５３－００７４", "7530074" -> "753-0074".
Value postal_code(std::string_view given);

/// A date as the old system wrote it: 2015-04-01, 2015/4/1, 2015.4.1, 2015年4月1日, and
/// wareki — 平成27年4月1日, H27.4.1, 令和元年5月1日 (明治 to 令和, 元年 = 1) — made
/// YYYY-MM-DD. A date that does not exist, or an era year outside its era
/// (平成32年), is refused.
Value date(std::string_view given);

/// A count: full-width digits and thousands separators accepted ("１，２００" -> "1200");
/// anything else refused.
Value integer(std::string_view given);

/// The text of HTML as WordPress stores a post (the block editor's comments, tags,
/// entities): paragraphs and <br> become line breaks, tags and comments go, the common
/// entities are decoded, runs of blank lines shrink to one. The result is plain text,
/// escaped wherever it is shown like any text typed today.
std::string html_to_text(std::string_view html);

} // namespace civic::import
