// The gRPC handlers every staff-edited collection shares (GRT-4, CNT-1): a new draft,
// an edit against the version read, one step of the review workflow, and the change
// history. A collection supplies how to check, find, write and render its records.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "civic/common.pb.h"
#include "core/log.h"
#include "core/validation.h"
#include "db/db.h"
#include "rpc/principal.h"
#include "rpc/status.h"
#include "workflow/workflow.h"

namespace civic::rpc {

/// Staff only; `validate` (after the role check: it may ask other services) names every
/// bad field; in one transaction `insert` writes the record and returns its id, the
/// "create" step is recorded in draft, and the record is rendered.
inline grpc::Status create_draft(db::Pool& pool, const Principal& p, const std::string& entity,
                                 const std::function<validation::Errors()>& validate,
                                 const std::function<std::string(db::Tx&)>& insert,
                                 const std::function<void(db::Tx&, const std::string&)>& render) {
  if (grpc::Status s = require_staff(p); !s.ok()) return s;
  if (validation::Errors e = validate(); !e.empty()) return invalid(e);
  return pool.transaction([&](db::Tx& tx) {
    std::string id = insert(tx);
    workflow::record(tx, {entity, id, "create", std::nullopt, workflow::State::draft, p.account_id(), ""});
    render(tx, id);
    log::info(entity + "_created", {{"id", id}, {"account_id", p.account_id()}});
    return grpc::Status::OK;
  });
}

/// Staff only; id and `validate` checked; in one transaction the record is locked,
/// refused when archived (restore it first) or when `check` (optional) says so,
/// rewritten by `update` — which returns false when the version read is no longer
/// current (ABORTED: 409) — the "edit" recorded and the record rendered.
template <typename Row>
grpc::Status versioned_edit(db::Pool& pool, const Principal& p, const std::string& id, const std::string& entity,
                            const std::function<validation::Errors()>& validate,
                            const std::function<std::optional<Row>(db::Tx&, const std::string&)>& find_for_update,
                            const std::function<grpc::Status(const Row&)>& check,
                            const std::function<bool(db::Tx&, const Row&)>& update,
                            const std::function<void(db::Tx&, const std::string&)>& render) {
  if (grpc::Status s = require_staff(p); !s.ok()) return s;
  if (!validation::is_uuid(id)) return grpc::Status(grpc::StatusCode::NOT_FOUND, "見つかりません");
  if (validation::Errors e = validate(); !e.empty()) return invalid(e);
  return pool.transaction([&](db::Tx& tx) {
    auto current = find_for_update(tx, id);
    if (!current) return grpc::Status(grpc::StatusCode::NOT_FOUND, "見つかりません");
    if (current->state == "archived")
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "アーカイブ済みです。下書きに戻してから編集してください");
    if (check)
      if (grpc::Status s = check(*current); !s.ok()) return s;
    if (!update(tx, *current))
      return grpc::Status(grpc::StatusCode::ABORTED, "ほかの人が先に更新しました。読み込み直してから編集してください");
    auto state = workflow::parse(current->state).value_or(workflow::State::draft);
    workflow::record(tx, {entity, id, "edit", state, state, p.account_id(), ""});
    render(tx, id);
    return grpc::Status::OK;
  });
}

/// Staff only; `note` checked (required to reject); in one transaction the record is
/// locked, the step checked against the workflow and recorded, the state written and
/// the record rendered. Unknown or malformed ids are NOT_FOUND; a step the state does
/// not allow is FAILED_PRECONDITION.
template <typename Row>
grpc::Status workflow_step(db::Pool& pool, const Principal& p, const std::string& id, const std::string& note,
                           const std::string& entity, const std::string& action,
                           const std::function<std::optional<Row>(db::Tx&, const std::string&)>& find_for_update,
                           const std::function<void(db::Tx&, const std::string&, std::string_view)>& set_state,
                           const std::function<void(db::Tx&, const std::string&)>& render) {
  if (grpc::Status s = require_staff(p); !s.ok()) return s;
  if (!validation::is_uuid(id)) return grpc::Status(grpc::StatusCode::NOT_FOUND, "見つかりません");
  validation::Errors e;
  e.text("note", note, {.required = action == "reject", .max_chars = 2000, .multiline = true});
  if (!e.empty()) return invalid(e);
  return pool.transaction([&](db::Tx& tx) {
    auto row = find_for_update(tx, id);
    if (!row) return grpc::Status(grpc::StatusCode::NOT_FOUND, "見つかりません");
    auto to = workflow::apply(tx, entity, id, row->state, action, p.account_id(), note);
    if (!to)
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "今の状態（" + row->state + "）ではこの操作はできません");
    set_state(tx, id, workflow::name(*to));
    render(tx, id);
    return grpc::Status::OK;
  });
}

/// Staff only; in one transaction `copy` writes a new draft from the record `id` and
/// returns the new id — nullopt when there is no such record (NOT_FOUND) — and the
/// "duplicate" step is recorded on the copy.
inline grpc::Status duplicate_call(db::Pool& pool, const Principal& p, const std::string& id, const std::string& entity,
                                   const std::function<std::optional<std::string>(db::Tx&, const std::string&)>& copy,
                                   std::string* new_id) {
  if (grpc::Status s = require_staff(p); !s.ok()) return s;
  if (!validation::is_uuid(id)) return grpc::Status(grpc::StatusCode::NOT_FOUND, "見つかりません");
  return pool.transaction([&](db::Tx& tx) {
    auto made = copy(tx, id);
    if (!made) return grpc::Status(grpc::StatusCode::NOT_FOUND, "見つかりません");
    workflow::record(tx, {entity, *made, "duplicate", std::nullopt, workflow::State::draft, p.account_id(), "from " + id});
    *new_id = *made;
    return grpc::Status::OK;
  });
}

/// Staff only: the change history of an existing record.
inline grpc::Status history_call(db::Pool& pool, const Principal& p, const std::string& id, const std::string& entity,
                                 const std::function<bool(db::Tx&, const std::string&)>& exists,
                                 common::HistoryResponse* resp) {
  if (grpc::Status s = require_staff(p); !s.ok()) return s;
  if (!validation::is_uuid(id)) return grpc::Status(grpc::StatusCode::NOT_FOUND, "見つかりません");
  return pool.read([&](db::Tx& tx) {
    if (!exists(tx, id)) return grpc::Status(grpc::StatusCode::NOT_FOUND, "見つかりません");
    workflow::history(tx, entity, id, resp);
    return grpc::Status::OK;
  });
}

/// `st`, after a successful write has been made visible at once in this replica's
/// in-memory public list (`index.catch_up()`, a search::LiveIndex; ADR 0007).
template <typename Index>
grpc::Status listed(grpc::Status st, Index& index) {
  if (st.ok()) index.catch_up();
  return st;
}

} // namespace civic::rpc
