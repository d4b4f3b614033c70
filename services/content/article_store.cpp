#include "content/article_store.h"

#include <algorithm>
#include <map>

#include "search/keywords.h"

namespace civic::content::store {
namespace {
constexpr const char* kTime = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";
const std::string kColumns = std::string(
    "id, site, kind, coalesce(slug, ''), title, body, url, state, coalesce(created_by::text, ''), "
    "coalesce(duplicated_from::text, ''), coalesce(to_char(published_at AT TIME ZONE 'UTC', ") + kTime +
    "), ''), to_char(updated_at AT TIME ZONE 'UTC', " + kTime + "), version";

ArticleRow read(const db::Row& r) {
  ArticleRow a;
  a.id = r.text(0);
  a.site = r.text(1);
  a.kind = r.text(2);
  a.slug = r.text(3);
  a.title = r.text(4);
  a.body = r.text(5);
  a.url = r.text(6);
  a.state = r.text(7);
  a.created_by = r.text(8);
  a.duplicated_from = r.text(9);
  a.published_at = r.text(10);
  a.updated_at = r.text(11);
  a.version = int(r.int64(12));
  return a;
}

std::optional<std::string> or_null(const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); }

const std::map<std::string_view, const char*> kState = {{"draft", "state = 'draft'"},
                                                        {"review", "state = 'review'"},
                                                        {"published", "state = 'published'"},
                                                        {"archived", "state = 'archived'"}};
} // namespace

void insert_article(db::Tx& tx, const ArticleRow& a) {
  tx.exec("INSERT INTO articles (id, site, kind, slug, title, body, url, state, created_by, duplicated_from, "
          "search_grams, search_text) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9::uuid, $10::uuid, $11::text[], $12)",
          a.id, a.site, a.kind, or_null(a.slug), a.title, a.body, a.url, a.state, or_null(a.created_by),
          or_null(a.duplicated_from), a.search_grams, a.search_text);
}

bool update_article(db::Tx& tx, const ArticleRow& a) {
  return tx.exec("UPDATE articles SET site = $2, slug = $3, title = $4, body = $5, url = $6, search_grams = $7::text[], "
                 "search_text = $8, version = version + 1, updated_at = now() WHERE id = $1::uuid AND version = $9",
                 a.id, a.site, or_null(a.slug), a.title, a.body, a.url, a.search_grams, a.search_text, a.version)
             .affected() == 1;
}

std::optional<ArticleRow> find_article(db::Tx& tx, std::string_view id, bool for_update) {
  db::Result r = tx.exec("SELECT " + kColumns + " FROM articles WHERE id = $1::uuid" + (for_update ? " FOR UPDATE" : ""), id);
  if (r.empty()) return std::nullopt;
  return read(r[0]);
}

std::optional<ArticleRow> find_page(db::Tx& tx, std::string_view site, std::string_view slug) {
  db::Result r = tx.exec("SELECT " + kColumns + " FROM articles WHERE kind = 'page' AND state = 'published' "
                         "AND slug = $2 AND (site = $1 OR site = 'both') ORDER BY site = $1 DESC LIMIT 1",
                         site, slug);
  if (r.empty()) return std::nullopt;
  return read(r[0]);
}

ArticlePage list_articles(db::Tx& tx, std::string_view state, const ArticleFilters& f, int limit, int offset) {
  db::Where w;
  if (!state.empty()) w.add(kState.at(state));
  if (!f.site.empty()) w.add("(site = $? OR site = 'both')", db::to_param(f.site));
  if (!f.kind.empty()) w.add("kind = $?", db::to_param(f.kind));
  search::where_keywords(w, f.keywords);
  const char* order = state == "published" ? "published_at DESC NULLS LAST, id" : "created_at DESC, id";
  auto [items, total] = db::select_page<ArticleRow>(tx, "SELECT " + kColumns + " FROM articles", w, order, limit, offset, read);
  return {std::move(items), total};
}

search::Changes<ArticleHot, ArticleCold> changed_articles(db::Tx& tx, int64_t since_us) {
  return search::changed_rows<ArticleHot, ArticleCold>(
      tx,
      std::string("id, state = 'published', ") + search::kStamp +
          ", coalesce((extract(epoch FROM published_at) * 1000000)::bigint, 0), search_text, site, kind",
      "articles", since_us, [](const db::Row& row) {
        return search::Row<ArticleHot, ArticleCold>{
            row.text(0), row.boolean(1), row.int64(2), row.int64(3), row.text(4),
            ArticleHot{search::code(kArticleSites, row.text(5)), search::code(kArticleKinds, row.text(6))}, {}};
      });
}

