// Errors that name the field (issue 18 item 3): a JSON body's problems by full path with
// what was expected, and a service's violations placed at their path in the request.
#include <catch2/catch.hpp>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/util/json_util.h>

#include <map>

#include "civic/directory.pb.h"
#include "gateway/transcoder.h"

using namespace civic;
using namespace civic::gateway;

namespace {
// field -> violation of `problems` (one each).
std::map<std::string, validation::Violation> by_field(const std::vector<validation::Violation>& problems) {
  std::map<std::string, validation::Violation> out;
  for (const auto& v : problems) CHECK(out.emplace(v.field, v).second);
  return out;
}
} // namespace

TEST_CASE("a JSON body's problems are named by their full path and say what was expected", "[unit]") {
  // google.protobuf.DescriptorProto: strings, repeated messages, int32s, enums, options.
  const auto* type = google::protobuf::DescriptorProto::descriptor();
  auto problems = by_field(json_type_problems(R"({
    "name": 5,
    "field": [{"name": "a"}, {"number": "x"}, {"number": 3000000000}, {"type": "TYPE_NOPE"},
              {"label": 1, "oops": true}, {"number": 1.5}, "text"],
    "options": [],
    "reservedName": "one",
    "extra": {"deep": 1}
  })", type));
  REQUIRE(problems.size() == 10);
  CHECK(problems.at("name").reason == "wrong_type");
  CHECK(problems.at("name").message_en == "must be a string");
  CHECK(problems.at("name").message == "文字列で指定してください");
  CHECK(problems.at("field[1].number").message_en == "must be an integer");
  CHECK(problems.at("field[2].number").reason == "number_out_of_range");
  CHECK(problems.at("field[2].number").message_en == "must be between -2147483648 and 2147483647");
  CHECK(problems.at("field[3].type").reason == "invalid_choice");
  CHECK(problems.at("field[3].type").message_en.rfind("must be one of: TYPE_DOUBLE, TYPE_FLOAT, ", 0) == 0);
  CHECK(problems.at("field[4].oops").reason == "unknown_field");
  CHECK(problems.at("field[5].number").reason == "wrong_type");
  CHECK(problems.at("field[6]").message_en == "must be an object");
  CHECK(problems.at("options").message_en == "must be an object");
  CHECK(problems.at("reservedName").message_en == "must be an array");  // its JSON name
  CHECK(problems.at("extra").reason == "unknown_field");
  CHECK_FALSE(problems.count("field[0].name"));
  CHECK_FALSE(problems.count("field[4].label"));  // an enum by number

  // What protobuf's JSON mapping reads passes: proto and JSON names, quoted 64-bit
  // integers, enum names and numbers, null for any field.
  std::string fine = R"({"name": "n", "nested_type": [{"name": "inner"}], "field": [{"number": "7", "type": 9,
    "label": "LABEL_REPEATED", "json_name": null, "options": {"deprecated": true}}], "reservedRange": [{"start": 1}]})";
  CHECK(json_type_problems(fine, type).empty());
  google::protobuf::DescriptorProto parsed;
  CHECK(google::protobuf::util::JsonStringToMessage(fine, &parsed).ok());
  CHECK(parsed.field(0).number() == 7);

  CHECK(json_type_problems("[1]", type).at(0).message_en == "must be a JSON object");
  // An empty key is named too (found by fuzzing: a violation must never lack its field).
  CHECK(json_type_problems(R"({"": 2, "options": {"": 1}})", type).at(0).field == "[\"\"]");
  CHECK(json_type_problems(R"({"options": {"": 1}})", type).at(0).field == "options[\"\"]");
}

TEST_CASE("a service's violation is placed at its path in the request", "[unit]") {
  const auto* request = directory::RegisterOrganizationRequest::descriptor();
  CHECK(full_field_path(request, "kind") == "organization.kind");
  CHECK(full_field_path(request, "fields[2]") == "organization.fields[2]");
  CHECK(full_field_path(request, "organization.kind") == "organization.kind");  // already full
  CHECK(full_field_path(request, "no_such_field") == "no_such_field");          // left as named
  CHECK(full_field_path(request, "") == "");
  // A request whose fields the service names itself keeps them.
  const auto* list = directory::ListOrganizationsRequest::descriptor();
  CHECK(full_field_path(list, "page_size") == "page_size");
}
