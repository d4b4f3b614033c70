// A service's read of a login's verified address and status from auth (issue 14):
// matching mails a member there, never at an address typed into a profile; directory
// checks the account staff hand an orphaned organisation to; notification shows a member
// the subscriptions of that address.
#pragma once
#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "civic/auth.grpc.pb.h"
#include "rpc/principal.h"

namespace civic::rpc {

/// The account `account_id` as auth knows it; nullopt when there is none. Throws
/// rpc::Abort(UNAVAILABLE) when auth cannot be asked.
using AccountLookup =
    std::function<std::optional<civic::auth::AccountContact>(const Principal& caller, const std::string& account_id)>;

/// The lookup over gRPC, signed as service `self` (auth answers matching and directory).
AccountLookup account_lookup(std::shared_ptr<grpc::Channel> auth, std::string hmac_key, std::string self);

} // namespace civic::rpc
