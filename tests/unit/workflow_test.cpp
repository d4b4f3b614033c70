#include <catch2/catch.hpp>

#include "workflow/workflow.h"

using namespace civic::workflow;

TEST_CASE("workflow: every action from every state, allowed or not", "[unit]") {
  struct Row {
    State from;
    const char* action;
    std::optional<State> to;
  };
  const Row table[] = {
      {State::draft, "submit", State::review},        {State::review, "submit", std::nullopt},
      {State::published, "submit", std::nullopt},     {State::archived, "submit", std::nullopt},
      {State::draft, "publish", State::published},    {State::review, "publish", State::published},
      {State::published, "publish", std::nullopt},    {State::archived, "publish", std::nullopt},
      {State::draft, "reject", std::nullopt},         {State::review, "reject", State::draft},
      {State::published, "reject", std::nullopt},     {State::archived, "reject", std::nullopt},
      {State::draft, "archive", State::archived},     {State::review, "archive", State::archived},
      {State::published, "archive", State::archived}, {State::archived, "archive", std::nullopt},
      {State::draft, "restore", std::nullopt},        {State::archived, "restore", State::draft},
      {State::published, "delete", std::nullopt},     {State::draft, "", std::nullopt},
  };
  for (const auto& row : table) {
    INFO(name(row.from) << " --" << row.action << "-->");
    CHECK(next(row.from, row.action) == row.to);
  }
  for (State s : {State::draft, State::review, State::published, State::archived}) CHECK(parse(name(s)) == s);
  CHECK_FALSE(parse("Published"));
}
