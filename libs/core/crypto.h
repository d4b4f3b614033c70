// Cryptographic primitives over OpenSSL: CSPRNG tokens, hashes, HMAC, constant-time
// comparison, encodings and AES-256-GCM for personal fields at rest (SEC-17).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace civic::crypto {

/// `n` bytes from OpenSSL's CSPRNG; throws std::runtime_error if it fails.
std::string random_bytes(size_t n);
/// A URL-safe token of `bytes` random bytes (default 32 = 256 bits), base64url without padding.
std::string random_token(size_t bytes = 32);
/// A random RFC 4122 version-4 UUID in canonical text form.
std::string uuid_v4();
/// A checked canonical UUID as its 16 bytes, and back (compact signed tokens).
std::string uuid_to_bytes(std::string_view uuid);
std::string uuid_from_bytes(std::string_view bytes);

std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
/// Compares without leaking where the inputs differ (lengths may leak).
bool equal_constant_time(std::string_view a, std::string_view b);

std::string hex(std::string_view bytes);
std::string base64url(std::string_view bytes);
/// nullopt on any character outside the base64url alphabet, on padding, and on any
/// spelling the encoder would not write (non-zero unused bits): one spelling per value.
std::optional<std::string> base64url_decode(std::string_view text);
std::string base64(std::string_view bytes);
/// Canonical padded base64 only (nullopt otherwise), like base64url_decode.
std::optional<std::string> base64_decode(std::string_view text);
/// RFC 4648 base32 without padding (TOTP secrets).
std::string base32(std::string_view bytes);
std::optional<std::string> base32_decode(std::string_view text);

/// AES-256-GCM with a key ring for rotation: encrypt() uses the current key and
/// prefixes its one-byte id and a random 96-bit nonce; decrypt() picks the key by id.
class Sealer {
 public:
  /// `keys` maps key id -> 32 raw bytes; `current` must be one of them.
  Sealer(std::map<uint8_t, std::string> keys, uint8_t current);
  /// Reads CIVIC_ENCRYPTION_KEYS ("id:hex64,id:hex64", first is current) from the environment.
  static Sealer from_env();

  std::string seal(std::string_view plaintext, std::string_view associated = {}) const;
  /// nullopt when the key id is unknown or the data was tampered with.
  std::optional<std::string> open(std::string_view sealed, std::string_view associated = {}) const;
  /// The id of the key that seals now (the first of the ring).
  uint8_t current_key() const { return current_; }

 private:
  std::map<uint8_t, std::string> keys_;
  uint8_t current_;
};

} // namespace civic::crypto
