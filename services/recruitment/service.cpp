#include "recruitment/service.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <regex>
#include <set>

#include "core/log.h"
#include "core/paging.h"
#include "core/time.h"
#include "core/validation.h"
#include "rpc/audit.h"
#include "rpc/declared.h"
#include "rpc/imports.h"
#include "rpc/json.h"
#include "rpc/oneclick.h"
#include "rpc/outbox.h"
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
namespace oneclick = rpc::oneclick;

constexpr size_t kLongText = 4000;
const std::regex kCode("[a-z0-9_]{1,40}");
const std::regex kMonth("([0-9]{4})-(0[1-9]|1[0-2])");

using rpc::not_found;

std::vector<std::string> list(const google::protobuf::RepeatedPtrField<std::string>& r) { return {r.begin(), r.end()}; }

bool is_group_kind(const std::string& kind) { return kind == "group" || kind == "npo"; }

// mon .. sun of a YYYY-MM-DD date.
std::string weekday_of(const std::string& date) {
  using namespace std::chrono;
  year_month_day ymd{year(std::stoi(date.substr(0, 4))), month(unsigned(std::stoi(date.substr(5, 2)))),
                     day(unsigned(std::stoi(date.substr(8, 2))))};
  static const char* kNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  return kNames[weekday(sys_days(ymd)).c_encoding()];
}

void codes(Errors& e, const rpc::Taxonomies& tax, const char* field, const char* taxonomy,
           const std::vector<std::string>& values, size_t max, bool required) {
  if (values.empty()) {
    if (required) e.add(field, "required", "一つ以上選んでください", "choose at least one");
    return;
  }
  if (values.size() > max) return e.add(field, "too_many", "選びすぎです", "too many entries");
  if (std::set<std::string>(values.begin(), values.end()).size() != values.size())
    return e.add(field, "duplicate", "同じ値が重複しています", "has duplicates");
  tax.check(e, field, taxonomy, values, "aikasanet");
}

// Every REC-2 item.
Errors validate(const Recruitment& r, const rpc::Taxonomies& tax) {
  Errors e;
  e.text("title", r.title(), {.max_chars = 200});
  codes(e, tax, "fields", "fields", list(r.fields()), 30, true);
  e.text("content", r.content(), {.max_chars = kLongText, .multiline = true});
  if (r.activity_dates_size() > 60) e.add("activity_dates", "too_many", "活動日は60日までです", "at most 60 dates");
  std::set<std::string> dates;
  for (int i = 0; i < r.activity_dates_size() && i < 60; ++i)
    if (e.date("activity_dates[" + std::to_string(i) + "]", r.activity_dates(i)) && !dates.insert(r.activity_dates(i)).second)
      e.add("activity_dates", "duplicate", "同じ日付が重複しています", "has duplicates");
  codes(e, tax, "weekdays", "weekdays", list(r.weekdays()), 7, false);
  if (!r.time_slot().empty()) tax.check(e, "time_slot", "time_slots", {r.time_slot()}, "aikasanet");
  e.text("time_note", r.time_note(), {.required = false, .max_chars = 100});
  codes(e, tax, "municipalities", "municipalities", list(r.municipalities()), 19, !r.prefecture_wide());
  e.text("place", r.place(), {.max_chars = 200});
  e.text("organizer_name", r.organizer_name(), {.max_chars = 200});
  e.text("organizer_contact", r.organizer_contact(), {.required = false, .max_chars = 200});
  e.http_url("organizer_url", r.organizer_url(), false);
  e.email("organizer_email", r.organizer_email());
  if (r.headcount() < 0 || r.headcount() > 10000)
    e.add("headcount", "out_of_range", "0～10000で入力してください", "must be 0 to 10000");
  e.text("belongings", r.belongings(), {.required = false, .max_chars = 1000, .multiline = true});
  bool start_ok = e.date("period_start", r.period_start(), false);
  if (r.anytime() && !r.period_end().empty())
    e.add("period_end", "not_applicable", "随時募集には終了日を入力できません", "an anytime recruitment has no end");
  else if (!r.anytime() && e.date("period_end", r.period_end()) && start_ok && !r.period_start().empty() &&
           r.period_start() > r.period_end())
    e.add("period_end", "before_start", "終了日は開始日より後にしてください", "must not be before the start");
  e.text("notes", r.notes(), {.required = false, .max_chars = 2000, .multiline = true});
  rpc::check_declared(r, e);
  return e;
}

