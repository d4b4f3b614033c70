// Supernet events and recruitment notices (REC-1) and the flyers of events and
// recruitments: anyone submits an event, the centre reviews and publishes it.
#include <algorithm>
#include <regex>
#include <set>

#include "civic/http_options.pb.h"
#include "core/files.h"
#include "core/log.h"
#include "core/paging.h"
#include "core/time.h"
#include "core/validation.h"
#include "recruitment/service.h"
#include "rpc/audit.h"
#include "rpc/declared.h"
#include "rpc/json.h"
#include "rpc/outbox.h"
#include "rpc/idempotency.h"
#include "rpc/server.h"
#include "rpc/status.h"
#include "text/text.h"
#include "workflow/workflow.h"

namespace civic::recruitment {
namespace {
using grpc::Status;
using grpc::StatusCode;
using rpc::Principal;
using validation::Errors;

constexpr size_t kLongText = 4000;
constexpr size_t kMaxFlyerBytes = 5 * 1024 * 1024;
constexpr int64_t kMaxFlyers = 5;          // files on one recruitment or event
constexpr int kUploadTokenHours = 24;      // an event submitter's upload token
const std::vector<std::string> kFlyerTypes = {"application/pdf", "image/png", "image/jpeg"};
const std::vector<std::string> kMaterialTypes = {
    "application/pdf", "image/png", "image/jpeg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"};
const std::regex kCode("[a-z0-9_]{1,40}");

using rpc::not_found;

std::vector<std::string> list(const google::protobuf::RepeatedPtrField<std::string>& r) { return {r.begin(), r.end()}; }

// Every REC-1 item, and who submits it (an event of the former system may have no
// submitter on record: `submitter_required` false).
Errors validate(const Event& ev, const rpc::Taxonomies& tax, bool submitter_required = true) {
  Errors e;
  rpc::check_declared(ev, e);
  e.text("organizer", ev.organizer(), {.max_chars = 200});
  e.text("title", ev.title(), {.max_chars = 200});
  if (ev.dates_size() == 0) e.add("dates", "required", "開催日を入力してください", "at least one date");
  if (ev.dates_size() > 60) e.add("dates", "too_many", "開催日は60日までです", "at most 60 dates");
  std::set<std::string> seen;
  for (int i = 0; i < ev.dates_size() && i < 60; ++i)
    if (e.date("dates[" + std::to_string(i) + "]", ev.dates(i)) && !seen.insert(ev.dates(i)).second)
      e.add("dates", "duplicate", "同じ日付が重複しています", "has duplicates");
  e.text("time_note", ev.time_note(), {.required = false, .max_chars = 100});
  e.text("venue", ev.venue(), {.max_chars = 200});
  if (!ev.municipality().empty()) tax.check(e, "municipality", "municipalities", {ev.municipality()});
  e.text("purpose", ev.purpose(), {.required = false, .max_chars = kLongText, .multiline = true});
  e.text("content", ev.content(), {.max_chars = kLongText, .multiline = true});
  if (ev.fields_size() > 20) e.add("fields", "too_many", "選びすぎです", "too many entries");
  else if (ev.fields_size() > 0) tax.check(e, "fields", "fields", list(ev.fields()), "supernet");
  e.text("fee", ev.fee(), {.required = false, .max_chars = 200});
  e.text("target", ev.target(), {.required = false, .max_chars = 200});
  bool start_ok = e.date("application_start", ev.application_start(), false);
  if (e.date("application_end", ev.application_end(), false) && start_ok && !ev.application_start().empty() &&
      !ev.application_end().empty() && ev.application_start() > ev.application_end())
    e.add("application_end", "before_start", "締切日は受付開始日より後にしてください", "must not be before the start");
  e.text("how_to_apply", ev.how_to_apply(), {.required = false, .max_chars = 2000, .multiline = true});
  e.text("contact_organization", ev.contact_organization(), {.max_chars = 200});
  e.phone("contact_phone", ev.contact_phone(), false);
  e.email("contact_email", ev.contact_email(), false);
  e.text("co_organizers", ev.co_organizers(), {.required = false, .max_chars = 1000, .multiline = true});
  e.http_url("url", ev.url(), false);
  e.text("submitter_name", ev.submitter_name(), {.required = submitter_required, .max_chars = 100});
  e.email("submitter_email", ev.submitter_email(), submitter_required);
  return e;
}

store::EventRow row_of(const Event& ev, const crypto::Sealer& sealer, store::EventRow row) {
  static const std::set<std::string> kColumns = {"id", "category", "title", "dates", "fields", "municipality",
                                                 "application_start", "application_end", "submitter_name",
                                                 "submitter_email", "published_at", "updated_at", "past", "flyers"};
  row.category = ev.category();
  row.title = ev.title();
  row.dates = list(ev.dates());
  std::sort(row.dates.begin(), row.dates.end());
  row.fields = list(ev.fields());
  row.municipality = ev.municipality();
  row.application_start = ev.application_start();
  row.application_end = ev.application_end();
  row.profile = rpc::profile_json(ev, kColumns);
  row.submitter_name = ev.submitter_name();
  row.submitter_email_sealed = sealer.seal(ev.submitter_email(), row.id);
  std::vector<std::string_view> parts = {ev.title(), ev.organizer(), ev.content(), ev.purpose(), ev.venue(),
                                         ev.co_organizers()};
  row.search_grams = text::index_grams(parts);
  row.search_text = text::search_text(parts);
  return row;
}

} // namespace

void flyers_to_proto(const std::vector<store::FlyerRow>& flyers, google::protobuf::RepeatedPtrField<Flyer>* out) {
  for (const auto& f : flyers) {
    Flyer* x = out->Add();
    x->set_id(f.id);
    x->set_filename(f.filename);
    x->set_content_type(f.content_type);
    x->set_size(f.size);
  }
}
void RecruitmentServiceImpl::render(const store::EventRow& row, bool full, Event* out) const {
  (void)rpc::message_from_json(row.profile, out);  // written by row_of, so always valid
  out->set_id(row.id);
  out->set_category(row.category);
  out->set_title(row.title);
  for (const auto& d : row.dates) out->add_dates(d);
  for (const auto& f : row.fields) out->add_fields(f);
  out->set_municipality(row.municipality);
  out->set_application_start(row.application_start);
  out->set_application_end(row.application_end);
  out->set_published_at(row.published_at);
  out->set_updated_at(row.updated_at);
  out->set_past(row.past);
  if (!full) return;
  out->set_submitter_name(row.submitter_name);
  out->set_submitter_email(sealer_.open(row.submitter_email_sealed, row.id).value_or(""));
  out->set_state(row.state);
  out->set_version(row.version);
}

search::Page coming_events(const store::EventIndex& index, const store::EventFilters& f, int32_t today, int limit,
                           int offset) {
  const uint8_t wanted = search::code(store::kEventCategories, f.category);
  const int32_t from = std::max(today, f.from.empty() ? today : time::day_number(f.from));
  const int32_t to = f.to.empty() ? INT32_MAX : time::day_number(f.to);
  return index.search(
      f.keywords,
      [&](const store::EventHot& h, const store::EventCold& c) {
        return h.last_day >= from && h.first_day <= to && (wanted == search::kAny || h.category == wanted) &&
               (f.municipality.empty() || c.municipality == f.municipality) &&
               (f.field.empty() || std::find(c.fields.begin(), c.fields.end(), f.field) != c.fields.end());
      },
      limit, offset,
      std::to_string(wanted) + "|" + std::to_string(from) + "|" + std::to_string(to) + "|" + f.municipality + "|" + f.field);
}

Status RecruitmentServiceImpl::ListEvents(grpc::ServerContext* ctx, const ListEventsRequest* req,
                                          ListEventsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListEvents", [&](const Principal&) {
    Errors e;
    store::EventFilters f;
    if (e.text("q", req->q(), {.required = false, .max_chars = 100}))
      f.keywords = text::query(req->q(), taxonomies_.snapshot()->variants());
    for (auto [field, value] : {std::pair{"field", &req->field()}, std::pair{"municipality", &req->municipality()}})
      if (!value->empty() && !std::regex_match(*value, kCode))
        e.add(field, "invalid_format", "選択肢のコードを指定してください", "must be a taxonomy code");
    e.date("from", req->from(), false);
    e.date("to", req->to(), false);
    rpc::check_declared(*req, e);
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    f.category = req->category();
    f.field = req->field();
    f.municipality = req->municipality();
    f.from = req->from();
    f.to = req->to();
    f.past = req->status() == "past";
    f.newest = req->sort() == "newest";
    if (!f.past && !f.newest) {  // coming events by date, the busy list: from memory
      const int32_t today = time::tokyo_day();
      search::Page found = coming_events(events_, f, today, page.limit, page.offset);
      rendered_events_.answer(
          page, found, resp,
          [&](const std::vector<std::string>& ids) {
            std::vector<Event> out;
            for (const auto& row : pool_.read([&](db::Tx& tx) { return store::find_published_events(tx, ids); }))
              render(row, false, &out.emplace_back());
            return out;
          },
          today);  // a record says whether the event is past
      return Status::OK;
    }
    auto found = pool_.read([&](db::Tx& tx) { return store::list_events(tx, f, page.limit, page.offset); });
    for (const auto& row : found.items) render(row, false, resp->add_items());
    resp->set_total_size(int32_t(found.total));
    resp->set_next_page_token(paging::next_token(page, found.items.size(), found.total));
    return Status::OK;
  });
}

