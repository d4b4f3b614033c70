#include "gateway/openapi.h"

#include <nlohmann/json.hpp>
#include <set>

#include "civic/http_options.pb.h"
#include "gateway/transcoder.h"

namespace civic::gateway {
namespace {
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using nlohmann::json;

json scalar_schema(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_UINT32: return {{"type", "integer"}, {"format", "int32"}};
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT64: return {{"type", "string"}, {"format", "int64"}};
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: return {{"type", "number"}};
    case FieldDescriptor::CPPTYPE_BOOL: return {{"type", "boolean"}};
    case FieldDescriptor::CPPTYPE_ENUM: {
      json values = json::array();
      for (int i = 0; i < f->enum_type()->value_count(); ++i) values.push_back(f->enum_type()->value(i)->name());
      return {{"type", "string"}, {"enum", values}};
    }
    case FieldDescriptor::CPPTYPE_STRING:
      return f->type() == FieldDescriptor::TYPE_BYTES ? json{{"type", "string"}, {"format", "byte"}} : json{{"type", "string"}};
    case FieldDescriptor::CPPTYPE_MESSAGE: break;
  }
  return {{"type", "object"}};
}

void add_schema(const Descriptor* d, json& schemas, std::set<std::string>& done) {
  if (!done.insert(d->full_name()).second) return;
  json props = json::object();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    json s;
    if (f->is_map()) {
      const auto* value = f->message_type()->map_value();
      s = {{"type", "object"}, {"additionalProperties", scalar_schema(value)}};
    } else {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        add_schema(f->message_type(), schemas, done);
        s = {{"$ref", "#/components/schemas/" + f->message_type()->full_name()}};
      } else {
        s = scalar_schema(f);
      }
      if (f->is_repeated()) s = {{"type", "array"}, {"items", s}};
    }
    props[f->name()] = s;
  }
  schemas[d->full_name()] = {{"type", "object"}, {"properties", props}};
}

std::string openapi_path(const PathTemplate& t) {
  // {var=**} -> {var}
  std::string out;
  const std::string& s = t.text();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '=') {
      while (i < s.size() && s[i] != '}') ++i;
    }
    if (i < s.size()) out += s[i];
  }
  return out;
}
} // namespace

std::string openapi_document(const RouteTable& routes) {
  json schemas = json::object();
  std::set<std::string> done;
  schemas["Error"] = {
      {"type", "object"},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"properties",
           {{"code", {{"type", "integer"}}},
            {"status", {{"type", "string"}}},
            {"message", {{"type", "string"}}},
            {"details",
             {{"type", "array"},
              {"items",
               {{"type", "object"},
                {"properties",
                 {{"field", {{"type", "string"}}}, {"reason", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}}}}}}}};
  json paths = json::object();
  for (const auto& r : routes.routes()) {
    const auto* in = r.method->input_type();
    const auto* out = r.method->output_type();
    add_schema(in, schemas, done);
    add_schema(out, schemas, done);
    json op = {{"operationId", r.method->service()->name() + "_" + r.method->name()},
               {"summary", r.summary},
               {"tags", json::array({r.backend})}};
    json params = json::array();
    std::set<std::string> bound;
    for (const auto& [header, field] : r.header_fields) {
      bound.insert(field->name());
      params.push_back({{"name", field->options().GetExtension(civic::from_header)}, {"in", "header"},
                        {"required", true}, {"schema", {{"type", "string"}}}});
    }
    for (const auto& v : r.path.variables()) {
      bound.insert(v);
      params.push_back({{"name", v}, {"in", "path"}, {"required", true}, {"schema", scalar_schema(in->FindFieldByName(v))}});
    }
    if (r.body.empty()) {
      for (int i = 0; i < in->field_count(); ++i) {
        const auto* f = in->field(i);
        if (bound.count(f->name()) || f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) continue;
        if (r.server_to_server && f->name() == "raw_body") continue;  // the body, below
        json s = scalar_schema(f);
        if (f->is_repeated()) s = {{"type", "array"}, {"items", s}};
        params.push_back({{"name", f->name()}, {"in", "query"}, {"required", false}, {"schema", s}});
      }
    } else {
      const Descriptor* body = r.body == "*" ? in : in->FindFieldByName(r.body)->message_type();
      // (a header field of a "*" body is documented as its header; a JSON value for it is overwritten)
      add_schema(body, schemas, done);
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/" + body->full_name()}}}}}}}};
    }
    if (r.server_to_server) {
      op["requestBody"] = {{"required", false},
                           {"content", {{"*/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}};
      op["security"] = json::array();  // another server calls: no session
      op["x-server-to-server"] = true;
    }
    if (!r.client_role.empty()) {
      op["security"] = json::array({{{"apiClientBasic", json::array()}}, {{"apiClientBearer", json::array()}}});
      op["x-client-role"] = r.client_role;
    }
    if (!params.empty()) op["parameters"] = params;
    json ok_schema = {{"$ref", "#/components/schemas/" + out->full_name()}};
    std::string desc = r.set_session_cookie.empty() ? "Success" : "Success; sets the session cookie (the token is not in the body)";
    json ok_content = {{"application/json", {{"schema", ok_schema}}}};
    if (out->full_name() == "civic.common.HttpBody")  // sent as raw bytes (CSV, files), not JSON
      ok_content = {{"application/octet-stream", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}};
    op["responses"] = {{std::to_string(r.success_code), {{"description", desc}, {"content", ok_content}}},
                       {"default", {{"description", "Error (GW-2)"}, {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}};
    if (r.personal) op["x-personal-data"] = true;
    if (r.rate_limited) op["x-rate-limited"] = true;
    std::string verb = r.verb;
    std::transform(verb.begin(), verb.end(), verb.begin(), ::tolower);
    paths[openapi_path(r.path)][verb] = op;
  }
  json doc = {{"openapi", "3.0.3"},
              {"info", {{"title", "Yamaguchi civic-activity platform API"}, {"version", "1"},
                        {"description", "Supernet and Aikasanet backend. Generated from the proto annotations."}}},
              {"servers", json::array({{{"url", "/"}}})},
              {"components", {{"schemas", schemas},
                              {"securitySchemes", {{"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "__Host-civic_session"}}},
                                                  {"apiClientBasic", {{"type", "http"}, {"scheme", "basic"}}},
                                                  {"apiClientBearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}},
              {"security", json::array({{{"session", json::array()}}})},
              {"paths", paths}};
  return doc.dump();
}

} // namespace civic::gateway
