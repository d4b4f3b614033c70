// E2E helpers: an HTTP client (libcurl) that keeps the session cookie and CSRF token,
// and a reader of the SMTP sink's Maildir.
#pragma once
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/crypto.h"
#include "core/totp.h"

namespace civic::e2e {

inline std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) throw std::runtime_error(std::string(name) + " is not set: run the tests with tools/dev test");
  return v;
}

inline std::string unique(const std::string& prefix) { return prefix + crypto::hex(crypto::random_bytes(4)); }

/// `text` percent-encoded for a query string (every byte outside A-Z a-z 0-9 -._~).
inline std::string url_encode(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out += char(c);
    else out += {'%', kHex[c >> 4], kHex[c & 15]};
  }
  return out;
}

struct Response {
  long status = 0;
  std::multimap<std::string, std::string> headers;  // lower-case names
  std::string body;
  /// The parsed body, kept in the Response, so `r.json()["items"]` can be iterated safely.
  nlohmann::json& json() const {
    if (!parsed) parsed = nlohmann::json::parse(body);
    return *parsed;
  }
  mutable std::optional<nlohmann::json> parsed;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class Client {
 public:
  Client() : Client(env("GATEWAY_URL")) {}
  /// A client of another gateway than the stack's (e.g. one a test started itself).
  explicit Client(std::string base)
      : base_(std::move(base)), ip_("10.9." + std::to_string(rand_byte()) + "." + std::to_string(rand_byte())) {}

  std::string cookie_name = "__Host-civic_session";
  std::string session;  // cookie value
  std::string csrf;
  bool send_csrf = true;

  Response request(const std::string& method, const std::string& path, const std::string& body = "",
                   std::vector<std::string> extra = {}) {
    CURL* c = curl_easy_init();
    Response r;
    curl_slist* h = nullptr;
    extra.push_back("X-Forwarded-For: " + ip_);
    bool typed = std::any_of(extra.begin(), extra.end(), [](const std::string& h) { return h.rfind("Content-Type:", 0) == 0; });
    if (!body.empty() && !typed) extra.push_back("Content-Type: application/json");
    if (method != "GET") extra.push_back("X-Requested-With: e2e");
    if (!session.empty()) extra.push_back("Cookie: " + cookie_name + "=" + session);
    if (!csrf.empty() && send_csrf && method != "GET") extra.push_back("X-CSRF-Token: " + csrf);
    for (const auto& x : extra) h = curl_slist_append(h, x.c_str());
    std::string url = base_ + path;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (!body.empty() || method == "POST" || method == "PUT") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, long(body.size()));
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Client::on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &Client::on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) throw std::runtime_error(std::string("HTTP request failed: ") + curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    follow_new_session(r);
    return r;
  }

  /// A new session cookie (login, or a session replaced when staff rights took effect)
  /// and its CSRF token are used from then on, as a browser and the SPA would.
  void follow_new_session(const Response& r) {
    std::string sc = r.header("set-cookie");
    if (sc.rfind(cookie_name + "=", 0) != 0) return;
    std::string value = sc.substr(cookie_name.size() + 1, sc.find(';') - cookie_name.size() - 1);
    if (value.empty()) return;  // a cleared cookie: the caller decides what it tests next
    session = value;
    if (r.body.find("\"csrf_token\"") != std::string::npos) csrf = r.json()["csrf_token"];
  }
  Response get(const std::string& path) { return request("GET", path); }
  Response post(const std::string& path, const nlohmann::json& body = nlohmann::json::object()) {
    return request("POST", path, body.dump());
  }
  Response put(const std::string& path, const nlohmann::json& body) { return request("PUT", path, body.dump()); }
  Response del(const std::string& path, const std::string& body = "") { return request("DELETE", path, body); }

  /// Logs in; keeps cookie and CSRF token on success.
  Response login(const std::string& login_id, const std::string& password, const std::string& totp = "") {
    nlohmann::json body = {{"login_id", login_id}, {"password", password}};
    if (!totp.empty()) body["totp"] = totp;
    Response r = post("/api/v1/sessions", body);
    if (r.status == 200) {
      std::string sc = r.header("set-cookie");
      auto eq = sc.find('=');
      session = sc.substr(eq + 1, sc.find(';') - eq - 1);
      csrf = r.json()["csrf_token"];
    }
    return r;
  }

