// Content service, CNT-1 (articles under the review workflow, images with alternative
// text) and CNT-2 (each site's emergency notice and variable block).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>

#include "content/article_store.h"
#include "content/service.h"
#include "content/store.h"
#include "core/crypto.h"
#include "core/files.h"
#include "core/log.h"
#include "core/paging.h"
#include "core/validation.h"
#include "rpc/audit.h"
#include "rpc/declared.h"
#include "rpc/server.h"
#include "text/text.h"
#include "workflow/workflow.h"

namespace civic::content {
namespace {
using grpc::Status;
using grpc::StatusCode;
using rpc::Principal;
using validation::Errors;

constexpr size_t kMaxImageBytes = 5 << 20;
constexpr size_t kMaxFormBytes = 10 << 20;
const std::regex kSlug("[a-z0-9]+(-[a-z0-9]+)*");

using rpc::not_found;
Status stale() {
  return Status(StatusCode::ABORTED, "他の人が先に更新しました。最新の内容を読み込んでから編集してください");
}

bool slug_ok(Errors& e, const std::string& slug) {
  if (!e.text("slug", slug, {.max_chars = 64})) return false;
  if (std::regex_match(slug, kSlug)) return true;
  e.add("slug", "invalid_format", "URL名は半角英小文字・数字・ハイフンで入力してください", "a-z, 0-9 and single hyphens only");
  return false;
}

Errors validate(const Article& a) {
  Errors e;
  rpc::check_declared(a, e);
  if (a.kind() == "page") slug_ok(e, a.slug());
  else if (!a.slug().empty())
    e.add("slug", "not_applicable", "URL名は固定ページだけに付けられます", "only pages have a slug");
  e.text("title", a.title(), {.max_chars = 200});
  bool link = a.kind() == "link" || a.kind() == "form";
  e.text("body", a.body(), {.required = !link, .max_chars = 50000, .multiline = true});
  // A form is either linked (url) or hosted here (its files, uploaded after saving).
  e.http_url("url", a.url(), a.kind() == "link");
  return e;
}

ArticleRow row_of(const Article& a) {
  ArticleRow row;
  row.site = a.site();
  row.kind = a.kind();
  row.slug = a.slug();
  row.title = a.title();
  row.body = a.body();
  row.url = a.url();
  std::vector<std::string_view> parts = {a.title(), a.body()};
  row.search_grams = text::index_grams(parts);
  row.search_text = text::search_text(parts);
  return row;
}

void to_proto(const ImageRow& i, ArticleImage* out) {
  out->set_id(i.id);
  out->set_alt(i.alt);
  out->set_content_type(i.content_type);
  out->set_size(int32_t(i.size));
}

// The host of an absolute https URL without user or port ("https://Host/x" -> "host");
// empty for anything else.
std::string https_host(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() <= kScheme.size() || url.substr(0, kScheme.size()) != kScheme) return "";
  std::string_view rest = url.substr(kScheme.size());
  std::string host(rest.substr(0, rest.find_first_of("/?#")));
  if (host.empty() || host.find_first_of("@:\\") != std::string::npos) return "";
  for (auto& c : host) c = char(std::tolower(static_cast<unsigned char>(c)));
  return host;
}

bool allowed(const std::vector<std::string>& hosts, std::string_view url) {
  std::string host = https_host(url);
  return !host.empty() && std::find(hosts.begin(), hosts.end(), host) != hosts.end();
}

// A frame is shown only while its host is still allowed (`b.embed_hosts`).
void to_proto(const BlocksRow& b, SiteBlocks* out) {
  out->set_site(b.site);
  out->set_emergency_enabled(b.emergency_enabled);
  out->set_emergency_title(b.emergency_title);
  out->set_emergency_body(b.emergency_body);
  auto* v = out->mutable_variable();
  v->set_text(b.variable_block);
  auto links = nlohmann::json::parse(b.variable_links, nullptr, false);
  if (links.is_array())
    for (const auto& l : links) {
      auto* link = v->add_links();
      link->set_label(l.value("label", ""));
      link->set_url(l.value("url", ""));
    }
  if (allowed(b.embed_hosts, b.embed_url)) {
    v->set_embed_url(b.embed_url);
    v->set_embed_title(b.embed_title);
  }
  out->set_version(b.version);
  out->set_updated_at(b.updated_at);
}

void to_proto(const FileRow& f, ArticleFile* out) {
  out->set_id(f.id);
  out->set_title(f.title);
  out->set_filename(f.filename);
  out->set_content_type(f.content_type);
  out->set_size(int32_t(f.size));
}

// `row` with its images and forms (of any articles; those of `row` are taken); `full`
// adds what only staff see.
void to_proto(const ArticleRow& row, const std::vector<ImageRow>& images, const std::vector<FileRow>& files, bool full,
              Article* out) {
  out->set_id(row.id);
  out->set_site(row.site);
  out->set_kind(row.kind);
  out->set_slug(row.slug);
  out->set_title(row.title);
  out->set_body(row.body);
  out->set_url(row.url);
  for (const auto& i : images)
    if (i.article_id == row.id) to_proto(i, out->add_images());
  for (const auto& f : files)
    if (f.article_id == row.id) to_proto(f, out->add_files());
  out->set_published_at(row.published_at);
  out->set_updated_at(row.updated_at);
  if (!full) return;
  out->set_state(row.state);
  out->set_version(row.version);
}

void to_proto(db::Tx& tx, const ArticleRow& row, bool full, Article* out) {
  to_proto(row, store::images(tx, {row.id}), store::files(tx, {row.id}), full, out);
}

// Articles with the images and files of all of them read at once.
void to_proto(db::Tx& tx, const std::vector<ArticleRow>& rows, bool full,
              google::protobuf::RepeatedPtrField<Article>* out) {
  std::vector<std::string> ids;
  for (const auto& row : rows) ids.push_back(row.id);
  auto images = store::images(tx, ids);
  auto files = store::files(tx, ids);
  for (const auto& row : rows) to_proto(row, images, files, full, out->Add());
}

ArticleFilters filters_of(Errors& e, const std::string& q, const text::Variants& variants) {
  ArticleFilters f;
  if (e.text("q", q, {.required = false, .max_chars = 100})) f.keywords = text::query(q, variants);
  return f;
}
// A new article from `a`, a draft entered by `p`; its id. A live page's slug taken:
// unique violation, 409.
std::string insert_new(db::Tx& tx, const Article& a, const Principal& p) {
  ArticleRow row = row_of(a);
  row.id = crypto::uuid_v4();
  row.created_by = p.account_id();
  store::insert_article(tx, row);
  return row.id;
}

} // namespace

