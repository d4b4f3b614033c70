// One-click links of matching mails (SPEC REC-5): the matching service issues them,
// the recruitment service redeems them; the two share ONECLICK_KEY.
//
// A token is base64url of
//   version (1) | action (1) | member id (16) | recruitment id (16) | expiry, Unix s (8)
//   | 128 random bits | HMAC-SHA256 of all that under the key, first 16 bytes
// so it cannot be guessed (random part), forged or altered (MAC), and it names what it
// may do and until when. It is not single-use by itself: the redeemer records each
// confirmed token and acts at most once per token.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace civic::rpc::oneclick {

enum class Action : uint8_t { apply = 1, inquire = 2 };

struct Claims {
  Action action = Action::apply;
  std::string member_id;       // canonical UUID text
  std::string recruitment_id;  // canonical UUID text
  int64_t expires_at = 0;      // Unix seconds
};

std::string_view name(Action a);

/// A new token for `claims` under `key` (at least 32 bytes).
std::string issue(const Claims& claims, std::string_view key);

/// The claims of a well-formed, untampered token under `key` that has not expired at
/// `now` (Unix seconds); nullopt otherwise, without saying why. `token_id`, when given,
/// receives the SHA-256 of the token's bytes: its identity whatever its spelling, the key
/// of single use (issue 12: "…=", "…==" and last-character variants were one token).
std::optional<Claims> verify(std::string_view token, std::string_view key, int64_t now,
                             std::string* token_id = nullptr);

} // namespace civic::rpc::oneclick
