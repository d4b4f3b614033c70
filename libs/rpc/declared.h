// The rules a request's fields declare in the proto ((civic.rule): required,
// required_when, one_of). They are stated once, there: the services check them with
// check_declared and the gateway publishes them in the OpenAPI document as `required`
// and `enum`.
#pragma once
#include <google/protobuf/message.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/validation.h"

namespace civic::rpc {

/// Names in `e` every field of `m` that breaks its declared rule: "required" when a
/// required field (or one whose required_when holds) is empty, "invalid_choice" (listing
/// the set) when a value is outside its one_of; each element of a list is checked and
/// named `field[i]`. Fields are named `at` + name ("links[0]." + "url"); nested messages
/// are not entered (their validators check them, with their own `at`).
void check_declared(const google::protobuf::Message& m, validation::Errors& e, const std::string& at = "");

/// True when `f`'s declared rule requires it in `m` (required, or required_when holds).
bool declared_required(const google::protobuf::Message& m, const google::protobuf::FieldDescriptor* f);

/// The declared closed set of `f` (empty when it has none).
std::vector<std::string_view> declared_choices(const google::protobuf::FieldDescriptor* f);
/// The declared closed set of `m`'s field `field` (for a rule that holds only sometimes).
std::vector<std::string_view> declared_choices(const google::protobuf::Message& m, const std::string& field);

} // namespace civic::rpc
