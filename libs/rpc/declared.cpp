#include "rpc/declared.h"

#include "civic/http_options.pb.h"

namespace civic::rpc {
namespace {
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

bool is_empty(const Message& m, const FieldDescriptor* f) {
  const auto* r = m.GetReflection();
  if (f->is_repeated()) return r->FieldSize(m, f) == 0;
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) return r->GetString(m, f).empty();
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) return !r->HasField(m, f);
  return false;  // a number or a flag is always given (0, false)
}

// One condition of required_when: "site=supernet", "type=group|company",
// "kind!=company" or "anytime=false" on a string or bool field of `m`.
bool term_holds(const Message& m, std::string_view term) {
  auto eq = term.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  bool negated = term[eq - 1] == '!';
  const auto* f = m.GetDescriptor()->FindFieldByName(std::string(term.substr(0, negated ? eq - 1 : eq)));
  if (!f || f->is_repeated()) return false;
  std::string value;
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) value = m.GetReflection()->GetString(m, f);
  else if (f->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) value = m.GetReflection()->GetBool(m, f) ? "true" : "false";
  else return false;
  bool listed = false;
  for (std::string_view values = term.substr(eq + 1); !listed;) {
    auto bar = values.find('|');
    listed = values.substr(0, bar) == value;
    if (bar == std::string_view::npos) break;
    values.remove_prefix(bar + 1);
  }
  return listed != negated;
}

// required_when: clauses separated by "; " of which one must hold, each a
// space-separated list of terms that must all hold.
bool condition_holds(const Message& m, std::string_view condition) {
  while (!condition.empty()) {
    auto semi = condition.find(';');
    std::string_view clause = condition.substr(0, semi);
    bool all = true;
    while (!clause.empty() && all) {
      while (!clause.empty() && clause.front() == ' ') clause.remove_prefix(1);
      auto space = clause.find(' ');
      std::string_view term = clause.substr(0, space);
      if (!term.empty()) all = term_holds(m, term);
      clause = space == std::string_view::npos ? std::string_view() : clause.substr(space + 1);
    }
    if (all) return true;
    condition = semi == std::string_view::npos ? std::string_view() : condition.substr(semi + 1);
  }
  return false;
}
} // namespace

bool declared_required(const Message& m, const FieldDescriptor* f) {
  const FieldRule& rule = f->options().GetExtension(civic::rule);
  return rule.required() || (!rule.required_when().empty() && condition_holds(m, rule.required_when()));
}

std::vector<std::string_view> declared_choices(const FieldDescriptor* f) {
  const FieldRule& rule = f->options().GetExtension(civic::rule);
  return {rule.one_of().begin(), rule.one_of().end()};
}

std::vector<std::string_view> declared_choices(const Message& m, const std::string& field) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(field);
  return f ? declared_choices(f) : std::vector<std::string_view>{};
}

void check_declared(const Message& m, validation::Errors& e, const std::string& at) {
  const auto* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (!f->options().HasExtension(civic::rule)) continue;
    std::string name = at + f->name();
    if (is_empty(m, f)) {
      if (declared_required(m, f)) e.missing(name);
      continue;
    }
    auto choices = declared_choices(f);
    if (choices.empty() || f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) continue;
    if (!f->is_repeated()) {
      e.one_of(name, r->GetString(m, f), choices);
      continue;
    }
    for (int k = 0; k < r->FieldSize(m, f); ++k) {
      e.one_of(name + "[" + std::to_string(k) + "]", r->GetRepeatedString(m, f, k), choices);
    }
  }
}

} // namespace civic::rpc
