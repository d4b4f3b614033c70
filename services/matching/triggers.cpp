#include "matching/triggers.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <unordered_map>

#include "core/log.h"
#include "matching/match.h"
#include "rpc/oneclick.h"
#include "rpc/outbox.h"
#include "rpc/schedule.h"

namespace civic::matching {
namespace {
constexpr size_t kBatch = 500;       // mails per mail.batch event (keeps each well under gRPC's 4 MiB)
constexpr size_t kListed = 20;       // members or recruitments named in one mail

Volunteer volunteer_of(const store::Candidate& c) {
  Volunteer v;
  v.id = c.id;
  v.municipalities = c.municipalities;
  v.fields = c.fields;
  v.weekdays = c.weekdays;
  v.time_slot = c.time_slot;
  v.verified = true;  // candidates() holds only published, active, not mail-stopped members
  return v;
}

Volunteer volunteer_of(const store::MemberRow& m) {
  Volunteer v;
  v.id = m.id;
  v.municipalities = m.activity_municipalities;
  v.fields = m.fields;
  v.weekdays = m.weekdays;
  v.time_slot = m.time_slot;
  v.verified = m.state == "published";
  v.suspended = m.status == "suspended";
  v.withdrawn = m.status == "withdrawn";
  v.mail_stopped = m.mail_stopped;
  return v;
}

Recruitment recruitment_of(const store::RecruitmentRow& r) {
  return {r.municipalities, r.prefecture_wide, r.weekdays, r.anytime, r.fields, r.time_slot};
}

const char* type_label(const std::string& type) {
  return type == "individual" ? "個人" : type == "group" ? "団体" : "企業";
}

// Queues mails in batches of kBatch as mail.batch events.
class Batcher {
 public:
  explicit Batcher(db::Tx& tx) : tx_(tx) {}
  void add(const std::string& tmpl, const std::string& to, const std::map<std::string, std::string>& vars,
           bool bcc_centre = false) {
    auto* m = batch_.add_mails();
    m->set_id(crypto::uuid_v4());
    auto* mail = m->mutable_mail();
    mail->set_template_(tmpl);
    mail->set_to(to);
    mail->set_locale("ja");
    mail->set_bcc_centre(bcc_centre);
    for (const auto& [k, v] : vars) (*mail->mutable_variables())[k] = v;
    ++count_;
    if (size_t(batch_.mails_size()) >= kBatch) flush();
  }
  void flush() {
    if (batch_.mails_size() == 0) return;
    rpc::enqueue_event(tx_, "mail.batch", batch_);
    batch_.Clear();
  }
  int count() const { return count_; }

