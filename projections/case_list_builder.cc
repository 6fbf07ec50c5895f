// The rows behind a report's figures (population.h: CaseListBuilder).
#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "projections/compliance.h"
#include "projections/dates.h"
#include "projections/internal/population_parts.h"
#include "projections/population.h"

namespace caseline {

using population_internal::CasesSeen;
using population_internal::Limit;
using population_internal::OpenWithin;
using population_internal::PeriodOf;

namespace {

// (rule_set_id, requirement_id, the period's first day, k): the k-th row
// of a requirement for a period. A late-recorded event that moves a
// deadline changes the row's item words, not its place; and the period is
// named by its first day, not its index, which a late-recorded earlier
// period would shift.
using RowKey = std::tuple<std::string, std::string, absl::CivilDay, int>;
using KeyedRows = std::map<RowKey, const RequirementResult*>;

std::string DayOrEmpty(const std::optional<absl::CivilDay>& day) {
  return day ? FormatDate(*day) : std::string();
}

// One side of a case: its fold, where it stands on as_of, and whether it
// matches the query.
struct Side {
  CaseTimeline timeline;
  CaseOnDay on;
  bool matches = false;
  std::vector<RequirementResult> rows;
};

}  // namespace

struct CaseListBuilder::State {
  PopulationQuery query;
  CaseListOptions options;
  size_t page_size = 0;
  // The cases with the smallest ids after after_case_id: at most one more
  // than a page, to know whether another page follows.
  std::map<std::string, std::vector<v1::CaseRow>> page;
  int64_t rows_total = 0;
  int64_t cases_total = 0;
  CasesSeen seen;

  State(PopulationQuery q, CaseListOptions o)
      : query(std::move(q)),
        options(std::move(o)),
        page_size(static_cast<size_t>(Limit(
            options.page_size, kCaseListPageDefault, kCaseListPageMax))) {}

  Side Judge(absl::Span<const v1::Event> events, absl::Time known_at) const {
    Side side;
    side.timeline = FoldTimeline(events, query.as_of, known_at);
    side.on = DescribeOn(side.timeline, query.as_of);
    side.matches = Matches(query, side.timeline, side.on);
    if (side.matches) {
      side.rows =
          Evaluate(query.rule_sets, side.timeline, query.as_of, query.named);
    }
    return side;
  }

