// Grants service, GRT-3: activity reports with photos, staff-entered under the review
// workflow; every photo carries alternative text (JIS X 8341-3 1.1.1).
#include "core/crypto.h"
#include "core/files.h"
#include "core/log.h"
#include "core/paging.h"
#include "core/validation.h"
#include "grants/service.h"
#include "rpc/audit.h"
#include "rpc/declared.h"
#include "rpc/server.h"
#include "text/text.h"
#include "workflow/workflow.h"

namespace civic::grants {
namespace {
using grpc::Status;
using grpc::StatusCode;
using rpc::Principal;
using validation::Errors;

constexpr size_t kMaxPhotoBytes = 5 << 20;

using rpc::not_found;

Errors validate(const Report& r) {
  Errors e;
  e.text("title", r.title(), {.max_chars = 200});
  e.text("content", r.content(), {.max_chars = 20000, .multiline = true});
  e.text("organization", r.organization(), {.max_chars = 200});
  e.text("organization_kana", r.organization_kana(), {.required = false, .max_chars = 200});
  e.date("held_on", r.held_on(), false);
  e.text("time", r.time(), {.required = false, .max_chars = 100});
  e.text("place", r.place(), {.required = false, .max_chars = 200});
  if (r.headcount() < 0 || r.headcount() > 1000000)
    e.add("headcount", "out_of_range", "0から1,000,000の間で入力してください", "must be between 0 and 1,000,000");
  e.text("related_organizations", r.related_organizations(), {.required = false, .max_chars = 1000, .multiline = true});
  e.http_url("url", r.url(), false);
  rpc::check_declared(r, e);
  return e;
}

ReportRow row_of(const Report& r) {
  ReportRow row;
  row.title = r.title();
  row.content = r.content();
  row.organization = r.organization();
  row.organization_kana = r.organization_kana();
  row.held_on = r.held_on();
  row.time = r.time();
  row.place = r.place();
  row.headcount = r.headcount();
  row.related_organizations = r.related_organizations();
  row.url = r.url();
  std::vector<std::string_view> parts = {r.title(), r.organization(), r.organization_kana(), r.content(), r.place()};
  row.search_grams = text::index_grams(parts);
  row.search_text = text::search_text(parts);
  return row;
}

// `row` with its photos (of any reports; those of `row` are taken).
void to_proto(const ReportRow& row, const std::vector<PhotoRow>& photos, bool full, Report* out) {
  out->set_id(row.id);
  out->set_title(row.title);
  out->set_content(row.content);
  out->set_organization(row.organization);
  out->set_organization_kana(row.organization_kana);
  out->set_held_on(row.held_on);
  out->set_time(row.time);
  out->set_place(row.place);
  out->set_headcount(row.headcount);
  out->set_related_organizations(row.related_organizations);
  out->set_url(row.url);
  for (const auto& p : photos) {
    if (p.report_id != row.id) continue;
    auto* photo = out->add_photos();
    photo->set_id(p.id);
    photo->set_alt(p.alt);
    photo->set_content_type(p.content_type);
    photo->set_size(int32_t(p.size));
  }
  out->set_published_at(row.published_at);
  out->set_updated_at(row.updated_at);
  if (!full) return;
  out->set_state(row.state);
  out->set_version(row.version);
}

void to_proto(db::Tx& tx, const ReportRow& row, bool full, Report* out) {
  to_proto(row, store::photos(tx, {row.id}), full, out);
}

// A new report from `r` in `state`, entered by `p`; its id.
std::string insert_new(db::Tx& tx, const Report& r, const Principal& p, const char* state) {
  ReportRow row = row_of(r);
  row.id = crypto::uuid_v4();
  row.state = state;
  row.created_by = p.account_id();
  store::insert_report(tx, row);
  return row.id;
}
} // namespace

Status GrantsServiceImpl::list_reports(grpc::ServerContext* ctx, const ListReportsRequest* req, bool staff_only,
                                       ListReportsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, staff_only ? "AdminListReports" : "ListReports", [&](const Principal& p) {
    if (staff_only)
      if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    text::Query query;
    if (e.text("q", req->q(), {.required = false, .max_chars = 100})) query = text::query(req->q(), taxonomies_.snapshot()->variants());
    rpc::check_declared(*req, e);
    if (!staff_only && !req->state().empty()) e.add("state", "not_applicable", "公開中の報告だけを一覧できます", "public lists are published only");
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    std::string state = staff_only ? req->state() : "published";
    return pool_.read([&](db::Tx& tx) {
      auto found = store::list_reports(tx, state, query, page.limit, page.offset);
      std::vector<std::string> ids;
      for (const auto& row : found.items) ids.push_back(row.id);
      auto photos = store::photos(tx, ids);  // one query for the page
      for (const auto& row : found.items) to_proto(row, photos, staff_only, resp->add_items());
      resp->set_total_size(int32_t(found.total));
      resp->set_next_page_token(paging::next_token(page, found.items.size(), found.total));
      return Status::OK;
    });
  });
}

