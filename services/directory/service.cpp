#include "directory/service.h"

#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <ctime>
#include <regex>
#include <set>

#include "civic/http_options.pb.h"
#include "core/csv.h"
#include "core/files.h"
#include "core/log.h"
#include "core/paging.h"
#include "core/time.h"
#include "core/validation.h"
#include "directory/forms.h"
#include "rpc/audit.h"
#include "rpc/declared.h"
#include "rpc/json.h"
#include "rpc/outbox.h"
#include "rpc/idempotency.h"
#include "rpc/server.h"
#include "rpc/collection.h"
#include "text/text.h"
#include "workflow/workflow.h"

namespace civic::directory {
namespace {
using grpc::Status;
using grpc::StatusCode;
using rpc::Principal;
using validation::Errors;

constexpr size_t kLongText = 4000;
constexpr int kHandoffMinutes = 30;
constexpr size_t kMaxAttachmentBytes = 10 << 20;

using rpc::not_found;

// What an edit leaves as it was: bookkeeping, the registration's consents, the files.
const std::set<std::string> kNotEdited = {"id",
                                          "version",
                                          "state",
                                          "status",
                                          "published_at",
                                          "updated_at",
                                          "owner_account_id",
                                          "accepted_terms_version",
                                          "accepted_terms_at",
                                          "registration_requirements",
                                          "guardian_consent",
                                          "attachments"};

// Site and kind stay as registered.
void fixed_items(const Organization& o, const OrgRow& row, Errors& e) {
  if (o.site() != row.site) e.add("site", "not_changeable", "サイトは変更できません", "the site cannot be changed");
  if (o.kind() != row.kind) e.add("kind", "not_changeable", "区分は変更できません", "the kind cannot be changed");
}

const std::map<std::string, std::string> kKindLabels = {{"group", "団体"}, {"npo", "NPO法人"}, {"company", "企業"}};
const std::map<std::string, std::string> kStatusLabels = {
    {"active", "活動中"}, {"dissolved", "解散"}, {"withdrawn", "退会"}};

using rpc::site_name;

// Compiled once; building a std::regex costs far more than matching one.
const std::regex kCode("[a-z0-9_]{1,40}");

bool matches(std::string_view s, const std::regex& pattern) { return std::regex_match(s.begin(), s.end(), pattern); }

// The descriptive profile kept as JSON: every item that has no column of its own and
// is not private, so a new descriptive item in the proto needs no code here.
std::string profile_json(const Organization& o) {
  static const std::set<std::string> kColumns = {
      "id",       "site",   "kind",         "class_code", "name",       "name_kana",  "fields", "target_area",
      "target_municipalities", "municipality", "features", "status", "published_at", "updated_at", "attachments"};
  return rpc::profile_json(o, kColumns);
}

void search_keys(const Organization& o, OrgRow& row);

// The columns that come from the public content of `o` (registration and corrections).
void set_content(const Organization& o, OrgRow& row) {
  row.class_code = o.class_code();
  row.name = o.name();
  row.name_kana = o.name_kana();
  row.fields = list(o.fields());
  row.target_area = o.target_area();
  row.target_municipalities = list(o.target_municipalities());
  row.municipality = o.municipality();
  row.features = list(o.features());
  row.profile = profile_json(o);
  search_keys(o, row);
}

void search_keys(const Organization& o, OrgRow& row) {
  std::vector<std::string_view> parts = {o.name(),   o.name_kana(), o.purpose(), o.activities(),
                                         o.csr_activities(), o.appeal(), o.address(), o.volunteer_record()};
  row.search_grams = text::index_grams(parts);
  row.search_text = text::search_text(parts);
}


void set_totals(const paging::Page& page, const OrgPage& found, ListOrganizationsResponse* resp) {
  resp->set_total_size(int32_t(found.total));
  resp->set_total_capped(found.capped);
  // Past a capped total, a full page still has a next one.
  int64_t known = found.capped && found.items.size() == size_t(page.limit) ? INT64_MAX : found.total;
  resp->set_next_page_token(paging::next_token(page, found.items.size(), known));
}

// A correction may change any public item but the kind; never private items or state.
bool correctable(const google::protobuf::FieldDescriptor* f) {
  static const std::set<std::string> kFixed = {"id",         "site",       "kind",       "status",
                                               "published_at", "updated_at", "attachments"};
  return !f->options().GetExtension(civic::private_field) && !kFixed.count(f->name());
}



Filters filters_of(Errors& e, const std::string& q, const rpc::Taxonomies& tax) {
  Filters f;
  if (e.text("q", q, {.required = false, .max_chars = 100})) f.keywords = text::query(q, tax.variants());
  return f;
}

} // namespace

DirectoryServiceImpl::DirectoryServiceImpl(db::Pool& pool, DirectoryConfig config, crypto::Sealer sealer,
                                           rpc::TaxonomyCache& taxonomies, TermsVersion terms_version,
                                           SearchIndex& search, rpc::AccountLookup accounts,
                                           std::function<void()> events_written)
    : pool_(pool),
      search_(search),
      config_(std::move(config)),
      sealer_(std::move(sealer)),
      taxonomies_(taxonomies),
      terms_version_(std::move(terms_version)),
      accounts_(std::move(accounts)),
      events_written_(std::move(events_written)),
      admin_(organization_collection()),
      corrections_(correction_desk()) {}

void DirectoryServiceImpl::announce(db::Tx& tx, const std::string& id) {
  auto row = store::find(tx, id);
  if (!row || row->site != "aikasanet" || !row->duplicated_from.empty()) return;
  Organization o;
  to_proto(*row, true, &o);
  civic::events::OrganizationChanged ev;
  ev.set_id(row->id);
  ev.set_owner_account_id(row->owner_account_id);
  ev.set_site(row->site);
  ev.set_kind(row->kind);
  ev.set_name(row->name);
  ev.set_visible(row->is_public() && row->status == "active");
  ev.set_recruits(o.recruits_volunteers());
  rpc::enqueue_event(tx, "organization.changed", ev);
}

void DirectoryServiceImpl::fill(const Organization& o, OrgRow& row) const {
  set_content(o, row);
  row.registrant_name = o.registrant_name();
  row.registrant_title = o.registrant_title();
  row.registrant_department = o.registrant_department();
  auto [phone, email] = contact_of(o);
  row.registrant_phone_sealed = sealer_.seal(phone, row.id);
  row.registrant_email_sealed = sealer_.seal(email, row.id);
}

OrgRow DirectoryServiceImpl::registration_row(const Organization& o) const {
  OrgRow row;
  row.id = crypto::uuid_v4();
  row.site = o.site();
  row.kind = o.kind();
  fill(o, row);
  row.registration_requirements = list(o.registration_requirements());
  row.accepted_terms_version = o.accepted_terms_version();
  row.guardian_consent = o.guardian_consent();
  return row;
}

void DirectoryServiceImpl::written(bool listing_changed) {
  events_written_();
  if (listing_changed) search_.catch_up();  // this replica's own change is searchable at once
}

void DirectoryServiceImpl::to_proto(const OrgRow& row, bool full, Organization* out) const {
  (void)rpc::message_from_json(row.profile, out);  // written by profile_json, so always valid
  out->set_id(row.id);
  out->set_site(row.site);
  out->set_kind(row.kind);
  out->set_class_code(row.class_code);
  out->set_name(row.name);
  out->set_name_kana(row.name_kana);
  for (const auto& f : row.fields) out->add_fields(f);
  out->set_target_area(row.target_area);
  for (const auto& m : row.target_municipalities) out->add_target_municipalities(m);
  out->set_municipality(row.municipality);
  for (const auto& f : row.features) out->add_features(f);
  out->set_status(row.status);
  out->set_published_at(row.published_at);
  out->set_updated_at(row.updated_at);
  if (!full) return;  // private fields stay empty
  out->set_registrant_name(row.registrant_name);
  out->set_registrant_title(row.registrant_title);
  out->set_registrant_department(row.registrant_department);
  if (row.site != "aikasanet") {  // on Aikasanet the sealed contact is a copy of phone and e-mail
    out->set_registrant_phone(sealer_.open(row.registrant_phone_sealed, row.id).value_or(""));
    out->set_registrant_email(sealer_.open(row.registrant_email_sealed, row.id).value_or(""));
  }
  for (const auto& r : row.registration_requirements) out->add_registration_requirements(r);
  out->set_accepted_terms_version(row.accepted_terms_version);
  out->set_accepted_terms_at(row.accepted_terms_at);
  out->set_guardian_consent(row.guardian_consent);
  out->set_state(row.state);
  out->set_version(row.version);
  out->set_owner_account_id(row.owner_account_id);
  out->set_orphaned_at(row.orphaned_at);
}

Status DirectoryServiceImpl::RegisterOrganization(grpc::ServerContext* ctx, const RegisterOrganizationRequest* req,
                                                  RegisterOrganizationResponse* resp) {
  Status st = rpc::guarded(ctx, config_.hmac_key, "RegisterOrganization", [&](const Principal& p) {
    return rpc::idempotent(pool_, config_.hmac_key, p, "RegisterOrganization", *req, resp, [&]() -> Status {
      Organization o = req->organization();
      if (o.site().empty()) o.set_site("supernet");
      // Aikasanet is for members: the group or company registers from its own account.
      if (o.site() == "aikasanet")
        if (Status s = rpc::require_login(p); !s.ok()) return s;
      bool known_site = o.site() == "supernet" || o.site() == "aikasanet";  // else validate names it
      Errors e = validate(o, *taxonomies_.snapshot(), known_site ? terms_version_(o.site()) : 1);
      if (!e.empty()) return rpc::invalid(e);
  
      OrgRow row = registration_row(o);
      std::string contact_email = contact_of(o).second;
      row.state = "review";
      row.owner_account_id = p.account_id();
      std::string handoff = crypto::random_token();
      pool_.transaction([&](db::Tx& tx) {
        store::insert(tx, row);
        store::insert_handoff(tx, crypto::sha256(handoff), row.id, kHandoffMinutes);
        rpc::record_step(tx, p, {"organization", row.id, "create", std::nullopt, workflow::State::review, {}, ""});
        announce(tx, row.id);
        // DIR-2: the registrant's receipt, and a notice to the centre that a new entry waits.
        rpc::request_mail(tx, "directory.registered", contact_email, "",
                          {{"registrant_name", o.registrant_name()}, {"organization_name", o.name()},
                           {"site_name", site_name(o.site())}});
        rpc::request_mail(tx, "directory.new_registration", rpc::kCentre, "",
                          {{"organization_name", o.name()}, {"kind", o.kind()}, {"site_name", site_name(o.site())},
                           {"url", config_.public_base_url + "/admin/organizations/" + row.id}});
      });
      log::info("organization_registered",
                {{"id", row.id}, {"site", row.site}, {"kind", row.kind}, {"request_id", p.request_id()}});
      resp->set_id(row.id);
      resp->set_state(row.state);
      resp->set_handoff_token(handoff);
      return Status::OK;
    });
  });
  if (st.ok()) written(false);
  return st;
}

Status DirectoryServiceImpl::GetHandoff(grpc::ServerContext* ctx, const HandoffRequest* req, HandoffResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetHandoff", [&](const Principal&) {
    if (req->token().empty() || req->token().size() > 100) return not_found();
    return pool_.transaction([&](db::Tx& tx) {
      auto id = store::use_handoff(tx, crypto::sha256(req->token()));
      if (!id) return not_found();  // unknown, used or expired: all look the same
      auto row = store::find(tx, *id);
      if (!row) return not_found();
      Organization full;
      to_proto(*row, true, &full);  // the token holder is the registrant: its own items may go along
      handoff_prefill(full, resp->mutable_organization());
      resp->set_from_site(full.site());
      resp->set_to_site(resp->organization().site());
      return Status::OK;
    });
  });
}

