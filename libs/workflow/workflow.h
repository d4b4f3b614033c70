// The review workflow of every published thing (organisations, events, recruitments,
// grants, pages, ...): draft -> review -> published -> archived (SPEC DIR-3).
//
//   submit   draft -> review            the owner hands it to the centre
//   publish  draft | review -> published staff only
//   reject   review -> draft            staff send it back, with a note
//   archive  draft | review | published -> archived   staff only
//   restore  archived -> draft          staff only
//   delete   draft | archived -> (gone)  staff only; the history stays, ending in "deleted"
//
// "Duplicate" makes a new record in draft, not a transition. Every transition is
// written to the owning service's `workflow_history` table (this library's
// migrations/, applied with the service's own: USES workflow in its CMakeLists) in the
// same transaction as the change.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "civic/common.pb.h"
#include "db/db.h"

namespace civic::workflow {

enum class State { draft, review, published, archived, deleted };

std::string_view name(State s);
std::optional<State> parse(std::string_view s);

/// The state `action` leads to from `from`; nullopt when the action is not allowed there.
std::optional<State> next(State from, std::string_view action);

struct Change {
  std::string entity_type;  // "organization", ...
  std::string entity_id;    // uuid
  std::string action;       // submit, publish, ..., or create / duplicate / edit
  std::optional<State> from;
  State to = State::draft;
  std::string actor;        // account id; empty for anonymous
  std::string note;
};

/// Appends `change` to workflow_history; `changed` names the fields an edit changed.
void record(db::Tx& tx, const Change& change, const std::vector<std::string>& changed = {});

/// Applies `action` to the record `entity_id` in state `current`: records the step and
/// returns the new state, which the caller writes; nullopt (nothing written) when the
/// action is not allowed from there.
std::optional<State> apply(db::Tx& tx, std::string_view entity_type, std::string_view entity_id, std::string_view current,
                           std::string_view action, std::string_view actor, std::string_view note);

struct HistoryEntry {
  std::string action, from, to, actor, note, at;
  std::vector<std::string> changed;
};
std::vector<HistoryEntry> history(db::Tx& tx, std::string_view entity_type, std::string_view entity_id);
/// The same, as the response every service's history call answers with.
void history(db::Tx& tx, std::string_view entity_type, std::string_view entity_id, common::HistoryResponse* out);

} // namespace civic::workflow
