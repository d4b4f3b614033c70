// Composite reads that no single service owns (SPEC CNT-5, MAT-5): a site's home page
// in one call and the site-wide search. Each asks the owning services in parallel with
// its own deadline; a service that does not answer in time leaves its section out and
// marks the response partial — the page never fails whole because one service is down.
#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include <future>
#include <nlohmann/json.hpp>

#include "civic/content.pb.h"
#include "civic/directory.pb.h"
#include "civic/grants.pb.h"
#include "civic/matching.pb.h"
#include "civic/notification.pb.h"
#include "civic/recruitment.pb.h"
#include "core/log.h"
#include "core/validation.h"
#include "gateway/gateway.h"
#include "gateway/path_template.h"
#include "gateway/transcoder.h"
#include "rpc/principal.h"
#include "text/text.h"

namespace civic::gateway {
namespace {
using google::protobuf::Message;
using GenericStub = grpc::TemplatedGenericStub<Message, Message>;
using nlohmann::json;

template <typename Response, typename Request>
Gateway::Call call(std::string section, const Request& request, const char* method) {
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
  rpc::Principal principal;  // public reads: nobody's session travels with them
  principal.set_caller("gateway");
  principal.set_request_id(request_id);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::future<grpc::Status>> results;
  for (auto& c : calls) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + config_.fanout_timeout);
    ctx->AddMetadata("x-request-id", request_id);
    rpc::attach(*ctx, principal, config_.hmac_key);
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

HttpResponse Gateway::aggregate(const HttpRequest& req, const std::string& request_id, bool english,
                                std::string& route_label, bool& partial) {
  bool home = req.path == "/api/v1/home";
  route_label = "GET " + req.path;
  if (req.method != "GET") {
    HttpResponse r;
    r.status = 405;
    r.body = json{{"error", {{"code", 405}, {"status", "METHOD_NOT_ALLOWED"},
                             {"message", english ? "Method not allowed." : "このメソッドは使用できません"},
                             {"details", json::array()}}}}.dump();
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  std::map<std::string, std::string> params;
  validation::Errors e;
  for (const auto& [k, v] : req.query) {
    auto key = percent_decode(k, true), value = percent_decode(v, true);
    if (!key || !value) e.add(key.value_or("query"), "invalid_encoding", "文字の符号化が正しくありません", "bad percent-encoding");
    else params[*key] = *value;
  }
  std::string site = params.count("site") ? params["site"] : "supernet";
  e.one_of("site", site, {"supernet", "aikasanet"});
  std::string q = params.count("q") ? params.at("q") : "";
  if (!home) e.text("q", q, {.max_chars = 100});
  for (const auto& [k, v] : params)
    if (k != "site" && (home || k != "q"))
      e.add(k, "unknown_parameter", "使えないパラメータです", "unknown query parameter");
  if (!e.empty()) {
    HttpResponse bad;
    bad.status = http_status(grpc::StatusCode::INVALID_ARGUMENT);
    bad.body = error_body(grpc::StatusCode::INVALID_ARGUMENT, "入力内容に誤りがあります", e.list(), english);
    return bad;
  }

  std::vector<Call> calls;
  if (home) {
    if (site == "supernet") {
      directory::ListOrganizationsRequest orgs;
      orgs.set_site(site);
      orgs.set_page_size(3);
      calls.push_back(call<directory::ListOrganizationsResponse>("organizations", orgs, "ListOrganizations"));
      recruitment::ListEventsRequest events;  // the next 3 events and recruitment notices
      events.set_page_size(3);
      calls.push_back(call<recruitment::ListEventsResponse>("events", events, "ListEvents"));
    } else {
      // MAT-5 in one call: member counts by type and the 6 newest members.
      calls.push_back(call<matching::MemberSummaryResponse>("members", matching::MemberSummaryRequest(), "MemberSummary"));
      recruitment::ListRecruitmentsRequest recruitments;
      recruitments.set_page_size(3);
      calls.push_back(call<recruitment::ListRecruitmentsResponse>("recruitments", recruitments, "ListRecruitments"));
      notification::ListNewslettersRequest news;  // 活動ニュース: the 6 newest mail-magazine issues
      news.set_site(site);
      news.set_page_size(6);
      calls.push_back(call<notification::ListNewslettersResponse>("activity_news", news, "ListNewsletters"));
    }
    content::ListArticlesRequest notices;
    notices.set_site(site);
    notices.set_page_size(7);
    calls.push_back(call<content::ListArticlesResponse>("notices", notices, "ListNotices"));
    content::GetSiteBlocksRequest blocks;
    blocks.set_site(site);
    calls.push_back(call<content::SiteBlocks>("blocks", blocks, "GetSiteBlocks"));
    if (site == "supernet") {
      grants::ListGrantsRequest grants;
      grants.set_page_size(3);
      calls.push_back(call<grants::ListGrantsResponse>("grants", grants, "ListGrants"));
    }
  } else {
    directory::ListOrganizationsRequest orgs;
    orgs.set_site(site);
    orgs.set_q(q);
    orgs.set_page_size(kPerSection);
    calls.push_back(call<directory::ListOrganizationsResponse>("organizations", orgs, "ListOrganizations"));
    grants::ListGrantsRequest grants;
    grants.set_q(q);
    grants.set_page_size(kPerSection);
    calls.push_back(call<grants::ListGrantsResponse>("grants", grants, "ListGrants"));
    recruitment::ListEventsRequest events;  // coming ones
    events.set_q(q);
    events.set_page_size(kPerSection);
    calls.push_back(call<recruitment::ListEventsResponse>("events", events, "ListEvents"));
    recruitment::ListRecruitmentsRequest recruitments;  // open ones
    recruitments.set_q(q);
    recruitments.set_page_size(kPerSection);
    calls.push_back(call<recruitment::ListRecruitmentsResponse>("recruitments", recruitments, "ListRecruitments"));
    grants::ListBooksRequest books;
    books.set_q(q);
    books.set_page_size(kPerSection);
    calls.push_back(call<grants::ListBooksResponse>("books", books, "ListBooks"));
    grants::ListReportsRequest reports;
    reports.set_q(q);
    reports.set_page_size(kPerSection);
    calls.push_back(call<grants::ListReportsResponse>("reports", reports, "ListReports"));
    for (const char* method : {"ListNotices", "ListCenterNews"}) {
      content::ListArticlesRequest articles;
      articles.set_site(site);
      articles.set_q(q);
      articles.set_page_size(kPerSection);
      calls.push_back(call<content::ListArticlesResponse>(method == std::string("ListNotices") ? "notices" : "center_news",
                                                          articles, method));
    }
    for (const char* kind : {"interview", "faq"}) {
      content::ListArticlesRequest articles;
      articles.set_site(site);
      articles.set_kind(kind);
      articles.set_q(q);
      articles.set_page_size(kPerSection);
      calls.push_back(call<content::ListArticlesResponse>(kind, articles, "ListArticles"));
    }
  }
  call_all(calls, request_id);

  json out = {{"site", site}, {"partial", false}, {"unavailable", json::array()}};
  partial = false;
  for (auto& c : calls) {
    if (c.status.ok()) continue;
    partial = true;
    out["unavailable"].push_back(c.section);
  }
  out["partial"] = partial;
  std::string sections;  // home: each section as the transcoder renders it, spliced in unparsed
  if (home) {
    for (auto& c : calls) {
      if (!c.status.ok()) continue;
      std::string ignored;  // section names are fixed ASCII identifiers: no escaping needed
      if (c.section == "members") {  // the summary: counts, and the newest as a list
        auto& summary = static_cast<matching::MemberSummaryResponse&>(*c.response);
        out["member_counts"] = {{"individual", summary.individuals()},
                                {"group", summary.groups()},
                                {"company", summary.companies()}};
        matching::ListMembersResponse newest;
        *newest.mutable_items() = summary.newest();
        sections += ",\"members\":" + render_response(newest, "", &ignored);
      } else {
        sections += ",\"" + c.section + "\":" + render_response(*c.response, "", &ignored);
      }
    }
  } else {
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
    json totals = json::object();
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
    json items = json::array();
    for (size_t i = 0; i < hits.size() && i < kShown; ++i)
      items.push_back({{"type", hits[i].type}, {"id", hits[i].id}, {"title", hits[i].title},
                       {"summary", hits[i].summary}, {"published_at", hits[i].published_at}});
    out["q"] = q;
    out["items"] = std::move(items);
    out["totals"] = std::move(totals);
  }
  HttpResponse r;
  r.body = out.dump(-1, ' ', false, json::error_handler_t::replace);
  if (!sections.empty()) r.body.insert(r.body.size() - 1, sections);
  return r;
}

} // namespace civic::gateway
