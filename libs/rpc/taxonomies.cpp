#include "rpc/taxonomies.h"

#include <algorithm>

#include "civic/content.grpc.pb.h"
#include "core/log.h"
#include "rpc/principal.h"
#include "rpc/server.h"

namespace civic::rpc {
namespace {
bool offered_on(const std::vector<std::string>& sites, const std::string& site) {
  return site.empty() || sites.empty() || std::find(sites.begin(), sites.end(), site) != sites.end();
}
} // namespace

TaxonomyCache::TaxonomyCache(std::shared_ptr<grpc::Channel> content, std::string hmac_key,
                             std::chrono::milliseconds ttl)
    : channel_(std::move(content)), hmac_key_(std::move(hmac_key)), ttl_(ttl) {}

TaxonomyCache::Snapshot TaxonomyCache::snapshot() {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (now < expires_) return cached_;
  auto stub = civic::content::ContentService::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  Principal self;
  self.set_caller("taxonomy-cache");
  attach(ctx, self, hmac_key_);
  civic::content::ListTaxonomiesResponse resp;
  grpc::Status st = stub->ListTaxonomies(&ctx, civic::common::Empty(), &resp);
  if (!st.ok()) {
    log::warn("taxonomies_unavailable", {{"grpc_status", int(st.error_code())}});
    if (cached_.empty())
      throw Abort{grpc::Status(grpc::StatusCode::UNAVAILABLE, "しばらくしてからもう一度お試しください")};
    return cached_;  // a stale copy beats refusing every form
  }
  Snapshot fresh;
  for (const auto& t : resp.items())
    for (const auto& term : t.terms())
      if (term.active()) fresh[t.name()].push_back({term.code(), {term.sites().begin(), term.sites().end()}});
  cached_ = std::move(fresh);
  expires_ = now + ttl_;
  return cached_;
}

std::vector<std::string> TaxonomyCache::unknown(const std::string& name, const std::vector<std::string>& codes,
                                                const std::string& site) {
  Snapshot s = snapshot();
  const auto& terms = s[name];
  std::vector<std::string> out;
  for (const auto& c : codes) {
    bool found = std::any_of(terms.begin(), terms.end(),
                             [&](const Term& t) { return t.code == c && offered_on(t.sites, site); });
    if (!found) out.push_back(c);
  }
  return out;
}

std::vector<std::string> TaxonomyCache::codes(const std::string& name, const std::string& site) {
  Snapshot s = snapshot();  // a named copy: a loop over snapshot()[name] would outlive it
  std::vector<std::string> out;
  for (const auto& t : s[name])
    if (offered_on(t.sites, site)) out.push_back(t.code);
  return out;
}

} // namespace civic::rpc
