// civic_datagen organizations|grants|books|reports|articles|members|recruitments|events|newsletters [--count N]
//               [--seed S] [--add]
//
// Realistic Japanese organisations for the directory (1,677 by default, the number on
// Supernet today; 100,000 for benchmarks), written with the directory's own store, so
// search keys and sealed contact data are what the service would write. Needs
// DATABASE_URL (the directory database) and CIVIC_ENCRYPTION_KEYS. Does nothing when
// the database already holds organisations (unless --add), so `tools/dev up` may run
// it every time. `grants` writes grants the same way (8,552 by default, the number on
// Supernet today) into the grants database, `books` the library catalogue (3,101) there,
// `reports` the activity reports (95) there, and `articles` the content database's notices (249), centre news (133) and interview
// reports (20), all published (--count N: N articles in those proportions). `members` writes
// published individual volunteer members into the matching database (1,371 by default,
// the number on Aikasanet today; 100,000 for the PERF-3 benchmark), their personal items
// sealed; `recruitments` writes open volunteer recruitments of demo groups into the
// recruitment database (300 by default). The 213 groups and 28 companies of Aikasanet
// are written alike in the directory (with `organizations`), matching (with `members`)
// and recruitment (`recruitments`) databases. `events` writes Supernet events and recruitment
// notices there (5,827, mostly past). `newsletters` writes the mail-magazine back
// numbers into the notification database (397, one a week, Aikasanet's 活動ニュース and
// Supernet's さぽ〜とメール in turn), published and marked delivered (to nobody: the demo
// has no subscribers), so nothing is sent.
#include <algorithm>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/crypto.h"
#include "directory/store.h"
#include "grants/service.h"
#include "content/article_store.h"
#include "grants/store.h"
#include "matching/store.h"
#include "matching/triggers.h"
#include "recruitment/store.h"
#include "text/text.h"
#include "workflow/workflow.h"

