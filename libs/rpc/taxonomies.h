// Other services' view of the content service's taxonomies and search dictionary: a
// cached copy of every active term and every group of variant words (refreshed after
// `ttl`), so validating a form or making a keyword query costs no call most of the
// time (SPEC section 2: codes are data, never enums).
#pragma once
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/validation.h"
#include "text/text.h"

namespace civic::rpc {

/// Every active term of every taxonomy at one moment; immutable, so one form is
/// checked against one consistent copy.
class Taxonomies {
 public:
  struct Term {
    std::string code;
    std::vector<std::string> sites;  // empty: both sites
    std::string label = {};          // what the sites and staff read: 「保健・医療・福祉」
    bool active = true;              // inactive: kept for the labels of stored records only
  };
  explicit Taxonomies(std::map<std::string, std::vector<Term>> terms, text::Variants variants = {})
      : terms_(std::move(terms)), variants_(std::move(variants)) {}

  /// The entries of `codes` that are not active terms of taxonomy `name` offered on
  /// `site` (empty: any site).
  std::vector<std::string> unknown(const std::string& name, const std::vector<std::string>& codes,
                                   const std::string& site = "") const;
  /// Adds an `unknown_code` error for `field` to `e` when an entry of `codes` is not an
  /// active term of `name` on `site`.
  void check(validation::Errors& e, std::string_view field, const std::string& name,
             const std::vector<std::string>& codes, const std::string& site = "") const;
  /// Every active code of `name` offered on `site`, in display order.
  std::vector<std::string> codes(const std::string& name, const std::string& site = "") const;
  /// The label of `code` in taxonomy `name` (retired codes too); the code itself when
  /// it has none.
  std::string label(const std::string& name, const std::string& code) const;
  /// The labels of `codes`, in one CSV cell ("a;b", as csv::join).
  std::string labels(const std::string& name, const std::vector<std::string>& codes) const;
  /// The search dictionary: every public keyword query applies it (text::query).
  const text::Variants& variants() const { return variants_; }

 private:
  const std::vector<Term>& of(const std::string& name) const;
  std::map<std::string, std::vector<Term>> terms_;
  text::Variants variants_;
};

class TaxonomyCache {
 public:
  TaxonomyCache(std::shared_ptr<grpc::Channel> content, std::string hmac_key,
                std::chrono::milliseconds ttl = std::chrono::seconds(60));

  /// The current copy, fetched from content when older than the ttl. Throws
  /// rpc::Abort(UNAVAILABLE) when content cannot be asked and nothing is cached; a
  /// stale copy is used rather than refusing every form.
  std::shared_ptr<const Taxonomies> snapshot();

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::string hmac_key_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::shared_ptr<const Taxonomies> cached_;
  std::chrono::steady_clock::time_point expires_{};
};

} // namespace civic::rpc
