// One-click tokens (REC-5): bound to member, recruitment and action, expiring,
// unforgeable, unguessable.
#include <catch2/catch.hpp>

#include <set>

#include "core/crypto.h"
#include "rpc/oneclick.h"

using namespace civic;
namespace oc = civic::rpc::oneclick;

namespace {
const std::string kKey(32, 'k');
const std::string kMember = "0f8fad5b-d9cb-469f-a165-70867728950e";
const std::string kRecruitment = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
constexpr int64_t kNow = 1'800'000'000;
}

TEST_CASE("A one-click token carries its claims until it expires", "[unit]") {
  std::string t = oc::issue({oc::Action::inquire, kMember, kRecruitment, kNow + 60}, kKey);
  auto c = oc::verify(t, kKey, kNow);
  REQUIRE(c);
  CHECK(c->action == oc::Action::inquire);
  CHECK(c->member_id == kMember);
  CHECK(c->recruitment_id == kRecruitment);
  CHECK(c->expires_at == kNow + 60);
  CHECK(oc::name(c->action) == "inquire");
  CHECK_FALSE(oc::verify(t, kKey, kNow + 60));   // expired at the second it names
  CHECK_FALSE(oc::verify(t, kKey, kNow + 3600));
}

TEST_CASE("A one-click token is refused when altered, cut, forged under another key or garbage", "[unit]") {
  std::string t = oc::issue({oc::Action::apply, kMember, kRecruitment, kNow + 60}, kKey);
  CHECK_FALSE(oc::verify(t, std::string(32, 'x'), kNow));
  CHECK_FALSE(oc::verify(t.substr(0, t.size() - 1), kKey, kNow));
  CHECK_FALSE(oc::verify(t + "A", kKey, kNow));
  CHECK_FALSE(oc::verify("", kKey, kNow));
  CHECK_FALSE(oc::verify(std::string(500, 'A'), kKey, kNow));
  CHECK_FALSE(oc::verify("!!!!", kKey, kNow));
  // Every single-character change of the body is caught by the MAC.
  for (size_t i = 0; i < t.size() - 1; ++i) {
    std::string bad = t;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    INFO(i);
    CHECK_FALSE(oc::verify(bad, kKey, kNow));
  }
  // Turning "inquire" into "apply" needs the MAC too: a re-encoded body with action 1 fails.
  auto raw = *crypto::base64url_decode(oc::issue({oc::Action::inquire, kMember, kRecruitment, kNow + 60}, kKey));
  raw[1] = char(oc::Action::apply);
  CHECK_FALSE(oc::verify(crypto::base64url(raw), kKey, kNow));
}

TEST_CASE("One-click tokens are random: the same claims give different tokens", "[unit]") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(oc::issue({oc::Action::apply, kMember, kRecruitment, kNow + 60}, kKey));
  CHECK(seen.size() == 100);
  CHECK_THROWS(oc::issue({oc::Action::apply, "not-a-uuid", kRecruitment, kNow}, kKey));
  CHECK_THROWS(oc::issue({oc::Action::apply, kMember, kRecruitment, kNow}, "short"));
}

TEST_CASE("every non-canonical spelling of a one-click token is refused", "[unit]") {
  // Issue 12: padding and the unused low bits of the last character made six spellings
  // of one token, each acting once.
  std::string t = oc::issue({oc::Action::apply, kMember, kRecruitment, kNow + 60}, kKey);
  std::string id;
  REQUIRE(oc::verify(t, kKey, kNow, &id));
  CHECK(id == crypto::sha256(*crypto::base64url_decode(t)));
  CHECK_FALSE(oc::verify(t + "=", kKey, kNow));
  CHECK_FALSE(oc::verify(t + "==", kKey, kNow));
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  int variants = 0;
  for (char c : alphabet) {
    std::string v = t;
    v.back() = c;
    if (v == t) continue;
    CHECK_FALSE(oc::verify(v, kKey, kNow));
    ++variants;
  }
  CHECK(variants == 63);
}

TEST_CASE("base64 decoding accepts only the spelling the encoder writes", "[unit]") {
  CHECK(crypto::base64url_decode("YQ") == "a");
  CHECK_FALSE(crypto::base64url_decode("YQ=="));  // no padding in base64url
  CHECK_FALSE(crypto::base64url_decode("YR"));    // unused bits set
  CHECK_FALSE(crypto::base64url_decode("Y"));     // a lone character
  CHECK(crypto::base64_decode("YQ==") == "a");
  CHECK_FALSE(crypto::base64_decode("YQ"));       // padding required
  CHECK_FALSE(crypto::base64_decode("YR=="));
  CHECK_FALSE(crypto::base64_decode("YQ=a"));
  CHECK_FALSE(crypto::base64_decode("Y==="));
  for (std::string bytes : {"", "a", "ab", "abc", "abcd", "\xff\xfe\x00\x01"})
    CHECK(crypto::base64url_decode(crypto::base64url(bytes)) == bytes);
}