std::vector<ArticleRow> find_published_articles(db::Tx& tx, const std::vector<std::string>& ids) {
  return search::published_rows(tx, kColumns, "articles", ids, read);
}

void erase_article(db::Tx& tx, std::string_view id) { tx.exec("DELETE FROM articles WHERE id = $1::uuid", id); }

void set_article_state(db::Tx& tx, std::string_view id, std::string_view state) {
  tx.exec("UPDATE articles SET state = $2, published_at = CASE WHEN $2 = 'published' THEN coalesce(published_at, now()) "
          "ELSE published_at END, version = version + 1, updated_at = now() WHERE id = $1::uuid",
          id, state);
}

namespace {
// The article's public record lists its images and files: its stamp moves (search::kStamp).
void touch(db::Tx& tx, std::string_view article_id) {
  tx.exec("UPDATE articles SET updated_at = now() WHERE id = $1::uuid", article_id);
}
} // namespace

bool delete_image(db::Tx& tx, std::string_view article_id, std::string_view id) {
  if (tx.exec("DELETE FROM article_images WHERE article_id = $1::uuid AND id = $2::uuid", article_id, id).affected() != 1)
    return false;
  touch(tx, article_id);
  return true;
}

void insert_image(db::Tx& tx, const ImageRow& i, std::string_view uploaded_by) {
  std::optional<std::string> by = uploaded_by.empty() ? std::nullopt : std::optional<std::string>(uploaded_by);
  tx.exec("INSERT INTO article_images (id, article_id, alt, content_type, data, uploaded_by) "
          "VALUES ($1::uuid, $2::uuid, $3, $4, $5::bytea, $6::uuid)",
          i.id, i.article_id, i.alt, i.content_type, db::Bytes{i.data}, by);
  touch(tx, i.article_id);
}

std::vector<ImageRow> images(db::Tx& tx, const std::vector<std::string>& article_ids) {
  std::vector<ImageRow> out;
  if (article_ids.empty()) return out;
  db::Result r = tx.exec("SELECT id, article_id, alt, content_type, octet_length(data) FROM article_images "
                         "WHERE article_id = ANY($1::uuid[]) ORDER BY created_at, id",
                         article_ids);
  for (int i = 0; i < r.size(); ++i) out.push_back({r[i].text(0), r[i].text(1), r[i].text(2), r[i].text(3), "", r[i].int64(4)});
  return out;
}

std::optional<ImageRow> find_image(db::Tx& tx, std::string_view article_id, std::string_view id) {
  db::Result r = tx.exec("SELECT id, article_id, alt, content_type, data FROM article_images "
                         "WHERE article_id = $1::uuid AND id = $2::uuid",
                         article_id, id);
  if (r.empty()) return std::nullopt;
  ImageRow i{r[0].text(0), r[0].text(1), r[0].text(2), r[0].text(3), r[0].bytes(4), 0};
  i.size = int64_t(i.data.size());
  return i;
}

void insert_file(db::Tx& tx, const FileRow& f, std::string_view uploaded_by) {
  std::optional<std::string> by = uploaded_by.empty() ? std::nullopt : std::optional<std::string>(uploaded_by);
  tx.exec("INSERT INTO article_files (id, article_id, title, filename, content_type, data, uploaded_by) "
          "VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::bytea, $7::uuid)",
          f.id, f.article_id, f.title, f.filename, f.content_type, db::Bytes{f.data}, by);
  touch(tx, f.article_id);
}

bool delete_file(db::Tx& tx, std::string_view article_id, std::string_view id) {
  if (tx.exec("DELETE FROM article_files WHERE article_id = $1::uuid AND id = $2::uuid", article_id, id).affected() != 1)
    return false;
  touch(tx, article_id);
  return true;
}

std::vector<FileRow> files(db::Tx& tx, const std::vector<std::string>& article_ids) {
  std::vector<FileRow> out;
  if (article_ids.empty()) return out;
  db::Result r = tx.exec("SELECT id, article_id, title, filename, content_type, octet_length(data) FROM article_files "
                         "WHERE article_id = ANY($1::uuid[]) ORDER BY created_at, id",
                         article_ids);
  for (int i = 0; i < r.size(); ++i)
    out.push_back({r[i].text(0), r[i].text(1), r[i].text(2), r[i].text(3), r[i].text(4), "", r[i].int64(5)});
  return out;
}

