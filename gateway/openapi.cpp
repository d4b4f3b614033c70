#include "gateway/openapi.h"

#include <nlohmann/json.hpp>
#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "civic/http_options.pb.h"
#include "gateway/transcoder.h"
#include "proto_docs.h"

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

// A string field's format by the proto's naming conventions (every message follows
// them), or "".
std::string format_of(const FieldDescriptor* f) {
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_STRING || f->type() == FieldDescriptor::TYPE_BYTES) return "";
  const std::string& n = f->name();
  auto ends = [&](std::string_view suffix) {
    return n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (n == "email" || ends("_email")) return "email";
  if (n == "url" || ends("_url")) return "uri";
  if (ends("_at")) return "date-time";
  if (n == "date" || ends("_on") || ends("_date")) return "date";
  return "";
}

const FieldRule& rule_of(const FieldDescriptor* f) { return f->options().GetExtension(civic::rule); }

// A scalar field's schema with its format and its declared closed set.
json field_schema(const FieldDescriptor* f) {
  json s = scalar_schema(f);
  if (std::string format = format_of(f); !format.empty()) s["format"] = format;
  if (const auto& choices = rule_of(f).one_of(); !choices.empty())
    s["enum"] = json(std::vector<std::string>(choices.begin(), choices.end()));
  return s;
}

// Whether a schema lists `f` as `required`: its rule requires it always. A private field
// is left out of public answers, so it is required in requests only, which its
// description says (rule_note) instead.
bool listed_required(const FieldDescriptor* f) { return rule_of(f).required() && !is_private(f); }

// What `required` cannot say: a field required only with other values, or only in requests.
std::string rule_note(const FieldDescriptor* f) {
  const FieldRule& rule = rule_of(f);
  if (!rule.required_when().empty()) return "Required when " + rule.required_when() + ".";
  if (rule.required() && is_private(f)) return "Required in requests; not shown in public answers.";
  return "";
}

// `f`'s comment in its .proto, the route of the taxonomy whose codes it holds when the
// comment names one ("taxonomy target_areas"), then (unless `partial`) its rule note.
std::string description_of(const FieldDescriptor* f, bool partial = false) {
  static const std::regex kTaxonomy("taxonomy ([a-z_]+)");
  std::string text = proto_docs::comment(f), note = partial ? "" : rule_note(f);
  if (std::smatch m; std::regex_search(text, m, kTaxonomy))
    text += " Codes: GET /api/v1/taxonomies/" + m[1].str() + ".";
  return text.empty() ? note : note.empty() ? text : text + " " + note;
}

// `s` with `f`'s description (a $ref wrapped in allOf) and, for generators and tests, its
// rule itself: x-required-when (the proto's condition) or x-required-in-requests.
json described(json s, const FieldDescriptor* f, bool partial = false) {
  std::string description = description_of(f, partial);
  if (description.empty()) return s;
  if (s.contains("$ref")) s = {{"allOf", json::array({s})}};
  s["description"] = description;
  if (partial || rule_note(f).empty()) return s;
  if (const auto& when = rule_of(f).required_when(); !when.empty()) s["x-required-when"] = when;
  else s["x-required-in-requests"] = true;
  return s;
}

// The `required` list of `d`'s fields (those listed_required), or none.
void add_required(const Descriptor* d, json& schema, const std::set<std::string>& skip = {}) {
  json required = json::array();
  for (int i = 0; i < d->field_count(); ++i)
    if (listed_required(d->field(i)) && !skip.count(d->field(i)->name())) required.push_back(d->field(i)->name());
  if (!required.empty()) schema["required"] = required;
}


// The schema of `d` in components (its full name), and of every message it holds. A field
// declared `partial` (only the items to change) refers to `d`'s ".Changes" variant: the
// same properties, no rule requiring any.
std::string add_schema(const Descriptor* d, json& schemas, std::set<std::string>& done, bool partial = false) {
  std::string name = d->full_name() + (partial ? ".Changes" : "");
  if (!done.insert(name).second) return name;
  json props = json::object();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    json s;
    if (f->is_map()) {
      const auto* value = f->message_type()->map_value();
      s = {{"type", "object"}, {"additionalProperties", scalar_schema(value)}};
    } else {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
        s = {{"$ref", "#/components/schemas/" + add_schema(f->message_type(), schemas, done, rule_of(f).partial())}};
      else
        s = field_schema(f);
      if (f->is_repeated()) s = {{"type", "array"}, {"items", s}};
    }
    props[f->name()] = described(s, f, partial);
  }
  json schema = {{"type", "object"}, {"properties", props}};
  if (std::string comment = proto_docs::comment(d); !comment.empty()) schema["description"] = comment;
  if (partial) schema["description"] = "Only the items to change; the result is checked as a whole record.";
  else add_required(d, schema);
  schemas[name] = schema;
  return name;
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

