#include "gateway/http1.h"

#include <algorithm>
#include <array>

namespace civic::gateway::http1 {
namespace {

// tchar of RFC 9110 section 5.6.2.
constexpr std::array<bool, 256> kToken = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return kToken[static_cast<unsigned char>(c)]; });
}

// field-vchar / SP / HTAB / obs-text: everything but CTLs (and DEL).
bool valid_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\t') || c == 0x7f;
  });
}

// request-target bytes: visible ASCII only (non-ASCII must be percent-encoded).
bool valid_target(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c > 0x20 && c < 0x7f;
  });
}

bool has_token(std::string_view list, std::string_view token) {  // case-insensitive, comma-separated
  for (std::string_view item : list_items(list))
    if (item.size() == token.size() && lower(item) == token) return true;
  return false;
}

constexpr std::string_view kSingletons[] = {"host", "content-length", "transfer-encoding", "content-type", "origin",
                                            "x-csrf-token", "x-request-id", "authorization",
                                            "expect"};

Refusal refuse(int status, std::string reason) { return {status, std::move(reason)}; }
} // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> list_items(std::string_view value) {
  std::vector<std::string_view> items;
  for (size_t start = 0; start <= value.size();) {
    size_t comma = std::min(value.find(',', start), value.size());
    items.push_back(trim(value.substr(start, comma - start)));
    start = comma + 1;
  }
  return items;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Head::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return {};
}

std::variant<std::monostate, Head, Refusal> parse_head(std::string_view buf, const Limits& limits) {
  // A server should ignore empty lines before the request line (RFC 9112 section 2.2).
  size_t start = 0;
  while (start + 1 < buf.size() && buf[start] == '\r' && buf[start + 1] == '\n' && start < 8) start += 2;
  if (start < buf.size() && buf[start] == '\r' && start + 1 == buf.size()) return std::monostate{};

  size_t end = buf.find("\r\n\r\n", start);
  size_t line_end = buf.find("\r\n", start);
  if (line_end == std::string_view::npos) {
    if (buf.size() - start > limits.max_request_line) return refuse(414, "request_line_too_long");
    if (buf.find('\n', start) != std::string_view::npos) return refuse(400, "bare_lf");
    return std::monostate{};
  }
  if (line_end - start > limits.max_request_line) return refuse(414, "request_line_too_long");
  if (end == std::string_view::npos) {
    if (buf.size() - start > limits.max_head_bytes) return refuse(431, "header_section_too_large");
    // Refuse a bare LF as soon as it is seen, before a slow client completes the head.
    for (size_t i = start; i < buf.size(); ++i)
      if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r')) return refuse(400, "bare_lf");
    return std::monostate{};
  }
  if (end + 4 - start > limits.max_head_bytes) return refuse(431, "header_section_too_large");

  Head head;
  head.size = end + 4;
  // Request line: method SP request-target SP HTTP-version.
  std::string_view line = buf.substr(start, line_end - start);
  size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp1 == sp2) return refuse(400, "malformed_request_line");
  std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                   version = line.substr(sp2 + 1);
  if (!is_token(method)) return refuse(400, "malformed_method");
  if (!valid_target(target)) return refuse(400, "malformed_target");
  if (version == "HTTP/1.1") head.minor_version = 1;
  else if (version == "HTTP/1.0") head.minor_version = 0;
  else if (version.size() == 8 && version.substr(0, 5) == "HTTP/" && std::isdigit(static_cast<unsigned char>(version[5])) &&
           version[6] == '.' && std::isdigit(static_cast<unsigned char>(version[7])))
    return refuse(505, "http_version_not_supported");
  else return refuse(400, "malformed_version");
  // absolute-form (RFC 9112 section 3.2.2) is reduced to its path; asterisk-form is
  // left as "*" (OPTIONS *), which matches no route.
  if (target.substr(0, 7) == "http://" || target.substr(0, 8) == "https://") {
    size_t slash = target.find('/', target.find("//") + 2);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  } else if (target.front() != '/' && target != "*") {
    return refuse(400, "malformed_target");
  }
  if (size_t hash = target.find('#'); hash != std::string_view::npos) return refuse(400, "malformed_target");
  size_t q = target.find('?');
  head.method = std::string(method);
  head.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) head.query = std::string(target.substr(q + 1));

  // Header fields.
  bool has_host = false, has_te = false, has_cl = false;
  for (size_t pos = line_end + 2; pos < end + 2;) {
    size_t eol = buf.find("\r\n", pos);
    std::string_view field = buf.substr(pos, eol - pos);
    pos = eol + 2;
    if (field.find_first_of("\r\n") != std::string_view::npos) return refuse(400, "bare_cr_or_lf");
    if (field.front() == ' ' || field.front() == '\t') return refuse(400, "obsolete_line_folding");
    size_t colon = field.find(':');
    if (colon == std::string_view::npos) return refuse(400, "malformed_header");
    std::string_view raw_name = field.substr(0, colon);
    if (!is_token(raw_name)) return refuse(400, "malformed_header_name");  // also catches "Name :"
    std::string_view value = trim(field.substr(colon + 1));
    if (!valid_value(value)) return refuse(400, "malformed_header_value");
    if (head.headers.size() >= limits.max_header_count) return refuse(431, "too_many_headers");
    std::string name = lower(raw_name);
    auto existing = std::find_if(head.headers.begin(), head.headers.end(), [&](const auto& h) { return h.first == name; });
    if (existing != head.headers.end()) {
      if (std::find(std::begin(kSingletons), std::end(kSingletons), name) != std::end(kSingletons))
        return refuse(400, "repeated_" + name);
      existing->second += name == "cookie" ? "; " : ", ";
      existing->second += value;
    } else {
      head.headers.emplace_back(std::move(name), std::string(value));
    }
  }
  for (const auto& [name, value] : head.headers) {
    if (name == "host") {
      has_host = true;
    } else if (name == "content-length") {
      has_cl = true;
      if (value.empty() || value.size() > 15 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return refuse(400, "malformed_content_length");
      head.content_length = std::stoull(value);
    } else if (name == "transfer-encoding") {
      has_te = true;
      if (lower(value) != "chunked") return refuse(501, "unsupported_transfer_coding");
      head.chunked = true;
    } else if (name == "connection") {
      if (has_token(value, "close")) head.keep_alive = false;
      else if (head.minor_version == 0) head.keep_alive = has_token(value, "keep-alive");
    } else if (name == "expect") {
      if (lower(value) != "100-continue") return refuse(417, "unsupported_expectation");
      head.expect_continue = head.minor_version == 1;
    }
  }
  if (head.minor_version == 0 && !head.header("connection").size()) head.keep_alive = false;
  if (has_te && (has_cl || head.minor_version == 0)) return refuse(400, "content_length_with_transfer_encoding");
  if (!has_host && head.minor_version == 1) return refuse(400, "missing_host");
  return head;
}

