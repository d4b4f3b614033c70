#include "notification/template.h"

#include "core/crypto.h"

namespace civic::notification {

std::string render(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find("{{", i);
    if (open == std::string_view::npos) break;
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(text.substr(i, open - i));
    auto it = vars.find(std::string(text.substr(open + 2, close - open - 2)));
    if (it != vars.end()) out += it->second;
    i = close + 2;
  }
  out.append(text.substr(i));
  return out;
}

bool header_safe(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string encode_header(std::string_view value) {
  bool ascii = true;
  for (unsigned char c : value) ascii = ascii && c >= 0x20 && c < 0x7F;
  if (ascii) return std::string(value);
  // Words of at most 45 bytes (60 base64 characters), never splitting a UTF-8 sequence.
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    size_t end = std::min(value.size(), i + 45);
    while (end < value.size() && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += ' ';
    out += "=?UTF-8?B?" + crypto::base64(value.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

} // namespace civic::notification
