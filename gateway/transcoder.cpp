#include "gateway/transcoder.h"

#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>

#include "civic/common.pb.h"
#include "civic/http_options.pb.h"
#include "core/crypto.h"

namespace civic::gateway {
namespace {
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using validation::Violation;

Violation violation(std::string field, std::string reason, std::string ja, std::string en) {
  return {std::move(field), std::move(reason), std::move(ja), std::move(en)};
}

// Sets a scalar field (or appends to a repeated scalar) from text.
bool set_scalar(Message* msg, const FieldDescriptor* f, const std::string& text) {
  const auto* refl = msg->GetReflection();
  bool rep = f->is_repeated();
  try {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        if (f->type() == FieldDescriptor::TYPE_BYTES) return false;
        rep ? refl->AddString(msg, f, text) : refl->SetString(msg, f, text);
        return true;
      case FieldDescriptor::CPPTYPE_INT32: {
        size_t used = 0;
        long long v = std::stoll(text, &used);
        if (used != text.size() || v < INT32_MIN || v > INT32_MAX) return false;
        rep ? refl->AddInt32(msg, f, int32_t(v)) : refl->SetInt32(msg, f, int32_t(v));
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        size_t used = 0;
        long long v = std::stoll(text, &used);
        if (used != text.size()) return false;
        rep ? refl->AddInt64(msg, f, v) : refl->SetInt64(msg, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_BOOL:
        if (text != "true" && text != "false") return false;
        rep ? refl->AddBool(msg, f, text == "true") : refl->SetBool(msg, f, text == "true");
        return true;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* v = f->enum_type()->FindValueByName(text);
        if (!v) return false;
        rep ? refl->AddEnum(msg, f, v) : refl->SetEnum(msg, f, v);
        return true;
      }
      default:
        return false;
    }
  } catch (const std::exception&) {
    return false;
  }
}

// A first pass over a JSON body for what protobuf's parser lets through or handles
// badly: a key given twice in one object (protobuf keeps the last, so
// {"login_id":"a","login_id":"b"} would act on b), nesting deeper than kMaxDepth, and
// numbers outside a double's range (1e400). Reports the first problem with its path.
class JsonShape final : public nlohmann::json_sax<nlohmann::json> {
 public:
  static constexpr size_t kMaxDepth = 32;
  std::optional<Violation> problem;

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t v, const string_t&) override {
    if (!std::isfinite(v))
      return fail(violation(path(), "number_out_of_range", "数値が大きすぎます", "number out of range"));
    return value();
  }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(true); }
  bool key(string_t& k) override {
    auto& frame = stack_.back();
    if (!frame.keys.insert(k).second)
      return fail(violation(path(k), "duplicate_key", "同じ項目が複数回指定されています", "is given more than once"));
    frame.key = k;
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
    if (ex.id == 406)  // out_of_range.406: a number overflowing a double
      return fail(violation(path(), "number_out_of_range", "数値が大きすぎます", "number out of range"));
    return fail(violation("body", "invalid_json", "JSON の形式が正しくありません", "body is not valid JSON"));
  }

 private:
  struct Frame {
    bool object;
    std::set<std::string> keys;
    std::string key;
    size_t index = 0;
  };
  bool open(bool object) {
    if (stack_.size() >= kMaxDepth)
      return fail(violation(path(), "too_deep", "JSON の入れ子が深すぎます", "JSON nested too deeply"));
    stack_.push_back({object, {}, {}, 0});
    return true;
  }
  bool close() {
    stack_.pop_back();
    return value();
  }
  bool value() {
    if (!stack_.empty() && !stack_.back().object) ++stack_.back().index;
    return true;
  }
  bool fail(Violation v) {
    problem = std::move(v);
    return false;
  }
  std::string path(const std::string& last = "") const {
    std::string out;
    for (const auto& f : stack_) {
      if (f.object && !f.key.empty() && &f != &stack_.back()) out += (out.empty() ? "" : ".") + f.key;
      else if (!f.object && &f != &stack_.back()) out += "[" + std::to_string(f.index) + "]";
    }
    if (!stack_.empty() && stack_.back().object) {
      const std::string& k = last.empty() ? stack_.back().key : last;
      if (!k.empty()) out += (out.empty() ? "" : ".") + k;
    } else if (!stack_.empty()) {
      out += "[" + std::to_string(stack_.back().index) + "]";
    }
    return out.empty() ? "body" : out;
  }
  std::vector<Frame> stack_;
};
} // namespace

