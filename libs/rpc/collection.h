// One staff-managed collection (organisations, members, events, recruitments, grants,
// books, reports, articles, newsletters): a service declares once how to find, render,
// re-state, copy and remove its records, and every admin route of SPEC section 4 —
//
//   GET    /api/v1/admin/<collection>/{id}              get       (private items too)
//   POST   /api/v1/admin/<collection>                   create    (a draft)
//   PUT    /api/v1/admin/<collection>/{id}              edit      (409 on a stale version)
//   POST   /api/v1/admin/<collection>/{id}/<action>     submit | publish | reject | archive | restore
//   POST   /api/v1/admin/<collection>/{id}/duplicate    a private, editable draft copy
//   GET    /api/v1/admin/<collection>/{id}/history      who did what, when
//   DELETE /api/v1/admin/<collection>/{id}              drafts and archived records only
//
// — is one line of the service calling these members: the same checks, statuses,
// history entries and transactions everywhere. Staff only, every call: UNAUTHENTICATED
// for the anonymous, PERMISSION_DENIED for members; a malformed or unknown id is
// NOT_FOUND; a step the state does not allow is FAILED_PRECONDITION (HTTP 400); a stale
// version ABORTED (HTTP 409).
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "civic/common.pb.h"
#include "core/log.h"
#include "core/validation.h"
#include "db/db.h"
#include "rpc/audit.h"
#include "rpc/imports.h"
#include "rpc/json.h"  // changed_fields, for edits
#include "rpc/principal.h"
#include "rpc/server.h"
#include "rpc/status.h"
#include "workflow/workflow.h"

namespace civic::rpc {

template <class Row, class Msg>
struct Collection {
  std::string entity = {};      // workflow_history.entity_type and log names: "grant"
  db::Pool* pool = nullptr;
  const std::string* hmac_key = nullptr;
  /// The record, locked FOR UPDATE when `lock`; nullopt when there is none.
  std::function<std::optional<Row>(db::Tx&, const std::string& id, bool lock)> find = {};
  /// The staff rendering, private items included.
  std::function<void(db::Tx&, const Row&, Msg*)> render = {};
  std::function<void(db::Tx&, const std::string& id, std::string_view state)> set_state = {};
  /// Optional: what a step does besides the state (mails, events, closing applications),
  /// in the step's transaction, after the new state is written; `before` is the record
  /// as it was.
  std::function<void(db::Tx&, const Row& before, workflow::State to, const Principal&)> on_step = {};
  /// Writes a draft copy of `row` (sealed items sealed anew for the copy) and returns
  /// its id. Without it, the collection has no duplicate.
  std::function<std::string(db::Tx&, const Row&, const Principal&)> copy = {};
  /// Removes the record and what belongs to it alone (files, photos).
  std::function<void(db::Tx&, const Row&)> erase = {};
  /// Optional: after a committed write (the in-memory public list catching up, the
  /// outbox relay woken).
  std::function<void()> written = {};
  /// The table of the records, for the dates an import keeps (rpc::stamp_dates).
  const char* table = nullptr;
  /// Optional: what an imported record needs besides its state and dates, in the
  /// import's transaction (an announcement other services replicate). on_step is not
  /// run for imports: nothing is mailed or matched for an old record.
  std::function<void(db::Tx&, const std::string& id)> imported = {};
  /// Optional: how an imported record's state is written when set_state does more than
  /// write it (a newsletter's delivery starts when published).
  std::function<void(db::Tx&, const std::string& id, std::string_view state)> set_imported_state = {};
  /// When an import last signalled `written` (steady clock, µs): a bulk import signals at
  /// most once a second; the indexes' and the relay's own polling take the rest.
  std::shared_ptr<std::atomic<int64_t>> import_signalled_us = std::make_shared<std::atomic<int64_t>>(0);

  /// Runs `fn(principal)` as method `method` for staff only, signalling `written` after
  /// a successful write.
  template <class F>
  grpc::Status staff(const grpc::ServerContext* ctx, const char* method, bool writes, F&& fn) const {
    grpc::Status st = guarded(ctx, *hmac_key, method, [&](const Principal& p) {
      if (grpc::Status s = require_staff(p); !s.ok()) return s;
      return fn(p);
    });
    if (writes && st.ok() && written) written();
    return st;
  }

