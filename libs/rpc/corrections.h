// The correction desk of one collection (修正依頼; SPEC DIR-4 for organisations, the
// same for events): a service declares once how to find, render, check and change its
// records, and its four routes —
//
//   POST /api/v1/<collection>/{id}/correction-requests      anyone proposes (201)
//   POST /api/v1/<collection>/correction-requests/confirm   the record's contact confirms
//   GET  /api/v1/admin/<collection>/correction-requests     staff list
//   POST /api/v1/admin/.../correction-requests/{id}/apply   staff apply (or reject, with a note)
//
// — are one line each calling these members: the same checks, states, mails and
// transactions everywhere. Anyone may propose a change to the public items of a
// published record; the confirmation link goes to the record's own contact, never to
// the requester (a record without a contact lands confirmed: staff decide alone);
// applying re-checks the result as a staff edit would, changes the record in the same
// transaction, records "correct" in its history and tells its contact.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <google/protobuf/util/json_util.h>

#include "civic/common.pb.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/paging.h"
#include "core/validation.h"
#include "db/db.h"
#include "rpc/audit.h"
#include "rpc/json.h"
#include "rpc/outbox.h"
#include "rpc/principal.h"
#include "rpc/server.h"
#include "rpc/status.h"
#include "workflow/corrections.h"
#include "workflow/workflow.h"

namespace civic::rpc {

template <class Row, class Msg, class Request>
struct CorrectionDesk {
  std::string entity = {};  // corrections.entity_type and workflow_history: "organization", "event"
  db::Pool* pool = nullptr;
  const std::string* hmac_key = nullptr;
  const crypto::Sealer* sealer = nullptr;
  /// Names of the fields of `Request` holding the record's id and name or title.
  std::string id_field = {}, subject_field = {};
  /// Mail templates: the link to the record's contact, and the notice once applied.
  /// Both get the variables of `mail_variables`; the first also requester_name,
  /// reason and url (the confirmation link).
  std::string confirm_template = {}, applied_template = {};
  std::string confirm_url = {};  // the SPA's confirmation page; "?token=..." is appended
  int token_hours = 72;

  /// The record, locked FOR UPDATE when `lock`.
  std::function<std::optional<Row>(db::Tx&, const std::string& id, bool lock)> find = {};
  /// Anyone may correct what is public (published, not past its use).
  std::function<bool(const Row&)> is_public = {};
  /// Every item of the record, private ones included.
  std::function<void(const Row&, Msg*)> render = {};
  workflow::corrections::Correctable correctable = {};
  /// The record as it would be after the correction, checked as a staff edit is.
  std::function<validation::Errors(const Msg&)> validate = {};
  /// Who confirms a request and is told when it is applied; empty: nobody.
  std::function<std::string(const Row&)> contact = {};
  std::function<std::string(const Row&)> subject = {};
  std::function<std::map<std::string, std::string>(const Row&)> mail_variables = {};
  /// Writes `result` to the record (locked, in the apply's transaction) and announces
  /// it to the services that follow it.
  std::function<void(db::Tx&, const Row& current, const Msg& result)> apply = {};
  /// After a committed write; `record_changed` when a correction was applied.
  std::function<void(bool record_changed)> written = {};

  /// `current` with the correctable items of `changes`; bad items are named under
  /// "changes.".
  Msg merged(const Msg& current, const Msg& changes, validation::Errors& e) const {
    Msg out = current;
    workflow::corrections::merge(changes, correctable, out, e);
    if (e.empty()) {
      validation::Errors after = validate(out);
      for (const auto& v : after.list()) e.add("changes." + v.field, v.reason, v.message, v.message_en);
    }
    return out;
  }

  /// A request stored as the record's owner made it (confirmed already): its id.
  std::string propose_confirmed(db::Tx& tx, const Row& row, const Msg& changes, const std::string& requester_name,
                                const std::string& requester_email, const std::string& reason) const {
    auto c = request_row(row, changes, requester_name, requester_email, reason);
    workflow::corrections::insert_confirmed(tx, c);
    return c.id;
  }

  grpc::Status submit(const grpc::ServerContext* ctx, const char* method, const std::string& id, const Msg& changes,
                      const std::string& requester_name, const std::string& requester_email,
                      const std::string& reason, std::string* made, std::string* state) const {
    grpc::Status st = guarded(ctx, *hmac_key, method, [&](const Principal& p) {
      if (!validation::is_uuid(id)) return not_found();
      validation::Errors e;
      e.text("requester_name", requester_name, {.max_chars = 100});
      e.email("requester_email", requester_email);
      e.text("reason", reason, {.max_chars = 2000, .multiline = true});
      return pool->transaction([&](db::Tx& tx) {
        auto row = find(tx, id, false);
        if (!row || !is_public(*row)) return not_found();
        Msg current;
        render(*row, &current);
        merged(current, changes, e);
        if (!e.empty()) return invalid(e);
        auto c = request_row(*row, changes, requester_name, requester_email, reason);
        std::string to = contact(*row);
        if (to.empty()) {
          workflow::corrections::insert_confirmed(tx, c);
          *state = "confirmed";
        } else {
          std::string token = crypto::random_token();
          workflow::corrections::insert(tx, c, crypto::sha256(token), token_hours);
          // The link goes to the record's own contact, never to the requester.
          auto vars = mail_variables(*row);
          vars["requester_name"] = requester_name;
          vars["reason"] = reason;
          vars["url"] = confirm_url + "?token=" + token;
          request_mail(tx, confirm_template, to, "", vars);
          *state = "unconfirmed";
        }
        *made = c.id;
        log::info(entity + "_correction_submitted",
                  {{"id", c.id}, {entity + "_id", id}, {"request_id", p.request_id()}});
        return grpc::Status::OK;
      });
    });
    if (st.ok() && written) written(false);
    return st;
  }