namespace {
using namespace civic;

struct Word {
  const char* text;
  const char* kana;
};
struct Place {
  const char* code;
  Word word;
};
struct Theme {
  Word word;
  const char* field;  // NPO-Act field code
  const char* activity;
};

const std::vector<Place> kPlaces = {
    {"shimonoseki", {"下関", "しものせき"}}, {"ube", {"宇部", "うべ"}},         {"yamaguchi", {"山口", "やまぐち"}},
    {"hagi", {"萩", "はぎ"}},                {"hofu", {"防府", "ほうふ"}},       {"kudamatsu", {"下松", "くだまつ"}},
    {"iwakuni", {"岩国", "いわくに"}},       {"hikari", {"光", "ひかり"}},       {"nagato", {"長門", "ながと"}},
    {"yanai", {"柳井", "やない"}},           {"mine", {"美祢", "みね"}},         {"shunan", {"周南", "しゅうなん"}},
    {"sanyo_onoda", {"山陽小野田", "さんようおのだ"}}, {"suo_oshima", {"周防大島", "すおうおおしま"}},
    {"waki", {"和木", "わき"}},              {"kaminoseki", {"上関", "かみのせき"}}, {"tabuse", {"田布施", "たぶせ"}},
    {"hirao", {"平生", "ひらお"}},           {"abu", {"阿武", "あぶ"}}};

const std::vector<Theme> kThemes = {
    {{"子ども食堂", "こどもしょくどう"}, "f13", "地域の子どもたちに温かい食事と居場所を届けています"},
    {{"環境保全", "かんきょうほぜん"}, "f07", "里山の手入れと川の生き物調査を続けています"},
    {{"まちづくり", "まちづくり"}, "f03", "商店街の空き店舗を活用したイベントを開いています"},
    {{"国際交流", "こくさいこうりゅう"}, "f11", "外国人住民のための日本語教室を開いています"},
    {{"福祉", "ふくし"}, "f01", "高齢者の見守りと買い物支援を行っています"},
    {{"子育て支援", "こそだてしえん"}, "f13", "親子の集いの場と育児相談を開いています"},
    {{"防災", "ぼうさい"}, "f08", "防災訓練と避難所運営の学習会を開いています"},
    {{"里山ボランティア", "さとやまぼらんてぃあ"}, "f07", "竹林整備と炭焼き体験を行っています"},
    {{"音楽", "おんがく"}, "f06", "福祉施設への訪問演奏会を行っています"},
    {{"スポーツ", "すぽーつ"}, "f06", "誰でも参加できるニュースポーツ教室を開いています"},
    {{"観光ボランティア", "かんこうぼらんてぃあ"}, "f04", "観光客向けのまち歩きガイドをしています"},
    {{"読み聞かせ", "よみきかせ"}, "f02", "図書館と小学校で絵本の読み聞かせをしています"},
    {{"海岸清掃", "かいがんせいそう"}, "f07", "毎月海岸の清掃活動と漂着物調査を行っています"},
    {{"伝統芸能", "でんとうげいのう"}, "f06", "地域に伝わる神楽の保存と継承に取り組んでいます"},
    {{"手話", "しゅわ"}, "f10", "手話講習会と聴覚障害者との交流会を開いています"},
    {{"農業体験", "のうぎょうたいけん"}, "f05", "棚田での田植え・稲刈り体験を開いています"},
    {{"学習支援", "がくしゅうしえん"}, "f13", "中学生の放課後学習を大学生と支えています"},
    {{"男女共同参画", "だんじょきょうどうさんかく"}, "f12", "働き方と家事分担を考える講座を開いています"},
    {{"消費者", "しょうひしゃ"}, "f18", "悪質商法の被害を防ぐ出前講座を行っています"},
    {{"NPO支援", "えぬぴーおーしえん"}, "f19", "市民活動団体の運営相談と講座を行っています"}};

const std::vector<Word> kSuffixes = {{"の会", "のかい"},           {"協議会", "きょうぎかい"}, {"ネットワーク", "ねっとわーく"},
                                     {"クラブ", "くらぶ"},         {"研究会", "けんきゅうかい"}, {"サークル", "さーくる"},
                                     {"友の会", "とものかい"},     {"センター", "せんたー"}};
const std::vector<Word> kTrades = {{"物産", "ぶっさん"},   {"建設", "けんせつ"}, {"印刷", "いんさつ"}, {"運輸", "うんゆ"},
                                   {"電機", "でんき"},     {"食品", "しょくひん"}, {"製作所", "せいさくしょ"},
                                   {"酒造", "しゅぞう"},   {"水産", "すいさん"}, {"不動産", "ふどうさん"}};
const std::vector<const char*> kGroupClasses = {"voluntary", "voluntary", "voluntary", "general_association",
                                                "general_foundation", "social_welfare", "other"};
const std::vector<const char*> kCompanyClasses = {"kabushiki", "kabushiki", "godo", "gomei", "goshi"};
const std::vector<const char*> kAreas = {"municipalities", "municipalities", "prefecture", "chushikoku", "nationwide"};
const std::vector<const char*> kFeatures = {"collaboration", "csr", "grant_maker", "activity", "support"};

template <class T>
const T& pick(std::mt19937& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

// The day `offset_days` from today (UTC), YYYY-MM-DD.
std::string day(int offset_days) {
  std::time_t t = std::time(nullptr) + std::time_t(offset_days) * 86400;
  char buf[11];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
  return buf;
}

// Rows of `table` (a constant of this file); a generator writes into an empty table only, unless --add.
int64_t rows_in(db::Pool& pool, const std::string& table) {
  return pool.read([&](db::Tx& tx) { return tx.exec("SELECT count(*) FROM " + table)[0].int64(0); });
}
int nothing_written(const char* what, int64_t existing) {
  std::cout << what << ": " << existing << " already there, nothing written\n";
  return 0;
}

directory::OrgRow make(std::mt19937& rng, const crypto::Sealer& sealer, int i) {
  directory::OrgRow o;
  o.id = crypto::uuid_v4();
  int kind_roll = std::uniform_int_distribution<int>(0, 99)(rng);
  o.kind = kind_roll < 55 ? "group" : kind_roll < 85 ? "npo" : "company";
  const Place& place = pick(rng, kPlaces);
  const Theme& theme = pick(rng, kThemes);
  std::string purpose, activities, csr;
  if (o.kind == "company") {
    const Word& trade = pick(rng, kTrades);
    o.class_code = pick(rng, kCompanyClasses);
    o.name = std::string(o.class_code == "godo" ? "合同会社" : "株式会社") + place.word.text + trade.text;
    o.name_kana = std::string(o.class_code == "godo" ? "ごうどうがいしゃ" : "かぶしきがいしゃ") + place.word.kana + trade.kana;
    activities = std::string(place.word.text) + "市町を中心に" + trade.text + "業を営んでいます。";
    csr = std::string("社員有志で") + theme.activity + "。";
  } else {
    const Word& suffix = pick(rng, kSuffixes);
    o.class_code = o.kind == "npo" ? "npo_corporation" : pick(rng, kGroupClasses);
    o.name = std::string(o.kind == "npo" ? "NPO法人" : "") + place.word.text + theme.word.text + suffix.text;
    o.name_kana = std::string(o.kind == "npo" ? "えぬぴーおーほうじん" : "") + place.word.kana + theme.word.kana + suffix.kana;
    o.fields = {theme.field};
    if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) o.fields.push_back(pick(rng, kThemes).field);
    std::sort(o.fields.begin(), o.fields.end());
    o.fields.erase(std::unique(o.fields.begin(), o.fields.end()), o.fields.end());
    o.target_area = pick(rng, kAreas);
    if (o.target_area == "municipalities") o.target_municipalities = {place.code};
    purpose = std::string(place.word.text) + "の" + theme.word.text + "を通じて、誰もが暮らしやすい地域をつくること。";
    activities = std::string(place.word.text) + "を拠点に" + theme.activity + "。会員は" +
                 std::to_string(std::uniform_int_distribution<int>(5, 120)(rng)) + "名です。";
    o.registration_requirements = {"base_in_prefecture", "social_contribution", "not_religious", "not_political",
                                   "not_electoral", "no_antisocial_forces", "agree_terms"};
  }
  o.municipality = place.code;
  if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) o.features = {pick(rng, kFeatures)};
  nlohmann::json profile = {{"representative", "代表 " + std::to_string(i)},
                            {"contact_person", "担当 " + std::to_string(i)},
                            {"purpose", purpose},
                            {"activities", activities},
                            {"csr_activities", csr},
                            {"prefecture", "p35"},
                            {"address", std::string(place.word.text) + "市" + std::to_string(i % 900 + 1) + "番地"}};
  o.profile = profile.dump();
  o.registrant_name = "登録担当 " + std::to_string(i);
  o.registrant_phone_sealed = sealer.seal("083-000-" + std::to_string(1000 + i % 9000), o.id);
  o.registrant_email_sealed = sealer.seal("contact" + std::to_string(i) + "@example.jp", o.id);
  o.accepted_terms_version = 1;
  o.guardian_consent = true;
  int status_roll = std::uniform_int_distribution<int>(0, 99)(rng);
  o.status = status_roll < 90 ? "active" : status_roll < 97 ? "dissolved" : "withdrawn";
  o.state = std::uniform_int_distribution<int>(0, 19)(rng) == 0 ? "review" : "published";
  std::vector<std::string_view> parts = {o.name, o.name_kana, purpose, activities, csr};
  o.search_grams = text::index_grams(parts);
  o.search_text = text::search_text(parts);
  return o;
}