  static size_t on_body(char* p, size_t s, size_t n, void* out) {
    static_cast<std::string*>(out)->append(p, s * n);
    return s * n;
  }
  static size_t on_header(char* p, size_t s, size_t n, void* out) {
    std::string line(p, s * n);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& ch : name) ch = char(std::tolower(static_cast<unsigned char>(ch)));
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      value.erase(value.find_last_not_of("\r\n") + 1);
      static_cast<std::multimap<std::string, std::string>*>(out)->emplace(name, value);
    }
    return s * n;
  }

 private:
  static int rand_byte() { return static_cast<unsigned char>(crypto::random_bytes(1)[0]); }
  std::string base_;
  std::string ip_;
};

struct Mail {
  std::string raw;   // as received, headers included
  std::string text;  // the decoded body
};

/// Every mail to `to` in the SMTP sink's Maildir.
inline std::vector<Mail> mails(const std::string& to) {
  std::vector<Mail> out;
  auto dir = std::filesystem::path(env("MAILDIR")) / "new";
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(f.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string raw = ss.str();
    if (raw.find("\nTo: " + to + "\n") == std::string::npos) continue;
    // The body part is base64 after its headers' blank line.
    auto enc = raw.find("Content-Transfer-Encoding: base64");
    if (enc == std::string::npos) continue;
    auto start = raw.find("\n\n", enc);
    auto end = raw.find("\n--", start);
    std::string b64;
    for (char ch : raw.substr(start + 2, end - start - 2))
      if (!std::isspace(static_cast<unsigned char>(ch))) b64 += ch;
    if (auto text = crypto::base64_decode(b64)) out.push_back({std::move(raw), std::move(*text)});
  }
  return out;
}

/// The decoded texts of every mail to `to`.
inline std::vector<std::string> mail_texts(const std::string& to) {
  std::vector<std::string> out;
  for (auto& m : mails(to)) out.push_back(std::move(m.text));
  return out;
}

/// Waits for a mail to `to` whose text contains `contains` and returns its text.
/// Maildir file order is unspecified, so callers pick their mail by content, not by position.
inline std::optional<std::string> wait_for_mail(const std::string& to, std::string_view contains = "",
                                                std::chrono::seconds wait = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  do {
    for (auto& text : mail_texts(to))
      if (text.find(contains) != std::string::npos) return std::move(text);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  return std::nullopt;
}

/// Whether `done()` holds within `wait` (asked every 100 ms): for effects that travel
/// through the outbox to another service.
template <class F>
bool eventually(F&& done, std::chrono::seconds wait = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

/// How many mails to `to` there are (whose text contains `contains`, when given).
inline size_t mail_count(const std::string& to, std::string_view contains = "") {
  auto texts = mail_texts(to);
  return size_t(std::count_if(texts.begin(), texts.end(),
                              [&](const std::string& t) { return t.find(contains) != std::string::npos; }));
}

/// The number of mails to `to` containing `contains` once it has reached `expected` (or
/// 20 s passed) and then stayed put for 2 s: for tests that prove a mail was NOT sent.
inline size_t settled_mail_count(const std::string& to, std::string_view contains, size_t expected) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (mail_count(to, contains) < expected && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  return mail_count(to, contains);
}

inline std::string token_in(const std::string& text) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex("token=([A-Za-z0-9_-]+)"))) throw std::runtime_error("no token in mail");
  return m[1];
}

inline const char* kPassword = "Hagi-Castle*Sunset!47";

/// Registers and verifies a member; returns its login id and e-mail.
inline std::pair<std::string, std::string> verified_member(Client& c) {
  std::string login = unique("m_");
  std::string mail = login + "@example.jp";
  Response r = c.post("/api/v1/accounts", {{"login_id", login}, {"password", kPassword}, {"email", mail}});
  if (r.status != 202) throw std::runtime_error("register: " + r.body);
  auto text = wait_for_mail(mail, "/accounts/verify?token=");
  if (!text) throw std::runtime_error("no verification mail");
  r = c.post("/api/v1/accounts/verify", {{"token", token_in(*text)}});
  if (r.status != 200) throw std::runtime_error("verify: " + r.body);
  return {login, mail};
}

