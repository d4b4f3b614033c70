#include "content/service.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "content/store.h"
#include "core/log.h"
#include "core/validation.h"
#include "text/text.h"
#include "rpc/audit.h"
#include "rpc/declared.h"
#include "rpc/server.h"

namespace civic::content {
namespace {
using grpc::Status;
using grpc::StatusCode;
using rpc::Principal;

constexpr size_t kMaxTerms = 200;
constexpr size_t kMaxCodes = 500;

using rpc::not_found;
Status stale() {
  return Status(StatusCode::ABORTED, "他の人が先に更新しました。最新の内容を読み込んでから編集してください");
}

bool valid_code(std::string_view code) {
  static const std::regex pattern("[a-z0-9_]{1,40}");
  return std::regex_match(code.begin(), code.end(), pattern);
}

bool offered_on(const TermRow& t, std::string_view site) {
  return site.empty() || t.sites.empty() || std::find(t.sites.begin(), t.sites.end(), site) != t.sites.end();
}

// Staff see every term; the public only the active ones offered on the site asked for.
void to_proto(const TaxonomyRow& t, bool staff, std::string_view site, Taxonomy* out) {
  out->set_name(t.name);
  out->set_title(t.title);
  out->set_version(t.version);
  out->set_updated_at(t.updated_at);
  for (const auto& term : t.terms) {
    if (!staff && (!term.active || !offered_on(term, site))) continue;
    auto* o = out->add_terms();
    o->set_code(term.code);
    o->set_label(term.label);
    for (const auto& s : term.sites) o->add_sites(s);
    o->set_active(term.active);
  }
}

void to_proto(const SiteRow& s, SiteSettings* out) {
  out->mutable_maintenance()->set_enabled(s.maintenance_enabled);
  out->mutable_maintenance()->set_message(s.maintenance_message);
  out->mutable_maintenance()->set_retry_after_seconds(s.retry_after_seconds);
  out->set_version(s.version);
  out->set_updated_at(s.updated_at);
  for (const auto& h : s.embed_hosts) out->add_embed_hosts(h);
}

void to_proto(const TermsRow& t, TermsDocument* out) {
  out->set_site(t.site);
  out->set_version(t.version);
  out->set_title(t.title);
  out->set_body(t.body);
  out->set_published_at(t.published_at);
}

void to_proto(const VariantsRow& row, SearchVariants* out) {
  for (const auto& group : row.groups) {
    auto* g = out->add_groups();
    for (const auto& w : group) g->add_words(w);
  }
  out->set_version(row.version);
  out->set_updated_at(row.updated_at);
}

void version_field(validation::Errors& e, int32_t version) {
  if (version <= 0) e.add("version", "required", "読み込んだ版番号を指定してください", "the version that was read is required");
}

} // namespace

ContentServiceImpl::ContentServiceImpl(db::Pool& pool, ContentConfig config, ArticleIndex& articles)
    : pool_(pool), config_(std::move(config)), articles_(articles), admin_(article_collection()) {}

Status ContentServiceImpl::ListTaxonomies(grpc::ServerContext* ctx, const civic::common::Empty*,
                                          ListTaxonomiesResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListTaxonomies", [&](const Principal& p) {
    bool staff = rpc::is_staff(p);
    for (const auto& t : pool_.transaction([](db::Tx& tx) { return store::list_taxonomies(tx); }))
      to_proto(t, staff, "", resp->add_items());
    return Status::OK;
  });
}

Status ContentServiceImpl::GetTaxonomy(grpc::ServerContext* ctx, const GetTaxonomyRequest* req, Taxonomy* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetTaxonomy", [&](const Principal& p) {
    validation::Errors e;
    e.text("name", req->name(), {.max_chars = 40});
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    auto t = pool_.transaction([&](db::Tx& tx) { return store::find_taxonomy(tx, req->name()); });
    if (!t) return not_found();
    to_proto(*t, rpc::is_staff(p), req->site(), resp);
    return Status::OK;
  });
}

