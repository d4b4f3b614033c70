// The OpenAPI document's `required`, `x-required-when`, `x-required-in-requests` and
// `enum` (from the proto's (civic.rule), issue 18 item 2) are what the services enforce:
// every write whose body declares required fields is sent with them left out (closed sets
// at their first value) and must name exactly those fields; every closed set, in a body or
// a query, is sent a value outside it and must be refused naming it. A rule written in a
// service but not declared, or declared but not checked, fails here.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "client.h"

using namespace civic;
using namespace civic::e2e;
using nlohmann::json;

namespace {
// Rules a service enforces that depend on more than the message (who calls, whether the
// record exists already), so a declaration cannot state them; each says why.
const std::map<std::string, std::set<std::string>> kContextual = {
    // A submission by the public names its submitter; the centre's own records and those
    // carried over from the former system need none (the same messages).
    {"POST /api/v1/events", {"event.submitter_name", "event.submitter_email"}},
    {"POST /api/v1/grants", {"grant.submitter_name", "grant.submitter_email"}},
    {"POST /api/v1/reports", {"report.submitter_name", "report.submitter_email"}},
};

// Routes only another caller than an admin may use, so the probe sees their refusal (403)
// before any field is read; their rules are the same messages' as on other routes.
const std::map<std::string, std::string> kOtherCaller = {
    {"POST /api/v1/recruitments", "a member of a published group that recruits (aikasanet_test)"}};

// Values a probe gives before leaving the rest out, where a rule above needs one to get
// past it: a member joins as an individual.
const std::map<std::string, json> kGiven = {{"profile.type", "individual"}};

struct Document {
  json doc;
  const json& schema(const json& s) const {
    if (s.contains("$ref")) return doc["components"]["schemas"][s["$ref"].get<std::string>().substr(21)];
    if (s.contains("allOf")) return schema(s["allOf"][0]);
    return s;
  }
};

// "site!=aikasanet kind=group|npo; anytime=false" against the values of a skeleton body.
bool holds(const std::string& condition, const json& object) {
  auto value_of = [&](const std::string& field) -> std::string {
    if (!object.contains(field)) return field == "anytime" || field == "prefecture_wide" ? "false" : "";
    const json& v = object[field];
    return v.is_string() ? v.get<std::string>() : v.dump();
  };
  std::stringstream clauses(condition);
  for (std::string clause; std::getline(clauses, clause, ';');) {
    std::stringstream terms(clause);
    bool all = true;
    for (std::string term; terms >> term;) {
      auto eq = term.find('=');
      bool negated = term[eq - 1] == '!';
      std::string field = term.substr(0, negated ? eq - 1 : eq), values = "|" + term.substr(eq + 1) + "|";
      bool listed = values.find("|" + value_of(field) + "|") != std::string::npos;
      all = all && listed != negated;
    }
    if (all) return true;
  }
  return false;
}

// A body of `s` with every required object present (and filled the same way), every closed
// set at its first value and every other field left out; `expected` gets the fields that
// must then be named "required", `choices` every closed set with its path, `flags` the
// numbers and flags.
json skeleton(const Document& d, const json& s, const std::string& at, std::set<std::string>& expected,
              std::map<std::string, std::string>& choices, std::set<std::string>& flags) {
  const json& schema = d.schema(s);
  json out = json::object();
  std::set<std::string> required;
  for (const auto& name : schema.value("required", json::array())) required.insert(name);
  for (const auto& [name, p] : schema["properties"].items()) {
    const json& prop = d.schema(p);
    bool needed = required.count(name) || p.value("x-required-in-requests", false);
    if (auto given = kGiven.find(at + name); given != kGiven.end()) {
      out[name] = given->second;
    } else if (prop.contains("enum")) {
      choices[at + name] = prop["enum"][0];
      if (needed) out[name] = prop["enum"][0];
    } else if (prop.contains("items") && prop["items"].contains("enum")) {
      choices[at + name + "[0]"] = prop["items"]["enum"][0];
      if (needed) out[name] = json::array({prop["items"]["enum"][0]});
    } else if (needed && prop.contains("properties")) {
      out[name] = skeleton(d, p, at + name + ".", expected, choices, flags);
    } else if (needed) {
      expected.insert(at + name);
    }
    // proto3 always carries a number or a flag: a rule that it be positive or true
    // (member_count, guardian_consent) is the service's, not a declaration's.
    if (prop.value("type", "") == "boolean" || prop.value("type", "") == "integer") flags.insert(at + name);
  }
  for (const auto& [name, p] : schema["properties"].items())
    if (p.contains("x-required-when") && !out.contains(name) && holds(p["x-required-when"], out))
      expected.insert(at + name);
  return out;
}

// Sets `path` ("organization.kind", "roles[0]") in `body` to `value`.
void set_at(json& body, const std::string& path, const json& value) {
  json* at = &body;
  std::stringstream parts(path);
  for (std::string part; std::getline(parts, part, '.');) {
    bool element = part.size() > 3 && part.compare(part.size() - 3, 3, "[0]") == 0;
    if (element) part.resize(part.size() - 3);
    at = &(*at)[part];
    if (element) {
      *at = json::array({value});
      return;
    }
  }
  *at = value;
}

// `admin`'s request from an address of its own: the login-class routes (registration,
// password resets) allow a few calls per address and minute.
Response send(const Client& admin, const std::string& method, const std::string& path, const std::string& body = "") {
  Client c;
  c.session = admin.session;
  c.csrf = admin.csrf;
  return c.request(method, path, body);
}

// field -> the reasons it is named with.
std::map<std::string, std::set<std::string>> reasons(const Response& r) {
  std::map<std::string, std::set<std::string>> out;
  if (r.body.empty() || r.body[0] != '{') return out;
  for (const auto& v : r.json()["error"]["details"]) out[v["field"]].insert(v["reason"]);
  return out;
}
} // namespace