/// POSTs multipart/form-data: the text `fields`, then the part "file" named `filename`.
inline Response post_form(Client& c, const std::string& path, const std::vector<std::pair<std::string, std::string>>& fields,
                          const std::string& filename, const std::string& declared_type, const std::string& data) {
  std::string b = "civicBoundary7MA4YWxk", body;
  for (const auto& [name, value] : fields)
    body += "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
  body += "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
          "\"\r\nContent-Type: " + declared_type + "\r\n\r\n" + data + "\r\n--" + b + "--\r\n";
  return c.request("POST", path, body, {"Content-Type: multipart/form-data; boundary=" + b});
}

// Staff helpers; they use Catch assertions, so include this after catch.hpp.

/// Runs `auth_server create-admin` against the test stack's auth database, as an operator
/// would, and returns the temporary password it prints once.
inline std::string create_admin(const std::string& login) {
  setenv("DATABASE_URL", env("AUTH_DATABASE_URL").c_str(), 1);
  setenv("LOG_LEVEL", "error", 1);
  setenv("MIGRATE_ON_START", "false", 1);
  std::string command = env("AUTH_SERVER_BIN") + " create-admin " + login + " " + login + "@pref.example.jp";
  FILE* out = popen(command.c_str(), "r");  // login is [a-z0-9_] made by the test itself
  REQUIRE(out);
  std::string text;
  char buf[256];
  while (size_t n = fread(buf, 1, sizeof buf, out)) text.append(buf, n);
  REQUIRE(pclose(out) == 0);
  auto colon = text.rfind(": ");
  REQUIRE(colon != std::string::npos);
  std::string password = text.substr(colon + 2);
  password.erase(password.find_last_not_of("\r\n ") + 1);
  return password;
}

inline std::string code_at(const std::string& base32_secret, int64_t offset_seconds = 0) {
  auto key = crypto::base32_decode(base32_secret);
  REQUIRE(key);
  return totp::at(*key, int64_t(std::time(nullptr)) + offset_seconds);
}

inline const char* kAdminPassword = "Shimonoseki-Fugu#Bridge58";

/// A fully set-up admin: password changed and TOTP enrolled. Returns its TOTP secret.
inline std::string ready_admin(Client& admin, const std::string& login) {
  std::string temporary = create_admin(login);
  REQUIRE(admin.login(login, temporary).status == 200);
  REQUIRE(admin.post("/api/v1/me/password", {{"current_password", temporary}, {"new_password", kAdminPassword}}).status == 200);
  Response enrol = admin.post("/api/v1/me/totp");
  REQUIRE(enrol.status == 200);
  std::string secret = enrol.json()["secret"];
  REQUIRE(admin.post("/api/v1/me/totp/confirm", {{"code", code_at(secret)}}).status == 200);
  return secret;
}


/// An editor created by `admin` and fully set up (password changed, TOTP enrolled), so
/// its role is in force; logged in on `editor`.
inline void ready_editor(Client& admin, Client& editor, const std::string& login) {
  Response created = admin.post("/api/v1/admin/accounts",
                                {{"login_id", login}, {"email", login + "@pref.example.jp"}, {"roles", {"editor"}}});
  REQUIRE(created.status == 201);
  std::string temporary = created.json()["temporary_password"];
  REQUIRE(editor.login(login, temporary).status == 200);
  REQUIRE(editor.post("/api/v1/me/password", {{"current_password", temporary}, {"new_password", kAdminPassword}}).status == 200);
  Response enrol = editor.post("/api/v1/me/totp");
  REQUIRE(enrol.status == 200);
  REQUIRE(editor.post("/api/v1/me/totp/confirm", {{"code", code_at(enrol.json()["secret"])}}).status == 200);
}

} // namespace civic::e2e