store::RecruitmentRow row_of(const Recruitment& r, const crypto::Sealer& sealer, store::RecruitmentRow row) {
  static const std::set<std::string> kColumns = {
      "id", "organization_id", "organization_name", "title", "fields", "activity_dates", "weekdays", "time_slot",
      "municipalities", "prefecture_wide", "organizer_email", "period_start", "period_end", "anytime", "published_at",
      "updated_at", "open"};
  row.title = r.title();
  row.fields = list(r.fields());
  row.municipalities = r.prefecture_wide() ? std::vector<std::string>{} : list(r.municipalities());
  row.prefecture_wide = r.prefecture_wide();
  row.activity_dates = list(r.activity_dates());
  std::sort(row.activity_dates.begin(), row.activity_dates.end());
  row.weekdays = list(r.weekdays());
  if (row.weekdays.empty()) {  // derived from the dates, in week order
    std::set<std::string> days;
    for (const auto& d : row.activity_dates) days.insert(weekday_of(d));
    for (const char* w : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
      if (days.count(w)) row.weekdays.push_back(w);
  }
  row.time_slot = r.time_slot();
  row.period_start = r.period_start();
  row.period_end = r.anytime() ? "" : r.period_end();
  row.anytime = r.anytime();
  row.profile = rpc::profile_json(r, kColumns);
  row.organizer_email_sealed = sealer.seal(r.organizer_email(), row.id);
  std::vector<std::string_view> parts = {r.title(), r.content(), r.place(), r.organizer_name(), row.organization_name};
  row.search_grams = text::index_grams(parts);
  row.search_text = text::search_text(parts);
  return row;
}

Principal as_service(const Principal& caller) {
  Principal self;
  self.add_roles("service");
  self.set_caller("recruitment");
  self.set_request_id(caller.request_id());
  return self;
}

const char* kNotMember = "あいかさねっとの会員（公開中）としてログインしてください";
} // namespace

ContactLookup contact_lookup(std::shared_ptr<civic::matching::MatchingService::StubInterface> stub, std::string key) {
  return [stub, key](const Principal& caller, const std::string& member_id, const std::string& account_id)
             -> std::optional<civic::matching::ContactResponse> {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
    rpc::attach(ctx, as_service(caller), key);
    civic::matching::ContactRequest req;
    req.set_member_id(member_id);
    req.set_account_id(account_id);
    civic::matching::ContactResponse resp;
    grpc::Status st = stub->GetContact(&ctx, req, &resp);
    if (st.error_code() == StatusCode::NOT_FOUND) return std::nullopt;
    if (!st.ok()) throw rpc::Abort{Status(StatusCode::UNAVAILABLE, "しばらくしてからもう一度お試しください")};
    return resp;
  };
}

RecruitmentServiceImpl::RecruitmentServiceImpl(db::Pool& pool, RecruitmentConfig config, crypto::Sealer sealer,
                                               rpc::TaxonomyCache& taxonomies, ContactLookup contacts,
                                               std::function<void()> events_written, store::EventIndex& events)
    : pool_(pool), config_(std::move(config)), sealer_(std::move(sealer)), taxonomies_(taxonomies),
      contacts_(std::move(contacts)), events_written_(std::move(events_written)), events_(events),
      recruitments_(recruitment_collection()), events_admin_(event_collection()),
      event_corrections_(event_correction_desk()) {}

void RecruitmentServiceImpl::render(const store::RecruitmentRow& row, bool full, Recruitment* out) const {
  (void)rpc::message_from_json(row.profile, out);  // written by row_of, so always valid
  out->set_id(row.id);
  out->set_organization_id(row.organization_id);
  out->set_organization_name(row.organization_name);
  out->set_title(row.title);
  for (const auto& v : row.fields) out->add_fields(v);
  for (const auto& v : row.activity_dates) out->add_activity_dates(v);
  for (const auto& v : row.weekdays) out->add_weekdays(v);
  out->set_time_slot(row.time_slot);
  for (const auto& v : row.municipalities) out->add_municipalities(v);
  out->set_prefecture_wide(row.prefecture_wide);
  out->set_period_start(row.period_start);
  out->set_period_end(row.period_end);
  out->set_anytime(row.anytime);
  out->set_published_at(row.published_at);
  out->set_updated_at(row.updated_at);
  out->set_open(row.open);
  if (!full) return;
  out->set_organizer_email(sealer_.open(row.organizer_email_sealed, row.id).value_or(""));
  out->set_state(row.state);
  out->set_version(row.version);
}

