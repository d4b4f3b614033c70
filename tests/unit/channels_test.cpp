// The pure parts of issue 16: the health app's QR tokens (signed, compact, rotatable),
// their PNG, and LINE's webhook signature.
#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "notification/health.h"
#include "notification/line.h"
#include "notification/mailer.h"
#include "core/time.h"
#include "rpc/schedule.h"

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

TEST_CASE("digest moments: the last Tokyo hour, daily or on a weekday", "[unit]") {
  // 2026-12-02 is a Wednesday; 08:00 JST = 23:00 UTC the day before.
  std::time_t wed_0900_jst = 1796169600;  // 2026-12-02T00:00:00Z = 09:00 JST
  CHECK(time::tokyo_date(0, wed_0900_jst) == "2026-12-02");
  CHECK(rpc::last_moment({8}, wed_0900_jst) == wed_0900_jst - 3600);
  CHECK(rpc::last_moment({10}, wed_0900_jst) == wed_0900_jst - 23 * 3600);
  CHECK(rpc::last_moment({8, 1}, wed_0900_jst) == wed_0900_jst - 3600 - 2 * 86400);  // Monday
  CHECK(rpc::last_moment({8, 3}, wed_0900_jst) == wed_0900_jst - 3600);              // today, Wednesday
  CHECK(rpc::last_moment({10, 3}, wed_0900_jst) == wed_0900_jst - 3600 - 7 * 86400 + 2 * 3600);
  CHECK(rpc::tokyo_hour(wed_0900_jst) == 9);
  CHECK(rpc::japanese_date("2026-12-03") == "12月3日（木）");
}

TEST_CASE("the SMTP envelope quotes a legacy carrier local part only when the relay asks for it", "[unit]") {
  CHECK(envelope_address("taro..yamada@docomo.ne.jp", false) == "<taro..yamada@docomo.ne.jp>");
  CHECK(envelope_address("taro..yamada@docomo.ne.jp", true) == "<\"taro..yamada\"@docomo.ne.jp>");
  CHECK(envelope_address("hanako.@docomo.ne.jp", true) == "<\"hanako.\"@docomo.ne.jp>");
  CHECK(envelope_address("taro.yamada@example.jp", true) == "<taro.yamada@example.jp>");
}
