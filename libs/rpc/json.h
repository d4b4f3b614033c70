// Protobuf messages from JSON on hot paths. protobuf's own JsonStringToMessage builds
// type information for every call (measured: two thirds of the directory's CPU time for
// a page of 20 organisations); this reads the same proto3 JSON with nlohmann/json and
// reflection instead.
#pragma once
#include <google/protobuf/message.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace civic::rpc {

/// Fills `out` from proto3 JSON (proto field names or their lowerCamelCase JSON
/// names). Unknown names are skipped, so data stored by an older or newer version still
/// reads; returns false when the text is not JSON or a value has the wrong type.
bool message_from_json(std::string_view json, google::protobuf::Message* out);

/// `m` as proto3 JSON (proto field names, default values left out) without the fields
/// named in `skip` and without private fields (civic.private_field): the descriptive
/// part of a record that a service keeps as one JSON column beside its real columns.
std::string profile_json(const google::protobuf::Message& m, const std::set<std::string>& skip);

/// The names of the top-level fields whose values differ between `before` and `after`
/// (two messages of one type), apart from those in `skip`: what an edit changed, for
/// the history. Names only, never values.
std::vector<std::string> changed_fields(const google::protobuf::Message& before, const google::protobuf::Message& after,
                                        const std::set<std::string>& skip = {"id", "version", "state", "created_at",
                                                                             "updated_at", "published_at"});

} // namespace civic::rpc
