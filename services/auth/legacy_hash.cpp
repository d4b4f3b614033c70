#include "auth/legacy_hash.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>
#include <string>

#include "core/crypto.h"

namespace civic::auth {
namespace {

constexpr std::string_view kItoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

bool starts(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string md5(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, EVP_md5(), nullptr) != 1) return {};
  return std::string(reinterpret_cast<char*>(out), len);
}

// phpass's own base64 (little-endian groups of 6 bits, its alphabet).
std::string encode64(std::string_view in) {
  std::string out;
  size_t i = 0, n = in.size();
  do {
    unsigned value = static_cast<unsigned char>(in[i++]);
    out += kItoa64[value & 0x3f];
    if (i < n) value |= unsigned(static_cast<unsigned char>(in[i])) << 8;
    out += kItoa64[(value >> 6) & 0x3f];
    if (i++ >= n) break;
    if (i < n) value |= unsigned(static_cast<unsigned char>(in[i])) << 16;
    out += kItoa64[(value >> 12) & 0x3f];
    if (i++ >= n) break;
    out += kItoa64[(value >> 18) & 0x3f];
  } while (i < n);
  return out;
}

// Portable phpass: 2^k rounds of MD5 over the salt and the password (k from 7 to 30).
bool verify_phpass(std::string_view encoded, std::string_view password) {
  if (encoded.size() != 34) return false;
  size_t log2 = kItoa64.find(encoded[3]);
  if (log2 == std::string_view::npos || log2 < 7 || log2 > 30) return false;
  std::string hash = md5(std::string(encoded.substr(4, 8)) + std::string(password));
  std::string pw(password);
  for (long count = 1L << log2; count > 0; --count) hash = md5(hash + pw);
  return same(std::string(encoded.substr(0, 12)) + encode64(hash), encoded);
}

bool verify_bcrypt(std::string_view encoded, std::string_view password) {
  if (password.find('\0') != std::string_view::npos || encoded.size() != 60) return false;
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on the stack
  std::string setting(encoded), phrase(password);
  const char* out = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  bool ok = out && same(out, encoded);
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  OPENSSL_cleanse(phrase.data(), phrase.size());
  return ok;
}

// WordPress 6.8: "$wp" + bcrypt of the base64 of HMAC-SHA384 keyed "wp-sha384".
bool verify_wordpress_bcrypt(std::string_view encoded, std::string_view password) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  static constexpr std::string_view kKey = "wp-sha384";
  if (!HMAC(EVP_sha384(), kKey.data(), int(kKey.size()), reinterpret_cast<const unsigned char*>(password.data()),
            password.size(), mac, &len))
    return false;
  return verify_bcrypt(encoded.substr(3), crypto::base64(std::string_view(reinterpret_cast<char*>(mac), len)));
}

bool is_bcrypt(std::string_view s) { return starts(s, "$2y$") || starts(s, "$2a$") || starts(s, "$2b$"); }

bool is_md5_hex(std::string_view s) {
  return s.size() == 32 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

} // namespace

bool is_legacy_hash(std::string_view e) {
  return starts(e, "$P$") || starts(e, "$H$") || is_bcrypt(e) || (starts(e, "$wp") && is_bcrypt(e.substr(3))) ||
         is_md5_hex(e);
}

bool verify_legacy_hash(std::string_view e, std::string_view password) {
  if (password.size() > 4096) return false;  // as WordPress: a longer one is never a password
  if (starts(e, "$P$") || starts(e, "$H$")) return verify_phpass(e, password);
  if (starts(e, "$wp") && is_bcrypt(e.substr(3))) return verify_wordpress_bcrypt(e, password);
  if (is_bcrypt(e)) return verify_bcrypt(e, password);
  if (is_md5_hex(e)) return same(crypto::hex(md5(password)), e);
  return false;
}

} // namespace civic::auth