Status DirectoryServiceImpl::GetOrganization(grpc::ServerContext* ctx, const GetOrganizationRequest* req,
                                             Organization* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetOrganization", [&](const Principal& p) {
    if (!validation::is_uuid(req->id())) return not_found();
    // Only a caller without an account is surely shown the public record (an owner sees more).
    bool anonymous = p.account_id().empty() && !rpc::is_staff(p);
    return rendered_.detail(req->id(), anonymous ? search_.stamp_of(req->id()) : std::nullopt, resp,
                            [&](Organization* out) {
      return pool_.read([&](db::Tx& tx) {
        auto row = store::find(tx, req->id());
        if (!row) return not_found();
        bool full = rpc::is_staff(p) || (!row->owner_account_id.empty() && row->owner_account_id == p.account_id());
        if (!row->is_public() && !full) return not_found();
        to_proto(*row, full, out);
        for (const auto& a : store::attachments(tx, row->id)) to_proto(a, out->add_attachments());
        return Status::OK;
      });
    });
  });
}

Status DirectoryServiceImpl::ListOrganizations(grpc::ServerContext* ctx, const ListOrganizationsRequest* req,
                                               ListOrganizationsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ListOrganizations", [&](const Principal&) {
    Errors e;
    Filters f = filters_of(e, req->q(), *taxonomies_.snapshot());
    rpc::check_declared(*req, e);
    for (const auto& [field, value] : {std::pair{"field", req->field()}, std::pair{"area", req->area()},
                                       std::pair{"municipality", req->municipality()}, std::pair{"feature", req->feature()},
                                       std::pair{"class_code", req->class_code()}})
      if (!value.empty() && !matches(value, kCode))
        e.add(field, "invalid_format", "選択肢のコードを指定してください", "must be a taxonomy code");
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    f.site = req->site().empty() ? "supernet" : req->site();
    f.kind = req->kind();
    f.field = req->field();
    f.area = req->area();
    f.municipality = req->municipality();
    f.feature = req->feature();
    f.class_code = req->class_code();
    f.status = req->status().empty() ? "active" : req->status() == "all" ? "" : req->status();
    SearchPage found = search_.search(f, page.limit, page.offset);
    rendered_.answer(page, found, resp, [&](const std::vector<std::string>& ids) {
      std::vector<Organization> out;
      for (const auto& row : pool_.read([&](db::Tx& tx) { return store::find_published(tx, ids); }))
        to_proto(row, false, &out.emplace_back());
      return out;
    });
    return Status::OK;
  });
}

