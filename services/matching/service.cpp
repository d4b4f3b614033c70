#include "matching/service.h"

#include <nlohmann/json.hpp>

#include <regex>
#include <set>

#include "core/csv.h"
#include "core/log.h"
#include "core/paging.h"
#include "core/time.h"
#include "core/validation.h"
#include "rpc/audit.h"
#include "rpc/declared.h"
#include "rpc/outbox.h"
#include "rpc/server.h"
#include "rpc/status.h"
#include "text/text.h"
#include "workflow/workflow.h"

namespace civic::matching {
namespace {
using grpc::Status;
using grpc::StatusCode;
using rpc::Principal;
using validation::Errors;

constexpr size_t kLongText = 2000;
const std::regex kCode("[a-z0-9_]{1,40}");

using rpc::not_found;

std::vector<std::string> list(const google::protobuf::RepeatedPtrField<std::string>& r) { return {r.begin(), r.end()}; }

void not_applicable(Errors& e, const char* field, bool given) {
  if (given) e.add(field, "not_applicable", "この会員種別では入力できません", "does not apply to this member type");
}

// A list of taxonomy codes: required, at most `max`, no repeats, every code known.
void codes(Errors& e, const rpc::Taxonomies& tax, const char* field, const char* taxonomy,
           const std::vector<std::string>& values, size_t max) {
  if (values.empty()) return e.add(field, "required", "一つ以上選んでください", "choose at least one");
  if (values.size() > max) return e.add(field, "too_many", "選びすぎです", "too many entries");
  if (std::set<std::string>(values.begin(), values.end()).size() != values.size())
    return e.add(field, "duplicate", "同じ値が重複しています", "has duplicates");
  tax.check(e, field, taxonomy, values, "aikasanet");
}

// Whole years between `birth` and `today` (both YYYY-MM-DD).
int age_on(const std::string& birth, const std::string& today) {
  int years = std::stoi(today.substr(0, 4)) - std::stoi(birth.substr(0, 4));
  if (today.substr(5) < birth.substr(5)) --years;
  return years;
}

// Every 別紙4 item the member type asks for, and none it does not.
Errors validate(const Member& m, const std::string& type, const rpc::Taxonomies& tax) {
  Errors e;
  bool person = type == "individual";
  if (person) {
    e.text("name", m.name(), {.max_chars = 100});
    e.text("kana", m.kana(), {.max_chars = 100});
    if (e.text("prefecture", m.prefecture(), {.max_chars = 40})) tax.check(e, "prefecture", "prefectures", {m.prefecture()});
    if (e.text("municipality", m.municipality(), {.max_chars = 40}))
      tax.check(e, "municipality", "address_municipalities", {m.municipality()});
    e.phone("phone", m.phone());
    if (!m.gender().empty()) tax.check(e, "gender", "genders", {m.gender()});
    if (e.date("birth_date", m.birth_date())) {
      std::string today = time::tokyo_date();
      if (m.birth_date() > today) e.add("birth_date", "in_future", "未来の日付です", "is in the future");
      else if (age_on(m.birth_date(), today) < 18 && !m.guardian_consent())
        e.add("guardian_consent", "required", "未成年の方は保護者の同意が必要です", "a minor needs a guardian's consent");
    }
    e.postal_code("postal_code", m.postal_code());
    e.text("address", m.address(), {.max_chars = 200});
    e.phone("fax", m.fax(), false);
    e.text("occupation", m.occupation(), {.max_chars = 100});
    e.text("qualifications", m.qualifications(), {.required = false, .max_chars = 500, .multiline = true});
    if (!m.probono_field().empty()) tax.check(e, "probono_field", "probono_fields", {m.probono_field()}, "aikasanet");
    e.text("probono_content", m.probono_content(), {.required = false, .max_chars = kLongText, .multiline = true});
    e.text("probono_needs", m.probono_needs(), {.required = false, .max_chars = kLongText, .multiline = true});
    not_applicable(e, "organization_id", !m.organization_id().empty());
  } else {
    if (!validation::is_uuid(m.organization_id()))
      e.add("organization_id", "required", "登録済みの団体・企業を指定してください", "must name the registered organisation");
    // The organisation's own items live in the directory.
    for (auto [field, given] : {std::pair{"name", !m.name().empty()}, std::pair{"kana", !m.kana().empty()},
                                std::pair{"prefecture", !m.prefecture().empty()},
                                std::pair{"municipality", !m.municipality().empty()},
                                std::pair{"phone", !m.phone().empty()}, std::pair{"gender", !m.gender().empty()},
                                std::pair{"birth_date", !m.birth_date().empty()},
                                std::pair{"guardian_consent", m.guardian_consent()},
                                std::pair{"postal_code", !m.postal_code().empty()},
                                std::pair{"address", !m.address().empty()}, std::pair{"fax", !m.fax().empty()},
                                std::pair{"occupation", !m.occupation().empty()},
                                std::pair{"qualifications", !m.qualifications().empty()},
                                std::pair{"probono_field", !m.probono_field().empty()},
                                std::pair{"probono_content", !m.probono_content().empty()},
                                std::pair{"probono_needs", !m.probono_needs().empty()}})
      not_applicable(e, field, given);
  }
  e.email("email", m.email());
  if (m.links_size() > 3) e.add("links", "too_many", "URLは3件までです", "at most 3 links");
  for (int i = 0; i < m.links_size() && i < 3; ++i) {
    std::string f = "links[" + std::to_string(i) + "]";
    e.http_url(f + ".url", m.links(i).url());
    e.text(f + ".label", m.links(i).label(), {.required = false, .max_chars = 100});
  }
  e.text("selling_point", m.selling_point(), {.required = false, .max_chars = kLongText, .multiline = true});
  codes(e, tax, "activity_municipalities", "municipalities", list(m.activity_municipalities()), 19);
  codes(e, tax, "fields", "fields", list(m.fields()), 30);
  codes(e, tax, "weekdays", "weekdays", list(m.weekdays()), 7);
  if (m.time_slot().empty()) e.add("time_slot", "required", "必須項目です", "is required");
  else tax.check(e, "time_slot", "time_slots", {m.time_slot()}, "aikasanet");
  e.text("other_note", m.other_note(), {.required = false, .max_chars = kLongText, .multiline = true});
  rpc::check_declared(m, e);
  return e;
}

// The public text of the free-word search.
std::string search_text_of(const store::MemberRow& r) {
  return text::search_text({r.display_name, r.occupation, r.qualifications, r.selling_point, r.probono_content});
}

// The row of `m` for `id` (a new or existing record of `type`).
store::MemberRow row_of(const Member& m, const crypto::Sealer& sealer, store::MemberRow row) {
  row.prefecture = m.prefecture();
  row.municipality = m.municipality();
  nlohmann::json links = nlohmann::json::array();
  for (const auto& l : m.links()) links.push_back({{"url", l.url()}, {"label", l.label()}});
  row.links_json = links.dump();
  row.occupation = m.occupation();
  row.qualifications = m.qualifications();
  row.selling_point = m.selling_point();
  row.activity_municipalities = list(m.activity_municipalities());
  row.fields = list(m.fields());
  row.weekdays = list(m.weekdays());
  row.time_slot = m.time_slot();
  row.probono_field = m.probono_field();
  row.probono_content = m.probono_content();
  row.probono_needs = m.probono_needs();
  row.magazine = m.magazine();
  if (!m.mail_frequency().empty()) row.mail_frequency = m.mail_frequency();  // empty: as it was
  PrivateItems p{m.name(), m.kana(), m.phone(), m.email(), m.gender(), m.birth_date(), m.postal_code(), m.address(),
                 m.fax(), m.other_note(), m.guardian_consent()};
  row.private_sealed = seal_private(sealer, row.id, p);
  row.search_text = search_text_of(row);
  return row;
}

void summary_to_proto(const store::RecruitmentRow& r, RecruitmentSummary* out) {
  out->set_id(r.id);
  out->set_title(r.title);
  out->set_organization_name(r.organization_name);
  out->set_period_end(r.period_end);
  out->set_anytime(r.period_end.empty());
  out->set_open(!r.closed && (r.period_end.empty() || r.period_end >= time::tokyo_date()));
  out->set_published_at(r.published_at);
}

bool is_group_kind(const std::string& kind) { return kind == "group" || kind == "npo"; }

// The profile's 「メルマガ配信を希望する」 reaches notification: the login's verified
// address subscribes to (or leaves) Aikasanet's mail magazine.
void magazine_choice(db::Tx& tx, const std::string& email, bool subscribe) {
  civic::events::MagazineChoice c;
  c.set_email(email);
  c.set_site("aikasanet");
  c.set_subscribe(subscribe);
  rpc::enqueue_event(tx, "member.magazine", c);
}

// 退会, or a login deleted: the record leaves the site and its personal items are
// erased (not just archived); the row stays for the history and the organisers'
// records of applications.
void erase_member(db::Tx& tx, const crypto::Sealer& sealer, const store::MemberRow& row, const std::string& actor,
                  const std::string& note) {
  store::set_status(tx, row.id, "withdrawn", row.mail_stopped);
  store::MemberRow erased = row;
  erased.private_sealed = seal_private(sealer, row.id, {});
  erased.magazine = false;
  erased.version = row.version + 1;  // set_status bumped it
  store::update(tx, erased);
  if (row.state != "archived") {
    workflow::apply(tx, "member", row.id, row.state, "archive", actor, note);
    store::set_state(tx, row.id, "archived");
  }
}

// The login of a member who withdrew ends too (auth deletes it).
void end_login(db::Tx& tx, const store::MemberRow& row) {
  civic::events::MemberWithdrawn ev;
  ev.set_account_id(row.account_id);
  ev.set_member_id(row.id);
  rpc::enqueue_event(tx, "member.withdrawn", ev);
}
} // namespace

MatchingServiceImpl::MatchingServiceImpl(db::Pool& pool, MatchingConfig config, crypto::Sealer sealer,
                                         rpc::TaxonomyCache& taxonomies, rpc::AccountLookup accounts,
                                         rpc::TermsVersion terms, std::function<void()> events_written)
    : pool_(pool), config_(std::move(config)), sealer_(std::move(sealer)), taxonomies_(taxonomies),
      accounts_(std::move(accounts)), terms_(std::move(terms)), events_written_(std::move(events_written)),
      admin_(member_collection()) {}

void MatchingServiceImpl::render(const store::MemberRow& row, bool full, Member* out) const {
  out->set_id(row.id);
  out->set_type(row.type);
  out->set_organization_id(row.organization_id);
  out->set_display_name(row.display_name);
  out->set_prefecture(row.prefecture);
  out->set_municipality(row.municipality);
  auto links = nlohmann::json::parse(row.links_json, nullptr, false);
  if (links.is_array())
    for (const auto& l : links) {
      auto* link = out->add_links();
      link->set_url(l.value("url", ""));
      link->set_label(l.value("label", ""));
    }
  out->set_occupation(row.occupation);
  out->set_qualifications(row.qualifications);
  out->set_selling_point(row.selling_point);
  for (const auto& v : row.activity_municipalities) out->add_activity_municipalities(v);
  for (const auto& v : row.fields) out->add_fields(v);
  for (const auto& v : row.weekdays) out->add_weekdays(v);
  out->set_time_slot(row.time_slot);
  out->set_probono_field(row.probono_field);
  out->set_probono_content(row.probono_content);
  out->set_probono_needs(row.probono_needs);
  out->set_published_at(row.published_at);
  out->set_updated_at(row.updated_at);
  if (!full) return;
  PrivateItems p = open_private(sealer_, row);
  out->set_name(p.name);
  out->set_kana(p.kana);
  out->set_phone(p.phone);
  out->set_email(p.email);
  out->set_gender(p.gender);
  out->set_birth_date(p.birth_date);
  out->set_guardian_consent(p.guardian_consent);
  out->set_postal_code(p.postal_code);
  out->set_address(p.address);
  out->set_fax(p.fax);
  out->set_other_note(p.other_note);
  out->set_magazine(row.magazine);
  out->set_mail_frequency(row.mail_frequency);
  out->set_state(row.state);
  out->set_status(row.status);
  out->set_mail_stopped(row.mail_stopped);
  out->set_account_suspended(row.account_suspended);
  out->set_accepted_terms_version(row.accepted_terms_version);
  out->set_accepted_terms_at(row.accepted_terms_at);
  out->set_version(row.version);
}

Status MatchingServiceImpl::GetMyProfile(grpc::ServerContext* ctx, const civic::common::Empty*, Member* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetMyProfile", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    auto row = pool_.read([&](db::Tx& tx) { return store::find_by_account(tx, p.account_id()); });
    if (!row) return Status(StatusCode::NOT_FOUND, "あいかさねっとの会員登録はまだありません");
    render(*row, true, resp);
    return Status::OK;
  });
}