Status ContentServiceImpl::GetSiteBlocks(grpc::ServerContext* ctx, const GetSiteBlocksRequest* req, SiteBlocks* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetSiteBlocks", [&](const Principal&) {
    Errors e;
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    auto b = pool_.read([&](db::Tx& tx) { return store::find_blocks(tx, req->site()); });  // one query
    if (!b) return not_found();
    to_proto(*b, resp);
    return Status::OK;
  });
}

Status ContentServiceImpl::UpdateSiteBlocks(grpc::ServerContext* ctx, const UpdateSiteBlocksRequest* req,
                                            SiteBlocks* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "UpdateSiteBlocks", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    const SiteBlocks& b = req->blocks();
    Errors e;
    rpc::check_declared(*req, e);
    e.text("blocks.emergency_title", b.emergency_title(), {.required = b.emergency_enabled(), .max_chars = 200});
    e.text("blocks.emergency_body", b.emergency_body(), {.required = false, .max_chars = 5000, .multiline = true});
    const VariableBlock& v = b.variable();
    e.text("blocks.variable.text", v.text(), {.required = false, .max_chars = 20000, .multiline = true});
    constexpr int kMaxLinks = 10;
    if (v.links_size() > kMaxLinks) e.add("blocks.variable.links", "too_many", "リンクは10件までです", "at most 10 links");
    nlohmann::json links = nlohmann::json::array();
    for (int i = 0; i < v.links_size() && i < kMaxLinks; ++i) {
      std::string at = "blocks.variable.links[" + std::to_string(i) + "]";
      e.text(at + ".label", v.links(i).label(), {.max_chars = 100});
      e.http_url(at + ".url", v.links(i).url());
      links.push_back({{"label", v.links(i).label()}, {"url", v.links(i).url()}});
    }
    e.http_url("blocks.variable.embed_url", v.embed_url(), false);
    e.text("blocks.variable.embed_title", v.embed_title(), {.required = !v.embed_url().empty(), .max_chars = 200});
    if (b.version() <= 0)
      e.add("blocks.version", "required", "読み込んだ版番号を指定してください", "the version that was read is required");
    BlocksRow row{req->site(), b.emergency_enabled(), b.emergency_title(), b.emergency_body(), v.text(), "",
                  b.version(), links.dump(), v.embed_url(), v.embed_title()};
    return pool_.transaction([&](db::Tx& tx) {
      // A frame only of a page on a host the admins allowed (an https page of theirs).
      auto hosts = store::site(tx).embed_hosts;
      if (!v.embed_url().empty() && !allowed(hosts, v.embed_url()))
        e.add("blocks.variable.embed_url", "not_allowed", "埋め込みを許可されたサイト（https）のページを指定してください",
              "must be an https page of an allowed host");
      if (!e.empty()) return rpc::invalid(e);
      if (!store::update_blocks(tx, row, p.account_id())) return stale();
      to_proto(*store::find_blocks(tx, req->site()), resp);
      rpc::audit(tx, p, "edit", "site_blocks", req->site(), {{"emergency", b.emergency_enabled()}});
      return Status::OK;
    });
  });
}

