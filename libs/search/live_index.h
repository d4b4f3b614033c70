// A public list and its keyword search answered from memory (SPEC PERF-2, ADR 0007).
//
// A LiveIndex keeps, for every row a service shows the public, its normalised search
// text (in a text::Index) and the columns its filters test, and follows the table:
// refresh() asks the owning store for the rows changed since the previous call (the
// store reads `updated_at` less a margin for transactions that committed late) and
// applies them. A query picks one page of ids and the exact total without touching
// PostgreSQL, which then only reads the page's rows by primary key.
//
// Filters see each row as two parts: `Hot`, small codes kept in a dense array that a
// plain list walks in the CPU's cache, and `Cold`, the rest, read only when a filter
// needs it (the filter is a template argument, inlined, so an untouched Cold costs
// nothing). Rows are ordered by `order` (larger first), then id.
#pragma once
#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <unordered_map>
#include <vector>

#include "core/log.h"
#include "core/metrics.h"
#include "core/validation.h"
#include "db/db.h"
#include "text/index.h"
#include "text/text.h"

namespace civic::search {

/// A filter value as a small code for a Hot part: 1 + its position in `known`, kAny (0)
/// for "" (no filter), kUnknown (0xFF) for anything else, which then matches nothing.
inline constexpr uint8_t kAny = 0, kUnknown = 0xFF;
template <typename Known>
uint8_t code(const Known& known, std::string_view value) {
  if (value.empty()) return kAny;
  for (size_t i = 0; i < std::size(known); ++i)
    if (value == known[i]) return uint8_t(1 + i);
  return kUnknown;
}

template <typename Hot, typename Cold>
struct Row {
  std::string id;
  bool listed = false;  // false: no longer shown, dropped from the index
  int64_t stamp = 0;    // kStamp: a row already indexed at the same stamp is skipped
  int64_t order = 0;    // larger first (e.g. publication time in µs)
  std::string text;     // normalised (text::search_text)
  Hot hot{};
  Cold cold{};
};

template <typename Hot, typename Cold>
struct Changes {
  std::vector<Row<Hot, Cold>> rows;
  int64_t asked_at_us = 0;  // the database's clock when the store asked
};

struct Page {
  std::vector<std::string> ids;  // one page, in order
  std::vector<int64_t> stamps;   // each row's stamp when the index last read it
  int64_t total = 0;
};

/// A row's stamp, selected by every index's load: its `updated_at` in µs. Every write of
/// a listed row sets `updated_at = now()`, and so does a write of what its record shows
/// from other tables (an article's images, an organisation's attachments, an event's
/// flyers), so the stamp moves whenever the public record would change (see Rendered).
inline constexpr const char* kStamp = "(extract(epoch FROM updated_at) * 1000000)::bigint";

/// A row's id (a UUID, as every listed table's key is) as its 16 bytes: the index keeps
/// it twice per row, and as text each copy took a heap block besides (PERF-5). Byte
/// order is the order of the canonical text.
using Uuid = std::array<uint8_t, 16>;
struct UuidHash {
  size_t operator()(const Uuid& u) const noexcept {
    uint64_t a, b;
    std::memcpy(&a, u.data(), 8);
    std::memcpy(&b, u.data() + 8, 8);
    return size_t(a ^ (b * 0x9E3779B97F4A7C15ull));
  }
};
/// The canonical text "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (as PostgreSQL prints a
/// uuid, either case) as bytes; std::invalid_argument for anything else.
Uuid uuid_bytes(std::string_view text);
/// The canonical lower-case text of `u`.
std::string uuid_text(const Uuid& u);

/// malloc_trim: freed heap memory back to the system.
void release_free_memory();

/// Runs `work` every `interval` on a thread of its own until stop() (or destruction);
/// an exception is logged as `<name>_failed` and the next round tried (the database may
/// be away).
class Poller {
 public:
  Poller() = default;
  ~Poller() { stop(); }
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;
  void start(std::chrono::milliseconds interval, std::function<void()> work, std::string name = "search_index_refresh");
  void stop();

 private:
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

template <typename Hot, typename Cold>
class LiveIndex {
 public:
  using Load = std::function<Changes<Hot, Cold>(db::Tx&, int64_t since_us)>;
  /// A named index reports its size as civic_search_index_documents{index=name}.
  LiveIndex(db::Pool& pool, Load load, const std::string& name = "")
      : pool_(pool),
        load_(std::move(load)),
        documents_(name.empty() ? nullptr
                                : &metrics::gauge("civic_search_index_documents", "Documents in an in-memory search index.")
                                       .Add({{"index", name}})) {}
  LiveIndex(const LiveIndex&) = delete;
  LiveIndex& operator=(const LiveIndex&) = delete;