Status DirectoryServiceImpl::AdminListOrganizations(grpc::ServerContext* ctx, const AdminListOrganizationsRequest* req,
                                                    ListOrganizationsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "AdminListOrganizations", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    Filters f = filters_of(e, req->q(), *taxonomies_.snapshot());
    rpc::check_declared(*req, e);
    paging::Page page = paging::read(e, req->page_size(), req->page_token());
    if (!e.empty()) return rpc::invalid(e);
    f.site = req->site();
    f.orphaned = req->orphaned();
    auto found = pool_.read([&](db::Tx& tx) { return store::admin_list(tx, req->state(), f, page.limit, page.offset); });
    for (const auto& row : found.items) to_proto(row, true, resp->add_items());
    set_totals(page, found, resp);
    return Status::OK;
  });
}

rpc::Collection<OrgRow, Organization> DirectoryServiceImpl::organization_collection() {
  return {
      .entity = "organization",
      .pool = &pool_,
      .hmac_key = &config_.hmac_key,
      .find = [](db::Tx& tx, const std::string& id, bool lock) { return store::find(tx, id, lock); },
      .render = [this](db::Tx&, const OrgRow& row, Organization* out) { to_proto(row, true, out); },
      .set_state = store::set_state,
      .on_step =
          [this](db::Tx& tx, const OrgRow& row, workflow::State to, const Principal&) {
            if (to == workflow::State::published)
              if (auto email = sealer_.open(row.registrant_email_sealed, row.id))
                rpc::request_mail(tx, "directory.published", *email, "",
                                  {{"registrant_name", row.registrant_name}, {"organization_name", row.name},
                                   {"site_name", site_name(row.site)},
                                   {"url", config_.public_base_url + "/organizations/" + row.id}});
            announce(tx, row.id);
          },
      .copy =
          [this](db::Tx& tx, const OrgRow& row, const Principal&) {
            OrgRow copy = row;
            copy.id = crypto::uuid_v4();
            // The sealed fields are bound to the record id: open and seal them again.
            copy.registrant_phone_sealed =
                sealer_.seal(sealer_.open(row.registrant_phone_sealed, row.id).value_or(""), copy.id);
            copy.registrant_email_sealed =
                sealer_.seal(sealer_.open(row.registrant_email_sealed, row.id).value_or(""), copy.id);
            copy.state = "draft";
            copy.duplicated_from = row.id;
            Organization full;
            to_proto(row, true, &full);
            search_keys(full, copy);
            store::insert(tx, copy);
            return copy.id;
          },
      // Its recruitments stay (ADR 0013): they were hidden when it was archived.
      .erase =
          [](db::Tx& tx, const OrgRow& row) {
            workflow::corrections::erase_of(tx, "organization", row.id);
            store::erase(tx, row.id);
          },
      .written = [this] { written(true); },
      .table = "organizations",
      .imported = [this](db::Tx& tx, const std::string& id) { announce(tx, id); },  // matching and recruitment learn of it
  };
}

