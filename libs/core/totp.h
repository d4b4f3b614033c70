// RFC 4226 HOTP and RFC 6238 TOTP (HMAC-SHA1, 30-second steps, 6 digits by default).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace civic::totp {

/// The `digits`-digit HOTP code of `key` at `counter`, zero-padded.
std::string hotp(std::string_view key, uint64_t counter, int digits = 6);

/// The TOTP code at Unix time `unix_seconds` (step 30 s).
std::string at(std::string_view key, int64_t unix_seconds, int digits = 6);

/// The time step that `code` matches within +-`window` steps of `unix_seconds`, if any,
/// and only if it is later than `last_used_step` (codes are single-use).
std::optional<int64_t> verify(std::string_view key, std::string_view code, int64_t unix_seconds,
                              int64_t last_used_step, int window = 1);

/// otpauth:// URI for authenticator apps.
std::string uri(std::string_view issuer, std::string_view account, std::string_view base32_secret);

} // namespace civic::totp
