// [unit] core: validation, crypto, TOTP (RFC 6238 vectors), masking.
#include <catch2/catch.hpp>

#include <set>

#include "core/config.h"
#include "core/crypto.h"
#include "core/csv.h"
#include "core/files.h"
#include "core/log.h"
#include "core/paging.h"
#include "core/time.h"
#include "core/totp.h"
#include "core/validation.h"

using namespace civic;

TEST_CASE("UTF-8 validation rejects overlongs, surrogates and truncated sequences", "[unit]") {
  CHECK(validation::valid_utf8("山口県 Yamaguchi"));
  CHECK_FALSE(validation::valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(validation::valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(validation::valid_utf8("\xE5\xB1"));          // truncated
  CHECK_FALSE(validation::valid_utf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  CHECK(validation::char_count("山口") == 2);
}

TEST_CASE("text fields report control characters, length and absence with both languages", "[unit]") {
  validation::Errors e;
  CHECK_FALSE(e.text("a", "", {.required = true}));
  CHECK_FALSE(e.text("b", "abc\x01", {}));
  CHECK_FALSE(e.text("c", std::string(201, 'x'), {.max_chars = 200}));
  CHECK(e.text("d", "line\nbreak", {.multiline = true}));
  CHECK_FALSE(e.text("e", "line\nbreak", {}));
  CHECK_FALSE(e.text("f", "\xC2\x85", {}));  // C1 control (NEL)
  REQUIRE(e.list().size() == 5);
  CHECK(e.list()[0].reason == "required");
  CHECK(e.list()[0].message == "必須項目です");
  CHECK(e.list()[1].reason == "control_characters");
  CHECK(e.list()[2].reason == "too_long");
  CHECK(e.list()[2].message_en == "must be at most 200 characters");
}

TEST_CASE("e-mail addresses are checked for shape and header-breaking characters", "[unit][SEC-7]") {
  CHECK(validation::is_email("taro.yamada@example.jp"));
  CHECK_FALSE(validation::is_email("taro@@example.jp"));
  CHECK_FALSE(validation::is_email("taro@example"));
  CHECK_FALSE(validation::is_email("taro@example.jp\r\nBcc: x@y.jp"));
  CHECK_FALSE(validation::is_email("ta ro@example.jp"));
  CHECK(validation::is_uuid("123e4567-e89b-42d3-a456-426614174000"));
  CHECK_FALSE(validation::is_uuid("123e4567e89b42d3a456426614174000"));
}

TEST_CASE("legacy Japanese carrier addresses with consecutive dots or a dot before the at sign are accepted there only",
          "[unit]") {
  // Real-world shapes still in use by residents (issue 18): docomo, au, SoftBank.
  for (const char* ok : {"taro..yamada@docomo.ne.jp", "hanako.@docomo.ne.jp", "yamaguchi...taro@ezweb.ne.jp",
                         "kenko-.-.-@au.com", "a..b.@softbank.ne.jp", "sakura..@i.softbank.jp", "Taro..Yamada@DoCoMo.ne.jp",
                         "taro.yamada@docomo.ne.jp"}) {
    INFO(ok);
    CHECK(validation::is_email(ok));
  }
  for (const char* bad : {"taro..yamada@example.jp", "hanako.@gmail.com", ".taro@docomo.ne.jp", "taro..yamada@docomo.ne.jp.evil.jp",
                          "taro..yamada@xdocomo.ne.jp", "ta ro..@docomo.ne.jp", "taro..yamada@@docomo.ne.jp",
                          "taro..\r\nBcc: x@docomo.ne.jp"}) {
    INFO(bad);
    CHECK_FALSE(validation::is_email(bad));
  }
  CHECK(validation::is_legacy_mail_domain("EZWEB.NE.JP"));
  CHECK_FALSE(validation::is_legacy_mail_domain("ne.jp"));
}

TEST_CASE("list settings are split at commas, trimmed, with empty items dropped", "[unit]") {
  setenv("CIVIC_TEST_LIST", " a.example.jp, ,b.example.jp ,", 1);
  CHECK(civic::config::list("CIVIC_TEST_LIST") == std::vector<std::string>{"a.example.jp", "b.example.jp"});
  unsetenv("CIVIC_TEST_LIST");
  CHECK(civic::config::list("CIVIC_TEST_LIST", "x,y") == std::vector<std::string>{"x", "y"});
  CHECK(civic::config::list("CIVIC_TEST_LIST").empty());
}

TEST_CASE("tokens carry 256 random bits and never repeat", "[unit]") {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    std::string t = crypto::random_token();
    CHECK(t.size() == 43);  // 32 bytes in unpadded base64url
    CHECK(crypto::base64url_decode(t)->size() == 32);
    seen.insert(t);
  }
  CHECK(seen.size() == 2000);
  std::string id = crypto::uuid_v4();
  CHECK(validation::is_uuid(id));
  CHECK(id[14] == '4');
}

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2", "[unit]") {
  CHECK(crypto::hex(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("base64url, base64 and base32 round-trip and reject foreign characters", "[unit]") {
  std::string bytes = crypto::random_bytes(37);
  CHECK(crypto::base64url_decode(crypto::base64url(bytes)) == bytes);
  CHECK(crypto::base64_decode(crypto::base64(bytes)) == bytes);
  CHECK(crypto::base32_decode(crypto::base32(bytes)) == bytes);
  CHECK(crypto::base32("foobar") == "MZXW6YTBOI");
  CHECK_FALSE(crypto::base64url_decode("ab+c").has_value());
}

TEST_CASE("AES-256-GCM sealing detects tampering and opens with a rotated-out key", "[unit][SEC-17]") {
  std::string k1(32, '\x01'), k2(32, '\x02');
  crypto::Sealer old_ring({{1, k1}}, 1);
  std::string sealed = old_ring.seal("090-1234-5678", "account-1");
  crypto::Sealer new_ring({{1, k1}, {2, k2}}, 2);
  CHECK(new_ring.open(sealed, "account-1") == "090-1234-5678");
  CHECK_FALSE(new_ring.open(sealed, "account-2").has_value());  // bound to its record
  std::string tampered = sealed;
  tampered[20] ^= 1;
  CHECK_FALSE(new_ring.open(tampered, "account-1").has_value());
  CHECK(static_cast<uint8_t>(new_ring.seal("x")[0]) == 2);
}

TEST_CASE("TOTP matches the RFC 6238 SHA-1 test vectors", "[unit]") {
  const std::string key = "12345678901234567890";
  CHECK(totp::at(key, 59, 8) == "94287082");
  CHECK(totp::at(key, 1111111109, 8) == "07081804");
  CHECK(totp::at(key, 1111111111, 8) == "14050471");
  CHECK(totp::at(key, 1234567890, 8) == "89005924");
  CHECK(totp::at(key, 2000000000, 8) == "69279037");
  CHECK(totp::at(key, 20000000000, 8) == "65353130");
}

TEST_CASE("a TOTP code is accepted once, within one step of drift", "[unit][OPS-ACCOUNTS]") {
  const std::string key = "12345678901234567890";
  int64_t now = 1700000000;
  std::string code = totp::at(key, now);
  auto step = totp::verify(key, code, now, 0);
  REQUIRE(step);
  CHECK(*step == now / 30);
  CHECK_FALSE(totp::verify(key, code, now, *step));        // replay
  CHECK(totp::verify(key, code, now + 30, 0));             // one step late
  CHECK_FALSE(totp::verify(key, code, now + 90, 0));       // too late
  CHECK_FALSE(totp::verify(key, "12345", now, 0));
}

TEST_CASE("logs mask e-mail addresses and names", "[unit][SEC-17]") {
  CHECK(log::mask_email("taro.yamada@example.jp") == "t***@e***.jp");
  CHECK(log::mask("山口太郎") == "山***");
  CHECK(log::mask("") == "");
}

TEST_CASE("paging: defaults, limits and opaque tokens that round-trip and refuse tampering", "[unit]") {
  validation::Errors e;
  paging::Page first = paging::read(e, 0, "");
  CHECK(e.empty());
  CHECK(first.limit == 20);
  CHECK(first.offset == 0);
  std::string token = paging::next_token(first, 20, 45);
  REQUIRE_FALSE(token.empty());
  paging::Page second = paging::read(e, 0, token);
  CHECK(e.empty());
  CHECK(second.offset == 20);
  CHECK(paging::next_token(paging::Page{20, 40}, 5, 45).empty());  // the last page

  validation::Errors bad;
  paging::read(bad, 101, crypto::base64url("-5"));
  paging::read(bad, -1, "%%%");
  std::set<std::string> fields;
  for (const auto& v : bad.list()) fields.insert(v.field);
  CHECK(fields == std::set<std::string>{"page_size", "page_token"});
  validation::Errors huge;
  paging::read(huge, 10, crypto::base64url("99999999999"));  // would overflow an int
  CHECK_FALSE(huge.empty());
}

TEST_CASE("CSV cells are quoted per RFC 4180 and formulas are neutralised", "[unit]") {
  CHECK(csv::cell("山口") == "山口");
  CHECK(csv::cell("a,b") == "\"a,b\"");
  CHECK(csv::cell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv::cell("line1\nline2") == "\"line1\nline2\"");
  CHECK(csv::cell("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"");
  CHECK(csv::cell("+81-83") == "'+81-83");
  CHECK(csv::cell("-1") == "'-1");
  CHECK(csv::cell("@SUM(A1)") == "'@SUM(A1)");
  CHECK(csv::cell("\tx") == "'\tx");
  CHECK(csv::cell("") == "");
  CHECK(csv::row({"a", "b,c", ""}) == "a,\"b,c\",\r\n");
}

TEST_CASE("uploads: the content decides the type, from an allow-list, names are only for display", "[unit][SEC-3][SEC-13]") {
  CHECK(files::sniff("%PDF-1.7\n...")->mime == "application/pdf");
  CHECK(files::sniff(std::string("\x89PNG\r\n\x1a\n", 8) + "IHDR")->extension == "png");
  CHECK(files::sniff("\xFF\xD8\xFF\xE0JFIF")->extension == "jpg");
  std::string zip = std::string("PK\x03\x04", 4) + "....[Content_Types].xml....";
  CHECK(files::sniff(zip + "word/document.xml")->extension == "docx");
  CHECK(files::sniff(zip + "xl/workbook.xml")->extension == "xlsx");
  CHECK_FALSE(files::sniff(zip + "word/document.xml word/vbaProject.bin"));  // macro-enabled
  CHECK_FALSE(files::sniff(std::string("MZ\x90\x00", 4) + "This program cannot be run in DOS mode"));  // a .exe named .pdf
  CHECK_FALSE(files::sniff("<html><script>alert(1)</script>"));
  CHECK_FALSE(files::sniff(std::string("PK\x03\x04", 4) + "evil.js"));  // a plain ZIP
  CHECK_FALSE(files::sniff(""));

  CHECK(files::display_name("../../etc/passwd") == "passwd");
  CHECK(files::display_name("C:\\Users\\x\\定款.pdf") == "定款.pdf");
  CHECK(files::display_name("..") == "file");
  CHECK(files::display_name("a\r\nX-Injected: 1.pdf") == "aX-Injected: 1.pdf");  // no header splitting
  CHECK(files::display_name("\xff\xfe" "ok.png") == "ok.png");
  CHECK(files::display_name(std::string(300, 'x')).size() == 100);
}

TEST_CASE("an uploaded picture needs its alternative text and PNG or JPEG content", "[unit]") {
  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(16, '\0');
  validation::Errors ok;
  auto kind = files::checked_image(ok, "会場の地図", png, 1 << 20);
  REQUIRE(kind);
  CHECK(kind->mime == "image/png");
  CHECK(ok.empty());
  validation::Errors no_alt;
  CHECK_FALSE(files::checked_image(no_alt, "", png, 1 << 20));
  REQUIRE(no_alt.list().size() == 1);
  CHECK(no_alt.list()[0].field == "alt");
  validation::Errors pdf;
  CHECK_FALSE(files::checked_image(pdf, "資料", "%PDF-1.4\n...", 1 << 20));  // allowed as an attachment, not as a picture
  CHECK(pdf.list()[0].field == "file");
  validation::Errors big;
  CHECK_FALSE(files::checked_image(big, "大きい", png, 8));
  CHECK(big.list()[0].reason == "too_large");
}

TEST_CASE("dates are Japan's: after 15:00 UTC it is already tomorrow in Tokyo", "[unit]") {
  std::time_t evening_utc = 1798729200;  // 2026-12-31T15:00:00Z = 2027-01-01 00:00 in Tokyo
  CHECK(time::tokyo_date(0, evening_utc) == "2027-01-01");
  CHECK(time::tokyo_date(1, evening_utc) == "2026-12-31");
  CHECK(time::tokyo_date(0, evening_utc - 1) == "2026-12-31");
  CHECK(time::tokyo_month(0, evening_utc) == "2027-01");
  CHECK(time::tokyo_month(1, evening_utc) == "2026-12");
  CHECK(time::tokyo_month(13, evening_utc) == "2025-12");
  CHECK(time::tokyo_day(evening_utc) == time::day_number("2027-01-01"));
  CHECK(time::tokyo_day(evening_utc - 1) == time::day_number("2026-12-31"));
}

TEST_CASE("day numbers count from 1970-01-01 as PostgreSQL's date subtraction does", "[unit]") {
  CHECK(time::day_number("1970-01-01") == 0);
  CHECK(time::day_number("1969-12-31") == -1);
  CHECK(time::day_number("2026-11-22") == 20779);
  CHECK(time::day_number("2028-03-01") - time::day_number("2028-02-28") == 2);  // a leap year
}

TEST_CASE("timestamps handed over are dates or RFC 3339 times, and a missing zone is Tokyo's", "[unit]") {
  for (const char* ok : {"2015-04-01", "2015-04-01T09:00:00+09:00", "2015-04-01 09:00:00", "2015-04-01T00:00:00Z",
                         "2015-04-01T09:00:00.123456+0900"})
    CHECK(validation::is_timestamp(ok));
  for (const char* bad : {"2015-02-29", "2015-04-01T24:00:00", "2015-04-01T09:00", "2015/04/01", "2015-04-01T09:00:00+9",
                          "", "2015-04-01x"})
    CHECK_FALSE(validation::is_timestamp(bad));
  CHECK(time::in_tokyo("2015-04-01") == "2015-04-01T00:00:00+09:00");
  CHECK(time::in_tokyo("2015-04-01 09:00:00") == "2015-04-01 09:00:00+09:00");
  CHECK(time::in_tokyo("2015-04-01T00:00:00Z") == "2015-04-01T00:00:00Z");
  CHECK(time::in_tokyo("2015-04-01T09:00:00-05:00") == "2015-04-01T09:00:00-05:00");
}
