// Key rotation of the values sealed at rest (SEC-17, ADR 0004): after a new key has
// been put first in CIVIC_ENCRYPTION_KEYS and deployed, `<svc>_server reseal` rewrites
// every value still sealed under an older key, so the old key can then be dropped.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "db/db.h"

namespace civic::rpc {

/// A sealed column whose associated data is the row's `id` (as every service seals).
/// Table and column names are the service's own constants, never input.
struct SealedColumn {
  const char* table;
  const char* column;
};

/// Re-seals under the current key every non-null value of `c` sealed under another
/// key, 500 rows per transaction; a row changed meanwhile is left for the next run.
/// Returns how many values were rewritten; throws when one cannot be opened with the
/// key ring (the key it names is missing).
int64_t reseal(db::Pool& pool, const crypto::Sealer& sealer, const SealedColumn& c);

/// `command` == "reseal": re-seals every column of `columns`, logs the counts and
/// returns true (the process should exit); false for any other command.
bool reseal_at_start(const std::string& command, const std::string& db_url, const std::vector<SealedColumn>& columns);

} // namespace civic::rpc