json ref(const std::string& where, const std::string& name) { return {{"$ref", "#/components/" + where + "/" + name}}; }

// The answers every route may give (GW-2), each with the error envelope.
json error_responses() {
  json error = {{"application/json", {{"schema", ref("schemas", "Error")}}}};
  json retry = {{"description", "Seconds to wait before trying again"}, {"schema", {{"type", "integer"}}}};
  json limit_headers = {{"Retry-After", retry},
                        {"RateLimit-Limit", {{"description", "Requests allowed per window of this route class"},
                                             {"schema", {{"type", "integer"}}}}},
                        {"RateLimit-Remaining", {{"description", "Requests left in the window"}, {"schema", {{"type", "integer"}}}}},
                        {"RateLimit-Reset", {{"description", "Seconds until the window resets"}, {"schema", {{"type", "integer"}}}}}};
  auto answer = [&](const char* description) { return json{{"description", description}, {"content", error}}; };
  json out = {{"BadRequest", answer("A parameter or a body field is wrong: `details` names each by its JSON path "
                                    "(`organization.kind`, `items[3].date`) with a reason and a message")},
              {"Unauthorized", answer("No valid session (or API client credentials)")},
              {"Forbidden", answer("Not allowed for this caller, a missing or wrong CSRF token / X-Requested-With, "
                                   "or an origin that is not allowed")},
              {"NotFound", answer("No such resource, or not visible to this caller")},
              {"Conflict", answer("The record changed since it was read (`version`), or the action does not apply to its state")},
              {"PayloadTooLarge", answer("The body is larger than this route's limit")},
              {"TooManyRequests", answer("Rate limit of the route class exceeded")},
              {"InternalError", answer("Unexpected error; quote the X-Request-Id")},
              {"ServiceUnavailable", answer("A backend is unavailable or the site is in maintenance")}};
  out["TooManyRequests"]["headers"] = limit_headers;
  out["ServiceUnavailable"]["headers"] = {{"Retry-After", retry}};
  return out;
}

// An example of a `d` message built from its fields' types and formats (what a form
// sends: every field once, nested objects to three levels, one element per list).
json example_of(const Descriptor* d, int depth = 0) {
  json out = json::object();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    json v;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (f->is_map() || depth >= 3 || is_file(f->message_type())) continue;
        v = example_of(f->message_type(), depth + 1);
        break;
      case FieldDescriptor::CPPTYPE_BOOL: v = false; break;
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT64: v = "0"; break;
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: v = 0; break;
      case FieldDescriptor::CPPTYPE_ENUM: v = f->enum_type()->value(0)->name(); break;
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string format = format_of(f);
        v = !rule_of(f).one_of().empty() ? rule_of(f).one_of(0)
            : format == "email" ? "hanako@example.jp"
            : format == "uri" ? "https://example.jp/"
            : format == "date" ? "2027-04-01"
            : format == "date-time" ? "2027-04-01T09:00:00+09:00"
            : f->type() == FieldDescriptor::TYPE_BYTES ? "" : "string";
        break;
      }
    }
    out[f->name()] = f->is_repeated() ? json::array({v}) : v;
  }
  return out;
}

// Who may call a route and how it proves it (components.securitySchemes).
json security_of(const Route& r) {
  if (r.server_to_server) return json::array();
  if (!r.client_role.empty()) return json::array({{{"apiClientBasic", json::array()}}, {{"apiClientBearer", json::array()}}});
  bool unsafe = r.verb != "GET";
  json session = {{"session", json::array()}};
  if (unsafe) session["csrfToken"] = json::array();
  if (r.access != "public") return json::array({session});
  if (!unsafe) return json::array();  // public reads: nothing needed (a session may see more)
  return json::array({{{"requestedWith", json::array()}}, session});  // anonymous, or with the session's token
}

std::string access_text(const Route& r) {
  if (r.server_to_server) return "another server (no session, no CSRF rule)";
  if (!r.client_role.empty()) return "the `" + r.client_role + "` API client (HTTP Basic client-id:secret, or Bearer secret)";
  if (r.access == "session") return "a logged-in account";
  if (r.access == "editor") return "staff (editor or admin)";
  if (r.access == "admin") return "administrators only";
  return "anyone; a session is optional (its owner or staff may see more)";
}

// An upload: a civic.common.HttpBody field filled from the multipart part of its name.
const FieldDescriptor* file_field(const Descriptor* d) {
  for (int i = 0; i < d->field_count(); ++i)
    if (d->field(i)->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && is_file(d->field(i)->message_type()))
      return d->field(i);
  return nullptr;
}
} // namespace