  /// Applies every change since the last refresh (the first one loads everything).
  void refresh() {
    std::lock_guard one(refresh_mutex_);  // asked_at_us_ is only touched here
    size_t applied = 0;
    {
      auto changes = pool_.read([&](db::Tx& tx) { return load_(tx, asked_at_us_); });
      if (!changes.rows.empty()) apply(changes.rows);
      asked_at_us_ = changes.asked_at_us;
      applied = changes.rows.size();
    }
    if (documents_) documents_->Set(double(size()));
    // A large load (the first one) leaves the query's result and its rows freed in the
    // heap; hand that back rather than let the pod's limit count it (PERF-5).
    if (applied >= 1000) release_free_memory();
  }
  /// refresh() after this replica's own committed write, so that it is listed at once;
  /// a failure is logged and left to the next poll (the write stands).
  void catch_up() noexcept {
    try {
      refresh();
    } catch (const std::exception& e) {
      log::warn("search_index_refresh_failed", {{"what", e.what()}});
    }
  }
  /// Refreshes every `interval` until stop(): other replicas' and tools' writes.
  void start(std::chrono::milliseconds interval) {
    poller_.start(interval, [this] { refresh(); });
  }
  void stop() { poller_.stop(); }

  /// The rows matching the keyword query `q` (every term, one form of each term with
  /// variants) for which `keep(hot, cold)` holds: one page in order, and their exact
  /// number. Without keywords (the plain list) `keep` must depend on nothing but
  /// `memo_key` (the filters, and the day where they compare dates): the list's rows are
  /// kept until the index changes, so each page of it costs a slice instead of a walk over
  /// every row. At most kMemoKeys plain lists are kept (all are dropped when full).
  template <typename Keep>
  Page search(const text::Query& q, Keep&& keep, int limit, int offset, const std::string& memo_key) const {
    std::shared_lock read(mutex_);
    if (q.empty()) {
      auto docs = plain_list(keep, memo_key);
      return page_of(*docs, limit, offset);
    }
    std::vector<text::Index::Doc> hits;
    for (auto doc : text_.match(q.terms, q.any_of))
      if (keep(hot_[doc], cold_[doc])) hits.push_back(doc);
    size_t to = std::min(hits.size(), size_t(offset) + size_t(limit));
    std::partial_sort(hits.begin(), hits.begin() + long(to), hits.end(),
                      [&](text::Index::Doc a, text::Index::Doc b) { return rank_[a] < rank_[b]; });
    return page_of(hits, limit, offset);
  }

  size_t size() const {
    std::shared_lock read(mutex_);
    return text_.size();
  }

  /// The stamp of `id` if it is listed.
  std::optional<int64_t> stamp_of(const std::string& id) const {
    if (!validation::is_uuid(id)) return std::nullopt;
    std::shared_lock read(mutex_);
    auto found = by_id_.find(uuid_bytes(id));
    if (found == by_id_.end()) return std::nullopt;
    return meta_[found->second].stamp;
  }

 private:
  struct Meta {
    int64_t order = 0;
    int64_t stamp = 0;
  };

  // The plain list of `memo_key` (kept, or walked now and kept); the read lock is held.
  template <typename Keep>
  std::shared_ptr<const std::vector<text::Index::Doc>> plain_list(Keep& keep, const std::string& memo_key) const {
    {
      std::lock_guard memo(memo_mutex_);
      if (auto it = memo_.find(memo_key); it != memo_.end() && it->second.generation == generation_) return it->second.docs;
    }
    auto docs = std::make_shared<std::vector<text::Index::Doc>>();
    for (auto doc : order_)
      if (keep(hot_[doc], cold_[doc])) docs->push_back(doc);
    std::lock_guard memo(memo_mutex_);
    if (memo_.size() >= kMemoKeys) memo_.clear();
    memo_[memo_key] = {generation_, docs};
    return docs;
  }

  // The page of `docs` (in order) from `offset`, and their number.
  Page page_of(const std::vector<text::Index::Doc>& docs, int limit, int offset) const {
    Page page;
    page.total = int64_t(docs.size());
    size_t from = std::min(docs.size(), size_t(offset)), to = std::min(docs.size(), size_t(offset) + size_t(limit));
    for (size_t i = from; i < to; ++i) {
      page.ids.push_back(uuid_text(ids_[docs[i]]));
      page.stamps.push_back(meta_[docs[i]].stamp);
    }
    return page;
  }

  void apply(std::vector<Row<Hot, Cold>>& rows) {
    std::unique_lock write(mutex_);
    for (auto& row : rows) {
      const Uuid id = uuid_bytes(row.id);
      auto found = by_id_.find(id);
      if (found != by_id_.end() && meta_[found->second].stamp == row.stamp && row.listed) continue;  // seen
      if (found != by_id_.end()) {
        text::Index::Doc doc = found->second;
        text_.remove(doc);
        free_.push_back(doc);
        ids_[doc] = Uuid{};
        hot_[doc] = Hot{};
        cold_[doc] = Cold{};
        by_id_.erase(found);
      }
      if (!row.listed) continue;
      text::Index::Doc doc;
      if (free_.empty()) {
        doc = text::Index::Doc(ids_.size());
        ids_.emplace_back();
        meta_.emplace_back();
        hot_.emplace_back();
        cold_.emplace_back();
      } else {
        doc = free_.back();
        free_.pop_back();
      }
      ids_[doc] = id;
      meta_[doc] = Meta{row.order, row.stamp};
      hot_[doc] = std::move(row.hot);
      cold_[doc] = std::move(row.cold);
      text_.put(doc, std::move(row.text));
      by_id_.emplace(id, doc);
    }
    reorder();
  }