  grpc::Status get(const grpc::ServerContext* ctx, const char* method, const std::string& id, Msg* out) const {
    return staff(ctx, method, false, [&](const Principal&) {
      if (!validation::is_uuid(id)) return not_found();
      return pool->read([&](db::Tx& tx) {
        auto row = find(tx, id, false);
        if (!row) return not_found();
        render(tx, *row, out);
        return grpc::Status::OK;
      });
    });
  }

  /// `validate` (after the role check: it may ask other services) names every bad field;
  /// in one transaction `insert` writes the record and returns its id, "create" is
  /// recorded in draft (with `note`) and the record rendered.
  grpc::Status create(const grpc::ServerContext* ctx, const char* method,
                      const std::function<validation::Errors()>& validate,
                      const std::function<std::string(db::Tx&, const Principal&)>& insert, Msg* out,
                      const std::string& note = "") const {
    return staff(ctx, method, true, [&](const Principal& p) {
      if (validation::Errors e = validate(); !e.empty()) return invalid(e);
      return pool->transaction([&](db::Tx& tx) {
        std::string id = insert(tx, p);
        record_step(tx, p, {entity, id, "create", std::nullopt, workflow::State::draft, {}, note});
        render(tx, *find(tx, id, false), out);
        log::info(entity + "_created", {{"id", id}, {"account_id", p.account_id()}});
        return grpc::Status::OK;
      });
    });
  }

  /// `validate` names every bad field; in one transaction the record is locked, refused
  /// when archived (restore it first) or when `check` (optional) says so, rewritten by
  /// `update` — which returns false when the version read is no longer current
  /// (ABORTED) — and "edit" recorded with the names of the fields `update` reports
  /// changed.
  grpc::Status edit(const grpc::ServerContext* ctx, const char* method, const std::string& id,
                    const std::function<validation::Errors()>& validate,
                    const std::function<grpc::Status(const Row&)>& check,
                    const std::function<bool(db::Tx&, const Row&, std::vector<std::string>& changed)>& update,
                    Msg* out) const {
    return staff(ctx, method, true, [&](const Principal& p) {
      if (!validation::is_uuid(id)) return not_found();
      if (validation::Errors e = validate(); !e.empty()) return invalid(e);
      return pool->transaction([&](db::Tx& tx) {
        auto current = find(tx, id, true);
        if (!current) return not_found();
        if (current->state == "archived")
          return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                              "アーカイブ済みです。下書きに戻してから編集してください");
        if (check)
          if (grpc::Status s = check(*current); !s.ok()) return s;
        std::vector<std::string> changed;
        if (!update(tx, *current, changed))
          return grpc::Status(grpc::StatusCode::ABORTED,
                              "ほかの人が先に更新しました。読み込み直してから編集してください");
        auto state = workflow::parse(current->state).value_or(workflow::State::draft);
        record_step(tx, p, {entity, id, "edit", state, state, {}, ""}, changed);
        render(tx, *find(tx, id, false), out);
        return grpc::Status::OK;
      });
    });
  }

