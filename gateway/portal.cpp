// The in-process handlers of portal.proto: reads that no single service owns (SPEC
// CNT-5, MAT-5), a site's home page in one call and the site-wide search, and the
// OpenAPI document. Each composite asks the owning services in parallel with its own
// deadline; a service that does not answer in time leaves its section out and marks the
// response partial — the page never fails whole because one service is down.
#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include <algorithm>
#include <functional>
#include <future>

#include "civic/content.pb.h"
#include "civic/directory.pb.h"
#include "civic/grants.pb.h"
#include "civic/matching.pb.h"
#include "civic/notification.pb.h"
#include "civic/portal.grpc.pb.h"
#include "civic/common.pb.h"
#include "civic/recruitment.pb.h"
#include "core/log.h"
#include "core/validation.h"
#include "gateway/gateway.h"
#include "gateway/errors.h"
#include "rpc/declared.h"
#include "rpc/principal.h"
#include "rpc/status.h"
#include "text/text.h"

namespace civic::gateway {
namespace {
using google::protobuf::Message;
using GenericStub = grpc::TemplatedGenericStub<Message, Message>;

template <typename Response, typename Request>
Gateway::Call section(std::string section, const Request& request, const char* method) {
  const auto* service = Request::descriptor()->file()->service(0);
  std::string package = service->file()->package();
  return {std::move(section), package.substr(package.rfind('.') + 1),
          "/" + service->full_name() + "/" + method, std::make_unique<Request>(request),
          std::make_unique<Response>(), grpc::Status::OK};
}


// The site-wide search asks each section for its first kPerSection hits and shows at
// most kShown of them merged, with every section's total. (10 per section was measured
// against 20, and one call per service against one per list: the stack's CPU per
// search stayed ~12 ms — docs/benchmarks.md.)
constexpr int kPerSection = 20;
constexpr size_t kShown = 50;

// What a public list says of one item, comparable across services.
struct Item {
  std::string type, id, title, about, published_at, updated_at;
};

// One public list the site-wide search and the sitemap read: how to ask it for a
// keyword `q` (none: newest first) and `size` items, and how to read its total and
// items.
struct Listing {
  std::string section;
  std::string site;  // only on this site's search and sitemap; empty: both
  bool searchable;   // false: the sitemap only (a list without a keyword search)
  std::function<Gateway::Call(const std::string& site, const std::string& q, int size)> ask;
  std::function<int32_t(const Message&, std::vector<Item>&)> read;
};

template <class Request, class Response, class Ask, class Read>
Listing listing(std::string name, std::string site, bool searchable, const char* method, Ask ask, Read read_item) {
  return {name, std::move(site), searchable,
          [=](const std::string& on, const std::string& q, int size) {
            Request r;
            ask(r, on, q);
            r.set_page_size(size);
            return section<Response>(name, r, method);
          },
          [=](const Message& m, std::vector<Item>& out) {
            const auto& r = static_cast<const Response&>(m);
            for (const auto& x : r.items()) out.push_back(read_item(x));
            return r.total_size();
          }};
}

// Every public list of the two sites, in the order the sitemap shows them.
const std::vector<Listing>& listings() {
  static const std::vector<Listing> all = [] {
    auto keyword = [](auto& r, const std::string&, const std::string& q) { r.set_q(q); };
    auto on_site = [](auto& r, const std::string& site, const std::string& q) {
      r.set_site(site);
      r.set_q(q);
    };
    std::vector<Listing> l;
    l.push_back(listing<directory::ListOrganizationsRequest, directory::ListOrganizationsResponse>(
        "organizations", "", true, "ListOrganizations", on_site, [](const directory::Organization& o) {
          return Item{"organization", o.id(), o.name(), o.activities(), o.published_at(), o.updated_at()};
        }));
    l.push_back(listing<matching::ListMembersRequest, matching::ListMembersResponse>(
        "members", "aikasanet", true, "ListMembers", keyword, [](const matching::Member& m) {
          // The public profile only: an individual has no name in public.
          std::string title = m.display_name().empty() ? "個人会員" : m.display_name();
          return Item{"member", m.id(), title, m.selling_point(), m.published_at(), m.updated_at()};
        }));
    l.push_back(listing<recruitment::ListRecruitmentsRequest, recruitment::ListRecruitmentsResponse>(
        "recruitments", "", true, "ListRecruitments", keyword, [](const recruitment::Recruitment& x) {
          return Item{"recruitment", x.id(), x.title(), x.content(), x.published_at(), x.updated_at()};
        }));
    l.push_back(listing<recruitment::ListEventsRequest, recruitment::ListEventsResponse>(
        "events", "", true, "ListEvents",
        [](auto& r, const std::string&, const std::string& q) {
          r.set_q(q);  // a keyword: the coming ones by date; none: 新着順
          if (q.empty()) r.set_sort("newest");
        },
        [](const recruitment::Event& x) {
          return Item{"event", x.id(), x.title(), x.content(), x.published_at(), x.updated_at()};
        }));
    l.push_back(listing<grants::ListGrantsRequest, grants::ListGrantsResponse>(
        "grants", "", true, "ListGrants", keyword, [](const grants::Grant& g) {
          return Item{"grant", g.id(), g.name(), g.purpose(), g.published_at(), g.updated_at()};
        }));
    l.push_back(listing<grants::ListBooksRequest, grants::ListBooksResponse>(
        "books", "", true, "ListBooks", keyword, [](const grants::Book& b) {
          return Item{"book", b.id(), b.title(), b.description(), b.published_at(), b.updated_at()};
        }));
    l.push_back(listing<grants::ListReportsRequest, grants::ListReportsResponse>(
        "reports", "", true, "ListReports", keyword, [](const grants::Report& x) {
          return Item{"report", x.id(), x.title(), x.content(), x.published_at(), x.updated_at()};
        }));
    auto article = [](const content::Article& a) {
      return Item{a.kind(), a.id(), a.title(), a.body(), a.published_at(), a.updated_at()};
    };
    l.push_back(listing<content::ListArticlesRequest, content::ListArticlesResponse>("notices", "", true, "ListNotices",
                                                                                     on_site, article));
    l.push_back(listing<content::ListArticlesRequest, content::ListArticlesResponse>(
        "center_news", "", true, "ListCenterNews", on_site, article));
    for (std::string kind : {"page", "interview", "faq", "link", "form"})
      l.push_back(listing<content::ListArticlesRequest, content::ListArticlesResponse>(
          kind, "", true, "ListArticles",
          [kind](auto& r, const std::string& site, const std::string& q) {
            r.set_site(site);
            r.set_kind(kind);
            r.set_q(q);
          },
          article));
    l.push_back(listing<notification::ListNewslettersRequest, notification::ListNewslettersResponse>(
        "newsletters", "", false, "ListNewsletters",
        [](auto& r, const std::string& site, const std::string&) { r.set_site(site); },
        [](const notification::Newsletter& n) {
          return Item{"newsletter", n.id(), n.title(), "", n.published_at(), n.updated_at()};
        }));
    return l;
  }();
  return all;
}

bool on(const Listing& l, const std::string& site) { return l.site.empty() || l.site == site; }

} // namespace

void Gateway::call_all(std::vector<Call>& calls, const std::string& request_id) {
  rpc::Principal principal = own_principal(request_id);  // public reads: nobody's session travels with them
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::future<grpc::Status>> results;
  for (auto& c : calls) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    sign(*ctx, principal, config_.fanout_timeout);
    auto done = std::make_shared<std::promise<grpc::Status>>();
    results.push_back(done->get_future());
    GenericStub(channels_.at(c.backend))
        .UnaryCall(ctx.get(), c.path, grpc::StubOptions(), c.request.get(), c.response.get(),
                   [done](grpc::Status s) { done->set_value(std::move(s)); });
    contexts.push_back(std::move(ctx));
  }
  for (size_t i = 0; i < calls.size(); ++i) {
    calls[i].status = results[i].get();
    if (!calls[i].status.ok())
      log::warn("fanout_section_missing", {{"section", calls[i].section}, {"backend", calls[i].backend},
                                           {"code", int(calls[i].status.error_code())}});
  }
}

