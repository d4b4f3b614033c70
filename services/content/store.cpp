#include "content/store.h"

#include <nlohmann/json.hpp>

namespace civic::content::store {
namespace {
constexpr const char* kTime = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";
const std::string kTaxonomyColumns =
    std::string("name, title, version, to_char(updated_at AT TIME ZONE 'UTC', ") + kTime + ")";
const std::string kListTaxonomies = "SELECT " + kTaxonomyColumns + " FROM taxonomies ORDER BY name";
const std::string kFindTaxonomy = "SELECT " + kTaxonomyColumns + " FROM taxonomies WHERE name = $1";
constexpr const char* kTerms =
    "SELECT taxonomy, code, label, sites, active FROM taxonomy_terms WHERE ($1 = '' OR taxonomy = $1) "
    "ORDER BY taxonomy, active DESC, position, code";
constexpr const char* kBumpTaxonomy =
    "UPDATE taxonomies SET version = version + 1, updated_by = $3::uuid, updated_at = now() "
    "WHERE name = $1 AND version = $2";
constexpr const char* kDeactivateOthers =
    "UPDATE taxonomy_terms SET active = false, updated_at = now() "
    "WHERE taxonomy = $1 AND active AND NOT (code = ANY($2::text[]))";
constexpr const char* kUpsertTerm =
    "INSERT INTO taxonomy_terms (taxonomy, code, label, position, sites, active) VALUES ($1, $2, $3, $4, $5::text[], true) "
    "ON CONFLICT (taxonomy, code) DO UPDATE SET label = excluded.label, position = excluded.position, "
    "sites = excluded.sites, active = true, updated_at = now()";
constexpr const char* kUnknownCodes =
    "SELECT c FROM unnest($2::text[]) AS c WHERE NOT EXISTS ("
    "  SELECT 1 FROM taxonomy_terms t WHERE t.taxonomy = $1 AND t.code = c AND t.active "
    "  AND ($3 = '' OR t.sites = '{}' OR $3 = ANY(t.sites)))";
const std::string kSite = std::string(
    "SELECT maintenance_enabled, maintenance_message, retry_after_seconds, version, "
    "to_char(updated_at AT TIME ZONE 'UTC', ") + kTime + "), embed_hosts FROM site_settings WHERE id = 1";
constexpr const char* kUpdateSite =
    "UPDATE site_settings SET maintenance_enabled = $1, maintenance_message = $2, retry_after_seconds = $3, "
    "version = version + 1, updated_by = $5::uuid, updated_at = now() WHERE id = 1 AND version = $4";
const std::string kTermsColumns =
    std::string("site, version, title, body, to_char(published_at AT TIME ZONE 'UTC', ") + kTime + ")";
const std::string kCurrentTerms =
    "SELECT " + kTermsColumns + " FROM terms_documents WHERE site = $1 ORDER BY version DESC LIMIT 1";
const std::string kListTerms = "SELECT " + kTermsColumns + " FROM terms_documents WHERE site = $1 ORDER BY version DESC";
const std::string kPublishTerms =
    "INSERT INTO terms_documents (site, version, title, body, published_by) "
    "SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4::uuid FROM terms_documents WHERE site = $1 "
    "RETURNING " + kTermsColumns;

TaxonomyRow read_taxonomy(const db::Row& r) {
  return {r.text(0), r.text(1), int(r.int64(2)), r.text(3), {}};
}
TermsRow read_terms(const db::Row& r) {
  return {r.text(0), int(r.int64(1)), r.text(2), r.text(3), r.text(4)};
}
std::optional<std::string> actor_param(std::string_view actor) {
  return actor.empty() ? std::nullopt : std::optional<std::string>(actor);
}

// Fills `into` with the terms of every taxonomy listed there (or of `only`).
void attach_terms(db::Tx& tx, std::vector<TaxonomyRow>& into, std::string_view only) {
  db::Result r = tx.exec(kTerms, only);
  size_t t = 0;
  for (int i = 0; i < r.size(); ++i) {
    std::string name = r[i].text(0);
    while (t < into.size() && into[t].name < name) ++t;
    if (t == into.size()) break;
    if (into[t].name == name)
      into[t].terms.push_back({r[i].text(1), r[i].text(2), r[i].text_array(3), r[i].boolean(4)});
  }
}
} // namespace

std::vector<TaxonomyRow> list_taxonomies(db::Tx& tx) {
  std::vector<TaxonomyRow> out;
  db::Result r = tx.exec(kListTaxonomies);
  for (int i = 0; i < r.size(); ++i) out.push_back(read_taxonomy(r[i]));
  attach_terms(tx, out, "");
  return out;
}

std::optional<TaxonomyRow> find_taxonomy(db::Tx& tx, std::string_view name) {
  db::Result r = tx.exec(kFindTaxonomy, name);
  if (r.empty()) return std::nullopt;
  std::vector<TaxonomyRow> one{read_taxonomy(r[0])};
  attach_terms(tx, one, name);
  return one[0];
}

bool put_taxonomy(db::Tx& tx, std::string_view name, const std::vector<TermRow>& terms, int version,
                  std::string_view actor) {
  if (tx.exec(kBumpTaxonomy, name, version, actor_param(actor)).affected() != 1) return false;
  std::vector<std::string> codes;
  for (const auto& t : terms) codes.push_back(t.code);
  tx.exec(kDeactivateOthers, name, codes);
  for (size_t i = 0; i < terms.size(); ++i)
    tx.exec(kUpsertTerm, name, terms[i].code, terms[i].label, int(i), terms[i].sites);
  return true;
}

std::vector<std::string> unknown_codes(db::Tx& tx, std::string_view name, const std::vector<std::string>& codes,
                                       std::string_view site) {
  std::vector<std::string> out;
  db::Result r = tx.exec(kUnknownCodes, name, codes, site);
  for (int i = 0; i < r.size(); ++i) out.push_back(r[i].text(0));
  return out;
}

VariantsRow search_variants(db::Tx& tx) {
  db::Result r = tx.exec("SELECT groups::text, version, to_char(updated_at AT TIME ZONE 'UTC', "
                         "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM search_variants WHERE id = 1");
  VariantsRow row;
  if (r.empty()) return row;
  // Written by put_search_variants or the migration: an array of arrays of strings.
  row.groups = nlohmann::json::parse(r[0].text(0)).get<std::vector<std::vector<std::string>>>();
  row.version = int(r[0].int64(1));
  row.updated_at = r[0].text(2);
  return row;
}

bool put_search_variants(db::Tx& tx, const std::vector<std::vector<std::string>>& groups, int version,
                         std::string_view actor) {
  return tx.exec("UPDATE search_variants SET groups = $1::jsonb, version = version + 1, updated_at = now(), "
                 "updated_by = $3::uuid WHERE id = 1 AND version = $2",
                 nlohmann::json(groups).dump(), version, actor_param(actor))
             .affected() == 1;
}

SiteRow site(db::Tx& tx) {
  db::Result r = tx.exec(kSite);
  return {r[0].boolean(0), r[0].text(1), int(r[0].int64(2)), int(r[0].int64(3)), r[0].text(4), r[0].text_array(5)};
}

bool update_site(db::Tx& tx, const SiteRow& s, std::string_view actor) {
  return tx.exec(kUpdateSite, s.maintenance_enabled, s.maintenance_message, s.retry_after_seconds, s.version,
                 actor_param(actor)).affected() == 1;
}

bool put_embed_hosts(db::Tx& tx, const std::vector<std::string>& hosts, int version, std::string_view actor) {
  return tx.exec("UPDATE site_settings SET embed_hosts = $1::text[], version = version + 1, updated_by = $3::uuid, "
                 "updated_at = now() WHERE id = 1 AND version = $2",
                 hosts, version, actor_param(actor))
             .affected() == 1;
}

std::optional<TermsRow> current_terms(db::Tx& tx, std::string_view site) {
  db::Result r = tx.exec(kCurrentTerms, site);
  if (r.empty()) return std::nullopt;
  return read_terms(r[0]);
}

std::vector<TermsRow> list_terms(db::Tx& tx, std::string_view site) {
  std::vector<TermsRow> out;
  db::Result r = tx.exec(kListTerms, site);
  for (int i = 0; i < r.size(); ++i) out.push_back(read_terms(r[i]));
  return out;
}

TermsRow publish_terms(db::Tx& tx, std::string_view site, std::string_view title, std::string_view body,
                       std::string_view actor) {
  return read_terms(tx.exec(kPublishTerms, site, title, body, actor_param(actor))[0]);
}

} // namespace civic::content::store
