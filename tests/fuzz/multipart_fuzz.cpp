// Fuzzes the multipart/form-data parser: the first line is the Content-Type, the rest
// the body.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gateway/multipart.h"

using namespace civic::gateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  std::string problem;
  std::string_view body = in.substr(nl + 1);
  auto parts = parse_multipart(in.substr(0, nl), body, problem);
  if (!parts && problem.empty()) std::abort();
  if (parts)
    for (const auto& p : *parts)  // every part lies inside the body
      if (p.data.data() < body.data() || p.data.data() + p.data.size() > body.data() + body.size()) std::abort();
  return 0;
}
