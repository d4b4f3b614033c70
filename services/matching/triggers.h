// The four triggers of MAT-3. Each runs inside the transaction of the change that
// causes it (a member's publication, or the recruitment.published event's inbox
// entry), records itself in triggers_fired and enqueues its mails as events in the same
// transaction: it fires at most once per subject, and its mails are never lost.
//
//   (a) a member is published        -> mail the member the open recruitments it matches
//   (b) a recruiting group is published -> mail the group the members matching its
//                                       own areas, days and fields
//   (c) a member is published        -> tell the organisers of those recruitments
//   (d) a recruitment is published   -> mail every matching member, with one-click
//                                       apply / inquire links, and the organiser the list;
//                                       members who chose a daily or weekly digest get
//                                       the match in their next digest instead
#pragma once
#include <cstdint>
#include <ctime>
#include <string>

#include "core/crypto.h"
#include "db/db.h"
#include "matching/store.h"

namespace civic::matching {

struct TriggerConfig {
  std::string public_base_url;   // links in mails point at the sites
  std::string oneclick_key;      // shared with the recruitment service
  int64_t oneclick_ttl_seconds = 30 * 86400;
};

/// (a), (b) and (c) for `member`, just published. Returns the number of mails enqueued.
int member_published(db::Tx& tx, const store::MemberRow& member, const TriggerConfig& cfg, const crypto::Sealer& sealer);

/// When digests go out (issue 16 item 4): DIGEST_HOUR in Asia/Tokyo every day for daily
/// members, and on DIGEST_WEEKDAY for weekly ones.
struct DigestSchedule {
  int hour = 8;
  int weekday = 1;   // 0 = Sunday; Monday by default
  int batch = 200;   // members per round (one transaction)
};

/// One round of the digest job at `now`: each member due (store::digests_due) gets one
/// mail listing every match kept since their last digest that is still open, with its
/// one-click links; the matches are deleted in the same transaction (each in exactly one
/// mail). Returns how many members it handled (0: none due, or another replica is at it).
int send_digests(db::Pool& pool, const TriggerConfig& cfg, const crypto::Sealer& sealer, const DigestSchedule& schedule,
                 std::time_t now);

/// (d) for `recruitment` (already written to the recruitments table) whose organiser
/// is reached at `organizer_email`. Returns the number of members matched.
int recruitment_published(db::Tx& tx, const store::RecruitmentRow& recruitment, const std::string& organizer_email,
                          const TriggerConfig& cfg, const crypto::Sealer& sealer);

/// The private items of a member, opened (empty object when they cannot be).
struct PrivateItems {
  std::string name, kana, phone, email, gender, birth_date, postal_code, address, fax, other_note;
  bool guardian_consent = false;
};
PrivateItems open_private(const crypto::Sealer& sealer, const store::MemberRow& m);
std::string seal_private(const crypto::Sealer& sealer, const std::string& member_id, const PrivateItems& p);

} // namespace civic::matching
