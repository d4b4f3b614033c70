#include "directory/search_index.h"

#include <algorithm>

#include "core/log.h"

namespace civic::directory {
namespace {
bool has(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}
} // namespace

void SearchIndex::refresh() {
  std::lock_guard one(refresh_mutex_);
  int64_t since;
  {
    std::shared_lock read(mutex_);
    since = watermark_us_;
  }
  auto rows = pool_.read([&](db::Tx& tx) { return store::changed_since(tx, since); });
  if (!rows.empty()) apply(rows);
}

void SearchIndex::apply(const std::vector<IndexRow>& rows) {
  std::unique_lock write(mutex_);
  for (const auto& row : rows) {
    watermark_us_ = std::max(watermark_us_, row.updated_us);
    auto found = by_id_.find(row.id);
    bool listed = row.state == "published";
    if (found != by_id_.end() && entries_[found->second].version == row.version && listed) continue;  // seen
    if (found != by_id_.end()) {
      text_.remove(found->second);
      free_.push_back(found->second);
      entries_[found->second] = Entry{};
      by_id_.erase(found);
    }
    if (!listed) continue;
    text::Index::Doc doc;
    if (free_.empty()) {
      doc = text::Index::Doc(entries_.size());
      entries_.emplace_back();
    } else {
      doc = free_.back();
      free_.pop_back();
    }
    entries_[doc] = Entry{row.id,     row.site,           row.kind,     row.status,  row.target_area, row.fields,
                          row.target_municipalities, row.features, row.published_us, row.version};
    text_.put(doc, row.search_text);
    by_id_.emplace(row.id, doc);
  }
}

bool SearchIndex::passes(const Entry& e, const Filters& f) const {
  return (f.site.empty() || e.site == f.site) && (f.kind.empty() || e.kind == f.kind) &&
         (f.status.empty() || e.status == f.status) && (f.area.empty() || e.target_area == f.area) &&
         (f.field.empty() || has(e.fields, f.field)) && (f.municipality.empty() || has(e.municipalities, f.municipality)) &&
         (f.feature.empty() || has(e.features, f.feature));
}

SearchPage SearchIndex::search(const Filters& f, int limit, int offset) const {
  std::shared_lock read(mutex_);
  std::vector<text::Index::Doc> hits;
  for (auto doc : text_.match(f.terms))
    if (passes(entries_[doc], f)) hits.push_back(doc);
  SearchPage page;
  page.total = int64_t(hits.size());
  auto newest_first = [&](text::Index::Doc a, text::Index::Doc b) {
    const Entry &x = entries_[a], &y = entries_[b];
    return x.published_us != y.published_us ? x.published_us > y.published_us : x.id < y.id;
  };
  size_t from = std::min(hits.size(), size_t(offset));
  size_t to = std::min(hits.size(), size_t(offset) + size_t(limit));
  std::partial_sort(hits.begin(), hits.begin() + long(to), hits.end(), newest_first);
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