// recruitment.published for matching (MAT-2's inputs and where organiser mails go) and
// notification (the health app's QR codes of the activity days).
void RecruitmentServiceImpl::announce(db::Tx& tx, const store::RecruitmentRow& row, bool imported) {
  civic::events::RecruitmentPublished ev;
  ev.set_imported(imported);
  ev.set_id(row.id);
  ev.set_organization_id(row.organization_id);
  ev.set_organization_name(row.organization_name);
  ev.set_title(row.title);
  for (const auto& v : row.fields) ev.add_fields(v);
  for (const auto& v : row.municipalities) ev.add_municipalities(v);
  ev.set_prefecture_wide(row.prefecture_wide);
  for (const auto& v : row.weekdays) ev.add_weekdays(v);
  ev.set_anytime(row.weekdays.empty());
  ev.set_time_slot(row.time_slot);
  ev.set_period_end(row.period_end);
  ev.set_organizer_email(sealer_.open(row.organizer_email_sealed, row.id).value_or(""));
  ev.set_published_at(row.published_at);
  for (const auto& d : row.activity_dates) ev.add_activity_dates(d);
  rpc::enqueue_event(tx, "recruitment.published", ev);
}

// recruitment.closed for matching (no more matches for it) and notification (its QR codes
// stop redeeming).
void RecruitmentServiceImpl::withdraw(db::Tx& tx, const std::string& id) {
  civic::events::RecruitmentClosed c;
  c.set_id(id);
  rpc::enqueue_event(tx, "recruitment.closed", c);
}

Status RecruitmentServiceImpl::ListRecruitments(grpc::ServerContext* ctx, const ListRecruitmentsRequest* req,
                                                ListRecruitmentsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListRecruitments", [&](const Principal&) {
    Errors e;
    store::Filters f;
    if (e.text("q", req->q(), {.required = false, .max_chars = 100}))
      f.keywords = text::query(req->q(), taxonomies_.snapshot()->variants());
    for (auto [field, value] : {std::pair{"field", &req->field()}, std::pair{"municipality", &req->municipality()}})
      if (!value->empty() && !std::regex_match(*value, kCode))
        e.add(field, "invalid_format", "選択肢のコードを指定してください", "must be a taxonomy code");
    e.date("from", req->from(), false);
    e.date("to", req->to(), false);
    rpc::check_declared(*req, e);
    if (!req->organization_id().empty() && !validation::is_uuid(req->organization_id()))
      e.add("organization_id", "invalid_format", "IDが正しくありません", "must be a UUID");
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    f.field = req->field();
    f.municipality = req->municipality();
    f.from = req->from();
    f.to = req->to();
    f.organization_id = req->organization_id();
    f.past = req->status() == "past";
    auto found = pool_.read([&](db::Tx& tx) { return store::list_public(tx, f, page.limit, page.offset); });
    for (const auto& row : found.items) render(row, false, resp->add_items());
    resp->set_total_size(int32_t(found.total));
    resp->set_next_page_token(paging::next_token(page, found.items.size(), found.total));
    return Status::OK;
  });
}

Status RecruitmentServiceImpl::GetRecruitment(grpc::ServerContext* ctx, const GetRecruitmentRequest* req,
                                              Recruitment* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetRecruitment", [&](const Principal& p) {
    if (!validation::is_uuid(req->id())) return not_found();
    return pool_.read([&](db::Tx& tx) {
      auto row = store::find(tx, req->id());
      if (!row) return not_found();
      bool full = rpc::is_staff(p) || (rpc::is_authenticated(p) && p.account_id() == row->owner_account_id);
      // The public sees a recruitment only while it is open (REC-2).
      if (!row->open && !full) return not_found();
      render(*row, full, resp);
      flyers_to_proto(store::flyers_of(tx, "recruitment", row->id), resp->mutable_flyers());
      return Status::OK;
    });
  });
}

Status RecruitmentServiceImpl::RecruitmentCalendar(grpc::ServerContext* ctx, const CalendarRequest* req,
                                                   CalendarResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "RecruitmentCalendar", [&](const Principal&) {
    Errors e;
    if (!std::regex_match(req->month(), kMonth))
      e.add("month", "invalid_format", "YYYY-MM の形で指定してください", "must be YYYY-MM");
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    std::string first = req->month() + "-01", next = time::month_after(req->month()) + "-01";
    auto items = pool_.read([&](db::Tx& tx) {
      return req->type() == "events" ? store::event_calendar(tx, first, next) : store::calendar(tx, first, next);
    });
    resp->set_month(req->month());
    CalendarDay* day = nullptr;
    for (const auto& it : items) {
      if (!day || day->date() != it.date) {
        day = resp->add_days();
        day->set_date(it.date);
      }
      auto* entry = day->add_items();
      entry->set_id(it.id);
      entry->set_title(it.title);
      entry->set_organization_name(it.organization_name);
    }
    return Status::OK;
  });
}