std::string openapi_document(const RouteTable& routes) {
  json schemas = json::object();
  std::set<std::string> done;
  json violation = {{"type", "object"},
                    {"required", {"field", "reason", "message"}},
                    {"properties",
                     {{"field", {{"type", "string"}, {"description", "JSON path of the field or parameter"}, {"example", "organization.kind"}}},
                      {"reason", {{"type", "string"}, {"description", "Machine-readable: required, too_long, invalid_format, "
                                                                      "invalid_choice, unknown_field, wrong_type, ..."}}},
                      {"message", {{"type", "string"}, {"description", "For people: Japanese, or English with Accept-Language: en"}}}}}};
  schemas["Error"] = {
      {"type", "object"},
      {"required", {"error"}},
      {"description", "Every error answer (GW-2)"},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"required", {"code", "status", "message", "details"}},
          {"properties",
           {{"code", {{"type", "integer"}, {"description", "The HTTP status"}, {"example", 400}}},
            {"status", {{"type", "string"}, {"description", "gRPC status name"}, {"example", "INVALID_ARGUMENT"}}},
            {"message", {{"type", "string"}}},
            {"details", {{"type", "array"}, {"items", violation}}}}}}}}}};
  json paths = json::object();
  std::set<std::string> backends;
  for (const auto& r : routes.routes()) {
    const auto* in = r.method->input_type();
    const auto* out = r.method->output_type();
    const bool download = is_file(out);  // raw bytes (CSV, files), not JSON
    if (!download) add_schema(out, schemas, done);
    backends.insert(r.backend);
    std::string comment = proto_docs::comment(r.method);
    std::string description = r.summary + ".\n\n" + (comment.empty() ? "" : comment + "\n\n") + "Who may call: " + access_text(r) + ". Rate limit class: `" + r.rate_class + "`.";
    if (r.personal) description += " The answer holds personal data (never cached).";
    if (!r.set_session_cookie.empty()) description += " Sets the session cookie; the token is never in the body.";
    if (r.clear_session_cookie) description += " Clears the session cookie.";
    if (r.open_in_maintenance) description += " Served in maintenance mode too.";
    json op = {{"operationId", r.method->service()->name() + "_" + r.method->name()},
               {"summary", r.summary},
               {"description", description},
               {"tags", json::array({r.backend})},
               {"security", security_of(r)},
               {"x-access", r.client_role.empty() ? r.access : "api_client"}};
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
    const FieldDescriptor* upload = r.body == "*" ? file_field(in) : nullptr;
    if (r.body.empty()) {
      for (int i = 0; i < in->field_count(); ++i) {
        const auto* f = in->field(i);
        if (bound.count(f->name()) || f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) continue;
        if (r.server_to_server && f->name() == "raw_body") continue;  // the body, below
        json s = field_schema(f);
        if (f->is_repeated()) s = {{"type", "array"}, {"items", s}};
        json param = {{"name", f->name()}, {"in", "query"}, {"required", rule_of(f).required()}, {"schema", s}};
        if (std::string about = description_of(f); !about.empty()) param["description"] = about;
        if (!rule_of(f).required_when().empty()) param["x-required-when"] = rule_of(f).required_when();
        params.push_back(param);
      }
    } else if (upload) {
      // multipart/form-data: the file in the part of its field's name, the other fields as text parts.
      json props = {{upload->name(), {{"type", "string"}, {"format", "binary"}}}};
      for (int i = 0; i < in->field_count(); ++i) {
        const auto* f = in->field(i);
        if (f == upload || bound.count(f->name()) || f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) continue;
        props[f->name()] = described(field_schema(f), f);
      }
      json form = {{"type", "object"}, {"properties", props}};
      add_required(in, form, bound);
      form["required"].push_back(upload->name());
      op["requestBody"] = {{"required", true}, {"content", {{"multipart/form-data", {{"schema", form}}}}}};
    } else {
      const Descriptor* body = r.body == "*" ? in : in->FindFieldByName(r.body)->message_type();
      // (a header field of a "*" body is documented as its header; a JSON value for it is overwritten)
      add_schema(body, schemas, done);
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", ref("schemas", body->full_name())},
                                                              {"example", example_of(body)}}}}}};
    }
    if (r.server_to_server) {
      op["requestBody"] = {{"required", false},
                           {"content", {{"*/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}};
    }
    if (!params.empty()) op["parameters"] = params;
    std::string desc = r.set_session_cookie.empty() ? "Success" : "Success; sets the session cookie (the token is not in the body)";
    json ok_content = {{"application/json", {{"schema", ref("schemas", out->full_name())}}}};
    if (download)
      ok_content = {{"application/octet-stream", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}};
    json ok = {{"description", desc}};
    if (out->full_name() != "civic.common.Empty" || r.success_code != 204) ok["content"] = ok_content;
    json responses = {{std::to_string(r.success_code), ok}};
    if (!params.empty() || op.contains("requestBody")) responses["400"] = ref("responses", "BadRequest");
    if (r.access != "public" || !r.client_role.empty()) responses["401"] = ref("responses", "Unauthorized");
    if (r.access != "public" || r.verb != "GET" || !r.client_role.empty()) responses["403"] = ref("responses", "Forbidden");
    if (!r.path.variables().empty()) responses["404"] = ref("responses", "NotFound");
    if (r.verb == "PUT" || r.verb == "PATCH" || r.verb == "DELETE" || r.verb == "POST") responses["409"] = ref("responses", "Conflict");
    if (op.contains("requestBody")) responses["413"] = ref("responses", "PayloadTooLarge");
    responses["429"] = ref("responses", "TooManyRequests");
    responses["500"] = ref("responses", "InternalError");
    responses["503"] = ref("responses", "ServiceUnavailable");
    op["responses"] = responses;
    if (r.personal) op["x-personal-data"] = true;
    if (r.rate_limited) op["x-rate-limited"] = true;
    std::string verb = r.verb;
    std::transform(verb.begin(), verb.end(), verb.begin(), ::tolower);
    paths[openapi_path(r.path)][verb] = op;
  }
  static const std::map<std::string, std::string> kTags = {
      {"auth", "Accounts, sessions and logins, staff accounts, API clients and the audit log"},
      {"notification", "Mail, the mail magazine and newsletters, contact messages, mail stops, LINE and the health app"},
      {"content", "Site settings, taxonomies, terms of use, articles, notices, pages and view statistics"},
      {"directory", "Organisations of Supernet and Aikasanet: registration, search, corrections and attachments"},
      {"grants", "Grants, activity reports and the library catalogue"},
      {"matching", "Aikasanet volunteers and groups: profiles, matching and one-click answers"},
      {"recruitment", "Volunteer recruitments, applications and the event calendar"},
      {"portal", "Home page and site-wide search (composites of the other services), sitemap and this document"}};
  json tags = json::array();
  for (const auto& b : backends) {
    auto it = kTags.find(b);
    tags.push_back({{"name", b}, {"description", it != kTags.end() ? it->second : b}});
  }
  json doc = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "Yamaguchi civic-activity platform API"},
        {"version", "1"},
        {"description",
         "Supernet and Aikasanet backend. Generated from the proto annotations.\n\n"
         "Errors: every error answers the `Error` envelope; `details` names each wrong field by its JSON path. "
         "Messages are Japanese, English with `Accept-Language: en`.\n\n"
         "Sessions: the login sets an HttpOnly session cookie. A write with the cookie sends the session's CSRF "
         "token in `X-CSRF-Token`; a write without one sends `X-Requested-With`. Cross-origin SPAs are allowed "
         "by origin (credentials included) and may read Retry-After, RateLimit-*, X-Request-Id and "
         "Content-Disposition.\n\nRequest ids and traces: `X-Request-Id` (ours or yours) and a W3C "
         "`traceparent` follow each request through every service."},
        {"contact", {{"name", "Yamaguchi Prefecture civic-activity support centre (operator of Supernet and Aikasanet)"},
                     {"url", "https://www.pref.yamaguchi.lg.jp/"}}},
        {"license", {{"name", "Proprietary: Yamaguchi Prefecture"}, {"url", "https://www.pref.yamaguchi.lg.jp/"}}}}},
      {"servers", json::array({{{"url", "/"}}})},
      {"tags", tags},
      {"components",
       {{"schemas", schemas},
        {"responses", error_responses()},
        {"securitySchemes",
         {{"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "__Host-civic_session"},
                       {"description", "The session cookie the login sets (HttpOnly, Secure, SameSite=Lax)"}}},
          {"csrfToken", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-CSRF-Token"},
                         {"description", "The session's CSRF token (the login's and /api/v1/me's `csrf_token`), on every write with a session"}}},
          {"requestedWith", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-Requested-With"},
                             {"description", "Any value, on a write without a session: forces a CORS preflight"}}},
          {"apiClientBasic", {{"type", "http"}, {"scheme", "basic"}, {"description", "An API client's id and secret"}}},
          {"apiClientBearer", {{"type", "http"}, {"scheme", "bearer"}, {"description", "An API client's secret"}}}}}}},
      {"paths", paths}};
  return doc.dump();
}

} // namespace civic::gateway
