#include "rpc/taxonomies.h"

#include <algorithm>

#include "civic/content.grpc.pb.h"
#include "core/csv.h"
#include "core/log.h"
#include "rpc/principal.h"
#include "rpc/server.h"

namespace civic::rpc {
namespace {
bool offered_on(const std::vector<std::string>& sites, const std::string& site) {
  return site.empty() || sites.empty() || std::find(sites.begin(), sites.end(), site) != sites.end();
}
} // namespace

const std::vector<Taxonomies::Term>& Taxonomies::of(const std::string& name) const {
  static const std::vector<Term> kNone;
  auto it = terms_.find(name);
  return it == terms_.end() ? kNone : it->second;
}

std::vector<std::string> Taxonomies::unknown(const std::string& name, const std::vector<std::string>& codes,
                                             const std::string& site) const {
  const auto& terms = of(name);
  std::vector<std::string> out;
  for (const auto& c : codes)
    if (std::none_of(terms.begin(), terms.end(),
                     [&](const Term& t) { return t.active && t.code == c && offered_on(t.sites, site); }))
      out.push_back(c);
  return out;
}

void Taxonomies::check(validation::Errors& e, std::string_view field, const std::string& name,
                       const std::vector<std::string>& codes, const std::string& site) const {
  auto bad = unknown(name, codes, site);
  if (!bad.empty()) e.add(std::string(field), "unknown_code", "選択肢にない値です: " + bad.front(), "unknown code: " + bad.front());
}

std::vector<std::string> Taxonomies::codes(const std::string& name, const std::string& site) const {
  std::vector<std::string> out;
  for (const auto& t : of(name))
    if (t.active && offered_on(t.sites, site)) out.push_back(t.code);
  return out;
}

std::string Taxonomies::label(const std::string& name, const std::string& code) const {
  for (const auto& t : of(name))
    if (t.code == code) return t.label.empty() ? code : t.label;
  return code;
}

std::string Taxonomies::labels(const std::string& name, const std::vector<std::string>& codes) const {
  std::vector<std::string> out;
  for (const auto& c : codes) out.push_back(label(name, c));
  return csv::join(out);
}

TaxonomyCache::TaxonomyCache(std::shared_ptr<grpc::Channel> content, std::string hmac_key,
                             std::chrono::milliseconds ttl)
    : channel_(std::move(content)), hmac_key_(std::move(hmac_key)), ttl_(ttl) {}

std::shared_ptr<const Taxonomies> TaxonomyCache::snapshot() {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (cached_ && now < expires_) return cached_;
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
    if (!cached_) throw Abort{grpc::Status(grpc::StatusCode::UNAVAILABLE, "しばらくしてからもう一度お試しください")};
    return cached_;
  }
  grpc::ClientContext vctx;
  vctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  attach(vctx, self, hmac_key_);
  civic::content::SearchVariants dictionary;
  if (grpc::Status vst = stub->GetSearchVariants(&vctx, civic::common::Empty(), &dictionary); !vst.ok()) {
    log::warn("search_variants_unavailable", {{"grpc_status", int(vst.error_code())}});
    if (!cached_) throw Abort{grpc::Status(grpc::StatusCode::UNAVAILABLE, "しばらくしてからもう一度お試しください")};
    return cached_;
  }
  std::map<std::string, std::vector<Taxonomies::Term>> fresh;
  for (const auto& t : resp.items())
    for (const auto& term : t.terms())
      fresh[t.name()].push_back({term.code(), {term.sites().begin(), term.sites().end()}, term.label(), term.active()});
  std::vector<std::vector<std::string>> groups;
  for (const auto& g : dictionary.groups()) groups.emplace_back(g.words().begin(), g.words().end());
  cached_ = std::make_shared<const Taxonomies>(std::move(fresh), text::Variants(groups));
  expires_ = now + ttl_;
  return cached_;
}

} // namespace civic::rpc
