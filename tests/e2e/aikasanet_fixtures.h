// What the Aikasanet end-to-end tests share: published volunteers and groups, a
// recruitment and its posting, one-click links in mails, events delivered as a relay.
#pragma once
#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>

#include <regex>
#include <thread>

#include "civic/events.grpc.pb.h"
#include "client.h"
#include "core/time.h"
#include "fixtures.h"
#include "rpc/principal.h"

namespace civic::e2e {

/// A complete individual profile (別紙4 items 3-42).
inline nlohmann::json individual(const std::string& email, const std::string& municipality, const std::string& weekday) {
  return {{"type", "individual"},
          {"name", "山口 花子"},
          {"kana", "やまぐち はなこ"},
          {"prefecture", "p35"},
          {"municipality", "shunan"},
          {"phone", "0834-11-2222"},
          {"email", email},
          {"gender", "female"},
          {"birth_date", "1990-05-01"},
          {"postal_code", "745-0001"},
          {"address", "周南市御幸通2-2"},
          {"occupation", "会社員"},
          {"selling_point", "週末の子ども食堂を手伝えます"},
          {"activity_municipalities", {municipality}},
          {"fields", {"f13", "f01"}},
          {"weekdays", {weekday}},
          {"time_slot", "morning"},
          {"magazine", true},
          {"accepted_terms_version", aikasanet_terms()}};
}

/// A verified account logged in on `c` with a published individual profile; returns
/// {member id, e-mail}.
inline std::pair<std::string, std::string> published_volunteer(Client& c, Client& admin, const std::string& municipality,
                                                        const std::string& weekday) {
  auto [login, mail] = verified_member(c);
  REQUIRE(c.login(login, kPassword).status == 200);
  Response r = c.put("/api/v1/me/volunteer-profile", {{"profile", individual(mail, municipality, weekday)}});
  REQUIRE(r.status == 200);
  CHECK(r.json()["state"] == "review");
  std::string id = r.json()["id"];
  REQUIRE(admin.post("/api/v1/admin/members/" + id + "/publish").status == 200);
  return {id, mail};
}

/// A published Aikasanet group that recruits volunteers, registered from `c`; returns its id.
inline std::string published_group(Client& c, Client& admin, const std::string& email) {
  auto [login, mail] = verified_member(c);
  REQUIRE(c.login(login, kPassword).status == 200);
  Response r = c.post("/api/v1/organizations", {{"organization", aikasanet_group("周南みまもり隊" + unique(""), email)}});
  REQUIRE(r.status == 201);
  std::string id = r.json()["id"];
  REQUIRE(admin.post("/api/v1/admin/organizations/" + id + "/publish").status == 200);
  return id;
}

inline std::string next_saturday() {
  for (int d = -14; d < 0; ++d) {  // tokyo_date(-n) is n days ahead
    std::string date = time::tokyo_date(d);
    std::tm tm{};
    strptime(date.c_str(), "%Y-%m-%d", &tm);
    std::mktime(&tm);
    if (tm.tm_wday == 6) return date;
  }
  FAIL("no Saturday within two weeks");
  return "";
}

inline nlohmann::json recruitment(const std::string& title, const std::string& organizer_email) {
  return {{"title", title},
          {"fields", {"f13"}},
          {"content", "子ども食堂の配膳と片付けのお手伝い"},
          {"activity_dates", {next_saturday()}},
          {"time_slot", "morning"},
          {"time_note", "9:00～12:00"},
          {"municipalities", {"shunan"}},
          {"place", "周南市民館"},
          {"organizer_name", "周南みまもり隊"},
          {"organizer_contact", "0834-00-0000"},
          {"organizer_email", organizer_email},
          {"headcount", 5},
          {"belongings", "エプロン"},
          {"period_end", time::tokyo_date(-30)}};
}

/// Posts until the directory's organization.changed has reached the recruitment service.
inline Response post_recruitment(Client& c, const nlohmann::json& r) {
  Response out;
  for (int i = 0; i < 100; ++i) {
    out = c.post("/api/v1/recruitments", {{"recruitment", r}});
    if (out.status != 403) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return out;
}

inline std::string oneclick_token(const std::string& mail, const char* label) {
  std::smatch m;
  std::regex re(std::string(label) + "[^\\n]*\\n[^\\n]*/oneclick/([A-Za-z0-9_-]+)");
  if (!std::regex_search(mail, m, re)) throw std::runtime_error("no one-click link in mail");
  return m[1];
}

/// Delivers `event` to an EventSink as the relay of service `caller` would.
inline grpc::Status deliver_as(civic::events::EventSink::Stub& sink, const civic::events::Event& event, const char* caller) {
  grpc::ClientContext ctx;
  rpc::Principal p;
  p.add_roles("service");
  p.set_caller(caller);
  rpc::attach(ctx, p, env("INTERNAL_HMAC_KEY"));
  civic::events::DeliverResponse resp;
  return sink.Deliver(&ctx, event, &resp);
}

} // namespace civic::e2e