Status RecruitmentServiceImpl::CreateRecruitment(grpc::ServerContext* ctx, const SaveRecruitmentRequest* req,
                                                 Recruitment* resp) {
  Status st = rpc::guarded(ctx, config_.hmac_key, "CreateRecruitment", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    auto org = pool_.read([&](db::Tx& tx) { return store::organization_of(tx, p.account_id()); });
    // REC-2: group members only — a published group that recruits volunteers.
    if (!org || !is_group_kind(org->kind) || !org->visible || !org->recruits)
      return Status(StatusCode::PERMISSION_DENIED,
                    "ボランティア募集を投稿できるのは、公開中で「ボランティアを募集する」団体の会員だけです");
    const Recruitment& r = req->recruitment();
    if (Errors e = validate(r, *taxonomies_.snapshot()); !e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      store::RecruitmentRow fresh;
      fresh.id = crypto::uuid_v4();
      fresh.organization_id = org->id;
      fresh.organization_name = org->name;
      fresh.owner_account_id = p.account_id();
      fresh.state = "review";
      store::RecruitmentRow row = row_of(r, sealer_, fresh);
      store::insert(tx, row);
      rpc::record_step(tx, p, {"recruitment", row.id, "submit", std::nullopt, workflow::State::review, {}, ""});
      rpc::request_mail(tx, "recruitment.received", r.organizer_email(), p.account_id(), {{"title", r.title()}});
      rpc::request_mail(tx, "recruitment.to_review", rpc::kCentre, "",
                        {{"title", r.title()}, {"organization_name", org->name},
                         {"url", config_.public_base_url + "/admin/recruitments/" + row.id}});
      render(*store::find(tx, row.id), true, resp);
      log::info("recruitment_submitted", {{"id", row.id}, {"account_id", p.account_id()}});
      return Status::OK;
    });
  });
  if (st.ok()) events_written_();
  return st;
}

Status RecruitmentServiceImpl::UpdateRecruitment(grpc::ServerContext* ctx, const SaveRecruitmentRequest* req,
                                                 Recruitment* resp) {
  Status st = rpc::guarded(ctx, config_.hmac_key, "UpdateRecruitment", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return not_found();
    const Recruitment& r = req->recruitment();
    if (Errors e = validate(r, *taxonomies_.snapshot()); !e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      auto current = store::find(tx, req->id(), true);
      bool staff = rpc::is_staff(p);
      // Another member's recruitment is as good as absent.
      if (!current || (!staff && current->owner_account_id != p.account_id())) return not_found();
      if (current->state == "archived")
        return Status(StatusCode::FAILED_PRECONDITION, "終了した募集は編集できません");
      if (r.version() != current->version)
        return Status(StatusCode::ABORTED, "ほかの画面で先に更新されました。読み込み直してから編集してください");
      store::RecruitmentRow row = row_of(r, sealer_, *current);
      if (!store::update(tx, row))
        return Status(StatusCode::ABORTED, "ほかの画面で先に更新されました。読み込み直してから編集してください");
      auto state = workflow::parse(current->state).value_or(workflow::State::review);
      rpc::record_step(tx, p, {"recruitment", row.id, "edit", state, state, {}, ""});
      if (!staff && state == workflow::State::published) {
        // A member's change to a published recruitment goes back to the centre.
        rpc::record_step(tx, p, {"recruitment", row.id, "submit", state, workflow::State::review, {},
                              "edited by the organiser"});
        store::set_state(tx, row.id, "review");
        withdraw(tx, row.id);
      } else if (state == workflow::State::published) {
        announce(tx, *store::find(tx, row.id));
      }
      render(*store::find(tx, row.id), true, resp);
      return Status::OK;
    });
  });
  if (st.ok()) events_written_();
  return st;
}

// The organiser's own recruitment, locked; another member's is as good as absent.
static std::optional<store::RecruitmentRow> own(db::Tx& tx, const Principal& p, const std::string& id) {
  auto row = store::find(tx, id, true);
  if (!row || (!rpc::is_staff(p) && row->owner_account_id != p.account_id())) return std::nullopt;
  return row;
}