// DIR-4: the registered contact confirms, staff apply; the search and the services
// following Aikasanet organisations catch up at once.
DirectoryServiceImpl::Corrections DirectoryServiceImpl::correction_desk() {
  return {
      .entity = "organization",
      .pool = &pool_,
      .hmac_key = &config_.hmac_key,
      .sealer = &sealer_,
      .id_field = "organization_id",
      .subject_field = "organization_name",
      .confirm_template = "directory.correction_confirm",
      .applied_template = "directory.correction_applied",
      .confirm_url = config_.public_base_url + "/correction-requests/confirm",
      .find = [](db::Tx& tx, const std::string& id, bool lock) { return store::find(tx, id, lock); },
      .is_public = [](const OrgRow& row) { return row.is_public(); },
      .render = [this](const OrgRow& row, Organization* out) { to_proto(row, true, out); },
      .correctable = correctable,
      .validate = [this](const Organization& o) { return validate(o, *taxonomies_.snapshot(), 0); },
      .contact = [this](const OrgRow& row) { return sealer_.open(row.registrant_email_sealed, row.id).value_or(""); },
      .subject = [](const OrgRow& row) { return row.name; },
      .mail_variables =
          [this](const OrgRow& row) {
            return std::map<std::string, std::string>{
                {"organization_name", row.name},
                {"site_name", site_name(row.site)},
                {"url", config_.public_base_url + "/organizations/" + row.id}};
          },
      .apply =
          [this](db::Tx& tx, const OrgRow& row, const Organization& result) {
            OrgRow updated = row;
            fill(result, updated);  // update_content writes the content and the sealed contact
            store::update_content(tx, updated);
            announce(tx, row.id);
          },
      .written = [this](bool record_changed) { written(record_changed); },
  };
}

// Staff register an organisation from its paper form (the organisation accepted the
// current terms and ticked the requirements there): checked as any registration, a
// draft without an owning account, recorded in the history as done on its behalf.
// Aikasanet records belong to a member account, so only Supernet's.
Status DirectoryServiceImpl::CreateOrganization(grpc::ServerContext* ctx, const RegisterOrganizationRequest* req,
                                                Organization* resp) {
  Organization o = req->organization();
  if (o.site().empty()) o.set_site("supernet");
  return admin_.create(
      ctx, "CreateOrganization",
      [&] {
        Errors e;
        if (o.site() == "aikasanet")
          e.add("site", "not_applicable", "あいかさねっとの登録は会員のアカウントから行います",
                "Aikasanet records are registered from a member account");
        else
          e = validate(o, *taxonomies_.snapshot(), terms_version_("supernet"));
        return e;
      },
      [&](db::Tx& tx, const Principal&) {
        OrgRow row = registration_row(o);
        row.state = "draft";
        store::insert(tx, row);
        return row.id;
      },
      resp, "registered by staff on the organisation's behalf, from its form");
}

