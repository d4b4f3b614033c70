// [db] content: seeded taxonomies, term replacement with optimistic locking, code
// validation, maintenance settings and append-only terms of use.
#include <catch2/catch.hpp>

#include "content/article_store.h"
#include "content/service.h"
#include "content/store.h"
#include "core/crypto.h"
#include "text/text.h"
#include "db/migrations.h"
#include "fresh_db.h"

namespace civic::generated {
std::vector<civic::db::Schema> content_lib_schema();
}

using namespace civic;
using namespace civic::content;

namespace {
struct ContentDb {
  testing::FreshDatabase fresh;
  db::Pool pool{fresh.url(), 2};
  ContentDb() { db::migrate(fresh.url(), generated::content_lib_schema(), "content"); }
};
} // namespace

TEST_CASE("the seeded taxonomies hold SPEC section 5's defaults", "[db]") {
  ContentDb d;
  d.pool.transaction([](db::Tx& tx) {
    auto munis = store::find_taxonomy(tx, "municipalities");
    REQUIRE(munis);
    CHECK(munis->terms.size() == 19);
    CHECK(store::find_taxonomy(tx, "fields")->terms.size() == 20);
    CHECK(store::find_taxonomy(tx, "group_classes")->terms.size() == 11);
    CHECK(store::find_taxonomy(tx, "company_classes")->terms.size() == 5);
    CHECK(store::find_taxonomy(tx, "features")->terms.size() == 6);
    CHECK(store::find_taxonomy(tx, "weekdays")->terms.size() == 7);
    CHECK(store::find_taxonomy(tx, "probono_fields")->terms.size() == 10);
    CHECK(store::list_taxonomies(tx).size() == 14);
    CHECK_FALSE(store::find_taxonomy(tx, "nothing"));
  });
}

TEST_CASE("replacing terms keeps left-out codes as inactive and refuses a stale version", "[db]") {
  ContentDb d;
  d.pool.transaction([](db::Tx& tx) {
    std::vector<TermRow> terms = {{"sat", "土曜", {}, true}, {"sun", "日曜", {}, true}};
    REQUIRE(store::put_taxonomy(tx, "weekdays", terms, 1, ""));
    CHECK_FALSE(store::put_taxonomy(tx, "weekdays", terms, 1, ""));  // version is 2 now
    auto w = store::find_taxonomy(tx, "weekdays");
    REQUIRE(w->terms.size() == 7);
    CHECK(w->terms[0].code == "sat");
    CHECK(w->terms[0].label == "土曜");
    CHECK(w->terms[1].code == "sun");
    CHECK_FALSE(w->terms[2].active);
    CHECK(store::unknown_codes(tx, "weekdays", {"sat", "mon", "xyz"}, "") == std::vector<std::string>{"mon", "xyz"});
    CHECK(store::unknown_codes(tx, "fields", {"f20"}, "supernet") == std::vector<std::string>{"f20"});
  });
}

TEST_CASE("the schema refuses bad codes and site names, and terms of use cannot be rewritten", "[db]") {
  ContentDb d;
  CHECK_THROWS_AS(d.pool.transaction([](db::Tx& tx) {
    store::put_taxonomy(tx, "weekdays", {{"Bad Code", "x", {}, true}}, 1, "");
  }), db::Error);
  CHECK_THROWS_AS(d.pool.transaction([](db::Tx& tx) {
    store::put_taxonomy(tx, "weekdays", {{"mon", "月", {"mars"}, true}}, 1, "");
  }), db::Error);
  CHECK(d.pool.transaction([](db::Tx& tx) { return store::find_taxonomy(tx, "weekdays")->version; }) == 1);

  auto published = d.pool.transaction([](db::Tx& tx) { return store::publish_terms(tx, "supernet", "規約", "本文", ""); });
  CHECK(published.version == 2);
  try {
    d.pool.transaction([](db::Tx& tx) { tx.exec("UPDATE terms_documents SET body = 'changed'"); });
    FAIL("an update of terms_documents went through");
  } catch (const db::Error& e) {
    CHECK(e.sqlstate() == "23000");
  }
  CHECK(d.pool.transaction([](db::Tx& tx) { return store::current_terms(tx, "supernet")->body; }) == "本文");
}

