// Shared e2e fixtures: taxonomy codes, complete Aikasanet registrations and the
// fields named by an error response. Include after client.h.
#pragma once
#include <set>
#include <string>

#include "client.h"

namespace civic::e2e {

inline nlohmann::json codes(const std::string& taxonomy) {
  nlohmann::json out = nlohmann::json::array();
  Response r = Client().get("/api/v1/taxonomies/" + taxonomy);
  for (const auto& t : r.json()["terms"]) out.push_back(t["code"]);
  return out;
}

inline int aikasanet_terms() { return Client().get("/api/v1/terms-of-use/aikasanet").json()["version"]; }

/// A complete, valid Aikasanet group member (別紙4 items 5-33).
inline nlohmann::json aikasanet_group(const std::string& name, const std::string& email) {
  return {{"site", "aikasanet"},
          {"kind", "group"},
          {"class_code", "voluntary"},
          {"name", name},
          {"name_kana", "しゅうなんささえあいのかい"},
          {"representative", "周南 一郎"},
          {"representative_title", "会長"},
          {"prefecture", "p35"},
          {"municipality", "shunan"},
          {"phone", "0834-00-0000"},
          {"email", email},
          {"postal_code", "745-0001"},
          {"address", "周南市御幸通1-1"},
          {"member_count", 25},
          {"founded_on", "2015-04-01"},
          {"purpose", "高齢者の見守りと地域の支え合い"},
          {"activities", "見守り訪問と配食ボランティア"},
          {"recruits_volunteers", true},
          {"registrant_name", "担当 次郎"},
          {"registrant_title", "事務局長"},
          {"registrant_department", "事務局"},
          {"registration_requirements", codes("registration_requirements")},
          {"guardian_consent", true},
          {"accepted_terms_version", aikasanet_terms()}};
}

/// A complete Supernet event (REC-1) on `date`, submitted from `submitter_email`.
inline nlohmann::json supernet_event(const std::string& title, const std::string& submitter_email, const std::string& date) {
  return {{"category", "course"},
          {"organizer", "萩まちづくりネット"},
          {"title", title},
          {"dates", {date}},
          {"time_note", "13:30～15:30"},
          {"venue", "萩市民館"},
          {"municipality", "hagi"},
          {"purpose", "地域の担い手づくり"},
          {"content", "NPOの会計の基本を学ぶ講座です"},
          {"fields", {"f03"}},
          {"fee", "無料"},
          {"target", "どなたでも"},
          {"how_to_apply", "電話またはメール"},
          {"contact_organization", "萩まちづくりネット"},
          {"contact_phone", "0838-00-0000"},
          {"contact_email", "info@hagi-machi.example.jp"},
          {"url", "https://hagi-machi.example.jp/"},
          {"submitter_name", "萩 花子"},
          {"submitter_email", submitter_email}};
}


inline std::set<std::string> error_fields(const Response& r) {
  std::set<std::string> out;
  for (const auto& d : r.json()["error"]["details"]) out.insert(d["field"].get<std::string>());
  return out;
}

/// A complete Supernet group (別紙3) named `name`.
inline nlohmann::json supernet_group(const std::string& name) {
  return {{"kind", "group"},
          {"class_code", "voluntary"},
          {"name", name},
          {"name_kana", "ごじのあるかい"},
          {"representative", "山口 太郎"},
          {"contact_person", "萩 花子"},
          {"fields", {"f01"}},
          {"target_area", "municipalities"},
          {"target_municipalities", {"hagi"}},
          {"purpose", "地域の子どもの居場所づくり"},
          {"activities", "学習支援"},
          {"prefecture", "p35"},
          {"municipality", "hagi"},
          {"address", "萩市大字椿東1-1"},
          {"registrant_name", "登録 担当"},
          {"registrant_phone", "0838-00-0000"},
          {"registrant_email", unique("org_") + "@example.jp"},
          {"registration_requirements", codes("registration_requirements")},
          {"guardian_consent", true},
          {"accepted_terms_version", Client().get("/api/v1/terms-of-use/supernet").json()["version"]}};
}

} // namespace civic::e2e
