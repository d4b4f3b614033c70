// The matching rule of Aikasanet (SPEC MAT-2), as one pure function: no I/O, no clock,
// the same answer for the same input, so the triggers of MAT-3 (issue 4) can call it
// for one recruitment against 100,000 profiles or for one profile against every open
// recruitment.
//
// A volunteer matches a recruitment when
//   1. the volunteer may be mailed: verified, not suspended, not withdrawn, not
//      mail-stopped (anyone else is never matched, so never mailed);
//   2. places fit: the recruitment is prefecture-wide, or one of its municipalities is
//      among the volunteer's available municipalities;
//   3. days fit: the recruitment is "anytime" (随時), or one of its weekdays is among
//      the volunteer's available weekdays.
// Matches are ranked by the number of shared activity fields (most first), then by
// whether the time slot fits (see slot_fits), then by volunteer id, so the order is
// total and stable.
#pragma once
#include <string>
#include <vector>

namespace civic::matching {

struct Volunteer {
  std::string id;
  std::vector<std::string> municipalities;  // taxonomy municipalities (別紙4 item 34)
  std::vector<std::string> fields;          // taxonomy fields (item 35)
  std::vector<std::string> weekdays;        // mon .. sun (item 36)
  std::string time_slot;                    // taxonomy time_slots (item 37)
  bool verified = false;                    // e-mail confirmed and profile published
  bool suspended = false;                   // 休止
  bool withdrawn = false;                   // 退会
  bool mail_stopped = false;                // メール停止 (NTF-3)
};

struct Recruitment {
  std::vector<std::string> municipalities;  // where the activity takes place
  bool prefecture_wide = false;             // 県内全域
  std::vector<std::string> weekdays;        // the activity's days
  bool anytime = false;                     // 随時
  std::vector<std::string> fields;
  std::string time_slot;                    // empty: not stated
};

struct Match {
  std::string volunteer_id;
  int shared_fields = 0;
  bool slot_fits = false;
};

/// Whether a volunteer with `available` can take part at `wanted`: equal codes,
/// either side "anytime" or unstated, or "daytime" covering "morning" / "afternoon".
bool slot_fits(const std::string& available, const std::string& wanted);

/// Rule 1 alone: whether `v` may be matched (and so mailed) at all.
bool reachable(const Volunteer& v);

/// Every volunteer of `volunteers` that matches `r`, best first (see above).
std::vector<Match> match(const Recruitment& r, const std::vector<Volunteer>& volunteers);

} // namespace civic::matching
