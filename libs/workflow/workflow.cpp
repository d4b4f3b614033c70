#include "workflow/workflow.h"

#include <array>

namespace civic::workflow {
namespace {

struct Transition {
  std::string_view action;
  State from;
  State to;
};
constexpr std::array<Transition, 8> kTransitions{{
    {"submit", State::draft, State::review},
    {"publish", State::draft, State::published},
    {"publish", State::review, State::published},
    {"reject", State::review, State::draft},
    {"archive", State::draft, State::archived},
    {"archive", State::review, State::archived},
    {"archive", State::published, State::archived},
    {"restore", State::archived, State::draft},
}};

constexpr const char* kRecord =
    "INSERT INTO workflow_history (entity_type, entity_id, action, from_state, to_state, actor, note, changed) "
    "VALUES ($1, $2::uuid, $3, $4, $5, $6::uuid, $7, $8::text[])";
constexpr const char* kHistory =
    "SELECT action, coalesce(from_state, ''), to_state, coalesce(actor::text, ''), note, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), changed "
    "FROM workflow_history WHERE entity_type = $1 AND entity_id = $2::uuid ORDER BY seq";

} // namespace

std::string_view name(State s) {
  switch (s) {
    case State::draft: return "draft";
    case State::review: return "review";
    case State::published: return "published";
    case State::archived: return "archived";
    case State::deleted: return "deleted";
  }
  return "draft";
}

std::optional<State> parse(std::string_view s) {
  for (State st : {State::draft, State::review, State::published, State::archived})
    if (name(st) == s) return st;
  return std::nullopt;
}

std::optional<State> next(State from, std::string_view action) {
  for (const auto& t : kTransitions)
    if (t.action == action && t.from == from) return t.to;
  return std::nullopt;
}

void record(db::Tx& tx, const Change& c, const std::vector<std::string>& changed) {
  std::optional<std::string> from = c.from ? std::optional<std::string>(name(*c.from)) : std::nullopt;
  std::optional<std::string> actor = c.actor.empty() ? std::nullopt : std::optional<std::string>(c.actor);
  tx.exec(kRecord, c.entity_type, c.entity_id, c.action, from, std::string(name(c.to)), actor, c.note, changed);
}

std::vector<HistoryEntry> history(db::Tx& tx, std::string_view entity_type, std::string_view entity_id) {
  std::vector<HistoryEntry> out;
  db::Result r = tx.exec(kHistory, entity_type, entity_id);
  for (int i = 0; i < r.size(); ++i)
    out.push_back({r[i].text(0), r[i].text(1), r[i].text(2), r[i].text(3), r[i].text(4), r[i].text(5),
                   r[i].text_array(6)});
  return out;
}

std::optional<State> apply(db::Tx& tx, std::string_view entity_type, std::string_view entity_id, std::string_view current,
                           std::string_view action, std::string_view actor, std::string_view note) {
  auto from = parse(current);
  auto to = from ? next(*from, action) : std::nullopt;
  if (to)
    record(tx, {std::string(entity_type), std::string(entity_id), std::string(action), from, *to, std::string(actor),
                std::string(note)});
  return to;
}

void history(db::Tx& tx, std::string_view entity_type, std::string_view entity_id, common::HistoryResponse* out) {
  for (const auto& h : history(tx, entity_type, entity_id)) {
    auto* item = out->add_items();
    item->set_action(h.action);
    item->set_from_state(h.from);
    item->set_to_state(h.to);
    item->set_actor_account_id(h.actor);
    item->set_note(h.note);
    item->set_at(h.at);
    for (const auto& f : h.changed) item->add_changed_fields(f);
  }
}

} // namespace civic::workflow
