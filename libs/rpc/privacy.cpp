#include "rpc/privacy.h"

#include "civic/http_options.pb.h"

namespace civic::rpc {

void strip_private(google::protobuf::Message& msg) {
  const auto* desc = msg.GetDescriptor();
  const auto* refl = msg.GetReflection();
  for (int i = 0; i < desc->field_count(); ++i) {
    const auto* f = desc->field(i);
    if (f->options().GetExtension(civic::private_field)) {
      refl->ClearField(&msg, f);
    } else if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int k = 0; k < refl->FieldSize(msg, f); ++k) strip_private(*refl->MutableRepeatedMessage(&msg, f, k));
      } else if (refl->HasField(msg, f)) {
        strip_private(*refl->MutableMessage(&msg, f));
      }
    }
  }
}

std::set<std::string> private_field_names(const google::protobuf::Descriptor* descriptor) {
  std::set<std::string> out;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* f = descriptor->field(i);
    if (f->options().GetExtension(civic::private_field)) out.insert(f->name());
    else if (f->message_type() && f->message_type() != descriptor)
      for (auto& n : private_field_names(f->message_type())) out.insert(n);
  }
  return out;
}

} // namespace civic::rpc
