#include "notification/mailer.h"

#include <curl/curl.h>

#include <ctime>
#include <memory>

#include "notification/template.h"

namespace civic::notification {
namespace {
struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};

std::string rfc5322_date() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string angle(const std::string& address) { return "<" + address + ">"; }
} // namespace

std::string envelope_address(const std::string& address, bool quote_legacy) {
  auto at = address.rfind('@');
  if (!quote_legacy || at == std::string::npos) return angle(address);
  std::string local = address.substr(0, at);
  bool dot_atom = !local.empty() && local.front() != '.' && local.back() != '.' && local.find("..") == std::string::npos;
  if (dot_atom) return angle(address);
  std::string quoted = "\"";
  for (char c : local) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return angle(quoted + "\"" + address.substr(at));
}

SmtpMailer::SmtpMailer(std::string url, std::string user, std::string password, long timeout_seconds,
                       bool quote_legacy, bool require_tls)
    : url_(std::move(url)),
      user_(std::move(user)),
      password_(std::move(password)),
      timeout_(timeout_seconds),
      quote_legacy_(quote_legacy),
      require_tls_(require_tls) {
  static CurlGlobal global;
}

SendResult SmtpMailer::send(const OutgoingMail& m) {
  for (const std::string* h : {&m.message_id, &m.from, &m.to, &m.bcc, &m.subject, &m.reply_to, &m.list_unsubscribe})
    if (!header_safe(*h)) return {"header contains CR/LF"};

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return {"curl init failed"};
  CURL* c = curl.get();

  curl_slist* rcpt = curl_slist_append(nullptr, envelope_address(m.to, quote_legacy_).c_str());
  if (!m.bcc.empty()) rcpt = curl_slist_append(rcpt, angle(m.bcc).c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt_guard(rcpt, curl_slist_free_all);

  curl_slist* headers = nullptr;
  for (const std::string& h : {"Date: " + rfc5322_date(), "From: " + m.from, "To: " + m.to,
                               "Subject: " + encode_header(m.subject), "Message-ID: " + m.message_id,
                               std::string("MIME-Version: 1.0")})
    headers = curl_slist_append(headers, h.c_str());
  if (!m.reply_to.empty()) headers = curl_slist_append(headers, ("Reply-To: " + m.reply_to).c_str());
  if (!m.list_unsubscribe.empty()) {  // RFC 8058: a mail client unsubscribes with one POST
    headers = curl_slist_append(headers, ("List-Unsubscribe: <" + m.list_unsubscribe + ">").c_str());
    headers = curl_slist_append(headers, "List-Unsubscribe-Post: List-Unsubscribe=One-Click");
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_guard(headers, curl_slist_free_all);

  curl_mime* mime = curl_mime_init(c);
  std::unique_ptr<curl_mime, decltype(&curl_mime_free)> mime_guard(mime, curl_mime_free);
  curl_mimepart* part = curl_mime_addpart(mime);
  curl_mime_data(part, m.body.data(), m.body.size());
  curl_mime_type(part, "text/plain; charset=UTF-8");
  curl_mime_encoder(part, "base64");
  for (const auto& a : m.attachments) {
    if (!header_safe(a.filename) || !header_safe(a.content_type)) return {"attachment header contains CR/LF"};
    curl_mimepart* file = curl_mime_addpart(mime);
    curl_mime_data(file, a.data.data(), a.data.size());
    curl_mime_type(file, a.content_type.c_str());
    curl_mime_filename(file, a.filename.c_str());
    curl_mime_encoder(file, "base64");
  }

  curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
  if (!user_.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, user_.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, password_.c_str());
  }
  if (require_tls_ && url_.rfind("smtps://", 0) != 0 && url_.find("127.0.0.1") == std::string::npos &&
      url_.find("localhost") == std::string::npos)
    curl_easy_setopt(c, CURLOPT_USE_SSL, long(CURLUSESSL_ALL));  // STARTTLS required off loopback
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, angle(m.from).c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return {};
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  std::string error = curl_easy_strerror(rc);
  if (code > 0) error += " (SMTP " + std::to_string(code) + ")";
  return {error, code};
}

} // namespace civic::notification
