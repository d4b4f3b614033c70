// The .proto files' comments, for the OpenAPI document: generated code drops them, so the
// build embeds one descriptor set with source info (proto/CMakeLists.txt) and this reads
// it once.
#pragma once
#include <google/protobuf/descriptor.h>

#include <string>

namespace civic::proto_docs {

/// The comment above `d`'s declaration in its .proto (else the one after it on the same
/// line), its lines joined by spaces; "" when there is none.
std::string comment(const google::protobuf::Descriptor* d);
std::string comment(const google::protobuf::FieldDescriptor* f);
std::string comment(const google::protobuf::MethodDescriptor* m);

} // namespace civic::proto_docs
