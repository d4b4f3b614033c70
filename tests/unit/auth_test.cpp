// [unit] password policy (AUTH-2), Argon2id hashing and the former system's hashes.
#include <catch2/catch.hpp>

#include "auth/legacy_hash.h"
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

TEST_CASE("a password containing the login id is rejected whatever its case", "[unit][OPS-ACCOUNTS]") {
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

// Issue 15: the former system's hashes, against published vectors — phpass's from the
// phpass distribution and passlib's tests, bcrypt's from Solar Designer's crypt_blowfish
// wrapper tests (the OpenBSD vectors), WordPress 6.8's from a WordPress-made hash.
TEST_CASE("the former system's password hashes verify against their published vectors", "[unit]") {
  struct Vector {
    const char *password, *hash;
  };
  for (auto [password, hash] : {
           Vector{"test12345", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"},
           Vector{"test1", "$H$9aaaaaSXBjgypwqm.JsMssPLiS8YQ00"},
           Vector{"123456", "$H$9PE8jEklgZhgLmZl5.HYJAzfGCQtzi1"},
           Vector{"thisisalongertestPW", "$P$912345678LIjjb6PhecupozNBmDndU0"},
           Vector{"JohnRipper", "$P$612345678si5M0DDyPpmRCmcltU/YW/"},
           Vector{"JohnRipper", "$P$B12345678L6Lpt4BxNotVIMILOa9u81"},
           Vector{"", "$P$7JaFQsPzJSuenezefD/3jHgt5hVfNH0"},
           Vector{"compL3X!", "$P$FiS0N5L672xzQx1rt1vgdJQRYKnQM9/"},
           Vector{"U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"},
           Vector{"U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"},
           Vector{"", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy"},
           Vector{"U*U", "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"},
           Vector{"U*U", "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"},
           Vector{"Na101918!", "$wp$2y$10$y6/UfA/WhvVLZK6RxBSJE./L6YpJN8ChGg15a0Pqry/bTGsDuMR1q"},
           Vector{"password", "5f4dcc3b5aa765d61d8327deb882cf99"},  // WordPress before 2.5: MD5
       }) {
    INFO(hash);
    CHECK(auth::is_legacy_hash(hash));
    CHECK(auth::verify_password(hash, password));
    CHECK_FALSE(auth::verify_password(hash, std::string(password) + "x"));
    CHECK(auth::needs_rehash(hash, {}));  // Argon2id at the first login that proves it
  }
}

TEST_CASE("malformed or foreign hashes verify nothing", "[unit]") {
  for (const char* hash : {"$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r!L0x", "$P$9IQRaTwmf", "$P$!IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0",
                           "$2y$05$short", "$wp$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", "$1$saltsalt$abcdefghijklmnopqrstuv",
                           "5F4DCC3B5AA765D61D8327DEB882CF99", "", "*"}) {
    INFO(hash);
    CHECK_FALSE(auth::verify_password(hash, "test12345"));
    CHECK_FALSE(auth::verify_password(hash, "password"));
  }
  // A NUL byte never reaches crypt(), which would stop there.
  CHECK_FALSE(auth::verify_password("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", std::string("U*U\0x", 5)));
}
