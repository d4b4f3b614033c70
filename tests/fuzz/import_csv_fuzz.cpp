// Fuzzes the import's reading of a handed-over CSV file (issue 15): detection, records
// in both encodings and the value normalisers. Every record read without an error holds
// valid UTF-8; a normalised value is plain ASCII.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/validation.h"
#include "import/csv.h"
#include "import/values.h"

using namespace civic::import;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (detect(in).reason.empty()) std::abort();
  for (Encoding e : {Encoding::utf8, Encoding::cp932})
    for (const auto& r : read_csv(in, e)) {
      if (r.line == 0) std::abort();
      if (!r.error.empty()) continue;
      for (const auto& f : r.fields) {
        if (!civic::validation::valid_utf8(f)) std::abort();
        for (const Value& v : {phone(f), postal_code(f), date(f)}) {
          if (v.value.has_value() == !v.reason.empty()) std::abort();
          if (v.value)
            for (unsigned char c : *v.value)
              if (c >= 0x80) std::abort();
        }
      }
    }
  return 0;
}
