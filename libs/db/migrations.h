// Versioned schema migrations: each service embeds its migrations/NNN_name.sql files
// (cmake/Embed.cmake) and applies them at start-up or with `<svc>_server migrate`,
// after those of the shared libraries whose tables it uses (libs/workflow's history,
// libs/rpc's outbox and inbox): a library owns its tables and their migrations.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "db/db.h"

namespace civic::db {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

/// The migrations of one owner of tables: a library ("workflow", "outbox", ...) or the
/// service itself (component ""). Versions count per component.
struct Schema {
  std::string component;
  const std::vector<Migration>* migrations;
};

/// Applies every migration newer than the database's, each in its own transaction,
/// component by component in the order given, in version order within each. Holds a session advisory lock for `lock_name` throughout, so
/// replicas starting together apply them once. Throws db::Error, or
/// std::runtime_error when an applied migration's checksum no longer matches its file
/// (edited after release) or versions repeat. Returns how many were applied.
int migrate(const std::string& conninfo, const std::vector<Schema>& schemas, const std::string& lock_name);

/// Runs `script` (several statements, idempotent) in one transaction on an
/// administrator's connection `conninfo`, with each of `settings` set for the
/// transaction (read in the script with current_setting(name)): what a service's own
/// role must not be able to do itself, such as creating a table owned by another role
/// (auth's audit log, ADR 0017). Throws db::Error.
void provision(const std::string& conninfo, const std::string& script,
               const std::vector<std::pair<std::string, std::string>>& settings);

} // namespace civic::db