Status RecruitmentServiceImpl::GetEvent(grpc::ServerContext* ctx, const GetEventRequest* req, Event* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetEvent", [&](const Principal& p) {
    if (!validation::is_uuid(req->id())) return not_found();
    bool staff = rpc::is_staff(p);
    auto stamp = staff ? std::nullopt : events_.stamp_of(req->id());
    auto read = [&](Event* out) {
      return pool_.read([&](db::Tx& tx) {
        auto row = store::find_event(tx, req->id());
        if (!row || (row->state != "published" && !staff)) return not_found();
        render(*row, staff, out);
        flyers_to_proto(store::flyers_of(tx, "event", row->id), out->mutable_flyers());
        return Status::OK;
      });
    };
    return rendered_events_.detail(req->id(), stamp, resp, read, time::tokyo_day());  // `past` changes with the day
  });
}

Status RecruitmentServiceImpl::ProposeEvent(grpc::ServerContext* ctx, const SaveEventRequest* req,
                                            ProposeEventResponse* resp) {
  Status st = rpc::guarded(ctx, config_.hmac_key, "ProposeEvent", [&](const Principal& p) {
    return rpc::idempotent(pool_, config_.hmac_key, p, "ProposeEvent", *req, resp, [&]() -> Status {
      const Event& ev = req->event();
      if (Errors e = validate(ev, *taxonomies_.snapshot()); !e.empty()) return rpc::invalid(e);
      return pool_.transaction([&](db::Tx& tx) {
        store::EventRow fresh;
        fresh.id = crypto::uuid_v4();
        fresh.submitted_by = p.account_id();
        fresh.state = "review";
        store::EventRow row = row_of(ev, sealer_, fresh);
        store::insert_event(tx, row);
        rpc::record_step(tx, p, {"event", row.id, "submit", std::nullopt, workflow::State::review, {}, ""});
        std::string upload_token = crypto::random_token();
        store::insert_upload_token(tx, crypto::sha256(upload_token), row.id, kUploadTokenHours);
        resp->set_upload_token(upload_token);
        rpc::request_mail(tx, "recruitment.event_received", ev.submitter_email(), p.account_id(),
                          {{"submitter_name", ev.submitter_name()}, {"title", ev.title()}});
        rpc::request_mail(tx, "recruitment.event_to_review", rpc::kCentre, "",
                          {{"title", ev.title()}, {"organizer", ev.organizer()},
                           {"url", config_.public_base_url + "/admin/events/" + row.id}});
        resp->set_id(row.id);
        resp->set_state(row.state);
        log::info("event_submitted", {{"id", row.id}});
        return Status::OK;
      });
    });
  });
  if (st.ok()) events_written_();
  return st;
}

