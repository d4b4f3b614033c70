// The rules request fields declare in the proto ((civic.rule), issue 18 item 2): the one
// statement that the services check and the OpenAPI document publishes.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>

#include "civic/auth.pb.h"
#include "civic/directory.pb.h"
#include "civic/grants.pb.h"
#include "civic/http_options.pb.h"
#include "rpc/declared.h"

using namespace civic;

namespace {
// field -> reason of each violation.
std::map<std::string, std::string> reasons(const validation::Errors& e) {
  std::map<std::string, std::string> out;
  for (const auto& v : e.list()) CHECK(out.emplace(v.field, v.reason).second);
  return out;
}

std::set<std::string> required_of(const google::protobuf::Message& m) {
  validation::Errors e;
  rpc::check_declared(m, e);
  std::set<std::string> out;
  for (const auto& [field, reason] : reasons(e))
    if (reason == "required") out.insert(field);
  return out;
}
} // namespace

TEST_CASE("declared rules: required, and required with other values of the message", "[unit]") {
  directory::Organization o;  // a Supernet group or NPO (site unset: Supernet)
  CHECK(required_of(o) == std::set<std::string>{"kind", "class_code", "name", "name_kana", "representative",
                                                "contact_person", "fields", "target_area", "purpose", "activities",
                                                "address", "prefecture", "municipality", "registrant_name",
                                                "registrant_phone", "registrant_email"});
  o.set_kind("company");  // a Supernet company: CSR instead of fields, area and purpose
  CHECK(required_of(o) == std::set<std::string>{"class_code", "name", "name_kana", "representative", "contact_person",
                                                "activities", "csr_activities", "address", "prefecture",
                                                "municipality", "registrant_name", "registrant_phone",
                                                "registrant_email"});
  o.set_site("aikasanet");  // Aikasanet: its own contact items, the purpose again
  CHECK(required_of(o) == std::set<std::string>{"class_code", "name", "name_kana", "representative",
                                                "representative_title", "purpose", "activities", "postal_code",
                                                "address", "prefecture", "municipality", "phone", "email",
                                                "founded_on", "registrant_name"});
  o.set_target_area("municipalities");
  CHECK_FALSE(required_of(o).count("target_municipalities"));  // a Supernet group's rule only
  o.set_site("supernet");
  o.set_kind("npo");
  CHECK(required_of(o).count("target_municipalities"));

  grants::Grant g;  // a bool in the condition
  CHECK(required_of(g).count("application_end"));
  g.set_anytime(true);
  CHECK_FALSE(required_of(g).count("application_end"));
}

TEST_CASE("declared rules: a closed set names the bad value's field and lists the set", "[unit]") {
  directory::Organization o;
  o.set_kind("society");
  o.set_site("aikasanet");
  validation::Errors e;
  rpc::check_declared(o, e, "organization.");
  auto found = reasons(e);
  REQUIRE(found.count("organization.kind"));
  CHECK(found["organization.kind"] == "invalid_choice");
  CHECK_FALSE(found.count("organization.site"));
  CHECK(found.count("organization.representative_title"));  // the prefix on every name
  for (const auto& v : e.list())
    if (v.field == "organization.kind") {
      CHECK(v.message_en == "must be one of: group, npo, company");
      CHECK(v.message == "次のいずれかを指定してください: group, npo, company");
    }

  auth::CreateStaffAccountRequest staff;  // each element of a list, by its index
  staff.set_login_id("clerk");
  staff.set_email("clerk@pref.example.jp");
  validation::Errors none;
  rpc::check_declared(staff, none);
  CHECK(reasons(none) == std::map<std::string, std::string>{{"roles", "required"}});
  staff.add_roles("editor");
  staff.add_roles("owner");
  validation::Errors bad;
  rpc::check_declared(staff, bad);
  CHECK(reasons(bad) == std::map<std::string, std::string>{{"roles[1]", "invalid_choice"}});
  CHECK(rpc::declared_choices(staff, "roles") == std::vector<std::string_view>{"editor", "admin"});
  CHECK(rpc::declared_choices(staff, "login_id").empty());
}

TEST_CASE("a field checked by its declared rule and by its text rule is named once", "[unit]") {
  directory::Organization o;
  validation::Errors e;
  e.text("name", o.name(), {.max_chars = 200});
  rpc::check_declared(o, e);
  int named = 0;
  for (const auto& v : e.list()) named += v.field == "name";
  CHECK(named == 1);
}

namespace {
// Every message of `file`, nested ones included.
void messages_of(const google::protobuf::Descriptor* d, std::vector<const google::protobuf::Descriptor*>& out) {
  out.push_back(d);
  for (int i = 0; i < d->nested_type_count(); ++i) messages_of(d->nested_type(i), out);
}
} // namespace

TEST_CASE("every declared rule names fields that exist, of a type it can check", "[unit]") {
  using google::protobuf::FieldDescriptor;
  const auto* pool = directory::Organization::descriptor()->file()->pool();
  int rules = 0;
  for (const char* name : {"civic/auth.proto", "civic/channels.proto", "civic/content.proto", "civic/directory.proto",
                           "civic/grants.proto", "civic/matching.proto", "civic/notification.proto",
                           "civic/portal.proto", "civic/recruitment.proto"}) {
    const auto* file = pool->FindFileByName(name);
    REQUIRE(file);
    std::vector<const google::protobuf::Descriptor*> all;
    for (int i = 0; i < file->message_type_count(); ++i) messages_of(file->message_type(i), all);
    for (const auto* d : all)
      for (int i = 0; i < d->field_count(); ++i) {
        const FieldDescriptor* f = d->field(i);
        if (!f->options().HasExtension(civic::rule)) continue;
        ++rules;
        const FieldRule& rule = f->options().GetExtension(civic::rule);
        INFO(f->full_name());
        if (rule.one_of_size() > 0) CHECK(f->cpp_type() == FieldDescriptor::CPPTYPE_STRING);
        if (rule.partial()) CHECK(f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE);
        // Each term of required_when: an existing string or bool field of the same message.
        std::string when = rule.required_when();
        for (char& ch : when)
          if (ch == ';') ch = ' ';
        std::istringstream terms(when);
        for (std::string term; terms >> term;) {
          auto eq = term.find('=');
          REQUIRE(eq != std::string::npos);
          std::string field = term.substr(0, term[eq - 1] == '!' ? eq - 1 : eq);
          const FieldDescriptor* other = d->FindFieldByName(field);
          INFO(term);
          REQUIRE(other);
          CHECK_FALSE(other->is_repeated());
          CHECK((other->cpp_type() == FieldDescriptor::CPPTYPE_STRING || other->cpp_type() == FieldDescriptor::CPPTYPE_BOOL));
        }
      }
  }
  CHECK(rules >= 190);  // 196 when written
}