Status ContentServiceImpl::GetPage(grpc::ServerContext* ctx, const GetPageRequest* req, Article* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetPage", [&](const Principal&) {
    Errors e;
    slug_ok(e, req->slug());  // "../", "%00", ... are refused here, before any lookup
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    return pool_.read([&](db::Tx& tx) {
      auto row = store::find_page(tx, req->site().empty() ? "supernet" : req->site(), req->slug());
      if (!row) return not_found();
      to_proto(tx, *row, false, resp);
      return Status::OK;
    });
  });
}

search::Page public_articles(const ArticleIndex& index, const ArticleFilters& f, int limit, int offset) {
  // An empty kind is no list of its own: it matches nothing, as an unknown one does.
  const uint8_t kind = f.kind.empty() ? search::kUnknown : search::code(kArticleKinds, f.kind);
  const uint8_t site = search::code(kArticleSites, f.site), both = search::code(kArticleSites, "both");
  return index.search(
      f.keywords,
      [&](const ArticleHot& h, const ArticleCold&) {
        return h.kind == kind && (site == search::kAny || h.site == site || h.site == both);
      },
      limit, offset, std::to_string(kind) + "|" + std::to_string(site));
}

Status ContentServiceImpl::list_public(grpc::ServerContext* ctx, const ListArticlesRequest* req,
                                       ListArticlesResponse* resp, const char* method, const std::string& kind) {
  return rpc::guarded(ctx, config_.hmac_key, method, [&](const Principal&) {
    Errors e;
    ArticleFilters f = filters_of(e, req->q(), *variants());
    rpc::check_declared(*req, e);
    if (kind.empty() && req->kind().empty()) e.missing("kind");  // /api/v1/articles names the kind
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    f.site = req->site();
    f.kind = kind.empty() ? req->kind() : kind;
    search::Page found = public_articles(articles_, f, page.limit, page.offset);
    rendered_.answer(page, found, resp, [&](const std::vector<std::string>& ids) {
      google::protobuf::RepeatedPtrField<Article> out;
      pool_.read([&](db::Tx& tx) { to_proto(tx, store::find_published_articles(tx, ids), false, &out); });
      return out;
    });
    return Status::OK;
  });
}