namespace {
using google::protobuf::Descriptor;

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

Violation wrong_type(const std::string& path, const char* ja, const char* en) {
  return violation(path, "wrong_type", std::string(ja) + "で指定してください", std::string("must be ") + en);
}

// An integer as protobuf's JSON mapping takes it: a number (or a quoted one) without a
// fraction, within the field's range.
std::optional<Violation> integer_problem(const nlohmann::json& v, const FieldDescriptor* f, const std::string& path) {
  const bool is64 = f->cpp_type() == FieldDescriptor::CPPTYPE_INT64 || f->cpp_type() == FieldDescriptor::CPPTYPE_UINT64;
  const bool is_unsigned = f->cpp_type() == FieldDescriptor::CPPTYPE_UINT32 || f->cpp_type() == FieldDescriptor::CPPTYPE_UINT64;
  long double n = 0;
  if (v.is_number_integer()) {
    n = v.is_number_unsigned() ? static_cast<long double>(v.get<uint64_t>()) : static_cast<long double>(v.get<int64_t>());
  } else if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::floor(d) != d) return wrong_type(path, "整数", "an integer");
    n = d;
  } else if (v.is_string()) {
    const std::string& text = v.get_ref<const std::string&>();
    size_t used = 0;
    try {
      n = std::stold(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (text.empty() || used != text.size() || std::floor(n) != n) return wrong_type(path, "整数", "an integer");
  } else {
    return wrong_type(path, "整数", "an integer");
  }
  const int64_t lo = is_unsigned ? 0 : is64 ? INT64_MIN : INT32_MIN;
  const uint64_t hi = is64 ? (is_unsigned ? UINT64_MAX : uint64_t(INT64_MAX)) : (is_unsigned ? UINT32_MAX : uint64_t(INT32_MAX));
  if (n < static_cast<long double>(lo) || n > static_cast<long double>(hi))
    return violation(path, "number_out_of_range", "数値が範囲外です",
                     "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return std::nullopt;
}

void check_message(const nlohmann::json& v, const Descriptor* desc, const std::string& path, std::vector<Violation>& out);

// One value of field `f` (an element when `f` is repeated).
void check_value(const nlohmann::json& v, const FieldDescriptor* f, const std::string& path, std::vector<Violation>& out) {
  if (v.is_null()) return;  // protobuf's JSON mapping: the field's default
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      if (!v.is_string()) out.push_back(wrong_type(path, "文字列", "a string"));
      return;
    case FieldDescriptor::CPPTYPE_BOOL:
      if (!v.is_boolean()) out.push_back(wrong_type(path, "true または false", "true or false"));
      return;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      if (auto problem = integer_problem(v, f, path)) out.push_back(std::move(*problem));
      return;
    case FieldDescriptor::CPPTYPE_FLOAT:
    case FieldDescriptor::CPPTYPE_DOUBLE:
      if (!v.is_number() && !v.is_string()) out.push_back(wrong_type(path, "数値", "a number"));
      return;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* e = f->enum_type();
      bool known = (v.is_string() && e->FindValueByName(v.get<std::string>())) ||
                   (v.is_number_integer() && e->FindValueByNumber(v.get<int>()));
      if (!known) {
        std::vector<std::string> names;
        for (int i = 0; i < e->value_count(); ++i) names.push_back(e->value(i)->name());
        out.push_back(violation(path, "invalid_choice", "次のいずれかを指定してください: " + joined(names),
                                "must be one of: " + joined(names)));
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      check_message(v, f->message_type(), path, out);
      return;
  }
}

// `v` as a message of type `desc`: an object whose keys are its fields (proto or JSON
// names). Well-known types keep protobuf's own JSON forms.
void check_message(const nlohmann::json& v, const Descriptor* desc, const std::string& path, std::vector<Violation>& out) {
  const std::string& type = desc->full_name();
  if (type == "google.protobuf.Value" || type == "google.protobuf.Any") return;
  if (type == "google.protobuf.Timestamp" || type == "google.protobuf.Duration" || type == "google.protobuf.FieldMask") {
    if (!v.is_string()) out.push_back(wrong_type(path, "文字列", "a string"));
    return;
  }
  if (type == "google.protobuf.ListValue") {
    if (!v.is_array()) out.push_back(wrong_type(path, "配列", "an array"));
    return;
  }
  if (desc->file()->package() == "google.protobuf" && desc->name().size() > 5 &&
      desc->name().compare(desc->name().size() - 5, 5, "Value") == 0 && desc->FindFieldByName("value")) {
    return check_value(v, desc->FindFieldByName("value"), path, out);  // the wrappers: their value
  }
  if (!v.is_object()) {
    out.push_back(wrong_type(path, "オブジェクト", "an object"));
    return;
  }
  if (type == "google.protobuf.Struct") return;
  auto at = [&](const std::string& key) {
    if (key.empty()) return path + "[\"\"]";  // an empty key still gets a path (found by fuzzing)
    return path.empty() ? key : path + "." + key;
  };
  for (const auto& [key, value] : v.items()) {
    const FieldDescriptor* f = desc->FindFieldByName(key);
    for (int i = 0; !f && i < desc->field_count(); ++i)
      if (desc->field(i)->json_name() == key) f = desc->field(i);
    if (!f) {
      out.push_back(violation(at(key), "unknown_field", "この操作では指定できない項目です", "is not a field of this operation"));
      continue;
    }
    if (value.is_null()) continue;
    if (f->is_map()) {
      if (!value.is_object()) {
        out.push_back(wrong_type(at(key), "オブジェクト", "an object"));
        continue;
      }
      for (const auto& [k, item] : value.items()) check_value(item, f->message_type()->map_value(), at(key) + "." + k, out);
    } else if (f->is_repeated()) {
      if (!value.is_array()) {
        out.push_back(wrong_type(at(key), "配列", "an array"));
        continue;
      }
      for (size_t i = 0; i < value.size(); ++i) check_value(value[i], f, at(key) + "[" + std::to_string(i) + "]", out);
    } else {
      check_value(value, f, at(key), out);
    }
  }
}
} // namespace

std::vector<Violation> json_type_problems(std::string_view body, const google::protobuf::Descriptor* type) {
  std::vector<Violation> out;
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) {
    out.push_back(violation("body", "invalid_json", "JSON の形式が正しくありません", "body is not valid JSON"));
    return out;
  }
  if (!json.is_object()) {
    out.push_back(violation("body", "wrong_type", "JSON のオブジェクトで指定してください", "must be a JSON object"));
    return out;
  }
  check_message(json, type, "", out);
  return out;
}

