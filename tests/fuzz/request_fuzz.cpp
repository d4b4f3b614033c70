// Fuzzes the request builder against the real route table: the first byte picks a
// route, then a path, a query string and a JSON body (separated by newlines) become its
// request message. Every problem must come back as violations, never as a crash.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <google/protobuf/dynamic_message.h>

#include "gateway/path_template.h"
#include "gateway/routes.h"
#include "gateway/transcoder.h"

using namespace civic::gateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const RouteTable table = RouteTable::build(served_files());
  if (size < 1) return 0;
  const Route& route = table.routes()[data[0] % table.routes().size()];
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t a = in.find('\n'), b = a == std::string_view::npos ? a : in.find('\n', a + 1);
  std::string_view path = in.substr(0, a);
  std::string_view query = a == std::string_view::npos ? "" : in.substr(a + 1, b == std::string_view::npos ? b : b - a - 1);
  std::string body(b == std::string_view::npos ? "" : in.substr(b + 1));
  auto vars = route.path.match(path).value_or(std::map<std::string, std::string>{});
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<google::protobuf::Message> msg(factory->GetPrototype(route.method->input_type())->New());
  auto violations = build_request(route, vars, split_query(query), body, msg.get());
  for (const auto& v : violations)
    if (v.field.empty() || v.reason.empty()) std::abort();
  (void)json_shape_problem(body);
  return 0;
}
