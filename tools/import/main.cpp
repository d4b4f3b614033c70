// tools/import (issue 15, OPS-5): the former system's data, handed over as CSV files,
// entered through the services' import calls, with a row-level report.
//
//   civic_import --csv DIR --report FILE.csv [--mapping DIR] [--encoding auto|utf-8|cp932] [--dry-run]
//
// Each mapping (tools/import/mapping/*.json, in their order) names a file in DIR; its
// first record is the header. Every record is read, mapped, normalised and handed to its
// service; what is refused or changed goes to the report with its file and line. A
// re-run is safe and resumes an interrupted one: every call is idempotent by legacy id.
// --dry-run checks every record as for real and writes nothing. Not yet: --dump (the
// WordPress MySQL dump, see docs/import.md).
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "core/log.h"
#include "import/csv.h"
#include "import/mapping.h"
#include "import/report.h"
#include "import/services.h"

using namespace civic;
using namespace civic::import;

namespace {

struct Options {
  std::string csv_dir, report, mapping_dir = CIVIC_IMPORT_MAPPING_DIR, encoding = "auto";
  bool dry_run = false;
};

int usage(const std::string& problem) {
  std::cerr << "civic_import: " << problem << "\n"
            << "usage: civic_import --csv DIR --report FILE.csv [--mapping DIR] [--encoding auto|utf-8|cp932] [--dry-run]\n";
  return 2;
}

std::string masked(const Mapping& m, const std::string& field, const std::string& value) {
  if (!m.personal.count(field)) return value;
  return value.find('@') != std::string::npos ? log::mask_email(value) : log::mask(value);
}

// Plain lines when the output is not a terminal; one line redrawn with an ETA when it is.
class Progress {
 public:
  Progress(std::string entity, size_t total) : entity_(std::move(entity)), total_(total) {}
  void step(size_t done) {
    bool tty = isatty(STDOUT_FILENO);
    if (!tty && done % 1000 != 0 && done != total_) return;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    double eta = done ? secs / double(done) * double(total_ - done) : 0;
    std::ostringstream line;
    line << entity_ << ": " << done << "/" << total_ << " (" << int(secs) << " s, about " << int(eta) << " s left)";
    std::cout << (tty ? "\r" : "") << line.str() << (tty && done != total_ ? "" : "\n") << std::flush;
  }

 private:
  std::string entity_;
  size_t total_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

void import_file(const Mapping& m, const Options& o, Services& services, Report& report) {
  std::filesystem::path path = std::filesystem::path(o.csv_dir) / m.file;
  if (!std::filesystem::exists(path)) {
    std::cout << m.entity << ": " << path.string() << " is not there; skipped\n";
    return;
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::optional<Encoding> encoding = encoding_named(o.encoding);
  if (!encoding) {
    Detection d = detect(bytes);
    std::cout << m.file << ": " << d.reason << "\n";
    if (!d.encoding) throw std::runtime_error(m.file + ": " + d.reason);
    encoding = d.encoding;
  }
  auto records = read_csv(bytes, *encoding);
  if (records.empty() || !records[0].error.empty()) throw std::runtime_error(m.file + ": no readable header line");
  std::map<std::string, size_t> header;
  for (size_t i = 0; i < records[0].fields.size(); ++i) header[records[0].fields[i]] = i;
  std::string missing;
  for (const auto& [field, column] : m.columns)
    if (!header.count(column)) missing += (missing.empty() ? "" : "、") + column;
  if (!missing.empty())
    throw std::runtime_error(m.file + ": the columns " + missing + " are missing (mapping " + m.entity + ".json)");

  Counts& counts = report.counts(m.entity);
  std::map<std::string, size_t> seen;  // legacy id -> line
  Progress progress(m.entity, records.size() - 1);
  for (size_t i = 1; i < records.size(); ++i) {
    const Record& r = records[i];
    std::string source = m.file + ":" + std::to_string(r.line);
    ++counts.read;
    progress.step(i);
    if (!r.error.empty()) {
      report.rejected(m.entity, source, "", "", r.error, "");
      ++counts.rejected;
      continue;
    }
    Row row = map_row(m, header, r.fields);
    std::string legacy_id = row.fields["legacy_id"];
    if (auto [at, fresh] = seen.emplace(legacy_id, r.line); !fresh && !legacy_id.empty())
      row.problems.push_back({"legacy_id", "旧IDが重複しています（" + std::to_string(at->second) + "行目と同じ）"});
    std::vector<std::pair<std::string, std::string>> problems = row.problems;
    Services::Result result;
    if (problems.empty()) {
      result = services.import(m.entity, row.fields, o.dry_run);
      problems = result.problems;
    }
    for (const auto& [field, reason] : problems)
      report.rejected(m.entity, source, legacy_id, field, reason, masked(m, field, row.given[field]));
    if (!problems.empty()) {
      ++counts.rejected;
      continue;
    }
    for (const auto& field : row.changed)
      report.changed(m.entity, source, legacy_id, field, masked(m, field, row.given[field]),
                     masked(m, field, row.fields[field]));
    if (result.outcome == "created") ++counts.created;
    else if (result.outcome == "updated") ++counts.updated;
    else ++counts.unchanged;
  }
}

} // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    auto value = [&]() -> std::string { return i + 1 < args.size() ? args[++i] : ""; };
    if (args[i] == "--csv") o.csv_dir = value();
    else if (args[i] == "--report") o.report = value();
    else if (args[i] == "--mapping") o.mapping_dir = value();
    else if (args[i] == "--encoding") o.encoding = value();
    else if (args[i] == "--dry-run") o.dry_run = true;
    else if (args[i] == "--dump") return usage("--dump (the WordPress MySQL dump) is not supported yet; see docs/import.md");
    else return usage("unknown argument " + args[i]);
  }
  if (o.csv_dir.empty() || o.report.empty()) return usage("--csv and --report are required");
  if (o.encoding != "auto" && !encoding_named(o.encoding)) return usage("unknown encoding " + o.encoding);
  log::init("import", "warn");
  try {
    auto mappings = load_mappings(o.mapping_dir);
    Services services;
    Report report;
    if (o.dry_run) std::cout << "dry run: every record is checked, nothing is written\n";
    for (const auto& m : mappings) {
      if (!Services::knows(m.entity)) {
        std::cout << m.entity << ": no import call yet; skipped\n";
        continue;
      }
      import_file(m, o, services, report);
    }
    std::ofstream(o.report, std::ios::binary) << report.csv();
    std::cout << report.summary() << "report: " << o.report << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "civic_import: " << e.what() << "\n";
    return 1;
  }
}