std::string full_field_path(const google::protobuf::Descriptor* request, const std::string& field) {
  std::string first = field.substr(0, field.find_first_of(".["));
  if (first.empty() || request->FindFieldByName(first)) return field;
  const FieldDescriptor* holder = nullptr;
  for (int i = 0; i < request->field_count(); ++i) {
    const FieldDescriptor* f = request->field(i);
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated() ||
        !f->message_type()->FindFieldByName(first))
      continue;
    if (holder) return field;  // two candidates: leave it as the service named it
    holder = f;
  }
  return holder ? holder->name() + "." + field : field;
}

std::optional<Violation> json_shape_problem(std::string_view body) {
  JsonShape shape;
  nlohmann::json::sax_parse(body, &shape);
  return shape.problem;
}

bool is_file(const google::protobuf::Descriptor* d) { return d == civic::common::HttpBody::descriptor(); }

bool is_private(const google::protobuf::FieldDescriptor* f) { return f->options().GetExtension(civic::private_field); }

std::vector<std::pair<std::string, std::string>> split_query(std::string_view raw) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0;
  while (i < raw.size()) {
    size_t amp = raw.find('&', i);
    if (amp == std::string_view::npos) amp = raw.size();
    std::string_view pair = raw.substr(i, amp - i);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      out.emplace_back(std::string(pair.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
    }
    i = amp + 1;
  }
  return out;
}