void Gateway::register_portal() {
  using namespace std::placeholders;
  const auto* service = portal::HomeRequest::descriptor()->file()->FindServiceByName("PortalService");
  auto path = [service](const char* method) { return "/" + service->full_name() + "/" + method; };
  local_[path("Home")] = std::bind(&Gateway::home, this, _1, _2, _3);
  local_[path("Search")] = std::bind(&Gateway::search, this, _1, _2, _3);
  local_[path("Sitemap")] = std::bind(&Gateway::sitemap, this, _1, _2, _3);
  local_[path("OpenApi")] = [this](RequestContext& ctx, const Message&, Message& out) {
    auto& doc = static_cast<common::HttpBody&>(out);
    doc.set_content_type("application/json");
    doc.set_data(openapi_);
    ctx.personal = false;
    return grpc::Status::OK;
  };
}

namespace {
// A request's site (supernet when unset), its fields checked against their declared rules.
template <typename Request>
std::string site_of(const Request& req, validation::Errors& e) {
  rpc::check_declared(req, e);
  return req.site().empty() ? "supernet" : req.site();
}

// Marks the response partial and names the sections whose service did not answer.
template <typename Response>
void note_missing(const std::vector<Gateway::Call>& calls, Response& out, RequestContext& ctx) {
  for (const auto& c : calls)
    if (!c.status.ok()) out.add_unavailable(c.section);
  out.set_partial(out.unavailable_size() > 0);
  ctx.partial = out.partial();
}
} // namespace

