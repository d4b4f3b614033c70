// Idempotent public submissions (SEC-11), as Stripe's API does it: a client sends an
// `Idempotency-Key` header (the gateway carries it in the signed principal); the first
// request with a key runs and its answer is kept for 24 hours; a retry of the same
// request with the same key gets that answer again and creates nothing. The same key
// with a different request is refused (400, field idempotency_key); while the first
// is still running, a second gets 409. Only successful answers are kept: a request
// refused for its content may be corrected and sent again with the same key. The
// table is this library's (migrations/idempotency; USES idempotency).
#pragma once
#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include <functional>
#include <string_view>

#include "db/db.h"
#include "rpc/principal.h"

namespace civic::rpc {

/// Runs `fn` (which fills `response`) unless `p` carries an Idempotency-Key already
/// used for `method` by the same account: then the kept answer is copied into
/// `response` (or the reuse refused). Without a key, just `fn()`. Keys and requests
/// are kept only as HMACs under `hmac_key` (a request may hold a password).
grpc::Status idempotent(db::Pool& pool, const std::string& hmac_key, const Principal& p, std::string_view method,
                        const google::protobuf::Message& request, google::protobuf::Message* response,
                        const std::function<grpc::Status()>& fn);

} // namespace civic::rpc
