// The registration forms of both sites as rules (DIR-1, SEC-18; seeds 別紙3 / 別紙4):
// every item each site and kind of organisation is asked, which are required, and
// their formats. Pure functions over the message and the taxonomies.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "civic/directory.pb.h"
#include "core/validation.h"
#include "rpc/taxonomies.h"

namespace civic::directory {

/// Every check of a registration (`current_terms` > 0: the version of the terms of use
/// the registrant must have accepted) or of the record a correction or a staff edit
/// would produce (`current_terms` == 0: terms and requirements were settled at
/// registration); names every bad field. Which items are asked, and which are
/// required, follows the site's list (別紙3 / 別紙4) and the kind.
validation::Errors validate(const Organization& o, const rpc::Taxonomies& tax, int current_terms);

/// Where the organisation is reached about its record: the registrant (登録担当者) on
/// Supernet; on Aikasanet the organisation's own phone and e-mail (別紙4 items 12, 13).
std::pair<std::string, std::string> contact_of(const Organization& o);

/// DIR-5: the other site's registration form pre-filled from `from` (a full record of
/// one site): exactly the items that form accepts for `from`'s kind, the registrant's
/// name and title moved to where that site asks for them.
void handoff_prefill(const Organization& from, Organization* to);

inline std::vector<std::string> list(const google::protobuf::RepeatedPtrField<std::string>& r) {
  return {r.begin(), r.end()};
}

} // namespace civic::directory
