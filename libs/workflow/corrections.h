// Correction requests (修正依頼; SPEC DIR-4, 募集情報修正依頼) of any published record:
// anyone proposes changes to its public items, a link mailed to the record's own
// contact confirms them, staff apply (the record changes, its contact is told) or
// reject them. The table is this library's (component "corrections"); each service
// keeps the requests of its own records in its own database. The requester's address
// is sealed (SEC-17); the confirmation token is kept as its SHA-256 only.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/message.h>

#include "core/validation.h"
#include "db/db.h"

namespace civic::workflow::corrections {

struct Row {
  std::string id, entity_type, entity_id;
  std::string subject;  // the record's name or title when the request was made
  std::string changes;  // the record's JSON with only the items to change
  std::string requester_name, requester_email_sealed, reason, state, note, created_at, confirmed_at;
};

struct Page {
  std::vector<Row> items;
  int64_t total = 0;
};

/// A request waiting for the mailed link (`token_hash`, valid `valid_hours`).
void insert(db::Tx& tx, const Row& c, std::string_view token_hash, int valid_hours);
/// A request confirmed already: the record's owner made it, or the record has no
/// contact to confirm it (staff decide alone).
void insert_confirmed(db::Tx& tx, const Row& c);
/// Confirms the unexpired, unconfirmed request of `entity_type` holding `token_hash`;
/// its id, or nullopt for an unknown, used or expired token.
std::optional<std::string> confirm(db::Tx& tx, std::string_view entity_type, std::string_view token_hash);
std::optional<Row> find(db::Tx& tx, std::string_view entity_type, std::string_view id, bool for_update = false);
/// Newest first; `state` empty for every state.
Page list(db::Tx& tx, std::string_view entity_type, std::string_view state, int limit, int offset);
void decide(db::Tx& tx, std::string_view id, std::string_view state, std::string_view actor, std::string_view note);
/// The requests of a record that is deleted.
void erase_of(db::Tx& tx, std::string_view entity_type, std::string_view entity_id);

using Correctable = std::function<bool(const google::protobuf::FieldDescriptor*)>;

/// `out` (the current record) with every item set in `changes` replaced; an item
/// `correctable` refuses adds an error for "changes.<item>", no item set at all one
/// for "changes".
void merge(const google::protobuf::Message& changes, const Correctable& correctable, google::protobuf::Message& out,
           validation::Errors& e);

/// The names of the items `changes` sets (the history's "changed").
std::vector<std::string> changed(const google::protobuf::Message& changes);

} // namespace civic::workflow::corrections
