// NTF-6, the prefecture's health app (やまぐち健幸アプリ): when an Aikasanet recruitment
// is published its organiser is mailed one QR code per activity day; the app scans one
// at the activity and redeems it for its user, checked live (signature, the day is today
// in Tokyo, the recruitment still published), once per user and day; the yearly partner
// file lists every redemption. ADR 0020.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "civic/channels.grpc.pb.h"
#include "civic/events.pb.h"
#include "core/crypto.h"
#include "db/db.h"
#include "notification/service.h"

namespace civic::notification {

/// The keys QR tokens are signed with, by id (HEALTH_QR_KEYS "id:hex64,..."; the first
/// signs, the others still verify: rotation without invalidating mailed codes).
struct HealthKeys {
  std::map<uint8_t, std::string> keys;
  uint8_t current = 0;
  static HealthKeys parse(const std::string& spec);  // throws std::invalid_argument
};

namespace health {
struct Claims {
  std::string recruitment_id;  // canonical UUID
  std::string date;            // YYYY-MM-DD, the activity day
  int64_t expires_at = 0;      // Unix seconds: the end of that day in Tokyo
};
/// base64url of version | key id | recruitment (16) | date YYYYMMDD (4) | expiry (4) |
/// HMAC-SHA256 of those under the key, first 16 bytes: 56 characters, nothing personal.
std::string issue(const Claims& c, const HealthKeys& keys);
enum class Problem { none, malformed, forged, expired };
std::optional<Claims> verify(std::string_view token, const HealthKeys& keys, int64_t now, Problem* problem);
/// `text` as a QR code PNG (libqrencode, ECC level M, 8 px a module, 4-module margin; libpng).
std::string qr_png(const std::string& text);
} // namespace health

/// recruitment.published: the activity days as they now are; the organiser is mailed the
/// codes of the days not mailed before (today or later). Imported recruitments are
/// recorded, never mailed.
void health_recruitment_published(db::Tx& tx, const NotificationConfig& config, const HealthKeys& keys,
                                  const crypto::Sealer& sealer, const civic::events::RecruitmentPublished& r);
/// recruitment.closed: archived or withdrawn; its codes redeem no more.
void health_recruitment_closed(db::Tx& tx, const std::string& recruitment_id);

class HealthServiceImpl final : public HealthService::Service {
 public:
  HealthServiceImpl(db::Pool& pool, std::string hmac_key, HealthKeys keys, crypto::Sealer sealer);
  grpc::Status RedeemHealthCode(grpc::ServerContext*, const HealthRedemptionRequest*, HealthRedemption*) override;
  grpc::Status ExportHealthPartnerFile(grpc::ServerContext*, const HealthPartnerFileRequest*,
                                       civic::common::HttpBody*) override;

 private:
  db::Pool& pool_;
  std::string hmac_key_;
  HealthKeys keys_;
  crypto::Sealer sealer_;
};

} // namespace civic::notification
