// [unit] the import's input layer (issue 15 items 2, 6, 7): CSV as it really comes, in
// UTF-8 or CP932, the values people typed, the mapping and the report.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "import/csv.h"
#include "import/mapping.h"
#include "import/report.h"
#include "import/values.h"

using namespace civic::import;

namespace {
std::vector<std::vector<std::string>> fields_of(const std::vector<Record>& records) {
  std::vector<std::vector<std::string>> out;
  for (const auto& r : records) out.push_back(r.fields);
  return out;
}
// "山口県,表,ソ" and "下関市,\"萩, 長門\"" in CP932 (表 and ソ end in 0x5C, a backslash).
const std::string kCp932 =
    "\x8E\x52\x8C\xFB\x8C\xA7,\x95\x5C,\x83\x5C\r\n"
    "\x89\xBA\x8A\xD6\x8E\x73,\"\x94\x8B,\x20\x92\xB7\x96\xE5\"\r\n";
} // namespace

TEST_CASE("CSV records follow RFC 4180: quoted commas, line breaks and doubled quotes", "[unit]") {
  auto records = read_csv("id,name,note\r\n1,\"Hagi, Nagato\",\"said \"\"hello\"\"\"\n2,plain,\"two\nlines\"\r\n\r\n3,,last", Encoding::utf8);
  CHECK(fields_of(records) == std::vector<std::vector<std::string>>{{"id", "name", "note"},
                                                                      {"1", "Hagi, Nagato", "said \"hello\""},
                                                                      {"2", "plain", "two\nlines"},
                                                                      {"3", "", "last"}});
  CHECK(records[3].line == 6);  // the line it starts on, the quoted break and the blank line counted
  for (const auto& r : records) CHECK(r.error.empty());
}

TEST_CASE("a malformed CSV record is rejected with its line, and the others are read", "[unit]") {
  auto records = read_csv("1,\"open\" tail,x\n2,fine\n3,\"never closed\n", Encoding::utf8);
  REQUIRE(records.size() == 3);
  CHECK(records[0].error.find("引用符") != std::string::npos);
  CHECK(records[1].error.empty());
  CHECK(records[1].fields == std::vector<std::string>{"2", "fine"});
  CHECK(records[2].line == 3);
  CHECK(records[2].error.find("閉じられていません") != std::string::npos);
}

TEST_CASE("UTF-8 with or without BOM and CP932 as Excel writes it read the same", "[unit]") {
  std::string utf8 = "山口県,表,ソ\r\n下関市,\"萩, 長門\"\r\n";
  auto expected = std::vector<std::vector<std::string>>{{"山口県", "表", "ソ"}, {"下関市", "萩, 長門"}};
  CHECK(fields_of(read_csv(utf8, Encoding::utf8)) == expected);
  CHECK(fields_of(read_csv("\xEF\xBB\xBF" + utf8, Encoding::utf8)) == expected);
  CHECK(fields_of(read_csv(kCp932, Encoding::cp932)) == expected);
  CHECK(to_utf8("\x87\x40", Encoding::cp932) == "①");  // NEC special characters are CP932's
}

TEST_CASE("the encoding is detected and said, or left to the operator, never guessed", "[unit]") {
  Detection bom = detect("\xEF\xBB\xBFid,名前\n");
  CHECK(bom.encoding == Encoding::utf8);
  CHECK(bom.reason.find("BOM") != std::string::npos);
  CHECK(detect("山口県,萩市\n").encoding == Encoding::utf8);
  Detection sjis = detect(kCp932);
  CHECK(sjis.encoding == Encoding::cp932);
  CHECK(sjis.reason.find("CP932") != std::string::npos);
  // Neither: a lone 0x80 is no character in either.
  Detection neither = detect("id,name\n1,\x80\x80\x80\n2,\xFF\xFE\n");
  CHECK_FALSE(neither.encoding);
  CHECK(neither.reason.find("--encoding") != std::string::npos);
  CHECK(encoding_named("Shift_JIS") == Encoding::cp932);
  CHECK(encoding_named("UTF-8") == Encoding::utf8);
  CHECK_FALSE(encoding_named("euc-jp"));
}