// The Aikasanet groups (213) and companies (28) of the seeds, the same in the directory,
// matching and recruitment databases: ids and owners derive from their number, so each
// database's datagen run writes the same organisations without reading the others.
constexpr int kAikasanetGroups = 213, kAikasanetCompanies = 28;
struct DemoOrg {
  std::string id, owner, kind, name;
  const Place* place;
  const Theme* theme;
};
std::string demo_uuid(const std::string& seed) {
  std::string h = crypto::hex(crypto::sha256(seed)).substr(0, 32);
  h[12] = '4';  // version 4 layout, variant 10
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) % 4];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12);
}
DemoOrg demo_org(int n) {
  DemoOrg o;
  o.id = demo_uuid("aikasanet-demo-organization-" + std::to_string(n));
  o.owner = demo_uuid("aikasanet-demo-owner-" + std::to_string(n));
  o.kind = n < kAikasanetGroups ? "group" : "company";
  o.place = &kPlaces[size_t(n) % kPlaces.size()];
  o.theme = &kThemes[size_t(n / int(kPlaces.size())) % kThemes.size()];
  o.name = o.kind == "group" ? std::string(o.place->word.text) + o.theme->word.text + "ボランティア会 " + std::to_string(n + 1)
                             : std::string("株式会社") + o.place->word.text + "サポート " + std::to_string(n + 1);
  return o;
}

// The Aikasanet organisations in the directory (published, active, recruiting groups).
int aikasanet_organizations(db::Tx& tx, const crypto::Sealer& sealer) {
  int n = 0;
  for (; n < kAikasanetGroups + kAikasanetCompanies; ++n) {
    DemoOrg d = demo_org(n);
    directory::OrgRow o;
    o.id = d.id;
    o.site = "aikasanet";
    o.kind = d.kind;
    o.class_code = d.kind == "group" ? "voluntary" : "kabushiki";
    o.name = d.name;
    o.name_kana = std::string(d.place->word.kana) + "ぼらんてぃあかい";
    o.municipality = d.place->code;
    std::string activities = std::string(d.place->word.text) + "を拠点に" + d.theme->activity + "。";
    o.profile = nlohmann::json({{"representative", "代表 " + std::to_string(n)},
                                {"prefecture", "p35"},
                                {"activities", activities},
                                {"recruits_volunteers", d.kind == "group"}})
                    .dump();
    o.registrant_name = "担当 " + std::to_string(n);
    o.registrant_phone_sealed = sealer.seal("083-100-" + std::to_string(1000 + n), o.id);
    o.registrant_email_sealed = sealer.seal("aikasanet" + std::to_string(n) + "@example.jp", o.id);
    o.accepted_terms_version = 1;
    o.guardian_consent = true;
    o.owner_account_id = d.owner;
    o.state = "review";
    std::vector<std::string_view> parts = {o.name, o.name_kana, activities};
    o.search_grams = text::index_grams(parts);
    o.search_text = text::search_text(parts);
    directory::store::insert(tx, o);
    tx.exec("UPDATE organizations SET state = 'published', published_at = now() - $2::int * interval '1 day' "
            "WHERE id = $1::uuid",
            o.id, n);
  }
  return n;
}