Status MatchingServiceImpl::SaveMyProfile(grpc::ServerContext* ctx, const SaveProfileRequest* req, Member* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "SaveMyProfile", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    // Matching mails go to the login's verified address, never to one typed here.
    auto account = accounts_(p, p.account_id());
    if (!account) return Status(StatusCode::UNAUTHENTICATED, "ログインしてください");
    if (!account->email_verified())
      return Status(StatusCode::FAILED_PRECONDITION, "メールアドレスの確認を済ませてから登録してください");
    Member m = req->profile();
    m.set_email(account->email());
    auto tax = taxonomies_.snapshot();
    int current_terms = terms_("aikasanet");  // asked before the row is locked
    return pool_.transaction([&](db::Tx& tx) {
      auto current = store::find_by_account(tx, p.account_id(), true);
      std::string type = current ? current->type : m.type();
      Errors e;
      if (current && !m.type().empty() && m.type() != current->type)
        e.add("type", "immutable", "会員種別は変更できません", "the member type cannot change");
      e.one_of("type", m.type(), rpc::declared_choices(m, "type"), !current);  // chosen when joining
      if (!e.empty()) return rpc::invalid(e);
      e = validate(m, type, *tax);
      // An individual joining accepts the current terms (DIR-1, as an organisation does).
      if (!current && type == "individual" && m.accepted_terms_version() != current_terms)
        e.add("accepted_terms_version", "not_current", "最新の利用規約に同意してください",
              "the current terms of use must be accepted");
      std::optional<store::OrgRow> org;
      if (!current && type != "individual" && validation::is_uuid(m.organization_id())) {
        org = store::find_organization(tx, m.organization_id());
        // Only the account that registered the organisation, of the matching kind.
        if (!org || org->owner_account_id != p.account_id() || (type == "group") != is_group_kind(org->kind))
          e.add("organization_id", "not_yours", "ご自身が登録した団体・企業を指定してください",
                "must be an organisation this account registered");
      }
      if (!e.empty()) return rpc::invalid(e);
      if (current) {
        if (current->status == "withdrawn")
          return Status(StatusCode::FAILED_PRECONDITION, "退会済みです");
        if (m.version() != current->version)
          return Status(StatusCode::ABORTED, "ほかの画面で先に更新されました。読み込み直してから編集してください");
        store::MemberRow row = row_of(m, sealer_, *current);
        if (!store::update(tx, row))
          return Status(StatusCode::ABORTED, "ほかの画面で先に更新されました。読み込み直してから編集してください");
        if (m.magazine() != current->magazine) {
          magazine_choice(tx, m.email(), m.magazine());
          events_written_();
        }
        render(*store::find(tx, row.id), true, resp);
        return Status::OK;
      }
      store::MemberRow fresh;
      fresh.id = crypto::uuid_v4();
      fresh.account_id = p.account_id();
      fresh.type = type;
      if (type == "individual") fresh.accepted_terms_version = m.accepted_terms_version();
      if (org) {
        fresh.organization_id = org->id;
        fresh.display_name = org->name;
      }
      store::MemberRow row = row_of(m, sealer_, fresh);
      store::insert(tx, row);
      if (m.magazine()) magazine_choice(tx, m.email(), true);
      rpc::record_step(tx, p, {"member", row.id, "submit", std::nullopt, workflow::State::review, {}, ""});
      rpc::request_mail(tx, "matching.member_received", m.email(), p.account_id(), {});
      rpc::request_mail(tx, "matching.member_to_review", rpc::kCentre, "",
                        {{"member_type", type == "individual" ? "個人" : type == "group" ? "団体" : "企業"},
                         {"url", config_.triggers.public_base_url + "/admin/members/" + row.id}});
      render(*store::find(tx, row.id), true, resp);
      log::info("member_registered", {{"id", row.id}, {"account_id", p.account_id()}, {"type", type}});
      events_written_();
      return Status::OK;
    });
  });
}

