#include "import/report.h"

#include "core/csv.h"

namespace civic::import {

void Report::rejected(const std::string& entity, const std::string& source, const std::string& legacy_id,
                      const std::string& field, const std::string& reason, const std::string& value) {
  lines_.push_back({"却下", entity, source, legacy_id, field, reason, value});
}

void Report::changed(const std::string& entity, const std::string& source, const std::string& legacy_id,
                     const std::string& field, const std::string& from, const std::string& to) {
  lines_.push_back({"変更", entity, source, legacy_id, field, "「" + from + "」を「" + to + "」にしました", from});
}

Counts& Report::counts(const std::string& entity) {
  for (auto& [name, c] : counts_)
    if (name == entity) return c;
  return counts_.emplace_back(entity, Counts{}).second;
}

std::string Report::csv() const {
  std::string out(csv::kBom);
  out += csv::row({"区分", "対象", "出典", "旧ID", "項目", "理由", "元の値"});
  for (const auto& l : lines_) out += csv::row({l.kind, l.entity, l.source, l.legacy_id, l.field, l.reason, l.value});
  out += csv::row({});
  out += csv::row({"対象", "読込", "新規", "更新", "変更なし", "却下"});
  for (const auto& [entity, c] : counts_)
    out += csv::row({entity, std::to_string(c.read), std::to_string(c.created), std::to_string(c.updated),
                     std::to_string(c.unchanged), std::to_string(c.rejected)});
  return out;
}

std::string Report::summary() const {
  std::string out;
  for (const auto& [entity, c] : counts_)
    out += entity + ": read " + std::to_string(c.read) + ", created " + std::to_string(c.created) + ", updated " +
           std::to_string(c.updated) + ", unchanged " + std::to_string(c.unchanged) + ", rejected " +
           std::to_string(c.rejected) +
           (c.seconds > 0 ? ", " + std::to_string(int(c.read / c.seconds)) + " rows/s" : "") + "\n";
  return out;
}

} // namespace civic::import
