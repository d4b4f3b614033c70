#include "gateway/errors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>

#include "civic/common.pb.h"
#include "gateway/http1.h"
#include "rpc/status.h"

namespace civic::gateway {

bool prefers_english(std::string_view header) {
  struct Preference {
    double q = -1;  // -1: not named
    size_t position = 0;
  } en, ja, any;
  size_t position = 0;
  for (std::string_view item : http1::list_items(header)) {
    ++position;
    size_t semi = item.find(';');
    std::string range = http1::lower(http1::trim(item.substr(0, semi)));
    double q = 1;
    if (semi != std::string_view::npos) {
      std::string_view param = http1::trim(item.substr(semi + 1));
      if (param.size() < 3 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
      std::string value(param.substr(2));
      char* rest = nullptr;
      q = std::strtod(value.c_str(), &rest);
      if (rest == value.c_str() || *rest != '\0' || !(q >= 0 && q <= 1)) continue;
    }
    std::string primary = range.substr(0, range.find('-'));
    Preference* p = primary == "en" ? &en : primary == "ja" ? &ja : range == "*" ? &any : nullptr;
    if (p && p->q < 0) *p = {q, position};  // the first range of a language counts
  }
  const Preference& japanese = ja.q >= 0 ? ja : any;
  if (en.q <= 0) return false;
  if (japanese.q < 0) return true;
  return en.q != japanese.q ? en.q > japanese.q : en.position < japanese.position;
}

using validation::Violation;

int http_status(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::CANCELLED: return 499;
    case grpc::StatusCode::UNKNOWN: return 500;
    case grpc::StatusCode::INVALID_ARGUMENT: return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS: return 409;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 429;
    case grpc::StatusCode::FAILED_PRECONDITION: return 400;
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::OUT_OF_RANGE: return 400;
    case grpc::StatusCode::UNIMPLEMENTED: return 501;
    case grpc::StatusCode::INTERNAL: return 500;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    case grpc::StatusCode::DATA_LOSS: return 500;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    default: return 500;
  }
}

namespace {
const char* english_message(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT: return "The request has invalid fields.";
    case grpc::StatusCode::NOT_FOUND: return "Not found.";
    case grpc::StatusCode::ALREADY_EXISTS: return "Already exists.";
    case grpc::StatusCode::PERMISSION_DENIED: return "You are not allowed to do this.";
    case grpc::StatusCode::UNAUTHENTICATED: return "Authentication required or failed.";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "Too many requests; try again later.";
    case grpc::StatusCode::FAILED_PRECONDITION: return "The request cannot be carried out in the current state.";
    case grpc::StatusCode::ABORTED: return "Changed concurrently; reload and try again.";
    case grpc::StatusCode::UNAVAILABLE: return "Temporarily unavailable.";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "The service did not answer in time.";
    case grpc::StatusCode::UNIMPLEMENTED: return "Not implemented.";
    default: return "Internal error.";
  }
}
} // namespace

namespace {
// The one shape of every error body.
std::string envelope(int code, const std::string& status, const std::string& message, const std::vector<Violation>& details,
                     bool english) {
  nlohmann::json d = nlohmann::json::array();
  for (const auto& v : details)
    d.push_back({{"field", v.field}, {"reason", v.reason}, {"message", english ? v.message_en : v.message}});
  nlohmann::json body = {{"error", {{"code", code}, {"status", status}, {"message", message}, {"details", d}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
} // namespace

std::string error_body(grpc::StatusCode code, const std::string& message, const std::vector<Violation>& details,
                       bool english) {
  return envelope(http_status(code), rpc::code_name(code), english ? english_message(code) : message, details, english);
}

std::vector<Violation> details_of(const grpc::Status& status, int* retry_after_seconds) {
  std::vector<Violation> out;
  if (status.error_details().empty()) return out;
  civic::common::ErrorDetail detail;
  if (!detail.ParseFromString(status.error_details())) return out;
  for (const auto& v : detail.violations()) out.push_back({v.field(), v.reason(), v.message(), v.message_en()});
  if (retry_after_seconds) *retry_after_seconds = detail.retry_after_seconds();
  return out;
}


namespace errors {
namespace {
struct HttpError {
  int status;
  const char* name;
  const char* ja;
  const char* en;
};
// The statuses the gateway answers itself (its stages and the HTTP front); the others
// come from a service's gRPC code through status(). 501 is only a transfer coding other
// than chunked.
constexpr HttpError kHttpErrors[] = {
    {400, "INVALID_ARGUMENT", "リクエストの形式が正しくありません", "Malformed request."},
    {403, "PERMISSION_DENIED", "許可されていない操作です", "You are not allowed to do this."},
    {404, "NOT_FOUND", "見つかりません", "Not found."},
    {405, "METHOD_NOT_ALLOWED", "このメソッドは使用できません", "Method not allowed."},
    {408, "REQUEST_TIMEOUT", "リクエストの受信が時間内に終わりませんでした", "The request was not received in time."},
    {413, "PAYLOAD_TOO_LARGE", "リクエストが大きすぎます", "Request body too large."},
    {414, "URI_TOO_LONG", "URL が長すぎます", "The request target is too long."},
    {415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type は application/json にしてください",
     "Content-Type must be application/json."},
    {417, "EXPECTATION_FAILED", "Expect ヘッダの値に対応していません", "Unsupported expectation."},
    {431, "HEADERS_TOO_LARGE", "リクエストヘッダが大きすぎます", "Request header fields too large."},
    {500, "INTERNAL", "内部エラーが発生しました", "Internal error."},
    {501, "UNIMPLEMENTED", "対応していない転送形式です", "Unsupported transfer coding."},
    {502, "BAD_GATEWAY", "応答が大きすぎて返せませんでした", "The answer was too large to pass on."},
    {505, "HTTP_VERSION_NOT_SUPPORTED", "HTTP/1.1 でアクセスしてください", "Use HTTP/1.1."},
};
const HttpError& http_error(int status) {
  for (const auto& e : kHttpErrors)
    if (e.status == status) return e;
  return kHttpErrors[0];
}
} // namespace

HttpResponse status(grpc::StatusCode code, const std::string& message, bool english,
                    const std::vector<Violation>& details) {
  HttpResponse r;
  r.status = http_status(code);
  r.body = error_body(code, message, details, english);
  return r;
}

HttpResponse invalid(const std::vector<Violation>& details, bool english) {
  return status(grpc::StatusCode::INVALID_ARGUMENT, "入力内容に誤りがあります", english, details);
}

HttpResponse http(int status, const std::string& ja, const std::string& en, bool english) {
  HttpResponse r;
  r.status = status;
  r.body = envelope(status, http_error(status).name, english ? en : ja, {}, english);
  return r;
}

HttpResponse http(int status, bool english) {
  const HttpError& e = http_error(status);
  return http(status, e.ja, e.en, english);
}
} // namespace errors

} // namespace civic::gateway