Status MatchingServiceImpl::RequestMembershipChange(grpc::ServerContext* ctx, const MembershipRequest* req,
                                                    Member* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "RequestMembershipChange", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    Errors e;
    rpc::check_declared(*req, e);
    e.text("reason", req->reason(), {.required = false, .max_chars = kLongText, .multiline = true});
    if (!e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      auto row = store::find_by_account(tx, p.account_id(), true);
      if (!row) return Status(StatusCode::NOT_FOUND, "あいかさねっとの会員登録はまだありません");
      const std::string& a = req->action();
      std::string to = a == "suspend" ? "suspended" : a == "resume" ? "active" : "withdrawn";
      bool allowed = (a == "suspend" && row->status == "active") || (a == "resume" && row->status == "suspended") ||
                     (a == "withdraw" && row->status != "withdrawn");
      if (!allowed) return Status(StatusCode::FAILED_PRECONDITION, "今の状態（" + row->status + "）ではこの操作はできません");
      std::string email = open_private(sealer_, *row).email;
      if (a == "withdraw") {
        erase_member(tx, sealer_, *row, p.account_id(), "withdrawn by the member");
        end_login(tx, *row);
      } else {
        store::set_status(tx, row->id, to, row->mail_stopped);
      }
      rpc::request_mail(tx, "matching.membership_changed", rpc::kCentre, "",
                        {{"action", a}, {"url", config_.triggers.public_base_url + "/admin/members/" + row->id}});
      if (!email.empty()) rpc::request_mail(tx, "matching.membership_changed_member", email, p.account_id(), {{"action", a}});
      log::info("membership_" + a, {{"id", row->id}, {"account_id", p.account_id()}});
      render(*store::find(tx, row->id), true, resp);
      events_written_();
      return Status::OK;
    });
  });
}

