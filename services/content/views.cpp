// Content service, CNT-4: the views the gateway counts arrive in batches; staff read
// them per day and type, the most viewed items, and as CSV.
#include <ctime>
#include <regex>

#include "content/article_store.h"
#include "content/service.h"
#include "core/csv.h"
#include "core/log.h"
#include "core/time.h"
#include "core/validation.h"
#include "rpc/audit.h"
#include "rpc/server.h"

namespace civic::content {
namespace {
using grpc::Status;
using grpc::StatusCode;
using rpc::Principal;
using validation::Errors;

constexpr int kMaxBatch = 10000;
const std::regex kType("[a-z_]{1,30}");

// The period asked for: [from, to], 30 days up to today by default, at most 366 days.
bool period(Errors& e, const StatsRequest& req, std::string& from, std::string& to) {
  from = req.from().empty() ? time::tokyo_date(30) : req.from();
  to = req.to().empty() ? time::tokyo_date() : req.to();
  bool ok = e.date("from", from) & e.date("to", to);
  if (!req.type().empty() && !std::regex_match(req.type(), kType))
    e.add("type", "invalid_format", "種類の指定が正しくありません", "must be a resource type");
  if (ok && from > to) e.add("to", "before_start", "終了日は開始日より後にしてください", "must not be before from");
  return e.empty();
}
} // namespace

Status ContentServiceImpl::RecordViews(grpc::ServerContext* ctx, const RecordViewsRequest* req, civic::common::Empty*) {
  return rpc::guarded(ctx, config_.hmac_key, "RecordViews", [&](const Principal& p) {
    if (p.caller() != "gateway") return Status(StatusCode::PERMISSION_DENIED, "この操作は許可されていません");
    if (req->views_size() == 0) return Status::OK;
    Errors e;
    if (req->views_size() > kMaxBatch) e.add("views", "too_many", "件数が多すぎます", "too many entries");
    std::vector<ViewRow> rows;
    for (const auto& v : req->views()) {
      if (!std::regex_match(v.type(), kType) || v.item_id().empty() || v.item_id().size() > 100 || v.views() <= 0 ||
          !validation::valid_utf8(v.item_id())) {
        e.add("views", "invalid", "不正な件数です", "malformed entry");
        break;
      }
      rows.push_back({"", v.type(), v.item_id(), v.views()});
    }
    if (!e.empty()) return rpc::invalid(e);
    pool_.transaction([&](db::Tx& tx) { store::add_views(tx, rows); });
    return Status::OK;
  });
}

Status ContentServiceImpl::ViewStats(grpc::ServerContext* ctx, const StatsRequest* req, StatsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ViewStats", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    std::string from, to;
    if (!period(e, *req, from, to)) return rpc::invalid(e);
    resp->set_from(from);
    resp->set_to(to);
    return pool_.read([&](db::Tx& tx) {
      for (const auto& d : store::views_by_day(tx, from, to, req->type())) {
        auto* out = resp->add_days();
        out->set_date(d.day);
        out->set_type(d.type);
        out->set_views(d.views);
      }
      for (const auto& t : store::top_items(tx, from, to, req->type(), 20)) {
        auto* out = resp->add_top();
        out->set_type(t.type);
        out->set_item_id(t.item_id);
        out->set_views(t.views);
      }
      return Status::OK;
    });
  });
}

Status ContentServiceImpl::ExportViewStats(grpc::ServerContext* ctx, const StatsRequest* req,
                                           civic::common::HttpBody* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ExportViewStats", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    std::string from, to;
    if (!period(e, *req, from, to)) return rpc::invalid(e);
    std::string out(csv::kBom);
    out += csv::row({"日付", "種類", "ID", "閲覧数"});
    for (const auto& v : pool_.read([&](db::Tx& tx) { return store::all_views(tx, from, to, req->type()); }))
      out += csv::row({v.day, v.type, v.item_id, std::to_string(v.views)});
    rpc::csv_download(resp, "閲覧数_" + from + "_" + to + ".csv", std::move(out));
    return Status::OK;
  });
}

} // namespace civic::content