grpc::Status Gateway::home(RequestContext& ctx, const Message& in, Message& out_message) {
  const auto& req = static_cast<const portal::HomeRequest&>(in);
  auto& out = static_cast<portal::HomeResponse&>(out_message);
  validation::Errors e;
  std::string site = site_of(req, e);
  if (!e.empty()) return rpc::invalid(e);

  std::vector<Call> calls;
  if (site == "supernet") {
    directory::ListOrganizationsRequest orgs;
    orgs.set_site(site);
    orgs.set_page_size(3);
    calls.push_back(section<directory::ListOrganizationsResponse>("organizations", orgs, "ListOrganizations"));
    recruitment::ListEventsRequest events;  // the next 3 events and recruitment notices
    events.set_page_size(3);
    calls.push_back(section<recruitment::ListEventsResponse>("events", events, "ListEvents"));
    grants::ListGrantsRequest grants;
    grants.set_page_size(3);
    calls.push_back(section<grants::ListGrantsResponse>("grants", grants, "ListGrants"));
    recruitment::ListEventsRequest newest;  // 募集情報 新着順: the 3 newest published
    newest.set_sort("newest");
    newest.set_page_size(3);
    calls.push_back(section<recruitment::ListEventsResponse>("newest_events", newest, "ListEvents"));
    content::ListArticlesRequest center_news;  // センターからのお知らせ
    center_news.set_site(site);
    center_news.set_page_size(5);
    calls.push_back(section<content::ListArticlesResponse>("center_news", center_news, "ListCenterNews"));
  } else {
    // MAT-5 in one call: member counts by type and the 6 newest members.
    calls.push_back(section<matching::MemberSummaryResponse>("members", matching::MemberSummaryRequest(), "MemberSummary"));
    recruitment::ListRecruitmentsRequest recruitments;
    recruitments.set_page_size(3);
    calls.push_back(section<recruitment::ListRecruitmentsResponse>("recruitments", recruitments, "ListRecruitments"));
    notification::ListNewslettersRequest news;  // 活動ニュース: the 6 newest mail-magazine issues
    news.set_site(site);
    news.set_page_size(6);
    calls.push_back(section<notification::ListNewslettersResponse>("activity_news", news, "ListNewsletters"));
  }
  content::ListArticlesRequest notices;
  notices.set_site(site);
  notices.set_page_size(7);
  calls.push_back(section<content::ListArticlesResponse>("notices", notices, "ListNotices"));
  content::GetSiteBlocksRequest blocks;
  blocks.set_site(site);
  calls.push_back(section<content::SiteBlocks>("blocks", blocks, "GetSiteBlocks"));
  call_all(calls, ctx.request_id);

  out.set_site(site);
  note_missing(calls, out, ctx);
  for (auto& c : calls) {
    if (!c.status.ok()) continue;
    Message& section = *c.response;
    if (c.section == "members") {  // the summary: counts, and the newest as a list
      auto& summary = static_cast<matching::MemberSummaryResponse&>(section);
      out.mutable_member_counts()->set_individual(summary.individuals());
      out.mutable_member_counts()->set_group(summary.groups());
      out.mutable_member_counts()->set_company(summary.companies());
      out.mutable_members()->mutable_items()->Swap(summary.mutable_newest());
    } else {
      // Every other section is the owning service's list response, in the field of its name.
      Message* target = out.GetReflection()->MutableMessage(&out, out.GetDescriptor()->FindFieldByName(c.section));
      target->GetReflection()->Swap(target, &section);
    }
  }
  return grpc::Status::OK;
}