Status DirectoryServiceImpl::UpdateOrganization(grpc::ServerContext* ctx, const UpdateOrganizationRequest* req,
                                                Organization* resp) {
  const Organization& o = req->organization();
  return admin_.edit(
      ctx, "UpdateOrganization", req->id(), [&] { return validate(o, *taxonomies_.snapshot(), 0); },
      [&](const OrgRow& current) {
        Errors e;
        fixed_items(o, current, e);
        return e.empty() ? Status::OK : rpc::invalid(e);
      },
      [&](db::Tx& tx, const OrgRow& current, std::vector<std::string>& changed) {
        Organization before;
        to_proto(current, true, &before);
        changed = rpc::changed_fields(before, o, kNotEdited);
        OrgRow updated = current;
        fill(o, updated);
        updated.version = o.version();
        if (!store::edit_content(tx, updated)) return false;
        announce(tx, current.id);  // matching and recruitment follow at once
        return true;
      },
      resp);
}

// An organisation of the former system (either site), owned by its imported login when
// it had one; checked as a staff edit is (its registration consents were given there).
Status DirectoryServiceImpl::ImportOrganization(grpc::ServerContext* ctx, const ImportOrganizationRequest* req,
                                                civic::common::ImportResult* resp) {
  Organization o = req->organization();
  if (o.site().empty()) o.set_site("supernet");
  const std::string& owner = req->owner_account_id();
  return admin_.import(
      ctx, "ImportOrganization", req->meta(), *req,
      [&] {
        Errors e = validate(o, *taxonomies_.snapshot(), 0);
        if (!owner.empty() && !validation::is_uuid(owner))
          e.add("owner_account_id", "invalid_format", "アカウントIDの形式が正しくありません", "must be a UUID");
        return e;
      },
      [&](db::Tx& tx, const Principal&) {
        OrgRow row = registration_row(o);
        row.state = "draft";
        row.owner_account_id = owner;
        store::insert(tx, row);
        return row.id;
      },
      [&](db::Tx& tx, const OrgRow& current) {
        OrgRow updated = current;
        fill(o, updated);
        store::edit_content(tx, updated);
        if (!owner.empty() && owner != current.owner_account_id) store::set_owner(tx, current.id, owner);
      },
      resp);
}

// Staff hand an organisation (typically one orphaned by a deleted login) to another
// account, which must exist and be able to log in; it is public again when published.
Status DirectoryServiceImpl::SetOrganizationOwner(grpc::ServerContext* ctx, const SetOwnerRequest* req,
                                                  Organization* resp) {
  return admin_.staff(ctx, "SetOrganizationOwner", true, [&](const Principal& p) {
    if (!validation::is_uuid(req->id())) return not_found();
    if (!validation::is_uuid(req->account_id()))
      return rpc::invalid("account_id", "invalid_format", "アカウントIDを指定してください", "must be an account id");
    auto account = accounts_(p, req->account_id());
    if (!account || account->status() != "active")
      return rpc::invalid("account_id", "not_active", "ログインできるアカウントを指定してください",
                          "must be an account that can log in");
    return pool_.transaction([&](db::Tx& tx) {
      auto row = store::find(tx, req->id(), true);
      if (!row) return not_found();
      store::set_owner(tx, row->id, req->account_id());
      auto state = workflow::parse(row->state).value_or(workflow::State::draft);
      rpc::record_step(tx, p, {"organization", row->id, "reassign", state, state, {},
                            row->orphaned_at.empty() ? "" : "orphaned since " + row->orphaned_at},
                       {"owner_account_id"});
      announce(tx, row->id);
      to_proto(*store::find(tx, row->id), true, resp);
      log::info("organization_reassigned", {{"id", row->id}, {"account_id", p.account_id()}});
      return Status::OK;
    });
  });
}

// account.deleted: the organisations of that login leave the public site (their
// recruitments follow), for staff to hand to another account or archive.
void DirectoryServiceImpl::owner_deleted(db::Tx& tx, const std::string& account_id, const std::string& by) {
  for (const auto& id : store::orphan_of(tx, account_id)) {
    auto row = store::find(tx, id);
    auto state = workflow::parse(row->state).value_or(workflow::State::draft);
    workflow::record(tx, {"organization", id, "orphan", state, state, "", "the owner's login was deleted (" + by + ")"});
    announce(tx, id);
    log::info("organization_orphaned", {{"id", id}});
  }
}

OwnerEventSink::OwnerEventSink(db::Pool& pool, std::string hmac_key, DirectoryServiceImpl& directory)
    : pool_(pool), hmac_key_(std::move(hmac_key)), directory_(directory) {}

