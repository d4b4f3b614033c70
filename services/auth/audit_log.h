// The one audit log of every service's staff and security actions (SPEC AUTH-8, OPS-4;
// ADR 0017): the table audit.events in auth's database, owned by the role auth_audit,
// which nobody logs in as. auth's own role may only read it, append to it and call
// audit.purge(), which removes rows older than the retention and never any younger
// than 13 months; the database refuses every UPDATE, TRUNCATE or earlier DELETE, and
// auth cannot drop the table or its triggers, as it owns neither.
#pragma once
#include <string>

namespace civic::auth {

/// Creates (or brings up to date) the audit schema, its owner role and the grants to
/// `writer` (auth's login role) over the administrator connection `admin_url` to auth's
/// database. Idempotent; run before auth's migrations (`auth_server provision`, with
/// PROVISION_DATABASE_URL; tools/dev does so).
void provision_audit_log(const std::string& admin_url, const std::string& writer);

} // namespace civic::auth