std::optional<FileRow> find_file(db::Tx& tx, std::string_view article_id, std::string_view id) {
  db::Result r = tx.exec("SELECT id, article_id, title, filename, content_type, data FROM article_files "
                         "WHERE article_id = $1::uuid AND id = $2::uuid",
                         article_id, id);
  if (r.empty()) return std::nullopt;
  FileRow f{r[0].text(0), r[0].text(1), r[0].text(2), r[0].text(3), r[0].text(4), r[0].bytes(5), 0};
  f.size = int64_t(f.data.size());
  return f;
}

std::optional<BlocksRow> find_blocks(db::Tx& tx, std::string_view site) {
  db::Result r = tx.exec(std::string("SELECT site, emergency_enabled, emergency_title, emergency_body, variable_block, "
                                     "to_char(updated_at AT TIME ZONE 'UTC', ") + kTime +
                             "), version, variable_links::text, embed_url, embed_title, "
                             "(SELECT embed_hosts FROM site_settings WHERE id = 1) FROM site_blocks WHERE site = $1",
                         site);
  if (r.empty()) return std::nullopt;
  return BlocksRow{r[0].text(0), r[0].boolean(1), r[0].text(2), r[0].text(3), r[0].text(4), r[0].text(5),
                   int(r[0].int64(6)), r[0].text(7), r[0].text(8), r[0].text(9), r[0].text_array(10)};
}

bool update_blocks(db::Tx& tx, const BlocksRow& b, std::string_view actor) {
  std::optional<std::string> by = actor.empty() ? std::nullopt : std::optional<std::string>(actor);
  return tx.exec("UPDATE site_blocks SET emergency_enabled = $2, emergency_title = $3, emergency_body = $4, "
                 "variable_block = $5, variable_links = $8::jsonb, embed_url = $9, embed_title = $10, "
                 "version = version + 1, updated_by = $7::uuid, updated_at = now() WHERE site = $1 AND version = $6",
                 b.site, b.emergency_enabled, b.emergency_title, b.emergency_body, b.variable_block, b.version, by,
                 b.variable_links, b.embed_url, b.embed_title)
             .affected() == 1;
}

void add_views(db::Tx& tx, const std::vector<ViewRow>& views) {
  std::vector<std::string> types, items, counts;
  for (const auto& v : views) {
    types.push_back(v.type);
    items.push_back(v.item_id);
    counts.push_back(std::to_string(v.views));
  }
  tx.exec("INSERT INTO view_counts (day, resource_type, item_id, views) "
          "SELECT (now() AT TIME ZONE 'Asia/Tokyo')::date, t, i, sum(c::bigint) "
          "FROM unnest($1::text[], $2::text[], $3::text[]) AS v(t, i, c) GROUP BY t, i "
          "ON CONFLICT (day, resource_type, item_id) DO UPDATE SET views = view_counts.views + excluded.views, "
          "updated_at = now()",
          types, items, counts);
}

std::vector<ViewRow> views_by_day(db::Tx& tx, std::string_view from, std::string_view to, std::string_view type) {
  std::vector<ViewRow> out;
  db::Result r = tx.exec("SELECT day::text, resource_type, sum(views) FROM view_counts WHERE day BETWEEN $1::date AND $2::date "
                         "AND ($3 = '' OR resource_type = $3) GROUP BY day, resource_type ORDER BY day, resource_type",
                         from, to, type);
  for (int i = 0; i < r.size(); ++i) out.push_back({r[i].text(0), r[i].text(1), "", r[i].int64(2)});
  return out;
}

std::vector<ViewRow> top_items(db::Tx& tx, std::string_view from, std::string_view to, std::string_view type, int limit) {
  std::vector<ViewRow> out;
  db::Result r = tx.exec("SELECT resource_type, item_id, sum(views) AS n FROM view_counts WHERE day BETWEEN $1::date "
                         "AND $2::date AND ($3 = '' OR resource_type = $3) GROUP BY resource_type, item_id "
                         "ORDER BY n DESC, resource_type, item_id LIMIT $4",
                         from, to, type, limit);
  for (int i = 0; i < r.size(); ++i) out.push_back({"", r[i].text(0), r[i].text(1), r[i].int64(2)});
  return out;
}

std::vector<ViewRow> all_views(db::Tx& tx, std::string_view from, std::string_view to, std::string_view type) {
  std::vector<ViewRow> out;
  db::Result r = tx.exec("SELECT day::text, resource_type, item_id, views FROM view_counts WHERE day BETWEEN $1::date "
                         "AND $2::date AND ($3 = '' OR resource_type = $3) ORDER BY day, resource_type, item_id",
                         from, to, type);
  for (int i = 0; i < r.size(); ++i) out.push_back({r[i].text(0), r[i].text(1), r[i].text(2), r[i].int64(3)});
  return out;
}

} // namespace civic::content::store
