#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "search/live_index.h"
#include "text/index.h"
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

TEST_CASE("the in-memory index finds true substrings of any length and follows updates", "[unit]") {
  text::Index index;
  auto put = [&](text::Index::Doc d, std::vector<std::string_view> parts) { index.put(d, text::search_text(parts)); };
  put(0, {"萩ボランティア協会", "子ども食堂の運営"});
  put(1, {"下関まちづくりの会", "ＮＰＯ支援"});
  put(2, {"萩の子ども会"});
  auto find = [&](std::string_view q) { return index.match(text::query(q).terms); };
  using Docs = std::vector<text::Index::Doc>;
  CHECK(find("萩") == Docs{0, 2});
  CHECK(find("ﾎﾞﾗﾝﾃｨｱ") == Docs{0});
  CHECK(find("子ども食堂") == Docs{0});  // 子ども in 2, but not the whole term
  CHECK(find("npo") == Docs{1});
  CHECK(find("萩 子ども") == Docs{0, 2});
  CHECK(find("会の運") == Docs{});        // characters present, in another order
  CHECK(find("協会 運営").size() == 1);
  CHECK(find("協会子").empty());            // never across two parts
  CHECK(find("鷺").empty());                 // a character nobody has
  CHECK(index.match({}) == Docs{0, 1, 2});

  put(1, {"萩まちづくりの会"});  // replaced: the old text is gone
  CHECK(find("萩") == Docs{0, 1, 2});
  CHECK(find("下関").empty());
  index.remove(0);
  index.remove(0);  // twice is harmless
  CHECK(find("萩") == Docs{1, 2});
  CHECK(index.size() == 2);
  put(7, {"周南の会"});  // sparse and out of order
  put(5, {"周南市民の会"});
  CHECK(find("周南") == Docs{5, 7});
}

TEST_CASE("one-character terms are answered by their lists, repeated characters still need the text", "[unit]") {
  text::Index index;
  index.put(0, text::search_text({"ああ会"}));
  index.put(1, text::search_text({"あい会"}));
  auto find = [&](std::string_view q) { return index.match(text::query(q).terms); };
  using Docs = std::vector<text::Index::Doc>;
  CHECK(find("ああ") == Docs{0});     // one distinct character, two in the term
  CHECK(find("あ 会") == Docs{0, 1});
  CHECK(find("い あ") == Docs{1});
  CHECK(find("会会").empty());
}

TEST_CASE("substrings are found at every place of long texts, and texts survive compaction", "[unit]") {
  // The confirmation tests 16 places at a time, then the rest one by one: put the term
  // at every offset of texts longer and shorter than 16 bytes, and near-misses beside it.
  text::Index index;
  const std::string filler = "あいうえおかきくけこさしすせそたちつてと";  // 60 bytes, none of the term's
  std::vector<text::Index::Doc> expected;
  for (text::Index::Doc d = 0; d < 40; ++d) {
    std::string before = filler.substr(0, size_t(d % 20) * 3), after = filler.substr(0, size_t(d / 2) * 3);
    bool hit = d % 3 != 0;
    // A near-miss shares the term's first and last byte: 萩 and 会 are E8 90 A9 / E4 BC 9A,
    // 葉 (E8 91 89) ... 会 differs in the middle only.
    index.put(d, before + (hit ? "萩の会" : "葉の会") + after);
    if (hit) expected.push_back(d);
  }
  CHECK(index.match({"萩の会"}) == expected);
  CHECK(index.match({"ab"}).empty());
  index.put(40, "xab");
  index.put(41, "ab");
  index.put(42, "a");
  CHECK(index.match({"ab"}) == std::vector<text::Index::Doc>{40, 41});

  // Replacing a text again and again leaves garbage behind until it is compacted away.
  for (int round = 0; round < 3000; ++round) index.put(41, std::string(600, 'x') + "ab" + std::to_string(round));
  CHECK(index.match({"ab2999"}) == std::vector<text::Index::Doc>{41});
  CHECK(index.match({"ab2998"}).empty());
  CHECK(index.match({"萩の会"}) == expected);  // the others' texts moved intact
  CHECK(index.size() == 43);
}

