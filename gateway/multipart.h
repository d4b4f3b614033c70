// multipart/form-data (RFC 7578) for uploads: the parts of a body, each a view into it,
// which the transcoder sets on the request message directly (no base64 JSON detour: a
// 10 MB file is copied once, into its bytes field).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace civic::gateway {

struct MultipartPart {
  std::string name;                     // a field name: [a-z][a-z0-9_]{0,39}
  std::optional<std::string> filename;  // set for a file part
  std::string content_type;             // as the client declared it (files are checked by content)
  std::string_view data;                // into the body given to parse_multipart
};

/// The parts of a multipart/form-data `body`. nullopt, with `error` set, when the body
/// is malformed, a name repeats or is not a field name, a text part is not UTF-8, or
/// there are more than 20 parts.
std::optional<std::vector<MultipartPart>> parse_multipart(std::string_view content_type, std::string_view body,
                                                          std::string& error);

} // namespace civic::gateway
