// [unit] search::Rendered: public records kept per row stamp (ADR 0027).
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "civic/grants.pb.h"
#include "search/rendered.h"

using namespace civic;

namespace {
struct Record {
  std::string id_, text;
  const std::string& id() const { return id_; }
  std::string SerializeAsString() const { return id_ + "=" + text; }
};

// A page of `ids` at `stamps`, as LiveIndex::search gives it.
search::Page page_of(std::vector<std::string> ids, std::vector<int64_t> stamps) {
  search::Page p;
  p.ids = std::move(ids);
  p.stamps = std::move(stamps);
  p.total = int64_t(p.ids.size());
  return p;
}

// A loader over a "table" of id -> text that records which ids it was asked for.
struct Table {
  std::map<std::string, std::string> rows;
  std::vector<std::vector<std::string>> asked;
  std::vector<Record> operator()(const std::vector<std::string>& ids) {
    asked.push_back(ids);
    std::vector<Record> out;
    for (auto it = ids.rbegin(); it != ids.rend(); ++it)  // any order
      if (rows.count(*it)) out.push_back({*it, rows[*it]});
    return out;
  }
};

std::vector<std::string> texts(const std::vector<search::Rendered<Record>::Shared>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r->record.text);
  return out;
}

struct Status {
  bool good = true;
  bool ok() const { return good; }
};
} // namespace

TEST_CASE("rendered records: a page reads only the rows whose stamp moved, in the page's order", "[unit]") {
  search::Rendered<Record> rendered("test", 8);
  Table table{{{"a", "A1"}, {"b", "B1"}, {"c", "C1"}}, {}};
  auto load = [&](const std::vector<std::string>& ids) { return table(ids); };

  CHECK(texts(rendered.page(page_of({"a", "b", "c"}, {1, 1, 1}), load)) == std::vector<std::string>{"A1", "B1", "C1"});
  CHECK(table.asked == std::vector<std::vector<std::string>>{{"a", "b", "c"}});

  // The same stamps: nothing is read.
  CHECK(texts(rendered.page(page_of({"c", "a"}, {1, 1}), load)) == std::vector<std::string>{"C1", "A1"});
  CHECK(table.asked.size() == 1);

  // b was written (its stamp moved): only b is read again, and shown as it is now.
  table.rows["b"] = "B2";
  CHECK(texts(rendered.page(page_of({"a", "b", "c"}, {1, 2, 1}), load)) == std::vector<std::string>{"A1", "B2", "C1"});
  CHECK(table.asked.back() == std::vector<std::string>{"b"});

  // A row unpublished since the index looked is left out, and not kept.
  table.rows.erase("c");
  CHECK(texts(rendered.page(page_of({"a", "c"}, {1, 3}), load)) == std::vector<std::string>{"A1"});
  CHECK(table.asked.back() == std::vector<std::string>{"c"});
  CHECK(rendered.get("c", 3) == nullptr);
  CHECK(rendered.get("c", 1) == nullptr);  // what was kept of it went too
  CHECK(rendered.get("a", 1)->record.text == "A1");
  CHECK(rendered.get("a", 1)->wire == "a=A1");  // serialised once, when kept
  CHECK(rendered.get("a", 2) == nullptr);  // another stamp is another record
}

TEST_CASE("rendered records: at most `capacity`, the least recently shown dropped first, and 0 keeps none", "[unit]") {
  search::Rendered<Record> rendered("test", 2);
  Table table{{{"a", "A"}, {"b", "B"}, {"c", "C"}}, {}};
  auto load = [&](const std::vector<std::string>& ids) { return table(ids); };
  rendered.page(page_of({"a", "b"}, {1, 1}), load);
  CHECK(rendered.get("a", 1) != nullptr);  // a is now the most recently shown
  rendered.page(page_of({"c"}, {1}), load);
  CHECK(rendered.size() == 2);
  CHECK(rendered.get("b", 1) == nullptr);  // dropped
  CHECK(rendered.get("a", 1) != nullptr);
  CHECK(rendered.get("c", 1) != nullptr);

  search::Rendered<Record> none("test", 0);
  none.page(page_of({"a"}, {1}), load);
  none.page(page_of({"a"}, {1}), load);
  CHECK(none.size() == 0);
  CHECK(table.asked.size() == 4);  // a+b, c, a, a: every page of `none` is read
}