  grpc::Status confirm(const grpc::ServerContext* ctx, const char* method, const std::string& token) const {
    return guarded(ctx, *hmac_key, method, [&](const Principal&) {
      if (token.empty() || token.size() > 100) return not_found();
      auto id = pool->transaction(
          [&](db::Tx& tx) { return workflow::corrections::confirm(tx, entity, crypto::sha256(token)); });
      if (!id) return not_found();  // unknown, used or expired: all look the same
      log::info(entity + "_correction_confirmed", {{"id", *id}});
      return grpc::Status::OK;
    });
  }

  /// Staff: the requests in `state` (every state when empty), newest first.
  template <class ListResponse>
  grpc::Status list(const grpc::ServerContext* ctx, const char* method, const std::string& state, int32_t page_size,
                    const std::string& page_token, ListResponse* out) const {
    return guarded(ctx, *hmac_key, method, [&](const Principal& p) {
      if (grpc::Status s = require_staff(p); !s.ok()) return s;
      validation::Errors e;
      e.one_of("state", state, {"unconfirmed", "confirmed", "applied", "rejected"}, false);
      paging::Page page = paging::read(e, page_size, page_token);
      if (!e.empty()) return invalid(e);
      auto found = pool->read(
          [&](db::Tx& tx) { return workflow::corrections::list(tx, entity, state, page.limit, page.offset); });
      paging::fill(page, found, out, [&](const workflow::corrections::Row& c, auto* item) { to_proto(c, item); });
      return grpc::Status::OK;
    });
  }

  /// Staff apply a confirmed request (the record changes and its contact is told) or
  /// reject an open one (a note required).
  grpc::Status decide(const grpc::ServerContext* ctx, const char* method, const common::ActionRequest& req,
                      bool applying, Request* out) const {
    grpc::Status st = guarded(ctx, *hmac_key, method, [&](const Principal& p) {
      if (grpc::Status s = require_staff(p); !s.ok()) return s;
      if (!validation::is_uuid(req.id())) return not_found();
      validation::Errors e;
      e.text("note", req.note(), {.required = !applying, .max_chars = 2000, .multiline = true});
      if (!e.empty()) return invalid(e);
      return pool->transaction([&](db::Tx& tx) {
        auto c = workflow::corrections::find(tx, entity, req.id(), true);
        if (!c) return not_found();
        if (applying ? c->state != "confirmed" : (c->state != "confirmed" && c->state != "unconfirmed"))
          return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                              applying ? "確認が済んだ修正依頼だけを反映できます" : "この修正依頼はすでに処理されています");
        if (applying) {
          auto row = find(tx, c->entity_id, true);
          if (!row) return not_found();
          Msg current, changes;
          render(*row, &current);
          (void)message_from_json(c->changes, &changes);
          validation::Errors check;
          Msg result = merged(current, changes, check);
          if (!check.empty()) throw Abort{invalid(check)};  // e.g. a code retired since
          apply(tx, *row, result);
          auto state = workflow::parse(row->state).value_or(workflow::State::published);
          record_step(tx, p, {entity, c->entity_id, "correct", state, state, {},
                                "correction " + c->id + (req.note().empty() ? "" : ": " + req.note())},
                           workflow::corrections::changed(changes));
          auto after = find(tx, c->entity_id, false);
          if (std::string to = contact(*after); !to.empty())
            request_mail(tx, applied_template, to, "", mail_variables(*after));
        }
        workflow::corrections::decide(tx, c->id, applying ? "applied" : "rejected", p.account_id(), req.note());
        if (!applying) audit(tx, p, "reject_correction", entity, c->entity_id, {{"correction_id", c->id}});
        to_proto(*workflow::corrections::find(tx, entity, c->id), out);
        log::info(entity + (applying ? "_correction_applied" : "_correction_rejected"),
                  {{"id", c->id}, {"account_id", p.account_id()}});
        return grpc::Status::OK;
      });
    });
    if (st.ok() && written) written(applying);
    return st;
  }

  /// A stored request as its message: id, the record's id and name, the changes,
  /// requester (the address opened), reason, state, note and times.
  void to_proto(const workflow::corrections::Row& c, Request* out) const {
    const auto* d = out->GetDescriptor();
    const auto* refl = out->GetReflection();
    auto set = [&](const std::string& field, const std::string& value) {
      refl->SetString(out, d->FindFieldByName(field), value);
    };
    set("id", c.id);
    set(id_field, c.entity_id);
    set(subject_field, c.subject);
    (void)message_from_json(c.changes, refl->MutableMessage(out, d->FindFieldByName("changes")));
    set("requester_name", c.requester_name);
    set("requester_email", sealer->open(c.requester_email_sealed, c.id).value_or(""));
    set("reason", c.reason);
    set("state", c.state);
    set("note", c.note);
    set("created_at", c.created_at);
    set("confirmed_at", c.confirmed_at);
  }

 private:
  workflow::corrections::Row request_row(const Row& row, const Msg& changes, const std::string& requester_name,
                                         const std::string& requester_email, const std::string& reason) const {
    workflow::corrections::Row c;
    c.id = crypto::uuid_v4();
    c.entity_type = entity;
    c.entity_id = row.id;
    c.subject = subject(row);
    google::protobuf::util::JsonPrintOptions opts;
    opts.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(changes, &c.changes, opts);
    c.requester_name = requester_name;
    c.requester_email_sealed = sealer->seal(requester_email, c.id);
    c.reason = reason;
    return c;
  }
};

} // namespace civic::rpc