Status RecruitmentServiceImpl::WithdrawRecruitment(grpc::ServerContext* ctx, const civic::common::ActionRequest* req,
                                                   Recruitment* resp) {
  Status st = rpc::guarded(ctx, config_.hmac_key, "WithdrawRecruitment", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return not_found();
    Errors e;
    e.text("note", req->note(), {.required = false, .max_chars = 2000, .multiline = true});
    if (!e.empty()) return rpc::invalid(e);
    // Whom to tell: the applicants' current addresses come from matching, asked before
    // the transaction (and only for the organiser's own recruitment).
    auto applicants = pool_.read([&](db::Tx& tx) {
      auto row = store::find(tx, req->id());
      if (!row || (!rpc::is_staff(p) && row->owner_account_id != p.account_id())) return std::vector<std::string>{};
      return store::applicants(tx, row->id);
    });
    std::vector<civic::matching::ContactResponse> tell;
    for (const auto& member_id : applicants)
      if (auto c = contacts_(p, member_id, ""); c && !c->email().empty() && !c->mail_stopped()) tell.push_back(*c);
    return pool_.transaction([&](db::Tx& tx) {
      auto row = own(tx, p, req->id());
      if (!row) return not_found();
      if (row->state != "published")
        return Status(StatusCode::FAILED_PRECONDITION, "公開中の募集だけを取り下げできます");
      std::string note = "withdrawn by the organiser" + (req->note().empty() ? "" : ": " + req->note());
      rpc::apply_step(tx, p, "recruitment", row->id, row->state, "archive", note.substr(0, 2000));
      store::set_state(tx, row->id, "archived");
      withdraw(tx, row->id);  // matching stops offering it; one-click links stop working
      for (const auto& c : tell)
        rpc::request_mail(tx, "recruitment.withdrawn", c.email(), "",
                          {{"name", c.name()}, {"title", row->title}, {"organization_name", row->organization_name}});
      log::info("recruitment_withdrawn", {{"id", row->id}, {"applicants_told", tell.size()}});
      render(*store::find(tx, row->id), true, resp);
      return Status::OK;
    });
  });
  if (st.ok()) events_written_();
  return st;
}

Status RecruitmentServiceImpl::DeleteOwnRecruitment(grpc::ServerContext* ctx, const civic::common::ActionRequest* req,
                                                    civic::common::Empty*) {
  return rpc::guarded(ctx, config_.hmac_key, "DeleteOwnRecruitment", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return not_found();
    return pool_.transaction([&](db::Tx& tx) {
      auto row = own(tx, p, req->id());
      if (!row) return not_found();
      // A published recruitment is withdrawn first, so its applicants are told.
      if (row->state == "published")
        return Status(StatusCode::FAILED_PRECONDITION, "公開中の募集は先に取り下げてください");
      store::erase(tx, row->id);
      rpc::record_step(tx, p, {"recruitment", row->id, "delete", workflow::parse(row->state), workflow::State::deleted,
                            {}, "deleted by the organiser"});
      log::info("recruitment_deleted", {{"id", row->id}, {"account_id", p.account_id()}});
      return Status::OK;
    });
  });
}

Status RecruitmentServiceImpl::MyRecruitments(grpc::ServerContext* ctx, const ListRecruitmentsRequest* req,
                                              ListRecruitmentsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "MyRecruitments", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    Errors e;
    rpc::check_declared(*req, e);
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    return pool_.read([&](db::Tx& tx) {
      auto org = store::organization_of(tx, p.account_id());
      if (!org) return Status::OK;
      auto found = store::list_by_organization(tx, org->id, page.limit, page.offset);
      for (const auto& row : found.items) render(row, true, resp->add_items());
      resp->set_total_size(int32_t(found.total));
      resp->set_next_page_token(paging::next_token(page, found.items.size(), found.total));
      return Status::OK;
    });
  });
}

bool RecruitmentServiceImpl::submit(db::Tx& tx, const store::RecruitmentRow& r,
                                    const civic::matching::ContactResponse& from, bool apply, const std::string& text,
                                    bool via_oneclick, std::string* id) {
  *id = crypto::uuid_v4();
  nlohmann::json record = {{"name", from.name()}, {"email", from.email()}, {"phone", apply ? from.phone() : ""},
                           {"text", text}};
  if (!store::insert_submission(tx, *id, apply ? "application" : "inquiry", r.id, "", from.member_id(), via_oneclick,
                                sealer_.seal(record.dump(), *id)))
    return false;
  std::string organizer = sealer_.open(r.organizer_email_sealed, r.id).value_or("");
  if (apply) {
    rpc::request_mail(tx, "recruitment.application", organizer, "",
                      {{"title", r.title}, {"member_name", from.name()}, {"member_email", from.email()},
                       {"member_phone", from.phone()}, {"message", text.empty() ? "（なし）" : text}},
                      true);
    rpc::request_mail(tx, "recruitment.application_receipt", from.email(), "", {{"title", r.title}});
  } else {
    rpc::request_mail(tx, "recruitment.inquiry", organizer, "",
                      {{"title", r.title}, {"member_name", from.name()}, {"member_email", from.email()},
                       {"question", text}},
                      true);
  }
  log::info(apply ? "application_submitted" : "inquiry_submitted",
            {{"id", *id}, {"recruitment_id", r.id}, {"member_id", from.member_id()}, {"oneclick", via_oneclick}});
  return true;
}