TEST_CASE("maintenance settings change only with the version that was read", "[db]") {
  ContentDb d;
  d.pool.transaction([](db::Tx& tx) {
    SiteRow s = store::site(tx);
    CHECK_FALSE(s.maintenance_enabled);
    s.maintenance_enabled = true;
    s.maintenance_message = "メンテナンス中";
    REQUIRE(store::update_site(tx, s, ""));
    CHECK_FALSE(store::update_site(tx, s, ""));
    CHECK(store::site(tx).maintenance_enabled);
    CHECK(store::site(tx).version == 2);
  });
}

TEST_CASE("the public article lists come from memory: published, by kind and site, newest first", "[db]") {
  ContentDb d;
  auto article = [&](const std::string& site, const std::string& kind, const std::string& title, bool publish) {
    ArticleRow a;
    a.id = crypto::uuid_v4();
    a.site = site;
    a.kind = kind;
    a.title = title;
    a.body = "本文";
    a.search_text = text::search_text({title, a.body});
    d.pool.transaction([&](db::Tx& tx) {
      store::insert_article(tx, a);
      if (publish) store::set_article_state(tx, a.id, "published");
    });
    return a.id;
  };
  std::string supernet = article("supernet", "notice", "萩のお知らせ", true);
  std::string both = article("both", "notice", "両サイトのお知らせ", true);
  article("aikasanet", "notice", "あいかさねっとのお知らせ", true);
  article("supernet", "notice", "萩の下書き", false);
  article("supernet", "faq", "萩のよくある質問", true);
  ArticleIndex index(d.pool, store::changed_articles);
  index.refresh();
  auto page = [&](const std::string& site, const std::string& kind, const std::string& q) {
    ArticleFilters f;
    f.site = site;
    f.kind = kind;
    f.keywords = text::query(q);
    return public_articles(index, f, 20, 0);
  };
  CHECK(page("supernet", "notice", "").total == 2);  // its own and those for both sites
  CHECK(page("aikasanet", "notice", "").total == 2);
  CHECK(page("", "notice", "").total == 3);
  CHECK(page("supernet", "notice", "萩").ids == std::vector<std::string>{supernet});  // not the draft, not the faq
  CHECK(page("supernet", "faq", "萩").total == 1);
  CHECK(page("supernet", "no_such_kind", "").total == 0);
  auto rows = d.pool.read([&](db::Tx& tx) { return store::find_published_articles(tx, page("supernet", "notice", "").ids); });
  REQUIRE(rows.size() == 2);

  // An image or file added or removed moves the article's stamp: its public record lists them.
  auto stamp = [&] {
    index.refresh();
    return index.stamp_of(supernet).value_or(0);
  };
  int64_t before = stamp();
  REQUIRE(before != 0);
  ImageRow image{crypto::uuid_v4(), supernet, "地図", "image/png", "png", 3};
  d.pool.transaction([&](db::Tx& tx) { store::insert_image(tx, image, ""); });
  int64_t with_image = stamp();
  CHECK(with_image != before);
  d.pool.transaction([&](db::Tx& tx) { CHECK(store::delete_image(tx, supernet, image.id)); });
  int64_t without = stamp();
  CHECK(without != with_image);
  FileRow file{crypto::uuid_v4(), supernet, "申請書", "form.pdf", "application/pdf", "%PDF", 4};
  d.pool.transaction([&](db::Tx& tx) { store::insert_file(tx, file, ""); });
  int64_t with_file = stamp();
  CHECK(with_file != without);
  d.pool.transaction([&](db::Tx& tx) { CHECK(store::delete_file(tx, supernet, file.id)); });
  CHECK(stamp() != with_file);

  d.pool.transaction([&](db::Tx& tx) { store::set_article_state(tx, both, "archived"); });
  index.refresh();
  CHECK(page("supernet", "notice", "").ids == std::vector<std::string>{supernet});
}
