#include "gateway/routes.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "civic/auth.pb.h"
#include "civic/channels.pb.h"
#include "civic/http_options.pb.h"
#include "civic/content.pb.h"
#include "civic/directory.pb.h"
#include "civic/grants.pb.h"
#include "civic/matching.pb.h"
#include "civic/notification.pb.h"
#include "civic/portal.pb.h"
#include "civic/recruitment.pb.h"

namespace civic::gateway {

std::vector<const google::protobuf::FileDescriptor*> served_files() {
  // Naming a message of each file also makes sure its descriptors are linked in.
  return {civic::auth::Account::descriptor()->file(), civic::notification::MailTemplate::descriptor()->file(),
          civic::content::Taxonomy::descriptor()->file(), civic::directory::Organization::descriptor()->file(),
          civic::grants::Grant::descriptor()->file(), civic::matching::Member::descriptor()->file(),
          civic::recruitment::Recruitment::descriptor()->file(), civic::portal::HomeRequest::descriptor()->file(),
          civic::notification::LineWebhookRequest::descriptor()->file()};
}

RouteTable RouteTable::build(const std::vector<const google::protobuf::FileDescriptor*>& files) {
  RouteTable table;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto* file : files) {
    std::string package = file->package();
    std::string backend = package.substr(package.rfind('.') + 1);
    for (int s = 0; s < file->service_count(); ++s) {
      const auto* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const auto* method = service->method(m);
        if (!method->options().HasExtension(civic::http)) continue;
        const civic::HttpRule& rule = method->options().GetExtension(civic::http);
        Route r;
        r.method = method;
        std::string tmpl;
        switch (rule.pattern_case()) {
          case civic::HttpRule::kGet: r.verb = "GET"; tmpl = rule.get(); break;
          case civic::HttpRule::kPut: r.verb = "PUT"; tmpl = rule.put(); break;
          case civic::HttpRule::kPost: r.verb = "POST"; tmpl = rule.post(); break;
          case civic::HttpRule::kDelete: r.verb = "DELETE"; tmpl = rule.delete_(); break;
          case civic::HttpRule::kPatch: r.verb = "PATCH"; tmpl = rule.patch(); break;
          default: throw std::invalid_argument(method->full_name() + ": no HTTP pattern");
        }
        r.path = PathTemplate::parse(tmpl);
        r.body = rule.body();
        if (!r.body.empty() && r.body != "*" && !method->input_type()->FindFieldByName(r.body))
          throw std::invalid_argument(method->full_name() + ": body field " + r.body + " does not exist");
        for (const auto& v : r.path.variables())
          if (!method->input_type()->FindFieldByName(v))
            throw std::invalid_argument(method->full_name() + ": path variable " + v + " is not a request field");
        if (!rule.set_session_cookie().empty() && !method->output_type()->FindFieldByName(rule.set_session_cookie()))
          throw std::invalid_argument(method->full_name() + ": cookie field does not exist");
        r.success_code = rule.success_code() ? rule.success_code() : 200;
        r.set_session_cookie = rule.set_session_cookie();
        r.clear_session_cookie = rule.clear_session_cookie();
        r.rate_limited = rule.rate_limited();
        r.personal = rule.personal();
        r.open_in_maintenance = rule.open_in_maintenance();
        r.max_body_bytes = size_t(std::max(0, rule.max_body_kib())) * 1024;
        r.view_type = rule.view_type();
        r.needs_session = rule.needs_session();
        r.server_to_server = rule.server_to_server();
        if (r.server_to_server && (r.needs_session || !r.body.empty()))
          throw std::invalid_argument(method->full_name() + ": a server-to-server route has no session and no JSON body");
        r.client_role = rule.client_role();
        if (!r.client_role.empty() && (r.needs_session || r.server_to_server))
          throw std::invalid_argument(method->full_name() + ": an API client's route has no session");
        const auto* input = method->input_type();
        for (int f = 0; f < input->field_count(); ++f) {
          const auto* field = input->field(f);
          const std::string& header = field->options().GetExtension(civic::from_header);
          if (header.empty()) continue;
          if (!r.server_to_server && r.client_role.empty())
            throw std::invalid_argument(method->full_name() + ": only a server's call takes a header into its request");
          if (field->type() != google::protobuf::FieldDescriptor::TYPE_STRING || field->is_repeated())
            throw std::invalid_argument(method->full_name() + ": header field " + field->name() + " must be a string");
          std::string lower = header;
          std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
          r.header_fields.emplace_back(lower, field);
        }
        r.rate_class = !rule.rate_class().empty() ? rule.rate_class()
                       : r.rate_limited       ? "login"
                       : r.max_body_bytes     ? "uploads"
                       : r.verb == "GET"      ? "reads"
                                              : "writes";
        r.access = !rule.access().empty()                   ? rule.access()
                   : tmpl.rfind("/api/v1/admin/", 0) == 0   ? "editor"
                   : tmpl.rfind("/api/v1/me", 0) == 0 || r.needs_session ? "session"
                                                            : "public";
        if (r.access != "public" && r.access != "session" && r.access != "editor" && r.access != "admin")
          throw std::invalid_argument(method->full_name() + ": access must be public, session, editor or admin");
        r.summary = rule.summary();
        r.grpc_path = "/" + service->full_name() + "/" + method->name();
        r.backend = backend;
        if (!seen.insert({r.verb, tmpl}).second)
          throw std::invalid_argument("route " + r.verb + " " + tmpl + " declared twice");
        table.routes_.push_back(std::move(r));
      }
    }
  }
  std::stable_sort(table.routes_.begin(), table.routes_.end(),
                   [](const Route& a, const Route& b) { return a.path.specificity() > b.path.specificity(); });
  return table;
}

std::variant<RouteMatch, RouteMiss> RouteTable::find(std::string_view verb, std::string_view path) const {
  RouteMiss miss;
  if (path.empty() || path[0] != '/') return miss;
  auto parts = PathTemplate::split(path);
  for (const auto& r : routes_) {
    auto vars = r.path.match(parts);
    if (!vars) continue;
    if (r.verb == verb) return RouteMatch{&r, std::move(*vars)};
    if (std::find(miss.allowed.begin(), miss.allowed.end(), r.verb) == miss.allowed.end()) miss.allowed.push_back(r.verb);
  }
  return miss;
}

std::vector<std::string> RouteTable::forwarded_headers() const {
  std::set<std::string> names;
  for (const auto& r : routes_)
    for (const auto& h : r.header_fields) names.insert(h.first);
  return {names.begin(), names.end()};
}

std::vector<std::string> RouteTable::backends() const {
  std::set<std::string> names;
  for (const auto& r : routes_) names.insert(r.backend);
  return {names.begin(), names.end()};
}

} // namespace civic::gateway
