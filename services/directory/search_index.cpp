#include "directory/search_index.h"

#include <algorithm>

#include "core/log.h"

namespace civic::directory {
namespace {
bool has(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

constexpr uint8_t kAny = 0, kUnknown = 0xFF;
const std::vector<std::string_view> kSites = {"supernet", "aikasanet"};
const std::vector<std::string_view> kKinds = {"group", "npo", "company"};
const std::vector<std::string_view> kStatuses = {"active", "dissolved", "withdrawn"};

// 1 + the position of `value` in `known`; kAny for "", kUnknown for anything else.
uint8_t code(std::string_view value, const std::vector<std::string_view>& known) {
  if (value.empty()) return kAny;
  auto it = std::find(known.begin(), known.end(), value);
  return it == known.end() ? kUnknown : uint8_t(1 + (it - known.begin()));
}
} // namespace

struct SearchIndex::Wanted {
  const Filters& f;
  uint8_t site, kind, status;
  bool lists;  // a filter on the entry's other items
  explicit Wanted(const Filters& filters)
      : f(filters),
        site(code(f.site, kSites)),
        kind(code(f.kind, kKinds)),
        status(code(f.status, kStatuses)),
        lists(!f.area.empty() || !f.field.empty() || !f.municipality.empty() || !f.feature.empty()) {}
};

void SearchIndex::refresh() {
  std::lock_guard one(refresh_mutex_);
  // Only this function reads or writes asked_at_us_, under refresh_mutex_.
  auto changes = pool_.read([&](db::Tx& tx) { return store::changed_since(tx, asked_at_us_); });
  if (!changes.rows.empty()) apply(changes.rows);
  asked_at_us_ = changes.asked_at_us;
}

void SearchIndex::apply(const std::vector<IndexRow>& rows) {
  std::unique_lock write(mutex_);
  for (const auto& row : rows) {
    auto found = by_id_.find(row.id);
    bool listed = row.state == "published";
    if (found != by_id_.end() && entries_[found->second].version == row.version && listed) continue;  // seen
    if (found != by_id_.end()) {
      text_.remove(found->second);
      free_.push_back(found->second);
      entries_[found->second] = Entry{};
      hot_[found->second] = Hot{};
      by_id_.erase(found);
    }
    if (!listed) continue;
    text::Index::Doc doc;
    if (free_.empty()) {
      doc = text::Index::Doc(entries_.size());
      entries_.emplace_back();
      hot_.emplace_back();
    } else {
      doc = free_.back();
      free_.pop_back();
    }
    entries_[doc] = Entry{row.id,       row.target_area,  row.fields, row.target_municipalities,
                          row.features, row.published_us, row.version};
    hot_[doc] = Hot{code(row.site, kSites), code(row.kind, kKinds), code(row.status, kStatuses)};
    text_.put(doc, row.search_text);
    by_id_.emplace(row.id, doc);
  }
  reorder();
}

// Sorting ~100,000 entries takes milliseconds; it happens only when something changed.
void SearchIndex::reorder() {
  order_.clear();
  for (const auto& [id, doc] : by_id_) order_.push_back(doc);
  std::sort(order_.begin(), order_.end(), [&](text::Index::Doc a, text::Index::Doc b) {
    const Entry &x = entries_[a], &y = entries_[b];
    return x.published_us != y.published_us ? x.published_us > y.published_us : x.id < y.id;
  });
  rank_.assign(entries_.size(), 0);
  for (uint32_t i = 0; i < order_.size(); ++i) rank_[order_[i]] = i;
}

bool SearchIndex::passes(text::Index::Doc doc, const Wanted& w) const {
  const Hot& h = hot_[doc];
  if ((w.site != kAny && h.site != w.site) || (w.kind != kAny && h.kind != w.kind) ||
      (w.status != kAny && h.status != w.status))
    return false;
  if (!w.lists) return true;
  const Entry& e = entries_[doc];
  const Filters& f = w.f;
  return (f.area.empty() || e.target_area == f.area) && (f.field.empty() || has(e.fields, f.field)) &&
         (f.municipality.empty() || has(e.municipalities, f.municipality)) &&
         (f.feature.empty() || has(e.features, f.feature));
}

SearchPage SearchIndex::search(const Filters& f, int limit, int offset) const {
  Wanted wanted(f);
  size_t from = size_t(offset), to = size_t(offset) + size_t(limit);
  SearchPage page;
  std::shared_lock read(mutex_);
  if (f.terms.empty()) {  // the plain list: walk the newest-first order once
    for (auto doc : order_) {
      if (!passes(doc, wanted)) continue;
      size_t at = size_t(page.total++);
      if (at >= from && at < to) page.ids.push_back(entries_[doc].id);
    }
    return page;
  }
  std::vector<text::Index::Doc> hits;
  for (auto doc : text_.match(f.terms))
    if (passes(doc, wanted)) hits.push_back(doc);
  page.total = int64_t(hits.size());
  from = std::min(hits.size(), from);
  to = std::min(hits.size(), to);
  std::partial_sort(hits.begin(), hits.begin() + long(to), hits.end(),
                    [&](text::Index::Doc a, text::Index::Doc b) { return rank_[a] < rank_[b]; });
  for (size_t i = from; i < to; ++i) page.ids.push_back(entries_[hits[i]].id);
  return page;
}

size_t SearchIndex::size() const {
  std::shared_lock read(mutex_);
  return text_.size();
}

void SearchIndex::start(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(thread_mutex_);
    while (!stop_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      try {
        refresh();
      } catch (const std::exception& e) {  // the database is away: keep serving the last copy
        log::warn("search_index_refresh_failed", {{"what", e.what()}});
      }
      lock.lock();
    }
  });
}

void SearchIndex::stop() {
  {
    std::lock_guard lock(thread_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

} // namespace civic::directory
