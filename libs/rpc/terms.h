// The current version of a site's terms of use (content owns them): what a registration
// must have accepted (DIR-1 for organisations, issue 14 for individual members). Read
// at each registration, so a new version applies at once.
#pragma once
#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

namespace civic::rpc {

/// The current version for `site` (supernet, aikasanet). Throws rpc::Abort(UNAVAILABLE)
/// when content cannot be asked.
using TermsVersion = std::function<int(const std::string& site)>;

/// The lookup over gRPC, signed as service `self`.
TermsVersion terms_lookup(std::shared_ptr<grpc::Channel> content, std::string hmac_key, std::string self);

} // namespace civic::rpc