Status GrantsServiceImpl::ListReports(grpc::ServerContext* ctx, const ListReportsRequest* req, ListReportsResponse* resp) {
  return list_reports(ctx, req, false, resp);
}
Status GrantsServiceImpl::AdminListReports(grpc::ServerContext* ctx, const ListReportsRequest* req,
                                           ListReportsResponse* resp) {
  return list_reports(ctx, req, true, resp);
}

Status GrantsServiceImpl::GetReport(grpc::ServerContext* ctx, const GetReportRequest* req, Report* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetReport", [&](const Principal& p) {
    if (!validation::is_uuid(req->id())) return not_found();
    bool staff = rpc::is_staff(p);
    return pool_.read([&](db::Tx& tx) {
      auto row = store::find_report(tx, req->id());
      if (!row || (row->state != "published" && !staff)) return not_found();
      to_proto(tx, *row, staff, resp);
      return Status::OK;
    });
  });
}

Status GrantsServiceImpl::GetReportPhoto(grpc::ServerContext* ctx, const PhotoRequest* req, civic::common::HttpBody* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetReportPhoto", [&](const Principal& p) {
    if (!validation::is_uuid(req->id()) || !validation::is_uuid(req->photo_id())) return not_found();
    return pool_.read([&](db::Tx& tx) {
      auto row = store::find_report(tx, req->id());
      if (!row || (row->state != "published" && !rpc::is_staff(p))) return not_found();
      auto photo = store::find_photo(tx, row->id, req->photo_id());
      if (!photo) return not_found();
      resp->set_content_type(photo->content_type);
      resp->set_data(std::move(photo->data));
      return Status::OK;
    });
  });
}

Status GrantsServiceImpl::DeleteReportPhoto(grpc::ServerContext* ctx, const PhotoRequest* req, civic::common::Empty*) {
  return reports_.staff(ctx, "DeleteReportPhoto", true, [&](const Principal& p) {
    if (!validation::is_uuid(req->id()) || !validation::is_uuid(req->photo_id())) return not_found();
    return pool_.transaction([&](db::Tx& tx) {
      if (!store::delete_photo(tx, req->id(), req->photo_id())) return not_found();
      rpc::audit(tx, p, "delete_photo", "report", req->id(), {{"photo_id", req->photo_id()}});
      return Status::OK;
    });
  });
}

rpc::Collection<ReportRow, Report> GrantsServiceImpl::report_collection() {
  return {
      .entity = "report",
      .pool = &pool_,
      .hmac_key = &config_.hmac_key,
      .find = [](db::Tx& tx, const std::string& id, bool lock) { return store::find_report(tx, id, lock); },
      .render =
          [this](db::Tx& tx, const ReportRow& row, Report* out) {
            to_proto(tx, row, true, out);
            add_submitter(tx, row.id, out);
          },
      .set_state = store::set_report_state,
      .on_step =
          [this](db::Tx& tx, const ReportRow& row, workflow::State to, const Principal&) {
            if (to == workflow::State::published) tell_submitter(tx, row.id, row.title, "/reports/" + row.id);
          },
      .copy =
          [](db::Tx& tx, const ReportRow& row, const Principal& p) {
            Report content;
            to_proto(tx, row, true, &content);
            ReportRow copy = row_of(content);
            copy.id = crypto::uuid_v4();
            copy.created_by = p.account_id();
            store::insert_report(tx, copy);
            store::copy_photos(tx, row.id, copy.id, p.account_id());
            return copy.id;
          },
      .erase = [](db::Tx& tx, const ReportRow& row) { store::erase_report(tx, row.id); },
      .written = [this] { events_written_(); },
      .table = "reports",
  };
}