int organizations(int count, unsigned seed, bool add) {
  db::Pool pool(config::str("DATABASE_URL", "postgresql:///directory"), 1);
  int64_t existing = rows_in(pool, "organizations");
  if (existing > 0 && !add) return nothing_written("organizations", existing);
  crypto::Sealer sealer = crypto::Sealer::from_env();
  std::mt19937 rng(seed);
  for (int done = 0; done < count;) {
    int batch = std::min(1000, count - done);
    pool.transaction([&](db::Tx& tx) {
      for (int k = 0; k < batch; ++k) {
        directory::OrgRow o = make(rng, sealer, done + k);
        bool publish = o.state == "published";
        o.state = "review";  // as every registration starts
        directory::store::insert(tx, o);
        workflow::record(tx, {"organization", o.id, "create", std::nullopt, workflow::State::review, "", "demo data"});
        if (publish) {
          // Spread publication over the last five years, so "newest first" means something.
          tx.exec("UPDATE organizations SET state = 'published', published_at = now() - $2::int * interval '1 hour' "
                  "WHERE id = $1::uuid",
                  o.id, std::uniform_int_distribution<int>(0, 5 * 365 * 24)(rng));
        }
      }
    });
    done += batch;
  }
  if (existing == 0) {
    int n = pool.transaction([&](db::Tx& tx) { return aikasanet_organizations(tx, sealer); });
    std::cout << "organizations: " << n << " Aikasanet groups and companies written\n";
  }
  // Fresh statistics and visibility map, so counts and plans are right at once.
  pool.read([](db::Tx& tx) { tx.exec("VACUUM ANALYZE organizations"); });
  std::cout << "organizations: " << count << " written\n";
  return 0;
}

const std::vector<std::string> kFunders = {
    "公益財団法人やまぐち社会貢献基金", "山口県",  "社会福祉法人山口県社会福祉協議会", "公益財団法人地域創造財団",
    "一般財団法人ふるさと振興会",       "株式会社瀬戸内銀行", "公益信託みどりの環境基金", "独立行政法人福祉医療機構"};

int write_grants(int count, unsigned seed, bool add) {
  db::Pool pool(config::str("DATABASE_URL", "postgresql:///grants"), 1);
  int64_t existing = rows_in(pool, "grants");
  if (existing > 0 && !add) return nothing_written("grants", existing);
  std::mt19937 rng(seed);
  auto pick = [&](const auto& v) -> const auto& { return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)]; };
  for (int done = 0; done < count;) {
    int batch = std::min(1000, count - done);
    pool.transaction([&](db::Tx& tx) {
      for (int k = 0; k < batch; ++k) {
        const Theme& theme = pick(kThemes);
        const Place& place = pick(kPlaces);
        civic::grants::Grant g;
        g.set_funder(pick(kFunders));
        g.set_name(std::string(place.word.text) + "の" + theme.word.text + "活動助成 " + std::to_string(2020 + (done + k) % 7) +
                   "年度");
        g.add_fields(theme.field);
        g.set_target_area(std::uniform_int_distribution<int>(0, 1)(rng) ? "prefecture" : "municipalities");
        g.set_purpose(std::string(theme.word.text) + "に取り組む県内の市民活動を応援します。" + theme.activity + "団体を想定しています。");
        g.set_amount("上限" + std::to_string(std::uniform_int_distribution<int>(1, 50)(rng) * 10) + "万円");
        g.set_eligible_projects(std::string(theme.word.text) + "に関する事業");
        g.set_eligible_applicants("山口県内で活動する NPO 法人・任意団体");
        if (std::uniform_int_distribution<int>(0, 9)(rng) == 0) {
          g.set_anytime(true);
        } else {
          int end = std::uniform_int_distribution<int>(-365, 180)(rng);
          g.set_application_start(day(end - 60));
          g.set_application_end(day(end));
        }
        g.set_how_to_apply("所定の申請書を郵送またはメールで提出してください。");
        g.set_contact_name(g.funder() + " 事務局");
        g.set_contact_phone("083-" + std::to_string(900 + k % 100) + "-" + std::to_string(1000 + (done + k) % 9000));
        g.set_url("https://example.jp/grants/" + std::to_string(done + k));
        civic::grants::GrantRow row = civic::grants::row_of(g);
        row.id = crypto::uuid_v4();
        civic::grants::store::insert(tx, row);
        workflow::record(tx, {"grant", row.id, "create", std::nullopt, workflow::State::draft, "", "demo data"});
        if (std::uniform_int_distribution<int>(0, 19)(rng) != 0) {  // a few stay drafts
          tx.exec("UPDATE grants SET state = 'published', published_at = now() - $2::int * interval '1 hour' "
                  "WHERE id = $1::uuid",
                  row.id, std::uniform_int_distribution<int>(0, 3 * 365 * 24)(rng));
        }
      }
    });
    done += batch;
  }
  // Fresh statistics and visibility map, so counts and plans are right at once.
  pool.read([](db::Tx& tx) { tx.exec("VACUUM ANALYZE grants"); });
  std::cout << "grants: " << count << " written\n";
  return 0;
}

