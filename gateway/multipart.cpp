#include "gateway/multipart.h"

#include <algorithm>
#include <regex>

#include "core/validation.h"
#include "gateway/http1.h"

namespace civic::gateway {
namespace {

// The value of parameter `key` in a header ("form-data; name=\"a\"; filename=\"b;c.pdf\"");
// a quoted value may hold ';'.
std::optional<std::string> parameter(std::string_view header, std::string_view key) {
  size_t at = 0;
  while (at < header.size()) {
    at = header.find_first_not_of("; ", at);
    if (at == std::string_view::npos) break;
    size_t eq = header.find('=', at);
    size_t semi = header.find(';', at);
    if (eq == std::string_view::npos || eq > semi) {  // a bare token such as form-data
      at = semi;
      continue;
    }
    std::string_view name = header.substr(at, eq - at);
    std::string value;
    size_t next;
    if (eq + 1 < header.size() && header[eq + 1] == '"') {
      size_t close = header.find('"', eq + 2);
      if (close == std::string_view::npos) return std::nullopt;
      value = header.substr(eq + 2, close - eq - 2);
      next = close + 1;
    } else {
      next = std::min(header.find(';', eq), header.size());
      value = header.substr(eq + 1, next - eq - 1);
    }
    if (name == key) return value;
    at = next;
  }
  return std::nullopt;
}

} // namespace

std::optional<std::vector<MultipartPart>> parse_multipart(std::string_view content_type, std::string_view body,
                                                          std::string& error) {
  auto boundary = parameter(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) {
    error = "missing or invalid boundary";
    return std::nullopt;
  }
  const std::string delimiter = "--" + *boundary;
  size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) {
    error = "no parts";
    return std::nullopt;
  }
  std::vector<MultipartPart> out;
  static const std::regex kName("[a-z][a-z0-9_]{0,39}");  // compiled once
  for (int parts = 0;; ++parts) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return out;  // the closing delimiter
    if (body.substr(pos, 2) != "\r\n" || parts >= 20) {
      error = parts >= 20 ? "too many parts" : "malformed delimiter";
      return std::nullopt;
    }
    pos += 2;
    size_t header_end = body.find("\r\n\r\n", pos);
    size_t next = body.find("\r\n" + delimiter, pos);
    if (header_end == std::string_view::npos || next == std::string_view::npos || header_end > next) {
      error = "malformed part";
      return std::nullopt;
    }
    std::string disposition, type;
    std::string_view headers = body.substr(pos, header_end - pos);
    for (size_t at = 0; at <= headers.size();) {
      size_t eol = headers.find("\r\n", at);
      std::string_view line = headers.substr(at, eol == std::string_view::npos ? std::string_view::npos : eol - at);
      auto colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string key = http1::lower(line.substr(0, colon));
        std::string value(line.substr(colon + 1));
        value.erase(0, value.find_first_not_of(' '));
        if (key == "content-disposition") disposition = value;
        if (key == "content-type") type = value;
      }
      if (eol == std::string_view::npos) break;
      at = eol + 2;
    }
    auto name = parameter(disposition, "name");
    bool repeated = name && std::any_of(out.begin(), out.end(), [&](const MultipartPart& p) { return p.name == *name; });
    if (http1::lower(disposition).rfind("form-data", 0) != 0 || !name || !std::regex_match(*name, kName) || repeated) {
      error = "each part needs a distinct field name";
      return std::nullopt;
    }
    std::string_view content = body.substr(header_end + 4, next - header_end - 4);
    auto filename = parameter(disposition, "filename");
    if (!validation::valid_utf8(headers) || (!filename && !validation::valid_utf8(content))) {
      error = "text must be UTF-8";
      return std::nullopt;
    }
    out.push_back({*name, filename, type, content});
    pos = next + 2;
  }
}

} // namespace civic::gateway
