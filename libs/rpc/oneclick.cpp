#include "rpc/oneclick.h"

#include "core/crypto.h"
#include "core/validation.h"

#include <stdexcept>

namespace civic::rpc::oneclick {
namespace {
constexpr uint8_t kVersion = 1;
constexpr size_t kBody = 1 + 1 + 16 + 16 + 8 + 16;
constexpr size_t kMac = 16;

using crypto::uuid_from_bytes;
using crypto::uuid_to_bytes;
} // namespace

std::string_view name(Action a) { return a == Action::apply ? "apply" : "inquire"; }

std::string issue(const Claims& c, std::string_view key) {
  if (key.size() < 32) throw std::invalid_argument("oneclick key shorter than 32 bytes");
  if (!validation::is_uuid(c.member_id) || !validation::is_uuid(c.recruitment_id))
    throw std::invalid_argument("oneclick ids must be UUIDs");
  std::string body;
  body.reserve(kBody + kMac);
  body.push_back(char(kVersion));
  body.push_back(char(c.action));
  body += uuid_to_bytes(c.member_id);
  body += uuid_to_bytes(c.recruitment_id);
  for (int shift = 56; shift >= 0; shift -= 8) body.push_back(char(uint64_t(c.expires_at) >> shift));
  body += crypto::random_bytes(16);
  body += crypto::hmac_sha256(key, body).substr(0, kMac);
  return crypto::base64url(body);
}

std::optional<Claims> verify(std::string_view token, std::string_view key, int64_t now, std::string* token_id) {
  if (token.size() > 200) return std::nullopt;
  auto raw = crypto::base64url_decode(token);
  if (!raw || raw->size() != kBody + kMac) return std::nullopt;
  std::string_view body(raw->data(), kBody);
  std::string_view mac(raw->data() + kBody, kMac);
  if (!crypto::equal_constant_time(crypto::hmac_sha256(key, body).substr(0, kMac), mac)) return std::nullopt;
  if (uint8_t(body[0]) != kVersion) return std::nullopt;
  uint8_t action = uint8_t(body[1]);
  if (action != uint8_t(Action::apply) && action != uint8_t(Action::inquire)) return std::nullopt;
  Claims c;
  c.action = Action(action);
  c.member_id = uuid_from_bytes(body.substr(2, 16));
  c.recruitment_id = uuid_from_bytes(body.substr(18, 16));
  uint64_t exp = 0;
  for (size_t i = 0; i < 8; ++i) exp = (exp << 8) | uint8_t(body[34 + i]);
  c.expires_at = int64_t(exp);
  if (c.expires_at <= now) return std::nullopt;
  if (token_id) *token_id = crypto::sha256(*raw);
  return c;
}

} // namespace civic::rpc::oneclick