int write_books(int count, unsigned seed, bool add) {
  db::Pool pool(config::str("DATABASE_URL", "postgresql:///grants"), 1);
  int64_t existing = rows_in(pool, "books");
  if (existing > 0 && !add) return nothing_written("books", existing);
  std::mt19937 rng(seed);
  const std::vector<std::string> kTopics = {"NPOの会計", "ボランティアコーディネート", "地域福祉", "まちづくり", "防災と地域",
                                            "子どもの居場所", "助成金申請", "広報の基本", "協働の手引き", "市民活動の歴史"};
  const std::vector<std::string> kAuthors = {"山口 花子", "周南 一郎", "萩 太郎", "下関 みどり", "宇部 健", "岩国 さくら"};
  const std::vector<std::string> kPublishers = {"市民出版", "地域書房", "やまぐち社会福祉協議会", "ボランティア学会"};
  for (int done = 0; done < count;) {
    int batch = std::min(1000, count - done);
    pool.transaction([&](db::Tx& tx) {
      for (int k = 0; k < batch; ++k) {
        int n = done + k;
        civic::grants::BookRow b;
        b.id = crypto::uuid_v4();
        b.title = kTopics[size_t(n) % kTopics.size()] + "入門 第" + std::to_string(1 + n % 5) + "版";
        b.author = kAuthors[std::uniform_int_distribution<size_t>(0, kAuthors.size() - 1)(rng)];
        b.publisher = kPublishers[std::uniform_int_distribution<size_t>(0, kPublishers.size() - 1)(rng)];
        b.published_on = std::to_string(1995 + n % 30) + "-" + (n % 12 < 9 ? "0" : "") + std::to_string(1 + n % 12);
        b.description = b.title + "。" + b.author + " 著。市民活動の現場で役立つ一冊です。";
        b.receipt_number = "SN-" + std::to_string(100000 + n);
        std::vector<std::string_view> parts = {b.title, b.author, b.publisher, b.description};
        b.search_grams = text::index_grams(parts);
        b.search_text = text::search_text(parts);
        civic::grants::store::insert_book(tx, b);
        workflow::record(tx, {"book", b.id, "create", std::nullopt, workflow::State::draft, "", "demo data"});
        tx.exec("UPDATE books SET state = 'published', published_at = now() - $2::int * interval '1 day' WHERE id = $1::uuid",
                b.id, n % 3000);
      }
    });
    done += batch;
  }
  // Fresh statistics and visibility map, so counts and plans are right at once.
  pool.read([](db::Tx& tx) { tx.exec("VACUUM ANALYZE books"); });
  std::cout << "books: " << count << " written\n";
  return 0;
}

int write_reports(int count, unsigned seed, bool add) {
  db::Pool pool(config::str("DATABASE_URL", "postgresql:///grants"), 1);
  int64_t existing = rows_in(pool, "reports");
  if (existing > 0 && !add) return nothing_written("reports", existing);
  std::mt19937 rng(seed);
  pool.transaction([&](db::Tx& tx) {
    for (int n = 0; n < count; ++n) {
      const Place& place = kPlaces[std::uniform_int_distribution<size_t>(0, kPlaces.size() - 1)(rng)];
      const Theme& theme = kThemes[std::uniform_int_distribution<size_t>(0, kThemes.size() - 1)(rng)];
      civic::grants::ReportRow r;
      r.id = crypto::uuid_v4();
      r.title = std::string(place.word.text) + "の" + theme.word.text + "活動報告";
      r.content = std::string(theme.activity) + "。当日は多くの方に参加いただきました。";
      r.organization = std::string(place.word.text) + theme.word.text + "の会";
      r.organization_kana = std::string(place.word.kana) + theme.word.kana + "のかい";
      r.place = std::string(place.word.text) + "市民センター";
      r.headcount = std::uniform_int_distribution<int>(5, 200)(rng);
      std::vector<std::string_view> parts = {r.title, r.organization, r.organization_kana, r.content, r.place};
      r.search_grams = text::index_grams(parts);
      r.search_text = text::search_text(parts);
      civic::grants::store::insert_report(tx, r);
      workflow::record(tx, {"report", r.id, "create", std::nullopt, workflow::State::draft, "", "demo data"});
      tx.exec("UPDATE reports SET state = 'published', published_at = now() - $2::int * interval '1 week' WHERE id = $1::uuid",
              r.id, n);
    }
  });
  pool.read([](db::Tx& tx) { tx.exec("VACUUM ANALYZE reports"); });
  std::cout << "reports: " << count << " written\n";
  return 0;
}

