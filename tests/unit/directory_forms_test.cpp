// The registration forms of both sites as rules (directory/forms.h; 別紙3 / 別紙4).
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "directory/forms.h"

using namespace civic;
using directory::Organization;

namespace {

rpc::Taxonomies taxonomies() {
  using T = rpc::Taxonomies::Term;
  return rpc::Taxonomies({{"group_classes", {T{"voluntary", {}}, T{"npo_corporation", {}}}},
                          {"company_classes", {T{"corporation", {}}}},
                          {"prefectures", {T{"p35", {}}}},
                          {"address_municipalities", {T{"hagi", {}}}},
                          {"municipalities", {T{"hagi", {}}}},
                          {"target_areas", {T{"municipalities", {}}, T{"prefecture", {}}}},
                          {"fields", {T{"f01", {"supernet"}}, T{"f02", {"supernet"}}}},
                          {"features", {T{"x1", {"supernet"}}}},
                          {"budget_bands", {T{"b1", {"supernet"}}}},
                          {"registration_requirements", {T{"r1", {}}, T{"r2", {}}}}});
}

Organization supernet_group() {
  Organization o;
  o.set_site("supernet");
  o.set_kind("group");
  o.set_class_code("voluntary");
  o.set_name("萩ささえあいの会");
  o.set_name_kana("はぎささえあいのかい");
  o.set_representative("山口 太郎");
  o.set_contact_person("萩 花子");
  o.add_fields("f01");
  o.set_target_area("municipalities");
  o.add_target_municipalities("hagi");
  o.set_purpose("地域の子どもの居場所づくり");
  o.set_activities("学習支援");
  o.set_prefecture("p35");
  o.set_municipality("hagi");
  o.set_address("萩市大字椿東1-1");
  o.set_registrant_name("登録 担当");
  o.set_registrant_phone("0838-00-0000");
  o.set_registrant_email("registrant@example.jp");
  o.add_registration_requirements("r1");
  o.add_registration_requirements("r2");
  o.set_guardian_consent(true);
  o.set_accepted_terms_version(3);
  return o;
}

std::map<std::string, std::string> reasons(const validation::Errors& e) {
  std::map<std::string, std::string> out;
  for (const auto& v : e.list()) out.emplace(v.field, v.reason);
  return out;
}

} // namespace

TEST_CASE("a complete Supernet group passes, and nothing at all names every required item", "[unit]") {
  auto tax = taxonomies();
  CHECK(directory::validate(supernet_group(), tax, 3).empty());
  auto empty = reasons(directory::validate(Organization(), tax, 3));
  // (no site: the handlers read an empty one as Supernet before validating)
  for (const char* field : {"kind", "name", "name_kana", "representative", "activities", "address",
                            "registrant_name", "guardian_consent", "accepted_terms_version", "class_code"})
    CHECK(empty.count(field));
}

TEST_CASE("registration rules: terms and every requirement at registration, not on a later correction", "[unit]") {
  auto tax = taxonomies();
  Organization o = supernet_group();
  o.clear_registration_requirements();
  o.add_registration_requirements("r1");
  o.set_accepted_terms_version(2);
  auto at_registration = reasons(directory::validate(o, tax, 3));
  CHECK(at_registration["registration_requirements"] == "all_required");
  CHECK(at_registration["accepted_terms_version"] == "not_current");
  CHECK(directory::validate(o, tax, 0).empty());  // a correction or staff edit
}

TEST_CASE("each kind is asked its own items: a company's are refused for a group and the other way round",
          "[unit]") {
  auto tax = taxonomies();
  Organization company = supernet_group();
  company.set_kind("company");
  company.set_class_code("corporation");
  company.clear_registration_requirements();
  auto r = reasons(directory::validate(company, tax, 3));
  CHECK(r["fields"] == "not_applicable");
  CHECK(r["purpose"] == "not_applicable");
  CHECK(r["csr_activities"] == "required");

  Organization npo = supernet_group();
  npo.set_kind("npo");
  CHECK(reasons(directory::validate(npo, tax, 3))["class_code"] == "invalid_for_kind");

  Organization group = supernet_group();
  group.set_csr_activities("社会貢献");
  group.set_recruits_volunteers(true);  // an Aikasanet item
  auto g = reasons(directory::validate(group, tax, 3));
  CHECK(g["csr_activities"] == "not_applicable");
  CHECK(g["recruits_volunteers"] == "not_applicable");
}

TEST_CASE("Aikasanet asks 別紙4's items: the organisation's own contact, not a registrant's", "[unit]") {
  auto tax = taxonomies();
  Organization o = supernet_group();
  o.set_site("aikasanet");
  auto r = reasons(directory::validate(o, tax, 3));
  for (const char* field : {"representative_title", "postal_code", "phone", "email", "founded_on", "member_count"})
    CHECK(r[field] == "required");
  for (const char* field : {"contact_person", "fields", "target_area", "registrant_phone", "registrant_email"})
    CHECK(r[field] == "not_applicable");
  auto [phone, email] = directory::contact_of(o);
  CHECK(phone.empty());
  o.set_phone("0838-11-1111");
  o.set_email("group@example.jp");
  CHECK(directory::contact_of(o) == std::pair<std::string, std::string>{"0838-11-1111", "group@example.jp"});
  CHECK(directory::contact_of(supernet_group()).second == "registrant@example.jp");
}

TEST_CASE("formats: kana-only readings, past founding dates, codes of the taxonomies, at most three links",
          "[unit]") {
  auto tax = taxonomies();
  Organization o = supernet_group();
  o.set_name_kana("ハギ ささえあい・のかい ー 2");
  CHECK(directory::validate(o, tax, 3).empty());
  o.set_name_kana("萩ささえあい");
  o.set_founded_on("2999-01-01");
  o.add_fields("f99");
  for (int i = 0; i < 4; ++i) o.add_links()->set_url("https://example.jp/" + std::to_string(i));
  auto r = reasons(directory::validate(o, tax, 3));
  CHECK(r["name_kana"] == "invalid_format");
  CHECK(r["founded_on"] == "invalid_format");
  CHECK(r["fields"] == "unknown_code");
  CHECK(r["links"] == "too_many");
}
