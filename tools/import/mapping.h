// The declarative mapping of the former system's data to the services' import calls
// (issue 15 item 2): one JSON file per kind of record under tools/import/mapping/ names
// where the records are — a CSV file of the hand-over, or a table of the WordPress dump
// (rows filtered by column values, with each row's meta keys and taxonomy terms) — the
// import call that takes them, which source column becomes which field of the call's
// request (a path such as "grant.name" or "meta.legacy_id"), how values translate (old
// labels to codes), how they are normalised, which fields name another imported record
// by its legacy id, and which are personal (masked in the report). When the real column
// names arrive, adapting to them is an edit of these files, not of C++.
//
//   {"entity": "grants", "order": 40, "call": "civic.grants.GrantsService/ImportGrant",
//    "table": {"name": "wp_posts", "id": "ID", "where": {"post_type": ["grant"]},
//              "meta": {"table": "wp_postmeta", "id": "post_id"}, "terms": "wp_"},
//    "columns": {"meta.legacy_id": "ID", "grant.name": "post_title", "grant.funder": "meta:funder",
//                "grant.fields": "terms:grant_field", ...},
//    "defaults": {"grant.target_area": "prefecture"},
//    "values": {"meta.state": "@post_status", "grant.fields": {"保健・医療・福祉": "f01", ...}},
//    "types": {"meta.created_at": "date", "grant.fields": "list", "grant.purpose": "html"},
//    "links": {}, "personal": []}
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

namespace civic::import {

/// Rows of one table of the dump: `name`, filtered to rows whose columns hold one of the
/// values in `where`; `id` the row's id column, which keys its meta rows (`meta_table`,
/// by `meta_id`: columns "meta:<key>") and its taxonomy terms (WordPress tables with
/// prefix `terms_prefix`: columns "terms:<taxonomy>", names joined by "|").
struct TableSource {
  std::string name, id;
  std::map<std::string, std::vector<std::string>> where;
  std::string meta_table, meta_id, terms_prefix;
};

struct Mapping {
  std::string name;    // the mapping's file name without .json, in messages
  std::string entity;  // what the records are (grants, organizations, ...): the report's 対象, and the target of links
  int order = 0;       // entities import in this order (what others link to first)
  std::string call;    // the import call: "civic.grants.GrantsService/ImportGrant"
  std::string file;    // a CSV file in the --csv directory, or
  TableSource table;   // a table of the --dump (table.name set)
  std::map<std::string, std::string> columns;                        // field path -> CSV header / column
  std::map<std::string, std::string> defaults;                       // field -> value when empty or without a column
  std::map<std::string, std::map<std::string, std::string>> values;  // field -> (old label -> code); "@name": values/name.json
  std::map<std::string, std::string> types;    // field -> date | phone | postal_code | flag | int | list | html
  std::map<std::string, std::string> links;    // field -> entity whose legacy id the value is
  std::set<std::string> personal;              // masked in the report
  bool from_dump() const { return !table.name.empty(); }
};

/// Every *.json in `dir`, in import order; throws std::runtime_error naming the file and
/// what is wrong with it.
std::vector<Mapping> load_mappings(const std::string& dir);

/// One record's fields by the mapping, from a header and a record: translated and
/// normalised. Each problem is added to `problems` as (field, reason); the value given
/// is in `given` for the report. A "list" field holds its items joined by kListSeparator.
struct Row {
  std::map<std::string, std::string> fields;
  std::map<std::string, std::string> given;                    // as the source had them
  std::vector<std::pair<std::string, std::string>> problems;   // field, reason (Japanese)
  std::vector<std::string> changed;                            // fields normalised to another text
};
inline constexpr char kListSeparator = '\x1f';
Row map_row(const Mapping& m, const std::map<std::string, size_t>& header, const std::vector<std::string>& record);

/// The mapping's field a service's field error names: the field itself, or the one
/// path ending in ".<field>" ("title" of ImportGrant is "grant.title"); else `field`.
std::string field_of(const Mapping& m, const std::string& field);

} // namespace civic::import