int write_articles(int count, unsigned seed, bool add) {
  db::Pool pool(config::str("DATABASE_URL", "postgresql:///content"), 1);
  int64_t existing = rows_in(pool, "articles");
  if (existing > 0 && !add) return nothing_written("articles", existing);
  std::mt19937 rng(seed);
  struct Kind {
    const char* kind;
    int count;
    const char* title;
    const char* body;
  };
  std::vector<Kind> kinds = {
      {"notice", 249, "お知らせ", "センターの開館時間、講座の募集、システムの更新などをお知らせします。"},
      {"center_news", 133, "センターニュース", "県内の市民活動の話題と、センターの取り組みを紹介します。"},
      {"interview", 20, "取材報告", "地域で活動する団体を訪ね、活動の様子と思いを伺いました。"}};
  if (count > 0) {  // benchmarks: `count` articles in the same proportions
    int left = count;
    for (size_t k = 0; k < kinds.size(); ++k) {
      int n = k + 1 == kinds.size() ? left : int(int64_t(count) * kinds[k].count / 402);
      kinds[k].count = n;
      left -= n;
    }
  }
  pool.transaction([&](db::Tx& tx) {
    for (const auto& k : kinds)
      for (int n = 0; n < k.count; ++n) {
        const Place& place = kPlaces[std::uniform_int_distribution<size_t>(0, kPlaces.size() - 1)(rng)];
        const Theme& theme = kThemes[std::uniform_int_distribution<size_t>(0, kThemes.size() - 1)(rng)];
        civic::content::ArticleRow a;
        a.id = crypto::uuid_v4();
        a.site = n % 4 == 0 ? "aikasanet" : n % 4 == 1 ? "both" : "supernet";
        a.kind = k.kind;
        a.title = std::string(k.title) + "：" + place.word.text + "の" + theme.word.text + "（第" + std::to_string(n + 1) + "号）";
        a.body = std::string(k.body) + theme.activity + "。";
        std::vector<std::string_view> parts = {a.title, a.body};
        a.search_grams = text::index_grams(parts);
        a.search_text = text::search_text(parts);
        civic::content::store::insert_article(tx, a);
        workflow::record(tx, {"article", a.id, "create", std::nullopt, workflow::State::draft, "", "demo data"});
        tx.exec("UPDATE articles SET state = 'published', published_at = now() - $2::int * interval '1 day' "
                "WHERE id = $1::uuid",
                a.id, n * 3);
      }
  });
  // Fresh statistics and visibility map, so counts and plans are right at once.
  pool.read([](db::Tx& tx) { tx.exec("VACUUM ANALYZE articles"); });
  int written = 0;
  for (const auto& k : kinds) written += k.count;
  std::cout << "articles: " << written << " written\n";
  return 0;
}

int write_members(int count, unsigned seed, bool add) {
  db::Pool pool(config::str("DATABASE_URL", "postgresql:///matching"), 1);
  int64_t existing = rows_in(pool, "members");
  if (existing > 0 && !add) return nothing_written("members", existing);
  crypto::Sealer sealer = crypto::Sealer::from_env();
  std::mt19937 rng(seed);
  const std::vector<std::string> days = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  const std::vector<std::string> slots = {"morning", "afternoon", "evening", "daytime", "anytime"};
  const std::vector<std::string> jobs = {"会社員", "学生", "自営業", "公務員", "主婦・主夫", "無職", "パート"};
  auto some = [&](const auto& from, int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
      std::string v = from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
      if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    }
    return out;
  };
  std::vector<std::string> places;
  for (const auto& p : kPlaces) places.push_back(p.code);
  std::vector<std::string> fields;
  for (const auto& t : kThemes) fields.push_back(t.field);
  for (int done = 0; done < count;) {
    int batch = std::min(1000, count - done);
    pool.transaction([&](db::Tx& tx) {
      for (int k = 0; k < batch; ++k) {
        int n = int(existing) + done + k;
        const Place& home = kPlaces[std::uniform_int_distribution<size_t>(0, kPlaces.size() - 1)(rng)];
        matching::store::MemberRow m;
        m.id = crypto::uuid_v4();
        m.account_id = crypto::uuid_v4();
        m.type = "individual";
        m.prefecture = "p35";
        m.municipality = home.code;
        m.occupation = jobs[size_t(n) % jobs.size()];
        m.selling_point = std::string(home.word.text) + "で週末に活動できます";
        m.activity_municipalities = some(places, 1 + n % 3);
        if (std::find(m.activity_municipalities.begin(), m.activity_municipalities.end(), home.code) ==
            m.activity_municipalities.end())
          m.activity_municipalities.push_back(home.code);
        m.fields = some(fields, 1 + n % 3);
        m.weekdays = some(days, 1 + n % 4);
        m.time_slot = slots[size_t(n) % slots.size()];
        m.magazine = n % 3 == 0;
        matching::PrivateItems p;
        p.name = "ボランティア 太郎" + std::to_string(n);
        p.kana = "ぼらんてぃあ たろう";
        p.phone = "083-000-" + std::to_string(1000 + n % 9000);
        p.email = "volunteer" + std::to_string(n) + "@example.jp";
        p.birth_date = std::to_string(1950 + n % 55) + "-04-01";
        p.postal_code = "753-0000";
        p.address = std::string(home.word.text) + "1-1";
        m.private_sealed = matching::seal_private(sealer, m.id, p);
        m.search_text = text::search_text({m.occupation, m.selling_point});
        m.state = "review";  // as every member starts
        matching::store::insert(tx, m);
        tx.exec("UPDATE members SET state = 'published', published_at = now() - $2::int * interval '1 hour' "
                "WHERE id = $1::uuid",
                m.id,
                std::uniform_int_distribution<int>(0, 3 * 365 * 24)(rng));
      }
    });
    done += batch;
  }
  if (existing == 0) {
    // The groups' and companies' own member records, linked to their organisations as
    // the directory announces them.
    pool.transaction([&](db::Tx& tx) {
      for (int n = 0; n < kAikasanetGroups + kAikasanetCompanies; ++n) {
        DemoOrg d = demo_org(n);
        matching::store::upsert_organization(tx, {d.id, d.owner, d.kind, d.name, true, d.kind == "group"});
        matching::store::MemberRow m;
        m.id = demo_uuid("aikasanet-demo-member-" + std::to_string(n));
        m.account_id = d.owner;
        m.type = d.kind;
        m.organization_id = d.id;
        m.display_name = d.name;
        m.selling_point = std::string(d.theme->activity) + "。";
        m.activity_municipalities = {d.place->code};
        m.fields = {d.theme->field};
        m.weekdays = {"sat", "sun"};
        m.time_slot = "daytime";
        matching::PrivateItems p;
        p.email = "aikasanet" + std::to_string(n) + "@example.jp";
        m.private_sealed = matching::seal_private(sealer, m.id, p);
        m.search_text = text::search_text({m.display_name, m.selling_point});
        m.state = "review";
        matching::store::insert(tx, m);
        tx.exec("UPDATE members SET state = 'published', published_at = now() - $2::int * interval '1 day' "
                "WHERE id = $1::uuid",
                m.id, n);
      }
    });
    std::cout << "members: " << kAikasanetGroups << " groups and " << kAikasanetCompanies << " companies written\n";
  }
  pool.read([](db::Tx& tx) { tx.exec("VACUUM ANALYZE members"); });
  std::cout << "members: " << count << " written\n";
  return 0;
}

