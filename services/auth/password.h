// Password policy (AUTH-2) and Argon2id hashing.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/validation.h"

namespace civic::auth {

struct Argon2Params {
  uint32_t memory_kib = 19456;  // OWASP: m=19 MiB, t=2, p=1
  uint32_t iterations = 2;
  uint32_t parallelism = 1;
};

/// Adds violations to `errors` (field `field`) when `password` is not valid UTF-8, has
/// control characters, is shorter than 8 or longer than 128 characters, equals or
/// contains the login id (case-insensitively), or is a common / guessable password
/// according to zxcvbn (estimated entropy below 30 bits with the login id and e-mail
/// as user words).
void check_password(validation::Errors& errors, std::string_view field, std::string_view password,
                    std::string_view login_id, std::string_view email = {});

/// Argon2id with a fresh 16-byte salt; returns the PHC encoded string.
std::string hash_password(std::string_view password, const Argon2Params& params);
/// Constant-time verification against an encoded hash — Argon2id, or one of the former
/// system's (legacy_hash.h); false for malformed hashes.
bool verify_password(std::string_view encoded, std::string_view password);
/// True when `encoded` is not Argon2id at or above `params` (rehash on next login).
bool needs_rehash(std::string_view encoded, const Argon2Params& params);

/// A random password of `length` characters from an unambiguous alphabet, for
/// temporary staff passwords.
std::string temporary_password(size_t length = 16);

} // namespace civic::auth