Status GrantsServiceImpl::ProposeReport(grpc::ServerContext* ctx, const SaveReportRequest* req, ProposeResponse* resp) {
  const Report& r = req->report();
  return propose(
      ctx, "ProposeReport", *req, "report", r.title(), r.submitter_name(), r.submitter_email(),
      [&] { return validate(r); },
      [&](db::Tx& tx, const Principal& p) { return insert_new(tx, r, p, "review"); }, resp);
}

Status GrantsServiceImpl::CreateReport(grpc::ServerContext* ctx, const SaveReportRequest* req, Report* resp) {
  return reports_.create(
      ctx, "CreateReport", [&] { return validate(req->report()); },
      [&](db::Tx& tx, const Principal& p) { return insert_new(tx, req->report(), p, "draft"); }, resp);
}

Status GrantsServiceImpl::ImportReport(grpc::ServerContext* ctx, const ImportReportRequest* req,
                                       civic::common::ImportResult* resp) {
  return reports_.import(
      ctx, "ImportReport", req->meta(), *req, [&] { return validate(req->report()); },
      [&](db::Tx& tx, const Principal& p) { return insert_new(tx, req->report(), p, "draft"); },
      [&](db::Tx& tx, const ReportRow& current) {
        ReportRow row = row_of(req->report());
        row.id = current.id;
        row.version = current.version;
        store::update_report(tx, row);
      },
      resp);
}

Status GrantsServiceImpl::UpdateReport(grpc::ServerContext* ctx, const SaveReportRequest* req, Report* resp) {
  return reports_.edit(
      ctx, "UpdateReport", req->id(), [&] { return validate(req->report()); }, nullptr,
      [&](db::Tx& tx, const ReportRow& current, std::vector<std::string>& changed) {
        Report before;
        to_proto(tx, current, true, &before);
        changed = rpc::changed_fields(before, req->report(), {"id", "version", "state", "photos", "published_at",
                                                               "updated_at", "submitter_name", "submitter_email"});
        ReportRow row = row_of(req->report());
        row.id = current.id;
        row.version = req->report().version();
        return store::update_report(tx, row);
      },
      resp);
}

Status GrantsServiceImpl::UploadReportPhoto(grpc::ServerContext* ctx, const UploadPhotoRequest* req, ReportPhoto* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "UploadReportPhoto", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return not_found();
    Errors e;
    auto kind = files::checked_image(e, req->alt(), req->file().data(), kMaxPhotoBytes);
    if (!e.empty()) return rpc::invalid(e);
    if (Status s = rpc::scan_upload(config_.scanner, pool_, p, "file", req->file().data(), "report", req->id()); !s.ok())
      return s;
    PhotoRow photo{crypto::uuid_v4(), req->id(), req->alt(), kind->mime, req->file().data(), 0};
    photo.size = int64_t(photo.data.size());
    return pool_.transaction([&](db::Tx& tx) {
      if (!store::find_report(tx, req->id(), true)) return not_found();
      store::insert_photo(tx, photo, p.account_id());
      rpc::audit(tx, p, "attach_photo", "report", req->id(), {{"photo_id", photo.id}, {"bytes", photo.size}});
      resp->set_id(photo.id);
      resp->set_alt(photo.alt);
      resp->set_content_type(photo.content_type);
      resp->set_size(int32_t(photo.size));
      return Status::OK;
    });
  });
}

} // namespace civic::grants