int write_recruitments(int count, unsigned seed, bool add) {
  db::Pool pool(config::str("DATABASE_URL", "postgresql:///recruitment"), 1);
  int64_t existing = rows_in(pool, "recruitments");
  if (existing > 0 && !add) return nothing_written("recruitments", existing);
  crypto::Sealer sealer = crypto::Sealer::from_env();
  std::mt19937 rng(seed);
  pool.transaction([&](db::Tx& tx) {
    // The demo groups, as the directory announces them.
    std::vector<recruitment::store::OrgRow> groups;
    std::vector<DemoOrg> demo;
    for (int n = 0; n < kAikasanetGroups; ++n) {
      DemoOrg d = demo_org(n);
      recruitment::store::OrgRow o{d.id, d.owner, d.kind, d.name, true, true};
      recruitment::store::upsert_organization(tx, o);
      groups.push_back(o);
      demo.push_back(d);
    }
    const char* weekdays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    for (int n = 0; n < count; ++n) {
      size_t g = std::uniform_int_distribution<size_t>(0, groups.size() - 1)(rng);
      const Place& place = *demo[g].place;
      const Theme& theme = kThemes[std::uniform_int_distribution<size_t>(0, kThemes.size() - 1)(rng)];
      recruitment::store::RecruitmentRow r;
      r.id = crypto::uuid_v4();
      r.organization_id = groups[g].id;
      r.organization_name = groups[g].name;
      r.owner_account_id = groups[g].owner_account_id;
      r.title = std::string(place.word.text) + "の" + theme.word.text + "ボランティア募集";
      r.fields = {theme.field};
      r.municipalities = {place.code};
      int offset = std::uniform_int_distribution<int>(3, 60)(rng);
      r.activity_dates = {day(offset)};
      std::time_t t = std::time(nullptr) + std::time_t(offset) * 86400;
      r.weekdays = {weekdays[std::gmtime(&t)->tm_wday]};
      r.time_slot = "morning";
      r.anytime = n % 5 == 0;
      r.period_end = r.anytime ? "" : day(offset - 1);
      r.profile = nlohmann::json({{"content", std::string(theme.activity) + "。お手伝いいただける方を募集します。"},
                                  {"place", std::string(place.word.text) + "市民センター"},
                                  {"organizer_name", groups[g].name},
                                  {"headcount", 5}})
                      .dump();
      r.organizer_email_sealed = sealer.seal("organizer" + std::to_string(g) + "@example.jp", r.id);
      std::vector<std::string_view> parts = {r.title, r.organization_name};
      r.search_grams = text::index_grams(parts);
      r.search_text = text::search_text(parts);
      r.state = "review";
      recruitment::store::insert(tx, r);
      tx.exec("UPDATE recruitments SET state = 'published', published_at = now() - $2::int * interval '1 hour' "
              "WHERE id = $1::uuid",
              r.id,
              std::uniform_int_distribution<int>(0, 30 * 24)(rng));
    }
  });
  pool.read([](db::Tx& tx) { tx.exec("VACUUM ANALYZE recruitments"); });
  std::cout << "recruitments: " << count << " written\n";
  return 0;
}

