// Public records rendered once per change (ADR 0027).
//
// A public list page names its rows from a LiveIndex, which also knows each row's stamp
// (its `updated_at` in µs: every write of the row, or of what its record shows, moves
// it). Rendered keeps the public record (the proto a service answers with) of recently
// shown rows under that stamp, so a page or a detail whose rows did not change since
// they were last shown is answered from memory (a list with each record's bytes as kept)
// instead of read from PostgreSQL and parsed again; a row whose stamp moved is read again. Nothing here expires by time: a record
// is exactly as fresh as the index that lists it (this replica's own writes at once,
// others' at the index's next refresh).
//
// A record that shows something computed from the date (an event's `past`) is kept for
// one day only: its callers pass the day as `era`, and a new era drops every record.
//
// Bounded: at most `capacity` records (RENDERED_RECORDS, default 1,024 per kind of
// record; 0 turns it off), the least recently shown dropped first.
#pragma once
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <google/protobuf/message.h>
#include <google/protobuf/unknown_field_set.h>

#include "core/metrics.h"
#include "core/paging.h"
#include "search/live_index.h"

namespace civic::search {

/// RENDERED_RECORDS from the environment (default 1,024; 0 keeps none).
size_t rendered_capacity();

/// Appends `items` (a page of kept records) to `list`'s repeated message field numbered
/// `field_number` as the bytes they were kept as, without building a copy of each record:
/// in this process they sit in `list`'s unknown field set, which is serialised after its
/// known fields, so whoever parses the answer (the gateway, the portal's fan-out) reads
/// them as the field's elements, in order. Only for an answer that is sent, never read,
/// here.
template <typename Shared>
void append_kept(google::protobuf::Message* list, int field_number, const std::vector<Shared>& items) {
  auto* unknown = list->GetReflection()->MutableUnknownFields(list);
  for (const auto& item : items) unknown->AddLengthDelimited(field_number, item->wire);
}

template <typename Record>
class Rendered {
 public:
  /// A record as shown, and its bytes on the wire (serialised once, when kept).
  struct Item {
    Record record;
    std::string wire;
  };
  using Shared = std::shared_ptr<const Item>;
  /// Hits and misses are counted as civic_search_rendered_total{index=name,outcome}.
  explicit Rendered(const std::string& name, size_t capacity = rendered_capacity())
      : capacity_(capacity),
        hits_(&family().Add({{"index", name}, {"outcome", "hit"}})),
        misses_(&family().Add({{"index", name}, {"outcome", "miss"}})) {}
  Rendered(const Rendered&) = delete;
  Rendered& operator=(const Rendered&) = delete;

  /// The records of `page` in its order: those kept at the stamp the index gave, the
  /// others from `load(ids)`, which reads and renders them (published ones only: a row
  /// gone since the index looked is left out; any order), kept for the next time.
  template <typename Load>
  std::vector<Shared> page(const Page& page, Load&& load, int64_t era = 0) {
    std::vector<Shared> out(page.ids.size());
    std::vector<std::string> missing;
    {
      std::lock_guard lock(mutex_);
      enter(era);
      for (size_t i = 0; i < page.ids.size(); ++i)
        if (!(out[i] = find(page.ids[i], page.stamps[i], era))) missing.push_back(page.ids[i]);
    }
    hits_->Increment(double(page.ids.size() - missing.size()));
    if (!missing.empty()) {
      misses_->Increment(double(missing.size()));
      std::unordered_map<std::string, Shared> loaded;
      for (auto& record : load(missing)) {
        std::string id = record.id();
        loaded.emplace(std::move(id), make(std::move(record)));
      }
      std::lock_guard lock(mutex_);
      for (size_t i = 0; i < page.ids.size(); ++i) {
        if (out[i]) continue;
        auto it = loaded.find(page.ids[i]);
        if (it == loaded.end()) {  // not shown any more: what was kept of it goes too
          drop(page.ids[i]);
          continue;
        }
        out[i] = it->second;
        keep(page.ids[i], page.stamps[i], era, it->second);
      }
    }
    std::erase(out, nullptr);
    return out;
  }