grpc::Status Gateway::search(RequestContext& ctx, const Message& in, Message& out_message) {
  const auto& req = static_cast<const portal::SearchRequest&>(in);
  auto& out = static_cast<portal::SearchResponse&>(out_message);
  validation::Errors e;
  std::string site = site_of(req, e);
  const std::string& q = req.q();
  e.text("q", q, {.max_chars = 100});
  if (!e.empty()) return rpc::invalid(e);

  std::vector<const Listing*> asked;
  std::vector<Call> calls;
  for (const auto& l : listings())
    if (l.searchable && on(l, site)) {
      asked.push_back(&l);
      calls.push_back(l.ask(site, q, kPerSection));
    }
  call_all(calls, ctx.request_id);

  out.set_site(site);
  out.set_q(q);
  note_missing(calls, out, ctx);
  // Merged by relevance (each keyword in the title counts double), then recency.
  auto terms = text::query(q).terms;
  struct Hit {
    Item item;
    int score = 0;
  };
  std::vector<Hit> hits;
  auto& totals = *out.mutable_totals();
  for (size_t i = 0; i < calls.size(); ++i) {
    if (!calls[i].status.ok()) continue;
    std::vector<Item> items;
    totals[calls[i].section] = asked[i]->read(*calls[i].response, items);
    for (auto& item : items) {
      std::string t = text::normalize(item.title);
      int score = 0;
      for (const auto& term : terms) score += t.find(term) != std::string::npos ? 2 : 1;
      hits.push_back({std::move(item), score});
    }
  }
  std::stable_sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.score != b.score ? a.score > b.score : a.item.published_at > b.item.published_at;
  });
  for (size_t i = 0; i < hits.size() && i < kShown; ++i) {
    const Item& h = hits[i].item;
    auto* item = out.add_items();
    item->set_type(h.type);
    item->set_id(h.id);
    item->set_title(h.title);
    item->set_summary(text::prefix(h.about, 100));
    item->set_published_at(h.published_at);
  }
  return grpc::Status::OK;
}

// The sitemap (サイトマップ) of a site: its fixed pages one by one, and every public list
// with its total and the time its newest item was published or updated.
grpc::Status Gateway::sitemap(RequestContext& ctx, const Message& in, Message& out_message) {
  const auto& req = static_cast<const portal::SitemapRequest&>(in);
  auto& out = static_cast<portal::SitemapResponse&>(out_message);
  validation::Errors e;
  std::string site = site_of(req, e);
  if (!e.empty()) return rpc::invalid(e);
  constexpr int kPages = 100;  // every fixed page (the sites have a few dozen)
  std::vector<const Listing*> asked;
  std::vector<Call> calls;
  for (const auto& l : listings())
    if (on(l, site)) {
      asked.push_back(&l);
      calls.push_back(l.ask(site, "", l.section == "page" ? kPages : 1));
    }
  call_all(calls, ctx.request_id);

  out.set_site(site);
  note_missing(calls, out, ctx);
  for (size_t i = 0; i < calls.size(); ++i) {
    if (!calls[i].status.ok()) continue;
    std::vector<Item> items;
    int32_t total = asked[i]->read(*calls[i].response, items);
    if (calls[i].section == "page") {
      const auto& pages = static_cast<const content::ListArticlesResponse&>(*calls[i].response).items();
      std::vector<const content::Article*> by_title;
      for (const auto& a : pages) by_title.push_back(&a);
      std::sort(by_title.begin(), by_title.end(), [](const auto* a, const auto* b) { return a->title() < b->title(); });
      for (const auto* a : by_title) {
        auto* entry = out.add_pages();
        entry->set_type("page");
        entry->set_id(a->id());
        entry->set_slug(a->slug());
        entry->set_title(a->title());
        entry->set_last_modified(std::max(a->published_at(), a->updated_at()));
      }
      continue;
    }
    auto* entry = out.add_collections();
    entry->set_type(calls[i].section);
    entry->set_total(total);
    if (!items.empty()) entry->set_last_modified(std::max(items.front().published_at, items.front().updated_at));
  }
  return grpc::Status::OK;
}

} // namespace civic::gateway
