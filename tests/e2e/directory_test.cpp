// Directory end to end: registration with every DIR-1 check, review, publication with
// its mails, Japanese search of any length, private fields never public, staff views.
#include <catch2/catch.hpp>

#include "civic/directory.pb.h"
#include "client.h"
#include "fixtures.h"
#include "rpc/privacy.h"

using namespace civic;
using namespace civic::e2e;

namespace {

int supernet_terms() { return Client().get("/api/v1/terms-of-use/supernet").json()["version"]; }

/// A complete, valid registration of a citizen group.
nlohmann::json group(const std::string& name, const std::string& registrant_email) {
  return {{"kind", "group"},
          {"class_code", "voluntary"},
          {"name", name},
          {"name_kana", "さぎぼらんてぃあねっと"},
          {"representative", "山口 太郎"},
          {"contact_person", "萩 花子"},
          {"fields", {"f01", "f13"}},
          {"target_area", "municipalities"},
          {"target_municipalities", {"hagi"}},
          {"purpose", "地域の子どもの居場所づくり"},
          {"activities", "放課後の学習支援と食事の提供"},
          {"prefecture", "p35"},
          {"municipality", "hagi"},
          {"address", "萩市大字椿東1-1"},
          {"links", {{{"url", "https://example.jp/sagi"}, {"description", "団体サイト"}}}},
          {"registrant_name", "登録 担当"},
          {"registrant_phone", "0838-00-0000"},
          {"registrant_email", registrant_email},
          {"registration_requirements", codes("registration_requirements")},
          {"guardian_consent", true},
          {"accepted_terms_version", supernet_terms()}};
}


/// Every key anywhere in `j`.
void collect_keys(const nlohmann::json& j, std::set<std::string>& keys) {
  if (j.is_object())
    for (const auto& [k, v] : j.items()) {
      keys.insert(k);
      collect_keys(v, keys);
    }
  else if (j.is_array())
    for (const auto& v : j) collect_keys(v, keys);
}

void check_no_private_fields(const nlohmann::json& public_json) {
  std::set<std::string> keys;
  collect_keys(public_json, keys);
  auto privates = rpc::private_field_names(civic::directory::Organization::descriptor());
  REQUIRE(privates.count("registrant_email"));
  for (const auto& p : privates) {
    INFO("private field in a public response: " << p);
    CHECK_FALSE(keys.count(p));
  }
}

// An item left out of a JSON answer, or given empty.
bool blank(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return true;
  const auto& v = j[key];
  return v.is_null() || (v.is_string() && v.get<std::string>().empty()) || (v.is_array() && v.empty());
}

std::string registered(Client& c, const nlohmann::json& organization) {
  Response r = c.post("/api/v1/organizations", {{"organization", organization}});
  if (r.status != 201) FAIL("registration answered " << r.status << ": " << r.body);
  CHECK(r.json()["state"] == "review");
  return r.json()["id"];
}

} // namespace

TEST_CASE("a registration missing everything names every required field and stores nothing", "[e2e]") {
  Client c;
  Response r = c.post("/api/v1/organizations", {{"organization", {{"kind", "group"}}}});
  REQUIRE(r.status == 400);
  auto fields = error_fields(r);
  for (const char* f : {"organization.name", "organization.name_kana", "organization.representative", "organization.contact_person", "organization.activities", "organization.address", "organization.class_code",
                        "organization.prefecture", "organization.municipality", "organization.fields", "organization.target_area", "organization.purpose", "organization.registrant_name",
                        "organization.registrant_phone", "organization.registrant_email", "organization.guardian_consent", "organization.accepted_terms_version",
                        "organization.registration_requirements"}) {
    INFO(f);
    CHECK(fields.count(f));
  }
  r = c.post("/api/v1/organizations", {{"organization", {{"kind", "company"}}}});
  REQUIRE(r.status == 400);
  CHECK(error_fields(r).count("organization.csr_activities"));
  CHECK_FALSE(error_fields(r).count("organization.fields"));  // not asked of companies
}