Status MatchingServiceImpl::ListMembers(grpc::ServerContext* ctx, const ListMembersRequest* req,
                                        ListMembersResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListMembers", [&](const Principal&) {
    Errors e;
    store::Filters f;
    // Member profiles are short: every term is checked on the normalised text.
    if (e.text("q", req->q(), {.required = false, .max_chars = 100}))
      f.keywords = text::query(req->q(), taxonomies_.snapshot()->variants());
    rpc::check_declared(*req, e);
    for (auto [field, value] : {std::pair{"municipality", &req->municipality()}, std::pair{"field", &req->field()},
                                std::pair{"probono_field", &req->probono_field()}})
      if (!value->empty() && !std::regex_match(*value, kCode))
        e.add(field, "invalid_format", "選択肢のコードを指定してください", "must be a taxonomy code");
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    f.type = req->type();
    f.municipality = req->municipality();
    f.field = req->field();
    f.probono_field = req->probono_field();
    auto found = pool_.read([&](db::Tx& tx) { return store::list_public(tx, f, page.limit, page.offset); });
    for (const auto& row : found.items) render(row, false, resp->add_items());
    resp->set_total_size(int32_t(found.total));
    resp->set_next_page_token(paging::next_token(page, found.items.size(), found.total));
    return Status::OK;
  });
}

