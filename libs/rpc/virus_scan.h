// Virus scanning of uploads (SPEC SEC-13, ADR 0022): every file a service is asked to
// store goes to clamd first, over its socket with the INSTREAM command, after the
// caller is authorised and the file's type is checked and before anything is written.
// An infected file is refused with a field error and an audit entry; when clamd cannot
// answer (down, slow, over its stream limit) the upload fails closed with 503 — a file
// is never stored unscanned.
#pragma once
#include <chrono>
#include <grpcpp/support/status.h>
#include <string>
#include <string_view>

#include "db/db.h"
#include "rpc/principal.h"

namespace civic::rpc {

struct ScanVerdict {
  enum class Outcome { clean, infected, unavailable };
  Outcome outcome = Outcome::unavailable;
  std::string detail;  // the signature found, or why there is no answer
};

/// A client of clamd. Each scan is one connection (clamd's INSTREAM answers once).
class VirusScanner {
 public:
  /// `address` is "unix:/path/to/clamd.sock" or "host:port"; `timeout` bounds the
  /// connect, each write and the wait for the verdict.
  VirusScanner(std::string address, std::chrono::milliseconds timeout);
  /// No clamd: every scan answers unavailable (uploads fail closed).
  VirusScanner() = default;

  /// CLAMD_ADDRESS (required: there is no unscanned mode) and CLAMD_TIMEOUT_MS (30 s).
  static VirusScanner from_env();

  ScanVerdict scan(std::string_view data) const;

  const std::string& address() const { return address_; }

 private:
  std::string address_;
  std::chrono::milliseconds timeout_{0};
};

/// OK when `data` is clean. Infected: INVALID_ARGUMENT with the field error `field`
/// "infected", the refusal audited (action "upload_refused" on `entity_type`
/// `entity_id`, with the signature and size) and logged. No verdict: UNAVAILABLE with a
/// Retry-After (the gateway answers 503), logged as an error.
grpc::Status scan_upload(const VirusScanner& scanner, db::Pool& pool, const Principal& p, std::string_view field,
                         std::string_view data, std::string_view entity_type, std::string_view entity_id);

} // namespace civic::rpc
