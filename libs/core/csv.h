// CSV for spreadsheet users (SPEC DIR-8): RFC 4180 quoting, CRLF line ends, and
// cells that a spreadsheet would run as a formula neutralised (OWASP CSV injection).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace civic::csv {

/// The UTF-8 byte-order mark that makes Excel read the file as UTF-8.
inline constexpr std::string_view kBom = "\xEF\xBB\xBF";

/// One cell: a leading = + - @ tab or CR gets a ' in front; quoted when it holds
/// a comma, quote, CR or LF, with quotes doubled.
std::string cell(std::string_view value);

/// One record: cells joined by commas, ended by CRLF.
std::string row(const std::vector<std::string>& values);

} // namespace civic::csv