Status OwnerEventSink::Deliver(grpc::ServerContext* ctx, const civic::events::Event* event,
                               civic::events::DeliverResponse*) {
  bool changed = false;
  Status st = rpc::deliver_once(ctx, hmac_key_, pool_, *event, [&](db::Tx& tx) {
    civic::events::AccountChanged a;
    if (!a.ParseFromString(event->payload()) || !validation::is_uuid(a.account_id()))
      return log::warn("event_payload_invalid", {{"event_id", event->id()}});
    if (event->type() != "account.deleted") return;  // suspensions touch no organisation
    directory_.owner_deleted(tx, a.account_id(), a.by());
    changed = true;
  });
  if (st.ok() && changed) directory_.written(true);
  return st;
}

Status DirectoryServiceImpl::UpdateOwnOrganization(grpc::ServerContext* ctx, const UpdateOrganizationRequest* req,
                                                   UpdateOwnOrganizationResponse* resp) {
  Status st = rpc::guarded(ctx, config_.hmac_key, "UpdateOwnOrganization", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return not_found();
    const Organization& o = req->organization();
    Errors e = validate(o, *taxonomies_.snapshot(), 0);
    return pool_.transaction([&](db::Tx& tx) {
      auto row = store::find(tx, req->id(), true);
      // Another account's record (or one nobody owns) is as good as absent.
      if (!row || row->owner_account_id.empty() || row->owner_account_id != p.account_id()) return not_found();
      fixed_items(o, *row, e);
      if (!e.empty()) return rpc::invalid(e);
      if (row->state == "archived")
        return Status(StatusCode::FAILED_PRECONDITION, "公開を終えた登録は変更できません。センターへお問い合わせください");
      if (o.version() != row->version)
        return Status(StatusCode::ABORTED, "ほかの画面で先に更新されました。読み込み直してから編集してください");
      Organization current;
      to_proto(*row, true, &current);
      auto changed = rpc::changed_fields(current, o, kNotEdited);
      // On a published record, public items wait for the centre (as a confirmed
      // correction request); the registrant's private items take effect at once.
      Organization now = o, waiting;
      std::vector<std::string> applied;
      if (row->state == "published") {
        now = current;
        now.set_version(o.version());
        for (const auto& name : changed) {
          const auto* f = Organization::descriptor()->FindFieldByName(name);
          Organization from = o;
          if (f->options().GetExtension(civic::private_field)) {
            now.GetReflection()->SwapFields(&now, &from, {f});
            applied.push_back(name);
          } else {
            waiting.GetReflection()->SwapFields(&waiting, &from, {f});
          }
        }
      } else {
        applied = changed;  // nothing public yet: the centre reviews the whole record anyway
      }
      OrgRow updated = *row;
      fill(now, updated);
      updated.version = row->version;
      if (!store::edit_content(tx, updated))
        return Status(StatusCode::ABORTED, "ほかの画面で先に更新されました。読み込み直してから編集してください");
      auto state = workflow::parse(row->state).value_or(workflow::State::review);
      if (!applied.empty())
        rpc::record_step(tx, p, {"organization", row->id, "edit", state, state, {}, "by the owner"}, applied);
      if (waiting.ByteSizeLong() > 0)
        resp->set_correction_id(corrections_.propose_confirmed(
            tx, *row, waiting, text::prefix(now.registrant_name().empty() ? row->name : now.registrant_name(), 100),
            contact_of(now).second, "団体の登録者による修正"));
      announce(tx, row->id);
      to_proto(*store::find(tx, row->id), true, resp->mutable_organization());
      log::info("organization_edited_by_owner",
                {{"id", row->id}, {"applied", applied.size()}, {"waiting", !resp->correction_id().empty()}});
      return Status::OK;
    });
  });
  if (st.ok()) written(true);
  return st;
}

Status DirectoryServiceImpl::SetOrganizationStatus(grpc::ServerContext* ctx, const SetStatusRequest* req,
                                                   Organization* resp) {
  Status st = rpc::guarded(ctx, config_.hmac_key, "SetOrganizationStatus", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return not_found();
    Errors e;
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    return pool_.transaction([&](db::Tx& tx) {
      if (!store::find(tx, req->id(), true)) return not_found();
      store::set_status(tx, req->id(), req->status());
      rpc::audit(tx, p, "status", "organization", req->id(), {{"status", req->status()}});
      announce(tx, req->id());
      to_proto(*store::find(tx, req->id()), true, resp);
      return Status::OK;
    });
  });
  if (st.ok()) written(true);
  return st;
}