TEST_CASE("a broken byte in a UTF-8 file rejects its record only", "[unit]") {
  std::string text;
  for (int i = 0; i < 30; ++i) text += std::to_string(i) + ",萩市の団体\n";
  text += "30,壊れた\xE3\x81\n";
  CHECK(detect(text).encoding == Encoding::utf8);  // 30 of 31 lines are fine
  auto records = read_csv(text, Encoding::utf8);
  REQUIRE(records.size() == 31);
  CHECK(records[29].error.empty());
  CHECK(records[30].error.find("文字コード") != std::string::npos);
  CHECK(records[30].line == 31);
  CHECK_FALSE(to_utf8("\x81", Encoding::cp932));  // a lead byte alone: nothing is replaced silently
}

TEST_CASE("phone numbers and postal codes as people typed them", "[unit]") {
  CHECK(phone("０８３－９２２－３１１１").value == "083-922-3111");
  CHECK(phone("（０８３）９２２ー３１１１").value == "083-922-3111");
  CHECK(phone("083 922 3111").value == "083-922-3111");
  CHECK(phone("09012345678").value == "09012345678");
  CHECK(phone("083‐922‐3111").value == "083-922-3111");
  CHECK_FALSE(phone("922-3111").value);     // no area code
  CHECK_FALSE(phone("083-922-3111 内線5").value);
  CHECK(phone("tel").reason.find("数字") != std::string::npos);
  CHECK(postal_code("〒７５３－００７４").value == "753-0074");
  CHECK(postal_code("7530074").value == "753-0074");
  CHECK_FALSE(postal_code("753-00741").value);
  CHECK_FALSE(postal_code("75-30074").value);
}

TEST_CASE("dates in western and wareki forms, checked against the calendar and the eras", "[unit]") {
  CHECK(date("2015-04-01").value == "2015-04-01");
  CHECK(date("2015/4/1").value == "2015-04-01");
  CHECK(date("２０１５年４月１日").value == "2015-04-01");
  CHECK(date("平成27年4月1日").value == "2015-04-01");
  CHECK(date("H27.4.1").value == "2015-04-01");
  CHECK(date("令和元年5月1日").value == "2019-05-01");
  CHECK(date("平成31年4月30日").value == "2019-04-30");
  CHECK(date("昭和64年1月7日").value == "1989-01-07");
  CHECK(date("㍻元年1月8日").value == "1989-01-08");
  CHECK_FALSE(date("平成31年5月1日").value);  // 令和 by then
  CHECK_FALSE(date("昭和64年1月8日").value);  // 平成 by then
  CHECK_FALSE(date("令和元年4月30日").value);  // still 平成
  CHECK_FALSE(date("2015-02-29").value);
  CHECK(date("2015-02-29").reason == "存在しない日付です");
  CHECK_FALSE(date("4/1/2015").value);  // month or day first: ambiguous, refused
  CHECK_FALSE(date("").value);
}

