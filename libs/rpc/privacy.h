// Public responses never carry fields marked (civic.private_field) (SPEC DIR-7).
#pragma once
#include <google/protobuf/message.h>

#include <set>
#include <string>

namespace civic::rpc {

/// Clears every field marked (civic.private_field) in `msg` and, recursively, in the
/// messages it holds.
void strip_private(google::protobuf::Message& msg);

/// The names of the private fields of `descriptor` and the messages it holds (for tests
/// that check public JSON).
std::set<std::string> private_field_names(const google::protobuf::Descriptor* descriptor);

} // namespace civic::rpc
