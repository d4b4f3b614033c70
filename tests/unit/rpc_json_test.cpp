#include <catch2/catch.hpp>
#include <google/protobuf/util/json_util.h>

#include "civic/directory.pb.h"
#include "civic/events.pb.h"
#include "rpc/json.h"

using namespace civic;

namespace {
template <typename M>
M round_trip(const M& in, bool camel = false) {
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = !camel;
  std::string text;
  REQUIRE(google::protobuf::util::MessageToJsonString(in, &text, opts).ok());
  M out;
  REQUIRE(rpc::message_from_json(text, &out));
  return out;
}
} // namespace

TEST_CASE("messages read back from protobuf's JSON exactly as they were", "[unit]") {
  directory::Organization o;
  o.set_name("萩の会 \"引用\" \\ \n");
  o.add_fields("f01");
  o.add_fields("f02");
  o.set_member_count(-5);
  o.set_recruits_volunteers(true);
  o.add_links()->set_url("https://example.jp/");
  o.mutable_links(0)->set_description("サイト");
  o.add_links()->set_url("https://example.jp/2");
  o.add_attachments()->set_size(1024);
  CHECK(round_trip(o).SerializeAsString() == o.SerializeAsString());
  CHECK(round_trip(o, true).SerializeAsString() == o.SerializeAsString());  // lowerCamelCase names too

  events::Event e;
  e.set_occurred_at_unix_ms(1795000000123);  // 64-bit: a string in JSON
  events::MailRequested mail;
  (*mail.mutable_variables())["name"] = "山口";
  CHECK(round_trip(e).occurred_at_unix_ms() == 1795000000123);
  CHECK(round_trip(mail).variables().at("name") == "山口");
}

TEST_CASE("unknown names are skipped, broken JSON and wrong types are refused", "[unit]") {
  directory::Organization o;
  CHECK(rpc::message_from_json(R"({"name":"会","retired_item":"x","links":[{"url":"u","old":1}]})", &o));
  CHECK(o.name() == "会");
  CHECK(o.links(0).url() == "u");
  for (const char* bad : {"{", "[]", R"({"name":1})", R"({"fields":"f01"})", R"({"member_count":"many"})",
                          R"({"member_count":1.5})", R"({"recruits_volunteers":"yes"})", R"({"links":[1]})"}) {
    INFO(bad);
    directory::Organization x;
    CHECK_FALSE(rpc::message_from_json(bad, &x));
  }
}

TEST_CASE("an edit's changed fields are named, and only those", "[unit]") {
  directory::Organization before;
  before.set_id("x");
  before.set_name("萩の会");
  before.add_fields("f01");
  before.set_phone("0838-00-0000");
  before.set_version(3);
  directory::Organization after = before;
  CHECK(rpc::changed_fields(before, after).empty());
  after.set_version(4);          // bookkeeping, skipped
  after.set_name("萩の会 改");
  after.add_fields("f02");       // a repeated field
  after.set_phone("");           // cleared
  after.set_recruits_volunteers(true);
  CHECK(rpc::changed_fields(before, after) ==
        std::vector<std::string>{"name", "fields", "phone", "recruits_volunteers"});
}