TEST_CASE("a mapping turns a record into fields: labels to codes, defaults, normalised types", "[unit]") {
  Mapping m;
  m.entity = "subscribers";
  m.columns = {{"legacy_id", "会員ID"}, {"site", "サイト"}, {"subscribed_at", "登録日"}, {"phone", "電話"}};
  m.defaults = {{"site", "supernet"}};
  m.values = {{"site", {{"あいかさねっと", "aikasanet"}}}};
  m.types = {{"subscribed_at", "date"}, {"phone", "phone"}};
  std::map<std::string, size_t> header = {{"会員ID", 0}, {"サイト", 1}, {"登録日", 2}, {"電話", 3}};

  Row ok = map_row(m, header, {" m1 ", "あいかさねっと", "平成27年4月1日", "０８３－９２２－３１１１"});
  CHECK(ok.problems.empty());
  CHECK(ok.fields == std::map<std::string, std::string>{
                         {"legacy_id", "m1"}, {"site", "aikasanet"}, {"subscribed_at", "2015-04-01"}, {"phone", "083-922-3111"}});
  CHECK(ok.changed == std::vector<std::string>{"phone", "subscribed_at"});
  CHECK(ok.given["subscribed_at"] == "平成27年4月1日");

  Row defaults = map_row(m, header, {"m2", "", "2015-04-01 10:20:30", ""});
  CHECK(defaults.problems.empty());
  CHECK(defaults.fields["site"] == "supernet");
  CHECK(defaults.fields["subscribed_at"] == "2015-04-01 10:20:30");  // a time is kept as it is
  CHECK(defaults.changed.empty());

  Row bad = map_row(m, header, {"m3", "火星ネット", "平成32年1月1日"});  // a short record: 電話 is empty
  REQUIRE(bad.problems.size() == 2);
  CHECK(bad.problems[0].first == "site");
  CHECK(bad.problems[0].second.find("火星ネット") != std::string::npos);
  CHECK(bad.problems[1].first == "subscribed_at");
}

TEST_CASE("a mapping's lists, counts, HTML and constants: WordPress terms and posts as the services take them",
          "[unit]") {
  Mapping m;
  m.entity = "grants";
  m.columns = {{"meta.legacy_id", "ID"}, {"grant.fields", "terms:grant_field"}, {"grant.purpose", "post_content"},
               {"report.headcount", "meta:headcount"}, {"meta.created_at", "post_date"}};
  m.defaults = {{"meta.state", "published"}};  // no column: a constant
  m.values = {{"grant.fields", {{"保健・医療・福祉", "f01"}, {"まちづくり", "f03"}}}};
  m.types = {{"grant.fields", "list"}, {"grant.purpose", "html"}, {"report.headcount", "int"}, {"meta.created_at", "date"}};
  std::map<std::string, size_t> header = {{"ID", 0}, {"terms:grant_field", 1}, {"post_content", 2},
                                          {"meta:headcount", 3}, {"post_date", 4}};
  Row ok = map_row(m, header, {"701", "保健・医療・福祉|まちづくり、保健・医療・福祉",
                               "<!-- wp:paragraph --><p>一行目<br>二行目 &amp; &lt;三&gt;</p><p></p><p>次の段落</p>",
                               "１，２００", "0000-00-00 00:00:00"});
  CHECK(ok.problems.empty());
  CHECK(ok.fields["grant.fields"] == std::string("f01") + kListSeparator + "f03");  // each once, in order
  CHECK(ok.fields["grant.purpose"] == "一行目\n二行目 & <三>\n\n次の段落");
  CHECK(ok.fields["report.headcount"] == "1200");
  CHECK(ok.fields["meta.created_at"].empty());  // WordPress's "no date"
  CHECK(ok.fields["meta.state"] == "published");

  Row bad = map_row(m, header, {"702", "まちづくり|宇宙開発", "", "たくさん", ""});
  REQUIRE(bad.problems.size() == 2);
  CHECK(bad.problems[0].first == "grant.fields");
  CHECK(bad.problems[0].second.find("宇宙開発") != std::string::npos);
  CHECK(bad.problems[1] == std::pair<std::string, std::string>{"report.headcount", "数字で入力してください"});

  // A service names its own field ("name" of ImportGrant); the report names the mapping's.
  CHECK(field_of(m, "purpose") == "grant.purpose");
  CHECK(field_of(m, "meta.legacy_id") == "meta.legacy_id");
  CHECK(field_of(m, "unknown") == "unknown");
}

