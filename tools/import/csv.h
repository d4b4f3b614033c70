// CSV files of the former system as they really come (issue 15 item 6): RFC 4180
// (quoted commas, line breaks and doubled quotes), UTF-8 with or without a BOM, or
// Shift_JIS as Excel in Japan writes it (CP932, ICU's "windows-31j"). The encoding is
// named by the operator or detected — and the detection says what it chose and why,
// never guessing silently. A field that does not decode leaves its record rejected,
// with its line, and the other records are read.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace civic::import {

enum class Encoding { utf8, cp932 };

/// "utf-8" / "utf8", "cp932" / "shift_jis" / "sjis" / "windows-31j"; nullopt otherwise.
std::optional<Encoding> encoding_named(std::string_view name);
std::string_view name(Encoding e);

struct Detection {
  std::optional<Encoding> encoding;  // nullopt: the operator must name it (--encoding)
  std::string reason;                // Japanese, for the operator: what was chosen and why
};
/// A UTF-8 BOM, or text whose lines with non-ASCII bytes are nearly all (≥ 95 %) valid
/// UTF-8, is UTF-8; otherwise text whose such lines are nearly all valid CP932 is CP932
/// (the few broken lines are rejected one by one); anything else is left to the
/// operator.
Detection detect(std::string_view bytes);

/// `bytes` in `from`, as UTF-8; nullopt when a byte sequence is invalid there (nothing
/// is replaced or dropped silently).
std::optional<std::string> to_utf8(std::string_view bytes, Encoding from);

struct Record {
  size_t line = 0;                  // where it starts in the file, from 1
  std::vector<std::string> fields;  // UTF-8
  std::string error;                // empty, or why the record cannot be read (Japanese)
};
/// Every record of `bytes` (a leading UTF-8 BOM skipped; CRLF, LF or CR line ends; the
/// last record may end without one; empty lines skipped). A quote left open at the end,
/// or text after a closing quote, rejects the record concerned.
std::vector<Record> read_csv(std::string_view bytes, Encoding encoding);

} // namespace civic::import