TEST_CASE("rendered records: a new era drops what was kept, a call of an earlier era keeps nothing", "[unit]") {
  search::Rendered<Record> rendered("test", 8);
  Table table{{{"a", "coming"}}, {}};
  auto load = [&](const std::vector<std::string>& ids) { return table(ids); };
  rendered.page(page_of({"a"}, {1}), load, 100);
  CHECK(rendered.get("a", 1, 100)->record.text == "coming");
  table.rows["a"] = "past";  // the same row, but what it shows depends on the day
  CHECK(texts(rendered.page(page_of({"a"}, {1}), load, 101)) == std::vector<std::string>{"past"});
  CHECK(rendered.get("a", 1, 101)->record.text == "past");
  rendered.put("a", 1, {"a", "stale"}, 100);  // rendered before midnight, arriving after
  CHECK(rendered.get("a", 1, 101)->record.text == "past");
  CHECK(rendered.get("a", 1, 100) == nullptr);
}

TEST_CASE("rendered records: a detail is kept only when listed and read successfully", "[unit]") {
  search::Rendered<Record> rendered("test", 8);
  int reads = 0;
  auto read_ok = [&](Record* out) {
    ++reads;
    *out = {"a", "A"};
    return Status{true};
  };
  Record out;
  CHECK(rendered.detail("a", std::nullopt, &out, read_ok).ok());  // not listed, or a caller shown more
  CHECK(rendered.detail("a", std::nullopt, &out, read_ok).ok());
  CHECK(reads == 2);
  CHECK(rendered.size() == 0);

  auto read_missing = [&](Record*) {
    ++reads;
    return Status{false};
  };
  CHECK_FALSE(rendered.detail("a", 7, &out, read_missing).ok());
  CHECK(rendered.size() == 0);

  out = {};
  CHECK(rendered.detail("a", 7, &out, read_ok).ok());
  CHECK(out.text == "A");
  out = {};
  CHECK(rendered.detail("a", 7, &out, read_missing).ok());  // from memory: not read
  CHECK(out.text == "A");
  CHECK(reads == 4);
  CHECK_FALSE(rendered.detail("a", 8, &out, read_missing).ok());  // the row changed: read again
  CHECK(reads == 5);
}

TEST_CASE("rendered records: a page appended as its kept bytes is read as the list's elements, in order", "[unit]") {
  search::Rendered<civic::grants::Grant> rendered("test", 8);
  std::vector<civic::grants::Grant> table(3);
  for (int i = 0; i < 3; ++i) {
    table[size_t(i)].set_id("id" + std::to_string(i));
    table[size_t(i)].set_name("萩の助成 " + std::to_string(i));
    table[size_t(i)].add_fields("f0" + std::to_string(i));
  }
  auto items = rendered.page(page_of({"id2", "id0", "id1"}, {1, 1, 1}), [&](const std::vector<std::string>&) { return table; });
  civic::grants::ListGrantsResponse list;
  list.set_total_size(3);
  list.set_next_page_token("next");
  search::append_kept(&list, civic::grants::ListGrantsResponse::kItemsFieldNumber, items);
  civic::grants::ListGrantsResponse read;
  REQUIRE(read.ParseFromString(list.SerializeAsString()));
  REQUIRE(read.items_size() == 3);
  CHECK(read.items(0).name() == "萩の助成 2");
  CHECK(read.items(1).id() == "id0");
  CHECK(read.items(2).fields(0) == "f01");
  CHECK(read.total_size() == 3);
  CHECK(read.next_page_token() == "next");
}
