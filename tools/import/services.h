// The services' import calls (issue 15 item 3), signed as the service principal
// "import": each record enters through its owning service, validated, sealed and
// indexed as one entered today.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "civic/auth.grpc.pb.h"
#include "civic/notification.grpc.pb.h"

namespace civic::import {

class Services {
 public:
  /// Addresses from AUTH_SERVICE_ADDR and NOTIFICATION_SERVICE_ADDR; the key from
  /// INTERNAL_HMAC_KEY.
  Services();

  struct Result {
    std::string outcome;                                        // created, updated, unchanged; empty when refused
    std::vector<std::pair<std::string, std::string>> problems;  // field (may be empty), reason
  };
  /// Whether an entity of a mapping has an import call.
  static bool knows(const std::string& entity);
  /// One record of `entity`. `dry_run`: checked as for real, nothing written. Throws
  /// std::runtime_error when a service cannot be reached (the run stops; re-running
  /// resumes, as every call is idempotent).
  Result import(const std::string& entity, const std::map<std::string, std::string>& fields, bool dry_run);

 private:
  std::string key_;
  std::unique_ptr<civic::auth::AuthService::Stub> auth_;
  std::unique_ptr<civic::notification::NotificationService::Stub> notification_;
};

} // namespace civic::import