  // Sorting ~100,000 entries takes milliseconds; it happens only when something changed.
  void reorder() {
    ++generation_;  // every kept list is stale
    order_.clear();
    for (const auto& [id, doc] : by_id_) order_.push_back(doc);
    std::sort(order_.begin(), order_.end(), [&](text::Index::Doc a, text::Index::Doc b) {
      return meta_[a].order != meta_[b].order ? meta_[a].order > meta_[b].order : ids_[a] < ids_[b];
    });
    rank_.assign(ids_.size(), 0);
    for (uint32_t i = 0; i < order_.size(); ++i) rank_[order_[i]] = i;
  }

  db::Pool& pool_;
  Load load_;
  prometheus::Gauge* documents_;
  mutable std::shared_mutex mutex_;  // guards everything below up to refresh_mutex_
  text::Index text_;
  std::vector<Uuid> ids_;  // by text::Index::Doc (zero for a free slot)
  std::vector<Meta> meta_;
  std::vector<Hot> hot_;
  std::vector<Cold> cold_;
  std::vector<text::Index::Doc> free_;  // slots of removed rows
  std::unordered_map<Uuid, text::Index::Doc, UuidHash> by_id_;
  std::vector<text::Index::Doc> order_;  // live rows in order
  std::vector<uint32_t> rank_;           // by doc: its position in order_
  uint64_t generation_ = 0;              // counts reorder()s

  // Plain lists by memo key, each with the generation it was made in.
  struct Memo {
    uint64_t generation;
    std::shared_ptr<const std::vector<text::Index::Doc>> docs;
  };
  static constexpr size_t kMemoKeys = 16;
  mutable std::mutex memo_mutex_;
  mutable std::unordered_map<std::string, Memo> memo_;

  std::mutex refresh_mutex_;  // one refresh at a time
  int64_t asked_at_us_ = 0;
  Poller poller_;
};

/// `status`, after catching `index` up when it is ok: a write this replica just committed
/// (a row, or what its public record shows) is then listed and shown at once.
template <typename Index, typename Status>
Status caught_up(Index& index, Status status) {
  if (status.ok()) index.catch_up();
  return status;
}

/// `rows` read by id in any order, put in the order of `ids` (a Page's); an id whose row
/// is gone (unpublished since the index looked) is left out.
template <typename R>
std::vector<R> in_order(const std::vector<std::string>& ids, std::vector<R> rows) {
  std::unordered_map<std::string_view, R*> by_id;
  for (auto& r : rows) by_id.emplace(r.id, &r);
  std::vector<R> out;
  out.reserve(rows.size());
  for (const auto& id : ids)
    if (auto it = by_id.find(id); it != by_id.end()) out.push_back(std::move(*it->second));
  return out;
}

/// The changed-rows query's condition for `since_us` (bind it as $1): every row whose
/// `updated_at` is less than 10 s older than the previous poll, so rows of transactions
/// that committed after it are not missed. The table needs an index on `updated_at`.
inline constexpr const char* kChangedSince = "updated_at > to_timestamp($1::bigint / 1000000.0) - interval '10 seconds'";
/// The database's clock in µs since the epoch, the next poll's `since_us`.
int64_t database_clock_us(db::Tx& tx);

/// A store's Load in one call: `columns` of every row of `table` changed since the
/// previous poll (kChangedSince), each made a Row by `read(const db::Row&)`.
template <typename Hot, typename Cold, typename Read>
Changes<Hot, Cold> changed_rows(db::Tx& tx, const std::string& columns, const std::string& table, int64_t since_us,
                                Read&& read) {
  Changes<Hot, Cold> out;
  out.asked_at_us = database_clock_us(tx);
  db::Result r = tx.exec("SELECT " + columns + " FROM " + table + " WHERE " + kChangedSince, since_us);
  out.rows.reserve(size_t(r.size()));
  for (int i = 0; i < r.size(); ++i) out.rows.push_back(read(r[i]));
  return out;
}

/// A page's rows: `columns` of the published rows of `table` among `ids` (a Page's),
/// each made a record by `read`, in the order of `ids` (see in_order).
template <typename Read>
auto published_rows(db::Tx& tx, const std::string& columns, const std::string& table,
                    const std::vector<std::string>& ids, Read&& read) {
  using R = std::decay_t<decltype(read(std::declval<const db::Row&>()))>;
  if (ids.empty()) return std::vector<R>{};
  db::Result r = tx.exec("SELECT " + columns + " FROM " + table + " WHERE id = ANY($1::uuid[]) AND state = 'published'",
                         ids);
  std::vector<R> rows;
  rows.reserve(size_t(r.size()));
  for (int i = 0; i < r.size(); ++i) rows.push_back(read(r[i]));
  return in_order(ids, std::move(rows));
}

} // namespace civic::search