Status RecruitmentServiceImpl::AdminListEvents(grpc::ServerContext* ctx, const AdminListEventsRequest* req,
                                               ListEventsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "AdminListEvents", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    rpc::check_declared(*req, e);
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    auto found = pool_.read([&](db::Tx& tx) { return store::admin_list_events(tx, req->state(), page.limit, page.offset); });
    for (const auto& row : found.items) render(row, true, resp->add_items());
    resp->set_total_size(int32_t(found.total));
    resp->set_next_page_token(paging::next_token(page, found.items.size(), found.total));
    return Status::OK;
  });
}

rpc::Collection<store::EventRow, Event> RecruitmentServiceImpl::event_collection() {
  return {
      .entity = "event",
      .pool = &pool_,
      .hmac_key = &config_.hmac_key,
      .find = [](db::Tx& tx, const std::string& id, bool lock) { return store::find_event(tx, id, lock); },
      .render =
          [this](db::Tx& tx, const store::EventRow& row, Event* out) {
            render(row, true, out);
            flyers_to_proto(store::flyers_of(tx, "event", row.id), out->mutable_flyers());
          },
      .set_state = store::set_event_state,
      .on_step =
          [this](db::Tx& tx, const store::EventRow& row, workflow::State to, const Principal&) {
            if (to != workflow::State::published) return;
            rpc::request_mail(tx, "recruitment.event_published",
                              sealer_.open(row.submitter_email_sealed, row.id).value_or(""), row.submitted_by,
                              {{"submitter_name", row.submitter_name}, {"title", row.title},
                               {"url", config_.public_base_url + "/events/" + row.id}});
          },
      .copy =
          [this](db::Tx& tx, const store::EventRow& row, const Principal&) {
            Event content;
            render(row, true, &content);
            store::EventRow fresh = row;
            fresh.id = crypto::uuid_v4();
            fresh.state = "draft";
            fresh.duplicated_from = row.id;
            store::insert_event(tx, row_of(content, sealer_, fresh));  // sealed anew for the new id
            return fresh.id;
          },
      .erase =
          [](db::Tx& tx, const store::EventRow& row) {
            workflow::corrections::erase_of(tx, "event", row.id);
            store::erase_event(tx, row.id);
          },
      .written =
          [this] {
            events_written_();
            events_.catch_up();  // a published event's new dates and text are listed at once
          },
      .table = "events",
  };
}