  // The rows Report would count under the query, of the requirement asked
  // for, by place.
  KeyedRows Counted(const Side& side) const {
    KeyedRows by_key;
    std::map<std::tuple<std::string, std::string, absl::CivilDay>, int>
        seen_rows;
    const auto& wanted = query.filter.target_groups();
    for (const RequirementResult& row : side.rows) {
      const Period& period = PeriodOf(side.timeline, row);
      int& k =
          seen_rows[{row.rule_set_id, row.requirement_id, period.start_on}];
      const RowKey key{row.rule_set_id, row.requirement_id, period.start_on,
                       k++};
      if (!OpenWithin(period, query.from, query.as_of)) continue;
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(),
                                       period.target_group) == wanted.end()) {
        continue;
      }
      if (!options.rule_set_id.empty() &&
          (row.rule_set_id != options.rule_set_id ||
           row.requirement_id != options.requirement_id)) {
        continue;
      }
      by_key.emplace(key, &row);
    }
    return by_key;
  }

  bool StatusWanted(const RequirementResult* row) const {
    if (row == nullptr) return false;
    if (options.statuses.empty()) return true;
    const v1::ComplianceStatus shown = ComplianceStatusOf(*row);
    const v1::ComplianceStatus plain = ComplianceStatusOf(row->verdict);
    return std::any_of(options.statuses.begin(), options.statuses.end(),
                       [&](v1::ComplianceStatus status) {
                         return status == shown || status == plain;
                       });
  }

  static bool Differs(const RequirementResult* now,
                      const RequirementResult* then) {
    if (now == nullptr || then == nullptr) return true;
    return ComplianceStatusOf(*now) != ComplianceStatusOf(*then) ||
           now->deadline_on != then->deadline_on;
  }

  // `then` is set when comparing; `side` describes the case (one that
  // matches).
  void Add(const Side& now, const Side* then, const Side& side) {
    const KeyedRows rows = Counted(now);
    const KeyedRows then_rows = then != nullptr ? Counted(*then) : KeyedRows{};
    std::set<RowKey> keys;
    for (const auto& entry : rows) keys.insert(entry.first);
    for (const auto& entry : then_rows) keys.insert(entry.first);
    std::vector<std::pair<const RequirementResult*, const RequirementResult*>>
        listed;
    for (const RowKey& key : keys) {
      auto found = rows.find(key);
      auto found_then = then_rows.find(key);
      const RequirementResult* now_row =
          found == rows.end() ? nullptr : found->second;
      const RequirementResult* then_row =
          found_then == then_rows.end() ? nullptr : found_then->second;
      if (then != nullptr && !Differs(now_row, then_row)) continue;
      if (!StatusWanted(now_row) && !StatusWanted(then_row)) continue;
      listed.emplace_back(now_row, then_row);
    }
    if (listed.empty()) return;
    ++cases_total;
    rows_total += static_cast<int64_t>(listed.size());
    const std::string& case_id = side.timeline.case_id;
    if (case_id <= options.after_case_id) return;
    if (page.size() > page_size && case_id >= page.rbegin()->first) return;
    std::vector<v1::CaseRow>& out = page[case_id];
    for (const auto& [now_row, then_row] : listed) {
      v1::CaseRow& row = out.emplace_back();
      const RequirementResult& any = now_row != nullptr ? *now_row : *then_row;
      row.set_case_id(case_id);
      row.set_citizen_id(side.timeline.citizen_id);
      row.set_jobcentre_id(side.timeline.jobcentre_id);
      row.set_team_id(side.on.team_id);
      row.set_caseworker_id(side.on.caseworker_id);
      row.set_target_group(any.target_group);
      row.set_rule_set_id(any.rule_set_id);
      row.set_requirement_id(any.requirement_id);
      row.set_title(std::string(any.title));
      row.set_item(any.item);
      row.set_period_index(any.period_index);
      if (now_row != nullptr) {
        row.set_status(ComplianceStatusOf(*now_row));
        row.set_deadline_on(DayOrEmpty(now_row->deadline_on));
        row.set_met_on(DayOrEmpty(now_row->met_on));
      }
      if (then_row != nullptr) {
        row.set_compare_status(ComplianceStatusOf(*then_row));
        row.set_compare_deadline_on(DayOrEmpty(then_row->deadline_on));
        row.set_compare_met_on(DayOrEmpty(then_row->met_on));
      }
    }
    if (page.size() > page_size + 1) page.erase(std::prev(page.end()));
  }
};

CaseListBuilder::CaseListBuilder(PopulationQuery query, CaseListOptions options)
    : state_(std::make_unique<State>(std::move(query), std::move(options))) {}

CaseListBuilder::~CaseListBuilder() = default;

void CaseListBuilder::AddCase(absl::Span<const v1::Event> events) {
  State& s = *state_;
  ++s.seen.examined;
  const Side now = s.Judge(events, s.query.known_at);
  if (!s.options.compare_known_at) {
    if (!now.matches) return;
    ++s.seen.counted;
    s.Add(now, nullptr, now);
    return;
  }
  const Side then = s.Judge(events, *s.options.compare_known_at);
  if (!now.matches && !then.matches) return;
  ++s.seen.counted;
  // The case is described by the side that matches, known_at's first.
  s.Add(now, &then, now.matches ? now : then);
}

void CaseListBuilder::Finish(v1::ListCasesResponse* response) const {
  const State& s = *state_;
  size_t listed = 0;
  for (const auto& [case_id, rows] : s.page) {
    if (listed == s.page_size) {
      response->set_next_after_case_id(
          response->rows(response->rows_size() - 1).case_id());
      break;
    }
    ++listed;
    for (const v1::CaseRow& row : rows) *response->add_rows() = row;
  }
  response->set_rows_total(s.rows_total);
  response->set_cases_total(s.cases_total);
  s.seen.FillBasis(response->mutable_basis());
}

}  // namespace caseline