Status MatchingServiceImpl::GetMember(grpc::ServerContext* ctx, const GetMemberRequest* req, Member* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetMember", [&](const Principal&) {
    if (!validation::is_uuid(req->id())) return not_found();
    return pool_.transaction([&](db::Tx& tx) {
      auto row = store::find(tx, req->id());
      if (!row || row->state != "published" || row->status != "active" || row->account_suspended) return not_found();
      render(*row, false, resp);
      if (!row->organization_id.empty())
        for (const auto& r : store::recruitments_of(tx, row->organization_id)) summary_to_proto(r, resp->add_recruitments());
      return Status::OK;
    });
  });
}

Status MatchingServiceImpl::MemberSummary(grpc::ServerContext* ctx, const MemberSummaryRequest*,
                                          MemberSummaryResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "MemberSummary", [&](const Principal&) {
    return pool_.transaction([&](db::Tx& tx) {
      store::Counts c = store::counts(tx);
      resp->set_individuals(c.individuals);
      resp->set_groups(c.groups);
      resp->set_companies(c.companies);
      for (const auto& row : store::list_public(tx, {}, 6, 0).items) render(row, false, resp->add_newest());
      for (const auto& r : store::open_recruitments(tx, 3)) summary_to_proto(r, resp->add_newest_recruitments());
      return Status::OK;
    });
  });
}

Status MatchingServiceImpl::AdminListMembers(grpc::ServerContext* ctx, const AdminListMembersRequest* req,
                                             ListMembersResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "AdminListMembers", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    rpc::check_declared(*req, e);
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    auto found = pool_.read([&](db::Tx& tx) { return store::admin_list(tx, req->state(), req->type(), page.limit, page.offset); });
    for (const auto& row : found.items) render(row, true, resp->add_items());
    resp->set_total_size(int32_t(found.total));
    resp->set_next_page_token(paging::next_token(page, found.items.size(), found.total));
    return Status::OK;
  });
}

