// The former system's records (issue 15, tools/import): the checks every import call
// makes of how a record stood there (civic.common.ImportMeta), and the table
// `import_records` (component "imports") that remembers which record each legacy id
// became and a digest of what was imported, so a re-run updates, skips, never
// duplicates. Collection::import (rpc/collection.h) is the one user.
#pragma once
#include <google/protobuf/message.h>

#include <optional>
#include <string>

#include "civic/common.pb.h"
#include "core/validation.h"
#include "db/db.h"
#include "rpc/principal.h"

namespace civic::rpc {

/// Only tools/import, signed as the service "import", may carry records over.
grpc::Status require_importer(const Principal& p);

/// Names every bad item of `meta` (field names "meta.<item>"): legacy_id 1-64
/// characters, state draft|published|archived, dates as validation::is_timestamp.
void check_meta(validation::Errors& e, const common::ImportMeta& meta);

/// How the record stood there, resolved: state (published when empty), created_at and
/// published_at as Tokyo times (in_tokyo) or "" (now / the creation date).
struct Imported {
  std::string state, created_at, published_at;
};
Imported imported(const common::ImportMeta& meta);

/// SHA-256 of an import request (every import request carries `meta`: its legacy id,
/// state, dates and content), deterministic and without validate_only: the same source
/// row gives the same digest, in a dry run too.
std::string import_digest(const google::protobuf::Message& request);

struct ImportRecord {
  std::string id, digest;
};
/// The record `legacy_id` of `entity_type` became, locked for this transaction.
std::optional<ImportRecord> find_import(db::Tx& tx, const std::string& entity_type, const std::string& legacy_id);
/// Remembers (or refreshes) what `legacy_id` became and what was imported.
void save_import(db::Tx& tx, const std::string& entity_type, const std::string& legacy_id, const std::string& id,
                 const std::string& digest);
/// Sets a record's dates as they were in the former system: created_at (when given) and,
/// unless it is a draft, published_at (when given, else created_at when given) of row
/// `id` of `table` (a constant of the calling service, never input).
void stamp_dates(db::Tx& tx, const char* table, const std::string& id, const Imported& how);

} // namespace civic::rpc