Status ContentServiceImpl::PutTaxonomy(grpc::ServerContext* ctx, const PutTaxonomyRequest* req, Taxonomy* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "PutTaxonomy", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    validation::Errors e;
    e.text("name", req->name(), {.max_chars = 40});
    version_field(e, req->version());
    if (req->terms().empty()) e.add("terms", "required", "項目を1つ以上指定してください", "at least one term is required");
    if (size_t(req->terms_size()) > kMaxTerms)
      e.add("terms", "too_many", "項目は200件までです", "at most 200 terms");
    std::vector<TermRow> terms;
    std::set<std::string> seen;
    for (int i = 0; i < req->terms_size() && size_t(i) < kMaxTerms; ++i) {
      const Term& t = req->terms(i);
      std::string at = "terms[" + std::to_string(i) + "].";
      if (!valid_code(t.code()))
        e.add(at + "code", "invalid_format", "コードは半角英小文字・数字・_ で40文字までです",
              "must be 1-40 characters of a-z, 0-9 and _");
      else if (!seen.insert(t.code()).second)
        e.add(at + "code", "duplicate", "コードが重複しています", "appears twice");
      e.text(at + "label", t.label(), {.max_chars = 100});
      rpc::check_declared(t, e, at);
      std::set<std::string> sites(t.sites().begin(), t.sites().end());
      terms.push_back({t.code(), t.label(), {sites.begin(), sites.end()}, true});
    }
    if (!e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      if (!store::find_taxonomy(tx, req->name())) return not_found();
      if (!store::put_taxonomy(tx, req->name(), terms, req->version(), p.account_id())) return stale();
      to_proto(*store::find_taxonomy(tx, req->name()), true, "", resp);
      rpc::audit(tx, p, "edit", "taxonomy", req->name(), {{"terms", terms.size()}});
      return Status::OK;
    });
  });
}


std::shared_ptr<const text::Variants> ContentServiceImpl::variants() {
  constexpr auto kFresh = std::chrono::seconds(5);
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(variants_mutex_);
  if (!variants_ || now >= variants_expire_) {
    auto row = pool_.read([](db::Tx& tx) { return store::search_variants(tx); });
    variants_ = std::make_shared<const text::Variants>(row.groups);
    variants_expire_ = now + kFresh;
  }
  return variants_;
}

Status ContentServiceImpl::GetSearchVariants(grpc::ServerContext* ctx, const civic::common::Empty*,
                                             SearchVariants* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetSearchVariants", [&](const Principal&) {
    to_proto(pool_.read([](db::Tx& tx) { return store::search_variants(tx); }), resp);
    return Status::OK;
  });
}

// Staff keep the dictionary: every word one term of a query (no spaces), in one group
// only (as searched: ＮＰＯ and npo are the same word).
Status ContentServiceImpl::PutSearchVariants(grpc::ServerContext* ctx, const PutSearchVariantsRequest* req,
                                             SearchVariants* resp) {
  constexpr int kMaxGroups = 500, kMaxWords = 10;
  return rpc::guarded(ctx, config_.hmac_key, "PutSearchVariants", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    validation::Errors e;
    version_field(e, req->version());
    if (req->groups_size() > kMaxGroups) e.add("groups", "too_many", "500組までです", "at most 500 groups");
    std::vector<std::vector<std::string>> groups;
    std::map<std::string, std::string> seen;  // normalised word -> where
    for (int i = 0; i < req->groups_size() && i < kMaxGroups; ++i) {
      const auto& words = req->groups(i).words();
      std::string at = "groups[" + std::to_string(i) + "]";
      if (words.size() < 2 || words.size() > kMaxWords)
        e.add(at + ".words", "count", "1組に2語から10語までです", "a group has 2 to 10 words");
      std::vector<std::string> group;
      for (int k = 0; k < words.size() && k < kMaxWords; ++k) {
        std::string field = at + ".words[" + std::to_string(k) + "]";
        if (!e.text(field, words[k], {.max_chars = 40})) continue;
        std::string n = text::normalize(words[k]);
        if (n.empty() || n.find(' ') != std::string::npos) {
          e.add(field, "invalid_format", "空白を含まない1語にしてください", "must be one word without spaces");
          continue;
        }
        if (auto [it, fresh] = seen.emplace(n, field); !fresh) {
          e.add(field, "duplicate", it->second + " と同じ語です", "the same word as " + it->second);
          continue;
        }
        group.push_back(words[k]);
      }
      groups.push_back(std::move(group));
    }
    if (!e.empty()) return rpc::invalid(e);
    Status st = pool_.transaction([&](db::Tx& tx) {
      if (!store::put_search_variants(tx, groups, req->version(), p.account_id())) return stale();
      to_proto(store::search_variants(tx), resp);
      rpc::audit(tx, p, "edit", "search_variants", "", {{"groups", groups.size()}});
      return Status::OK;
    });
    if (st.ok()) {
      std::lock_guard lock(variants_mutex_);
      variants_.reset();  // this replica's searches apply the edit at once
    }
    return st;
  });
}

Status ContentServiceImpl::ValidateCodes(grpc::ServerContext* ctx, const ValidateCodesRequest* req,
                                         ValidateCodesResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ValidateCodes", [&](const Principal&) {
    validation::Errors e;
    e.text("name", req->name(), {.max_chars = 40});
    rpc::check_declared(*req, e);
    if (size_t(req->codes_size()) > kMaxCodes) e.add("codes", "too_many", "コードが多すぎます", "too many codes");
    if (!e.empty()) return rpc::invalid(e);
    std::vector<std::string> codes(req->codes().begin(), req->codes().end());
    return pool_.transaction([&](db::Tx& tx) {
      if (!store::find_taxonomy(tx, req->name())) return not_found();
      for (auto& c : store::unknown_codes(tx, req->name(), codes, req->site())) resp->add_unknown(std::move(c));
      return Status::OK;
    });
  });
}

