// Content gRPC service: taxonomies, site settings (maintenance), terms of use; articles
// and site blocks (articles.cpp); access statistics (views.cpp).
#pragma once
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "civic/content.grpc.pb.h"
#include "content/article_store.h"
#include "db/db.h"
#include "rpc/collection.h"
#include "rpc/virus_scan.h"
#include "search/rendered.h"
#include "text/text.h"

namespace civic::content {

struct ContentConfig {
  std::string hmac_key;
  rpc::VirusScanner scanner;  // forms and images (SEC-13)
};

class ContentServiceImpl final : public ContentService::Service {
 public:
  /// `articles` is the public article lists in memory; the service refreshes it after
  /// its own article writes.
  ContentServiceImpl(db::Pool& pool, ContentConfig config, ArticleIndex& articles);
  grpc::Status ListTaxonomies(grpc::ServerContext*, const civic::common::Empty*, ListTaxonomiesResponse*) override;
  grpc::Status GetTaxonomy(grpc::ServerContext*, const GetTaxonomyRequest*, Taxonomy*) override;
  grpc::Status PutTaxonomy(grpc::ServerContext*, const PutTaxonomyRequest*, Taxonomy*) override;
  grpc::Status PutEmbedHosts(grpc::ServerContext*, const PutEmbedHostsRequest*, SiteSettings*) override;
  grpc::Status GetSearchVariants(grpc::ServerContext*, const civic::common::Empty*, SearchVariants*) override;
  grpc::Status PutSearchVariants(grpc::ServerContext*, const PutSearchVariantsRequest*, SearchVariants*) override;
  grpc::Status ValidateCodes(grpc::ServerContext*, const ValidateCodesRequest*, ValidateCodesResponse*) override;
  grpc::Status GetSite(grpc::ServerContext*, const civic::common::Empty*, SiteSettings*) override;
  grpc::Status UpdateSite(grpc::ServerContext*, const UpdateSiteRequest*, SiteSettings*) override;
  grpc::Status GetTerms(grpc::ServerContext*, const GetTermsRequest*, TermsDocument*) override;
  grpc::Status ListTerms(grpc::ServerContext*, const ListTermsRequest*, ListTermsResponse*) override;
  grpc::Status PublishTerms(grpc::ServerContext*, const PublishTermsRequest*, TermsDocument*) override;

  // CNT-1 and CNT-2 (articles.cpp).
  grpc::Status GetSiteBlocks(grpc::ServerContext*, const GetSiteBlocksRequest*, SiteBlocks*) override;
  grpc::Status UpdateSiteBlocks(grpc::ServerContext*, const UpdateSiteBlocksRequest*, SiteBlocks*) override;
  grpc::Status GetPage(grpc::ServerContext*, const GetPageRequest*, Article*) override;
  grpc::Status ListNotices(grpc::ServerContext*, const ListArticlesRequest*, ListArticlesResponse*) override;
  grpc::Status ListCenterNews(grpc::ServerContext*, const ListArticlesRequest*, ListArticlesResponse*) override;
  grpc::Status ListArticles(grpc::ServerContext*, const ListArticlesRequest*, ListArticlesResponse*) override;
  grpc::Status GetArticle(grpc::ServerContext*, const GetArticleRequest*, Article*) override;
  grpc::Status GetArticleImage(grpc::ServerContext*, const ImageRequest*, civic::common::HttpBody*) override;
  grpc::Status AdminListArticles(grpc::ServerContext*, const AdminListArticlesRequest*, ListArticlesResponse*) override;
  grpc::Status CreateArticle(grpc::ServerContext*, const SaveArticleRequest*, Article*) override;
  grpc::Status ImportArticle(grpc::ServerContext*, const ImportArticleRequest*, civic::common::ImportResult*) override;
  grpc::Status UpdateArticle(grpc::ServerContext*, const SaveArticleRequest*, Article*) override;
  grpc::Status UploadArticleImage(grpc::ServerContext*, const UploadImageRequest*, ArticleImage*) override;
  grpc::Status DeleteArticleImage(grpc::ServerContext*, const ImageRequest*, civic::common::Empty*) override;
  grpc::Status UploadArticleFile(grpc::ServerContext*, const UploadFileRequest*, ArticleFile*) override;
  grpc::Status GetArticleFile(grpc::ServerContext*, const FileRequest*, civic::common::HttpBody*) override;
  grpc::Status DeleteArticleFile(grpc::ServerContext*, const FileRequest*, civic::common::Empty*) override;
  CIVIC_STAFF_COLLECTION(Article, Article, admin_)
  CIVIC_STAFF_DUPLICATE(Article, admin_)

  // CNT-4 (views.cpp).
  grpc::Status RecordViews(grpc::ServerContext*, const RecordViewsRequest*, civic::common::Empty*) override;
  grpc::Status ViewStats(grpc::ServerContext*, const StatsRequest*, StatsResponse*) override;
  grpc::Status ExportViewStats(grpc::ServerContext*, const StatsRequest*, civic::common::HttpBody*) override;

 private:
  grpc::Status list_public(grpc::ServerContext* ctx, const ListArticlesRequest* req, ListArticlesResponse* resp,
                           const char* method, const std::string& kind);
  rpc::Collection<ArticleRow, Article> article_collection();
  /// The search dictionary as keyword queries apply it: read again every few seconds
  /// (another replica's edit) and at once after this replica's own.
  std::shared_ptr<const text::Variants> variants();

  db::Pool& pool_;
  ContentConfig config_;
  ArticleIndex& articles_;
  search::Rendered<Article> rendered_{"articles"};  // public articles as last shown (ADR 0027)
  rpc::Collection<ArticleRow, Article> admin_;
  std::mutex variants_mutex_;
  std::shared_ptr<const text::Variants> variants_;
  std::chrono::steady_clock::time_point variants_expire_{};
};

/// One page of a public article list from the index: published articles of `f.kind`
/// for `f.site` (with those for both sites), matching `f.keywords`, newest first.
search::Page public_articles(const ArticleIndex& index, const ArticleFilters& f, int limit, int offset);

} // namespace civic::content