namespace {
// Path variables and query parameters onto `msg`, after its body (shared by JSON and
// multipart requests).
void bind_path_and_query(const Route& route, const std::map<std::string, std::string>& vars,
                         const std::vector<std::pair<std::string, std::string>>& query, Message* msg,
                         std::vector<Violation>& out) {
  const auto* desc = msg->GetDescriptor();
  for (const auto& [name, value] : vars) {
    const auto* f = desc->FindFieldByName(name);
    msg->GetReflection()->ClearField(msg, f);
    if (!set_scalar(msg, f, value))
      out.push_back(violation(name, "invalid_format", "値の形式が正しくありません", "has the wrong format"));
  }

  std::set<std::string> seen;
  for (const auto& [raw_name, raw_value] : query) {
    auto name = percent_decode(raw_name, true);
    auto value = percent_decode(raw_value, true);
    // A parameter without a (readable) name is reported as the query's (found by fuzzing:
    // "&=x" made a violation with an empty field).
    bool named = name && !name->empty() && validation::valid_utf8(*name);
    if (!named || !value || !validation::valid_utf8(*value)) {
      out.push_back(violation(named ? *name : "query", "invalid_encoding", "クエリの形式が正しくありません",
                              "is not a valid query component"));
      continue;
    }
    const auto* f = desc->FindFieldByName(*name);
    bool bound = vars.count(*name) || route.body == "*" || (!route.body.empty() && *name == route.body);
    if (!f || bound || f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      out.push_back(violation(*name, "unknown_parameter", "指定できないパラメータです", "is not a parameter of this operation"));
      continue;
    }
    if (!f->is_repeated() && !seen.insert(*name).second) {
      out.push_back(violation(*name, "repeated_parameter", "同じパラメータが複数指定されています", "is given more than once"));
      continue;
    }
    if (!set_scalar(msg, f, *value))
      out.push_back(violation(*name, "invalid_format", "値の形式が正しくありません", "has the wrong format"));
  }
}
} // namespace

std::vector<Violation> build_request(const Route& route, const std::map<std::string, std::string>& vars,
                                     const std::vector<std::pair<std::string, std::string>>& query,
                                     const std::string& body, Message* msg) {
  std::vector<Violation> out;
  const auto* desc = msg->GetDescriptor();
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = false;

  bool blank = body.find_first_not_of(" \t\r\n") == std::string::npos;
  if (route.body.empty()) {
    // `{}` is what most HTTP clients send with a POST that carries nothing; accept it.
    std::string compact;
    for (char ch : body)
      if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') compact += ch;
    if (!blank && compact != "{}") out.push_back(violation("body", "unexpected_body", "この操作にはリクエスト本文を指定できません",
                                        "this operation takes no request body"));
  } else if (!blank) {
    if (!validation::valid_utf8(body)) {
      out.push_back(violation("body", "invalid_encoding", "文字コードが正しくありません（UTF-8）", "must be valid UTF-8"));
      return out;
    }
    if (auto problem = json_shape_problem(body)) {
      out.push_back(std::move(*problem));
      return out;
    }
    Message* target = msg;
    if (route.body != "*") target = msg->GetReflection()->MutableMessage(msg, desc->FindFieldByName(route.body));
    // Unknown fields, wrong types and values outside a closed set, each by its full path;
    // protobuf's own parser, next, names none of them.
    if (auto problems = json_type_problems(body, target->GetDescriptor()); !problems.empty()) return problems;
    auto st = google::protobuf::util::JsonStringToMessage(body, target, opts);
    if (!st.ok()) {
      out.push_back(violation("body", "invalid_json", "JSON の形式または項目名が正しくありません",
                              "body is not valid JSON for this operation (malformed, unknown field or wrong type)"));
      return out;
    }
  }

  bind_path_and_query(route, vars, query, msg, out);
  return out;
}

std::vector<Violation> build_upload_request(const Route& route, const std::map<std::string, std::string>& vars,
                                            const std::vector<std::pair<std::string, std::string>>& query,
                                            const std::vector<MultipartPart>& parts, Message* msg) {
  std::vector<Violation> out;
  const auto* desc = msg->GetDescriptor();
  const auto* refl = msg->GetReflection();
  for (const auto& part : parts) {
    const auto* f = desc->FindFieldByName(part.name);
    bool bound = f && vars.count(part.name);
    if (!f || bound || f->is_repeated()) {
      out.push_back(violation(part.name, "unknown_field", "この操作では指定できない項目です", "is not a field of this operation"));
      continue;
    }
    if (part.filename) {
      if (!is_file(f->message_type())) {
        out.push_back(violation(part.name, "not_a_file", "ファイルではなく値を指定してください", "takes a value, not a file"));
        continue;
      }
      auto* file = static_cast<civic::common::HttpBody*>(refl->MutableMessage(msg, f));
      file->set_filename(*part.filename);
      file->set_content_type(part.content_type);
      file->set_data(part.data.data(), part.data.size());
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE || !set_scalar(msg, f, std::string(part.data))) {
      out.push_back(violation(part.name, "invalid_format", "値の形式が正しくありません", "has the wrong format"));
    }
  }
  bind_path_and_query(route, vars, query, msg, out);
  return out;
}

