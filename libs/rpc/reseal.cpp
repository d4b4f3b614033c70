#include "rpc/reseal.h"

#include <stdexcept>

#include "core/log.h"

namespace civic::rpc {

int64_t reseal(db::Pool& pool, const crypto::Sealer& sealer, const SealedColumn& c) {
  // Built from the service's constant names only (see SealedColumn); values are parameters.
  const std::string table = c.table, column = c.column;
  const std::string select = "SELECT id::text, " + column + " FROM " + table + " WHERE " + column +
                             " IS NOT NULL AND octet_length(" + column + ") > 0 AND get_byte(" + column +
                             ", 0) <> $1 LIMIT 500";
  const std::string update =
      "UPDATE " + table + " SET " + column + " = $2, updated_at = now() WHERE id = $1::uuid AND " + column + " = $3";
  int64_t total = 0;
  for (;;) {
    int64_t done = pool.transaction([&](db::Tx& tx) {
      db::Result rows = tx.exec(select, int(sealer.current_key()));
      int64_t n = 0;
      for (int i = 0; i < rows.size(); ++i) {
        std::string id = rows[i].text(0), old = rows[i].bytes(1);
        auto plain = sealer.open(old, id);
        if (!plain) throw std::runtime_error(table + "." + column + " of " + id + " does not open with the key ring");
        n += tx.exec(update, id, db::Bytes{sealer.seal(*plain, id)}, db::Bytes{old}).affected();
      }
      return rows.empty() ? int64_t(-1) : n;
    });
    if (done < 0) break;
    total += done;
  }
  return total;
}

bool reseal_at_start(const std::string& command, const std::string& db_url, const std::vector<SealedColumn>& columns) {
  if (command != "reseal") return false;
  db::Pool pool(db_url, 1);
  crypto::Sealer sealer = crypto::Sealer::from_env();
  for (const auto& c : columns)
    log::info("resealed", {{"table", c.table}, {"column", c.column}, {"rows", reseal(pool, sealer, c)},
                           {"key", int(sealer.current_key())}});
  return true;
}

} // namespace civic::rpc
