// The audit trail of staff actions (SPEC AUTH-8, OPS-4; ADR 0017). Every service writes
// an `audit.recorded` event to its outbox in the transaction of the action itself; the
// relay carries it to auth, which appends it to the one hash-chained log that only
// grows (audit.events, owned by a role no service logs in as). So the log holds exactly
// the actions that were committed, and an admin reads every service's in one place
// (GET /api/v1/admin/audit-events).
//
// What is recorded: who (account, address, request id), when, what (action, entity,
// id) and a detail of field names, states and counts — never a personal value or a
// free-text note, which may hold one.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "civic/common.pb.h"
#include "db/db.h"
#include "rpc/outbox.h"
#include "rpc/principal.h"
#include "workflow/workflow.h"

namespace civic::rpc {

/// Records that `p` did `action` to `entity_type` `entity_id` (empty for a whole
/// collection, as an export) inside `tx`. `detail` must hold no personal values.
void audit(db::Tx& tx, const Principal& p, std::string_view action, std::string_view entity_type,
           std::string_view entity_id, const nlohmann::json& detail = nlohmann::json::object());

/// The names — never the values — of the filters given (the non-empty ones), for an
/// export's audit entry.
nlohmann::json filters_given(const std::vector<std::pair<std::string_view, std::string_view>>& filters);

/// A CSV file as the download a call answers with (the gateway sends it as an attachment).
void csv_download(civic::common::HttpBody* out, std::string filename, std::string csv);

/// Answers an export of records holding personal data: the CSV as a download, and the
/// export audited — in a transaction of its own, as the export only reads — with its
/// row count and the names of the filters given.
void export_csv(db::Pool& pool, const Principal& p, civic::common::HttpBody* out, std::string_view entity_type,
                std::string filename, std::string csv, size_t rows,
                const std::vector<std::pair<std::string_view, std::string_view>>& filters);

/// A step of a record's review workflow taken by `p`: recorded in its history as
/// workflow::record does (the actor is `p`) and, when `p` is staff, in the audit trail
/// too, with the fields an edit changed — the owner's own steps are the record's
/// history, not staff actions.
void record_step(db::Tx& tx, const Principal& p, workflow::Change change, const std::vector<std::string>& changed = {});

/// workflow::apply for a step taken by `p`, recorded as record_step does.
std::optional<workflow::State> apply_step(db::Tx& tx, const Principal& p, std::string_view entity_type,
                                          std::string_view entity_id, std::string_view current, std::string_view action,
                                          std::string_view note);

/// Adds the route of `audit.recorded` events to auth (AUTH_SERVICE_ADDR) to a relay's
/// routes; every service but auth calls it in main().
void route_audit_to_auth(std::map<std::string, std::vector<Subscriber>>& routes);

} // namespace civic::rpc