TEST_CASE("common characters become bitmaps, rare ones stay lists, and every answer stays exact", "[unit][PERF-5]") {
  // 6,000 documents: 6 hiragana in nearly every text (bitmaps), 60 kanji each in under
  // 1 in 32 (lists). Then nearly all are removed and 11,000 texts of rare characters
  // added: when the number of documents has doubled, the hiragana are lists again.
  // Every answer, in every phase, is checked against a scan of the texts.
  const std::vector<std::string> common = {"の", "会", "い", "る", "し", "た"};
  std::vector<std::string> rare;
  for (char32_t c = 0x5000; c < 0x503C; ++c)  // 60 kanji, 3 bytes of UTF-8 each
    rare.push_back({char(0xE0 | (c >> 12)), char(0x80 | ((c >> 6) & 0x3F)), char(0x80 | (c & 0x3F))});
  std::mt19937 random(12345);
  auto next = [&] { return random(); };
  auto pick = [&](const std::vector<std::string>& from) { return from[next() % from.size()]; };
  std::vector<std::string> texts;
  std::vector<bool> present;
  text::Index index;
  auto add = [&](std::string t) {
    texts.push_back(std::move(t));
    present.push_back(true);
    index.put(text::Index::Doc(texts.size() - 1), texts.back());
  };
  auto check = [&](const std::vector<std::string>& terms) {
    std::vector<text::Index::Doc> expected;
    for (text::Index::Doc d = 0; d < texts.size(); ++d)
      if (present[d] &&
          std::all_of(terms.begin(), terms.end(), [&](const auto& t) { return texts[d].find(t) != std::string::npos; }))
        expected.push_back(d);
    CHECK(index.match(terms) == expected);
  };
  auto queries = [&] {
    for (int q = 0; q < 80; ++q) {
      std::vector<std::string> terms;
      for (int k = 0; k <= q % 3; ++k) {
        const auto& from = next() % 2 == 0 ? common : rare;
        terms.push_back(pick(from) + (q % 4 == 0 ? pick(from) : ""));
      }
      check(terms);
    }
    check({"の"});
    check({"の", "会", "い"});
    check({rare[0]});
    check({rare[0], "の"});
  };

  for (int d = 0; d < 6000; ++d) {
    std::string t;
    for (int i = 0; i < 12; ++i) t += pick(next() % 12 == 0 ? rare : common);
    add(t);
  }
  CHECK(index.dense_characters() == common.size());
  queries();

  for (text::Index::Doc d = 0; d < 6000; ++d)
    if (d % 33 != 0) index.remove(d), present[d] = false;
  queries();
  for (int d = 6000; d < 17000; ++d) add(pick(rare) + pick(rare));
  CHECK(index.dense_characters() == 0);
  queries();
  for (text::Index::Doc d = 0; d < texts.size(); d += 7)
    if (present[d]) index.put(d, texts[d] = "の会" + texts[d]);  // replaced texts
  queries();
  check({"の会"});
}

