#include "matching/match.h"

#include <algorithm>

namespace civic::matching {
namespace {
bool overlap(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return std::any_of(a.begin(), a.end(), [&](const std::string& x) { return std::find(b.begin(), b.end(), x) != b.end(); });
}

int shared(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  int n = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::find(a.begin(), a.begin() + long(i), a[i]) == a.begin() + long(i) &&  // each field once
        std::find(b.begin(), b.end(), a[i]) != b.end())
      ++n;
  return n;
}
} // namespace

bool slot_fits(const std::string& available, const std::string& wanted) {
  if (available.empty() || wanted.empty() || available == "anytime" || wanted == "anytime") return true;
  if (available == wanted) return true;
  return available == "daytime" && (wanted == "morning" || wanted == "afternoon");
}

bool reachable(const Volunteer& v) { return v.verified && !v.suspended && !v.withdrawn && !v.mail_stopped; }

std::vector<Match> match(const Recruitment& r, const std::vector<Volunteer>& volunteers) {
  std::vector<Match> out;
  for (const auto& v : volunteers) {
    if (!reachable(v)) continue;
    if (!r.prefecture_wide && !overlap(r.municipalities, v.municipalities)) continue;
    if (!r.anytime && !overlap(r.weekdays, v.weekdays)) continue;
    out.push_back({v.id, shared(r.fields, v.fields), slot_fits(v.time_slot, r.time_slot)});
  }
  std::sort(out.begin(), out.end(), [](const Match& a, const Match& b) {
    if (a.shared_fields != b.shared_fields) return a.shared_fields > b.shared_fields;
    if (a.slot_fits != b.slot_fits) return a.slot_fits;
    return a.volunteer_id < b.volunteer_id;
  });
  return out;
}

} // namespace civic::matching