TEST_CASE("bad values are refused field by field: length, control characters, codes, kind rules", "[e2e]") {
  Client c;
  std::string mail = unique("reg_") + "@example.jp";
  nlohmann::json o = group(unique("鷺"), mail);
  o["name"] = std::string(201, 'x');
  o["representative"] = "山口\u0007太郎";
  o["fields"] = {"f01", "f99"};
  o["municipality"] = "atlantis";
  o["name_kana"] = "Sagi漢字";
  o["registrant_email"] = "not-an-address";
  o["links"] = {{{"url", "javascript:alert(1)"}}};
  o["founded_on"] = "2099-02-30";
  o["registration_requirements"] = {"base_in_prefecture"};  // not all of them
  Response r = c.post("/api/v1/organizations", {{"organization", o}});
  REQUIRE(r.status == 400);
  CHECK(error_fields(r) == std::set<std::string>{"organization.name", "organization.representative", "organization.fields", "organization.municipality", "organization.name_kana",
                                                 "organization.registrant_email", "organization.links[0].url", "organization.founded_on",
                                                 "organization.registration_requirements"});

  nlohmann::json company = group(unique("鷺"), mail);
  company["kind"] = "company";
  company["class_code"] = "kabushiki";
  company["csr_activities"] = "清掃活動";
  company.erase("registration_requirements");
  r = c.post("/api/v1/organizations", {{"organization", company}});
  REQUIRE(r.status == 400);  // groups' items do not apply to companies
  CHECK(error_fields(r) == std::set<std::string>{"organization.fields", "organization.target_area", "organization.target_municipalities", "organization.purpose"});

  nlohmann::json old_terms = group(unique("鷺"), mail);
  old_terms["accepted_terms_version"] = supernet_terms() - 1;
  CHECK(error_fields(c.post("/api/v1/organizations", {{"organization", old_terms}})) ==
        std::set<std::string>{"organization.accepted_terms_version"});

  r = c.request("POST", "/api/v1/organizations", "{\"organization\":{\"name\":\"\xff\xfe\"}}");
  CHECK(r.status == 400);
  CHECK(mail_count(mail) == 0);  // nothing was stored, so nothing was sent
}

