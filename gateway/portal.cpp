// The in-process handlers of portal.proto: reads that no single service owns (SPEC
// CNT-5, MAT-5), a site's home page in one call and the site-wide search, and the
// OpenAPI document. Each composite asks the owning services in parallel with its own
// deadline; a service that does not answer in time leaves its section out and marks the
// response partial — the page never fails whole because one service is down.
#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/proto_utils.h>

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

// A hit of the site-wide search, comparable across services.
struct Hit {
  std::string type, id, title, summary, published_at;
  int score = 0;
};

std::string summary_of(const std::string& text) {  // the first 100 characters
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size() && chars < 100; ++chars) {
    size_t len = (static_cast<unsigned char>(text[i]) & 0xE0) == 0xC0 ? 2
                 : (static_cast<unsigned char>(text[i]) & 0xF0) == 0xE0 ? 3
                 : (static_cast<unsigned char>(text[i]) & 0xF8) == 0xF0 ? 4 : 1;
    out.append(text, i, len);
    i += len;
  }
  return out;
}
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
      log::warn("fanout_section_missing", {{"request_id", request_id}, {"section", calls[i].section},
                                           {"backend", calls[i].backend}, {"code", int(calls[i].status.error_code())}});
  }
}

void Gateway::register_portal() {
  using namespace std::placeholders;
  const auto* service = portal::HomeRequest::descriptor()->file()->FindServiceByName("PortalService");
  auto path = [service](const char* method) { return "/" + service->full_name() + "/" + method; };
  local_[path("Home")] = std::bind(&Gateway::home, this, _1, _2, _3);
  local_[path("Search")] = std::bind(&Gateway::search, this, _1, _2, _3);
  local_[path("OpenApi")] = [this](RequestContext& ctx, const Message&, Message& out) {
    auto& doc = static_cast<common::HttpBody&>(out);
    doc.set_content_type("application/json");
    doc.set_data(openapi_);
    ctx.personal = false;
    return grpc::Status::OK;
  };
}

namespace {
// A site parameter: supernet when unset.
std::string site_of(const std::string& site, validation::Errors& e) {
  std::string s = site.empty() ? "supernet" : site;
  e.one_of("site", s, {"supernet", "aikasanet"});
  return s;
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
  std::string site = site_of(req.site(), e);
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
  std::string site = site_of(req.site(), e);
  const std::string& q = req.q();
  e.text("q", q, {.max_chars = 100});
  if (!e.empty()) return rpc::invalid(e);

  std::vector<Call> calls;
  directory::ListOrganizationsRequest orgs;
  orgs.set_site(site);
  orgs.set_q(q);
  orgs.set_page_size(kPerSection);
  calls.push_back(section<directory::ListOrganizationsResponse>("organizations", orgs, "ListOrganizations"));
  grants::ListGrantsRequest grants;
  grants.set_q(q);
  grants.set_page_size(kPerSection);
  calls.push_back(section<grants::ListGrantsResponse>("grants", grants, "ListGrants"));
  recruitment::ListEventsRequest events;  // coming ones
  events.set_q(q);
  events.set_page_size(kPerSection);
  calls.push_back(section<recruitment::ListEventsResponse>("events", events, "ListEvents"));
  recruitment::ListRecruitmentsRequest recruitments;  // open ones
  recruitments.set_q(q);
  recruitments.set_page_size(kPerSection);
  calls.push_back(section<recruitment::ListRecruitmentsResponse>("recruitments", recruitments, "ListRecruitments"));
  grants::ListBooksRequest books;
  books.set_q(q);
  books.set_page_size(kPerSection);
  calls.push_back(section<grants::ListBooksResponse>("books", books, "ListBooks"));
  grants::ListReportsRequest reports;
  reports.set_q(q);
  reports.set_page_size(kPerSection);
  calls.push_back(section<grants::ListReportsResponse>("reports", reports, "ListReports"));
  for (const auto& [name, method] : {std::pair{"notices", "ListNotices"}, {"center_news", "ListCenterNews"}}) {
    content::ListArticlesRequest articles;
    articles.set_site(site);
    articles.set_q(q);
    articles.set_page_size(kPerSection);
    calls.push_back(section<content::ListArticlesResponse>(name, articles, method));
  }
  for (const char* kind : {"interview", "faq"}) {
    content::ListArticlesRequest articles;
    articles.set_site(site);
    articles.set_kind(kind);
    articles.set_q(q);
    articles.set_page_size(kPerSection);
    calls.push_back(section<content::ListArticlesResponse>(kind, articles, "ListArticles"));
  }
  call_all(calls, ctx.request_id);

  out.set_site(site);
  out.set_q(q);
  note_missing(calls, out, ctx);
  // Merged by relevance (each keyword in the title counts double), then recency.
  auto terms = text::query(q).terms;
  std::vector<Hit> hits;
  auto add = [&](const std::string& type, const std::string& id, const std::string& title, const std::string& about,
                 const std::string& published_at) {
    Hit h{type, id, title, summary_of(about), published_at, 0};
    std::string t = text::normalize(title);
    for (const auto& term : terms) h.score += t.find(term) != std::string::npos ? 2 : 1;
    hits.push_back(std::move(h));
  };
  auto& totals = *out.mutable_totals();
  for (auto& c : calls) {
    if (!c.status.ok()) continue;
    if (c.section == "organizations") {
      auto& r = static_cast<directory::ListOrganizationsResponse&>(*c.response);
      totals[c.section] = r.total_size();
      for (const auto& o : r.items()) add("organization", o.id(), o.name(), o.activities(), o.published_at());
    } else if (c.section == "grants") {
      auto& r = static_cast<grants::ListGrantsResponse&>(*c.response);
      totals[c.section] = r.total_size();
      for (const auto& g : r.items()) add("grant", g.id(), g.name(), g.purpose(), g.published_at());
    } else if (c.section == "events") {
      auto& r = static_cast<recruitment::ListEventsResponse&>(*c.response);
      totals[c.section] = r.total_size();
      for (const auto& x : r.items()) add("event", x.id(), x.title(), x.content(), x.published_at());
    } else if (c.section == "recruitments") {
      auto& r = static_cast<recruitment::ListRecruitmentsResponse&>(*c.response);
      totals[c.section] = r.total_size();
      for (const auto& x : r.items()) add("recruitment", x.id(), x.title(), x.content(), x.published_at());
    } else if (c.section == "books") {
      auto& r = static_cast<grants::ListBooksResponse&>(*c.response);
      totals[c.section] = r.total_size();
      for (const auto& b : r.items()) add("book", b.id(), b.title(), b.description(), b.published_at());
    } else if (c.section == "reports") {
      auto& r = static_cast<grants::ListReportsResponse&>(*c.response);
      totals[c.section] = r.total_size();
      for (const auto& x : r.items()) add("report", x.id(), x.title(), x.content(), x.published_at());
    } else {
      auto& r = static_cast<content::ListArticlesResponse&>(*c.response);
      totals[c.section] = r.total_size();
      for (const auto& a : r.items()) add(a.kind(), a.id(), a.title(), a.body(), a.published_at());
    }
  }
  std::stable_sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.score != b.score ? a.score > b.score : a.published_at > b.published_at;
  });
  for (size_t i = 0; i < hits.size() && i < kShown; ++i) {
    auto* item = out.add_items();
    item->set_type(hits[i].type);
    item->set_id(hits[i].id);
    item->set_title(hits[i].title);
    item->set_summary(hits[i].summary);
    item->set_published_at(hits[i].published_at);
  }
  return grpc::Status::OK;
}

} // namespace civic::gateway