namespace {
using google::protobuf::FieldDescriptor;
using google::protobuf::Reflection;

// A JSON string. Services send valid UTF-8 (protobuf checks string fields when it
// parses them), so only quotes, backslashes and control characters need escaping;
// < > & are escaped too, so no response can be read as markup. The bytes between two
// escapes are appended as one run (every response's text goes through here).
void write_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // the first byte not yet written
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

// The wire type of the field types services answer with (integers, flags, text, bytes,
// messages); nullopt for the others (enums, floating point, fixed and zigzag integers,
// groups), which render_wire leaves to the parser.
std::optional<int> wire_type_of(const FieldDescriptor* f) {
  switch (f->type()) {
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_BOOL: return 0;
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE: return 2;
    default: return std::nullopt;
  }
}

// What the renderers need of a message type, worked out once per type and thread: each
// field's descriptor, its JSON key, whether it is left out when not set, and (for
// render_wire) the field index by number.
struct FieldPlan {
  const FieldDescriptor* field;
  std::string key;          // "name":
  bool omitted_when_unset;  // private fields (SPEC DIR-7) and singular messages
};
struct Plan {
  std::vector<FieldPlan> fields;  // in declaration order
  std::vector<int> by_number;     // field number -> index in `fields`, or -1
  bool readable = true;           // render_wire: false to parse instead (maps, oneofs, repeated numbers, other types)
};

const Plan& plan_of(const google::protobuf::Descriptor* d) {
  thread_local std::unordered_map<const google::protobuf::Descriptor*, std::unique_ptr<Plan>> plans;
  auto& plan = plans[d];
  if (plan) return *plan;
  plan = std::make_unique<Plan>();
  int max_number = 0;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    std::string key;
    write_string(key, f->name());
    key += ':';
    bool singular_message = !f->is_repeated() && f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    plan->fields.push_back({f, std::move(key), is_private(f) || singular_message});
    max_number = std::max(max_number, f->number());
    if (!wire_type_of(f) || f->is_map() || (f->is_repeated() && *wire_type_of(f) != 2)) plan->readable = false;
  }
  // The parser keeps one member of a oneof; the wire may carry several.
  if (max_number > 4096 || d->real_oneof_decl_count() > 0) plan->readable = false;
  if (!plan->readable) return *plan;
  plan->by_number.assign(size_t(max_number) + 1, -1);
  for (int i = 0; i < d->field_count(); ++i) plan->by_number[size_t(d->field(i)->number())] = i;
  return *plan;
}

// 64-bit integers as strings (proto3 JSON: JavaScript numbers lose precision), bytes as base64.
void write_quoted(std::string& out, const std::string& text) {
  out += '"';
  out += text;
  out += '"';
}

void write_message(std::string& out, const Message& msg, const std::string& skip);