  /// One step of the review workflow: `req.note` checked (required to reject); in one
  /// transaction the record is locked, the step checked and recorded, the state
  /// written, `on_step` run and the record rendered.
  grpc::Status step(const grpc::ServerContext* ctx, const char* method, const char* action,
                    const common::ActionRequest& req, Msg* out) const {
    return staff(ctx, method, true, [&](const Principal& p) {
      if (!validation::is_uuid(req.id())) return not_found();
      validation::Errors e;
      e.text("note", req.note(), {.required = std::string_view(action) == "reject", .max_chars = 2000, .multiline = true});
      if (!e.empty()) return invalid(e);
      return pool->transaction([&](db::Tx& tx) {
        auto row = find(tx, req.id(), true);
        if (!row) return not_found();
        auto to = apply_step(tx, p, entity, req.id(), row->state, action, req.note());
        if (!to)
          return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                              "今の状態（" + row->state + "）ではこの操作はできません");
        set_state(tx, req.id(), workflow::name(*to));
        if (on_step) on_step(tx, *row, *to, p);
        render(tx, *find(tx, req.id(), false), out);
        log::info(entity + "_" + action, {{"id", req.id()}, {"account_id", p.account_id()}});
        return grpc::Status::OK;
      });
    });
  }

  /// One record of the former system (issue 15, tools/import), for the service "import"
  /// only, `request` the whole import request and `meta` its meta. `validate` names every
  /// bad field of the record (meta's are checked here); in
  /// one transaction the record `meta.legacy_id` became earlier (rpc/imports.h) is found:
  /// none — `insert` writes it as a draft and returns its id, its state and dates are
  /// set as they were there, `imported` run, "import" recorded: created; the digest of
  /// the same content as last time: unchanged (a later edit here is kept); deleted here
  /// since: unchanged (not brought back); else `update` rewrites the content (the row
  /// as it is, locked, given), state and dates follow: updated. validate_only: all of
  /// it, rolled back.
  grpc::Status import(const grpc::ServerContext* ctx, const char* method, const common::ImportMeta& meta,
                      const google::protobuf::Message& request, const std::function<validation::Errors()>& validate,
                      const std::function<std::string(db::Tx&, const Principal&)>& insert,
                      const std::function<void(db::Tx&, const Row&)>& update, common::ImportResult* out) const {
    grpc::Status st = guarded(ctx, *hmac_key, method, [&](const Principal& p) {
      if (grpc::Status s = require_importer(p); !s.ok()) return s;
      validation::Errors e = validate();
      check_meta(e, meta);
      if (!e.empty()) return invalid(e);
      Imported how = rpc::imported(meta);
      std::string digest = import_digest(request);
      return pool->transaction([&](db::Tx& tx) {
        auto known = find_import(tx, entity, meta.legacy_id());
        std::optional<Row> current;
        if (known) current = find(tx, known->id, true);
        if (known && (known->digest == digest || !current)) {
          out->set_id(known->id);
          out->set_outcome("unchanged");
          return grpc::Status::OK;
        }
        auto write_state = set_imported_state ? set_imported_state : set_state;
        std::string id;
        if (current) {
          id = current->id;
          update(tx, *current);
          if (current->state != how.state) write_state(tx, id, how.state);
          stamp_dates(tx, table, id, how);  // a date corrected there follows too
          record_step(tx, p, {entity, id, "import", workflow::parse(current->state),
                              workflow::parse(how.state).value_or(workflow::State::published), {},
                              "旧システムから再移行（旧ID " + meta.legacy_id() + "）"});
          out->set_outcome("updated");
        } else {
          id = insert(tx, p);
          write_state(tx, id, how.state);
          stamp_dates(tx, table, id, how);
          record_step(tx, p, {entity, id, "import", std::nullopt,
                              workflow::parse(how.state).value_or(workflow::State::published), {},
                              "旧システムから移行（旧ID " + meta.legacy_id() + "）"});
          out->set_outcome("created");
        }
        if (imported) imported(tx, id);
        save_import(tx, entity, meta.legacy_id(), id, digest);
        out->set_id(id);
        if (meta.validate_only()) throw Abort{grpc::Status::OK};  // checked; rolled back
        return grpc::Status::OK;
      });
    });
    if (st.ok() && !meta.validate_only() && out->outcome() != "unchanged" && written) {
      // Re-sorting an in-memory list after each of 8,000 records would cost more than
      // the records themselves.
      int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now().time_since_epoch()).count();
      int64_t last = import_signalled_us->load();
      if (now - last >= 1'000'000 && import_signalled_us->compare_exchange_strong(last, now)) written();
    }
    return st;
  }

  /// A draft copy of the record, "duplicate" recorded on the copy.
  grpc::Status duplicate(const grpc::ServerContext* ctx, const char* method, const common::ActionRequest& req,
                         common::CreatedId* out) const {
    return staff(ctx, method, true, [&](const Principal& p) {
      if (!validation::is_uuid(req.id())) return not_found();
      return pool->transaction([&](db::Tx& tx) {
        auto row = find(tx, req.id(), false);
        if (!row) return not_found();
        std::string made = copy(tx, *row, p);
        record_step(tx, p, {entity, made, "duplicate", std::nullopt, workflow::State::draft, {},
                              "from " + req.id()});
        out->set_id(made);
        return grpc::Status::OK;
      });
    });
  }

  /// Hard deletion of a draft (a new or rejected record) or an archived record;
  /// anything in review or published must be archived first (FAILED_PRECONDITION).
  /// The history stays, ending in "delete".
  grpc::Status remove(const grpc::ServerContext* ctx, const char* method, const common::ActionRequest& req) const {
    return staff(ctx, method, true, [&](const Principal& p) {
      if (!validation::is_uuid(req.id())) return not_found();
      validation::Errors e;
      e.text("note", req.note(), {.required = false, .max_chars = 2000, .multiline = true});
      if (!e.empty()) return invalid(e);
      return pool->transaction([&](db::Tx& tx) {
        auto row = find(tx, req.id(), true);
        if (!row) return not_found();
        if (row->state != "draft" && row->state != "archived")
          return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                              "今の状態（" + row->state + "）では削除できません。先にアーカイブしてください");
        erase(tx, *row);
        record_step(tx, p, {entity, req.id(), "delete", workflow::parse(row->state), workflow::State::deleted,
                              {}, req.note()});
        log::info(entity + "_deleted", {{"id", req.id()}, {"account_id", p.account_id()}});
        return grpc::Status::OK;
      });
    });
  }

  /// The change history of a record; a deleted record's stays readable.
  grpc::Status history(const grpc::ServerContext* ctx, const char* method, const std::string& id,
                       common::HistoryResponse* out) const {
    return staff(ctx, method, false, [&](const Principal&) {
      if (!validation::is_uuid(id)) return not_found();
      return pool->read([&](db::Tx& tx) {
        workflow::history(tx, entity, id, out);
        if (out->items().empty() && !find(tx, id, false)) return not_found();
        return grpc::Status::OK;
      });
    });
  }
};