Status DirectoryServiceImpl::ExportOrganizations(grpc::ServerContext* ctx, const ExportRequest* req,
                                                 civic::common::HttpBody* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "ExportOrganizations", [&](const Principal& p) {
    // The export holds the registrants' contact data: admins only.
    if (Status s = rpc::require_admin(p); !s.ok()) return s;
    Errors e;
    rpc::check_declared(*req, e);
    if (!e.empty()) return rpc::invalid(e);
    auto rows = pool_.read([&](db::Tx& tx) { return store::export_all(tx, req->state(), req->site()); });
    auto tax = taxonomies_.snapshot();
    // Staff read labels (「保健・医療・福祉」); the codes follow in their own columns for
    // whoever sorts or joins the sheet.
    std::string out(csv::kBom);
    out += csv::row({"id", "サイト", "区分", "分類", "団体名", "ふりがな", "状態", "公開状況", "代表者", "担当者", "活動分野",
                     "対象エリア", "対象市町", "市町", "住所", "電話番号", "Eメール", "URL", "特徴", "公開日",
                     "登録担当者", "登録担当者部署", "登録担当者電話番号", "登録担当者Eメール", "更新日", "サイト(コード)",
                     "区分(コード)", "分類(コード)", "状態(コード)", "公開状況(コード)", "活動分野(コード)",
                     "対象エリア(コード)", "対象市町(コード)", "市町(コード)", "特徴(コード)"});
    for (const auto& row : rows) {
      Organization o;
      to_proto(row, true, &o);
      std::vector<std::string> urls;
      for (const auto& l : o.links()) urls.push_back(l.url());
      auto [contact_phone, contact_email] = contact_of(o);
      std::string classes = o.kind() == "company" ? "company_classes" : "group_classes";
      out += csv::row({o.id(), csv::label(csv::kSiteLabels, o.site()), csv::label(kKindLabels, o.kind()),
                       tax->label(classes, o.class_code()), o.name(), o.name_kana(),
                       csv::label(kStatusLabels, o.status()), csv::label(csv::kStateLabels, o.state()),
                       o.representative(), o.contact_person(), tax->labels("fields", list(o.fields())),
                       tax->label("target_areas", o.target_area()),
                       tax->labels("municipalities", list(o.target_municipalities())),
                       tax->label("address_municipalities", o.municipality()), o.address(), o.phone(), o.email(),
                       csv::join(urls), tax->labels("features", list(o.features())), o.published_at(), o.registrant_name(),
                       o.registrant_department(), contact_phone, contact_email, o.updated_at(), o.site(), o.kind(),
                       o.class_code(), o.status(), o.state(), csv::join(o.fields()), o.target_area(),
                       csv::join(o.target_municipalities()), o.municipality(), csv::join(o.features())});
    }
    rpc::export_csv(pool_, p, resp, "organization", "団体一覧.csv", std::move(out), rows.size(),
                    {{"state", req->state()}, {"site", req->site()}});
    return Status::OK;
  });
}

Status DirectoryServiceImpl::OrganizationStats(grpc::ServerContext* ctx, const StatsRequest*, StatsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "OrganizationStats", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    for (const auto& c : pool_.read([](db::Tx& tx) { return store::stats(tx); })) {
      auto* cell = resp->add_cells();
      cell->set_site(c.site);
      cell->set_kind(c.kind);
      cell->set_status(c.status);
      cell->set_count(int32_t(c.count));
    }
    return Status::OK;
  });
}

Status DirectoryServiceImpl::RegistrationsByMonth(grpc::ServerContext* ctx, const RegistrationsRequest* req,
                                                  RegistrationsResponse* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "RegistrationsByMonth", [&](const Principal& p) {
    if (Status s = rpc::require_staff(p); !s.ok()) return s;
    Errors e;
    auto [from, to] = validation::month_range(e, req->from(), req->to());
    if (!e.empty()) return rpc::invalid(e);
    for (const auto& m : pool_.read([&](db::Tx& tx) { return store::registrations_by_month(tx, from, to); })) {
      auto* out = resp->add_months();
      out->set_month(m.month);
      out->set_site(m.site);
      out->set_kind(m.kind);
      out->set_count(int32_t(m.count));
    }
    return Status::OK;
  });
}

void DirectoryServiceImpl::to_proto(const AttachmentRow& a, Attachment* out) const {
  out->set_id(a.id);
  out->set_category(a.category);
  out->set_filename(a.filename);
  out->set_content_type(a.content_type);
  out->set_size(int32_t(a.size));
  out->set_created_at(a.created_at);
}

Status DirectoryServiceImpl::DeleteAttachment(grpc::ServerContext* ctx, const AttachmentRequest* req,
                                              civic::common::Empty*) {
  return rpc::guarded(ctx, config_.hmac_key, "DeleteAttachment", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id()) || !validation::is_uuid(req->attachment_id())) return not_found();
    return search::caught_up(search_, pool_.transaction([&](db::Tx& tx) {
      auto row = store::find(tx, req->id(), true);
      bool owner = row && !row->owner_account_id.empty() && row->owner_account_id == p.account_id();
      // Another account's organisation is as good as absent.
      if (!row || (!owner && !rpc::is_staff(p))) return not_found();
      if (!store::delete_attachment(tx, row->id, req->attachment_id())) return not_found();
      log::info("attachment_deleted", {{"organization_id", row->id}, {"id", req->attachment_id()},
                                       {"account_id", p.account_id()}});
      if (!owner) rpc::audit(tx, p, "delete_attachment", "organization", row->id, {{"attachment_id", req->attachment_id()}});
      return Status::OK;
    }));
  });
}