// One value of `f` (element `index` of a repeated field, or -1).
void write_value(std::string& out, const Message& msg, const FieldDescriptor* f, int index) {
  const Reflection* r = msg.GetReflection();
  bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: out += std::to_string(rep ? r->GetRepeatedInt32(msg, f, index) : r->GetInt32(msg, f)); break;
    case FieldDescriptor::CPPTYPE_UINT32: out += std::to_string(rep ? r->GetRepeatedUInt32(msg, f, index) : r->GetUInt32(msg, f)); break;
    case FieldDescriptor::CPPTYPE_INT64: write_quoted(out, std::to_string(rep ? r->GetRepeatedInt64(msg, f, index) : r->GetInt64(msg, f))); break;
    case FieldDescriptor::CPPTYPE_UINT64: write_quoted(out, std::to_string(rep ? r->GetRepeatedUInt64(msg, f, index) : r->GetUInt64(msg, f))); break;
    case FieldDescriptor::CPPTYPE_DOUBLE: out += nlohmann::json(rep ? r->GetRepeatedDouble(msg, f, index) : r->GetDouble(msg, f)).dump(); break;
    case FieldDescriptor::CPPTYPE_FLOAT: out += nlohmann::json(rep ? r->GetRepeatedFloat(msg, f, index) : r->GetFloat(msg, f)).dump(); break;
    case FieldDescriptor::CPPTYPE_BOOL: out += (rep ? r->GetRepeatedBool(msg, f, index) : r->GetBool(msg, f)) ? "true" : "false"; break;
    case FieldDescriptor::CPPTYPE_ENUM: write_string(out, (rep ? r->GetRepeatedEnum(msg, f, index) : r->GetEnum(msg, f))->name()); break;
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& v = rep ? r->GetRepeatedStringReference(msg, f, index, &scratch) : r->GetStringReference(msg, f, &scratch);
      if (f->type() == FieldDescriptor::TYPE_BYTES) write_quoted(out, crypto::base64(v));
      else write_string(out, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      write_message(out, rep ? r->GetRepeatedMessage(msg, f, index) : r->GetMessage(msg, f), "");
      break;
  }
}

// A map entry's key as a JSON object key.
std::string map_key(const Message& entry) {
  const auto* key = entry.GetDescriptor()->map_key();
  const Reflection* r = entry.GetReflection();
  switch (key->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: return r->GetString(entry, key);
    case FieldDescriptor::CPPTYPE_BOOL: return r->GetBool(entry, key) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_INT32: return std::to_string(r->GetInt32(entry, key));
    case FieldDescriptor::CPPTYPE_UINT32: return std::to_string(r->GetUInt32(entry, key));
    case FieldDescriptor::CPPTYPE_INT64: return std::to_string(r->GetInt64(entry, key));
    default: return std::to_string(r->GetUInt64(entry, key));
  }
}

// proto3 JSON with proto field names and every field present (scalars at their
// defaults, repeated fields as [], maps as {}), except: unset singular messages, the
// field `skip`, and private fields (civic.private_field) that the service left empty,
// so a public response does not even name them (SPEC DIR-7). One pass, no re-parse:
// this is every response's hot path.
void write_message(std::string& out, const Message& msg, const std::string& skip) {
  const Reflection* r = msg.GetReflection();
  out += '{';
  bool first = true;
  for (const FieldPlan& fp : plan_of(msg.GetDescriptor()).fields) {
    const FieldDescriptor* f = fp.field;
    if (!skip.empty() && f->name() == skip) continue;
    bool present = f->is_repeated() ? r->FieldSize(msg, f) > 0 : r->HasField(msg, f);
    if (!present && fp.omitted_when_unset) continue;
    if (!first) out += ',';
    first = false;
    out += fp.key;
    if (f->is_map()) {
      out += '{';
      for (int k = 0; k < r->FieldSize(msg, f); ++k) {
        const Message& entry = r->GetRepeatedMessage(msg, f, k);
        if (k) out += ',';
        write_string(out, map_key(entry));
        out += ':';
        write_value(out, entry, entry.GetDescriptor()->map_value(), -1);
      }
      out += '}';
    } else if (f->is_repeated()) {
      out += '[';
      for (int k = 0; k < r->FieldSize(msg, f); ++k) {
        if (k) out += ',';
        write_value(out, msg, f, k);
      }
      out += ']';
    } else {
      write_value(out, msg, f, -1);
    }
  }
  out += '}';
}
} // namespace

std::string render_response(Message& msg, const std::string& strip, std::string* stripped) {
  if (!strip.empty() && stripped) {
    const auto* f = msg.GetDescriptor()->FindFieldByName(strip);
    *stripped = msg.GetReflection()->GetString(msg, f);
  }
  std::string out;
  out.reserve(size_t(msg.ByteSizeLong()) * 2 + 64);
  write_message(out, msg, strip);
  return out;
}