TEST_CASE("HTML of WordPress posts becomes plain text, nothing of the markup left", "[unit]") {
  CHECK(html_to_text("<h2>見出し</h2>\n<ul><li>一</li><li>二</li></ul>") == "見出し\n\n一\n二");
  CHECK(html_to_text("<script>alert(1)</script>本文") == "alert(1)本文");  // tags go; text stays text
  CHECK(html_to_text("a < b and <!-- never closed") == "a < b and <!-- never closed");  // text, not markup
  CHECK(html_to_text("&amp;lt;") == "&lt;");
  CHECK(integer("０１２").value == "12");
  CHECK_FALSE(integer("-3").value);
  CHECK_FALSE(integer("1234567890").value);
}

TEST_CASE("mappings load in order with shared label tables, and a bad one is refused naming its file", "[unit]") {
  auto dir = std::filesystem::temp_directory_path() / ("mappings-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "values");
  std::ofstream(dir / "values" / "towns.json") << R"({"下関市": "shimonoseki"})";
  std::ofstream(dir / "b.json") << R"({"entity": "events", "order": 2, "call": "civic.x.Y/Z",
    "table": {"name": "wp_posts", "id": "ID", "where": {"post_type": ["event"]}, "terms": "wp_"},
    "columns": {"meta.legacy_id": "ID", "event.municipality": "meta:town"},
    "values": {"event.municipality": "@towns"}})";
  std::ofstream(dir / "a.json") << R"({"entity": "accounts", "order": 1, "call": "civic.x.Y/Z", "file": "u.csv",
    "columns": {"meta.legacy_id": "ID"}})";
  auto loaded = load_mappings(dir.string());
  REQUIRE(loaded.size() == 2);
  CHECK(loaded[0].name == "a");
  CHECK_FALSE(loaded[0].from_dump());
  CHECK(loaded[1].table.where.at("post_type") == std::vector<std::string>{"event"});
  CHECK(loaded[1].values.at("event.municipality").at("下関市") == "shimonoseki");

  for (const char* bad : {
           R"({"entity": "x", "call": "c", "file": "u.csv", "table": {"name": "t", "id": "ID"}, "columns": {"meta.legacy_id": "ID"}})",
           R"({"entity": "x", "call": "c", "table": {"name": "t; DROP TABLE x", "id": "ID"}, "columns": {"meta.legacy_id": "ID"}})",
           R"({"entity": "x", "call": "c", "file": "u.csv", "columns": {"name": "N"}})",
           R"({"entity": "x", "call": "c", "file": "u.csv", "columns": {"meta.legacy_id": "ID"}, "types": {"meta.legacy_id": "money"}})"}) {
    std::ofstream(dir / "c.json") << bad;
    INFO(bad);
    CHECK_THROWS_WITH(load_mappings(dir.string()), Catch::Contains("c.json"));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("the report lists refused and changed rows, then the counts, as Excel-safe CSV", "[unit]") {
  Report r;
  r.counts("accounts").read = 2;
  r.counts("accounts").rejected = 1;
  r.rejected("accounts", "ユーザー.csv:4", "903", "login_id", "形式が正しくありません", "=HYPERLINK(\"x\")");
  r.changed("accounts", "ユーザー.csv:3", "902", "created_at", "平成28年5月1日", "2016-05-01");
  std::string csv = r.csv();
  CHECK(csv.rfind("\xEF\xBB\xBF", 0) == 0);
  CHECK(csv.find("却下,accounts,ユーザー.csv:4,903,login_id,形式が正しくありません,\"'=HYPERLINK(\"\"x\"\")\"") !=
        std::string::npos);  // a formula is neutralised
  CHECK(csv.find("変更,accounts,ユーザー.csv:3,902,created_at") != std::string::npos);
  CHECK(csv.find("accounts,2,0,0,0,1") != std::string::npos);
  CHECK(r.summary() == "accounts: read 2, created 0, updated 0, unchanged 0, rejected 1\n");
}