 private:
  db::Tx& tx_;
  civic::events::MailBatch batch_;
  int count_ = 0;
};
struct OneClick {
  std::string apply, inquire;
};
// The member's one-click links to apply to or ask about a recruitment (REC-5).
OneClick oneclick_links(const TriggerConfig& cfg, const std::string& member_id, const std::string& recruitment_id,
                        int64_t expires) {
  namespace oc = rpc::oneclick;
  std::string base = cfg.public_base_url + "/oneclick/";
  return {base + oc::issue({oc::Action::apply, member_id, recruitment_id, expires}, cfg.oneclick_key),
          base + oc::issue({oc::Action::inquire, member_id, recruitment_id, expires}, cfg.oneclick_key)};
}
} // namespace

namespace {
// The address among a member's sealed private items.
std::string email_in(const crypto::Sealer& sealer, const std::string& member_id, const std::string& sealed) {
  store::MemberRow row;
  row.id = member_id;
  row.private_sealed = sealed;
  return open_private(sealer, row).email;
}
} // namespace

PrivateItems open_private(const crypto::Sealer& sealer, const store::MemberRow& m) {
  PrivateItems p;
  auto plain = sealer.open(m.private_sealed, m.id);
  if (!plain) return p;
  auto j = nlohmann::json::parse(*plain, nullptr, false);
  if (!j.is_object()) return p;
  auto s = [&](const char* k) { return j.value(k, std::string()); };
  p = {s("name"), s("kana"), s("phone"), s("email"), s("gender"), s("birth_date"), s("postal_code"), s("address"),
       s("fax"), s("other_note"), j.value("guardian_consent", false)};
  return p;
}

std::string seal_private(const crypto::Sealer& sealer, const std::string& member_id, const PrivateItems& p) {
  nlohmann::json j = {{"name", p.name},       {"kana", p.kana},
                      {"phone", p.phone},     {"email", p.email},
                      {"gender", p.gender},   {"birth_date", p.birth_date},
                      {"postal_code", p.postal_code}, {"address", p.address},
                      {"fax", p.fax},         {"other_note", p.other_note},
                      {"guardian_consent", p.guardian_consent}};
  return sealer.seal(j.dump(), member_id);
}

int member_published(db::Tx& tx, const store::MemberRow& member, const TriggerConfig& cfg,
                     const crypto::Sealer& sealer) {
  Volunteer me = volunteer_of(member);
  if (!reachable(me)) return 0;
  Batcher mails(tx);
  std::string email = open_private(sealer, member).email;
  std::string member_url = cfg.public_base_url + "/aikasanet/members/" + member.id;

  // (a) and (c): the open recruitments this member matches.
  std::vector<store::RecruitmentRow> open = store::open_recruitments(tx);
  std::vector<const store::RecruitmentRow*> matched;
  for (const auto& r : open)
    if (!match(recruitment_of(r), {me}).empty()) matched.push_back(&r);
  if (store::fire(tx, "member_published", member.id, int(matched.size())) && !matched.empty()) {
    std::string list;
    for (size_t i = 0; i < matched.size() && i < kListed; ++i)
      list += "・" + matched[i]->title + "（" + matched[i]->organization_name + "）\n  " + cfg.public_base_url +
              "/aikasanet/recruitments/" + matched[i]->id + "\n";
    mails.add("matching.recruitments_for_member", email,
              {{"count", std::to_string(matched.size())}, {"recruitments", list}});
    for (const auto* r : matched) {
      auto organizer = sealer.open(r->organizer_email_sealed, r->id);
      if (!organizer) continue;
      mails.add("matching.member_for_organizer", *organizer,
                {{"recruitment_title", r->title}, {"member_type", type_label(member.type)}, {"member_url", member_url}});
    }
  }

  // (b): a group that recruits is told which members fit its own areas, days and fields.
  if (member.type == "group" && !member.organization_id.empty()) {
    auto org = store::find_organization(tx, member.organization_id);
    if (org && org->recruits) {
      Recruitment wanted{member.activity_municipalities, false, member.weekdays, false, member.fields, ""};
      std::vector<Volunteer> others;
      for (const auto& c : store::candidates(tx, {wanted.municipalities, false, wanted.weekdays, false}, false))
        if (c.id != member.id) others.push_back(volunteer_of(c));
      auto found = match(wanted, others);
      if (store::fire(tx, "group_published", member.id, int(found.size())) && !found.empty()) {
        std::string list;
        for (size_t i = 0; i < found.size() && i < kListed; ++i)
          list += "・" + cfg.public_base_url + "/aikasanet/members/" + found[i].volunteer_id + "\n";
        mails.add("matching.members_for_group", email,
                  {{"organization_name", member.display_name}, {"count", std::to_string(found.size())}, {"members", list}});
      }
    }
  }
  mails.flush();
  return mails.count();
}

int recruitment_published(db::Tx& tx, const store::RecruitmentRow& r, const std::string& organizer_email,
                          const TriggerConfig& cfg, const crypto::Sealer& sealer) {
  auto t0 = std::chrono::steady_clock::now();
  auto ms = [&] { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(); };
  Recruitment wanted = recruitment_of(r);
  std::vector<store::Candidate> candidates =
      store::candidates(tx, {wanted.municipalities, wanted.prefecture_wide, wanted.weekdays, wanted.anytime}, true);
  double loaded_ms = ms();
  std::vector<Volunteer> volunteers;
  volunteers.reserve(candidates.size());
  for (const auto& c : candidates) volunteers.push_back(volunteer_of(c));
  std::vector<Match> found = match(wanted, volunteers);
  double matched_ms = ms();
  if (!store::fire(tx, "recruitment_published", r.id, int(found.size()))) return 0;

  std::unordered_map<std::string_view, const store::Candidate*> by_id;
  for (const auto& c : candidates) by_id[c.id] = &c;
  std::unordered_map<std::string_view, std::string> email_of;
  for (const auto& m : found) {
    const store::Candidate* c = by_id.at(m.volunteer_id);
    std::string email = email_in(sealer, c->id, c->sealed);
    if (!email.empty()) email_of[c->id] = std::move(email);
  }
  double opened_ms = ms();

  Batcher mails(tx);
  int64_t expires = int64_t(std::time(nullptr)) + cfg.oneclick_ttl_seconds;
  std::string recruitment_url = cfg.public_base_url + "/aikasanet/recruitments/" + r.id;
  // The same content to LINE (NTF-5): notification pushes it to those who linked theirs,
  // whose buttons answer with these members' one-click links.
  civic::events::LinePushRequested line;
  auto flush_line = [&] {
    if (line.recipients_size() == 0) return;
    line.set_id(crypto::uuid_v4());
    line.set_recruitment_id(r.id);
    line.set_title(r.title);
    line.set_organization_name(r.organization_name);
    line.set_url(recruitment_url);
    rpc::enqueue_event(tx, "line.push", line);
    line.Clear();
  };
  std::vector<std::string> deferred;  // members who take a digest: their next one lists it
  for (const auto& m : found) {
    auto it = email_of.find(m.volunteer_id);
    if (it == email_of.end()) continue;
    const auto* c = by_id.at(m.volunteer_id);
    if (c->mail_frequency != "instant") {
      deferred.push_back(c->id);
      continue;
    }
    if (!c->account_id.empty()) {
      auto* to = line.add_recipients();
      to->set_account_id(c->account_id);
      to->set_member_id(c->id);
      if (size_t(line.recipients_size()) >= kBatch) flush_line();
    }
    OneClick links = oneclick_links(cfg, m.volunteer_id, r.id, expires);
    mails.add("matching.recruitment_for_member", it->second,
              {{"recruitment_title", r.title},
               {"organization_name", r.organization_name},
               {"url", recruitment_url},
               {"apply_url", links.apply},
               {"inquire_url", links.inquire}});
  }
  flush_line();
  store::defer_matches(tx, r.id, deferred);
  std::string list;
  for (size_t i = 0; i < found.size() && i < kListed; ++i) {
    const auto* c = by_id[found[i].volunteer_id];
    list += std::string("・") + type_label(c->type) + " " + cfg.public_base_url + "/aikasanet/members/" + c->id + "\n";
  }
  if (!organizer_email.empty())
    mails.add("matching.members_for_recruitment", organizer_email,
              {{"recruitment_title", r.title}, {"count", std::to_string(found.size())},
               {"members", found.empty() ? "（現在、条件に合う会員はいません）\n" : list}});
  mails.flush();
  log::info("recruitment_matched", {{"recruitment_id", r.id}, {"candidates", candidates.size()}, {"matches", found.size()},
                                    {"mails", mails.count()}, {"deferred", deferred.size()}, {"load_ms", loaded_ms},
                                    {"match_ms", matched_ms - loaded_ms}, {"addresses_ms", opened_ms - matched_ms},
                                    {"mails_ms", ms() - opened_ms}});
  return int(found.size());
}

int send_digests(db::Pool& pool, const TriggerConfig& cfg, const crypto::Sealer& sealer, const DigestSchedule& schedule,
                 std::time_t now) {
  int64_t daily_at = rpc::last_moment({schedule.hour}, now);
  int64_t weekly_at = rpc::last_moment({schedule.hour, schedule.weekday}, now);
  return pool.transaction([&](db::Tx& tx) {
    if (!rpc::try_job_lock(tx, "matching.digests")) return 0;
    Batcher mails(tx);
    int64_t expires = int64_t(now) + cfg.oneclick_ttl_seconds;
    auto due = store::digests_due(tx, daily_at, weekly_at, schedule.batch);
    for (const auto& member : due) {
      std::vector<store::RecruitmentRow> open = store::take_matches(tx, member.id);
      std::string email = email_in(sealer, member.id, member.sealed);
      if (open.empty() || email.empty()) continue;  // all closed meanwhile: nothing to tell
      std::string list;
      for (const auto& r : open) {
        OneClick links = oneclick_links(cfg, member.id, r.id, expires);
        list += "■ " + r.title + "（" + r.organization_name + "）\n  " + cfg.public_base_url + "/aikasanet/recruitments/" +
                r.id + "\n  参加を申し込む: " + links.apply + "\n  問い合わせる: " + links.inquire + "\n\n";
      }
      mails.add("matching.digest", email, {{"count", std::to_string(open.size())}, {"recruitments", list}});
    }
    mails.flush();
    if (!due.empty()) log::info("digests_round", {{"members", due.size()}, {"mails", mails.count()}});
    return int(due.size());
  });
}

} // namespace civic::matching