TEST_CASE("variants: a term holding a dictionary word has every form of it, whatever form was typed", "[unit]") {
  text::Variants v({{"子供", "子ども", "こども"}, {"ＮＰＯ", "特定非営利活動法人"}, {"障害", "障がい", "障碍"}, {"孤立"}});
  using Forms = std::vector<std::string>;
  CHECK(v.forms("子ども") == Forms{"子ども", "子供", "こども"});  // the typed form first
  CHECK(v.forms("こども") == Forms{"こども", "子供", "子ども"});
  CHECK(v.forms("子供食堂") == Forms{"子供食堂", "子ども食堂", "こども食堂"});
  CHECK(v.forms("npo") == Forms{"npo", "特定非営利活動法人"});  // words are normalised: ＮＰＯ is npo
  CHECK(v.forms("孤立") == Forms{"孤立"});                      // a group of one word adds nothing
  CHECK(v.forms("防災") == Forms{"防災"});
  auto both = v.forms("障害のある子供");  // two words: every combination
  CHECK(both.size() == 9);
  CHECK(has(both, "障がいのあるこども"));
  CHECK(has(both, "障碍のある子ども"));
  text::Variants wide({{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}});
  CHECK(wide.forms("abc").size() == text::Variants::kMaxForms);  // bounded whatever the dictionary holds

  text::Query q = text::query("子ども　食堂", v);
  CHECK(q.terms == Forms{"食堂"});  // only the term without variants goes to grams and LIKE ALL
  REQUIRE(q.any_of.size() == 1);
  CHECK(q.any_of[0] == Forms{"子ども", "子供", "こども"});
  CHECK(!q.empty());
  CHECK(text::query("子ども").any_of.empty());  // no dictionary: as before
}

TEST_CASE("the in-memory index answers a term with variants by any of its forms", "[unit]") {
  text::Variants v({{"子供", "子ども", "こども"}, {"高齢者", "お年寄り"}});
  text::Index index;
  index.put(0, text::search_text({"子供食堂の運営"}));
  index.put(1, text::search_text({"こども食堂", "お年寄りの見守り"}));
  index.put(2, text::search_text({"子ども会"}));
  index.put(3, text::search_text({"食堂", "高齢者サロン"}));
  using Docs = std::vector<text::Index::Doc>;
  auto find = [&](std::string_view keyword, const text::Variants& with) {
    text::Query q = text::query(keyword, with);
    return index.match(q.terms, q.any_of);
  };
  CHECK(find("子供", {}) == Docs{0});
  CHECK(find("子供", v) == Docs{0, 1, 2});
  CHECK(find("子ども 食堂", v) == Docs{0, 1});
  CHECK(find("こども お年寄り", v) == Docs{1});
  CHECK(find("高齢者", v) == Docs{1, 3});
  CHECK(find("子ども 高齢者", v) == Docs{1});
  CHECK(find("子ども 図書館", v).empty());
}

TEST_CASE("a prefix of UTF-8 text never cuts a character in two", "[unit]") {
  CHECK(text::prefix("あいう", 2) == "あい");
  CHECK(text::prefix("aあb", 2) == "aあ");
  CHECK(text::prefix("abc", 10) == "abc");
  CHECK(text::prefix("", 3).empty());
  CHECK(text::prefix("😀x", 1) == "😀");  // four bytes, one character
}

TEST_CASE("the live index keeps ids as 16 bytes: canonical text round-trips, anything else is refused", "[unit][PERF-5]") {
  const std::string id = "0b9f3c1e-7a42-4d5e-9f00-ffa1b2c3d4e5";
  auto bytes = search::uuid_bytes(id);
  CHECK(bytes[0] == 0x0b);
  CHECK(bytes[15] == 0xe5);
  CHECK(search::uuid_text(bytes) == id);
  CHECK(search::uuid_text(search::uuid_bytes("0B9F3C1E-7A42-4D5E-9F00-FFA1B2C3D4E5")) == id);
  // Byte order is text order, so rows with the same position keep their order by id.
  CHECK(search::uuid_bytes("0b9f3c1e-7a42-4d5e-9f00-ffa1b2c3d4e5") < search::uuid_bytes("0b9f3c1e-7a42-4d5e-9f01-000000000000"));
  for (std::string bad : {"", "0b9f3c1e7a424d5e9f00ffa1b2c3d4e5", "0b9f3c1e-7a42-4d5e-9f00-ffa1b2c3d4e", "0b9f3c1e-7a42-4d5e-9f00-ffa1b2c3d4eg",
                          "0b9f3c1e-7a42-4d5e-9f00_ffa1b2c3d4e5", "0b9f3c1e-7a42-4d5e-9f00-ffa1b2c3d4e5 "})
    CHECK_THROWS_AS(search::uuid_bytes(bad), std::invalid_argument);
}
