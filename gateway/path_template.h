// Path templates with the grammar of google/api/http.proto: literal segments,
// {var} (= {var=*}, one segment) and {var=**} (the rest of the path, last only).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace civic::gateway {

class PathTemplate {
 public:
  /// Parses `text`; throws std::invalid_argument on a malformed template (no leading
  /// '/', empty segment, unclosed brace, '**' not last, a variable named twice).
  static PathTemplate parse(std::string_view text);

  /// The bound variables (percent-decoded) when `path` matches, else nullopt. A
  /// decoded variable containing '/' or NUL in a single-segment position does not match.
  std::optional<std::map<std::string, std::string>> match(std::string_view path) const;
  /// The same for a path already split by split() (the route table splits once for all
  /// templates).
  std::optional<std::map<std::string, std::string>> match(const std::vector<std::string_view>& parts) const;
  /// The segments of an absolute path ("/a/b" -> a, b).
  static std::vector<std::string_view> split(std::string_view path);

  const std::string& text() const { return text_; }
  /// Variable names in order of appearance.
  std::vector<std::string> variables() const;
  /// Literal segments count first, so /a/b beats /a/{x} when both match.
  int specificity() const;

 private:
  struct Segment {
    enum Kind { literal, single, rest } kind;
    std::string value;  // literal text or variable name
  };
  std::string text_;
  std::vector<Segment> segments_;
};

/// Percent-decoding of one path segment or query component ('+' is a space only when
/// `plus_is_space`); nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

} // namespace civic::gateway
