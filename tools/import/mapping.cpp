#include "import/mapping.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>

#include "core/validation.h"
#include "import/values.h"

namespace civic::import {
namespace {

const std::set<std::string> kTypes = {"date", "phone", "postal_code", "flag", "int", "list", "html"};

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

// Table and column names go into SQL text (values never do): plain identifiers only.
std::string identifier(const nlohmann::json& j, const std::string& what) {
  static const std::regex kIdentifier("[A-Za-z_][A-Za-z0-9_]{0,63}");
  std::string s = j.get<std::string>();
  if (!std::regex_match(s, kIdentifier)) throw std::runtime_error(what + ": not a plain table or column name: " + s);
  return s;
}

TableSource table_of(const nlohmann::json& j) {
  TableSource t;
  t.name = identifier(j.at("name"), "table.name");
  t.id = identifier(j.at("id"), "table.id");
  nlohmann::json where = j.value("where", nlohmann::json::object());
  for (auto it = where.begin(); it != where.end(); ++it) {
    (void)identifier(it.key(), "table.where");
    t.where[it.key()] = it.value().get<std::vector<std::string>>();
  }
  if (j.contains("meta")) {
    t.meta_table = identifier(j["meta"].at("table"), "table.meta.table");
    t.meta_id = identifier(j["meta"].at("id"), "table.meta.id");
  }
  if (j.contains("terms")) {
    t.terms_prefix = j["terms"].get<std::string>();
    if (!t.terms_prefix.empty()) (void)identifier(t.terms_prefix + "terms", "table.terms");
  }
  return t;
}

// Items of a list as people and WordPress write them: "a|b", "a,b", "a、b", one per line.
std::vector<std::string> items_of(const std::string& value) {
  std::string s = value;
  for (const char* sep : {"、", "，", ",", "\n", "\r"})
    for (size_t at; (at = s.find(sep)) != std::string::npos;) s.replace(at, std::string_view(sep).size(), "|");
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('|', start);
    std::string item = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty() && std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// One value through the field's label map: the code, or nullopt with the problem added.
std::optional<std::string> translated(const Mapping& m, const std::string& field, const std::string& value, Row& row) {
  auto labels = m.values.find(field);
  if (labels == m.values.end()) return value;
  auto code = labels->second.find(value);
  if (code != labels->second.end()) return code->second;
  row.problems.push_back({field, "「" + value + "」は対応表（values." + field + "）にありません"});
  return std::nullopt;
}

Value typed(const std::string& type, const std::string& value) {
  // A date may come with its time (WordPress's post_date): kept as it is.
  if (type == "date") return validation::is_timestamp(value) ? Value{value, ""} : date(value);
  if (type == "phone") return phone(value);
  if (type == "postal_code") return postal_code(value);
  if (type == "int") return integer(value);
  if (type == "html") return Value{html_to_text(value), ""};
  if (value == "1" || value == "true" || value == "はい" || value == "済") return {"true", ""};
  if (value == "0" || value == "false" || value == "いいえ" || value == "未") return {"false", ""};
  return {std::nullopt, "「はい」か「いいえ」（1 か 0）で指定してください"};
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
      m.name = path.stem().string();
      m.entity = j.at("entity").get<std::string>();
      m.order = j.value("order", 0);
      m.call = j.at("call").get<std::string>();
      if (j.contains("file") == j.contains("table")) throw std::runtime_error("name either a file or a table");
      if (j.contains("file")) m.file = j["file"].get<std::string>();
      else m.table = table_of(j["table"]);
      m.columns = strings(j.at("columns"), "columns");
      m.defaults = strings(j.value("defaults", nlohmann::json()), "defaults");
      m.types = strings(j.value("types", nlohmann::json()), "types");
      for (const auto& [field, type] : m.types)
        if (!kTypes.count(type)) throw std::runtime_error("types." + field + ": unknown type " + type);
      m.links = strings(j.value("links", nlohmann::json()), "links");
      nlohmann::json values = j.value("values", nlohmann::json::object());
      for (auto it = values.begin(); it != values.end(); ++it) {
        // "@fields": the shared table values/fields.json (one list of labels for every mapping).
        nlohmann::json table = it.value();
        if (table.is_string() && table.get<std::string>().rfind('@', 0) == 0) {
          std::filesystem::path shared = path.parent_path() / "values" / (table.get<std::string>().substr(1) + ".json");
          std::ifstream shared_in(shared);
          if (!shared_in) throw std::runtime_error("values." + it.key() + ": no " + shared.string());
          table = nlohmann::json::parse(shared_in);
        }
        m.values[it.key()] = strings(table, "values." + it.key());
      }
      for (const auto& p : j.value("personal", nlohmann::json::array())) m.personal.insert(p.get<std::string>());
      if (!m.columns.count("meta.legacy_id")) throw std::runtime_error("columns must name meta.legacy_id");
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
  std::set<std::string> fields;
  for (const auto& [field, column] : m.columns) fields.insert(field);
  for (const auto& [field, value] : m.defaults) fields.insert(field);  // a default without a column: a constant
  for (const auto& field : fields) {
    std::string value;
    if (auto column = m.columns.find(field); column != m.columns.end())
      if (auto at = header.find(column->second); at != header.end() && at->second < record.size())
        value = record[at->second];
    // Spaces around a value are never meant (Excel pads; people type them).
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    row.given[field] = value;
    auto type = m.types.find(field);
    // WordPress writes "no date" as zeros.
    if (type != m.types.end() && type->second == "date" && value.rfind("0000-00-00", 0) == 0) value.clear();
    if (value.empty()) {
      if (auto d = m.defaults.find(field); d != m.defaults.end()) value = d->second;
      row.fields[field] = value;
      continue;
    }
    if (type != m.types.end() && type->second == "list") {
      std::string joined;
      bool ok = true;
      for (const auto& item : items_of(value)) {
        auto code = translated(m, field, item, row);
        if (!code) ok = false;
        else joined += (joined.empty() ? "" : std::string(1, kListSeparator)) + *code;
      }
      if (ok) row.fields[field] = joined;
      continue;
    }
    auto code = translated(m, field, value, row);
    if (!code) continue;
    value = *code;
    if (type != m.types.end()) {
      Value v = typed(type->second, value);
      if (!v.value) {
        row.problems.push_back({field, v.reason});
        continue;
      }
      if (*v.value != value && type->second != "flag" && type->second != "html") row.changed.push_back(field);
      value = *v.value;
    }
    row.fields[field] = value;
  }
  return row;
}

std::string field_of(const Mapping& m, const std::string& field) {
  if (m.columns.count(field) || m.defaults.count(field)) return field;
  std::string found;
  for (const auto& [path, column] : m.columns)
    if (path.size() > field.size() && path.compare(path.size() - field.size(), field.size(), field) == 0 &&
        path[path.size() - field.size() - 1] == '.') {
      if (!found.empty()) return field;  // ambiguous
      found = path;
    }
  return found.empty() ? field : found;
}

} // namespace civic::import
