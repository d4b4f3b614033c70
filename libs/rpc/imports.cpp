#include "rpc/imports.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <memory>

#include "core/crypto.h"
#include "core/time.h"
#include "rpc/server.h"

namespace civic::rpc {

grpc::Status require_importer(const Principal& p) {
  if (!has_role(p, "service") || p.caller() != "import")
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "権限がありません");
  return grpc::Status::OK;
}

void check_meta(validation::Errors& e, const common::ImportMeta& meta) {
  e.text("meta.legacy_id", meta.legacy_id(), {.max_chars = 64});
  const std::string& s = meta.state();
  if (!s.empty() && s != "draft" && s != "published" && s != "archived")
    e.add("meta.state", "invalid_choice", "状態は draft・published・archived のいずれかです",
          "must be draft, published or archived");
  for (const auto& [field, value] :
       {std::pair{"meta.created_at", meta.created_at()}, std::pair{"meta.published_at", meta.published_at()}})
    if (!value.empty() && !validation::is_timestamp(value))
      e.add(field, "invalid_format", "日時の形式が正しくありません", "must be a date or an RFC 3339 time");
}

Imported imported(const common::ImportMeta& meta) {
  auto tokyo = [](const std::string& t) { return t.empty() ? t : time::in_tokyo(t); };
  return {meta.state().empty() ? "published" : meta.state(), tokyo(meta.created_at()), tokyo(meta.published_at())};
}

std::string import_digest(const google::protobuf::Message& request) {
  // Without validate_only: a dry run's digest is a real run's.
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  const auto* meta_field = copy->GetDescriptor()->FindFieldByName("meta");
  auto* meta = copy->GetReflection()->MutableMessage(copy.get(), meta_field);
  meta->GetReflection()->ClearField(meta, meta->GetDescriptor()->FindFieldByName("validate_only"));
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&out);
  }
  return crypto::sha256(bytes);
}

std::optional<ImportRecord> find_import(db::Tx& tx, const std::string& entity_type, const std::string& legacy_id) {
  auto r = tx.exec("SELECT id::text, digest FROM import_records WHERE entity_type = $1 AND legacy_id = $2 FOR UPDATE",
                   entity_type, legacy_id);
  if (r.empty()) return std::nullopt;
  return ImportRecord{r[0].text(0), r[0].bytes(1)};
}

void save_import(db::Tx& tx, const std::string& entity_type, const std::string& legacy_id, const std::string& id,
                 const std::string& digest) {
  tx.exec("INSERT INTO import_records (entity_type, legacy_id, id, digest) VALUES ($1, $2, $3::uuid, $4::bytea) "
          "ON CONFLICT (entity_type, legacy_id) DO UPDATE SET id = excluded.id, digest = excluded.digest, "
          "updated_at = now()",
          entity_type, legacy_id, id, db::Bytes{digest});
}

void stamp_dates(db::Tx& tx, const char* table, const std::string& id, const Imported& how) {
  // A draft was never public: it gets its public date when it is published here.
  std::string published = how.state == "draft" ? "" : how.published_at.empty() ? how.created_at : how.published_at;
  tx.exec(std::string("UPDATE ") + table +
              " SET created_at = coalesce(nullif($2, '')::timestamptz, created_at), "
              "published_at = coalesce(nullif($3, '')::timestamptz, published_at) WHERE id = $1::uuid",
          id, how.created_at, published);
}

} // namespace civic::rpc