TEST_CASE("the OpenAPI's required fields and closed sets are exactly what the services enforce", "[e2e][SEC-7]") {
  Client admin;
  ready_admin(admin, unique("contract_"));
  Document d{admin.get("/api/v1/openapi.json").json()};
  int writes = 0, closed_sets = 0, queries = 0;
  for (const auto& [path, item] : d.doc["paths"].items()) {
    if (path.find('{') != std::string::npos) continue;  // needs a record; the same messages are probed elsewhere
    for (const auto& [verb, op] : item.items()) {
      std::string method = verb;
      for (auto& ch : method) ch = char(std::toupper(static_cast<unsigned char>(ch)));
      std::string route = method + " " + path;
      if (op.value("x-access", "") == "api_client") continue;
      if (verb == "get") {
        // Each query parameter with a closed set, given a value outside it.
        json params = op.value("parameters", json::array());
        for (const auto& p : params) {
          if (p["in"] != "query" || !p["schema"].contains("enum")) continue;
          std::string name = p["name"], query = "?" + name + "=not-a-choice";
          for (const auto& other : params)  // the other required ones, at a valid value
            if (other.value("required", false) && other["in"] == "query" && other["name"] != name)
              query += "&" + other["name"].get<std::string>() + "=" +
                       (other["schema"].contains("enum") ? other["schema"]["enum"][0].get<std::string>() : "x");
          Response r = send(admin, "GET", path + query);
          INFO(route << " ?" << name << " -> " << r.status << " " << r.body);
          CHECK(reasons(r)[name].count("invalid_choice"));
          ++queries;
        }
        continue;
      }
      if (!op.contains("requestBody") || !op["requestBody"]["content"].contains("application/json")) continue;
      std::set<std::string> expected, flags;
      std::map<std::string, std::string> choices;
      json body = skeleton(d, op["requestBody"]["content"]["application/json"]["schema"], "", expected, choices, flags);
      if (expected.empty() && choices.empty()) continue;  // nothing declared: not sent (it might act)
      if (!expected.empty()) {
        Response r = send(admin, method, path, body.dump());
        INFO(route << " " << body.dump() << " -> " << r.status << " " << r.body);
        if (kOtherCaller.count(route)) {
          CHECK(r.status == 403);
          continue;
        }
        REQUIRE(r.status == 400);
        std::set<std::string> named;
        for (const auto& [field, why] : reasons(r))
          if (why.count("required")) named.insert(field);
        if (auto c = kContextual.find(route); c != kContextual.end())
          for (const auto& f : c->second) CHECK(named.erase(f));  // still the service's rule
        for (const auto& f : flags) named.erase(f);
        CHECK(named == expected);
        ++writes;
      }
      for (const auto& [field, first] : choices) {
        json bad = body;
        set_at(bad, field, "not-a-choice");
        Response r = send(admin, method, path, bad.dump());
        INFO(route << " " << bad.dump() << " -> " << r.status << " " << r.body);
        CHECK(reasons(r)[field].count("invalid_choice"));
        ++closed_sets;
      }
    }
  }
  // The probe reached the routes it is meant for (a document that lost its rules would
  // make every loop above empty).
  WARN("probed: " << writes << " writes without their required fields, " << closed_sets
                   << " closed sets in bodies, " << queries << " in queries");
  CHECK(writes >= 15);
  CHECK(closed_sets >= 7);
  CHECK(queries >= 50);
}
