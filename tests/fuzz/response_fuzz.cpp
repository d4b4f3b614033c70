// Fuzzes the gateway's reading of a service's answer straight from the wire against
// protobuf's own parser: the first byte picks a route, the rest is its answer's bytes.
// Whatever render_wire reads, the parser must read too and render identically; what it
// leaves to the parser (std::nullopt) is the parser's to decide.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include <google/protobuf/message.h>

#include "gateway/routes.h"
#include "gateway/transcoder.h"

using namespace civic::gateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const RouteTable table = RouteTable::build(served_files());
  if (size < 1) return 0;
  const Route& route = table.routes()[data[0] % table.routes().size()];
  const auto* type = route.method->output_type();
  if (is_file(type)) return 0;
  std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);
  auto json = render_wire(type, wire);
  if (!json) return 0;
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<google::protobuf::Message> msg(factory->GetPrototype(type)->New());
  if (!msg->ParseFromArray(wire.data(), int(wire.size()))) std::abort();  // read what the parser refuses
  if (render_response(*msg, "", nullptr) != *json) std::abort();          // read it differently
  return 0;
}
