// The gateway's one error writer and the GW-2 table: every error the process answers,
// from a service's gRPC status or from the gateway's own stages and HTTP framing, is
// {"error":{"code","status","message","details":[{"field","reason","message"}]}} in
// Japanese, or English when the caller asked for it.
#pragma once
#include <grpcpp/support/status.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/validation.h"
#include "gateway/gateway.h"

namespace civic::gateway {

/// Whether an Accept-Language header (RFC 9110 12.5.4) prefers English to Japanese, the
/// two languages answered in: ranges compared case-insensitively by their primary tag
/// ("en-US" is en), the highest q-value wins, the earlier range on a tie, q=0 refuses a
/// language, "*" stands for any (Japanese, the default); malformed ranges are ignored.
bool prefers_english(std::string_view accept_language);

/// HTTP status for a gRPC status code, as grpc-gateway v2 and Envoy map it.
int http_status(grpc::StatusCode code);

/// The error body for a gRPC status code with `message` (Japanese; a fixed English
/// message per code when `english`) and field violations.
std::string error_body(grpc::StatusCode code, const std::string& message,
                       const std::vector<validation::Violation>& details, bool english);

/// Violations and retry hint from a status's binary details (civic.common.ErrorDetail).
std::vector<validation::Violation> details_of(const grpc::Status& status, int* retry_after_seconds);

namespace errors {
/// A response for a gRPC status code (GW-2).
HttpResponse status(grpc::StatusCode code, const std::string& message, bool english,
                    const std::vector<validation::Violation>& details = {});
/// "入力内容に誤りがあります" with field violations (400).
HttpResponse invalid(const std::vector<validation::Violation>& details, bool english);
/// A response for an HTTP status the gateway decides itself (404, 405, 408, 413, 414,
/// 415, 431, ...), with its status name and message in both languages.
HttpResponse http(int status, bool english);
/// The same with a message of its own.
HttpResponse http(int status, const std::string& ja, const std::string& en, bool english);
} // namespace errors

} // namespace civic::gateway