Status ContentServiceImpl::ListNotices(grpc::ServerContext* ctx, const ListArticlesRequest* req,
                                       ListArticlesResponse* resp) {
  return list_public(ctx, req, resp, "ListNotices", "notice");
}
Status ContentServiceImpl::ListCenterNews(grpc::ServerContext* ctx, const ListArticlesRequest* req,
                                          ListArticlesResponse* resp) {
  return list_public(ctx, req, resp, "ListCenterNews", "center_news");
}
Status ContentServiceImpl::ListArticles(grpc::ServerContext* ctx, const ListArticlesRequest* req,
                                        ListArticlesResponse* resp) {
  return list_public(ctx, req, resp, "ListArticles", "");
}

Status ContentServiceImpl::GetArticle(grpc::ServerContext* ctx, const GetArticleRequest* req, Article* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetArticle", [&](const Principal& p) {
    if (!validation::is_uuid(req->id())) return not_found();
    bool staff = rpc::is_staff(p);
    return rendered_.detail(req->id(), staff ? std::nullopt : articles_.stamp_of(req->id()), resp, [&](Article* out) {
      return pool_.read([&](db::Tx& tx) {
        auto row = store::find_article(tx, req->id());
        if (!row || (row->state != "published" && !staff)) return not_found();
        to_proto(tx, *row, staff, out);
        return Status::OK;
      });
    });
  });
}

Status ContentServiceImpl::GetArticleImage(grpc::ServerContext* ctx, const ImageRequest* req,
                                           civic::common::HttpBody* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetArticleImage", [&](const Principal& p) {
    if (!validation::is_uuid(req->id()) || !validation::is_uuid(req->image_id())) return not_found();
    return pool_.read([&](db::Tx& tx) {
      auto row = store::find_article(tx, req->id());
      if (!row || (row->state != "published" && !rpc::is_staff(p))) return not_found();
      auto image = store::find_image(tx, row->id, req->image_id());
      if (!image) return not_found();
      resp->set_content_type(image->content_type);
      resp->set_data(std::move(image->data));
      return Status::OK;
    });
  });
}

Status ContentServiceImpl::AdminListArticles(grpc::ServerContext* ctx, const AdminListArticlesRequest* req,
                                             ListArticlesResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "AdminListArticles", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    ArticleFilters f = filters_of(e, req->q(), *variants());
    rpc::check_declared(*req, e);
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    f.kind = req->kind();
    return pool_.read([&](db::Tx& tx) {
      auto found = store::list_articles(tx, req->state(), f, page.limit, page.offset);
      to_proto(tx, found.items, true, resp->mutable_items());
      resp->set_total_size(int32_t(found.total));
      resp->set_next_page_token(paging::next_token(page, found.items.size(), found.total));
      return Status::OK;
    });
  });
}

