// Every SQL statement of the content service, and nothing else.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "db/db.h"

namespace civic::content {

struct TermRow {
  std::string code, label;
  std::vector<std::string> sites;
  bool active = true;
};

struct TaxonomyRow {
  std::string name, title;
  int version = 0;
  std::string updated_at;
  std::vector<TermRow> terms;  // in display order
};

struct VariantsRow {
  std::vector<std::vector<std::string>> groups;  // as staff typed them
  int version = 0;
  std::string updated_at;
};

struct SiteRow {
  bool maintenance_enabled = false;
  std::string maintenance_message;
  int retry_after_seconds = 3600;
  int version = 0;
  std::string updated_at;
  std::vector<std::string> embed_hosts = {};
};

struct TermsRow {
  std::string site;
  int version = 0;
  std::string title, body, published_at;
};

namespace store {

std::vector<TaxonomyRow> list_taxonomies(db::Tx& tx);
std::optional<TaxonomyRow> find_taxonomy(db::Tx& tx, std::string_view name);
/// Replaces the term list when `version` is the stored one: listed terms are upserted in
/// order and active, the others kept but inactive. False when the version is stale.
bool put_taxonomy(db::Tx& tx, std::string_view name, const std::vector<TermRow>& terms, int version,
                  std::string_view actor);
/// The `codes` that are not active terms of taxonomy `name` (offered on `site` unless empty).
std::vector<std::string> unknown_codes(db::Tx& tx, std::string_view name, const std::vector<std::string>& codes,
                                       std::string_view site);

VariantsRow search_variants(db::Tx& tx);
/// Replaces the dictionary when `version` is the stored one; false when it is stale.
bool put_search_variants(db::Tx& tx, const std::vector<std::vector<std::string>>& groups, int version,
                         std::string_view actor);

SiteRow site(db::Tx& tx);
/// False when `version` is stale.
bool update_site(db::Tx& tx, const SiteRow& s, std::string_view actor);
/// False when `version` is stale.
bool put_embed_hosts(db::Tx& tx, const std::vector<std::string>& hosts, int version, std::string_view actor);

std::optional<TermsRow> current_terms(db::Tx& tx, std::string_view site);
std::vector<TermsRow> list_terms(db::Tx& tx, std::string_view site);
TermsRow publish_terms(db::Tx& tx, std::string_view site, std::string_view title, std::string_view body,
                       std::string_view actor);

} // namespace store
} // namespace civic::content
