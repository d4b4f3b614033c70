#include "gateway/path_template.h"

#include <set>
#include <stdexcept>

namespace civic::gateway {
namespace {
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 1;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
} // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += char(hi * 16 + lo);
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

PathTemplate PathTemplate::parse(std::string_view text) {
  PathTemplate t;
  t.text_ = std::string(text);
  if (text.empty() || text[0] != '/') throw std::invalid_argument("path template must start with '/': " + t.text_);
  std::set<std::string> names;
  for (std::string_view seg : split_path(text)) {
    if (seg.empty()) throw std::invalid_argument("empty segment in " + t.text_);
    if (!t.segments_.empty() && t.segments_.back().kind == Segment::rest)
      throw std::invalid_argument("'**' must be the last segment in " + t.text_);
    if (seg.front() == '{') {
      if (seg.back() != '}') throw std::invalid_argument("unclosed variable in " + t.text_);
      std::string_view inner = seg.substr(1, seg.size() - 2);
      Segment::Kind kind = Segment::single;
      auto eq = inner.find('=');
      if (eq != std::string_view::npos) {
        std::string_view pattern = inner.substr(eq + 1);
        if (pattern == "**") kind = Segment::rest;
        else if (pattern != "*") throw std::invalid_argument("unsupported variable pattern in " + t.text_);
        inner = inner.substr(0, eq);
      }
      if (inner.empty() || !names.insert(std::string(inner)).second)
        throw std::invalid_argument("bad or repeated variable in " + t.text_);
      t.segments_.push_back({kind, std::string(inner)});
    } else {
      if (seg.find_first_of("{}*") != std::string_view::npos)
        throw std::invalid_argument("bad literal segment in " + t.text_);
      t.segments_.push_back({Segment::literal, std::string(seg)});
    }
  }
  return t;
}

std::vector<std::string_view> PathTemplate::split(std::string_view path) { return split_path(path); }

std::optional<std::map<std::string, std::string>> PathTemplate::match(std::string_view path) const {
  if (path.empty() || path[0] != '/') return std::nullopt;
  return match(split_path(path));
}

std::optional<std::map<std::string, std::string>> PathTemplate::match(const std::vector<std::string_view>& parts) const {
  // Cheap refusals first: most templates differ in length or in their first literal.
  bool open_ended = !segments_.empty() && segments_.back().kind == Segment::rest;
  if (open_ended ? parts.size() < segments_.size() : parts.size() != segments_.size()) return std::nullopt;
  for (size_t k = 0; k < segments_.size() && k < parts.size(); ++k)
    if (segments_[k].kind == Segment::literal && parts[k] != segments_[k].value) return std::nullopt;
  std::map<std::string, std::string> vars;
  size_t i = 0;
  for (const Segment& seg : segments_) {
    if (seg.kind == Segment::rest) {
      if (i >= parts.size()) return std::nullopt;
      std::string rest;
      for (size_t k = i; k < parts.size(); ++k) {
        auto d = percent_decode(parts[k], false);
        if (!d || parts[k].empty()) return std::nullopt;
        if (!rest.empty()) rest += '/';
        rest += *d;
      }
      vars[seg.value] = rest;
      return vars;
    }
    if (i >= parts.size()) return std::nullopt;
    std::string_view part = parts[i++];
    if (seg.kind == Segment::literal) {
      if (part != seg.value) return std::nullopt;
    } else {
      auto d = percent_decode(part, false);
      if (!d || d->empty() || d->find('/') != std::string::npos || d->find('\0') != std::string::npos)
        return std::nullopt;
      vars[seg.value] = *d;
    }
  }
  if (i != parts.size()) return std::nullopt;
  return vars;
}

std::vector<std::string> PathTemplate::variables() const {
  std::vector<std::string> out;
  for (const auto& s : segments_)
    if (s.kind != Segment::literal) out.push_back(s.value);
  return out;
}

int PathTemplate::specificity() const {
  int n = 0;
  for (const auto& s : segments_) n = n * 2 + (s.kind == Segment::literal ? 1 : 0);
  return n;
}

} // namespace civic::gateway
