// multipart/form-data (RFC 7578) for uploads, turned into the JSON that the generic
// transcoder already understands, so upload routes need no handler code either.
#pragma once
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace civic::gateway {

/// The parts of a multipart/form-data `body` as a JSON object for a route with body
/// "*": a part with a filename becomes {"filename", "content_type", "data": base64}
/// (the JSON form of civic.common.HttpBody), any other part a string. nullopt, with
/// `error` set, when the body is malformed, a name repeats or is not a field name, or
/// there are more than 20 parts.
std::optional<nlohmann::json> multipart_to_json(std::string_view content_type, std::string_view body,
                                                std::string& error);

} // namespace civic::gateway