Status MatchingServiceImpl::ExportMembers(grpc::ServerContext* ctx, const AdminListMembersRequest* req,
                                          civic::common::HttpBody* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ExportMembers", [&](const Principal& p) {
    // The export holds every member's private items: admins only.
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    Errors e;
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    constexpr int kAll = 1000000;
    auto rows = pool_.read([&](db::Tx& tx) { return store::admin_list(tx, req->state(), req->type(), kAll, 0).items; });
    auto tax = taxonomies_.snapshot();
    static const std::map<std::string, std::string> kTypes = {
        {"individual", "個人"}, {"group", "団体"}, {"company", "企業"}};
    static const std::map<std::string, std::string> kStatuses = {
        {"active", "活動中"}, {"suspended", "休止"}, {"withdrawn", "退会"}};
    auto list = [](const auto& r) { return std::vector<std::string>(r.begin(), r.end()); };
    // Labels as staff read them; the codes follow in their own columns.
    std::string out(csv::kBom);
    out += csv::row({"id", "種別", "団体名", "氏名", "ふりがな", "都道府県", "市町", "電話番号", "Eメール", "性別",
                     "生年月日", "郵便番号", "住所", "職業", "資格", "活動できる市町", "活動分野", "活動できる曜日",
                     "時間帯", "プロボノ分野", "メルマガ希望", "公開状況", "状態", "メール停止", "公開日", "更新日",
                     "種別(コード)", "都道府県(コード)", "市町(コード)", "性別(コード)", "活動できる市町(コード)",
                     "活動分野(コード)", "活動できる曜日(コード)", "時間帯(コード)", "プロボノ分野(コード)",
                     "公開状況(コード)", "状態(コード)"});
    for (const auto& row : rows) {
      Member m;
      render(row, true, &m);
      out += csv::row({m.id(), csv::label(kTypes, m.type()), m.display_name(), m.name(), m.kana(),
                       tax->label("prefectures", m.prefecture()), tax->label("address_municipalities", m.municipality()),
                       m.phone(), m.email(), tax->label("genders", m.gender()), m.birth_date(), m.postal_code(),
                       m.address(), m.occupation(), m.qualifications(),
                       tax->labels("municipalities", list(m.activity_municipalities())),
                       tax->labels("fields", list(m.fields())), tax->labels("weekdays", list(m.weekdays())),
                       tax->label("time_slots", m.time_slot()), tax->label("probono_fields", m.probono_field()),
                       m.magazine() ? "希望する" : "", csv::label(csv::kStateLabels, m.state()),
                       csv::label(kStatuses, m.status()), m.mail_stopped() ? "停止" : "", m.published_at(),
                       m.updated_at(), m.type(), m.prefecture(), m.municipality(), m.gender(),
                       csv::join(m.activity_municipalities()), csv::join(m.fields()), csv::join(m.weekdays()), m.time_slot(),
                       m.probono_field(), m.state(), m.status()});
    }
    rpc::export_csv(pool_, p, resp, "member", "会員一覧.csv", std::move(out), rows.size(),
                    {{"state", req->state()}, {"type", req->type()}});
    return Status::OK;
  });
}

// Staff correct a record (管理画面により各種情報の修正が可能): checked as on registration
// for the member's type; the type, organisation and the member's own consents
// (guardian, mail magazine) stay as they are; matching and the public search read the
// row, so both follow at once.
Status MatchingServiceImpl::UpdateMember(grpc::ServerContext* ctx, const UpdateMemberRequest* req, Member* resp) {
  static const std::set<std::string> kNotEdited = {
      "id",      "type",       "organization_id", "display_name", "state",        "status", "mail_stopped",
      "magazine", "guardian_consent", "published_at", "updated_at", "version", "recruitments", "email",
      "account_suspended", "accepted_terms_version", "accepted_terms_at", "mail_frequency"};
  auto tax = taxonomies_.snapshot();
  Member edited;
  return admin_.edit(
      ctx, "UpdateMember", req->id(), [] { return Errors{}; },
      [&](const store::MemberRow& current) {
        if (current.status == "withdrawn") return Status(StatusCode::FAILED_PRECONDITION, "退会済みです");
        edited = req->member();
        PrivateItems kept = open_private(sealer_, current);
        edited.set_email(kept.email);  // the login's verified address, not staff's to change
        edited.set_guardian_consent(kept.guardian_consent);
        edited.set_magazine(current.magazine);
        edited.set_mail_frequency(current.mail_frequency);  // the member's own choice
        Errors e = validate(edited, current.type, *tax);
        if (!edited.type().empty() && edited.type() != current.type)
          e.add("type", "immutable", "会員種別は変更できません", "the member type cannot change");
        if (current.type != "individual" && edited.organization_id() != current.organization_id)
          e.add("organization_id", "immutable", "団体・企業は変更できません", "the organisation cannot change");
        return e.empty() ? Status::OK : rpc::invalid(e);
      },
      [&](db::Tx& tx, const store::MemberRow& current, std::vector<std::string>& changed) {
        Member before;
        render(current, true, &before);
        changed = rpc::changed_fields(before, edited, kNotEdited);
        store::MemberRow row = row_of(edited, sealer_, current);
        row.version = edited.version();
        return store::update(tx, row);
      },
      resp);
}

// CNT-4: new members per month by type, individuals included (organisations are the
// directory's count).
Status MatchingServiceImpl::MemberRegistrations(grpc::ServerContext* ctx, const MemberRegistrationsRequest* req,
                                                MemberRegistrationsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "MemberRegistrations", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    auto [from, to] = validation::month_range(e, req->from(), req->to());
    if (!e.empty()) return rpc::invalid(e);
    for (const auto& m : pool_.read([&](db::Tx& tx) { return store::registrations_by_month(tx, from, to); })) {
      auto* out = resp->add_months();
      out->set_month(m.month);
      out->set_type(m.type);
      out->set_count(int32_t(m.count));
    }
    return Status::OK;
  });
}