// An event of the former system, with its submitter when it had one.
Status RecruitmentServiceImpl::ImportEvent(grpc::ServerContext* ctx, const ImportEventRequest* req,
                                           civic::common::ImportResult* resp) {
  const Event& ev = req->event();
  return events_admin_.import(
      ctx, "ImportEvent", req->meta(), *req, [&] { return validate(ev, *taxonomies_.snapshot(), false); },
      [&](db::Tx& tx, const Principal&) {
        store::EventRow fresh;
        fresh.id = crypto::uuid_v4();
        fresh.state = "draft";
        store::insert_event(tx, row_of(ev, sealer_, fresh));
        return fresh.id;
      },
      [&](db::Tx& tx, const store::EventRow& current) { store::update_event(tx, row_of(ev, sealer_, current)); },
      resp);
}

// 募集情報修正依頼: the address that submitted the event confirms, staff apply; the
// public list catches up at once.
RecruitmentServiceImpl::EventCorrections RecruitmentServiceImpl::event_correction_desk() {
  static const std::set<std::string> kFixed = {"id", "state", "version", "published_at", "updated_at", "past", "flyers"};
  return {
      .entity = "event",
      .pool = &pool_,
      .hmac_key = &config_.hmac_key,
      .sealer = &sealer_,
      .id_field = "event_id",
      .subject_field = "event_title",
      .confirm_template = "recruitment.event_correction_confirm",
      .applied_template = "recruitment.event_correction_applied",
      .confirm_url = config_.public_base_url + "/event-correction-requests/confirm",
      .find = [](db::Tx& tx, const std::string& id, bool lock) { return store::find_event(tx, id, lock); },
      .is_public = [](const store::EventRow& row) { return row.state == "published"; },
      .render = [this](const store::EventRow& row, Event* out) { render(row, true, out); },
      .correctable =
          [](const google::protobuf::FieldDescriptor* f) {
            return !f->options().GetExtension(civic::private_field) && !kFixed.count(f->name());
          },
      .validate = [this](const Event& ev) { return validate(ev, *taxonomies_.snapshot()); },
      .contact =
          [this](const store::EventRow& row) {
            std::string submitter = sealer_.open(row.submitter_email_sealed, row.id).value_or("");
            if (!submitter.empty()) return submitter;
            Event ev;
            render(row, false, &ev);
            return ev.contact_email();
          },
      .subject = [](const store::EventRow& row) { return row.title; },
      .mail_variables =
          [this](const store::EventRow& row) {
            return std::map<std::string, std::string>{{"title", row.title},
                                                      {"url", config_.public_base_url + "/events/" + row.id}};
          },
      .apply =
          [this](db::Tx& tx, const store::EventRow& row, const Event& result) {
            store::EventRow updated = row_of(result, sealer_, row);
            updated.version = row.version;  // locked: still current
            store::update_event(tx, updated);
          },
      .written =
          [this](bool record_changed) {
            events_written_();
            if (record_changed) events_.catch_up();
          },
  };
}

