// The declarative mapping of the former system's files to the services' import calls
// (issue 15 item 2): one JSON file per entity under tools/import/mapping/ names the CSV
// file, which column becomes which field, how a field's values translate (old labels to
// codes), how it is normalised, and which fields are personal (masked in the report).
// When the real column names arrive, adapting to them is an edit of these files.
//
//   {"entity": "subscribers", "order": 20, "file": "メルマガ会員.csv",
//    "columns": {"legacy_id": "会員ID", "email": "メールアドレス", ...},
//    "defaults": {"site": "supernet"},
//    "values": {"site": {"スーパーネット": "supernet", ...}},
//    "types": {"subscribed_at": "date"},
//    "personal": ["email"]}
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

namespace civic::import {

struct Mapping {
  std::string entity;  // accounts, subscribers, ...
  int order = 0;       // entities import in this order (logins before what links to them)
  std::string file;    // the CSV file in the --csv directory
  std::map<std::string, std::string> columns;                        // field -> CSV header
  std::map<std::string, std::string> defaults;                       // field -> value when the column is empty
  std::map<std::string, std::map<std::string, std::string>> values;  // field -> (old label -> code)
  std::map<std::string, std::string> types;                          // field -> date | phone | postal_code | flag
  std::set<std::string> personal;                                    // masked in the report
};

/// Every *.json in `dir`, in import order; throws std::runtime_error naming the file and
/// what is wrong with it.
std::vector<Mapping> load_mappings(const std::string& dir);

/// One record's fields by the mapping, from a CSV header and record: translated and
/// normalised. Each problem is added to `problems` as (field, reason); the value
/// given is in `given` for the report.
struct Row {
  std::map<std::string, std::string> fields;
  std::map<std::string, std::string> given;                    // as the file had them
  std::vector<std::pair<std::string, std::string>> problems;   // field, reason (Japanese)
  std::vector<std::string> changed;                            // fields normalised to another text
};
Row map_row(const Mapping& m, const std::map<std::string, size_t>& header, const std::vector<std::string>& record);

} // namespace civic::import
