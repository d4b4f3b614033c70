// SQL of the content service's articles (CNT-1), site blocks (CNT-2) and views (CNT-4).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "db/db.h"
#include "search/live_index.h"

namespace civic::content {

struct ArticleRow {
  std::string id, site, kind, slug, title, body, url, state = "draft", created_by, duplicated_from;
  std::vector<std::string> search_grams;
  std::string search_text, published_at, updated_at;
  int version = 0;
};

struct ImageRow {
  std::string id, article_id, alt, content_type, data;
  int64_t size = 0;
};

struct FileRow {
  std::string id, article_id, title, filename, content_type, data;
  int64_t size = 0;
};

struct ArticleFilters {
  std::string site, kind;                                // site: also items for both sites
  text::Query keywords;                                  // from text::query, with the search dictionary
};

/// What the in-memory public lists (search::LiveIndex) keep of a published article:
/// its site and kind as codes (1 + their position in kArticleSites / kArticleKinds).
struct ArticleHot {
  uint8_t site = 0, kind = 0;
};
struct ArticleCold {};
using ArticleIndex = search::LiveIndex<ArticleHot, ArticleCold>;
inline const std::vector<std::string> kArticleSites = {"supernet", "aikasanet", "both"};
inline const std::vector<std::string> kArticleKinds = {"page",      "notice", "center_news", "interview",
                                                       "faq",       "link",   "form"};

struct ArticlePage {
  std::vector<ArticleRow> items;
  int64_t total = 0;
};

struct BlocksRow {
  std::string site;
  bool emergency_enabled = false;
  std::string emergency_title, emergency_body, variable_block, updated_at;
  int version = 0;
  std::string variable_links = "[]";  // JSON [{label, url}]
  std::string embed_url = {}, embed_title = {};
  std::vector<std::string> embed_hosts = {};  // read with the row: the site settings' allow-list
};

struct ViewRow {
  std::string day, type, item_id;  // day: YYYY-MM-DD (empty in totals)
  int64_t views = 0;
};

namespace store {

void insert_article(db::Tx& tx, const ArticleRow& a);
/// Rewrites the content if the version is still `a.version`; false otherwise.
bool update_article(db::Tx& tx, const ArticleRow& a);
std::optional<ArticleRow> find_article(db::Tx& tx, std::string_view id, bool for_update = false);
std::optional<ArticleRow> find_page(db::Tx& tx, std::string_view site, std::string_view slug);
/// Articles changed since `since_us` (the database's clock), for the ArticleIndex.
search::Changes<ArticleHot, ArticleCold> changed_articles(db::Tx& tx, int64_t since_us);
/// The published ones of `ids`, in that order.
std::vector<ArticleRow> find_published_articles(db::Tx& tx, const std::vector<std::string>& ids);
/// In `state` (empty: any), newest first (published: by publication). The staff list;
/// the public lists answer from the ArticleIndex.
ArticlePage list_articles(db::Tx& tx, std::string_view state, const ArticleFilters& f, int limit, int offset);
void set_article_state(db::Tx& tx, std::string_view id, std::string_view state);
/// Deletes the article with its images (a copy of it keeps its content).
void erase_article(db::Tx& tx, std::string_view id);

void insert_image(db::Tx& tx, const ImageRow& i, std::string_view uploaded_by);
/// False when the article has no such image.
bool delete_image(db::Tx& tx, std::string_view article_id, std::string_view id);
/// The images of every article in `article_ids` (without data), oldest first: one query for a whole page.
std::vector<ImageRow> images(db::Tx& tx, const std::vector<std::string>& article_ids);
std::optional<ImageRow> find_image(db::Tx& tx, std::string_view article_id, std::string_view id);
void insert_file(db::Tx& tx, const FileRow& f, std::string_view uploaded_by);
/// False when the article has no such file.
bool delete_file(db::Tx& tx, std::string_view article_id, std::string_view id);
/// The forms of every article in `article_ids` (without data), oldest first.
std::vector<FileRow> files(db::Tx& tx, const std::vector<std::string>& article_ids);
std::optional<FileRow> find_file(db::Tx& tx, std::string_view article_id, std::string_view id);

std::optional<BlocksRow> find_blocks(db::Tx& tx, std::string_view site);
/// Writes the blocks if the version is still `b.version`; false otherwise.
bool update_blocks(db::Tx& tx, const BlocksRow& b, std::string_view actor);

/// Adds each batch entry to today's (Asia/Tokyo) count, in one statement.
void add_views(db::Tx& tx, const std::vector<ViewRow>& views);
/// Views per day and type in [from, to] (dates), optionally of one type.
std::vector<ViewRow> views_by_day(db::Tx& tx, std::string_view from, std::string_view to, std::string_view type);
/// The `limit` most viewed items in [from, to].
std::vector<ViewRow> top_items(db::Tx& tx, std::string_view from, std::string_view to, std::string_view type, int limit);
/// Every (day, type, item) count in [from, to], for the CSV export.
std::vector<ViewRow> all_views(db::Tx& tx, std::string_view from, std::string_view to, std::string_view type);

} // namespace store
} // namespace civic::content
