// [unit] password policy (AUTH-2) and Argon2id hashing.
#include <catch2/catch.hpp>

#include "auth/password.h"

using namespace civic;

namespace {
std::vector<std::string> reasons(std::string_view password, std::string_view login = "yamada") {
  validation::Errors e;
  auth::check_password(e, "password", password, login, "taro@example.jp");
  std::vector<std::string> out;
  for (const auto& v : e.list()) out.push_back(v.reason);
  return out;
}
} // namespace

TEST_CASE("passwords shorter than 8 or longer than 128 characters are rejected", "[unit]") {
  CHECK(reasons("Ab1!xyz") == std::vector<std::string>{"too_short"});
  CHECK(reasons(std::string(129, 'k')) == std::vector<std::string>{"too_long"});
}

TEST_CASE("a long random password of 128 characters is accepted", "[unit]") {
  std::string pw;
  for (int i = 0; i < 128; ++i) pw += "aZ3$kQ9!mP"[i * 7 % 10];
  pw[5] = 'x';
  CHECK(reasons(auth::temporary_password(128)).empty());
}

TEST_CASE("common passwords are rejected by zxcvbn", "[unit]") {
  CHECK(reasons("password123") == std::vector<std::string>{"too_common"});
  CHECK(reasons("qwertyuiop") == std::vector<std::string>{"too_common"});
  CHECK(reasons("11111111") == std::vector<std::string>{"too_common"});
}

TEST_CASE("a password containing the login id is rejected whatever its case", "[unit]") {
  CHECK(reasons("xxYAMADAxx-2026!", "yamada") == std::vector<std::string>{"contains_login_id"});
}

TEST_CASE("the prefecture's, its towns' and the sites' names count as guessable", "[unit]") {
  CHECK(reasons("Yamaguchi-2026!") == std::vector<std::string>{"too_common"});
  CHECK(reasons("Aikasanet2026!") == std::vector<std::string>{"too_common"});
  CHECK(reasons("Shunan-2026!!") == std::vector<std::string>{"too_common"});
  // The e-mail's local part is the account's own word (taro@example.jp).
  CHECK(reasons("Taro-2026-!") == std::vector<std::string>{"too_common"});
  // Passwords the tests and the demo use stay strong.
  for (const char* ok : {"Hagi-Castle*Sunset!47", "Shimonoseki-Fugu#Bridge58", "Akiyoshi-Cave#Deep88",
                         "Tokuyama-Port*Night31", "Hagi-Orange*Blossom!26"}) {
    INFO(ok);
    CHECK(reasons(ok).empty());
  }
}

TEST_CASE("a strong password with symbols is accepted", "[unit]") {
  CHECK(reasons("Hagi-Castle*Sunset!47").empty());
  CHECK(reasons("夏みかんの花が咲く萩の町").empty());
}

TEST_CASE("Argon2id hashes verify, are salted, and report weaker parameters", "[unit]") {
  auth::Argon2Params p;
  std::string h1 = auth::hash_password("Hagi-Castle*Sunset!47", p);
  std::string h2 = auth::hash_password("Hagi-Castle*Sunset!47", p);
  CHECK(h1.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0) == 0);
  CHECK(h1 != h2);
  CHECK(auth::verify_password(h1, "Hagi-Castle*Sunset!47"));
  CHECK_FALSE(auth::verify_password(h1, "Hagi-Castle*Sunset!48"));
  CHECK_FALSE(auth::verify_password("not a hash", "x"));
  CHECK_FALSE(auth::needs_rehash(h1, p));
  auth::Argon2Params stronger = p;
  stronger.iterations = 3;
  CHECK(auth::needs_rehash(h1, stronger));
}
