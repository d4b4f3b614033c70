// The registration forms of both sites as rules (別紙3: Supernet, 別紙4: Aikasanet):
// which items each kind of organisation is asked, which are required, and their
// formats. No I/O; unit-tested in tests/unit/directory_forms_test.cpp.
#include "directory/forms.h"

#include <algorithm>
#include <string_view>

#include "core/time.h"
#include "text/text.h"
#include "rpc/declared.h"

namespace civic::directory {
namespace {
using validation::Errors;

constexpr size_t kLongText = 4000;

// ふりがな: kana, the long-vowel mark, middle dot, spaces, ASCII letters and digits.
bool kana_only(std::string_view utf8) {
  std::string n = text::normalize(utf8);
  for (size_t i = 0; i < n.size();) {
    unsigned char c = static_cast<unsigned char>(n[i]);
    if (c < 0x80) {
      if (!(std::isalnum(c) || c == ' ')) return false;
      ++i;
      continue;
    }
    if (c < 0xE0 || c >= 0xF0) return false;  // every kana is a 3-byte sequence
    uint32_t cp = ((c & 0x0F) << 12) | ((static_cast<unsigned char>(n[i + 1]) & 0x3F) << 6) |
                  (static_cast<unsigned char>(n[i + 2]) & 0x3F);
    bool kana = (cp >= 0x3041 && cp <= 0x309F) || (cp >= 0x30A0 && cp <= 0x30FF);  // incl. ー and ・
    if (!kana) return false;
    i += 3;
  }
  return true;
}

// A real day, not in the future (a founding date).
bool past_date(const std::string& s) { return validation::is_date(s) && s <= time::tokyo_date(); }

void not_applicable(Errors& e, const std::string& field, bool given) {
  if (given) e.add(field, "not_applicable", "この区分では入力できない項目です", "does not apply to this kind of organisation");
}

// Every registration requirement must be ticked (別紙3 item 38, 別紙4 item 18).
void all_requirements(Errors& e, const rpc::Taxonomies& tax, const Organization& o) {
  auto all = tax.codes("registration_requirements", o.site());
  std::vector<std::string> ticked = list(o.registration_requirements());
  std::sort(all.begin(), all.end());
  std::sort(ticked.begin(), ticked.end());
  ticked.erase(std::unique(ticked.begin(), ticked.end()), ticked.end());
  if (ticked != all)
    e.add("registration_requirements", "all_required", "登録要件のすべてにチェックしてください", "every requirement must be ticked");
}

// The items only Supernet asks (別紙3).
void supernet_items(Errors& e, const Organization& o, const rpc::Taxonomies& tax, bool registration) {
  bool company = o.kind() == "company";
  e.text("contact_person", o.contact_person(), {.max_chars = 100});
  e.text("contact_title", o.contact_title(), {.required = false, .max_chars = 100});
  e.text("collaboration_record", o.collaboration_record(), {.required = false, .max_chars = kLongText, .multiline = true});
  e.phone("registrant_phone", o.registrant_phone());
  e.email("registrant_email", o.registrant_email());
  tax.check(e, "features", "features", list(o.features()), o.site());
  if (!company) {
    if (o.fields().empty()) e.add("fields", "required", "活動分野を1つ以上選んでください", "choose at least one field");
    tax.check(e, "fields", "fields", list(o.fields()), o.site());
    if (e.text("target_area", o.target_area(), {.max_chars = 40}))
      tax.check(e, "target_area", "target_areas", {o.target_area()});
    if (o.target_area() == "municipalities" && o.target_municipalities().empty())
      e.add("target_municipalities", "required", "対象市町を1つ以上選んでください", "choose at least one municipality");
    tax.check(e, "target_municipalities", "municipalities", list(o.target_municipalities()));
    e.text("purpose", o.purpose(), {.max_chars = kLongText, .multiline = true});
    e.text("main_office", o.main_office(), {.required = false, .max_chars = 200});
    e.text("sub_office", o.sub_office(), {.required = false, .max_chars = 200});
    if (!o.budget_band().empty()) tax.check(e, "budget_band", "budget_bands", {o.budget_band()}, o.site());
    e.text("membership_fee", o.membership_fee(), {.required = false, .max_chars = 200});
    e.text("membership_requirements", o.membership_requirements(), {.required = false, .max_chars = 1000, .multiline = true});
    e.text("activity_schedule", o.activity_schedule(), {.required = false, .max_chars = 1000, .multiline = true});
    if (registration) all_requirements(e, tax, o);
    not_applicable(e, "csr_activities", !o.csr_activities().empty());
  } else {
    e.text("csr_activities", o.csr_activities(), {.max_chars = kLongText, .multiline = true});
    not_applicable(e, "fields", !o.fields().empty());
    not_applicable(e, "target_area", !o.target_area().empty());
    not_applicable(e, "target_municipalities", !o.target_municipalities().empty());
    not_applicable(e, "purpose", !o.purpose().empty());
    not_applicable(e, "budget_band", !o.budget_band().empty());
    not_applicable(e, "main_office", !o.main_office().empty());
    not_applicable(e, "sub_office", !o.sub_office().empty());
    not_applicable(e, "membership_fee", !o.membership_fee().empty());
    not_applicable(e, "membership_requirements", !o.membership_requirements().empty());
    not_applicable(e, "activity_schedule", !o.activity_schedule().empty());
    not_applicable(e, "registration_requirements", !o.registration_requirements().empty());
  }
  for (const auto& [field, given] : {std::pair{"registrant_department", !o.registrant_department().empty()},
                                     std::pair{"recruits_volunteers", o.recruits_volunteers()},
                                     std::pair{"offers_volunteers", o.offers_volunteers()},
                                     std::pair{"volunteer_record", !o.volunteer_record().empty()}})
    not_applicable(e, field, given);
}

// The items only Aikasanet asks (別紙4 items 5-33 for groups and companies); its
// contact person is private and reached through the organisation's phone and e-mail.
void aikasanet_items(Errors& e, const Organization& o, const rpc::Taxonomies& tax, bool registration) {
  bool company = o.kind() == "company";
  e.text("purpose", o.purpose(), {.max_chars = kLongText, .multiline = true});  // 設立目的
  e.text("registrant_department", o.registrant_department(), {.required = false, .max_chars = 100});
  if (o.founded_on().empty()) e.add("founded_on", "required", "設立年月日を入力してください", "required");
  if (o.member_count() <= 0)
    e.add("member_count", "required", company ? "社員数を入力してください" : "会員数を入力してください", "required");
  if (company) {
    e.text("volunteer_record", o.volunteer_record(), {.required = false, .max_chars = kLongText, .multiline = true});
    not_applicable(e, "recruits_volunteers", o.recruits_volunteers());
    not_applicable(e, "offers_volunteers", o.offers_volunteers());
    not_applicable(e, "registration_requirements", !o.registration_requirements().empty());
  } else {
    if (registration) all_requirements(e, tax, o);
    not_applicable(e, "volunteer_record", !o.volunteer_record().empty());
  }
  for (const auto& [field, given] : {std::pair{"contact_person", !o.contact_person().empty()},
                                     std::pair{"contact_title", !o.contact_title().empty()},
                                     std::pair{"fields", !o.fields().empty()},
                                     std::pair{"target_area", !o.target_area().empty()},
                                     std::pair{"target_municipalities", !o.target_municipalities().empty()},
                                     std::pair{"csr_activities", !o.csr_activities().empty()},
                                     std::pair{"collaboration_record", !o.collaboration_record().empty()},
                                     std::pair{"main_office", !o.main_office().empty()},
                                     std::pair{"sub_office", !o.sub_office().empty()},
                                     std::pair{"budget_band", !o.budget_band().empty()},
                                     std::pair{"membership_fee", !o.membership_fee().empty()},
                                     std::pair{"membership_requirements", !o.membership_requirements().empty()},
                                     std::pair{"activity_schedule", !o.activity_schedule().empty()},
                                     std::pair{"features", !o.features().empty()},
                                     std::pair{"registrant_phone", !o.registrant_phone().empty()},
                                     std::pair{"registrant_email", !o.registrant_email().empty()}})
    not_applicable(e, field, given);
}

} // namespace

std::pair<std::string, std::string> contact_of(const Organization& o) {
  if (o.site() == "aikasanet") return {o.phone(), o.email()};
  return {o.registrant_phone(), o.registrant_email()};
}

Errors validate(const Organization& o, const rpc::Taxonomies& tax, int current_terms) {
  bool registration = current_terms > 0;
  bool aikasanet = o.site() == "aikasanet";
  Errors e;
  e.text("name", o.name(), {.max_chars = 200});
  if (e.text("name_kana", o.name_kana(), {.max_chars = 200}) && !kana_only(o.name_kana()))
    e.add("name_kana", "invalid_format", "ふりがなはひらがな・カタカナで入力してください", "must be written in kana");
  e.text("representative", o.representative(), {.max_chars = 100});
  e.text("representative_title", o.representative_title(), {.required = aikasanet, .max_chars = 100});
  e.text("activities", o.activities(), {.max_chars = kLongText, .multiline = true});
  e.text("appeal", o.appeal(), {.required = false, .max_chars = kLongText, .multiline = true});
  e.text("address", o.address(), {.max_chars = 200});
  e.postal_code("postal_code", o.postal_code(), aikasanet);
  e.phone("phone", o.phone(), aikasanet);
  e.phone("fax", o.fax(), false);
  e.email("email", o.email(), aikasanet);
  if (!o.founded_on().empty() && !past_date(o.founded_on()))
    e.add("founded_on", "invalid_format", "設立年月日は YYYY-MM-DD の過去の日付で入力してください", "must be a past date YYYY-MM-DD");
  if (o.member_count() < 0 || o.member_count() > 10000000)
    e.add("member_count", "out_of_range", "0から10,000,000の間で入力してください", "must be between 0 and 10,000,000");
  if (o.links_size() > 3) e.add("links", "too_many", "URLは3件までです", "at most 3 links");
  for (int i = 0; i < o.links_size() && i < 3; ++i) {
    std::string at = "links[" + std::to_string(i) + "].";
    e.http_url(at + "url", o.links(i).url());
    e.text(at + "description", o.links(i).description(), {.required = false, .max_chars = 100});
  }
  e.text("registrant_name", o.registrant_name(), {.max_chars = 100});
  e.text("registrant_title", o.registrant_title(), {.required = false, .max_chars = 100});
  if (!o.guardian_consent())
    e.add("guardian_consent", "required", "未成年者の保護者同意の確認にチェックしてください", "must be confirmed");
  if (registration && o.accepted_terms_version() != current_terms)
    e.add("accepted_terms_version", "not_current", "最新の利用規約に同意してください", "the current terms of use must be accepted");

  // Taxonomy codes (SPEC section 5).
  std::string classes = o.kind() == "company" ? "company_classes" : "group_classes";
  if (e.text("class_code", o.class_code(), {.max_chars = 40}))
    tax.check(e, "class_code", classes, {o.class_code()});
  if (o.kind() == "npo" && !o.class_code().empty() && o.class_code() != "npo_corporation")
    e.add("class_code", "invalid_for_kind", "NPO法人の分類は「NPO法人」です", "an NPO's class is npo_corporation");
  if (e.text("prefecture", o.prefecture(), {.max_chars = 40})) tax.check(e, "prefecture", "prefectures", {o.prefecture()});
  if (e.text("municipality", o.municipality(), {.max_chars = 40}))
    tax.check(e, "municipality", "address_municipalities", {o.municipality()});
  if (aikasanet)
    aikasanet_items(e, o, tax, registration);
  else
    supernet_items(e, o, tax, registration);
  rpc::check_declared(o, e);
  return e;
}

void handoff_prefill(const Organization& from, Organization* o) {
  bool to_aikasanet = from.site() != "aikasanet";
  o->set_site(to_aikasanet ? "aikasanet" : "supernet");
  // Items both forms ask (別紙3 and 別紙4).
  o->set_kind(from.kind());
  o->set_class_code(from.class_code());
  o->set_name(from.name());
  o->set_name_kana(from.name_kana());
  o->set_representative(from.representative());
  o->set_representative_title(from.representative_title());
  o->set_activities(from.activities());
  o->set_appeal(from.appeal());
  o->set_postal_code(from.postal_code());
  o->set_prefecture(from.prefecture());
  o->set_municipality(from.municipality());
  o->set_address(from.address());
  o->set_phone(from.phone());
  o->set_fax(from.fax());
  o->set_email(from.email());
  o->set_founded_on(from.founded_on());
  o->set_member_count(from.member_count());
  *o->mutable_links() = from.links();
  o->set_registrant_name(from.registrant_name());
  o->set_registrant_title(from.registrant_title());
  bool company = from.kind() == "company";
  if (!company || to_aikasanet) o->set_purpose(from.purpose());  // Supernet asks a company's CSR instead
  if (to_aikasanet) {
    // Aikasanet reaches the organisation at its own phone and address (別紙4 12, 13):
    // Supernet's registrant contact fills them when the organisation gave none.
    if (o->phone().empty()) o->set_phone(from.registrant_phone());
    if (o->email().empty()) o->set_email(from.registrant_email());
  } else {
    // Supernet's 担当者 and 登録担当者 are Aikasanet's registrant (担当者名・役職名), reached
    // at the organisation's phone and address.
    o->set_contact_person(from.registrant_name());
    o->set_contact_title(from.registrant_title());
    o->set_registrant_phone(from.phone());
    o->set_registrant_email(from.email());
    if (company) o->set_csr_activities(from.purpose());
  }
}

} // namespace civic::directory