// Apply (参加する, `text` an optional message) or inquire (問い合わせる, `text` the
// question) as the logged-in, published member, on an open recruitment.
Status RecruitmentServiceImpl::respond(grpc::ServerContext* ctx, const char* method, const std::string& recruitment_id,
                                      const std::string& text, bool apply, SubmittedResponse* resp) {
  Status st = rpc::guarded(ctx, config_.hmac_key, method, [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    if (!validation::is_uuid(recruitment_id)) return not_found();
    Errors e;
    e.text(apply ? "message" : "question", text, {.required = !apply, .max_chars = 2000, .multiline = true});
    if (!e.empty()) return rpc::invalid(e);
    auto from = contacts_(p, "", p.account_id());
    if (!from || !from->reachable()) return Status(StatusCode::PERMISSION_DENIED, kNotMember);
    return pool_.transaction([&](db::Tx& tx) {
      auto r = store::find(tx, recruitment_id);
      if (!r || !r->open) return not_found();
      std::string id;
      if (!submit(tx, *r, *from, apply, text, false, &id))
        return Status(StatusCode::ALREADY_EXISTS, "この募集には既に申し込んでいます");
      resp->set_id(id);
      return Status::OK;
    });
  });
  if (st.ok()) events_written_();
  return st;
}

Status RecruitmentServiceImpl::Apply(grpc::ServerContext* ctx, const ApplyRequest* req, SubmittedResponse* resp) {
  return respond(ctx, "Apply", req->id(), req->message(), true, resp);
}

Status RecruitmentServiceImpl::Inquire(grpc::ServerContext* ctx, const InquireRequest* req, SubmittedResponse* resp) {
  return respond(ctx, "Inquire", req->id(), req->question(), false, resp);
}

Status RecruitmentServiceImpl::InquireMember(grpc::ServerContext* ctx, const InquireRequest* req,
                                             SubmittedResponse* resp) {
  Status st = rpc::guarded(ctx, config_.hmac_key, "InquireMember", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return not_found();
    Errors e;
    e.text("question", req->question(), {.max_chars = 2000, .multiline = true});
    if (!e.empty()) return rpc::invalid(e);
    auto from = contacts_(p, "", p.account_id());
    // REC-4: group members ask members.
    if (!from || !from->reachable() || from->type() != "group")
      return Status(StatusCode::PERMISSION_DENIED, "会員へのお問い合わせは、公開中の団体会員だけができます");
    auto to = contacts_(p, req->id(), "");
    // A member who cannot receive mail (suspended, withdrawn, address undeliverable) is not offered.
    if (!to || !to->reachable() || to->mail_stopped() || to->member_id() == from->member_id()) return not_found();
    return pool_.transaction([&](db::Tx& tx) {
      std::string id = crypto::uuid_v4();
      nlohmann::json record = {{"name", from->name()}, {"email", from->email()}, {"text", req->question()}};
      store::insert_submission(tx, id, "member_inquiry", "", to->member_id(), from->member_id(), false,
                               sealer_.seal(record.dump(), id));
      rpc::request_mail(tx, "recruitment.member_inquiry", to->email(), "",
                        {{"from_name", from->name()}, {"from_email", from->email()}, {"question", req->question()}},
                        true);
      log::info("member_inquiry_submitted", {{"id", id}, {"from", from->member_id()}, {"to", to->member_id()}});
      resp->set_id(id);
      return Status::OK;
    });
  });
  if (st.ok()) events_written_();
  return st;
}

Status RecruitmentServiceImpl::DescribeOneClick(grpc::ServerContext* ctx, const OneClickRequest* req,
                                                OneClickDescription* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "DescribeOneClick", [&](const Principal& p) {
    // Never acts (REC-5): mail scanners and crawlers open links. Every failure is the
    // same plain 404.
    std::string token_id;
    auto claims = oneclick::verify(req->token(), config_.oneclick_key, std::time(nullptr), &token_id);
    if (!claims) return not_found();
    auto member = contacts_(p, claims->member_id, "");
    if (!member || !member->reachable()) return not_found();
    return pool_.read([&](db::Tx& tx) {
      auto r = store::find(tx, claims->recruitment_id);
      if (!r || !r->open) return not_found();
      resp->set_action(std::string(oneclick::name(claims->action)));
      resp->set_recruitment_id(r->id);
      resp->set_recruitment_title(r->title);
      resp->set_organization_name(r->organization_name);
      resp->set_expires_at(time::iso8601(std::chrono::system_clock::from_time_t(std::time_t(claims->expires_at))));
      resp->set_done(store::oneclick_used(tx, token_id));
      return Status::OK;
    });
  });
}

