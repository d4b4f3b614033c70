#include "notification/health.h"

#include <png.h>
#include <qrencode.h>

#include <csetjmp>
#include <ctime>
#include <memory>
#include <regex>
#include <stdexcept>
#include <vector>

#include "core/csv.h"
#include "core/log.h"
#include "core/time.h"
#include "core/validation.h"
#include "notification/compose.h"
#include "notification/suppression.h"
#include "rpc/audit.h"
#include "rpc/server.h"

namespace civic::notification {
namespace {
using grpc::Status;
using grpc::StatusCode;
using rpc::Principal;

constexpr uint8_t kVersion = 1;
constexpr size_t kBody = 1 + 1 + 16 + 4 + 4;
constexpr size_t kMac = 16;
constexpr int kMaxDaysPerMail = 62;  // two months of daily activities; later days follow with the next edit

void put32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(char((v >> shift) & 0xFF));
}
uint32_t get32(std::string_view in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(in[size_t(i)]);
  return v;
}

// The end of a day in Tokyo (UTC+9, no daylight saving), as Unix seconds.
int64_t end_of_tokyo_day(const std::string& date) { return (int64_t(time::day_number(date)) + 1) * 86400 - 9 * 3600; }

void write_bytes(png_structp png, png_bytep bytes, png_size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(bytes), n);
}
void flush_nothing(png_structp) {}

// 1-bit greyscale rows of the symbol: 1 is white, the quiet zone included.
void write_rows(png_structp png, const QRcode* q, int margin, int scale, unsigned char* row, size_t row_bytes) {
  int size = (q->width + 2 * margin) * scale;
  for (int y = 0; y < size; ++y) {
    std::fill(row, row + row_bytes, 0xFF);
    int my = y / scale - margin;
    if (my >= 0 && my < q->width)
      for (int x = 0; x < size; ++x) {
        int mx = x / scale - margin;
        if (mx >= 0 && mx < q->width && (q->data[my * q->width + mx] & 1)) row[x / 8] &= uint8_t(~(0x80 >> (x % 8)));
      }
    png_write_row(png, row);
  }
}

bool encode_png(const QRcode* q, std::string* out) {
  const int margin = 4, scale = 8;
  const int size = (q->width + 2 * margin) * scale;
  const size_t row_bytes = size_t(size + 7) / 8;
  std::vector<unsigned char> row(row_bytes);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) return false;
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {  // libpng's way of reporting an error
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, out, write_bytes, flush_nothing);
  png_set_IHDR(png, info, png_uint_32(size), png_uint_32(size), 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  write_rows(png, q, margin, scale, row.data(), row_bytes);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

} // namespace

