// Fuzzes path templates and percent-decoding: the first line is a template (parse may
// refuse it), the rest a path matched against it and against the real route table.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gateway/path_template.h"
#include "gateway/routes.h"

using namespace civic::gateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const RouteTable table = RouteTable::build(served_files());
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view tmpl = in.substr(0, nl), path = nl == std::string_view::npos ? in : in.substr(nl + 1);
  try {
    PathTemplate t = PathTemplate::parse(std::string(tmpl));
    if (auto vars = t.match(path))
      for (const auto& [name, value] : *vars) (void)value;
  } catch (const std::invalid_argument&) {
  }
  (void)table.find("GET", path);
  (void)table.find("POST", path);
  if (auto decoded = percent_decode(path, true))
    if (decoded->size() > path.size()) std::abort();
  return 0;
}
