// One error idiom for every service method: a grpc::Status whose binary details hold
// civic.common.ErrorDetail with field violations (mapped to HTTP by the gateway).
#pragma once
#include <grpcpp/support/status.h>

#include <string>

#include "core/validation.h"
#include "db/db.h"
#include "rpc/principal.h"

namespace civic::rpc {

/// The canonical name of a gRPC status code ("INVALID_ARGUMENT"; "UNKNOWN" for a code
/// outside the set), as error bodies and metrics show it.
std::string code_name(grpc::StatusCode code);

/// INVALID_ARGUMENT carrying every violation in `errors`.
grpc::Status invalid(const validation::Errors& errors);
/// INVALID_ARGUMENT for a single field.
grpc::Status invalid(std::string field, std::string reason, std::string message, std::string message_en);
/// `code` with a message and, optionally, a Retry-After hint in the details.
grpc::Status fail(grpc::StatusCode code, std::string message, int retry_after_seconds = 0);
/// NOT_FOUND "見つかりません": no such record, or one the caller may not know exists
/// (drafts for the public, another owner's record).
grpc::Status not_found();
/// Maps a database error by SQLSTATE: unique -> ALREADY_EXISTS, foreign key ->
/// FAILED_PRECONDITION, check/not-null -> INVALID_ARGUMENT, serialization/deadlock ->
/// ABORTED, connection -> UNAVAILABLE, anything else -> INTERNAL (never the SQL text).
/// What it logs names the method (and, by rpc::guarded's scope, the request id).
grpc::Status from_db_error(const db::Error& e, const char* method);

/// OK for a logged-in caller; UNAUTHENTICATED otherwise.
grpc::Status require_login(const Principal& p);
/// OK for an editor or admin; UNAUTHENTICATED when not logged in, PERMISSION_DENIED otherwise.
grpc::Status require_staff(const Principal& p);
/// OK for an admin; UNAUTHENTICATED when not logged in, PERMISSION_DENIED otherwise.
grpc::Status require_admin(const Principal& p);

} // namespace civic::rpc
