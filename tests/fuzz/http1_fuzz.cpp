// Fuzzes the HTTP/1.1 front's framing: request heads, chunked bodies (fed in two
// pieces split where the input says), cookie lookup. Nothing may crash, and what the
// parser accepts must hold together.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gateway/http1.h"

using namespace civic::gateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  http1::Limits limits{.max_request_line = 512, .max_head_bytes = 2048, .max_header_count = 20};
  auto parsed = http1::parse_head(in, limits);
  if (auto* head = std::get_if<http1::Head>(&parsed)) {
    if (head->size > in.size() || head->size > limits.max_head_bytes + 16) std::abort();
    if (head->chunked && head->content_length) std::abort();
    if (head->path.empty() || (head->path[0] != '/' && head->path != "*")) std::abort();
    (void)cookie_value(head->header("cookie"), "s");
    std::string_view rest = in.substr(head->size);
    if (head->chunked) {
      http1::ChunkedDecoder decoder;
      std::string body;
      size_t split = rest.empty() ? 0 : static_cast<unsigned char>(rest[0]) % (rest.size() + 1);
      size_t used = 0;
      auto r = decoder.feed(rest.substr(0, split), body, 1024, used);
      if (used > split) std::abort();
      if (r == http1::ChunkedDecoder::Result::more) {
        r = decoder.feed(rest.substr(used), body, 1024, used);
      }
      if (body.size() > 1024) std::abort();
    }
  } else if (auto* refusal = std::get_if<http1::Refusal>(&parsed)) {
    if (refusal->status < 400 || refusal->status > 505 || refusal->reason.empty()) std::abort();
  }
  return 0;
}