TEST_CASE("registration -> review -> publication, found by 1-character and half-width keywords", "[e2e]") {
  std::string token = unique("");
  std::string name = "鷺ボランティアネット" + token;
  std::string mail = unique("reg_") + "@example.jp";
  Client anyone;
  Response reg = anyone.post("/api/v1/organizations", {{"organization", group(name, mail)}});
  REQUIRE(reg.status == 201);
  std::string id = reg.json()["id"];
  CHECK(reg.json()["state"] == "review");
  REQUIRE(wait_for_mail(mail, "登録申請を受け付けました"));
  CHECK(wait_for_mail("centre@civic.example.jp", name));  // DIR-2: the centre is told

  // DIR-5: the hand-off token pre-fills the other site's form once, with the items that
  // form accepts: Supernet's 登録担当者 becomes Aikasanet's 担当者名; Supernet-only items stay.
  std::string handoff = reg.json()["handoff_token"];
  CHECK(handoff.size() >= 43);
  Response prefill = anyone.get("/api/v1/registrations/handoff/" + handoff);
  REQUIRE(prefill.status == 200);
  CHECK(prefill.json()["to_site"] == "aikasanet");
  nlohmann::json pre = prefill.json()["organization"];
  CHECK(pre["site"] == "aikasanet");
  CHECK(pre["name"] == name);
  CHECK(pre["address"] == "萩市大字椿東1-1");
  CHECK(pre["registrant_name"] == "登録 担当");
  CHECK(pre["phone"] == "0838-00-0000");  // the registrant's contact, as Aikasanet reaches the group
  for (const char* supernet_only : {"contact_person", "fields", "target_area", "target_municipalities",
                                    "registrant_phone", "registrant_email", "registration_requirements"}) {
    INFO(supernet_only);
    CHECK(blank(pre, supernet_only));
  }
  CHECK(anyone.get("/api/v1/registrations/handoff/" + handoff).status == 404);  // single use
  CHECK(anyone.get("/api/v1/registrations/handoff/" + handoff.substr(1) + "A").status == 404);

  CHECK(anyone.get("/api/v1/organizations/" + id).status == 404);  // in review: not public
  CHECK(anyone.get("/api/v1/organizations?q=" + token).json()["total_size"] == 0);

  Client member;
  auto [login, member_mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  CHECK(member.post("/api/v1/admin/organizations/" + id + "/publish").status == 403);
  CHECK(member.get("/api/v1/admin/organizations?state=review").status == 403);
  CHECK(anyone.get("/api/v1/admin/organizations?state=review").status == 401);

  Client admin;
  ready_admin(admin, unique("admin_"));
  Response review = admin.get("/api/v1/admin/organizations?state=review&q=" + token);
  REQUIRE(review.status == 200);
  REQUIRE(review.json()["items"].size() == 1);
  CHECK(review.json()["items"][0]["registrant_email"] == mail);  // staff see private fields

  Response published = admin.post("/api/v1/admin/organizations/" + id + "/publish");
  REQUIRE(published.status == 200);
  CHECK(published.json()["state"] == "published");
  CHECK(admin.post("/api/v1/admin/organizations/" + id + "/publish").status == 400);  // already published (GW-2: FAILED_PRECONDITION)
  auto publish_mail = wait_for_mail(mail, "/organizations/" + id);
  CHECK(publish_mail);

  Response detail = anyone.get("/api/v1/organizations/" + id);
  REQUIRE(detail.status == 200);
  CHECK(detail.json()["name"] == name);
  CHECK(detail.json()["activities"] == "放課後の学習支援と食事の提供");
  check_no_private_fields(detail.json());

  Response by_kanji = anyone.get("/api/v1/organizations?page_size=100&q=" + std::string("%E9%B7%BA"));  // 鷺
  REQUIRE(by_kanji.status == 200);
  bool found = false;
  for (const auto& item : by_kanji.json()["items"]) found |= item["id"] == id;
  CHECK(found);
  check_no_private_fields(by_kanji.json());

  // ﾎﾞﾗﾝﾃｨｱ in half-width katakana, with the unique token as a second term.
  Response half = anyone.get("/api/v1/organizations?q=%EF%BE%8E%EF%BE%9E%EF%BE%97%EF%BE%9D%EF%BE%83%EF%BD%A8%EF%BD%B1+" + token);
  REQUIRE(half.status == 200);
  REQUIRE(half.json()["total_size"] == 1);
  CHECK(half.json()["items"][0]["id"] == id);
  CHECK(anyone.get("/api/v1/organizations?municipality=hagi&q=" + token).json()["total_size"] == 1);
  CHECK(anyone.get("/api/v1/organizations?municipality=ube&q=" + token).json()["total_size"] == 0);
  CHECK(anyone.get("/api/v1/organizations?field=f13&kind=group&q=" + token).json()["total_size"] == 1);
  CHECK(anyone.get("/api/v1/organizations?kind=alien").status == 400);
  // 組織形態 (DIR-6).
  CHECK(anyone.get("/api/v1/organizations?class_code=voluntary&q=" + token).json()["total_size"] == 1);
  CHECK(anyone.get("/api/v1/organizations?class_code=npo_corporation&q=" + token).json()["total_size"] == 0);
  CHECK(anyone.get("/api/v1/organizations?class_code=Bad%20Code").status == 400);

  Response history = admin.get("/api/v1/admin/organizations/" + id + "/history");
  REQUIRE(history.status == 200);
  REQUIRE(history.json()["items"].size() == 2);
  CHECK(history.json()["items"][1]["action"] == "publish");

  Response stats = admin.get("/api/v1/admin/organizations/stats");
  REQUIRE(stats.status == 200);
  bool counted = false;
  for (const auto& cell : stats.json()["cells"])
    counted |= cell["kind"] == "group" && cell["status"] == "active" && cell["count"].get<int>() >= 1;
  CHECK(counted);
  CHECK(member.get("/api/v1/admin/organizations/stats").status == 403);

  SECTION("a duplicate is a private draft; archiving or dissolving takes it off the public list") {
    Response dup = admin.post("/api/v1/admin/organizations/" + id + "/duplicate");
    REQUIRE(dup.status == 201);
    std::string copy = dup.json()["id"];
    CHECK(anyone.get("/api/v1/organizations/" + copy).status == 404);
    Response draft = admin.get("/api/v1/organizations/" + copy);
    REQUIRE(draft.status == 200);
    CHECK(draft.json()["state"] == "draft");
    CHECK(draft.json()["registrant_phone"] == "0838-00-0000");  // re-sealed for the new record

    REQUIRE(admin.request("PUT", "/api/v1/admin/organizations/" + id + "/status", R"({"status":"dissolved"})").status == 200);
    CHECK(anyone.get("/api/v1/organizations?q=" + token).json()["total_size"] == 0);
    CHECK(anyone.get("/api/v1/organizations?status=dissolved&q=" + token).json()["total_size"] == 1);
    CHECK(admin.request("PUT", "/api/v1/admin/organizations/" + id + "/status", R"({"status":"gone"})").status == 400);

    REQUIRE(admin.post("/api/v1/admin/organizations/" + id + "/archive").status == 200);
    CHECK(anyone.get("/api/v1/organizations/" + id).status == 404);
    CHECK(admin.post("/api/v1/admin/organizations/" + id + "/reject").status == 400);  // a note is required
  }
}

TEST_CASE("a correction reaches the public record only after the organisation confirmed it and staff applied it",
          "[e2e]") {
  std::string token = unique("");
  std::string contact = unique("org_") + "@example.jp";
  Client anyone;
  std::string id = registered(anyone, group("鷺の会" + token, contact));
  Client admin;
  ready_admin(admin, unique("admin_"));
  REQUIRE(admin.post("/api/v1/admin/organizations/" + id + "/publish").status == 200);

  std::string requester = unique("req_") + "@example.jp";
  nlohmann::json proposal = {{"changes", {{"activities", "毎週土曜に清掃活動をしています"}}},
                             {"requester_name", "市民 一郎"},
                             {"requester_email", requester},
                             {"reason", "活動日が変わったため"}};
  CHECK(anyone.post("/api/v1/organizations/00000000-0000-4000-8000-000000000000/correction-requests", proposal).status == 404);
  nlohmann::json sneaky = proposal;
  sneaky["changes"] = {{"registrant_email", "attacker@example.jp"}, {"kind", "company"}, {"name", std::string(300, 'x')}};
  Response r = anyone.post("/api/v1/organizations/" + id + "/correction-requests", sneaky);
  REQUIRE(r.status == 400);
  CHECK(error_fields(r) == std::set<std::string>{"changes.registrant_email", "changes.kind"});
  sneaky["changes"] = {{"name", std::string(300, 'x')}, {"fields", {"f99"}}};
  CHECK(error_fields(anyone.post("/api/v1/organizations/" + id + "/correction-requests", sneaky)) ==
        std::set<std::string>{"changes.name", "changes.fields"});

  r = anyone.post("/api/v1/organizations/" + id + "/correction-requests", proposal);
  REQUIRE(r.status == 201);
  std::string correction = r.json()["id"];
  CHECK(r.json()["state"] == "unconfirmed");
  auto confirm_mail = wait_for_mail(contact, "/correction-requests/confirm?token=");
  REQUIRE(confirm_mail);  // to the organisation's registered contact ...
  CHECK(mail_count(requester) == 0);  // ... never to whoever asked

  // Unconfirmed: staff cannot apply it and the public record is unchanged.
  CHECK(admin.post("/api/v1/admin/correction-requests/" + correction + "/apply").status == 400);
  CHECK(anyone.get("/api/v1/organizations/" + id).json()["activities"] == "放課後の学習支援と食事の提供");
  Client member;
  auto [login, member_mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  CHECK(member.get("/api/v1/admin/correction-requests").status == 403);
  CHECK(member.post("/api/v1/admin/correction-requests/" + correction + "/apply").status == 403);

  std::string confirm_token = token_in(*confirm_mail);
  CHECK(anyone.post("/api/v1/correction-requests/confirm", {{"token", confirm_token + "x"}}).status == 404);
  REQUIRE(anyone.post("/api/v1/correction-requests/confirm", {{"token", confirm_token}}).status == 200);
  CHECK(anyone.post("/api/v1/correction-requests/confirm", {{"token", confirm_token}}).status == 404);  // once

  Response queue = admin.get("/api/v1/admin/correction-requests?state=confirmed");
  REQUIRE(queue.status == 200);
  bool queued = false;
  for (const auto& item : queue.json()["items"])
    if (item["id"] == correction) {
      queued = true;
      CHECK(item["requester_email"] == requester);  // staff may contact the requester
    }
  CHECK(queued);

  Response applied = admin.post("/api/v1/admin/correction-requests/" + correction + "/apply", {{"note", "確認済み"}});
  REQUIRE(applied.status == 200);
  CHECK(applied.json()["state"] == "applied");
  CHECK(anyone.get("/api/v1/organizations/" + id).json()["activities"] == "毎週土曜に清掃活動をしています");
  CHECK(anyone.get("/api/v1/organizations/" + id).json()["name"] == "鷺の会" + token);  // the rest unchanged
  CHECK(anyone.get("/api/v1/organizations?q=" + token + "+%E6%B8%85%E6%8E%83").json()["total_size"] == 1);  // 清掃
  CHECK(wait_for_mail(contact, "公開中の団体情報に反映しました"));
  CHECK(admin.post("/api/v1/admin/correction-requests/" + correction + "/apply").status == 400);  // done already

  Response history = admin.get("/api/v1/admin/organizations/" + id + "/history");
  REQUIRE(history.status == 200);
  CHECK(history.json()["items"].back()["action"] == "correct");
}

TEST_CASE("admins export every organisation as spreadsheet-safe CSV, nobody else can", "[e2e]") {
  std::string token = unique("");
  Client anyone;
  std::string id = registered(anyone, group("=HYPERLINK(\"http://evil.example/\",\"" + token + "\")", unique("c_") + "@example.jp"));
  Client admin;
  ready_admin(admin, unique("admin_"));
  Response csv = admin.get("/api/v1/admin/organizations/export?state=review");
  REQUIRE(csv.status == 200);
  CHECK(csv.header("content-type").rfind("text/csv", 0) == 0);
  CHECK(csv.header("content-disposition").find("filename*=UTF-8''%E5%9B%A3%E4%BD%93") != std::string::npos);
  CHECK(csv.header("x-content-type-options") == "nosniff");
  REQUIRE(csv.body.rfind("\xEF\xBB\xBF" "id,", 0) == 0);  // BOM, then the header row
  auto line_start = csv.body.find(id);
  REQUIRE(line_start != std::string::npos);
  std::string line = csv.body.substr(line_start, csv.body.find("\r\n", line_start) - line_start);
  CHECK(line.find(",\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"" + token + "\"\")\",") != std::string::npos);
  CHECK(csv.body.find("\n") == csv.body.find("\r\n") + 1);  // CRLF line ends
  // Labels as staff read them, the codes in their own columns.
  CHECK(line.find(",任意団体,") != std::string::npos);
  CHECK(line.find("保健、医療又は福祉の増進を図る活動;") != std::string::npos);
  CHECK(line.find(",萩市,") != std::string::npos);
  CHECK(line.find(",審査中,") != std::string::npos);
  CHECK(line.find(",voluntary,") != std::string::npos);
  CHECK(line.find(",f01;f13,") != std::string::npos);
  CHECK(csv.body.find("活動分野(コード)") != std::string::npos);

  Client member;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  CHECK(member.get("/api/v1/admin/organizations/export").status == 403);
  CHECK(anyone.get("/api/v1/admin/organizations/export").status == 401);
  CHECK(admin.get("/api/v1/admin/organizations/export?state=gone").status == 400);
}

namespace {
Response upload(Client& c, const std::string& id, const std::string& category, const std::string& filename,
                const std::string& declared_type, const std::string& data) {
  return post_form(c, "/api/v1/organizations/" + id + "/attachments", {{"category", category}}, filename, declared_type,
                   data);
}
} // namespace

TEST_CASE("attachments: type decided by content, stored under generated ids, always served as downloads", "[e2e][SEC-3][SEC-9][SEC-12][SEC-13]") {
  Client owner;
  auto [login, mail] = verified_member(owner);
  REQUIRE(owner.login(login, kPassword).status == 200);
  std::string id = registered(owner, group("鷺の添付の会" + unique(""), unique("c_") + "@example.jp"));

  std::string pdf = std::string("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj<<>>endobj\n", 31) + std::string("\0\x01\x02", 3);
  Response up = upload(owner, id, "articles", "../../会則<script>.pdf", "text/html", pdf);
  REQUIRE(up.status == 201);
  std::string attachment = up.json()["id"];
  CHECK(up.json()["content_type"] == "application/pdf");    // from the content, not the declared type
  CHECK(up.json()["filename"] == "会則<script>.pdf");        // the path is gone; the name is only displayed
  CHECK(up.json()["size"] == int(pdf.size()));

  std::string exe = std::string("MZ\x90\x00\x03\x00\x00\x00", 8) + "This program cannot be run in DOS mode.";
  Response disguised = upload(owner, id, "other", "report.pdf", "application/pdf", exe);
  REQUIRE(disguised.status == 400);
  CHECK(error_fields(disguised) == std::set<std::string>{"file"});
  CHECK(upload(owner, id, "other", "photo.png", "image/png", "<svg onload=alert(1)>").status == 400);
  CHECK(error_fields(upload(owner, id, "minutes", "a.pdf", "application/pdf", pdf)) == std::set<std::string>{"category"});

  Client stranger;
  auto [other_login, other_mail] = verified_member(stranger);
  REQUIRE(stranger.login(other_login, kPassword).status == 200);
  CHECK(upload(stranger, id, "other", "x.pdf", "application/pdf", pdf).status == 404);  // not public yet: not there
  Client anyone;
  CHECK(anyone.get("/api/v1/organizations/" + id + "/attachments/" + attachment).status == 404);

  Client admin;
  ready_admin(admin, unique("admin_"));
  REQUIRE(admin.post("/api/v1/admin/organizations/" + id + "/publish").status == 200);
  CHECK(upload(stranger, id, "other", "x.pdf", "application/pdf", pdf).status == 403);

  Response file = anyone.get("/api/v1/organizations/" + id + "/attachments/" + attachment);
  REQUIRE(file.status == 200);
  CHECK(file.body == pdf);
  CHECK(file.header("content-type") == "application/pdf");
  CHECK(file.header("x-content-type-options") == "nosniff");
  std::string disposition = file.header("content-disposition");
  CHECK(disposition.rfind("attachment; filename=\"", 0) == 0);
  CHECK(disposition.find("filename*=UTF-8''%E4%BC%9A%E5%89%87%3Cscript%3E.pdf") != std::string::npos);
  CHECK(disposition.find('<') == std::string::npos);
  CHECK(anyone.get("/api/v1/organizations/" + id).json()["attachments"].size() == 1);
  CHECK(anyone.get("/api/v1/organizations/" + id + "/attachments/00000000-0000-4000-8000-000000000000").status == 404);

  // Removal: the owning account or staff only.
  std::string one = "/api/v1/organizations/" + id + "/attachments/" + attachment;
  CHECK(anyone.del(one).status == 401);
  CHECK(stranger.del(one).status == 404);
  CHECK(owner.del(one).status == 204);
  CHECK(anyone.get(one).status == 404);
  CHECK(owner.del(one).status == 404);
  CHECK(anyone.get("/api/v1/organizations/" + id).json()["attachments"].empty());
}

TEST_CASE("an upload route takes 2 and 9 MiB files although JSON routes stop at 1 MiB, above 10 MiB is refused", "[e2e]") {
  Client owner;
  auto [login, mail] = verified_member(owner);
  REQUIRE(owner.login(login, kPassword).status == 200);
  std::string id = registered(owner, group("鷺の大容量の会" + unique(""), unique("c_") + "@example.jp"));
  std::string big_pdf = "%PDF-1.4\n" + std::string(2 << 20, 'x');
  CHECK(upload(owner, id, "activities", "big.pdf", "application/pdf", big_pdf).status == 201);
  // 9 MiB in and out again byte for byte: past gRPC's 4 MiB default on every hop.
  std::string nine = "%PDF-1.4\n";
  for (size_t i = 0; nine.size() < (9u << 20); ++i) nine += char('a' + i % 26);
  Response up = upload(owner, id, "activities", "nine.pdf", "application/pdf", nine);
  REQUIRE(up.status == 201);
  Client admin;
  ready_admin(admin, unique("admin_"));
  REQUIRE(admin.post("/api/v1/admin/organizations/" + id + "/publish").status == 200);
  Response down = Client().get("/api/v1/organizations/" + id + "/attachments/" + up.json()["id"].get<std::string>());
  REQUIRE(down.status == 200);
  CHECK(down.body.size() == nine.size());
  CHECK(down.body == nine);
  CHECK(upload(owner, id, "activities", "huge.pdf", "application/pdf", "%PDF-1.4\n" + std::string(11 << 20, 'x')).status == 413);
  CHECK(owner.request("POST", "/api/v1/organizations", std::string(2 << 20, ' ')).status == 413);
}

TEST_CASE("Aikasanet groups and companies register from a member account with the items of 別紙4", "[e2e]") {
  std::string token = unique("");
  std::string email = unique("aika_") + "@example.jp";
  std::string name = "周南ささえあいの会" + token;
  Client anyone;
  CHECK(anyone.post("/api/v1/organizations", {{"organization", aikasanet_group(name, email)}}).status == 401);

  Client member;
  auto [login, member_mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);

  // Aikasanet's own required set: its contact is the organisation's phone and e-mail,
  // and 役職名, 郵便番号, 会員数, 設立年月日 and 設立目的 are required there.
  Response r = member.post("/api/v1/organizations", {{"organization", {{"site", "aikasanet"}, {"kind", "group"}}}});
  REQUIRE(r.status == 400);
  auto fields = error_fields(r);
  for (const char* f : {"organization.class_code", "organization.name", "organization.name_kana", "organization.representative", "organization.representative_title", "organization.prefecture",
                        "organization.municipality", "organization.phone", "organization.email", "organization.postal_code", "organization.address", "organization.member_count", "organization.founded_on",
                        "organization.purpose", "organization.activities", "organization.registrant_name", "organization.guardian_consent", "organization.accepted_terms_version",
                        "organization.registration_requirements"}) {
    INFO(f);
    CHECK(fields.count(f));
  }
  for (const char* f : {"organization.contact_person", "organization.registrant_phone", "organization.registrant_email", "organization.fields", "organization.target_area"}) {
    INFO(f);
    CHECK_FALSE(fields.count(f));  // Supernet's items are not asked here
  }

  nlohmann::json mixed = aikasanet_group(name, email);
  mixed["fields"] = {"f01"};
  mixed["contact_person"] = "公開 担当";
  mixed["registrant_email"] = "other@example.jp";
  mixed["volunteer_record"] = "企業の項目";
  CHECK(error_fields(member.post("/api/v1/organizations", {{"organization", mixed}})) ==
        std::set<std::string>{"organization.fields", "organization.contact_person", "organization.registrant_email", "organization.volunteer_record"});
  nlohmann::json company = aikasanet_group(name, email);
  company["kind"] = "company";
  company["class_code"] = "kabushiki";
  company.erase("registration_requirements");
  CHECK(error_fields(member.post("/api/v1/organizations", {{"organization", company}})) ==
        std::set<std::string>{"organization.recruits_volunteers"});  // a group's item
  nlohmann::json supernet_terms_only = aikasanet_group(name, email);
  supernet_terms_only["accepted_terms_version"] = aikasanet_terms() + 1;
  CHECK(error_fields(member.post("/api/v1/organizations", {{"organization", supernet_terms_only}})) ==
        std::set<std::string>{"organization.accepted_terms_version"});
  nlohmann::json supernet_items = group(name, email);
  supernet_items["registrant_department"] = "事務局";
  supernet_items["offers_volunteers"] = true;
  CHECK(error_fields(anyone.post("/api/v1/organizations", {{"organization", supernet_items}})) ==
        std::set<std::string>{"organization.registrant_department", "organization.offers_volunteers"});
  CHECK(mail_count(email) == 0);

  r = member.post("/api/v1/organizations", {{"organization", aikasanet_group(name, email)}});
  REQUIRE(r.status == 201);
  std::string id = r.json()["id"];
  CHECK(wait_for_mail(email, "登録申請を受け付けました"));  // to the organisation's own address
  CHECK(member.post("/api/v1/organizations", {{"organization", aikasanet_group(name + "2", email)}}).status == 409);

  Response own = member.get("/api/v1/organizations/" + id);  // the owner sees its record in review
  REQUIRE(own.status == 200);
  CHECK(own.json()["registrant_department"] == "事務局");
  CHECK(own.json()["site"] == "aikasanet");

  Response prefill = anyone.get("/api/v1/registrations/handoff/" + r.json()["handoff_token"].get<std::string>());
  REQUIRE(prefill.status == 200);
  CHECK(prefill.json()["from_site"] == "aikasanet");
  CHECK(prefill.json()["to_site"] == "supernet");
  nlohmann::json pre = prefill.json()["organization"];
  CHECK(pre["postal_code"] == "745-0001");
  CHECK(pre["contact_person"] == "担当 次郎");  // Aikasanet's 担当者名 is Supernet's 担当者 and 登録担当者
  CHECK(pre["registrant_name"] == "担当 次郎");
  CHECK(pre["registrant_email"] == email);
  CHECK(blank(pre, "registrant_department"));  // Supernet does not ask it

  // DIR-5: registered on the other site from the pre-fill, nothing typed again: only
  // Supernet's own choices (fields, area), its requirements and its terms are added.
  pre["fields"] = {"f01"};
  pre["target_area"] = "prefecture";
  pre["registration_requirements"] = codes("registration_requirements");
  pre["guardian_consent"] = true;
  pre["accepted_terms_version"] = supernet_terms();
  Response other_site = member.post("/api/v1/organizations", {{"organization", pre}});
  INFO(other_site.body);
  CHECK(other_site.status == 201);

  Client admin;
  ready_admin(admin, unique("admin_"));
  REQUIRE(admin.post("/api/v1/admin/organizations/" + id + "/publish").status == 200);
  CHECK(wait_for_mail(email, "/organizations/" + id));

  // Public: phone and e-mail are (別紙4 items 12, 13), 担当者名・役職名・担当部署名 are not.
  Response detail = anyone.get("/api/v1/organizations/" + id);
  REQUIRE(detail.status == 200);
  CHECK(detail.json()["email"] == email);
  CHECK(detail.json()["recruits_volunteers"] == true);
  check_no_private_fields(detail.json());
  CHECK(detail.body.find("担当 次郎") == std::string::npos);

  // Each site lists its own members.
  CHECK(anyone.get("/api/v1/organizations?q=" + token).json()["total_size"] == 0);
  Response listed = anyone.get("/api/v1/organizations?site=aikasanet&q=" + token);
  REQUIRE(listed.json()["total_size"] == 1);
  check_no_private_fields(listed.json());
  CHECK(anyone.get("/api/v1/organizations?site=elsewhere").status == 400);

  bool counted = false;
  Response stats = admin.get("/api/v1/admin/organizations/stats");
  for (const auto& cell : stats.json()["cells"])
    counted |= cell["site"] == "aikasanet" && cell["kind"] == "group" && cell["count"].get<int>() >= 1;
  CHECK(counted);

  // A confirmed correction of the e-mail moves the contact: later mails go there.
  std::string moved = unique("moved_") + "@example.jp";
  r = anyone.post("/api/v1/organizations/" + id + "/correction-requests",
                  {{"changes", {{"email", moved}}}, {"requester_name", "会員 本人"},
                   {"requester_email", unique("q_") + "@example.jp"}, {"reason", "アドレス変更"}});
  REQUIRE(r.status == 201);
  auto confirm = wait_for_mail(email, "/correction-requests/confirm?token=");
  REQUIRE(confirm);
  REQUIRE(anyone.post("/api/v1/correction-requests/confirm", {{"token", token_in(*confirm)}}).status == 200);
  REQUIRE(admin.post("/api/v1/admin/correction-requests/" + r.json()["id"].get<std::string>() + "/apply").status == 200);
  CHECK(wait_for_mail(moved, "反映しました"));
  CHECK(anyone.get("/api/v1/organizations/" + id).json()["email"] == moved);
}

TEST_CASE("staff count new registrations per month by site and kind", "[e2e]") {
  Client anyone, member, admin;
  auto [login, mail] = verified_member(member);
  REQUIRE(member.login(login, kPassword).status == 200);
  ready_admin(admin, unique("admin_"));
  auto count_now = [&]() {
    Response r = admin.get("/api/v1/admin/organizations/registrations");
    REQUIRE(r.status == 200);
    int n = 0;
    for (const auto& m : r.json()["months"])
      if (m["site"] == "supernet" && m["kind"] == "group") n += m["count"].get<int>();
    return n;
  };
  int before = count_now();
  registered(anyone, group(unique("月次"), unique("m_") + "@example.jp"));
  CHECK(count_now() == before + 1);
  CHECK(member.get("/api/v1/admin/organizations/registrations").status == 403);
  CHECK(admin.get("/api/v1/admin/organizations/registrations?from=2026-13").status == 400);
  CHECK(admin.get("/api/v1/admin/organizations/registrations?from=2026-05&to=2026-04").status == 400);
  Response old = admin.get("/api/v1/admin/organizations/registrations?from=2000-01&to=2000-12");
  REQUIRE(old.status == 200);
  CHECK(old.json()["months"].empty());
}

TEST_CASE("the owning account edits its record: private items at once, public items after the centre applies them",
          "[e2e]") {
  Client admin, owner, other;
  ready_admin(admin, unique("admin_"));
  auto [login, mail] = verified_member(owner);
  REQUIRE(owner.login(login, kPassword).status == 200);
  auto [other_login, other_mail] = verified_member(other);
  REQUIRE(other.login(other_login, kPassword).status == 200);
  Response r = owner.post("/api/v1/organizations",
                          {{"organization", aikasanet_group("周南見守り隊" + unique(""), unique("own_") + "@example.jp")}});
  REQUIRE(r.status == 201);
  std::string id = r.json()["id"];
  std::string path = "/api/v1/organizations/" + id;
  REQUIRE(admin.post("/api/v1/admin/organizations/" + id + "/publish").status == 200);

  nlohmann::json record = owner.get(path).json();
  REQUIRE(record.contains("version"));  // the owner reads its full record
  std::string before = record["activities"];
  record["registrant_name"] = "新任 担当";      // private: at once
  record["activities"] = "配食と見守り（更新）";  // public: after the centre
  CHECK(other.put(path, {{"organization", record}}).status == 404);
  CHECK(Client().put(path, {{"organization", record}}).status == 401);
  nlohmann::json bad = record;
  bad["phone"] = "でんわ";
  CHECK(error_fields(owner.put(path, {{"organization", bad}})) == std::set<std::string>{"organization.phone"});

  Response edited = owner.put(path, {{"organization", record}});
  REQUIRE(edited.status == 200);
  CHECK(edited.json()["organization"]["registrant_name"] == "新任 担当");
  CHECK(edited.json()["organization"]["activities"] == before);
  std::string correction = edited.json()["correction_id"];
  CHECK(Client().get(path).json()["activities"] == before);
  CHECK(owner.put(path, {{"organization", record}}).status == 409);  // the version read is gone

  REQUIRE(admin.post("/api/v1/admin/correction-requests/" + correction + "/apply").status == 200);
  CHECK(Client().get(path).json()["activities"] == "配食と見守り（更新）");
}