Status DirectoryServiceImpl::UploadAttachment(grpc::ServerContext* ctx, const UploadAttachmentRequest* req,
                                              Attachment* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "UploadAttachment", [&](const Principal& p) {
    if (Status s = rpc::require_login(p); !s.ok()) return s;
    if (!validation::is_uuid(req->id())) return not_found();
    auto row = pool_.read([&](db::Tx& tx) { return store::find(tx, req->id()); });
    if (!row) return not_found();
    bool owner = !row->owner_account_id.empty() && row->owner_account_id == p.account_id();
    if (!owner && !rpc::is_staff(p)) {
      if (!row->is_public()) return not_found();
      return Status(StatusCode::PERMISSION_DENIED, "この団体の登録者だけが添付できます");
    }
    Errors e;
    rpc::check_declared(*req, e);
    std::optional<files::Kind> kind;
    if (req->file().data().empty()) {
      e.add("file", "required", "ファイルを選んでください", "a file is required");
    } else if (req->file().data().size() > kMaxAttachmentBytes) {
      e.add("file", "too_large", "ファイルは10MBまでです", "at most 10 MB");
    } else if (!(kind = files::sniff(req->file().data()))) {
      // Whatever the name or declared type says: only these contents are accepted.
      e.add("file", "type_not_allowed", "PDF・PNG・JPEG・Word(docx)・Excel(xlsx) のファイルだけを添付できます",
            "only PDF, PNG, JPEG, DOCX and XLSX content is accepted");
    }
    if (!e.empty()) return rpc::invalid(e);
    if (Status s = rpc::scan_upload(config_.scanner, pool_, p, "file", req->file().data(), "organization", row->id);
        !s.ok())
      return s;
    AttachmentRow a;
    a.id = crypto::uuid_v4();
    a.organization_id = row->id;
    a.category = req->category();
    a.filename = files::display_name(req->file().filename());
    a.content_type = kind->mime;
    a.data = req->file().data();
    a.size = int64_t(a.data.size());
    pool_.transaction([&](db::Tx& tx) {
      store::insert_attachment(tx, a, p.account_id());
      if (!owner) rpc::audit(tx, p, "attach", "organization", row->id, {{"attachment_id", a.id}, {"bytes", a.size}});
    });
    search_.catch_up();  // its public record lists the attachment
    log::info("attachment_uploaded", {{"id", a.id}, {"organization_id", row->id}, {"type", a.content_type},
                                      {"bytes", a.size}, {"account_id", p.account_id()}});
    to_proto(a, resp);
    return Status::OK;
  });
}

Status DirectoryServiceImpl::GetAttachment(grpc::ServerContext* ctx, const AttachmentRequest* req,
                                           civic::common::HttpBody* resp) {
  return rpc::guarded(ctx, config_.hmac_key, "GetAttachment", [&](const Principal& p) {
    if (!validation::is_uuid(req->id()) || !validation::is_uuid(req->attachment_id())) return not_found();
    return pool_.read([&](db::Tx& tx) {
      auto row = store::find(tx, req->id());
      if (!row) return not_found();
      bool full = rpc::is_staff(p) || (!row->owner_account_id.empty() && row->owner_account_id == p.account_id());
      if (!row->is_public() && !full) return not_found();
      auto a = store::find_attachment(tx, row->id, req->attachment_id());
      if (!a) return not_found();
      resp->set_content_type(a->content_type);
      resp->set_filename(a->filename);  // always a download (Content-Disposition: attachment)
      resp->set_data(std::move(a->data));
      return Status::OK;
    });
  });
}

Status DirectoryServiceImpl::SubmitCorrection(grpc::ServerContext* ctx, const SubmitCorrectionRequest* req,
                                              SubmitCorrectionResponse* resp) {
  return corrections_.submit(ctx, "SubmitCorrection", req->id(), req->changes(), req->requester_name(),
                             req->requester_email(), req->reason(), resp->mutable_id(), resp->mutable_state());
}

Status DirectoryServiceImpl::ConfirmCorrection(grpc::ServerContext* ctx, const ConfirmCorrectionRequest* req,
                                               ConfirmCorrectionResponse* resp) {
  resp->set_state("confirmed");
  return corrections_.confirm(ctx, "ConfirmCorrection", req->token());
}

Status DirectoryServiceImpl::AdminListCorrections(grpc::ServerContext* ctx, const AdminListCorrectionsRequest* req,
                                                  ListCorrectionsResponse* resp) {
  return corrections_.list(ctx, "AdminListCorrections", req->state(), req->page_size(), req->page_token(), resp);
}

Status DirectoryServiceImpl::ApplyCorrection(grpc::ServerContext* ctx, const civic::common::ActionRequest* req,
                                             CorrectionRequest* resp) {
  return corrections_.decide(ctx, "ApplyCorrection", *req, true, resp);
}

Status DirectoryServiceImpl::RejectCorrection(grpc::ServerContext* ctx, const civic::common::ActionRequest* req,
                                              CorrectionRequest* resp) {
  return corrections_.decide(ctx, "RejectCorrection", *req, false, resp);
}

} // namespace civic::directory