ChunkedDecoder::Result ChunkedDecoder::feed(std::string_view in, std::string& body, size_t max_body, size_t& used) {
  constexpr size_t kMaxLine = 4096;  // a chunk-size line with extensions, or one trailer field
  used = 0;
  while (used < in.size()) {
    std::string_view rest = in.substr(used);
    switch (state_) {
      case State::size: {
        size_t eol = rest.find("\r\n");
        if (eol == std::string_view::npos) return rest.size() > kMaxLine ? Result::malformed : Result::more;
        if (eol > kMaxLine) return Result::malformed;
        std::string_view line = rest.substr(0, eol);
        std::string_view digits = line.substr(0, line.find(';'));
        if (digits.empty() || digits.size() > 15) return Result::malformed;
        size_t n = 0;
        for (char c : digits) {
          int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
          if (v < 0) return Result::malformed;
          n = n * 16 + size_t(v);
        }
        if (line.find_first_of("\r\n") != std::string_view::npos || !valid_value(line)) return Result::malformed;
        used += eol + 2;
        if (n > max_body || body.size() > max_body - n) return Result::too_large;
        remaining_ = n;
        state_ = n == 0 ? State::trailer : State::data;
        break;
      }
      case State::data: {
        size_t take = std::min(remaining_, rest.size());
        body.append(rest.data(), take);
        used += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::data_crlf;
        break;
      }
      case State::data_crlf:
        if (rest.size() < 2) return Result::more;
        if (rest[0] != '\r' || rest[1] != '\n') return Result::malformed;
        used += 2;
        state_ = State::size;
        break;
      case State::trailer: {
        size_t eol = rest.find("\r\n");
        if (eol == std::string_view::npos) return rest.size() > kMaxLine ? Result::malformed : Result::more;
        trailer_bytes_ += eol + 2;
        if (eol > kMaxLine || trailer_bytes_ > 4 * kMaxLine) return Result::malformed;
        std::string_view field = rest.substr(0, eol);
        if (field.find_first_of("\r\n") != std::string_view::npos || !valid_value(field)) return Result::malformed;
        used += eol + 2;
        if (eol == 0) return Result::done;
        break;
      }
    }
  }
  return Result::more;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 499: return "Client Closed Request";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string serialize_head(int status, const std::vector<std::pair<std::string, std::string>>& headers,
                           std::string_view content_type, size_t body_size, bool keep_alive) {
  std::string out;
  out.reserve(512 + headers.size() * 48);
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\n";
  for (const auto& [name, value] : headers) {
    // Values are built by the gateway; CR/LF can never reach here, but refuse them anyway (SEC-9).
    if (value.find_first_of("\r\n") != std::string::npos || name.find_first_of("\r\n:") != std::string::npos) continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  bool bodiless = status < 200 || status == 204 || status == 304;
  if (!bodiless) {
    if (body_size > 0 && !content_type.empty()) {
      out += "Content-Type: ";
      out += content_type;
      out += "\r\n";
    }
    out += "Content-Length: ";
    out += std::to_string(body_size);
    out += "\r\n";
  }
  out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  out += "\r\n";
  return out;
}

} // namespace civic::gateway::http1

namespace civic::gateway {

std::string cookie_value(std::string_view header_value, std::string_view name) {
  size_t i = 0;
  while (i < header_value.size()) {
    size_t end = header_value.find(';', i);
    if (end == std::string_view::npos) end = header_value.size();
    std::string_view pair = header_value.substr(i, end - i);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
    i = end + 1;
  }
  return "";
}

} // namespace civic::gateway
