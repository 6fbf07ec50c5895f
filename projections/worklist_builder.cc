// The worklist (population.h: WorklistBuilder).
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
using population_internal::MatchesWindow;
using population_internal::OpenOn;
using population_internal::PeriodOf;

namespace {

// Working days from as_of to the deadline: those in (as_of, deadline] when
// the deadline is on or after as_of (0 on the deadline day itself), else
// minus those in (deadline, as_of] (-1 the first working day after it).
int WorkingDaysLeft(absl::CivilDay as_of, absl::CivilDay deadline) {
  if (deadline >= as_of) {
    return static_cast<int>(WorkingDaysIn(as_of + 1, deadline));
  }
  return -static_cast<int>(WorkingDaysIn(deadline + 1, as_of));
}

}  // namespace

// --- Worklist ---

namespace {

struct WorkItem {
  absl::CivilDay deadline_on;
  int period_index = 0;
  v1::WorklistItem item;

  auto Tied() const {
    return std::tie(deadline_on, item.case_id(), item.rule_set_id(),
                    item.requirement_id(), item.item(), period_index);
  }
  bool operator<(const WorkItem& other) const { return Tied() < other.Tied(); }
};

}  // namespace

struct WorklistBuilder::State {
  PopulationQuery query;
  int horizon_days = 0;
  // Items kept: those skipped and those returned.
  size_t limit = 0;
  size_t offset = 0;
  std::set<WorkItem> items;
  int64_t total = 0;
  CasesSeen seen;

  State(PopulationQuery q, int horizon, int item_limit, int skipped)
      : query(std::move(q)),
        horizon_days(std::clamp(horizon, 0, kWorklistHorizonMax)),
        offset(static_cast<size_t>(std::clamp(skipped, 0, kWorklistMax - 1))) {
    limit = std::min(offset + static_cast<size_t>(Limit(
                                  item_limit, kWorklistDefault, kWorklistMax)),
                     static_cast<size_t>(kWorklistMax));
  }

  // Whether `row` is on the list: a caseworker's duty (not a population
  // measure), of a period open on as_of (an ended period's row can no
  // longer be met), overdue or due within the horizon. A population
  // target's row is listed while it can still count (due), not once its
  // deadline passed: the case no longer counts, and no one owes it.
  bool Listed(const CaseTimeline& timeline,
              const RequirementResult& row) const {
    if (row.rule_set_kind == v1::RULE_SET_KIND_POPULATION_MEASURE) return false;
    const Period& period = PeriodOf(timeline, row);
    if (!OpenOn(period, query.as_of)) return false;
    const auto& wanted = query.filter.target_groups();
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(),
                                     period.target_group) == wanted.end()) {
      return false;
    }
    // Evaluate dates every OVERDUE and DUE row.
    if (!row.deadline_on) return false;
    if (row.verdict == Verdict::kOverdue) return !row.population_target;
    return row.verdict == Verdict::kDue &&
           *row.deadline_on <= query.as_of + horizon_days;
  }

  void Add(const CaseTimeline& timeline, const CaseOnDay& on,
           const RequirementResult& row) {
    ++total;
    WorkItem work{*row.deadline_on, row.period_index, {}};
    v1::WorklistItem& item = work.item;
    item.set_case_id(timeline.case_id);
    item.set_rule_set_id(row.rule_set_id);
    item.set_requirement_id(row.requirement_id);
    item.set_item(row.item);
    if (items.size() == limit && !(work < *items.rbegin())) return;
    item.set_citizen_id(timeline.citizen_id);
    item.set_caseworker_id(on.caseworker_id);
    item.set_team_id(on.team_id);
    item.set_jobcentre_id(on.jobcentre_id);
    item.set_title(std::string(row.title));
    item.set_target_group(row.target_group);
    item.set_status(ComplianceStatusOf(row));
    item.set_deadline_on(FormatDate(*row.deadline_on));
    item.set_days_left(static_cast<int>(*row.deadline_on - query.as_of));
    items.insert(std::move(work));
    if (items.size() > limit) items.erase(std::prev(items.end()));
  }
};

WorklistBuilder::WorklistBuilder(PopulationQuery query, int horizon_days,
                                 int limit, int offset)
    : state_(std::make_unique<State>(std::move(query), horizon_days, limit,
                                     offset)) {}

WorklistBuilder::~WorklistBuilder() = default;

void WorklistBuilder::AddCase(absl::Span<const v1::Event> events) {
  State& s = *state_;
  ++s.seen.examined;
  const CaseTimeline timeline =
      FoldTimeline(events, s.query.as_of, s.query.known_at);
  const CaseOnDay on = DescribeOn(timeline, s.query.as_of);
  // Open on as_of: the window is as_of alone.
  if (!MatchesWindow(s.query.filter, s.query.as_of, s.query.as_of, timeline,
                     on)) {
    return;
  }
  ++s.seen.counted;
  for (const RequirementResult& row :
       Evaluate(s.query.rule_sets, timeline, s.query.as_of, s.query.named)) {
    if (s.Listed(timeline, row)) s.Add(timeline, on, row);
  }
}

void WorklistBuilder::Finish(v1::WorklistResponse* response) const {
  const State& s = *state_;
  size_t skipped = 0;
  for (const WorkItem& work : s.items) {
    if (skipped < s.offset) {
      ++skipped;
      continue;
    }
    v1::WorklistItem* item = response->add_items();
    *item = work.item;
    // Only for the items returned: the count walks the years between.
    item->set_working_days_left(
        WorkingDaysLeft(s.query.as_of, work.deadline_on));
  }
  response->set_total(s.total);
  s.seen.FillBasis(response->mutable_basis());
}

}  // namespace caseline