// ---- responses straight from the wire --------------------------------------------
namespace {
// One field's value on the wire.
struct Occurrence {
  int field;      // index in the plan
  int wire_type;  // 0 varint, 2 length-delimited (1 and 5: unknown fields only)
  uint64_t number = 0;
  std::string_view bytes;
};

struct WireReader {
  const char* p;
  const char* end;
  // At most `limit` bytes (10 for a value, 5 for a tag or a length, as protobuf reads them).
  bool varint(uint64_t& v, int limit = 10) {
    v = 0;
    for (int shift = 0; shift < 7 * limit; shift += 7) {
      if (p == end) return false;
      auto b = static_cast<uint8_t>(*p++);
      v |= uint64_t(b & 0x7F) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool fixed(int size, uint64_t& v) {
    if (end - p < size) return false;
    v = 0;
    std::memcpy(&v, p, size_t(size));  // little-endian, as x86-64 and the wire are
    p += size;
    return true;
  }
  bool bytes(std::string_view& s) {
    uint64_t n;  // a length is read as a 32-bit varint
    if (!varint(n, 5) || n > INT32_MAX || n > uint64_t(end - p)) return false;
    s = {p, size_t(n)};
    p += n;
    return true;
  }
};

// RFC 3629 UTF-8, as protobuf's parser requires of a string field.
bool valid_utf8(std::string_view s) {
  auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint8_t* end = p + s.size();
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    int n;
    uint32_t c;
    if ((*p & 0xE0) == 0xC0) n = 1, c = *p & 0x1F;
    else if ((*p & 0xF0) == 0xE0) n = 2, c = *p & 0x0F;
    else if ((*p & 0xF8) == 0xF0) n = 3, c = *p & 0x07;
    else return false;
    if (end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      c = (c << 6) | (p[i] & 0x3F);
    }
    if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) || (n == 3 && c < 0x10000) || c > 0x10FFFF ||
        (c >= 0xD800 && c <= 0xDFFF))
      return false;
    p += n + 1;
  }
  return true;
}

bool write_wire(std::string& out, const google::protobuf::Descriptor* d, std::string_view wire, int depth);

// One value of `f` as it came on the wire; false where only the parser knows the answer.
bool write_wire_value(std::string& out, const FieldDescriptor* f, uint64_t v, std::string_view bytes, int depth) {
  switch (f->type()) {
    case FieldDescriptor::TYPE_INT32: out += std::to_string(int32_t(uint32_t(v))); break;
    case FieldDescriptor::TYPE_INT64: write_quoted(out, std::to_string(int64_t(v))); break;
    case FieldDescriptor::TYPE_BOOL: out += v ? "true" : "false"; break;
    case FieldDescriptor::TYPE_STRING: write_string(out, bytes); break;  // checked when read
    case FieldDescriptor::TYPE_BYTES: write_quoted(out, crypto::base64(bytes)); break;
    default: return write_wire(out, f->message_type(), bytes, depth + 1);  // TYPE_MESSAGE (wire_type_of)
  }
  return true;
}

// A field left off the wire: its proto3 default.
void write_default(std::string& out, const FieldDescriptor* f) {
  switch (f->type()) {
    case FieldDescriptor::TYPE_INT64: out += "\"0\""; break;
    case FieldDescriptor::TYPE_BOOL: out += "false"; break;
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES: out += "\"\""; break;
    default: out += '0';  // TYPE_INT32 (messages left off are not written)
  }
}

