// Fields marked (civic.private_field) (SPEC DIR-7): services never fill them in public
// responses, and the gateway leaves them out of the JSON when they are empty.
#pragma once
#include <google/protobuf/message.h>

#include <set>
#include <string>

namespace civic::rpc {

/// The names of the private fields of `descriptor` and the messages it holds (for tests
/// that check public JSON).
std::set<std::string> private_field_names(const google::protobuf::Descriptor* descriptor);

} // namespace civic::rpc
