// HTTP/1.1 message framing (RFC 9112) for the gateway's front: a strict request-head
// parser, a chunked-body decoder and the response serialiser. No I/O, so each is
// unit-tested and fuzzed alone; http_server.cpp feeds them bytes from the sockets.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace civic::gateway::http1 {

struct Limits {
  size_t max_request_line = 8192;   ///< longer request line: 414
  size_t max_head_bytes = 32768;    ///< longer header section: 431
  size_t max_header_count = 100;    ///< more header fields: 431
};

/// A parsed request head. Header names are lower-cased; repeated fields are joined
/// as RFC 9110 section 5.3 says (", "; cookies with "; ").
struct Head {
  std::string method;
  std::string path;   ///< the target's path, as sent (percent-encoded)
  std::string query;  ///< after '?', as sent; empty when none
  int minor_version = 1;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<size_t> content_length;  ///< never set together with `chunked`
  bool chunked = false;
  bool keep_alive = true;        ///< HTTP/1.1 unless "close"; HTTP/1.0 only with "keep-alive"
  bool expect_continue = false;  ///< "Expect: 100-continue"
  size_t size = 0;               ///< bytes of the head, including the empty line

  /// The value of header `name` (lower-case), or "".
  std::string_view header(std::string_view name) const;
  bool has_body() const { return chunked || content_length.value_or(0) > 0; }
};

/// Why a head is refused: the status to answer and a short reason code.
struct Refusal {
  int status;
  std::string reason;
};

/// Parses the request head at the start of `buf`. Returns monostate while the head is
/// incomplete, the Head once its empty line arrived, or a Refusal for anything RFC 9112
/// lets a server refuse and that smuggling relies on: bare CR or LF, obs-fold, space
/// before a colon, a token or value with forbidden bytes, a missing or repeated Host,
/// Content-Length that is not plain digits or comes twice, Transfer-Encoding with
/// Content-Length or on HTTP/1.0, a transfer coding other than chunked (501), an
/// unknown expectation (417), a version other than 1.0/1.1 (505), over-long request
/// lines (414) and header sections (431). Singleton fields used for security decisions
/// (Content-Type, Origin, X-CSRF-Token, X-Request-Id, Authorization, Expect)
/// may appear once only.
std::variant<std::monostate, Head, Refusal> parse_head(std::string_view buf, const Limits& limits);

/// Incremental decoder of a chunked body (RFC 9112 section 7.1). Chunk extensions and
/// trailer fields are read and dropped.
class ChunkedDecoder {
 public:
  enum class Result { more, done, too_large, malformed };
  /// Consumes what it can of `in` (which must start where the last call stopped),
  /// appends data to `body`, and reports how many bytes of `in` it used in `used`.
  Result feed(std::string_view in, std::string& body, size_t max_body, size_t& used);

 private:
  enum class State { size, data, data_crlf, trailer } state_ = State::size;
  size_t remaining_ = 0;
  size_t trailer_bytes_ = 0;
};

/// `s` with ASCII letters lower-cased (header names, tokens; other bytes as they are).
std::string lower(std::string_view s);

/// `s` without leading and trailing spaces and tabs (optional whitespace, RFC 9110 5.6.3).
std::string_view trim(std::string_view s);

/// The elements of a comma-separated field value (RFC 9110 5.6.1), each without its
/// surrounding spaces and tabs; empty elements are kept (callers ignore them).
std::vector<std::string_view> list_items(std::string_view value);

/// The reason phrase of a status ("Not Found"); "Unknown" for unlisted codes.
const char* reason_phrase(int status);

/// Status line and header fields of a response, ending with the empty line. Adds
/// Content-Length (unless 1xx/204/304) and Connection: close when `keep_alive` is false.
std::string serialize_head(int status, const std::vector<std::pair<std::string, std::string>>& headers,
                           std::string_view content_type, size_t body_size, bool keep_alive);

} // namespace civic::gateway::http1

namespace civic::gateway {
/// The value of cookie `name` in a Cookie header, or "".
std::string cookie_value(std::string_view header, std::string_view name);
} // namespace civic::gateway