HealthKeys HealthKeys::parse(const std::string& spec) {
  HealthKeys k;
  bool first = true;
  for (size_t start = 0; start < spec.size();) {
    size_t end = spec.find(',', start);
    std::string item = spec.substr(start, end == std::string::npos ? std::string::npos : end - start);
    size_t colon = item.find(':');
    if (colon == std::string::npos || colon == 0 || colon > 3)
      throw std::invalid_argument("HEALTH_QR_KEYS: expected id:hex64,...");
    int id = std::stoi(item.substr(0, colon));
    std::string hex = item.substr(colon + 1);
    if (id < 1 || id > 255 || hex.size() != 64 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
      throw std::invalid_argument("HEALTH_QR_KEYS: a key id is 1-255 and a key 64 hex digits");
    std::string key;
    for (size_t i = 0; i < hex.size(); i += 2) key.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
    k.keys[uint8_t(id)] = key;
    if (first) k.current = uint8_t(id);
    first = false;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return k;
}

namespace health {

std::string issue(const Claims& c, const HealthKeys& keys) {
  if (!validation::is_uuid(c.recruitment_id) || !validation::is_date(c.date) || !keys.keys.count(keys.current))
    throw std::invalid_argument("health token: bad claims or no key");
  std::string body;
  body.push_back(char(kVersion));
  body.push_back(char(keys.current));
  body += crypto::uuid_to_bytes(c.recruitment_id);
  put32(body, uint32_t(std::stoi(c.date.substr(0, 4)) * 10000 + std::stoi(c.date.substr(5, 2)) * 100 +
                       std::stoi(c.date.substr(8, 2))));
  put32(body, uint32_t(c.expires_at));
  return crypto::base64url(body + crypto::hmac_sha256(keys.keys.at(keys.current), body).substr(0, kMac));
}

std::optional<Claims> verify(std::string_view token, const HealthKeys& keys, int64_t now, Problem* problem) {
  *problem = Problem::malformed;
  if (token.size() > 100) return std::nullopt;
  auto raw = crypto::base64url_decode(token);
  if (!raw || raw->size() != kBody + kMac || uint8_t((*raw)[0]) != kVersion) return std::nullopt;
  auto key = keys.keys.find(uint8_t((*raw)[1]));
  std::string_view body(raw->data(), kBody);
  *problem = Problem::forged;
  if (key == keys.keys.end() ||
      !crypto::equal_constant_time(crypto::hmac_sha256(key->second, body).substr(0, kMac), raw->substr(kBody)))
    return std::nullopt;
  Claims c;
  c.recruitment_id = crypto::uuid_from_bytes(body.substr(2, 16));
  uint32_t ymd = get32(body.substr(18, 4));
  char date[16];
  std::snprintf(date, sizeof date, "%04u-%02u-%02u", ymd / 10000, ymd / 100 % 100, ymd % 100);
  c.date = date;
  c.expires_at = get32(body.substr(22, 4));
  if (!validation::is_date(c.date)) return std::nullopt;
  if (now > c.expires_at) {
    *problem = Problem::expired;
    return std::nullopt;
  }
  *problem = Problem::none;
  return c;
}

std::string qr_png(const std::string& text) {
  std::unique_ptr<QRcode, decltype(&QRcode_free)> q(QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1),
                                                     QRcode_free);
  if (!q) throw std::runtime_error("QR encoding failed");
  std::string png;
  if (!encode_png(q.get(), &png)) throw std::runtime_error("PNG encoding failed");
  return png;
}

} // namespace health

void health_recruitment_published(db::Tx& tx, const NotificationConfig& config, const HealthKeys& keys,
                                  const crypto::Sealer& sealer, const civic::events::RecruitmentPublished& r) {
  if (!validation::is_uuid(r.id())) return;
  std::vector<std::string> dates;
  for (const auto& d : r.activity_dates())
    if (validation::is_date(d)) dates.push_back(d);
  tx.exec("INSERT INTO health_activities (recruitment_id, title, organization_name, dates, state) "
          "VALUES ($1::uuid, $2, $3, $4::date[], 'published') ON CONFLICT (recruitment_id) DO UPDATE SET "
          "title = excluded.title, organization_name = excluded.organization_name, dates = excluded.dates, "
          "state = 'published', updated_at = now()",
          r.id(), r.title(), r.organization_name(), dates);
  if (r.imported() || r.organizer_email().empty() || keys.keys.empty()) return;
  // The days whose codes the organiser has not had yet, today or later.
  auto fresh = tx.exec("SELECT d::text FROM unnest($2::date[]) AS d WHERE d >= $3::date AND NOT EXISTS ("
                       "SELECT 1 FROM health_codes_mailed m WHERE m.recruitment_id = $1::uuid AND m.activity_date = d) "
                       "ORDER BY d LIMIT $4",
                       r.id(), dates, time::tokyo_date(), kMaxDaysPerMail);
  if (fresh.empty()) return;
  std::string list;
  std::vector<std::pair<std::string, std::string>> files;  // date, PNG
  for (const auto& row : fresh) {
    std::string date = row.text(0);
    std::string token = health::issue({r.id(), date, end_of_tokyo_day(date)}, keys);
    files.emplace_back(date, health::qr_png(token));
    list += "・" + date + "（添付ファイル health-qr-" + date + ".png）\n";
  }
  civic::events::MailRequested mail;
  mail.set_template_("health.qr_codes");
  mail.set_to(r.organizer_email());
  (*mail.mutable_variables())["recruitment_title"] = r.title();
  (*mail.mutable_variables())["organization_name"] = r.organization_name();
  (*mail.mutable_variables())["dates"] = list;
  Templates templates(tx);
  MessageRow m = compose(templates, crypto::uuid_v4(), mail, config);
  std::string message_id = m.id;
  queue(tx, {std::move(m)}, config.hmac_key, sealer);
  int n = 0;
  for (const auto& [date, png] : files) {
    tx.exec("INSERT INTO message_attachments (message_id, n, filename, content_type, data) "
            "SELECT $1::uuid, $2, $3, 'image/png', $4::bytea WHERE EXISTS (SELECT 1 FROM messages WHERE id = $1::uuid "
            "AND status = 'queued')",
            message_id, n++, "health-qr-" + date + ".png", db::Bytes{png});
    tx.exec("INSERT INTO health_codes_mailed (recruitment_id, activity_date, message_id, key_id) "
            "VALUES ($1::uuid, $2::date, $3::uuid, $4)",
            r.id(), date, message_id, int(keys.current));
  }
  log::info("health_codes_queued", {{"recruitment_id", r.id()}, {"days", files.size()}, {"message_id", message_id}});
}

void health_recruitment_closed(db::Tx& tx, const std::string& recruitment_id) {
  if (!validation::is_uuid(recruitment_id)) return;
  tx.exec("UPDATE health_activities SET state = 'closed', updated_at = now() WHERE recruitment_id = $1::uuid",
          recruitment_id);
}

HealthServiceImpl::HealthServiceImpl(db::Pool& pool, std::string hmac_key, HealthKeys keys, crypto::Sealer sealer)
    : pool_(pool), hmac_key_(std::move(hmac_key)), keys_(std::move(keys)), sealer_(std::move(sealer)) {}

Status HealthServiceImpl::RedeemHealthCode(grpc::ServerContext* ctx, const HealthRedemptionRequest* req,
                                           HealthRedemption* resp) {
  return rpc::guarded(ctx, hmac_key_, "RedeemHealthCode", [&](const Principal& p) {
    if (!rpc::has_role(p, "health_app")) return Status(StatusCode::PERMISSION_DENIED, "健幸アプリの API クライアントだけが使えます");
    validation::Errors e;
    e.text("token", req->token(), {.required = true, .max_chars = 100});
    static const std::regex member_id("[A-Za-z0-9_-]{1,64}");
    if (!std::regex_match(req->app_member_id(), member_id))
      e.add("app_member_id", "invalid_format", "アプリ会員 ID は英数字・_・- の 1〜64 文字です",
            "app_member_id is 1-64 of A-Z a-z 0-9 _ -");
    if (!e.empty()) return rpc::invalid(e);
    health::Problem problem;
    auto claims = health::verify(req->token(), keys_, int64_t(std::time(nullptr)), &problem);
    if (!claims) {
      if (problem == health::Problem::expired)
        return rpc::invalid("token", "expired", "この QR コードは有効期限が切れています", "this code has expired");
      return rpc::invalid("token", "invalid", "この QR コードは正しくありません", "not a valid activity code");
    }
    std::string member_key = crypto::hmac_sha256(derived_key(hmac_key_, "health.member"), req->app_member_id());
    auto answer = [&](const db::Row& r, bool repeated) {
      resp->set_id(r.text(0));
      resp->set_recruitment_id(r.text(1));
      resp->set_title(r.text(2));
      resp->set_activity_date(r.text(3));
      resp->set_redeemed_at(r.text(4));
      resp->set_repeated(repeated);
    };
    const std::string first = "SELECT r.id::text, r.recruitment_id::text, a.title, r.activity_date::text, "
                              "to_char(r.redeemed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                              "FROM health_redemptions r JOIN health_activities a USING (recruitment_id) "
                              "WHERE r.member_key = $1::bytea AND r.activity_date = $2::date";
    return pool_.transaction([&](db::Tx& tx) {
      // A repeat (the app retried, or the member scanned twice) gets the first answer.
      if (auto done = tx.exec(first, db::Bytes{member_key}, claims->date); !done.empty()) {
        answer(done[0], true);
        return Status::OK;
      }
      // Checked live, at the scan.
      if (claims->date != time::tokyo_date())
        return rpc::invalid("token", "not_today", "この QR コードは " + claims->date + " の活動のものです（読み取りは活動日当日だけです）",
                           "this code is for the activity on " + claims->date + " only");
      auto activity = tx.exec("SELECT state, $2::date = ANY(dates) FROM health_activities WHERE recruitment_id = $1::uuid "
                              "FOR SHARE",
                              claims->recruitment_id, claims->date);
      if (activity.empty() || activity[0].text(0) != "published")
        return rpc::invalid("token", "withdrawn", "この募集は公開されていないため、ポイントの対象になりません",
                           "the recruitment is no longer published");
      if (!activity[0].boolean(1))
        return rpc::invalid("token", "not_an_activity_day", "この日は募集の活動日ではなくなりました", "the day is no longer an activity day");
      std::string id = crypto::uuid_v4();
      tx.exec("INSERT INTO health_redemptions (id, member_key, member_sealed, activity_date, recruitment_id, client_id) "
              "VALUES ($1::uuid, $2::bytea, $3::bytea, $4::date, $5::uuid, nullif($6, '')::uuid) "
              "ON CONFLICT (member_key, activity_date) DO NOTHING",
              id, db::Bytes{member_key}, db::Bytes{sealer_.seal(req->app_member_id(), id)}, claims->date,
              claims->recruitment_id, validation::is_uuid(p.account_id()) ? p.account_id() : "");
      auto made = tx.exec(first, db::Bytes{member_key}, claims->date);
      answer(made[0], made[0].text(0) != id);  // a concurrent scan won: its answer
      log::info("health_redeemed", {{"recruitment_id", claims->recruitment_id}, {"date", claims->date},
                                    {"repeated", resp->repeated()}});
      return Status::OK;
    });
  });
}

Status HealthServiceImpl::ExportHealthPartnerFile(grpc::ServerContext* ctx, const HealthPartnerFileRequest* req,
                                                  civic::common::HttpBody* resp) {
  return rpc::guarded(ctx, hmac_key_, "ExportHealthPartnerFile", [&](const Principal& p) {
    // Admins download it; tools/health-export, signed as the service "health-export", writes it.
    bool tool = rpc::has_role(p, "service") && p.caller() == "health-export";
    if (!tool)
      if (Status s = rpc::require_admin(p); !s.ok()) return s;
    if (req->year() < 2000 || req->year() > 2100)
      return rpc::invalid("year", "out_of_range", "年度は 2000〜2100 で指定してください", "year must be 2000-2100");
    return pool_.transaction([&](db::Tx& tx) {
      std::string out(csv::kBom);
      out += csv::row({"年度", "活動日", "募集ID", "募集名", "団体名", "アプリ会員ID", "読取日時", "読取ID"});
      auto rows = tx.exec("SELECT r.activity_date::text, r.recruitment_id::text, a.title, a.organization_name, "
                          "r.member_sealed, r.id::text, "
                          "to_char(r.redeemed_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD HH24:MI:SS') "
                          "FROM health_redemptions r JOIN health_activities a USING (recruitment_id) "
                          "WHERE r.activity_date >= make_date($1, 4, 1) AND r.activity_date < make_date($1 + 1, 4, 1) "
                          "ORDER BY r.activity_date, r.redeemed_at, r.id",
                          req->year());
      for (const auto& r : rows)
        out += csv::row({std::to_string(req->year()), r.text(0), r.text(1), r.text(2), r.text(3),
                         sealer_.open(r.bytes(4), r.text(5)).value_or(""), r.text(6), r.text(5)});
      rpc::audit(tx, p, "export", "health_redemption", "", {{"year", req->year()}, {"rows", rows.size()}});
      resp->set_content_type("text/csv; charset=utf-8");
      resp->set_filename("health-partner-" + std::to_string(req->year()) + ".csv");
      resp->set_data(std::move(out));
      return Status::OK;
    });
  });
}

} // namespace civic::notification
