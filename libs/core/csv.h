// CSV for spreadsheet users (SPEC DIR-8): RFC 4180 quoting, CRLF line ends, and
// cells that a spreadsheet would run as a formula neutralised (OWASP CSV injection).
#pragma once
#include <map>
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

/// Several values in one cell: "a;b;c".
template <class List>
std::string join(const List& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ";") + std::string(v);
  return out;
}

/// What staff read for a stored code: its label in `labels`, or the code itself.
inline std::string label(const std::map<std::string, std::string>& labels, const std::string& code) {
  auto it = labels.find(code);
  return it == labels.end() ? code : it->second;
}
/// The sites and the review states, as the admin screens name them.
inline const std::map<std::string, std::string> kSiteLabels = {{"supernet", "スーパーネット"},
                                                               {"aikasanet", "あいかさねっと"}};
inline const std::map<std::string, std::string> kStateLabels = {
    {"draft", "下書き"}, {"review", "審査中"}, {"published", "公開"}, {"archived", "アーカイブ"}};

} // namespace civic::csv
