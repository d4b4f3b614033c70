// tools/import (issue 15, OPS-5): the former system's data — the WordPress MySQL dump
// and the CSV files of the hand-over — entered through the services' import calls, with
// a row-level report.
//
//   civic_import [--dump FILE.sql] [--csv DIR] --report FILE.csv [--mapping DIR]
//                [--encoding auto|utf-8|cp932] [--work DIR] [--jobs N] [--dry-run]
//
// Each mapping (tools/import/mapping/*.json, in their order) names a CSV file in DIR or
// a table of the dump, and the import call taking its records. The dump is loaded into
// a throwaway MariaDB (mariadb.h). Every record is read, mapped, normalised, its links
// (legacy ids of records imported before it) resolved, and handed to its service; what
// is refused or changed goes to the report with its source. A re-run is safe and
// resumes an interrupted one: every call is idempotent by legacy id. --dry-run checks
// every record as for real and writes nothing.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "core/log.h"
#include "import/csv.h"
#include "import/mapping.h"
#include "import/mariadb.h"
#include "import/report.h"
#include "import/services.h"

using namespace civic;
using namespace civic::import;

namespace {

struct Options {
  std::string dump, csv_dir, report, mapping_dir = CIVIC_IMPORT_MAPPING_DIR, encoding = "auto", work_dir = ".run/import";
  bool dry_run = false;
  int jobs = 4;  // import calls at a time
};

int usage(const std::string& problem) {
  std::cerr << "civic_import: " << problem << "\n"
            << "usage: civic_import [--dump FILE.sql] [--csv DIR] --report FILE.csv [--mapping DIR]\n"
               "                    [--encoding auto|utf-8|cp932] [--work DIR] [--jobs N] [--dry-run]\n";
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
  // Called a few times a second and at the end: a redrawn line on a terminal, a line per
  // 1,000 records otherwise.
  void step(size_t done) {
    bool tty = isatty(STDOUT_FILENO);
    if (done == shown_ || (!tty && done / 1000 == shown_ / 1000 && done != total_)) return;
    shown_ = done;
    double secs = seconds();
    double eta = done ? secs / double(done) * double(total_ - done) : 0;
    std::ostringstream line;
    line << entity_ << ": " << done << "/" << total_ << " (" << int(secs) << " s, about " << int(eta) << " s left)";
    std::cout << (tty ? "\r" : "") << line.str() << (tty && done != total_ ? "" : "\n") << std::flush;
  }
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::string entity_;
  size_t total_, shown_ = SIZE_MAX;  // nothing shown yet
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// The records of a CSV mapping's file: header first. nullopt when the file is not there.
std::optional<std::vector<Record>> csv_records(const Mapping& m, const Options& o) {
  std::filesystem::path path = std::filesystem::path(o.csv_dir) / m.file;
  if (!std::filesystem::exists(path)) return std::nullopt;
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
  return records;
}

class Importer {
 public:
  Importer(const Options& o, Services& services, Report& report) : o_(o), services_(services), report_(report) {}

  void run(const Mapping& m, const std::vector<Record>& records) {
    std::map<std::string, size_t> header;
    for (size_t i = 0; i < records[0].fields.size(); ++i) header[records[0].fields[i]] = i;
    std::string missing;
    // A meta key or taxonomy no row has is simply empty; a table column or CSV header must be there.
    auto optional = [&](const std::string& c) { return m.from_dump() && (c.rfind("meta:", 0) == 0 || c.rfind("terms:", 0) == 0); };
    for (const auto& [field, column] : m.columns)
      if (!header.count(column) && !optional(column)) missing += (missing.empty() ? "" : "、") + column;
    if (!missing.empty())
      throw std::runtime_error((m.from_dump() ? m.table.name : m.file) + ": the columns " + missing +
                               " are missing (mapping " + m.name + ".json)");
    Progress progress(m.entity, records.size() - 1);
    // Read, mapped and linked in order; the calls of one entity run `jobs` at a time (its
    // records are independent: links point to entities imported before it); then
    // reported in order.
    std::vector<Task> tasks(records.size() - 1);
    std::map<std::string, size_t> seen;  // legacy id -> line
    for (size_t i = 1; i < records.size(); ++i) tasks[i - 1] = prepare(m, header, records[i], seen);
    call_all(m, tasks, o_.jobs, progress);
    Counts& counts = report_.counts(m.entity);
    for (auto& t : tasks) finish(m, t, counts);
    counts.seconds += progress.seconds();
  }

 private:
  struct Task {
    Row row;
    std::string legacy_id, source, unreadable;
    Services::Result result;
  };
  const Options& o_;
  Services& services_;
  Report& report_;
  std::map<std::string, std::map<std::string, std::string>> ids_;  // entity -> legacy id -> id here

  Task prepare(const Mapping& m, const std::map<std::string, size_t>& header, const Record& r,
               std::map<std::string, size_t>& seen) {
    Task t;
    t.row = map_row(m, header, r.fields);
    t.legacy_id = t.row.fields["meta.legacy_id"];
    t.source = m.from_dump() ? m.table.name + " " + m.table.id + "=" + t.legacy_id : m.file + ":" + std::to_string(r.line);
    if (!r.error.empty()) {
      t.unreadable = r.error;
      return t;
    }
    if (auto [at, fresh] = seen.emplace(t.legacy_id, r.line); !fresh && !t.legacy_id.empty())
      t.row.problems.push_back({"meta.legacy_id", m.from_dump() ? "旧IDが重複しています"
                                                                : "旧IDが重複しています（" + std::to_string(at->second) +
                                                                      "行目と同じ）"});
    // Links: a legacy id of a record imported before becomes its id here.
    for (const auto& [field, entity] : m.links) {
      std::string& value = t.row.fields[field];
      if (value.empty()) continue;
      auto known = ids_[entity].find(value);
      if (known == ids_[entity].end())
        t.row.problems.push_back({field, "旧ID「" + value + "」の" + entity + "が取り込まれていません"});
      else
        value = known->second;
    }
    return t;
  }

  // The import calls of the tasks that are ready, `jobs` at a time; the first failure to
  // reach a service stops them all and is thrown.
  void call_all(const Mapping& m, std::vector<Task>& tasks, int jobs, Progress& progress) {
    std::atomic<size_t> next{0}, done{0};
    std::atomic<bool> failed{false};
    std::exception_ptr failure;  // written once, under the lock; read after the joins
    std::mutex failure_lock;
    auto worker = [&] {
      for (size_t i; !failed && (i = next++) < tasks.size();) {
        Task& t = tasks[i];
        try {
          if (t.unreadable.empty() && t.row.problems.empty()) t.result = services_.import(m, t.row.fields, o_.dry_run);
        } catch (...) {
          std::lock_guard<std::mutex> hold(failure_lock);
          if (!failure) failure = std::current_exception();
          failed = true;
        }
        ++done;
      }
    };
    std::vector<std::thread> pool;
    for (int k = 0; k < std::max(1, jobs); ++k) pool.emplace_back(worker);
    while (done < tasks.size() && !failed) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      progress.step(done);
    }
    for (auto& th : pool) th.join();
    if (failed) std::rethrow_exception(failure);
    progress.step(tasks.size());
  }

  void finish(const Mapping& m, Task& t, Counts& counts) {
    ++counts.read;
    if (!t.unreadable.empty()) {
      report_.rejected(m.entity, t.source, "", "", t.unreadable, "");
      ++counts.rejected;
      return;
    }
    auto problems = t.row.problems.empty() ? t.result.problems : t.row.problems;
    for (const auto& [field, reason] : problems) {
      std::string f = field_of(m, field);
      report_.rejected(m.entity, t.source, t.legacy_id, f, reason, masked(m, f, t.row.given[f]));
    }
    if (!problems.empty()) {
      ++counts.rejected;
      return;
    }
    ids_[m.entity][t.legacy_id] = t.result.id;
    for (const auto& field : t.row.changed)
      report_.changed(m.entity, t.source, t.legacy_id, field, masked(m, field, t.row.given[field]),
                      masked(m, field, t.row.fields[field]));
    if (t.result.outcome == "created") ++counts.created;
    else if (t.result.outcome == "updated") ++counts.updated;
    else ++counts.unchanged;
  }
};

} // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    auto value = [&]() -> std::string { return i + 1 < args.size() ? args[++i] : ""; };
    if (args[i] == "--dump") o.dump = value();
    else if (args[i] == "--csv") o.csv_dir = value();
    else if (args[i] == "--report") o.report = value();
    else if (args[i] == "--mapping") o.mapping_dir = value();
    else if (args[i] == "--encoding") o.encoding = value();
    else if (args[i] == "--work") o.work_dir = value();
    else if (args[i] == "--dry-run") o.dry_run = true;
    else if (args[i] == "--jobs") o.jobs = std::atoi(value().c_str());
    else return usage("unknown argument " + args[i]);
  }
  if ((o.dump.empty() && o.csv_dir.empty()) || o.report.empty())
    return usage("--report and at least one of --dump and --csv are required");
  if (o.encoding != "auto" && !encoding_named(o.encoding)) return usage("unknown encoding " + o.encoding);
  if (o.jobs < 1 || o.jobs > 16) return usage("--jobs must be 1 to 16");
  log::init("import", "warn");
  try {
    auto mappings = load_mappings(o.mapping_dir);
    Services services;
    std::set<std::string> earlier;  // links point to entities imported before (their ids are known)
    for (const auto& m : mappings) {
      services.check(m);
      for (const auto& [field, entity] : m.links)
        if (!earlier.count(entity))
          throw std::runtime_error("mapping " + m.name + ": links." + field + " names " + entity +
                                   ", which is not imported before it (order)");
      earlier.insert(m.entity);
    }
    std::unique_ptr<ThrowawayMariaDB> legacy;
    if (!o.dump.empty() && !std::filesystem::is_regular_file(o.dump)) throw std::runtime_error(o.dump + ": no such file");
    if (!o.dump.empty()) {
      auto t0 = std::chrono::steady_clock::now();
      std::cout << "loading " << o.dump << " into a throwaway MariaDB..." << std::flush;
      legacy = std::make_unique<ThrowawayMariaDB>(o.work_dir);
      legacy->load(o.dump);
      std::cout << " done in " << int(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count())
                << " s\n";
    }
    Report report;
    Importer importer(o, services, report);
    if (o.dry_run) std::cout << "dry run: every record is checked, nothing is written\n";
    for (const auto& m : mappings) {
      std::optional<std::vector<Record>> records;
      if (m.from_dump() && legacy) records = legacy->rows(m.table);
      else if (!m.from_dump() && !o.csv_dir.empty()) records = csv_records(m, o);
      if (!records) {
        std::cout << m.name << ": " << (m.from_dump() ? "no --dump" : "no " + m.file + " in --csv") << "; skipped\n";
        continue;
      }
      importer.run(m, *records);
    }
    std::ofstream(o.report, std::ios::binary) << report.csv();
    std::cout << report.summary() << "report: " << o.report << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "civic_import: " << e.what() << "\n";
    return 1;
  }
}
