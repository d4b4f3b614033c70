#include "db/migrations.h"

#include <set>

#include "core/crypto.h"
#include "core/log.h"

namespace civic::db {
namespace {
constexpr const char* kCreateTable = R"(
CREATE TABLE IF NOT EXISTS schema_migrations (
  component text NOT NULL DEFAULT '',
  version integer NOT NULL,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (component, version)
))";
constexpr const char* kLock = "SELECT pg_advisory_lock(hashtext($1))";
constexpr const char* kUnlock = "SELECT pg_advisory_unlock(hashtext($1))";
constexpr const char* kApplied = "SELECT component, version, checksum FROM schema_migrations";
constexpr const char* kRecord =
    "INSERT INTO schema_migrations (component, version, name, checksum) VALUES ($1, $2, $3, $4)";

void run_script(PGconn* conn, const std::string& sql) {
  PGresult* r = PQexec(conn, sql.c_str());
  auto st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    std::string state = PQresultErrorField(r, PG_DIAG_SQLSTATE) ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : "";
    std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    throw Error(classify(state), state, "", msg);
  }
  PQclear(r);
}
} // namespace

int migrate(const std::string& conninfo, const std::vector<Schema>& schemas, const std::string& lock_name) {
  for (const auto& schema : schemas) {
    std::set<int> versions;
    for (const auto& m : *schema.migrations)
      if (!versions.insert(m.version).second)
        throw std::runtime_error("migration version " + std::to_string(m.version) + " of '" + schema.component +
                                 "' repeats");
  }

  // Scripts run through the simple-query protocol (several statements each), so this
  // uses its own connection rather than the pool's prepared-statement connections.
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::unique_ptr<PGconn, decltype(&PQfinish)> guard(conn, PQfinish);
  if (PQstatus(conn) != CONNECTION_OK)
    throw Error(ErrorKind::connection, "08000", "", std::string("cannot connect: ") + PQerrorMessage(conn));
  run_script(conn, "SET client_min_messages = warning");

  auto params = [&](const std::vector<std::string>& values, const char* sql) {
    std::vector<const char*> v;
    for (const auto& s : values) v.push_back(s.c_str());
    PGresult* r = PQexecParams(conn, sql, int(v.size()), nullptr, v.data(), nullptr, nullptr, 0);
    auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string msg = PQresultErrorMessage(r);
      PQclear(r);
      throw Error(ErrorKind::other, "", "", msg);
    }
    return Result(r);
  };

  params({lock_name}, kLock);
  int applied = 0;
  try {
    run_script(conn, kCreateTable);
    std::map<std::pair<std::string, int>, std::string> done;
    Result existing = params({}, kApplied);
    for (int i = 0; i < existing.size(); ++i)
      done[{existing[i].text(0), int(existing[i].int64(1))}] = existing[i].text(2);

    for (const auto& schema : schemas) {
      std::vector<const Migration*> ordered;
      for (const auto& m : *schema.migrations) ordered.push_back(&m);
      std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->version < b->version; });
      for (const Migration* m : ordered) {
        std::string sum = crypto::hex(crypto::sha256(m->sql));
        auto it = done.find({schema.component, m->version});
        if (it != done.end()) {
          if (it->second != sum)
            throw std::runtime_error("migration " + schema.component + "/" + m->name + " was changed after it was applied");
          continue;
        }
        run_script(conn, "BEGIN");
        try {
          run_script(conn, m->sql);
          params({schema.component, std::to_string(m->version), m->name, sum}, kRecord);
          run_script(conn, "COMMIT");
        } catch (...) {
          run_script(conn, "ROLLBACK");
          throw;
        }
        ++applied;
        log::info("migration_applied", {{"component", schema.component}, {"version", m->version}, {"name", m->name}});
      }
    }
  } catch (...) {
    params({lock_name}, kUnlock);
    throw;
  }
  params({lock_name}, kUnlock);
  return applied;
}

void provision(const std::string& conninfo, const std::string& script,
               const std::vector<std::pair<std::string, std::string>>& settings) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::unique_ptr<PGconn, decltype(&PQfinish)> guard(conn, PQfinish);
  if (PQstatus(conn) != CONNECTION_OK)
    throw Error(ErrorKind::connection, "08000", "", std::string("cannot connect: ") + PQerrorMessage(conn));
  run_script(conn, "SET client_min_messages = warning");
  run_script(conn, "BEGIN");
  try {
    for (const auto& [name, value] : settings) {
      const char* v[] = {name.c_str(), value.c_str()};
      PGresult* r = PQexecParams(conn, "SELECT set_config($1, $2, true)", 2, nullptr, v, nullptr, nullptr, 0);
      bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
      std::string msg = ok ? "" : PQresultErrorMessage(r);
      PQclear(r);
      if (!ok) throw Error(ErrorKind::other, "", "", msg);
    }
    run_script(conn, script);
    run_script(conn, "COMMIT");
  } catch (...) {
    run_script(conn, "ROLLBACK");
    throw;
  }
}

} // namespace civic::db
