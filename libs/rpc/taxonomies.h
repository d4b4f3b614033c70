// Other services' view of the content service's taxonomies: a cached copy of every
// active term (refreshed after `ttl`), so validating a form costs no call most of the
// time (SPEC section 2: codes are data, never enums).
#pragma once
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace civic::rpc {

class TaxonomyCache {
 public:
  TaxonomyCache(std::shared_ptr<grpc::Channel> content, std::string hmac_key,
                std::chrono::milliseconds ttl = std::chrono::seconds(60));

  /// The entries of `codes` that are not active terms of taxonomy `name` offered on
  /// `site` (empty: any site). Throws rpc::Abort(UNAVAILABLE) when content cannot be
  /// asked and nothing is cached.
  std::vector<std::string> unknown(const std::string& name, const std::vector<std::string>& codes,
                                   const std::string& site = "");
  /// Every active code of `name` offered on `site`, in display order.
  std::vector<std::string> codes(const std::string& name, const std::string& site = "");

 private:
  struct Term {
    std::string code;
    std::vector<std::string> sites;
  };
  using Snapshot = std::map<std::string, std::vector<Term>>;
  Snapshot snapshot();

  std::shared_ptr<grpc::Channel> channel_;
  std::string hmac_key_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  Snapshot cached_;
  std::chrono::steady_clock::time_point expires_{};
};

} // namespace civic::rpc
