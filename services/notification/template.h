// Mail template rendering and header safety (NTF-2, SEC-7).
#pragma once
#include <map>
#include <string>
#include <string_view>

namespace civic::notification {

/// Replaces each {{name}} in `text` with vars[name]; unknown names become "".
std::string render(std::string_view text, const std::map<std::string, std::string>& vars);

/// False when `value` could break out of a mail header: CR, LF or NUL anywhere.
bool header_safe(std::string_view value);

/// RFC 2047 encoded-words (UTF-8, base64) for a header value; ASCII-only text as is.
std::string encode_header(std::string_view value);

} // namespace civic::notification