Status RecruitmentServiceImpl::SubmitEventCorrection(grpc::ServerContext* ctx, const SubmitEventCorrectionRequest* req,
                                                     SubmitEventCorrectionResponse* resp) {
  return event_corrections_.submit(ctx, "SubmitEventCorrection", req->id(), req->changes(), req->requester_name(),
                                   req->requester_email(), req->reason(), resp->mutable_id(), resp->mutable_state());
}

Status RecruitmentServiceImpl::ConfirmEventCorrection(grpc::ServerContext* ctx,
                                                      const ConfirmEventCorrectionRequest* req,
                                                      ConfirmEventCorrectionResponse* resp) {
  resp->set_state("confirmed");
  return event_corrections_.confirm(ctx, "ConfirmEventCorrection", req->token());
}

Status RecruitmentServiceImpl::AdminListEventCorrections(grpc::ServerContext* ctx,
                                                         const ListEventCorrectionsRequest* req,
                                                         ListEventCorrectionsResponse* resp) {
  return event_corrections_.list(ctx, "AdminListEventCorrections", req->state(), req->page_size(), req->page_token(),
                                 resp);
}

Status RecruitmentServiceImpl::ApplyEventCorrection(grpc::ServerContext* ctx, const civic::common::ActionRequest* req,
                                                    EventCorrection* resp) {
  return event_corrections_.decide(ctx, "ApplyEventCorrection", *req, true, resp);
}

Status RecruitmentServiceImpl::RejectEventCorrection(grpc::ServerContext* ctx, const civic::common::ActionRequest* req,
                                                     EventCorrection* resp) {
  return event_corrections_.decide(ctx, "RejectEventCorrection", *req, false, resp);
}

Status RecruitmentServiceImpl::UpdateEvent(grpc::ServerContext* ctx, const SaveEventRequest* req, Event* resp) {
  return events_admin_.edit(
      ctx, "UpdateEvent", req->id(), [&] { return validate(req->event(), *taxonomies_.snapshot()); }, nullptr,
      [&](db::Tx& tx, const store::EventRow& current, std::vector<std::string>& changed) {
        Event before;
        render(current, true, &before);
        changed = rpc::changed_fields(before, req->event(),
                                      {"id", "version", "state", "flyers", "published_at", "updated_at"});
        store::EventRow row = row_of(req->event(), sealer_, current);
        row.version = req->event().version();
        return store::update_event(tx, row);
      },
      resp);
}

// A flyer: PDF, PNG or JPEG by content, whatever its name or declared type says.
Status RecruitmentServiceImpl::add_flyer(const Principal& p, const std::string& id,
                                         const civic::common::HttpBody& file, std::string_view owner,
                                         const std::vector<std::string>& allowed, Flyer* resp) {
  Errors e;
  std::optional<files::Kind> kind;
  const std::string& data = file.data();
  if (data.empty()) e.add("file", "required", "ファイルを選んでください", "a file is required");
  else if (data.size() > kMaxFlyerBytes) e.add("file", "too_large", "ファイルは5MBまでです", "at most 5 MB");
  else if (!(kind = files::sniff(data)) || std::find(allowed.begin(), allowed.end(), kind->mime) == allowed.end())
    e.add("file", "type_not_allowed",
          allowed.size() > 3 ? "PDF・PNG・JPEG・Word(docx)・Excel(xlsx) のファイルだけを添付できます"
                             : "PDF・PNG・JPEG のファイルだけを添付できます",
          allowed.size() > 3 ? "only PDF, PNG, JPEG, DOCX and XLSX content" : "only PDF, PNG and JPEG content");
  if (!e.empty()) return rpc::invalid(e);
  if (Status s = rpc::scan_upload(config_.scanner, pool_, p, "file", data, owner, id); !s.ok()) return s;
  store::FlyerRow f{crypto::uuid_v4(), files::display_name(file.filename()), kind->mime, data, int64_t(data.size())};
  Status st = pool_.transaction([&](db::Tx& tx) {
    if (store::flyer_count(tx, owner, id) >= kMaxFlyers)
      return rpc::invalid("file", "too_many", "添付できるファイルは5件までです", "at most 5 files");
    store::insert_flyer(tx, owner, id, f, p.account_id());
    if (rpc::is_staff(p)) rpc::audit(tx, p, "attach_flyer", owner, id, {{"flyer_id", f.id}, {"bytes", f.size}});
    return Status::OK;
  });
  if (!st.ok()) return st;
  if (owner == "event") events_.catch_up();  // its public record lists the flyer
  log::info("flyer_uploaded", {{"id", f.id}, {std::string(owner) + "_id", id}, {"type", f.content_type},
                               {"bytes", f.size}, {"account_id", p.account_id()}});
  resp->set_id(f.id);
  resp->set_filename(f.filename);
  resp->set_content_type(f.content_type);
  resp->set_size(f.size);
  return Status::OK;
}

