// [unit] The gateway renders a service's answer straight from its bytes (render_wire)
// exactly as it renders the parsed message, and leaves to protobuf's parser what only
// the parser decides.
#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <string>

#include "civic/directory.pb.h"
#include "civic/grants.pb.h"
#include "gateway/routes.h"
#include "gateway/transcoder.h"

using namespace civic::gateway;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

namespace {
// Every field of `m` set, three levels deep: numbers from `seed` (negative ones too),
// text with quotes, controls, markup characters and Japanese, two elements in each list;
// private fields only on odd seeds, as the services leave them empty for the public.
void fill(Message* m, int seed, int depth) {
  const auto* r = m->GetReflection();
  const Descriptor* d = m->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_map() || (is_private(f) && seed % 2 == 0)) continue;
    for (int k = 0; k < (f->is_repeated() ? 2 : 1); ++k) {
      const int n = seed * 31 + i * 7 + k;
      const std::string text = "萩 \"" + std::to_string(n) + "\" <b>&\\\n\x01";
      bool rep = f->is_repeated();
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32: rep ? r->AddInt32(m, f, n % 3 ? -n : n) : r->SetInt32(m, f, n % 3 ? -n : n); break;
        case FieldDescriptor::CPPTYPE_INT64: {
          int64_t v = int64_t(n) * 1000000007LL * (n % 2 ? -1 : 1);
          rep ? r->AddInt64(m, f, v) : r->SetInt64(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_BOOL: rep ? r->AddBool(m, f, n % 2) : r->SetBool(m, f, n % 2); break;
        case FieldDescriptor::CPPTYPE_STRING: {
          std::string v = f->type() == FieldDescriptor::TYPE_BYTES ? std::string("\x00\xff", 2) + text : text;
          rep ? r->AddString(m, f, v) : r->SetString(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE:
          if (depth < 3) fill(rep ? r->AddMessage(m, f) : r->MutableMessage(m, f), seed + k + 1, depth + 1);
          break;
        default: break;  // no other type in an answer (the test below checks)
      }
    }
  }
}

std::string wire_of(const Message& m) {
  std::string out;
  REQUIRE(m.SerializeToString(&out));
  return out;
}

// A field's tag on the wire.
std::string tag(const FieldDescriptor* f, int wire_type) {
  std::string out;
  for (uint32_t v = uint32_t(f->number()) << 3 | uint32_t(wire_type);; v >>= 7) {
    if (v < 0x80) return out + char(v);
    out += char((v & 0x7F) | 0x80);
  }
}
std::string field(const FieldDescriptor* f, const std::string& bytes) {
  return tag(f, 2) + char(bytes.size()) + bytes;  // short values only
}

const FieldDescriptor* named(const Descriptor* d, const std::string& name) {
  const auto* f = d->FindFieldByName(name);
  REQUIRE(f);
  return f;
}
} // namespace

TEST_CASE("every answer of the route table renders from its bytes exactly as when parsed", "[unit]") {
  const RouteTable table = RouteTable::build(served_files());
  std::set<const Descriptor*> types;
  for (const auto& route : table.routes())
    if (!is_file(route.method->output_type())) types.insert(route.method->output_type());
  REQUIRE(types.size() > 80);
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  size_t straight = 0;
  for (const Descriptor* type : types) {
    for (int seed = 0; seed < 4; ++seed) {
      INFO(type->full_name() << " seed " << seed);
      std::unique_ptr<Message> m(factory->GetPrototype(type)->New());
      if (seed > 0) fill(m.get(), seed, 0);  // seed 0: every field at its default
      std::string wire = wire_of(*m);
      auto json = render_wire(type, wire);
      if (!json) continue;  // left to the parser (maps)
      ++straight;
      std::unique_ptr<Message> parsed(m->New());
      REQUIRE(parsed->ParseFromString(wire));
      CHECK(*json == render_response(*parsed, "", nullptr));
    }
  }
  CHECK(straight >= 4 * (types.size() - 3));  // all but a few answers with maps
  for (const Descriptor* d : {civic::grants::ListGrantsResponse::descriptor(), civic::grants::Grant::descriptor(),
                              civic::directory::ListOrganizationsResponse::descriptor(),
                              civic::directory::Organization::descriptor()})
    CHECK(render_wire(d, "").has_value());
}

TEST_CASE("from the bytes: the last of repeated values wins, unknown fields are not shown, private defaults stay hidden",
          "[unit]") {
  const Descriptor* d = civic::directory::Organization::descriptor();
  const auto* name = named(d, "name");
  const auto* registrant = named(d, "registrant_name");  // private
  REQUIRE(is_private(registrant));
  std::string wire = field(name, "一") + field(name, "二") + tag(named(d, "version"), 0) + char(0) +
                     field(registrant, "") + std::string("\xF8\x7F\x05", 3) /* field 2047, varint 5: unknown */;
  auto json = render_wire(d, wire);
  REQUIRE(json);
  civic::directory::Organization parsed;
  REQUIRE(parsed.ParseFromString(wire));
  CHECK(*json == render_response(parsed, "", nullptr));
  CHECK(json->find("\"name\":\"二\"") != std::string::npos);
  CHECK(json->find("registrant_name") == std::string::npos);  // sent empty: not set
}

TEST_CASE("from the bytes: what only protobuf's parser decides is left to it", "[unit]") {
  const Descriptor* list = civic::grants::ListGrantsResponse::descriptor();
  const Descriptor* grant = civic::grants::Grant::descriptor();
  const auto* items = named(list, "items");
  const auto* name = named(grant, "name");
  civic::grants::Grant g;
  g.set_name("萩");
  const std::string item = wire_of(g);
  REQUIRE(render_wire(list, field(items, item)));

  CHECK_FALSE(render_wire(grant, field(name, "\xC3\x28")));                 // invalid UTF-8
  CHECK_FALSE(render_wire(grant, field(name, "\xED\xA0\x80")));             // a surrogate
  CHECK_FALSE(render_wire(grant, field(name, "\xC0\xAF")));                 // overlong
  CHECK_FALSE(render_wire(grant, field(name, "\xFF") + field(name, "ok")));  // bad, though not the last
  CHECK_FALSE(render_wire(grant, tag(name, 0) + char(1)));                  // a number where text belongs
  CHECK_FALSE(render_wire(list, field(items, item).substr(0, 5)));           // cut short
  CHECK_FALSE(render_wire(list, tag(items, 3)));                             // a group
  CHECK_FALSE(render_wire(list, std::string("\x80\x80\x80\x80\x80\x08", 6)));  // a tag over 5 bytes
  // A singular message sent twice is merged by the parser.
  const RouteTable table = RouteTable::build(served_files());
  const FieldDescriptor* singular = nullptr;
  for (const auto& route : table.routes())
    for (int i = 0; !singular && i < route.method->output_type()->field_count(); ++i)
      if (const auto* f = route.method->output_type()->field(i); !f->is_repeated() && f->type() == FieldDescriptor::TYPE_MESSAGE)
        singular = f;
  REQUIRE(singular);
  CHECK(render_wire(singular->containing_type(), field(singular, "")));
  CHECK_FALSE(render_wire(singular->containing_type(), field(singular, "") + field(singular, "")));
}