int write_events(int count, unsigned seed, bool add) {
  db::Pool pool(config::str("DATABASE_URL", "postgresql:///recruitment"), 1);
  int64_t existing = rows_in(pool, "events");
  if (existing > 0 && !add) return nothing_written("events", existing);
  crypto::Sealer sealer = crypto::Sealer::from_env();
  std::mt19937 rng(seed);
  const char* categories[] = {"event", "course", "participation", "other"};
  const char* kinds[] = {"まつり", "講座", "参加者募集", "交流会"};
  pool.transaction([&](db::Tx& tx) {
    for (int n = 0; n < count; ++n) {
      const Place& place = kPlaces[std::uniform_int_distribution<size_t>(0, kPlaces.size() - 1)(rng)];
      const Theme& theme = kThemes[std::uniform_int_distribution<size_t>(0, kThemes.size() - 1)(rng)];
      int c = n % 4;
      // Mostly past (the archive of years), a few dozen coming in the next two months.
      int offset = n % 50 == 0 ? std::uniform_int_distribution<int>(1, 60)(rng)
                               : -std::uniform_int_distribution<int>(1, 5 * 365)(rng);
      recruitment::store::EventRow e;
      e.id = crypto::uuid_v4();
      e.category = categories[c];
      e.title = std::string(place.word.text) + "の" + theme.word.text + kinds[c];
      e.dates = {day(offset)};
      e.fields = {theme.field};
      e.municipality = place.code;
      std::string organizer = std::string(place.word.text) + theme.word.text + "の会";
      e.profile = nlohmann::json({{"organizer", organizer},
                                  {"venue", std::string(place.word.text) + "市民センター"},
                                  {"content", std::string(theme.activity) + "。どなたでもご参加ください。"},
                                  {"fee", "無料"},
                                  {"contact_organization", organizer}})
                      .dump();
      e.submitter_name = "デモ 投稿者";
      e.submitter_email_sealed = sealer.seal("events" + std::to_string(n) + "@example.jp", e.id);
      std::vector<std::string_view> parts = {e.title, organizer};
      e.search_grams = text::index_grams(parts);
      e.search_text = text::search_text(parts);
      e.state = "review";
      recruitment::store::insert_event(tx, e);
      tx.exec("UPDATE events SET state = 'published', published_at = now() - $2::int * interval '1 day' "
              "WHERE id = $1::uuid",
              e.id, std::max(0, -offset + 30));
    }
  });
  pool.read([](db::Tx& tx) { tx.exec("VACUUM ANALYZE events"); });
  std::cout << "events: " << count << " written\n";
  return 0;
}

int write_newsletters(int count, unsigned seed, bool add) {
  db::Pool pool(config::str("DATABASE_URL", "postgresql:///notification"), 1);
  int64_t existing = rows_in(pool, "newsletters");
  if (existing > 0 && !add) return nothing_written("newsletters", existing);
  std::mt19937 rng(seed);
  pool.transaction([&](db::Tx& tx) {
    for (int n = 0; n < count; ++n) {
      const Theme& theme = pick(rng, kThemes);
      const Place& place = pick(rng, kPlaces);
      bool aikasanet = n % 2 == 0;
      std::string id = crypto::uuid_v4();
      std::string title = std::string(aikasanet ? "活動ニュース" : "さぽ〜とメール") + " 第" +
                          std::to_string(int(existing) + n + 1) + "号 " + place.word.text + "の" + theme.word.text;
      std::string body = std::string(place.word.text) + "で" + theme.activity + "団体の活動を紹介します。\n\n" +
                         "今月のボランティア募集とイベントは、サイトの一覧をご覧ください。";
      int weeks_ago = count - n;
      tx.exec("INSERT INTO newsletters (id, site, title, body, state, published_at, created_at) VALUES ($1::uuid, $2, "
              "$3, $4, 'published', now() - $5::int * interval '1 week', now() - $5::int * interval '1 week')",
              id, aikasanet ? "aikasanet" : "supernet", title, body, weeks_ago);
      tx.exec("INSERT INTO newsletter_deliveries (newsletter_id, state, total, finished_at) VALUES ($1::uuid, 'done', 0, "
              "now())",
              id);
    }
  });
  std::cout << "newsletters: " << count << " written\n";
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const std::vector<std::string> kinds = {"organizations", "grants", "books", "reports", "articles", "members",
                                          "recruitments", "events", "newsletters"};
  if (args.empty() || std::find(kinds.begin(), kinds.end(), args[0]) == kinds.end()) {
    std::cerr << "usage: civic_datagen organizations|grants|books|reports|articles|members|recruitments|events|newsletters "
                 "[--count N] "
                 "[--seed S] [--add]\n";
    return 2;
  }
  int count = args[0] == "grants" ? 8552 : args[0] == "books" ? 3101 : args[0] == "reports" ? 95
              : args[0] == "members" ? 1371 : args[0] == "recruitments" ? 300 : args[0] == "events" ? 5827
              : args[0] == "newsletters" ? 397 : 1677;
  unsigned seed = 2026;
  bool add = false, count_given = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--add") add = true;
    else if (args[i] == "--count" && i + 1 < args.size()) count = std::stoi(args[++i]), count_given = true;
    else if (args[i] == "--seed" && i + 1 < args.size()) seed = unsigned(std::stoul(args[++i]));
    else {
      std::cerr << "civic_datagen: unknown argument " << args[i] << "\n";
      return 2;
    }
  }
  try {
    if (args[0] == "grants") return write_grants(count, seed, add);
    if (args[0] == "books") return write_books(count, seed, add);
    if (args[0] == "reports") return write_reports(count, seed, add);
    if (args[0] == "articles") return write_articles(count_given ? count : 0, seed, add);
    if (args[0] == "members") return write_members(count, seed, add);
    if (args[0] == "recruitments") return write_recruitments(count, seed, add);
    if (args[0] == "events") return write_events(count, seed, add);
    if (args[0] == "newsletters") return write_newsletters(count, seed, add);
    return organizations(count, seed, add);
  } catch (const std::exception& e) {
    std::cerr << "civic_datagen: " << e.what() << "\n";
    return 1;
  }
}