Status RecruitmentServiceImpl::UploadRecruitmentFlyer(grpc::ServerContext* ctx, const UploadFlyerRequest* req,
                                                      Flyer* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "UploadRecruitmentFlyer", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return not_found();
    auto row = pool_.read([&](db::Tx& tx) { return store::find(tx, req->id()); });
    // Another member's recruitment is as good as absent.
    if (!row || (!rpc::is_staff(p) && row->owner_account_id != p.account_id())) return not_found();
    if (row->state == "archived") return Status(StatusCode::FAILED_PRECONDITION, "終了した募集には添付できません");
    return add_flyer(p, req->id(), req->file(), "recruitment", kFlyerTypes, resp);
  });
}

Status RecruitmentServiceImpl::UploadEventFlyer(grpc::ServerContext* ctx, const UploadFlyerRequest* req, Flyer* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "UploadEventFlyer", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return not_found();
    if (!pool_.read([&](db::Tx& tx) { return store::find_event(tx, req->id()).has_value(); })) return not_found();
    return add_flyer(p, req->id(), req->file(), "event", kFlyerTypes, resp);
  });
}

// The submitter's reference material: from the submitting account, or with the upload
// token of the submission; PDF, PNG, JPEG, DOCX or XLSX by content. Anything else
// about the event is as good as absent (404), so a token cannot probe other events.
Status RecruitmentServiceImpl::AddEventMaterial(grpc::ServerContext* ctx, const UploadMaterialRequest* req,
                                                Flyer* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "AddEventMaterial", [&](const Principal& p) {
    if (!validation::is_uuid(req->id()) || req->token().size() > 100) return not_found();
    bool allowed = pool_.read([&](db::Tx& tx) {
      auto row = store::find_event(tx, req->id());
      if (!row || row->state == "archived") return false;
      if (rpc::is_staff(p) || (!row->submitted_by.empty() && row->submitted_by == p.account_id())) return true;
      return !req->token().empty() && store::upload_token_valid(tx, crypto::sha256(req->token()), row->id);
    });
    if (!allowed) return not_found();
    return add_flyer(p, req->id(), req->file(), "event", kMaterialTypes, resp);
  });
}

Status RecruitmentServiceImpl::GetRecruitmentFlyer(grpc::ServerContext* ctx, const FlyerRequest* req,
                                                   civic::common::HttpBody* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetRecruitmentFlyer", [&](const Principal& p) {
    if (!validation::is_uuid(req->id()) || !validation::is_uuid(req->flyer_id())) return not_found();
    return pool_.read([&](db::Tx& tx) {
      auto row = store::find(tx, req->id());
      bool full = row && (rpc::is_staff(p) || (rpc::is_authenticated(p) && row->owner_account_id == p.account_id()));
      if (!row || (!row->open && !full)) return not_found();
      auto f = store::find_flyer(tx, "recruitment", row->id, req->flyer_id());
      if (!f) return not_found();
      resp->set_content_type(f->content_type);
      resp->set_filename(f->filename);  // always a download (Content-Disposition: attachment)
      resp->set_data(std::move(f->data));
      return Status::OK;
    });
  });
}

Status RecruitmentServiceImpl::GetEventFlyer(grpc::ServerContext* ctx, const FlyerRequest* req,
                                             civic::common::HttpBody* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetEventFlyer", [&](const Principal& p) {
    if (!validation::is_uuid(req->id()) || !validation::is_uuid(req->flyer_id())) return not_found();
    return pool_.read([&](db::Tx& tx) {
      auto row = store::find_event(tx, req->id());
      if (!row || (row->state != "published" && !rpc::is_staff(p))) return not_found();
      auto f = store::find_flyer(tx, "event", row->id, req->flyer_id());
      if (!f) return not_found();
      resp->set_content_type(f->content_type);
      resp->set_filename(f->filename);
      resp->set_data(std::move(f->data));
      return Status::OK;
    });
  });
}

} // namespace civic::recruitment
