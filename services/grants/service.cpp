#include "grants/service.h"

#include <algorithm>
#include <regex>
#include <set>

#include "core/crypto.h"
#include "core/log.h"
#include "core/paging.h"
#include "core/time.h"
#include "core/validation.h"
#include "rpc/declared.h"
#include "rpc/json.h"
#include "rpc/server.h"
#include "text/text.h"
#include "workflow/workflow.h"

namespace civic::grants {
namespace {
using grpc::Status;
using grpc::StatusCode;
using rpc::Principal;
using validation::Errors;

constexpr size_t kLongText = 4000;
const std::regex kCode("[a-z0-9_]{1,40}");
const std::regex kMonth("([0-9]{4})-(0[1-9]|1[0-2])");

using rpc::not_found;

// Every GRT-1 item; names every bad field.
Errors validate(const Grant& g, const rpc::Taxonomies& tax) {
  Errors e;
  e.text("funder", g.funder(), {.max_chars = 200});
  e.text("name", g.name(), {.max_chars = 200});
  tax.check(e, "fields", "fields", {g.fields().begin(), g.fields().end()}, "supernet");
  if (!g.target_area().empty()) tax.check(e, "target_area", "target_areas", {g.target_area()});
  e.text("purpose", g.purpose(), {.max_chars = kLongText, .multiline = true});
  e.text("amount", g.amount(), {.required = false, .max_chars = 200});
  for (const auto& [field, value] : {std::pair{"eligible_projects", g.eligible_projects()},
                                     std::pair{"eligible_applicants", g.eligible_applicants()},
                                     std::pair{"how_to_apply", g.how_to_apply()}})
    e.text(field, value, {.required = false, .max_chars = kLongText, .multiline = true});
  bool start_ok = e.date("application_start", g.application_start(), false);
  if (g.anytime() && !g.application_end().empty())
    e.add("application_end", "not_applicable", "随時募集には締切日を入力できません", "an anytime grant has no deadline");
  else if (!g.anytime() && e.date("application_end", g.application_end()) && start_ok &&
           !g.application_start().empty() && g.application_start() > g.application_end())
    e.add("application_end", "before_start", "締切日は受付開始日より後にしてください", "must not be before the start");
  e.text("contact_name", g.contact_name(), {.required = false, .max_chars = 200});
  e.postal_code("contact_postal_code", g.contact_postal_code(), false);
  e.text("contact_address", g.contact_address(), {.required = false, .max_chars = 200});
  e.phone("contact_phone", g.contact_phone(), false);
  e.phone("contact_fax", g.contact_fax(), false);
  e.email("contact_email", g.contact_email(), false);
  e.http_url("url", g.url(), false);
  rpc::check_declared(g, e);
  return e;
}

// Search, filter and page parameters of the public and staff lists.
GrantFilters filters_of(Errors& e, const std::string& q, const rpc::Taxonomies& tax) {
  GrantFilters f;
  if (e.text("q", q, {.required = false, .max_chars = 100})) f.keywords = text::query(q, tax.variants());
  return f;
}

void fill_page(const paging::Page& page, const GrantPage& found, bool full, ListGrantsResponse* resp) {
  for (const auto& row : found.items) to_proto(row, full, resp->add_items());
  resp->set_total_size(int32_t(found.total));
  resp->set_total_capped(found.capped);
  // Past a capped total, a full page still has a next one.
  int64_t known = found.capped && found.items.size() == size_t(page.limit) ? INT64_MAX : found.total;
  resp->set_next_page_token(paging::next_token(page, found.items.size(), known));
}

// A new grant from `g` in `state`, entered by `p`; its id.
std::string insert_new(db::Tx& tx, const Grant& g, const Principal& p, const char* state) {
  GrantRow row = row_of(g);
  row.id = crypto::uuid_v4();
  row.state = state;
  row.created_by = p.account_id();
  store::insert(tx, row);
  return row.id;
}

} // namespace

search::Page public_grants(const GrantIndex& index, const GrantFilters& f, int32_t today, int limit, int offset) {
  return index.search(
      f.keywords,
      [&](const GrantHot& h, const GrantCold& c) {
        return (!f.open || ((h.anytime || h.end_day >= today) && h.start_day <= today)) &&
               (f.area.empty() || c.target_area == f.area) &&
               (f.field.empty() || std::find(c.fields.begin(), c.fields.end(), f.field) != c.fields.end());
      },
      limit, offset, std::to_string(f.open) + "|" + f.area + "|" + f.field + "|" + std::to_string(today));
}

GrantRow row_of(const Grant& g) {
  static const std::set<std::string> kColumns = {"id",  "funder", "name", "fields", "target_area", "application_start",
                                                 "application_end", "anytime", "published_at", "updated_at"};
  GrantRow row;
  row.funder = g.funder();
  row.name = g.name();
  row.fields = {g.fields().begin(), g.fields().end()};
  row.target_area = g.target_area();
  row.application_start = g.application_start();
  row.application_end = g.application_end();
  row.anytime = g.anytime();
  row.profile = rpc::profile_json(g, kColumns);
  std::vector<std::string_view> parts = {g.name(), g.funder(), g.purpose(), g.eligible_projects(),
                                         g.eligible_applicants(), g.amount()};
  row.search_grams = text::index_grams(parts);
  row.search_text = text::search_text(parts);
  return row;
}

void to_proto(const GrantRow& row, bool full, Grant* out) {
  (void)rpc::message_from_json(row.profile, out);  // written by row_of, so always valid
  out->set_id(row.id);
  out->set_funder(row.funder);
  out->set_name(row.name);
  for (const auto& f : row.fields) out->add_fields(f);
  out->set_target_area(row.target_area);
  out->set_application_start(row.application_start);
  out->set_application_end(row.application_end);
  out->set_anytime(row.anytime);
  out->set_published_at(row.published_at);
  out->set_updated_at(row.updated_at);
  if (!full) return;
  out->set_state(row.state);
  out->set_version(row.version);
}

GrantsServiceImpl::GrantsServiceImpl(db::Pool& pool, GrantsConfig config, rpc::TaxonomyCache& taxonomies,
                                     GrantIndex& index, BookIndex& books, crypto::Sealer sealer,
                                     std::function<void()> events_written)
    : pool_(pool),
      config_(std::move(config)),
      taxonomies_(taxonomies),
      index_(index),
      books_(books),
      sealer_(std::move(sealer)),
      events_written_(std::move(events_written)) {
  grants_ = {
      .entity = "grant",
      .pool = &pool_,
      .hmac_key = &config_.hmac_key,
      .find = [](db::Tx& tx, const std::string& id, bool lock) { return store::find(tx, id, lock); },
      .render =
          [this](db::Tx& tx, const GrantRow& row, Grant* out) {
            to_proto(row, true, out);
            add_submitter(tx, row.id, out);
          },
      .set_state = store::set_state,
      .on_step =
          [this](db::Tx& tx, const GrantRow& row, workflow::State to, const Principal&) {
            if (to == workflow::State::published) tell_submitter(tx, row.id, row.name, "/grants/" + row.id);
          },
      .copy =
          [](db::Tx& tx, const GrantRow& row, const Principal& p) {
            Grant content;
            to_proto(row, true, &content);
            GrantRow copy = row_of(content);  // with its search keys, which find() does not read
            copy.id = crypto::uuid_v4();
            copy.created_by = p.account_id();
            copy.duplicated_from = row.id;
            store::insert(tx, copy);
            return copy.id;
          },
      .erase = [](db::Tx& tx, const GrantRow& row) { store::erase(tx, row.id); },
      .written =
          [this] {
            index_.catch_up();
            events_written_();
          },
      .table = "grants",
  };
  books_admin_ = book_collection();
  reports_ = report_collection();
}

Status GrantsServiceImpl::ListGrants(grpc::ServerContext* ctx, const ListGrantsRequest* req, ListGrantsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListGrants", [&](const Principal&) {
    Errors e;
    GrantFilters f = filters_of(e, req->q(), *taxonomies_.snapshot());
    for (const auto& [field, value] : {std::pair{"field", req->field()}, std::pair{"area", req->area()}})
      if (!value.empty() && !std::regex_match(value, kCode))
        e.add(field, "invalid_format", "選択肢のコードを指定してください", "must be a taxonomy code");
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    f.field = req->field();
    f.area = req->area();
    f.open = req->open();
    search::Page found = public_grants(index_, f, time::tokyo_day(), page.limit, page.offset);
    rendered_.answer(page, found, resp, [&](const std::vector<std::string>& ids) {
      std::vector<Grant> out;
      for (const auto& row : pool_.read([&](db::Tx& tx) { return store::find_published(tx, ids); }))
        to_proto(row, false, &out.emplace_back());
      return out;
    });
    return Status::OK;
  });
}