Status RecruitmentServiceImpl::ConfirmOneClick(grpc::ServerContext* ctx, const OneClickRequest* req,
                                               OneClickResult* resp) {
  Status st = rpc::guarded(ctx, config_.hmac_key, "ConfirmOneClick", [&](const Principal& p) {
    std::string token_id;
    auto claims = oneclick::verify(req->token(), config_.oneclick_key, std::time(nullptr), &token_id);
    if (!claims) return not_found();
    // Revoked when the member is suspended or withdrawn, or the recruitment closed.
    auto member = contacts_(p, claims->member_id, "");
    if (!member || !member->reachable()) return not_found();
    return pool_.transaction([&](db::Tx& tx) {
      auto r = store::find(tx, claims->recruitment_id, true);
      if (!r || !r->open) return not_found();
      bool apply = claims->action == oneclick::Action::apply;
      resp->set_action(std::string(oneclick::name(claims->action)));
      resp->set_recruitment_id(r->id);
      if (!store::use_oneclick(tx, token_id, member->member_id(), r->id, oneclick::name(claims->action))) {
        resp->set_already_done(true);
        return Status::OK;
      }
      std::string id;
      std::string text = apply ? "（メールのワンクリック申込み）" : "（メールのワンクリック問い合わせ: 詳細の連絡を希望します）";
      // Applying twice (a logged-in application first) sends nothing more either.
      if (!submit(tx, *r, *member, apply, text, true, &id)) resp->set_already_done(true);
      return Status::OK;
    });
  });
  if (st.ok()) events_written_();
  return st;
}

Status RecruitmentServiceImpl::AdminListRecruitments(grpc::ServerContext* ctx, const AdminListRecruitmentsRequest* req,
                                                     ListRecruitmentsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "AdminListRecruitments", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    rpc::check_declared(*req, e);
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    auto found = pool_.read([&](db::Tx& tx) { return store::admin_list(tx, req->state(), page.limit, page.offset); });
    for (const auto& row : found.items) render(row, true, resp->add_items());
    resp->set_total_size(int32_t(found.total));
    resp->set_next_page_token(paging::next_token(page, found.items.size(), found.total));
    return Status::OK;
  });
}

rpc::Collection<store::RecruitmentRow, Recruitment> RecruitmentServiceImpl::recruitment_collection() {
  return {
      .entity = "recruitment",
      .pool = &pool_,
      .hmac_key = &config_.hmac_key,
      .find = [](db::Tx& tx, const std::string& id, bool lock) { return store::find(tx, id, lock); },
      .render =
          [this](db::Tx& tx, const store::RecruitmentRow& row, Recruitment* out) {
            render(row, true, out);
            flyers_to_proto(store::flyers_of(tx, "recruitment", row.id), out->mutable_flyers());
          },
      .set_state = store::set_state,
      .on_step =
          [this](db::Tx& tx, const store::RecruitmentRow& before, workflow::State to, const Principal&) {
            auto row = store::find(tx, before.id);
            if (to == workflow::State::published) {
              announce(tx, *row);
              rpc::request_mail(tx, "recruitment.published",
                                sealer_.open(row->organizer_email_sealed, row->id).value_or(""), row->owner_account_id,
                                {{"title", row->title},
                                 {"url", config_.public_base_url + "/aikasanet/recruitments/" + row->id}});
            } else if (to == workflow::State::archived) {
              withdraw(tx, row->id);
            }
          },
      .copy =
          [this](db::Tx& tx, const store::RecruitmentRow& row, const Principal&) {
            Recruitment content;
            render(row, true, &content);
            store::RecruitmentRow fresh = row;
            fresh.id = crypto::uuid_v4();
            fresh.state = "draft";
            fresh.duplicated_from = row.id;
            store::insert(tx, row_of(content, sealer_, fresh));  // sealed anew for the new id
            return fresh.id;
          },
      // Drafts were never announced; an archived recruitment was withdrawn when archived.
      .erase = [](db::Tx& tx, const store::RecruitmentRow& row) { store::erase(tx, row.id); },
      .written = [this] { events_written_(); },
      .table = "recruitments",
      // Matching learns of a published one (its one-click links and the group's page),
      // without mailing anyone; an archived one it never knew.
      .imported =
          [this](db::Tx& tx, const std::string& id) {
            auto row = store::find(tx, id);
            if (row->state == "published") announce(tx, *row, true);
            else if (row->state == "archived") withdraw(tx, id);
          },
  };
}

