#include <vector>

#include "auth/password.h"

#include <argon2.h>
#include <zxcvbn.h>

#include <algorithm>
#include <stdexcept>

#include "auth/legacy_hash.h"
#include "core/crypto.h"

namespace civic::auth {
namespace {
std::string lower_ascii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}
constexpr double kMinEntropyBits = 30.0;
} // namespace

void check_password(validation::Errors& errors, std::string_view field, std::string_view password,
                    std::string_view login_id, std::string_view email) {
  std::string f(field);
  if (!errors.text(field, password, {.required = true, .min_chars = 8, .max_chars = 128})) return;
  std::string pw = lower_ascii(password);
  std::string id = lower_ascii(login_id);
  if (!id.empty() && pw.find(id) != std::string::npos) {
    errors.add(f, "contains_login_id", "パスワードにログインIDを含めることはできません",
               "must not contain the login ID");
    return;
  }
  std::string local(email.substr(0, email.find('@')));
  // The site's own words count as guessable too (issue 12: "Yamaguchi-2026!" passed):
  // the prefecture, its municipalities and the two sites, besides the account's own.
  static const char* kSiteWords[] = {"yamaguchi", "yamaguti", "yamaguchiken", "supernet", "aikasanet", "aikasa",
                                     "kenmin", "shimonoseki", "ube", "hagi", "hofu", "kudamatsu", "iwakuni",
                                     "hikari", "nagato", "yanai", "mine", "shunan", "sanyoonoda", "onoda",
                                     "suooshima", "waki", "kaminoseki", "tabuse", "hirao", "abu", "npo", "volunteer", "civic",
                                     "center"};
  std::vector<const char*> user_words{id.c_str(), local.c_str()};
  for (const char* w : kSiteWords) user_words.push_back(w);
  user_words.push_back(nullptr);
  std::string pw_copy(password);
  double bits = ZxcvbnMatch(pw_copy.c_str(), user_words.data(), nullptr);
  if (bits < kMinEntropyBits) {
    errors.add(f, "too_common", "推測されやすいパスワードです。より長く、推測されにくいものにしてください",
               "is too common or easy to guess");
  }
}

std::string hash_password(std::string_view password, const Argon2Params& p) {
  std::string salt = crypto::random_bytes(16);
  size_t len = argon2_encodedlen(p.iterations, p.memory_kib, p.parallelism, uint32_t(salt.size()), 32, Argon2_id);
  std::string encoded(len, '\0');
  int rc = argon2id_hash_encoded(p.iterations, p.memory_kib, p.parallelism, password.data(), password.size(),
                                 salt.data(), salt.size(), 32, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2: ") + argon2_error_message(rc));
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool verify_password(std::string_view encoded, std::string_view password) {
  // A login carried over from the former system keeps its hash until it is used once.
  if (is_legacy_hash(encoded)) return verify_legacy_hash(encoded, password);
  std::string e(encoded);
  return argon2id_verify(e.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool needs_rehash(std::string_view encoded, const Argon2Params& p) {
  // $argon2id$v=19$m=19456,t=2,p=1$salt$hash
  if (encoded.substr(0, 10) != "$argon2id$") return true;
  unsigned m = 0, t = 0, par = 0;
  std::string e(encoded);
  if (std::sscanf(e.c_str(), "$argon2id$v=%*u$m=%u,t=%u,p=%u$", &m, &t, &par) != 3) return true;
  return m < p.memory_kib || t < p.iterations || par < p.parallelism;
}

std::string temporary_password(size_t length) {
  static constexpr char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789!#%+=";
  constexpr size_t n = sizeof alphabet - 1;
  std::string out;
  while (out.size() < length) {
    for (unsigned char b : crypto::random_bytes(length)) {
      if (b >= 256 - (256 % n)) continue;  // rejection sampling: no modulo bias
      out += alphabet[b % n];
      if (out.size() == length) break;
    }
  }
  return out;
}

} // namespace civic::auth