rpc::Collection<store::MemberRow, Member> MatchingServiceImpl::member_collection() {
  return {
      .entity = "member",
      .pool = &pool_,
      .hmac_key = &config_.hmac_key,
      .find = [](db::Tx& tx, const std::string& id, bool lock) { return store::find(tx, id, lock); },
      .render = [this](db::Tx&, const store::MemberRow& row, Member* out) { render(row, true, out); },
      .set_state = store::set_state,
      .on_step =
          [this](db::Tx& tx, const store::MemberRow& before, workflow::State to, const Principal& p) {
            if (to != workflow::State::published) return;
            auto row = store::find(tx, before.id);
            int mails = member_published(tx, *row, config_.triggers, sealer_);
            std::string email = open_private(sealer_, *row).email;
            if (!email.empty())
              rpc::request_mail(tx, "matching.member_published", email, row->account_id,
                                {{"url", config_.triggers.public_base_url + "/aikasanet/members/" + row->id}});
            log::info("member_published", {{"id", row->id}, {"account_id", p.account_id()}, {"match_mails", mails}});
          },
      .erase = [](db::Tx& tx, const store::MemberRow& row) { store::erase(tx, row.id); },
      .written = [this] { events_written_(); },
      .table = "members",
  };
}

// An Aikasanet member of the former system. Checked as on registration, with the
// login's verified address (none yet: refused, as a registration would be); a group's
// or company's organisation is the directory record imported before it (its name as
// given until directory's announcement renames it). Consents were given there: the
// magazine wish is kept as a flag (the subscription itself comes from the mail-magazine
// list), and nothing is mailed or matched.
Status MatchingServiceImpl::ImportMember(grpc::ServerContext* ctx, const ImportMemberRequest* req,
                                         civic::common::ImportResult* resp) {
  Member m = req->member();
  const std::string& account_id = req->account_id();
  auto content = [&](store::MemberRow row) {
    row.account_id = account_id;
    row.type = m.type();
    row.organization_id = m.type() == "individual" ? "" : m.organization_id();
    row.display_name = m.type() == "individual" ? "" : m.display_name();
    return row_of(m, sealer_, std::move(row));
  };
  return admin_.import(
      ctx, "ImportMember", req->meta(), *req,
      [&] {
        Errors e;
        if (!validation::is_uuid(account_id)) {
          e.add("account_id", "required", "会員のログインを指定してください", "the member's login is required");
        } else if (auto account = accounts_(rpc::Principal{}, account_id)) {
          m.set_email(account->email());  // empty until verified
        } else if (req->meta().validate_only()) {
          // A dry run did not write the login it links to: the rest is checked as if it
          // were there with a verified address.
          m.set_email("dry-run@example.jp");
        } else {
          e.add("account_id", "not_found", "ログインが見つかりません", "no such login");
        }
        if (!e.one_of("type", m.type(), rpc::declared_choices(m, "type"))) return e;
        Errors items = validate(m, m.type(), *taxonomies_.snapshot());
        for (const auto& v : items.list()) e.add(v.field, v.reason, v.message, v.message_en);
        if (m.type() != "individual") e.text("display_name", m.display_name(), {.max_chars = 200});
        return e;
      },
      [&](db::Tx& tx, const Principal&) {
        store::MemberRow fresh;
        fresh.id = crypto::uuid_v4();
        fresh.state = "draft";
        store::insert(tx, content(fresh));
        return fresh.id;
      },
      [&](db::Tx& tx, const store::MemberRow& current) { store::update(tx, content(current)); }, resp);
}

Status MatchingServiceImpl::SetMemberStatus(grpc::ServerContext* ctx, const SetMemberStatusRequest* req, Member* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "SetMemberStatus", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return not_found();
    Errors e;
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    Status st = pool_.transaction([&](db::Tx& tx) {
      auto row = store::find(tx, req->id(), true);
      if (!row) return not_found();
      if (req->status() == "withdrawn" && row->status != "withdrawn") {
        // Staff approve a withdrawal asked by mail or phone: as the member's own 退会.
        erase_member(tx, sealer_, *row, p.account_id(), "withdrawal approved by staff");
        end_login(tx, *row);
      }
      store::set_status(tx, req->id(), req->status(), req->mail_stopped());
      rpc::audit(tx, p, "status", "member", req->id(),
                 {{"from", row->status}, {"status", req->status()}, {"mail_stopped", req->mail_stopped()}});
      render(*store::find(tx, req->id()), true, resp);
      return Status::OK;
    });
    if (st.ok()) events_written_();
    return st;
  });
}