Status ContentServiceImpl::UploadArticleFile(grpc::ServerContext* ctx, const UploadFileRequest* req, ArticleFile* resp) {
  return admin_.staff(ctx, "UploadArticleFile", true, [&](const Principal& p) {
    if (!validation::is_uuid(req->id())) return not_found();
    Errors e;
    e.text("title", req->title(), {.max_chars = 200});
    const std::string& data = req->file().data();
    std::optional<files::Kind> kind;
    if (data.empty()) e.add("file", "required", "ファイルを選んでください", "a file is required");
    else if (data.size() > kMaxFormBytes) e.add("file", "too_large", "ファイルは10MBまでです", "at most 10 MB");
    else if (!(kind = files::sniff(data)) || (kind->extension != "pdf" && kind->extension != "docx" &&
                                               kind->extension != "xlsx"))
      // Whatever the name or declared type says: a disguised program is refused here.
      e.add("file", "type_not_allowed", "PDF・Word(docx)・Excel(xlsx) のファイルだけを掲載できます",
            "only PDF, DOCX and XLSX content");
    if (!e.empty()) return rpc::invalid(e);
    if (Status s = rpc::scan_upload(config_.scanner, pool_, p, "file", data, "article", req->id()); !s.ok()) return s;
    FileRow f{crypto::uuid_v4(), req->id(), req->title(), files::display_name(req->file().filename()), kind->mime,
              data, int64_t(data.size())};
    return search::caught_up(articles_, pool_.transaction([&](db::Tx& tx) {
      auto article = store::find_article(tx, req->id(), true);
      if (!article) return not_found();
      if (article->kind != "form")
        return rpc::invalid("file", "not_applicable", "申請書などのファイルは「様式」の記事にだけ掲載できます",
                            "files belong to articles of kind form");
      store::insert_file(tx, f, p.account_id());
      to_proto(f, resp);
      rpc::audit(tx, p, "attach_file", "article", article->id, {{"file_id", f.id}, {"bytes", f.size}});
      return Status::OK;
    }));
  });
}

Status ContentServiceImpl::GetArticleFile(grpc::ServerContext* ctx, const FileRequest* req,
                                          civic::common::HttpBody* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetArticleFile", [&](const Principal& p) {
    if (!validation::is_uuid(req->id()) || !validation::is_uuid(req->file_id())) return not_found();
    return pool_.read([&](db::Tx& tx) {
      auto row = store::find_article(tx, req->id());
      if (!row || (row->state != "published" && !rpc::is_staff(p))) return not_found();
      auto f = store::find_file(tx, row->id, req->file_id());
      if (!f) return not_found();
      resp->set_content_type(f->content_type);
      resp->set_filename(f->filename);  // always a download (Content-Disposition: attachment)
      resp->set_data(std::move(f->data));
      return Status::OK;
    });
  });
}

Status ContentServiceImpl::DeleteArticleFile(grpc::ServerContext* ctx, const FileRequest* req, civic::common::Empty*) {
  return admin_.staff(ctx, "DeleteArticleFile", true, [&](const Principal& p) {
    if (!validation::is_uuid(req->id()) || !validation::is_uuid(req->file_id())) return not_found();
    return search::caught_up(articles_, pool_.transaction([&](db::Tx& tx) {
      if (!store::delete_file(tx, req->id(), req->file_id())) return not_found();
      rpc::audit(tx, p, "delete_file", "article", req->id(), {{"file_id", req->file_id()}});
      return Status::OK;
    }));
  });
}

Status ContentServiceImpl::DeleteArticleImage(grpc::ServerContext* ctx, const ImageRequest* req, civic::common::Empty*) {
  return admin_.staff(ctx, "DeleteArticleImage", true, [&](const Principal& p) {
    if (!validation::is_uuid(req->id()) || !validation::is_uuid(req->image_id())) return not_found();
    return search::caught_up(articles_, pool_.transaction([&](db::Tx& tx) {
      if (!store::delete_image(tx, req->id(), req->image_id())) return not_found();
      rpc::audit(tx, p, "delete_image", "article", req->id(), {{"image_id", req->image_id()}});
      return Status::OK;
    }));
  });
}

rpc::Collection<ArticleRow, Article> ContentServiceImpl::article_collection() {
  return {
      .entity = "article",
      .pool = &pool_,
      .hmac_key = &config_.hmac_key,
      .find = [](db::Tx& tx, const std::string& id, bool lock) { return store::find_article(tx, id, lock); },
      .render = [](db::Tx& tx, const ArticleRow& row, Article* out) { to_proto(tx, row, true, out); },
      .set_state = store::set_article_state,
      .copy =
          [](db::Tx& tx, const ArticleRow& row, const Principal& p) {
            Article content;
            to_proto(tx, row, true, &content);
            ArticleRow copy = row_of(content);
            copy.id = crypto::uuid_v4();
            copy.created_by = p.account_id();
            copy.duplicated_from = row.id;
            // A copy of a page may not take the live page's address; staff give it a new one.
            if (copy.kind == "page") copy.slug = copy.slug.substr(0, 55) + "-copy-" + copy.id.substr(0, 4);
            store::insert_article(tx, copy);
            return copy.id;
          },
      .erase = [](db::Tx& tx, const ArticleRow& row) { store::erase_article(tx, row.id); },
      .written = [this] { articles_.catch_up(); },  // a published article's new text is listed at once
      .table = "articles",
  };
}

