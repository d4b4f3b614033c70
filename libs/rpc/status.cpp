#include "rpc/status.h"

#include <absl/status/status.h>

#include "civic/common.pb.h"
#include "core/log.h"

namespace civic::rpc {

std::string code_name(grpc::StatusCode code) {
  std::string name = absl::StatusCodeToString(absl::StatusCode(int(code)));  // gRPC's codes are absl's
  return name.empty() ? "UNKNOWN" : name;
}

grpc::Status invalid(const validation::Errors& errors) {
  civic::common::ErrorDetail detail;
  for (const auto& v : errors.list()) {
    auto* f = detail.add_violations();
    f->set_field(v.field);
    f->set_reason(v.reason);
    f->set_message(v.message);
    f->set_message_en(v.message_en);
  }
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "入力内容に誤りがあります", detail.SerializeAsString());
}

grpc::Status invalid(std::string field, std::string reason, std::string message, std::string message_en) {
  validation::Errors e;
  e.add(std::move(field), std::move(reason), std::move(message), std::move(message_en));
  return invalid(e);
}

grpc::Status fail(grpc::StatusCode code, std::string message, int retry_after_seconds) {
  if (retry_after_seconds <= 0) return grpc::Status(code, std::move(message));
  civic::common::ErrorDetail detail;
  detail.set_retry_after_seconds(retry_after_seconds);
  return grpc::Status(code, std::move(message), detail.SerializeAsString());
}

grpc::Status from_db_error(const db::Error& e, const char* method) {
  switch (e.kind()) {
    case db::ErrorKind::unique_violation:
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS, "既に登録されています");
    case db::ErrorKind::foreign_key_violation:
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "関連するデータが存在しません");
    case db::ErrorKind::check_violation:
    case db::ErrorKind::not_null_violation:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "入力内容に誤りがあります");
    case db::ErrorKind::serialization_failure:
    case db::ErrorKind::deadlock:
      return grpc::Status(grpc::StatusCode::ABORTED, "同時に更新されました。もう一度お試しください");
    case db::ErrorKind::connection:
      log::error("database_unavailable", {{"sqlstate", e.sqlstate()}, {"method", method}});
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "一時的に利用できません");
    case db::ErrorKind::other:
      break;
  }
  log::error("database_error", {{"sqlstate", e.sqlstate()}, {"message", e.what()}, {"method", method}});
  return grpc::Status(grpc::StatusCode::INTERNAL, "内部エラーが発生しました");
}

grpc::Status require_login(const Principal& p) {
  return is_authenticated(p) ? grpc::Status::OK : grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "ログインしてください");
}

grpc::Status not_found() { return grpc::Status(grpc::StatusCode::NOT_FOUND, "見つかりません"); }

grpc::Status require_staff(const Principal& p) {
  if (!is_authenticated(p)) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "ログインしてください");
  return is_staff(p) ? grpc::Status::OK : grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "権限がありません");
}

grpc::Status require_admin(const Principal& p) {
  if (!is_authenticated(p)) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "ログインしてください");
  return has_role(p, "admin") ? grpc::Status::OK : grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "権限がありません");
}

} // namespace civic::rpc