/// The overrides of a service class for the standard staff routes of collection `X`
/// (rpcs AdminGetX, SubmitX, PublishX, RejectX, ArchiveX, RestoreX, XHistory, DeleteX
/// in its proto), each answered by the rpc::Collection member `c`.
#define CIVIC_STAFF_COLLECTION(X, Msg, c)                                                                       \
  grpc::Status AdminGet##X(grpc::ServerContext* ctx, const ::civic::common::IdRequest* r, Msg* o) override {    \
    return c.get(ctx, "AdminGet" #X, r->id(), o);                                                               \
  }                                                                                                             \
  grpc::Status Submit##X(grpc::ServerContext* ctx, const ::civic::common::ActionRequest* r, Msg* o) override {  \
    return c.step(ctx, "Submit" #X, "submit", *r, o);                                                           \
  }                                                                                                             \
  grpc::Status Publish##X(grpc::ServerContext* ctx, const ::civic::common::ActionRequest* r, Msg* o) override { \
    return c.step(ctx, "Publish" #X, "publish", *r, o);                                                         \
  }                                                                                                             \
  grpc::Status Reject##X(grpc::ServerContext* ctx, const ::civic::common::ActionRequest* r, Msg* o) override {  \
    return c.step(ctx, "Reject" #X, "reject", *r, o);                                                           \
  }                                                                                                             \
  grpc::Status Archive##X(grpc::ServerContext* ctx, const ::civic::common::ActionRequest* r, Msg* o) override { \
    return c.step(ctx, "Archive" #X, "archive", *r, o);                                                         \
  }                                                                                                             \
  grpc::Status Restore##X(grpc::ServerContext* ctx, const ::civic::common::ActionRequest* r, Msg* o) override { \
    return c.step(ctx, "Restore" #X, "restore", *r, o);                                                         \
  }                                                                                                             \
  grpc::Status X##History(grpc::ServerContext* ctx, const ::civic::common::IdRequest* r,                        \
                          ::civic::common::HistoryResponse* o) override {                                       \
    return c.history(ctx, #X "History", r->id(), o);                                                            \
  }                                                                                                             \
  grpc::Status Delete##X(grpc::ServerContext* ctx, const ::civic::common::ActionRequest* r,                     \
                         ::civic::common::Empty*) override {                                                    \
    return c.remove(ctx, "Delete" #X, *r);                                                                      \
  }

/// The override of DuplicateX, for a collection whose `copy` is declared.
#define CIVIC_STAFF_DUPLICATE(X, c)                                                                           \
  grpc::Status Duplicate##X(grpc::ServerContext* ctx, const ::civic::common::ActionRequest* r,                \
                            ::civic::common::CreatedId* o) override {                                         \
    return c.duplicate(ctx, "Duplicate" #X, *r, o);                                                           \
  }

} // namespace civic::rpc
