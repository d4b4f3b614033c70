#include "core/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/crypto.h"

namespace civic::totp {
namespace {
std::string url_encode(std::string_view s) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}
} // namespace

std::string hotp(std::string_view key, uint64_t counter, int digits) {
  unsigned char msg[8];
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<unsigned char>(counter & 0xFF);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), msg, sizeof msg, mac, &len);
  int offset = mac[len - 1] & 0x0F;
  uint32_t bin = (uint32_t(mac[offset] & 0x7F) << 24) | (uint32_t(mac[offset + 1]) << 16) |
                 (uint32_t(mac[offset + 2]) << 8) | uint32_t(mac[offset + 3]);
  uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  std::string code = std::to_string(bin % mod);
  return std::string(size_t(digits) - code.size(), '0') + code;
}

std::string at(std::string_view key, int64_t unix_seconds, int digits) {
  return hotp(key, static_cast<uint64_t>(unix_seconds / 30), digits);
}

std::optional<int64_t> verify(std::string_view key, std::string_view code, int64_t unix_seconds,
                              int64_t last_used_step, int window) {
  if (code.size() != 6) return std::nullopt;
  int64_t step = unix_seconds / 30;
  for (int64_t s = step - window; s <= step + window; ++s) {
    if (s <= last_used_step || s < 0) continue;
    if (crypto::equal_constant_time(hotp(key, static_cast<uint64_t>(s)), code)) return s;
  }
  return std::nullopt;
}

std::string uri(std::string_view issuer, std::string_view account, std::string_view base32_secret) {
  return "otpauth://totp/" + url_encode(issuer) + ":" + url_encode(account) + "?secret=" +
         std::string(base32_secret) + "&issuer=" + url_encode(issuer) + "&algorithm=SHA1&digits=6&period=30";
}

} // namespace civic::totp
