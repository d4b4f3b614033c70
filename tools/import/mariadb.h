// The WordPress MySQL dump of the former system (issue 15 item 1, ADR 0019): loaded
// into a throwaway MariaDB that the import starts itself — Debian's mariadbd, under its
// own unprivileged user, in a fresh directory, on a free loopback port with a random
// root password — by MariaDB's own client (no hand-written dump parser), then read
// with libmariadb. Stopped and removed when the import ends.
#pragma once
#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "import/csv.h"
#include "import/mapping.h"

struct st_mysql;

namespace civic::import {

class ThrowawayMariaDB {
 public:
  /// Initialises a fresh data directory — under `work_dir`, or when run as root (the
  /// server then runs as `mysql`, which cannot enter private directories) a new one
  /// under /tmp — and starts the server; throws std::runtime_error saying what failed
  /// (with the server's log tail).
  explicit ThrowawayMariaDB(const std::string& work_dir);
  ~ThrowawayMariaDB();  // stops the server and removes the directory
  ThrowawayMariaDB(const ThrowawayMariaDB&) = delete;
  ThrowawayMariaDB& operator=(const ThrowawayMariaDB&) = delete;

  /// Loads `dump` (mysqldump's output) into the database "legacy" with the mariadb client.
  void load(const std::string& dump);

  /// The rows of `t` as a header (column names, then "meta:<key>" and "terms:<taxonomy>")
  /// and records, in id order; each record's line is its position. Throws when the
  /// table or a column is missing.
  std::vector<Record> rows(const TableSource& t);

  int port() const { return port_; }

  struct Table;

 private:
  std::map<std::string, std::shared_ptr<const Table>> cache_;
  const Table& cached(const std::string& sql);
  std::string dir_, password_;
  int port_ = 0;
  pid_t server_ = -1;
  st_mysql* db_ = nullptr;
  std::string log_tail() const;
};

} // namespace civic::import
