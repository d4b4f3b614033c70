// The password hashes of the former system (issue 15, AUTH-2): a migrated login keeps
// the password its owner knows, and auth replaces the hash by Argon2id at the first
// login that proves it (needs_rehash). Kept: WordPress's portable phpass ($P$; phpBB's
// $H$ is the same), bcrypt as PHP writes it ($2y$; $2a$, $2b$), WordPress 6.8's $wp$
// (bcrypt of base64(HMAC-SHA384 keyed "wp-sha384" of the password)) and the plain MD5
// of WordPress before 2.5. bcrypt is libxcrypt's; MD5 and HMAC are OpenSSL's.
#pragma once
#include <string_view>

namespace civic::auth {

/// True when `encoded` is one of the formats above (whatever its validity).
bool is_legacy_hash(std::string_view encoded);
/// Whether `password` matches the legacy hash `encoded`, compared in constant time;
/// false for anything malformed, unknown, or a password holding a NUL byte.
bool verify_legacy_hash(std::string_view encoded, std::string_view password);

} // namespace civic::auth
