// MAT-2: every rule of the matching function, one row per rule.
#include <catch2/catch.hpp>

#include "matching/match.h"

using namespace civic::matching;

namespace {
Volunteer ready(const std::string& id) {
  Volunteer v;
  v.id = id;
  v.municipalities = {"hagi"};
  v.fields = {"f01"};
  v.weekdays = {"sat"};
  v.time_slot = "morning";
  v.verified = true;
  return v;
}

Recruitment in_hagi_on_saturday() {
  Recruitment r;
  r.municipalities = {"hagi"};
  r.weekdays = {"sat"};
  r.fields = {"f01"};
  r.time_slot = "morning";
  return r;
}

bool matches(const Recruitment& r, const Volunteer& v) { return !match(r, {v}).empty(); }
} // namespace

TEST_CASE("MAT-2: who matches, rule by rule", "[unit]") {
  struct Row {
    const char* rule;
    void (*volunteer)(Volunteer&);
    void (*recruitment)(Recruitment&);
    bool expected;
  };
  const std::vector<Row> rows = {
      {"place and day overlap", [](Volunteer&) {}, [](Recruitment&) {}, true},
      {"another municipality", [](Volunteer& v) { v.municipalities = {"ube"}; }, [](Recruitment&) {}, false},
      {"one of several municipalities", [](Volunteer& v) { v.municipalities = {"ube", "hagi"}; }, [](Recruitment&) {}, true},
      {"prefecture-wide reaches every municipality", [](Volunteer& v) { v.municipalities = {"ube"}; },
       [](Recruitment& r) { r.prefecture_wide = true; r.municipalities.clear(); }, true},
      {"no available municipality at all", [](Volunteer& v) { v.municipalities.clear(); }, [](Recruitment&) {}, false},
      {"another weekday", [](Volunteer& v) { v.weekdays = {"mon"}; }, [](Recruitment&) {}, false},
      {"anytime reaches every weekday", [](Volunteer& v) { v.weekdays = {"mon"}; },
       [](Recruitment& r) { r.anytime = true; r.weekdays.clear(); }, true},
      {"one of several days", [](Volunteer& v) { v.weekdays = {"sun", "sat"}; },
       [](Recruitment& r) { r.weekdays = {"sat", "sun"}; }, true},
      {"no shared field still matches (fields only rank)", [](Volunteer& v) { v.fields = {"f20"}; }, [](Recruitment&) {}, true},
      {"another time slot still matches (slots only rank)", [](Volunteer& v) { v.time_slot = "evening"; },
       [](Recruitment&) {}, true},
      {"unverified", [](Volunteer& v) { v.verified = false; }, [](Recruitment&) {}, false},
      {"suspended", [](Volunteer& v) { v.suspended = true; }, [](Recruitment&) {}, false},
      {"withdrawn", [](Volunteer& v) { v.withdrawn = true; }, [](Recruitment&) {}, false},
      {"mail-stopped", [](Volunteer& v) { v.mail_stopped = true; }, [](Recruitment&) {}, false},
      {"mail-stopped even prefecture-wide and anytime", [](Volunteer& v) { v.mail_stopped = true; },
       [](Recruitment& r) { r.prefecture_wide = true; r.anytime = true; }, false},
  };
  for (const auto& row : rows) {
    INFO(row.rule);
    Volunteer v = ready("v");
    Recruitment r = in_hagi_on_saturday();
    row.volunteer(v);
    row.recruitment(r);
    CHECK(matches(r, v) == row.expected);
  }
}

TEST_CASE("MAT-2: time slots fit when equal, anytime, unstated, or daytime over morning/afternoon", "[unit]") {
  CHECK(slot_fits("morning", "morning"));
  CHECK(slot_fits("anytime", "evening"));
  CHECK(slot_fits("evening", "anytime"));
  CHECK(slot_fits("", "evening"));
  CHECK(slot_fits("daytime", "morning"));
  CHECK(slot_fits("daytime", "afternoon"));
  CHECK_FALSE(slot_fits("daytime", "evening"));
  CHECK_FALSE(slot_fits("morning", "daytime"));  // free only in the morning: not the whole day
  CHECK_FALSE(slot_fits("morning", "evening"));
}

TEST_CASE("MAT-2: ranked by shared fields, then time slot, then id, the input order does not matter", "[unit]") {
  Recruitment r = in_hagi_on_saturday();
  r.fields = {"f01", "f02", "f03"};
  Volunteer one = ready("d"), two = ready("c"), two_late = ready("b"), none = ready("a"), dup = ready("e");
  one.fields = {"f01"};
  two.fields = {"f02", "f03"};
  two_late.fields = {"f01", "f03"};
  two_late.time_slot = "evening";
  none.fields = {};
  dup.fields = {"f01", "f01"};  // a field listed twice counts once
  auto result = match(r, {none, two_late, one, two, dup});
  std::vector<std::string> order;
  for (const auto& m : result) order.push_back(m.volunteer_id);
  CHECK(order == std::vector<std::string>{"c", "b", "d", "e", "a"});
  CHECK(result[0].shared_fields == 2);
  CHECK(result[0].slot_fits);
  CHECK_FALSE(result[1].slot_fits);
  CHECK(result[3].shared_fields == 1);
  CHECK(match(r, {two, none, dup, one, two_late}).front().volunteer_id == "c");
  CHECK(match(r, {}).empty());
}
