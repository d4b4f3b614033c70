#include "core/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <memory>
#include <stdexcept>

#include "core/config.h"

namespace civic::crypto {
namespace {
const unsigned char* u8(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* u8(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kB32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string encode64(std::string_view in, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += alphabet[(v >> s) & 63];
  }
  size_t rest = in.size() - i;
  if (rest) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    if (rest == 2) v |= uint32_t(uint8_t(in[i + 1])) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) out += alphabet[(v >> 6) & 63];
    if (pad) out.append(rest == 1 ? 2 : 1, '=');
  }
  return out;
}

// Canonical base64 only (RFC 4648 section 3.5): padding, where `padded`, exactly as the
// encoder writes it and nowhere else; none at all otherwise; the unused low bits of the
// last character zero. So each byte string has one spelling, and a token decoded here
// cannot be replayed as "…=", "…==" or a last-character variant (issue 12).
std::optional<std::string> decode64(std::string_view in, const char* alphabet, bool padded) {
  if (padded) {
    if (in.size() % 4 != 0) return std::nullopt;
    if (!in.empty() && in.back() == '=') in.remove_suffix(1);
    if (!in.empty() && in.back() == '=') in.remove_suffix(1);
  }
  if (in.size() % 4 == 1) return std::nullopt;  // a lone trailing character carries no byte
  int8_t table[256];
  std::fill(std::begin(table), std::end(table), int8_t{-1});
  for (int i = 0; i < 64; ++i) table[uint8_t(alphabet[i])] = int8_t(i);
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = table[uint8_t(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xFF);
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // unused bits must be zero
  return out;
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;
} // namespace

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (n && RAND_bytes(u8(out), int(n)) != 1) throw std::runtime_error("CSPRNG failure");
  return out;
}

std::string random_token(size_t bytes) { return base64url(random_bytes(bytes)); }

std::string uuid_to_bytes(std::string_view uuid) {
  std::string out;
  for (size_t i = 0; i + 1 < uuid.size();) {
    if (uuid[i] == '-') { ++i; continue; }
    out.push_back(char(std::stoi(std::string(uuid.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

std::string uuid_from_bytes(std::string_view bytes) {
  std::string h = hex(bytes);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

std::string uuid_v4() {
  std::string b = random_bytes(16);
  b[6] = char((uint8_t(b[6]) & 0x0F) | 0x40);
  b[8] = char((uint8_t(b[8]) & 0x3F) | 0x80);
  std::string h = hex(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

std::string sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(u8(data), data.size(), u8(out));
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), u8(data), data.size(), u8(out), &len);
  out.resize(len);
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string base64url(std::string_view bytes) { return encode64(bytes, kB64Url, false); }
std::optional<std::string> base64url_decode(std::string_view text) { return decode64(text, kB64Url, false); }
std::string base64(std::string_view bytes) { return encode64(bytes, kB64, true); }
std::optional<std::string> base64_decode(std::string_view text) { return decode64(text, kB64, true); }

std::string base32(std::string_view bytes) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kB32[(acc >> bits) & 31];
    }
  }
  if (bits > 0) out += kB32[(acc << (5 - bits)) & 31];
  return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=' || c == ' ') continue;
    char u = (c >= 'a' && c <= 'z') ? char(c - 32) : c;
    const char* p = std::char_traits<char>::find(kB32, 32, u);
    if (!p) return std::nullopt;
    acc = (acc << 5) | uint32_t(p - kB32);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xFF);
    }
  }
  return out;
}

Sealer::Sealer(std::map<uint8_t, std::string> keys, uint8_t current) : keys_(std::move(keys)), current_(current) {
  for (auto& [id, key] : keys_)
    if (key.size() != 32) throw std::invalid_argument("encryption key " + std::to_string(id) + " must be 32 bytes");
  if (!keys_.count(current_)) throw std::invalid_argument("current encryption key missing");
}

Sealer Sealer::from_env() {
  std::string spec = config::secret("CIVIC_ENCRYPTION_KEYS", 66);
  std::map<uint8_t, std::string> keys;
  int current = -1;
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t end = spec.find(',', pos);
    if (end == std::string::npos) end = spec.size();
    std::string item = spec.substr(pos, end - pos);
    auto colon = item.find(':');
    if (colon == std::string::npos || item.size() - colon - 1 != 64)
      throw std::invalid_argument("CIVIC_ENCRYPTION_KEYS items must be id:64-hex-digits");
    int id = std::stoi(item.substr(0, colon));
    if (id < 0 || id > 255) throw std::invalid_argument("encryption key ids are 0..255");
    std::string key;
    for (size_t i = colon + 1; i < item.size(); i += 2) key += char(std::stoi(item.substr(i, 2), nullptr, 16));
    keys[uint8_t(id)] = key;
    if (current < 0) current = id;
    pos = end + 1;
  }
  return Sealer(std::move(keys), uint8_t(current));
}

std::string Sealer::seal(std::string_view plaintext, std::string_view associated) const {
  const std::string& key = keys_.at(current_);
  std::string nonce = random_bytes(12);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(1 + 12 + plaintext.size() + 16, '\0');
  out[0] = char(current_);
  out.replace(1, 12, nonce);
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u8(key), u8(nonce)) != 1 ||
      (!associated.empty() &&
       EVP_EncryptUpdate(ctx.get(), nullptr, &len, u8(associated), int(associated.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), u8(out) + 13, &len, u8(plaintext), int(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), u8(out) + 13 + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, u8(out) + 13 + plaintext.size()) != 1)
    throw std::runtime_error("AES-GCM encryption failed");
  return out;
}

std::optional<std::string> Sealer::open(std::string_view sealed, std::string_view associated) const {
  if (sealed.size() < 1 + 12 + 16) return std::nullopt;
  auto it = keys_.find(uint8_t(sealed[0]));
  if (it == keys_.end()) return std::nullopt;
  std::string_view nonce = sealed.substr(1, 12);
  std::string_view body = sealed.substr(13, sealed.size() - 13 - 16);
  std::string tag(sealed.substr(sealed.size() - 16));
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(body.size(), '\0');
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u8(it->second), u8(nonce)) != 1 ||
      (!associated.empty() &&
       EVP_DecryptUpdate(ctx.get(), nullptr, &len, u8(associated), int(associated.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), u8(out), &len, u8(body), int(body.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), u8(out) + len, &len) != 1)
    return std::nullopt;
  return out;
}

} // namespace civic::crypto
