#include "notification/line_api.h"

#include <curl/curl.h>

#include <cstdlib>
#include <memory>

namespace civic::notification {
namespace {
size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}
size_t header_line(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  std::string lower = line.substr(0, 12);
  for (auto& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "retry-after:") *static_cast<int*>(out) = std::atoi(line.c_str() + 12);
  return size * n;
}
} // namespace

LineApi::LineApi(std::string base_url, std::string channel_token, long timeout_seconds)
    : base_(std::move(base_url)), token_(std::move(channel_token)), timeout_(timeout_seconds) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
}

LineAnswer LineApi::request(const char* method, const std::string& path, const std::string& body,
                            const std::string& retry_key) const {
  LineAnswer a;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return {0, "", 0, "curl init failed"};
  CURL* c = curl.get();
  curl_slist* headers = curl_slist_append(nullptr, ("Authorization: Bearer " + token_).c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  if (!retry_key.empty()) headers = curl_slist_append(headers, ("X-Line-Retry-Key: " + retry_key).c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> guard(headers, curl_slist_free_all);
  std::string url = base_ + path;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  if (std::string_view(method) == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, long(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_line);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &a.retry_after);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    a.error = curl_easy_strerror(rc);
    return a;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.status);
  if (a.body.size() > 4096) a.body.resize(4096);
  return a;
}

LineAnswer LineApi::multicast(const std::vector<std::string>& user_ids, const nlohmann::json& messages,
                              const std::string& retry_key) const {
  nlohmann::json body = {{"to", user_ids}, {"messages", messages}};
  return request("POST", "/v2/bot/message/multicast", body.dump(), retry_key);
}

LineAnswer LineApi::reply(const std::string& reply_token, const nlohmann::json& messages) const {
  nlohmann::json body = {{"replyToken", reply_token}, {"messages", messages}};
  return request("POST", "/v2/bot/message/reply", body.dump(), "");
}

std::optional<LineQuota> LineApi::quota() const {
  LineAnswer q = request("GET", "/v2/bot/message/quota", "", "");
  LineAnswer c = request("GET", "/v2/bot/message/quota/consumption", "", "");
  auto qj = nlohmann::json::parse(q.body, nullptr, false), cj = nlohmann::json::parse(c.body, nullptr, false);
  if (!q.ok() || !c.ok() || !qj.is_object() || !cj.is_object() || !qj.contains("type") || !qj["type"].is_string() ||
      !cj.contains("totalUsage") || !cj["totalUsage"].is_number_integer())
    return std::nullopt;
  LineQuota out{qj["type"].get<std::string>(), 0, cj["totalUsage"].get<int64_t>()};
  if (out.type == "limited") {
    if (!qj.contains("value") || !qj["value"].is_number_integer()) return std::nullopt;
    out.limit = qj["value"].get<int64_t>();
  }
  return out;
}

} // namespace civic::notification
