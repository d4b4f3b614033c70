#include "import/mapping.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/validation.h"
#include "import/values.h"

namespace civic::import {
namespace {

std::map<std::string, std::string> strings(const nlohmann::json& j, const std::string& what) {
  std::map<std::string, std::string> out;
  if (j.is_null()) return out;
  if (!j.is_object()) throw std::runtime_error(what + " must be an object of strings");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string()) throw std::runtime_error(what + "." + it.key() + " must be a string");
    out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

} // namespace

std::vector<Mapping> load_mappings(const std::string& dir) {
  std::vector<Mapping> out;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    try {
      std::ifstream in(path);
      nlohmann::json j = nlohmann::json::parse(in);
      Mapping m;
      m.entity = j.at("entity").get<std::string>();
      m.order = j.value("order", 0);
      m.file = j.at("file").get<std::string>();
      m.columns = strings(j.at("columns"), "columns");
      m.defaults = strings(j.value("defaults", nlohmann::json()), "defaults");
      m.types = strings(j.value("types", nlohmann::json()), "types");
      for (const auto& [field, type] : m.types)
        if (type != "date" && type != "phone" && type != "postal_code" && type != "flag")
          throw std::runtime_error("types." + field + ": unknown type " + type);
      nlohmann::json values = j.value("values", nlohmann::json::object());
      for (auto it = values.begin(); it != values.end(); ++it) m.values[it.key()] = strings(it.value(), "values." + it.key());
      for (const auto& p : j.value("personal", nlohmann::json::array())) m.personal.insert(p.get<std::string>());
      out.push_back(std::move(m));
    } catch (const std::exception& e) {
      throw std::runtime_error(path.string() + ": " + e.what());
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Mapping& a, const Mapping& b) { return a.order < b.order; });
  return out;
}

Row map_row(const Mapping& m, const std::map<std::string, size_t>& header, const std::vector<std::string>& record) {
  Row row;
  for (const auto& [field, column] : m.columns) {
    auto at = header.find(column);
    std::string value = at != header.end() && at->second < record.size() ? record[at->second] : "";
    // Spaces around a value are never meant (Excel pads; people type them).
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    row.given[field] = value;
    if (value.empty()) {
      if (auto d = m.defaults.find(field); d != m.defaults.end()) value = d->second;
      row.fields[field] = value;
      continue;
    }
    if (auto labels = m.values.find(field); labels != m.values.end()) {
      auto code = labels->second.find(value);
      if (code == labels->second.end()) {
        row.problems.push_back({field, "「" + value + "」は対応表（values." + field + "）にありません"});
        continue;
      }
      value = code->second;
    }
    if (auto type = m.types.find(field); type != m.types.end()) {
      Value v;
      // A date may come with its time (WordPress's user_registered): kept as it is.
      if (type->second == "date") v = validation::is_timestamp(value) ? Value{value, ""} : date(value);
      else if (type->second == "phone") v = phone(value);
      else if (type->second == "postal_code") v = postal_code(value);
      else v = value == "1" || value == "true" || value == "はい" || value == "済" ? Value{"true", ""}
             : value == "0" || value == "false" || value == "いいえ" || value == "未" ? Value{"false", ""}
                                                                                  : Value{std::nullopt, "「はい」か「いいえ」（1 か 0）で指定してください"};
      if (!v.value) {
        row.problems.push_back({field, v.reason});
        continue;
      }
      if (*v.value != value && type->second != "flag") row.changed.push_back(field);
      value = *v.value;
    }
    row.fields[field] = value;
  }
  return row;
}

} // namespace civic::import