// A recruitment of the former system, of a group imported before it (its directory id
// and name as given); published ones are known to matching but mailed to nobody.
Status RecruitmentServiceImpl::ImportRecruitment(grpc::ServerContext* ctx, const ImportRecruitmentRequest* req,
                                                 civic::common::ImportResult* resp) {
  const Recruitment& r = req->recruitment();
  auto content = [&](store::RecruitmentRow row) {
    row.organization_id = r.organization_id();
    row.organization_name = r.organization_name();
    row.owner_account_id = req->owner_account_id();
    return row_of(r, sealer_, std::move(row));
  };
  return recruitments_.import(
      ctx, "ImportRecruitment", req->meta(), *req,
      [&] {
        Errors e = validate(r, *taxonomies_.snapshot());
        if (!validation::is_uuid(r.organization_id()))
          e.add("organization_id", "required", "募集する団体を指定してください", "the recruiting group is required");
        e.text("organization_name", r.organization_name(), {.max_chars = 200});
        if (!req->owner_account_id().empty() && !validation::is_uuid(req->owner_account_id()))
          e.add("owner_account_id", "invalid_format", "アカウントIDの形式が正しくありません", "must be a UUID");
        return e;
      },
      [&](db::Tx& tx, const Principal&) {
        // The group may not have reached this replica yet (directory's announcement is on
        // its way): it stands in, hidden, until the announcement says what it is.
        store::expect_organization(tx, r.organization_id(), req->owner_account_id(), r.organization_name());
        store::RecruitmentRow fresh;
        fresh.id = crypto::uuid_v4();
        fresh.state = "draft";
        store::insert(tx, content(fresh));
        return fresh.id;
      },
      [&](db::Tx& tx, const store::RecruitmentRow& current) { store::update(tx, content(current)); }, resp);
}

// One entry of the former system's application and inquiry history: sealed as today's
// (the sender's name, address and phone as they were, and the message), dated as sent,
// counted by the one-application rule, mailed to nobody. A re-run leaves it as it is.
Status RecruitmentServiceImpl::ImportSubmission(grpc::ServerContext* ctx, const ImportSubmissionRequest* req,
                                                civic::common::ImportResult* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ImportSubmission", [&](const Principal& p) {
    if (Status s = rpc::require_importer(p); !s.ok()) return s;
    Errors e;
    rpc::check_meta(e, req->meta());
    rpc::check_declared(*req, e);
    bool to_member = req->kind() == "member_inquiry";
    if (!validation::is_uuid(req->from_member_id()))
      e.add("from_member_id", "required", "送信した会員を指定してください", "the sending member is required");
    if (to_member && !validation::is_uuid(req->to_member_id()))
      e.add("to_member_id", "required", "宛先の会員を指定してください", "the member asked is required");
    if (!to_member && !validation::is_uuid(req->recruitment_id()))
      e.add("recruitment_id", "required", "募集を指定してください", "the recruitment is required");
    e.text("name", req->name(), {.required = false, .max_chars = 100});
    e.email("email", req->email(), false);
    e.phone("phone", req->phone(), false);
    e.text("text", req->text(), {.required = false, .max_chars = kLongText, .multiline = true});
    if (!e.empty()) return rpc::invalid(e);
    const std::string& legacy_id = req->meta().legacy_id();
    return pool_.transaction([&](db::Tx& tx) {
      if (auto known = rpc::find_import(tx, "submission", legacy_id)) {
        resp->set_id(known->id);
        resp->set_outcome("unchanged");
        return Status::OK;
      }
      if (!to_member && !store::find(tx, req->recruitment_id())) {
        if (!req->meta().validate_only())
          return rpc::invalid("recruitment_id", "not_found", "募集が見つかりません", "no such recruitment");
        resp->set_outcome("created");  // a dry run did not write the recruitment it links to: checked so far
        return Status::OK;
      }
      std::string id = crypto::uuid_v4();
      nlohmann::json record = {{"name", req->name()}, {"email", req->email()}, {"phone", req->phone()},
                               {"text", req->text()}};
      if (!store::insert_submission(tx, id, req->kind(), to_member ? "" : req->recruitment_id(),
                                    to_member ? req->to_member_id() : "", req->from_member_id(), false,
                                    sealer_.seal(record.dump(), id)))
        return Status(StatusCode::ALREADY_EXISTS, "この会員はこの募集に応募済みです");
      store::date_submission(tx, id, rpc::imported(req->meta()).created_at);
      rpc::save_import(tx, "submission", legacy_id, id, rpc::import_digest(*req));
      resp->set_id(id);
      resp->set_outcome("created");
      if (req->meta().validate_only()) throw rpc::Abort{Status::OK};  // checked; rolled back
      return Status::OK;
    });
  });
}

Status EventSinkImpl::Deliver(grpc::ServerContext* ctx, const civic::events::Event* event,
                              civic::events::DeliverResponse*) {
  return rpc::deliver_once(ctx, hmac_key_, pool_, *event, [&](db::Tx& tx) {
    civic::events::OrganizationChanged o;
    if (event->type() != "organization.changed" || !o.ParseFromString(event->payload()) ||
        !validation::is_uuid(o.id()) || !validation::is_uuid(o.owner_account_id()))
      return log::warn("event_ignored", {{"event_id", event->id()}, {"type", event->type()}});
    store::upsert_organization(tx, {o.id(), o.owner_account_id(), o.kind(), o.name(), o.visible(), o.recruits()});
  });
}

} // namespace civic::recruitment