Status ContentServiceImpl::GetSite(grpc::ServerContext* ctx, const civic::common::Empty*, SiteSettings* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetSite", [&](const Principal&) {
    to_proto(pool_.read([](db::Tx& tx) { return store::site(tx); }), resp);
    return Status::OK;
  });
}

Status ContentServiceImpl::UpdateSite(grpc::ServerContext* ctx, const UpdateSiteRequest* req, SiteSettings* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "UpdateSite", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    const Maintenance& m = req->maintenance();
    validation::Errors e;
    e.text("maintenance.message", m.message(), {.required = m.enabled(), .max_chars = 500, .multiline = true});
    int retry = m.retry_after_seconds() == 0 ? 3600 : m.retry_after_seconds();
    if (retry < 60 || retry > 86400)
      e.add("maintenance.retry_after_seconds", "out_of_range", "60から86400の間で指定してください",
            "must be between 60 and 86400");
    version_field(e, req->version());
    if (!e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      if (!store::update_site(tx, {m.enabled(), m.message(), retry, req->version(), ""}, p.account_id())) return stale();
      to_proto(store::site(tx), resp);
      log::info("maintenance_changed", {{"enabled", m.enabled()}, {"account_id", p.account_id()}});
      rpc::audit(tx, p, "maintenance", "site", "", {{"enabled", m.enabled()}});
      return Status::OK;
    });
  });
}

// Admins keep the hosts whose pages the variable blocks may show in a frame (a booking
// calendar): host names only, so a block can never frame a page elsewhere.
Status ContentServiceImpl::PutEmbedHosts(grpc::ServerContext* ctx, const PutEmbedHostsRequest* req,
                                         SiteSettings* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "PutEmbedHosts", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    static const std::regex kHost("([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}");
    constexpr int kMaxHosts = 20;
    validation::Errors e;
    version_field(e, req->version());
    if (req->hosts_size() > kMaxHosts) e.add("hosts", "too_many", "20件までです", "at most 20 hosts");
    std::vector<std::string> hosts;
    for (int i = 0; i < req->hosts_size() && i < kMaxHosts; ++i) {
      const std::string& h = req->hosts(i);
      std::string field = "hosts[" + std::to_string(i) + "]";
      if (h.size() > 253 || !std::regex_match(h, kHost))
        e.add(field, "invalid_format", "ホスト名（例: calendar.google.com）を小文字で指定してください",
              "must be a lower-case host name such as calendar.google.com");
      else if (std::find(hosts.begin(), hosts.end(), h) != hosts.end())
        e.add(field, "duplicate", "同じホスト名が重複しています", "appears twice");
      else
        hosts.push_back(h);
    }
    if (!e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      if (!store::put_embed_hosts(tx, hosts, req->version(), p.account_id())) return stale();
      to_proto(store::site(tx), resp);
      rpc::audit(tx, p, "edit", "embed_hosts", "", {{"hosts", hosts}});
      return Status::OK;
    });
  });
}

Status ContentServiceImpl::GetTerms(grpc::ServerContext* ctx, const GetTermsRequest* req, TermsDocument* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetTerms", [&](const Principal&) {
    validation::Errors e;
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    auto t = pool_.read([&](db::Tx& tx) { return store::current_terms(tx, req->site()); });
    if (!t) return not_found();
    to_proto(*t, resp);
    return Status::OK;
  });
}

Status ContentServiceImpl::ListTerms(grpc::ServerContext* ctx, const ListTermsRequest* req, ListTermsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListTerms", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    validation::Errors e;
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    for (const auto& t : pool_.read([&](db::Tx& tx) { return store::list_terms(tx, req->site()); }))
      to_proto(t, resp->add_items());
    return Status::OK;
  });
}

Status ContentServiceImpl::PublishTerms(grpc::ServerContext* ctx, const PublishTermsRequest* req, TermsDocument* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "PublishTerms", [&](const Principal& p) {
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    validation::Errors e;
    rpc::check_declared(*req, e);
    e.text("title", req->title(), {.max_chars = 200});
    e.text("body", req->body(), {.max_chars = 100000, .multiline = true});
    if (!e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      to_proto(store::publish_terms(tx, req->site(), req->title(), req->body(), p.account_id()), resp);
      rpc::audit(tx, p, "publish", "terms", req->site(), {{"version", resp->version()}});
      return Status::OK;
    });
  });
}

} // namespace civic::content
