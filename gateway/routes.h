// The route table: built once at start-up from the method descriptors and their
// (civic.http) annotations. No endpoint is declared anywhere else.
#pragma once
#include <google/protobuf/descriptor.h>

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "gateway/path_template.h"

namespace civic::gateway {

struct Route {
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string verb;         // GET, POST, PUT, PATCH, DELETE
  PathTemplate path;
  std::string body;         // "", "*" or a request field name
  int success_code = 200;
  std::string set_session_cookie;
  bool clear_session_cookie = false;
  bool rate_limited = false;
  bool personal = false;
  bool open_in_maintenance = false;
  size_t max_body_bytes = 0;  // 0: the gateway's MAX_BODY_BYTES
  std::string view_type;      // CNT-4: counts a view of the item named by the (single) path variable
  bool needs_session = false; // 401 from the head, before the body is read
  bool server_to_server = false;  // no session, no CSRF rule, raw body into `raw_body`
  std::string client_role;    // an API client of this role calls it (Authorization), never a session
  std::string access;         // public, session, editor or admin (civic.http access; documentation)
  /// Request fields filled from headers (civic.from_header): lower-case header name, field.
  std::vector<std::pair<std::string, const google::protobuf::FieldDescriptor*>> header_fields;
  std::string rate_class;     // login, uploads, reads or writes (RATE_LIMIT_*)
  std::string summary;
  std::string grpc_path;    // "/civic.auth.AuthService/Login"
  std::string backend;      // "auth": the package's last component
};

struct RouteMatch {
  const Route* route;
  std::map<std::string, std::string> vars;
};
struct RouteMiss {
  std::vector<std::string> allowed;  // verbs of routes whose path matched; empty -> 404
};

class RouteTable {
 public:
  /// Routes of every annotated method of every service in `files`. Throws
  /// std::invalid_argument for a malformed template, a body field that does not exist,
  /// a path variable that is not a request field, or two routes with the same verb
  /// and template.
  static RouteTable build(const std::vector<const google::protobuf::FileDescriptor*>& files);

  std::variant<RouteMatch, RouteMiss> find(std::string_view verb, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }
  /// Backend names in use ("auth", "notification").
  std::vector<std::string> backends() const;
  /// The lower-case names of the headers some route takes into its request.
  std::vector<std::string> forwarded_headers() const;

 private:
  std::vector<Route> routes_;  // most specific first
};

/// The proto files whose services the gateway serves.
std::vector<const google::protobuf::FileDescriptor*> served_files();

} // namespace civic::gateway
