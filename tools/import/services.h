// The services' import calls (issue 15 item 3), signed as the service principal
// "import": each record enters through its owning service, validated, sealed and
// indexed as one entered today. The call and the request's fields come from the
// mapping (civic.grants.GrantsService/ImportGrant, "grant.name", ...), so a new kind of
// record is a mapping and an import call, not a change here. A service's address is
// <PACKAGE>_SERVICE_ADDR (GRANTS_SERVICE_ADDR for civic.grants).
#pragma once
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/rpc_method.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "import/mapping.h"

namespace google::protobuf {
class MethodDescriptor;
}

namespace civic::import {

class Services {
 public:
  /// The key from INTERNAL_HMAC_KEY.
  Services();

  /// Throws std::runtime_error naming the mapping when its call does not exist, is not
  /// an import call (a request with `meta`, answering ImportResult), a field path is not
  /// a text, number, flag or list field of the request, or the service's address is not
  /// set; opens the channel to the service.
  void check(const Mapping& m);

  struct Result {
    std::string id;
    std::string outcome;                                        // created, updated, unchanged; empty when refused
    std::vector<std::pair<std::string, std::string>> problems;  // field (may be empty), reason
  };
  /// One record through the mapping's call (thread-safe once check()ed). `dry_run`:
  /// checked as for real, nothing written. Throws std::runtime_error when a service cannot be reached (the run stops;
  /// re-running resumes, as every call is idempotent).
  Result import(const Mapping& m, const std::map<std::string, std::string>& fields, bool dry_run);

 private:
  std::string key_;
  // A mapping's call, resolved once by check(): the method, its service's channel, the
  // RPC path (which `rpc` points into).
  struct Call {
    const google::protobuf::MethodDescriptor* method;
    std::shared_ptr<grpc::Channel> channel;
    std::string path;
    std::unique_ptr<grpc::internal::RpcMethod> rpc;
  };
  std::map<std::string, std::unique_ptr<Call>> calls_;              // by mapping call
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;  // by package
};

} // namespace civic::import