Status MatchingServiceImpl::GetContact(grpc::ServerContext* ctx, const ContactRequest* req, ContactResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetContact", [&](const Principal& p) {
    // Personal data for the recruitment service alone, never for a browser.
    if (!rpc::has_role(p, "service") || p.caller() != "recruitment")
      return Status(StatusCode::PERMISSION_DENIED, "権限がありません");
    bool by_member = !req->member_id().empty();
    if (!validation::is_uuid(by_member ? req->member_id() : req->account_id())) return not_found();
    auto row = pool_.read([&](db::Tx& tx) {
      return by_member ? store::find(tx, req->member_id()) : store::find_by_account(tx, req->account_id());
    });
    if (!row) return not_found();
    PrivateItems priv = open_private(sealer_, *row);
    resp->set_member_id(row->id);
    resp->set_type(row->type);
    resp->set_name(row->type == "individual" ? priv.name : row->display_name);
    resp->set_email(priv.email);
    resp->set_phone(priv.phone);
    resp->set_reachable(row->state == "published" && row->status == "active" && !row->account_suspended);
    resp->set_organization_id(row->organization_id);
    resp->set_mail_stopped(row->mail_stopped);
    resp->set_account_id(row->account_id);
    return Status::OK;
  });
}

EventSinkImpl::EventSinkImpl(db::Pool& pool, MatchingConfig config, crypto::Sealer sealer,
                             std::function<void()> events_written)
    : pool_(pool), config_(std::move(config)), sealer_(std::move(sealer)), events_written_(std::move(events_written)) {}

// What became of a member's login (issue 14): suspended, the member is hidden and
// matched or mailed by nothing until resumed; deleted, its personal items are erased;
// a new verified address is where matching mails go from now on.
void EventSinkImpl::account_changed(db::Tx& tx, const std::string& type, const civic::events::AccountChanged& a) {
  if (type == "account.suspended" || type == "account.resumed") {
    store::set_account_suspended(tx, a.account_id(), type == "account.suspended");
    return;
  }
  auto row = store::find_by_account(tx, a.account_id(), true);
  if (!row) return;
  if (type == "account.deleted") {
    if (row->status != "withdrawn") erase_member(tx, sealer_, *row, "", "the login was deleted (" + a.by() + ")");
  } else if (type == "account.email_changed" && row->status != "withdrawn") {
    PrivateItems items = open_private(sealer_, *row);
    items.email = a.email();
    store::MemberRow changed = *row;
    changed.private_sealed = seal_private(sealer_, row->id, items);
    store::update(tx, changed);
  }
  log::info("member_account_" + type.substr(8), {{"id", row->id}});
}

Status EventSinkImpl::Deliver(grpc::ServerContext* ctx, const civic::events::Event* event,
                              civic::events::DeliverResponse*) {
  Status st = rpc::deliver_once(ctx, config_.hmac_key, pool_, *event, [&](db::Tx& tx) {
    const std::string& type = event->type();
    if (type == "organization.changed") {
      civic::events::OrganizationChanged o;
      if (!o.ParseFromString(event->payload()) || !validation::is_uuid(o.id()) || !validation::is_uuid(o.owner_account_id()))
        return log::warn("event_payload_invalid", {{"event_id", event->id()}});
      store::upsert_organization(tx, {o.id(), o.owner_account_id(), o.kind(), o.name(), o.visible(), o.recruits()});
      store::rename_members_of(tx, o.id(), o.name());
    } else if (type == "recruitment.published") {
      civic::events::RecruitmentPublished r;
      if (!r.ParseFromString(event->payload()) || !validation::is_uuid(r.id()) || !validation::is_uuid(r.organization_id()))
        return log::warn("event_payload_invalid", {{"event_id", event->id()}});
      store::RecruitmentRow row{r.id(), r.organization_id(), r.organization_name(), r.title(),
                                list(r.fields()), list(r.municipalities()), list(r.weekdays()),
                                r.prefecture_wide(), r.anytime(), r.time_slot(), r.period_end(),
                                sealer_.seal(r.organizer_email(), r.id()), false, r.published_at()};
      store::upsert_recruitment(tx, row);
      // One carried over from the former system was announced there long ago.
      if (!r.imported()) recruitment_published(tx, row, r.organizer_email(), config_.triggers, sealer_);
    } else if (type == "recruitment.closed") {
      civic::events::RecruitmentClosed r;
      if (r.ParseFromString(event->payload()) && validation::is_uuid(r.id())) store::close_recruitment(tx, r.id());
    } else if (type.rfind("account.", 0) == 0) {
      civic::events::AccountChanged a;
      if (!a.ParseFromString(event->payload()) || !validation::is_uuid(a.account_id()))
        return log::warn("event_payload_invalid", {{"event_id", event->id()}});
      account_changed(tx, type, a);
    } else {
      log::warn("event_type_ignored", {{"event_id", event->id()}, {"type", type}});
    }
  });
  if (st.ok()) events_written_();
  return st;
}

} // namespace civic::matching
