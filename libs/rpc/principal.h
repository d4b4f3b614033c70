// The caller's identity between processes: the gateway (or a relaying service) signs
// a Principal with the internal HMAC key; every service verifies it on every call.
#pragma once
#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <chrono>
#include <optional>
#include <string>

#include "civic/common.pb.h"

namespace civic::rpc {

using Principal = civic::common::Principal;

inline constexpr const char* kPrincipalKey = "x-civic-principal-bin";
inline constexpr const char* kSignatureKey = "x-civic-signature-bin";

bool has_role(const Principal& p, std::string_view role);
inline bool is_authenticated(const Principal& p) { return !p.account_id().empty(); }
inline bool is_staff(const Principal& p) { return has_role(p, "editor") || has_role(p, "admin"); }

/// Stamps `p` with the current time and adds it, signed, to the call's metadata, with a
/// W3C `traceparent` of its trace. A principal without a request or trace id takes those
/// of the request this thread serves (log::RequestScope).
void attach(grpc::ClientContext& ctx, Principal p, const std::string& key);

/// The verified principal of a call, or nullopt when the metadata is missing, the
/// signature does not match, or the principal is older than `max_age`.
std::optional<Principal> verify(const grpc::ServerContext& ctx, const std::string& key,
                                std::chrono::milliseconds max_age = std::chrono::seconds(60));

/// Same check on raw metadata values (used by tests and the gateway).
std::optional<Principal> verify_values(std::string_view principal_bytes, std::string_view signature,
                                       const std::string& key, std::chrono::milliseconds max_age);

} // namespace civic::rpc
