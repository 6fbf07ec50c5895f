// The effect of a candidate rule set (population.h: WhatIfBuilder).
#include "projections/population.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "projections/calendar.h"
#include "projections/compliance.h"
#include "projections/dates.h"
#include "projections/internal/population_parts.h"

namespace caseline {

using population_internal::CasesSeen;
using population_internal::Limit;
using population_internal::OpenWithin;
using population_internal::PeriodOf;

namespace {

void AddStatus(Verdict verdict, v1::StatusCounts* counts) {
  switch (verdict) {
    case Verdict::kMet:
      counts->set_met(counts->met() + 1);
      break;
    case Verdict::kMetLate:
      counts->set_met_late(counts->met_late() + 1);
      break;
    case Verdict::kOverdue:
      counts->set_overdue(counts->overdue() + 1);
      break;
    case Verdict::kDue:
      counts->set_due(counts->due() + 1);
      break;
    case Verdict::kNotApplicable:
      counts->set_not_applicable(counts->not_applicable() + 1);
      break;
  }
}

}  // namespace

// --- WhatIf ---

namespace {

// (rule_set_id, requirement_id, period_index, k): the k-th row (0-based)
// of a requirement for a period. Rows pair by their place rather than by
// item, because an item names its offset ("within 8 weeks", "milestone 2
// of 6 (2 by 8 weeks)"): a candidate that changes a deadline would
// otherwise show every row as removed and added. Evaluate gives a
// requirement's rows for a period together and in order (milestone k,
// window k, gap k).
using RowKey = std::tuple<std::string, std::string, int, int>;

// The rows of periods open in the window, by key, each counted in
// `counts`.
std::map<RowKey, const RequirementResult*> RowsInWindow(
    const std::vector<RequirementResult>& rows, const CaseTimeline& timeline,
    absl::CivilDay from, absl::CivilDay as_of, v1::StatusCounts* counts) {
  std::map<RowKey, const RequirementResult*> by_key;
  std::map<std::tuple<std::string, std::string, int>, int> seen;
  for (const RequirementResult& row : rows) {
    if (!OpenWithin(PeriodOf(timeline, row), from, as_of)) continue;
    AddStatus(row.verdict, counts);
    int& k = seen[{row.rule_set_id, row.requirement_id, row.period_index}];
    by_key.emplace(
        RowKey{row.rule_set_id, row.requirement_id, row.period_index, k++},
        &row);
  }
  return by_key;
}

std::string DateOrEmpty(const RequirementResult* row) {
  return row != nullptr && row->deadline_on ? FormatDate(*row->deadline_on)
                                            : std::string();
}

v1::ComplianceStatus StatusOrUnspecified(const RequirementResult* row) {
  return row == nullptr ? v1::COMPLIANCE_STATUS_UNSPECIFIED
                        : ComplianceStatusOf(*row);
}

// Whether a row changed: only one side has it, or its status or deadline
// differs.
bool Changed(const RequirementResult* before, const RequirementResult* after) {
  if (before == nullptr || after == nullptr) return true;
  return ComplianceStatusOf(*before) != ComplianceStatusOf(*after) ||
         before->deadline_on != after->deadline_on;
}

}  // namespace

struct WhatIfBuilder::State {
  PopulationQuery query;
  std::vector<v1::RuleSet> after;
  size_t limit = 0;
  v1::StatusCounts before_counts;
  v1::StatusCounts after_counts;
  int64_t cases_changed = 0;
  int64_t rows_changed = 0;
  // The changed cases with the smallest ids, at most `limit`.
  std::map<std::string, v1::CaseChange> cases;
  CasesSeen seen;

  State(PopulationQuery q, std::vector<v1::RuleSet> a, int case_limit)
      : query(std::move(q)),
        after(std::move(a)),
        limit(static_cast<size_t>(
            Limit(case_limit, kWhatIfCasesDefault, kWhatIfCasesMax))) {}

  void Compare(const CaseTimeline& timeline,
               const std::map<RowKey, const RequirementResult*>& before_rows,
               const std::map<RowKey, const RequirementResult*>& after_rows) {
    std::set<RowKey> keys;
    for (const auto& entry : before_rows) keys.insert(entry.first);
    for (const auto& entry : after_rows) keys.insert(entry.first);
    v1::CaseChange change;
    for (const RowKey& key : keys) {
      auto b = before_rows.find(key);
      auto a = after_rows.find(key);
      const RequirementResult* before =
          b == before_rows.end() ? nullptr : b->second;
      const RequirementResult* after_row =
          a == after_rows.end() ? nullptr : a->second;
      if (!Changed(before, after_row)) continue;
      v1::RowChange* row = change.add_rows();
      row->set_rule_set_id(std::get<0>(key));
      row->set_requirement_id(std::get<1>(key));
      // The candidate's words for the item, when it has the row.
      row->set_item(after_row != nullptr ? after_row->item : before->item);
      row->set_period_index(std::get<2>(key));
      row->set_before(StatusOrUnspecified(before));
      row->set_after(StatusOrUnspecified(after_row));
      row->set_deadline_before(DateOrEmpty(before));
      row->set_deadline_after(DateOrEmpty(after_row));
    }
    if (change.rows().empty()) return;
    ++cases_changed;
    rows_changed += change.rows_size();
    if (cases.size() == limit && timeline.case_id >= cases.rbegin()->first) {
      return;
    }
    change.set_case_id(timeline.case_id);
    change.set_jobcentre_id(timeline.jobcentre_id);
    cases[timeline.case_id] = std::move(change);
    if (cases.size() > limit) cases.erase(std::prev(cases.end()));
  }
};

WhatIfBuilder::WhatIfBuilder(PopulationQuery query,
                             std::vector<v1::RuleSet> after, int limit)
    : state_(
          std::make_unique<State>(std::move(query), std::move(after), limit)) {}

WhatIfBuilder::~WhatIfBuilder() = default;

void WhatIfBuilder::AddCase(absl::Span<const v1::Event> events) {
  State& s = *state_;
  ++s.seen.examined;
  const absl::CivilDay as_of = s.query.as_of;
  const CaseTimeline timeline = FoldTimeline(events, as_of, s.query.known_at);
  if (!Matches(s.query, timeline, DescribeOn(timeline, as_of))) return;
  ++s.seen.counted;
  const std::vector<RequirementResult> before =
      Evaluate(s.query.rule_sets, timeline, as_of, s.query.named);
  const std::vector<RequirementResult> after =
      Evaluate(s.after, timeline, as_of, s.query.named);
  s.Compare(
      timeline,
      RowsInWindow(before, timeline, s.query.from, as_of, &s.before_counts),
      RowsInWindow(after, timeline, s.query.from, as_of, &s.after_counts));
}

void WhatIfBuilder::Finish(v1::WhatIfResponse* response) const {
  const State& s = *state_;
  *response->mutable_before() = s.before_counts;
  *response->mutable_after() = s.after_counts;
  response->set_cases_changed(s.cases_changed);
  response->set_rows_changed(s.rows_changed);
  for (const auto& [case_id, change] : s.cases) {
    *response->add_cases() = change;
  }
  s.seen.FillBasis(response->mutable_basis());
}

}  // namespace caseline
