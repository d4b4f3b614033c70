// REST <-> protobuf: builds a request message from path variables, query string and
// JSON body with protobuf's own JSON utilities, renders responses and errors (GW-1, GW-2).
#pragma once
#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include <map>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "core/validation.h"
#include "gateway/multipart.h"
#include "gateway/routes.h"

namespace civic::gateway {

/// Fills `msg` (of the route's input type). Returns every problem as a violation:
/// invalid JSON or unknown JSON fields, a body on a route that takes none, a query
/// parameter that is not a request field (or is bound by the path/body), a value that
/// does not convert to its field type. `query` holds raw (undecoded) pairs.
std::vector<validation::Violation> build_request(const Route& route, const std::map<std::string, std::string>& vars,
                                                 const std::vector<std::pair<std::string, std::string>>& query,
                                                 const std::string& body, google::protobuf::Message* msg);

/// The same for an upload (a route with body "*" sent as multipart/form-data): a file
/// part fills its civic.common.HttpBody field (filename, content_type, data), a text
/// part its scalar field; a part that names no such field is refused.
std::vector<validation::Violation> build_upload_request(const Route& route,
                                                        const std::map<std::string, std::string>& vars,
                                                        const std::vector<std::pair<std::string, std::string>>& query,
                                                        const std::vector<MultipartPart>& parts,
                                                        google::protobuf::Message* msg);

/// True for civic.common.HttpBody: a file, sent as a multipart part or as raw bytes, not JSON.
bool is_file(const google::protobuf::Descriptor* d);
/// True for a field marked (civic.private_field): never shown to the public.
bool is_private(const google::protobuf::FieldDescriptor* f);

/// The response as JSON with proto field names and every field present; the field
/// named `strip` (a session token) is moved into `stripped` and left out.
std::string render_response(google::protobuf::Message& msg, const std::string& strip, std::string* stripped);

/// `wire`, a serialized `type` message, as render_response writes the parsed message
/// (without a field to strip), read straight from the bytes: no message is built, which
/// is most of a list's cost in the gateway. std::nullopt for what only protobuf's parser
/// decides (malformed bytes, invalid UTF-8, a field with an unexpected wire type, a
/// singular message sent twice, maps, oneofs, an unknown enum number, nesting over 100):
/// parse those and render the message.
std::optional<std::string> render_wire(const google::protobuf::Descriptor* type, std::string_view wire);

/// Content-Disposition for a download named `filename` (RFC 6266): an ASCII fallback
/// with anything unsafe replaced, plus the exact UTF-8 name as filename* (RFC 5987).
std::string content_disposition(const std::string& filename);

/// The first problem protobuf's JSON parser would miss or mishandle in `body`: a key
/// repeated in one object (duplicate_key), nesting over 32 levels (too_deep), a number
/// outside a double's range (number_out_of_range), or malformed JSON (invalid_json);
/// the violation's field is the JSON path ("organization.name", "items[3]").
std::optional<validation::Violation> json_shape_problem(std::string_view body);

/// Every problem of a (well-formed) JSON body read as a `type` message, one violation each,
/// named by its JSON path: an unknown field (unknown_field), a value of the wrong JSON type
/// (wrong_type: "must be a string", "an integer", ...), an integer outside its field's
/// range (number_out_of_range), an enum value not in the enum (invalid_choice, listing
/// the allowed values). Empty when protobuf's JSON mapping can read it.
std::vector<validation::Violation> json_type_problems(std::string_view body, const google::protobuf::Descriptor* type);

/// A service's violation `field` as a path in `request`'s JSON: services name the fields
/// of the object they validate ("kind"); when that is not a field of the request but of
/// exactly one object field of it, the path starts there ("organization.kind").
std::string full_field_path(const google::protobuf::Descriptor* request, const std::string& field);

/// Splits a raw query string into undecoded name/value pairs.
std::vector<std::pair<std::string, std::string>> split_query(std::string_view raw);

} // namespace civic::gateway
