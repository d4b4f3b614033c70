// Versioned schema migrations: each service embeds its migrations/NNN_name.sql files
// (cmake/Embed.cmake) and applies them at start-up or with `<svc>_server migrate`.
#pragma once
#include <string>
#include <vector>

#include "db/db.h"

namespace civic::db {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

/// Applies every migration newer than the database's, each in its own transaction,
/// in version order. Holds a session advisory lock for `lock_name` throughout, so
/// replicas starting together apply them once. Throws db::Error, or
/// std::runtime_error when an applied migration's checksum no longer matches its file
/// (edited after release) or versions repeat. Returns how many were applied.
int migrate(const std::string& conninfo, const std::vector<Migration>& migrations, const std::string& lock_name);

} // namespace civic::db
