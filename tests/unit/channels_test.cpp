// The pure parts of issue 16: the health app's QR tokens (signed, compact, rotatable),
// their PNG, and LINE's webhook signature.
#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "notification/health.h"
#include "notification/line.h"

using namespace civic;
using namespace civic::notification;

TEST_CASE("Health tokens carry recruitment, day and expiry, verify under any key of the ring, and refuse tampering",
          "[unit]") {
  auto keys = HealthKeys::parse("2:" + std::string(64, 'a') + ",1:" + std::string(64, 'b'));
  CHECK(keys.current == 2);
  const std::string rid = "0b5f7a52-3c1e-4f0a-9d7e-2c4a6b8d0e1f";
  std::string token = health::issue({rid, "2026-12-05", 1'800'000'000}, keys);
  CHECK(token.size() == 56);
  CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
  health::Problem problem;
  auto c = health::verify(token, keys, 1'700'000'000, &problem);
  REQUIRE(c);
  CHECK(problem == health::Problem::none);
  CHECK(c->recruitment_id == rid);
  CHECK(c->date == "2026-12-05");
  CHECK(c->expires_at == 1'800'000'000);

  // Rotation: the old key, now second, still verifies what it signed.
  auto rotated = HealthKeys::parse("3:" + std::string(64, 'c') + ",2:" + std::string(64, 'a'));
  CHECK(health::verify(token, rotated, 1'700'000'000, &problem));
  auto dropped = HealthKeys::parse("3:" + std::string(64, 'c'));
  CHECK_FALSE(health::verify(token, dropped, 1'700'000'000, &problem));
  CHECK(problem == health::Problem::forged);

  CHECK_FALSE(health::verify(token, keys, 1'800'000'001, &problem));
  CHECK(problem == health::Problem::expired);
  for (size_t i = 0; i < token.size(); i += 7) {
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    INFO(i);
    CHECK_FALSE(health::verify(t, keys, 1'700'000'000, &problem));
    CHECK(problem != health::Problem::none);
  }
  for (const std::string& junk : {std::string(), std::string("x"), token.substr(0, 40), token + "AA", std::string(500, 'A')}) {
    CHECK_FALSE(health::verify(junk, keys, 1'700'000'000, &problem));
    CHECK(problem == health::Problem::malformed);
  }
  CHECK_THROWS(HealthKeys::parse("0:" + std::string(64, 'a')));
  CHECK_THROWS(HealthKeys::parse("1:abc"));
  CHECK_THROWS(HealthKeys::parse("nonsense"));
  CHECK(HealthKeys::parse("").keys.empty());
}

TEST_CASE("A QR code is a PNG whose size follows the symbol", "[unit]") {
  std::string png = health::qr_png(std::string(56, 'A'));
  REQUIRE(png.size() > 100);
  CHECK(png.substr(0, 8) == "\x89PNG\r\n\x1a\n");
  CHECK(png.substr(12, 4) == "IHDR");
  auto be32 = [&](size_t at) {
    return (uint32_t(uint8_t(png[at])) << 24) | (uint32_t(uint8_t(png[at + 1])) << 16) |
           (uint32_t(uint8_t(png[at + 2])) << 8) | uint32_t(uint8_t(png[at + 3]));
  };
  uint32_t width = be32(16), height = be32(20);
  CHECK(width == height);
  CHECK(width % 8 == 0);
  CHECK((width / 8 - 8 - 21) % 4 == 0);  // a QR version: 21 + 4k modules, and 4 of margin each side
}

TEST_CASE("LINE's webhook signature is base64 HMAC-SHA256 of the exact body under the channel secret", "[unit]") {
  std::string secret = "8c570fa6dd201bb328f1c1eac23a96d8";
  std::string body = R"({"destination":"U0","events":[]})";
  std::string good = crypto::base64(crypto::hmac_sha256(secret, body));
  CHECK(line_signature_valid(secret, body, good));
  CHECK_FALSE(line_signature_valid(secret, body + " ", good));
  CHECK_FALSE(line_signature_valid("other", body, good));
  CHECK_FALSE(line_signature_valid(secret, body, ""));
  CHECK_FALSE(line_signature_valid("", body, good));
  CHECK_FALSE(line_signature_valid(secret, body, crypto::base64url(crypto::hmac_sha256(secret, body)) + "x"));
}