Status GrantsServiceImpl::GrantCalendar(grpc::ServerContext* ctx, const CalendarRequest* req, CalendarResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GrantCalendar", [&](const Principal&) {
    if (!std::regex_match(req->month(), kMonth)) {
      Errors e;
      e.add("month", "invalid_format", "月は YYYY-MM の形で指定してください", "must be YYYY-MM");
      return rpc::invalid(e);
    }
    std::string first = req->month() + "-01";
    std::string next = time::month_after(req->month()) + "-01";
    resp->set_month(req->month());
    CalendarDay* day = nullptr;
    for (const auto& d : pool_.read([&](db::Tx& tx) { return store::deadlines(tx, first, next); })) {
      if (!day || day->date() != d.date) {
        day = resp->add_days();
        day->set_date(d.date);
      }
      auto* entry = day->add_deadlines();
      entry->set_id(d.id);
      entry->set_name(d.name);
      entry->set_funder(d.funder);
    }
    return Status::OK;
  });
}

Status GrantsServiceImpl::GetGrant(grpc::ServerContext* ctx, const GetGrantRequest* req, Grant* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetGrant", [&](const Principal& p) {
    if (!validation::is_uuid(req->id())) return not_found();
    bool staff = rpc::is_staff(p);
    return rendered_.detail(req->id(), staff ? std::nullopt : index_.stamp_of(req->id()), resp, [&](Grant* out) {
      auto row = pool_.read([&](db::Tx& tx) { return store::find(tx, req->id()); });
      if (!row || (row->state != "published" && !staff)) return not_found();  // drafts do not exist for the public
      to_proto(*row, staff, out);
      return Status::OK;
    });
  });
}