  /// A public list's answer: the records of `found` (page() with `load`) in `list`'s
  /// `items` as their kept bytes (append_kept), its `total_size` and `next_page_token`.
  template <typename List, typename Load>
  void answer(const paging::Page& page, const Page& found, List* list, Load&& load, int64_t era = 0) {
    static const int items = List::descriptor()->FindFieldByName("items")->number();  // once per list type
    append_kept(list, items, this->page(found, std::forward<Load>(load), era));
    list->set_total_size(int32_t(found.total));
    list->set_next_page_token(paging::next_token(page, found.ids.size(), found.total));
  }

  /// A detail: `out` copied from the record kept for `id` at `stamp` (the index's; nullopt
  /// for a row it does not list, or for a caller shown more than the public record), else
  /// `read(out)`, whose result (a status with ok(), default-constructed as success) is
  /// returned, and an ok record kept at `stamp`.
  template <typename Read>
  auto detail(const std::string& id, std::optional<int64_t> stamp, Record* out, Read&& read, int64_t era = 0)
      -> decltype(read(out)) {
    if (stamp)
      if (Shared kept = get(id, *stamp, era)) {
        *out = kept->record;
        return {};
      }
    auto result = read(out);
    if (stamp && result.ok()) put(id, *stamp, *out, era);
    if (stamp && !result.ok()) {
      std::lock_guard lock(mutex_);
      drop(id);
    }
    return result;
  }

  /// The record of `id` if kept at `stamp` (in `era`).
  Shared get(const std::string& id, int64_t stamp, int64_t era = 0) {
    std::lock_guard lock(mutex_);
    enter(era);
    Shared found = find(id, stamp, era);
    (found ? hits_ : misses_)->Increment();
    return found;
  }
  /// Keeps `record` as `id`'s at `stamp` (read after the index gave that stamp) in `era`.
  void put(const std::string& id, int64_t stamp, Record record, int64_t era = 0) {
    Shared item = make(std::move(record));
    std::lock_guard lock(mutex_);
    keep(id, stamp, era, std::move(item));
  }

  size_t size() const {
    std::lock_guard lock(mutex_);
    return by_id_.size();
  }

 private:
  struct Entry {
    std::string id;
    int64_t stamp;
    Shared item;
  };
  using Order = std::list<Entry>;  // most recently shown first

  static Shared make(Record record) {
    std::string wire = record.SerializeAsString();
    return std::make_shared<const Item>(Item{std::move(record), std::move(wire)});
  }

  static prometheus::Family<prometheus::Counter>& family() {
    return metrics::counter("civic_search_rendered_total",
                            "Public records shown from memory (hit) or read from the database (miss).");
  }

  // The lock is held for these. A later era drops everything; an earlier one (a call that
  // began before the era changed) neither finds nor keeps anything.
  void enter(int64_t era) {
    if (era <= era_) return;
    era_ = era;
    order_.clear();
    by_id_.clear();
  }
  Shared find(const std::string& id, int64_t stamp, int64_t era) {
    if (era != era_) return nullptr;
    auto it = by_id_.find(id);
    if (it == by_id_.end() || it->second->stamp != stamp) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->item;
  }
  void drop(const std::string& id) {
    if (auto it = by_id_.find(id); it != by_id_.end()) {
      order_.erase(it->second);
      by_id_.erase(it);
    }
  }
  void keep(const std::string& id, int64_t stamp, int64_t era, Shared item) {
    if (era != era_) return;
    if (auto it = by_id_.find(id); it != by_id_.end()) {
      it->second->stamp = stamp;
      it->second->item = std::move(item);
      order_.splice(order_.begin(), order_, it->second);
      return;
    }
    if (capacity_ == 0) return;
    if (by_id_.size() >= capacity_) {
      by_id_.erase(order_.back().id);
      order_.pop_back();
    }
    order_.push_front({id, stamp, std::move(item)});
    by_id_.emplace(id, order_.begin());
  }

  const size_t capacity_;
  prometheus::Counter* hits_;
  prometheus::Counter* misses_;
  mutable std::mutex mutex_;
  int64_t era_ = 0;
  Order order_;
  std::unordered_map<std::string, typename Order::iterator> by_id_;
};

} // namespace civic::search
