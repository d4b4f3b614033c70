#include <catch2/catch.hpp>

#include <algorithm>

#include "text/text.h"

using namespace civic;

namespace {
bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// What the store does: every query gram among the row's grams, every term a substring.
bool matches(const std::string& document, const std::string& keyword) {
  auto grams = text::index_grams({document});
  auto hay = text::search_text({document});
  auto q = text::query(keyword);
  if (q.empty()) return false;
  for (const auto& g : q.grams)
    if (!has(grams, g)) return false;
  for (const auto& t : q.terms)
    if (hay.find(t) == std::string::npos) return false;
  return true;
}
} // namespace

TEST_CASE("normalisation folds width, half-width kana and case, and tidies white space", "[unit]") {
  CHECK(text::normalize("ＮＰＯ法人　やまぐち") == "npo法人 やまぐち");
  CHECK(text::normalize("ﾎﾞﾗﾝﾃｨｱ") == "ボランティア");
  CHECK(text::normalize("  Ｙａｍａｇｕｃｈｉ\t\n 123 ") == "yamaguchi 123");
  CHECK(text::normalize("a\x01" "b\xE2\x80\x8B" "c") == "abc");  // control and zero-width format characters go
  CHECK(text::normalize("\xC3\x28") == "(");                      // an invalid byte is dropped
}

TEST_CASE("index grams are the distinct 1- and 2-grams, never across a space or a part", "[unit]") {
  auto grams = text::index_grams({"山口 市", "ab"});
  CHECK(grams == std::vector<std::string>{"a", "ab", "b", "口", "山", "山口", "市"});
  CHECK_FALSE(has(grams, "口市"));
  CHECK_FALSE(has(grams, "市a"));
}

TEST_CASE("keywords of one, two and more characters find true substrings only", "[unit]") {
  std::string org = "NPO法人 山口ボランティアネットワーク";
  CHECK(matches(org, "山"));
  CHECK(matches(org, "山口"));
  CHECK(matches(org, "ボランティア"));
  CHECK(matches(org, "ﾎﾞﾗﾝﾃｨｱ"));            // half-width katakana query
  CHECK(matches(org, "ｎｐｏ"));              // full-width, other case
  CHECK(matches(org, "山口 ネットワーク"));   // two terms, both required
  CHECK_FALSE(matches(org, "山口 下関"));
  CHECK_FALSE(matches(org, "口山"));
  CHECK_FALSE(matches(org, "ボラティア"));
  CHECK_FALSE(matches("abcab", "cabc"));        // every bigram is there, the term is not: the recheck decides
  CHECK(text::query("   ").empty());
  auto q = text::query("100%_達成 山口");
  REQUIRE(q.like_patterns.size() == 1);  // "山口" needs no recheck: its bigram says it all
  CHECK(q.like_patterns[0] == "%100\\%\\_達成%");
}