Status GrantsServiceImpl::AdminListGrants(grpc::ServerContext* ctx, const AdminListGrantsRequest* req,
                                          ListGrantsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "AdminListGrants", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    GrantFilters f = filters_of(e, req->q(), *taxonomies_.snapshot());
    rpc::check_declared(*req, e);
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    auto found = pool_.read([&](db::Tx& tx) { return store::admin_list(tx, req->state(), f, page.limit, page.offset); });
    fill_page(page, found, true, resp);
    return Status::OK;
  });
}

Status GrantsServiceImpl::ProposeGrant(grpc::ServerContext* ctx, const SaveGrantRequest* req, ProposeResponse* resp) {
  const Grant& g = req->grant();
  return propose(
      ctx, "ProposeGrant", *req, "grant", g.name(), g.submitter_name(), g.submitter_email(),
      [&] { return validate(g, *taxonomies_.snapshot()); },
      [&](db::Tx& tx, const Principal& p) { return insert_new(tx, g, p, "review"); }, resp);
}

Status GrantsServiceImpl::CreateGrant(grpc::ServerContext* ctx, const SaveGrantRequest* req, Grant* resp) {
  return grants_.create(
      ctx, "CreateGrant", [&] { return validate(req->grant(), *taxonomies_.snapshot()); },
      [&](db::Tx& tx, const Principal& p) { return insert_new(tx, req->grant(), p, "draft"); }, resp);
}

Status GrantsServiceImpl::UpdateGrant(grpc::ServerContext* ctx, const SaveGrantRequest* req, Grant* resp) {
  return grants_.edit(
      ctx, "UpdateGrant", req->id(), [&] { return validate(req->grant(), *taxonomies_.snapshot()); }, nullptr,
      [&](db::Tx& tx, const GrantRow& current, std::vector<std::string>& changed) {
        Grant before;
        to_proto(current, true, &before);
        changed = rpc::changed_fields(before, req->grant(),
                                      {"id", "version", "state", "published_at", "updated_at", "submitter_name",
                                       "submitter_email"});
        GrantRow row = row_of(req->grant());
        row.id = current.id;
        row.version = req->grant().version();
        return store::update(tx, row);
      },
      resp);
}

Status GrantsServiceImpl::ImportGrant(grpc::ServerContext* ctx, const ImportGrantRequest* req,
                                      civic::common::ImportResult* resp) {
  return grants_.import(
      ctx, "ImportGrant", req->meta(), *req, [&] { return validate(req->grant(), *taxonomies_.snapshot()); },
      [&](db::Tx& tx, const Principal& p) { return insert_new(tx, req->grant(), p, "draft"); },
      [&](db::Tx& tx, const GrantRow& current) {
        GrantRow row = row_of(req->grant());
        row.id = current.id;
        row.version = current.version;
        store::update(tx, row);
      },
      resp);
}

} // namespace civic::grants
