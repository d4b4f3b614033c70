#include "workflow/corrections.h"

#include <memory>

#include "core/crypto.h"

namespace civic::workflow::corrections {
namespace {

#define CIVIC_TIME(column) "to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
constexpr const char* kColumns =
    "SELECT id, entity_type, entity_id, subject, changes::text, requester_name, requester_email_sealed, reason, state, "
    "note, " CIVIC_TIME("created_at") ", coalesce(" CIVIC_TIME("confirmed_at") ", '') FROM corrections ";
#undef CIVIC_TIME
constexpr const char* kInsert =
    "INSERT INTO corrections (id, entity_type, entity_id, subject, changes, requester_name, requester_email_sealed, "
    "reason, token_hash, token_expires_at, state, confirmed_at) VALUES ($1::uuid, $2, $3::uuid, $4, $5::jsonb, $6, "
    "$7::bytea, $8, $9::bytea, now() + $10::int * interval '1 hour', $11, CASE WHEN $11 = 'confirmed' THEN now() END)";
constexpr const char* kConfirm =
    "UPDATE corrections SET state = 'confirmed', confirmed_at = now(), version = version + 1, updated_at = now() "
    "WHERE entity_type = $1 AND token_hash = $2::bytea AND state = 'unconfirmed' AND token_expires_at > now() "
    "RETURNING id::text";
constexpr const char* kDecide =
    "UPDATE corrections SET state = $2, decided_by = $3::uuid, decided_at = now(), note = $4, version = version + 1, "
    "updated_at = now() WHERE id = $1::uuid";

Row read(const db::Row& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5),
          r.bytes(6), r.text(7), r.text(8), r.text(9), r.text(10), r.text(11)};
}

void write(db::Tx& tx, const Row& c, std::string_view token_hash, int valid_hours, std::string_view state) {
  tx.exec(kInsert, c.id, c.entity_type, c.entity_id, c.subject, c.changes, c.requester_name,
          db::Bytes{c.requester_email_sealed}, c.reason, db::Bytes{token_hash}, valid_hours, state);
}

} // namespace

void insert(db::Tx& tx, const Row& c, std::string_view token_hash, int valid_hours) {
  write(tx, c, token_hash, valid_hours, "unconfirmed");
}

void insert_confirmed(db::Tx& tx, const Row& c) {
  // A token nobody knows keeps the column's uniqueness without a special case.
  write(tx, c, crypto::sha256(crypto::random_bytes(32)), 0, "confirmed");
}

std::optional<std::string> confirm(db::Tx& tx, std::string_view entity_type, std::string_view token_hash) {
  db::Result r = tx.exec(kConfirm, entity_type, db::Bytes{token_hash});
  if (r.empty()) return std::nullopt;
  return r[0].text(0);
}

std::optional<Row> find(db::Tx& tx, std::string_view entity_type, std::string_view id, bool for_update) {
  db::Result r = tx.exec(std::string(kColumns) + "WHERE entity_type = $1 AND id = $2::uuid" +
                             (for_update ? " FOR UPDATE" : ""),
                         entity_type, id);
  if (r.empty()) return std::nullopt;
  return read(r[0]);
}

Page list(db::Tx& tx, std::string_view entity_type, std::string_view state, int limit, int offset) {
  Page page;
  db::Result r = tx.exec(std::string(kColumns) +
                             "WHERE entity_type = $1 AND ($2 = '' OR state = $2) "
                             "ORDER BY created_at DESC, id LIMIT $3 OFFSET $4",
                         entity_type, state, limit, offset);
  for (int i = 0; i < r.size(); ++i) page.items.push_back(read(r[i]));
  page.total = tx.exec("SELECT count(*) FROM corrections WHERE entity_type = $1 AND ($2 = '' OR state = $2)",
                       entity_type, state)[0]
                   .int64(0);
  return page;
}

void decide(db::Tx& tx, std::string_view id, std::string_view state, std::string_view actor, std::string_view note) {
  std::optional<std::string> by = actor.empty() ? std::nullopt : std::optional<std::string>(actor);
  tx.exec(kDecide, id, state, by, note);
}

void erase_of(db::Tx& tx, std::string_view entity_type, std::string_view entity_id) {
  tx.exec("DELETE FROM corrections WHERE entity_type = $1 AND entity_id = $2::uuid", entity_type, entity_id);
}

void merge(const google::protobuf::Message& changes, const Correctable& correctable, google::protobuf::Message& out,
           validation::Errors& e) {
  std::vector<const google::protobuf::FieldDescriptor*> set;
  changes.GetReflection()->ListFields(changes, &set);
  if (set.empty()) e.add("changes", "required", "修正する項目を1つ以上入力してください", "change at least one item");
  std::unique_ptr<google::protobuf::Message> allowed(changes.New());
  allowed->CopyFrom(changes);
  for (const auto* f : set) {
    if (correctable(f)) {
      out.GetReflection()->ClearField(&out, f);  // a repeated item is replaced, not appended to
    } else {
      e.add("changes." + f->name(), "not_correctable", "この項目は修正依頼では変更できません",
            "cannot be changed by a correction");
      allowed->GetReflection()->ClearField(allowed.get(), f);
    }
  }
  out.MergeFrom(*allowed);
}

std::vector<std::string> changed(const google::protobuf::Message& changes) {
  std::vector<const google::protobuf::FieldDescriptor*> set;
  changes.GetReflection()->ListFields(changes, &set);
  std::vector<std::string> out;
  for (const auto* f : set) out.push_back(f->name());
  return out;
}

} // namespace civic::workflow::corrections