bool write_wire(std::string& out, const google::protobuf::Descriptor* d, std::string_view wire, int depth) {
  if (depth > 100) return false;  // protobuf's own recursion limit
  const Plan& plan = plan_of(d);
  if (!plan.readable) return false;
  std::vector<Occurrence> found;
  found.reserve(plan.fields.size());
  WireReader r{wire.data(), wire.data() + wire.size()};
  while (r.p != r.end) {
    uint64_t tag;
    if (!r.varint(tag, 5) || (tag >> 3) == 0 || tag > UINT32_MAX) return false;
    Occurrence o{-1, int(tag & 7), 0, {}};
    uint64_t skipped;
    bool ok = o.wire_type == 0 ? r.varint(o.number)
              : o.wire_type == 1 ? r.fixed(8, skipped)
              : o.wire_type == 5 ? r.fixed(4, skipped)
              : o.wire_type == 2 ? r.bytes(o.bytes)
                                 : false;  // groups
    if (!ok) return false;
    uint64_t number = tag >> 3;
    if (number >= plan.by_number.size() || plan.by_number[number] < 0) continue;  // unknown: never shown
    o.field = plan.by_number[number];
    // Another wire type than the field's: the parser keeps it as an unknown field (or
    // reads a packed run); decide nothing here.
    const FieldDescriptor* f = plan.fields[size_t(o.field)].field;
    if (o.wire_type != *wire_type_of(f)) return false;
    if (f->type() == FieldDescriptor::TYPE_STRING && !valid_utf8(o.bytes)) return false;  // each one, as the parser does
    found.push_back(o);
  }
  std::stable_sort(found.begin(), found.end(), [](const Occurrence& a, const Occurrence& b) { return a.field < b.field; });

  out += '{';
  bool first = true;
  size_t at = 0;
  for (size_t i = 0; i < plan.fields.size(); ++i) {
    const FieldPlan& fp = plan.fields[i];
    const FieldDescriptor* f = fp.field;
    size_t from = at;
    while (at < found.size() && found[at].field == int(i)) ++at;
    const size_t count = at - from;
    bool present;
    if (f->is_repeated()) {
      present = count > 0;
    } else if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (count > 1) return false;  // merged by the parser
      present = count == 1;
    } else if (count == 0) {
      present = false;
    } else if (f->has_presence()) {
      present = true;
    } else {  // proto3 without presence: a default value on the wire is not set
      const Occurrence& last = found[at - 1];
      present = f->type() == FieldDescriptor::TYPE_STRING || f->type() == FieldDescriptor::TYPE_BYTES ? !last.bytes.empty()
                : f->type() == FieldDescriptor::TYPE_INT32                                      ? uint32_t(last.number) != 0
                                                                                                  : last.number != 0;
    }
    if (!present && fp.omitted_when_unset) continue;
    if (!first) out += ',';
    first = false;
    out += fp.key;
    if (f->is_repeated()) {
      out += '[';  // strings, bytes or messages: one element each
      for (size_t k = from; k < at; ++k) {
        if (k > from) out += ',';
        if (!write_wire_value(out, f, found[k].number, found[k].bytes, depth)) return false;
      }
      out += ']';
    } else if (!present) {
      write_default(out, f);
    } else {
      const Occurrence& last = found[at - 1];  // the last one wins
      if (!write_wire_value(out, f, last.number, last.bytes, depth)) return false;
    }
  }
  out += '}';
  return true;
}
} // namespace

std::optional<std::string> render_wire(const google::protobuf::Descriptor* type, std::string_view wire) {
  std::string out;
  out.reserve(wire.size() * 2 + 64);
  if (!write_wire(out, type, wire, 0)) return std::nullopt;
  return out;
}

namespace {
// Bidirectional controls (U+061C, U+200E-F, U+202A-E, U+2066-9) let "f\u202egnp.pdf"
// show as "fdp.png": a download's name never carries them (issue 12).
std::string without_bidi_controls(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size();) {
    auto b = [&](size_t k) { return i + k < name.size() ? static_cast<unsigned char>(name[i + k]) : 0; };
    bool bidi = (b(0) == 0xD8 && b(1) == 0x9C) ||
                (b(0) == 0xE2 && b(1) == 0x80 && (b(2) == 0x8E || b(2) == 0x8F || (b(2) >= 0xAA && b(2) <= 0xAE))) ||
                (b(0) == 0xE2 && b(1) == 0x81 && b(2) >= 0xA6 && b(2) <= 0xA9);
    if (bidi) {
      i += b(0) == 0xD8 ? 2 : 3;
      continue;
    }
    out += name[i++];
  }
  return out;
}
} // namespace

std::string content_disposition(const std::string& filename) {
  std::string ascii, encoded;
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : without_bidi_controls(filename)) {
    bool plain = std::isalnum(c) || c == '.' || c == '-' || c == '_';
    // Quotes, backslashes, slashes, controls and non-ASCII never reach the quoted name.
    ascii += plain ? char(c) : '_';
    if (plain) encoded += char(c);
    else {
      encoded += '%';
      encoded += hex[c >> 4];
      encoded += hex[c & 15];
    }
  }
  if (ascii.empty()) ascii = "download";
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

} // namespace civic::gateway
