#include "rpc/json.h"

#include <google/protobuf/util/json_util.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "civic/http_options.pb.h"

namespace civic::rpc {
namespace {
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using nlohmann::json;

// Integers arrive as numbers, 64-bit ones usually as strings (proto3 JSON).
template <typename T>
bool integer(const json& v, T& out) {
  if (v.is_number_integer()) {
    out = v.get<T>();
    return true;
  }
  if (!v.is_string()) return false;
  try {
    size_t used = 0;
    const auto& s = v.get_ref<const std::string&>();
    out = std::is_signed_v<T> ? T(std::stoll(s, &used)) : T(std::stoull(s, &used));
    return used == s.size();
  } catch (const std::exception&) {
    return false;
  }
}

bool fill(const json& j, Message* out);

// Sets (or, for a repeated field, adds) one value of `f`.
bool set(const json& v, Message* m, const FieldDescriptor* f) {
  const Reflection* r = m->GetReflection();
  bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      if (!v.is_string() || f->type() == FieldDescriptor::TYPE_BYTES) return false;  // no bytes stored as JSON
      rep ? r->AddString(m, f, v.get<std::string>()) : r->SetString(m, f, v.get<std::string>());
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      if (!v.is_boolean()) return false;
      rep ? r->AddBool(m, f, v.get<bool>()) : r->SetBool(m, f, v.get<bool>());
      return true;
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t x;
      if (!integer(v, x)) return false;
      rep ? r->AddInt32(m, f, x) : r->SetInt32(m, f, x);
      return true;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t x;
      if (!integer(v, x)) return false;
      rep ? r->AddInt64(m, f, x) : r->SetInt64(m, f, x);
      return true;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t x;
      if (!integer(v, x)) return false;
      rep ? r->AddUInt32(m, f, x) : r->SetUInt32(m, f, x);
      return true;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t x;
      if (!integer(v, x)) return false;
      rep ? r->AddUInt64(m, f, x) : r->SetUInt64(m, f, x);
      return true;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      if (!v.is_number()) return false;
      double x = v.get<double>();
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) rep ? r->AddDouble(m, f, x) : r->SetDouble(m, f, x);
      else rep ? r->AddFloat(m, f, float(x)) : r->SetFloat(m, f, float(x));
      return true;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* value = v.is_string() ? f->enum_type()->FindValueByName(v.get<std::string>())
                          : v.is_number_integer() ? f->enum_type()->FindValueByNumber(v.get<int>())
                                                  : nullptr;
      if (!value) return false;
      rep ? r->AddEnum(m, f, value) : r->SetEnum(m, f, value);
      return true;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return fill(v, rep ? r->AddMessage(m, f) : r->MutableMessage(m, f));
  }
  return false;
}

bool fill(const json& j, Message* out) {
  if (!j.is_object()) return false;
  const auto* d = out->GetDescriptor();
  for (const auto& [name, v] : j.items()) {
    const FieldDescriptor* f = d->FindFieldByName(name);
    if (!f) f = d->FindFieldByCamelcaseName(name);
    if (!f || v.is_null()) continue;
    if (f->is_map()) {
      if (!v.is_object()) return false;
      for (const auto& [key, value] : v.items()) {
        Message* entry = out->GetReflection()->AddMessage(out, f);
        const auto* key_field = entry->GetDescriptor()->map_key();
        if (!set(json(key), entry, key_field) ||
            !set(value, entry, entry->GetDescriptor()->map_value()))
          return false;
      }
    } else if (f->is_repeated()) {
      if (!v.is_array()) return false;
      for (const auto& item : v)
        if (!set(item, out, f)) return false;
    } else if (!set(v, out, f)) {
      return false;
    }
  }
  return true;
}
} // namespace

bool message_from_json(std::string_view text, google::protobuf::Message* out) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return false;
  return fill(j, out);
}

std::string profile_json(const google::protobuf::Message& m, const std::set<std::string>& skip) {
  std::unique_ptr<google::protobuf::Message> p(m.New());
  p->CopyFrom(m);
  const auto* d = p->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (skip.count(f->name()) || f->options().GetExtension(civic::private_field)) p->GetReflection()->ClearField(p.get(), f);
  }
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(*p, &out, opts);
  return out;
}

std::vector<std::string> changed_fields(const Message& before, const Message& after, const std::set<std::string>& skip) {
  std::vector<std::string> out;
  std::unique_ptr<Message> a_all(before.New()), b_all(after.New()), a(before.New()), b(after.New());
  a_all->CopyFrom(before);
  b_all->CopyFrom(after);
  const auto* d = before.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (skip.count(f->name())) continue;
    // Each side's value of `f` alone, compared as bytes.
    a->Clear();
    b->Clear();
    a->GetReflection()->SwapFields(a_all.get(), a.get(), {f});
    b->GetReflection()->SwapFields(b_all.get(), b.get(), {f});
    if (a->SerializeAsString() != b->SerializeAsString()) out.push_back(f->name());
  }
  return out;
}

} // namespace civic::rpc
