// The import's row-level report (issue 15 item 7): every rejected or changed row with
// its source (file and line), legacy id, field, reason (Japanese, as the API's field
// errors) and the value as given — masked for personal items — and a summary per entity
// (read / created / updated / unchanged / rejected), written as Excel-safe CSV (DIR-8).
#pragma once
#include <map>
#include <string>
#include <vector>

namespace civic::import {

struct Counts {
  int read = 0, created = 0, updated = 0, unchanged = 0, rejected = 0;
  double seconds = 0;  // spent on the entity, for the rate in the summary
};

class Report {
 public:
  void rejected(const std::string& entity, const std::string& source, const std::string& legacy_id,
                const std::string& field, const std::string& reason, const std::string& value);
  void changed(const std::string& entity, const std::string& source, const std::string& legacy_id,
               const std::string& field, const std::string& from, const std::string& to);
  Counts& counts(const std::string& entity);
  /// The rows, then the summary, as CSV with a BOM.
  std::string csv() const;
  /// The summary, one line per entity, for the terminal.
  std::string summary() const;

 private:
  struct Line {
    std::string kind, entity, source, legacy_id, field, reason, value;
  };
  std::vector<Line> lines_;
  std::vector<std::pair<std::string, Counts>> counts_;  // in the order first seen
};

} // namespace civic::import