Status ContentServiceImpl::CreateArticle(grpc::ServerContext* ctx, const SaveArticleRequest* req, Article* resp) {
  return admin_.create(
      ctx, "CreateArticle", [&] { return validate(req->article()); },
      [&](db::Tx& tx, const Principal& p) { return insert_new(tx, req->article(), p); }, resp);
}

// Notices, centre news, interview reports and fixed pages of the former site. A page's
// address (slug) stays unique per site (taken: 409).
Status ContentServiceImpl::ImportArticle(grpc::ServerContext* ctx, const ImportArticleRequest* req,
                                         civic::common::ImportResult* resp) {
  return admin_.import(
      ctx, "ImportArticle", req->meta(), *req, [&] { return validate(req->article()); },
      [&](db::Tx& tx, const Principal& p) { return insert_new(tx, req->article(), p); },
      [&](db::Tx& tx, const ArticleRow& current) {
        if (current.kind != req->article().kind())
          throw rpc::Abort{rpc::invalid("article.kind", "not_changeable", "種類は変更できません",
                                        "the kind cannot be changed")};
        ArticleRow row = row_of(req->article());
        row.id = current.id;
        row.version = current.version;
        store::update_article(tx, row);
      },
      resp);
}

Status ContentServiceImpl::UpdateArticle(grpc::ServerContext* ctx, const SaveArticleRequest* req, Article* resp) {
  return admin_.edit(
      ctx, "UpdateArticle", req->id(), [&] { return validate(req->article()); },
      [&](const ArticleRow& current) {
        if (current.kind == req->article().kind()) return Status::OK;
        return rpc::invalid("kind", "not_changeable", "種類は変更できません", "the kind cannot be changed");
      },
      [&](db::Tx& tx, const ArticleRow& current, std::vector<std::string>& changed) {
        Article before;
        to_proto(tx, current, true, &before);
        changed = rpc::changed_fields(before, req->article(),
                                      {"id", "version", "state", "images", "files", "published_at", "updated_at"});
        ArticleRow row = row_of(req->article());
        row.id = current.id;
        row.version = req->article().version();
        return store::update_article(tx, row);
      },
      resp);
}

Status ContentServiceImpl::UploadArticleImage(grpc::ServerContext* ctx, const UploadImageRequest* req,
                                              ArticleImage* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "UploadArticleImage", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return not_found();
    Errors e;
    auto kind = files::checked_image(e, req->alt(), req->file().data(), kMaxImageBytes);
    if (!e.empty()) return rpc::invalid(e);
    if (Status s = rpc::scan_upload(config_.scanner, pool_, p, "file", req->file().data(), "article", req->id());
        !s.ok())
      return s;
    ImageRow image{crypto::uuid_v4(), req->id(), req->alt(), kind->mime, req->file().data(), 0};
    image.size = int64_t(image.data.size());
    return search::caught_up(articles_, pool_.transaction([&](db::Tx& tx) {
      auto article = store::find_article(tx, req->id(), true);
      if (!article) return not_found();
      store::insert_image(tx, image, p.account_id());
      content::to_proto(image, resp);
      rpc::audit(tx, p, "attach_image", "article", article->id, {{"image_id", image.id}, {"bytes", image.size}});
      return Status::OK;
    }));
  });
}

} // namespace civic::content
