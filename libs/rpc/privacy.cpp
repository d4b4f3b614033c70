#include "rpc/privacy.h"

#include "civic/http_options.pb.h"

namespace civic::rpc {

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
