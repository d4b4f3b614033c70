// Protobuf messages from JSON on hot paths. protobuf's own JsonStringToMessage builds
// type information for every call (measured: two thirds of the directory's CPU time for
// a page of 20 organisations); this reads the same proto3 JSON with nlohmann/json and
// reflection instead.
#pragma once
#include <google/protobuf/message.h>

#include <string_view>

namespace civic::rpc {

/// Fills `out` from proto3 JSON (proto field names or their lowerCamelCase JSON
/// names). Unknown names are skipped, so data stored by an older or newer version still
/// reads; returns false when the text is not JSON or a value has the wrong type.
bool message_from_json(std::string_view json, google::protobuf::Message* out);

} // namespace civic::rpc
