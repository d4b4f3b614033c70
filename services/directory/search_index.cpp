#include "directory/search_index.h"

#include <algorithm>

namespace civic::directory {
namespace {
bool has(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

using search::code;
using search::kAny;
const std::vector<std::string_view> kSites = {"supernet", "aikasanet"};
const std::vector<std::string_view> kKinds = {"group", "npo", "company"};
const std::vector<std::string_view> kStatuses = {"active", "dissolved", "withdrawn"};
} // namespace

SearchIndex::SearchIndex(db::Pool& pool)
    : index_(pool, [](db::Tx& tx, int64_t since_us) {
        auto changes = store::changed_since(tx, since_us);
        search::Changes<Hot, Cold> out;
        out.asked_at_us = changes.asked_at_us;
        out.rows.reserve(changes.rows.size());
        for (auto& r : changes.rows)
          out.rows.push_back({std::move(r.id), r.state == "published" && !r.orphaned, r.stamp, r.published_us,
                              std::move(r.search_text),
                              Hot{code(kSites, r.site), code(kKinds, r.kind), code(kStatuses, r.status)},
                              Cold{std::move(r.target_area), std::move(r.class_code), std::move(r.fields),
                                   std::move(r.target_municipalities), std::move(r.features)}});
        return out;
      }, "organizations") {}

SearchPage SearchIndex::search(const Filters& f, int limit, int offset) const {
  const Hot want{code(kSites, f.site), code(kKinds, f.kind), code(kStatuses, f.status)};
  const bool lists = !f.area.empty() || !f.field.empty() || !f.municipality.empty() || !f.feature.empty() ||
                     !f.class_code.empty();
  return index_.search(
      f.keywords,
      [&](const Hot& h, const Cold& c) {
        if ((want.site != kAny && h.site != want.site) || (want.kind != kAny && h.kind != want.kind) ||
            (want.status != kAny && h.status != want.status))
          return false;
        return !lists || ((f.area.empty() || c.target_area == f.area) && (f.field.empty() || has(c.fields, f.field)) &&
                          (f.municipality.empty() || has(c.municipalities, f.municipality)) &&
                          (f.feature.empty() || has(c.features, f.feature)) &&
                          (f.class_code.empty() || c.class_code == f.class_code));
      },
      limit, offset,
      std::to_string(want.site) + "|" + std::to_string(want.kind) + "|" + std::to_string(want.status) + "|" + f.area + "|" +
          f.field + "|" + f.municipality + "|" + f.feature + "|" + f.class_code);
}

} // namespace civic::directory
