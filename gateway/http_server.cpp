#include "gateway/http_server.h"

#include <sstream>

#include "core/log.h"

namespace civic::gateway {
namespace Http = Pistache::Http;

namespace {
// Pistache 0.0.5 writes only typed headers into a response (raw ones are dropped),
// so every header the gateway sets travels as one of these.
class NamedHeader final : public Http::Header::Header {
 public:
  NamedHeader(std::string name, std::string value) : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& os) const override { os << value_; }
#ifdef SAFE_HEADER_CAST
  uint64_t hash() const override { return std::hash<std::string>{}(name_); }
#endif

 private:
  std::string name_, value_;
};
} // namespace

HttpRequest from_pistache(const Http::Request& request) {
  HttpRequest r;
  r.method = Http::methodString(request.method());
  r.path = request.resource();
  for (auto it = request.query().parameters_begin(); it != request.query().parameters_end(); ++it)
    r.query.emplace_back(it->first, it->second);
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
  };
  for (const auto& h : request.headers().list()) {
    std::ostringstream value;
    h->write(value);
    r.headers[lower(h->name())] = value.str();
  }
  for (const auto& [name, raw] : request.headers().rawList()) r.headers[lower(name)] = raw.value();
  std::string cookies;
  for (const auto& c : request.cookies()) cookies += (cookies.empty() ? "" : "; ") + c.name + "=" + c.value;
  if (!cookies.empty()) r.headers["cookie"] = cookies;
  r.body = request.body();
  r.peer_ip = request.address().host();
  r.http11 = request.version() == Http::Version::Http11;
  return r;
}

void HttpHandler::onRequest(const Http::Request& request, Http::ResponseWriter response) {
  HttpResponse out;
  try {
    if (request.resource() == "/bench/hello") {
      // Bare Pistache baseline for tools/bench: no backend, same headers path.
      out.body = R"({"hello":"world"})";
    } else {
      out = gateway_->handle(from_pistache(request));
    }
  } catch (const std::exception& e) {
    log::error("http_handler_exception", {{"what", e.what()}});
    out.status = 500;
    out.body = R"({"error":{"code":500,"status":"INTERNAL","message":"内部エラーが発生しました","details":[]}})";
  }
  for (const auto& [name, value] : out.headers) {
    if (name == "Connection") {
      // Pistache pre-sets "Connection: Close" when the request names none; HTTP/1.1 means keep-alive.
      response.headers().remove<Http::Header::Connection>();
      response.headers().add<Http::Header::Connection>(Http::ConnectionControl::KeepAlive);
      continue;
    }
    // Values are built by the gateway; CR/LF can never reach here, but refuse them anyway (SEC-9).
    if (value.find_first_of("\r\n") != std::string::npos) continue;
    response.headers().add(std::make_shared<NamedHeader>(name, value));
  }
  if (out.status == 204 || out.body.empty()) {
    response.send(static_cast<Http::Code>(out.status));
    return;
  }
  response.send(static_cast<Http::Code>(out.status), out.body, Http::Mime::MediaType::fromString(out.content_type));
}

} // namespace civic::gateway
