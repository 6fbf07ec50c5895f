// The trend (population.h: TrendDays, TrendBuilder).
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
#include "projections/internal/monitors.h"
#include "projections/internal/population_parts.h"

namespace caseline {

using population_internal::CasesSeen;
using population_internal::CaseTally;
using population_internal::FillTally;
using population_internal::KeyOf;
using population_internal::MatchesWindow;
using population_internal::Measured;
using population_internal::MonitorTally;
using population_internal::OpenOn;
using population_internal::PeriodOf;
using population_internal::RequirementInfo;
using population_internal::RequirementKey;
using population_internal::RequirementsOf;
using population_internal::RowCounts;
using population_internal::Tally;

// --- Trend ---

absl::StatusOr<std::vector<absl::CivilDay>> TrendDays(absl::CivilDay from,
                                                      absl::CivilDay to,
                                                      v1::TrendStep step) {
  if (step != v1::TREND_STEP_WEEK && step != v1::TREND_STEP_MONTH) {
    return absl::InvalidArgumentError(
        step == v1::TREND_STEP_UNSPECIFIED
            ? std::string("step: is required")
            : absl::StrCat("step: ", static_cast<int>(step),
                           " is not a known TrendStep"));
  }
  if (to < from) {
    return absl::InvalidArgumentError(absl::StrCat(
        "to: ", FormatDate(to), " is before from ", FormatDate(from)));
  }
  const bool weekly = step == v1::TREND_STEP_WEEK;
  // The first Sunday on or after `from`, or the last day of from's month.
  absl::CivilDay day = weekly
                           ? absl::NextWeekday(from - 1, absl::Weekday::sunday)
                           : absl::CivilDay(absl::CivilMonth(from) + 1) - 1;
  std::vector<absl::CivilDay> days;
  // One more than the limit is enough to know it was passed.
  while (day <= to && static_cast<int>(days.size()) <= kTrendStepsMax) {
    days.push_back(day);
    day = weekly ? day + 7 : absl::CivilDay(absl::CivilMonth(day) + 2) - 1;
  }
  if (days.empty() || days.back() != to) days.push_back(to);
  if (static_cast<int>(days.size()) > kTrendStepsMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        "to: ", FormatDate(to), " is more than ", kTrendStepsMax, " ",
        weekly ? "weeks" : "months", " after from ", FormatDate(from),
        "; the limit is ", kTrendStepsMax, " points"));
  }
  return days;
}

namespace {

struct PointTotals {
  int64_t open_cases = 0;
  RowCounts statutory;
  RowCounts local;
  std::map<RequirementKey, Tally> measures;
  int64_t switches_planned = 0;
  int64_t switches_unplanned = 0;
  int64_t offers_started = 0;
  int64_t wait_days_sum = 0;
};

}  // namespace

struct TrendBuilder::State {
  PopulationQuery query;
  std::vector<absl::CivilDay> days;
  std::vector<PointTotals> points;
  // Only the requirements with a population flag or target.
  std::map<RequirementKey, RequirementInfo> measures;
  // STAR's follow-up as judged on the last day.
  MonitorTally monitors;
  CasesSeen seen;

  State(PopulationQuery q, std::vector<absl::CivilDay> d)
      : query(std::move(q)),
        days(std::move(d)),
        points(days.size()),
        monitors(RequirementsOf(query.rule_sets), query.filter,
                 days.empty() ? query.as_of : days.back()) {
    assert(std::is_sorted(days.begin(), days.end()));
    for (auto& [key, info] : RequirementsOf(query.rule_sets)) {
      if (info.measured()) measures.emplace(key, info);
    }
  }

  // A case of a jobcentre the filter names joins the follow-up as a report
  // on the last day would count it (report_builder.cc).
  void AddMonitored(absl::Span<const v1::Event> events) {
    if (monitors.empty() || days.empty()) return;
    const absl::CivilDay last = days.back();
    const CaseTimeline timeline = FoldTimeline(events, last, query.known_at);
    if (!monitors.Wants(timeline.jobcentre_id)) return;
    monitors.Add(timeline.jobcentre_id,
                 Evaluate(query.rule_sets, timeline, last, query.named));
  }

  // The first day of point i's step: the day after the previous point, or
  // for the first point the span's first day (query.from).
  absl::CivilDay StepFrom(size_t i) const {
    return i == 0 ? std::min(query.from, days[0]) : days[i - 1] + 1;
  }

  // Whether the case is open on days[i] and matches there.
  bool AddPoint(absl::Span<const v1::Event> events, size_t i) {
    const absl::CivilDay day = days[i];
    const CaseTimeline timeline = FoldTimeline(events, day, query.known_at);
    const CaseOnDay on = DescribeOn(timeline, day);
    const absl::CivilDay step_from = StepFrom(i);
    // Switches and offers count for every case open during the step, also
    // one that ended before its last day; the rest for cases open on it.
    if (!MatchesWindow(query.filter, step_from, day, timeline, on)) {
      return false;
    }
    PointTotals& point = points[i];
    const Switches switches = CountSwitches(timeline, step_from, day);
    point.switches_planned += switches.planned;
    point.switches_unplanned += switches.unplanned;
    for (const ReferralWait& wait :
         ComputeWaitingTimes(timeline, day).referrals) {
      if (wait.state != WaitState::kStarted) continue;
      const absl::CivilDay started_on = wait.referred_on + wait.days;
      if (started_on < step_from || started_on > day) continue;
      ++point.offers_started;
      point.wait_days_sum += wait.days;
    }
    if (!MatchesWindow(query.filter, day, day, timeline, on)) return true;
    ++point.open_cases;
    std::map<RequirementKey, CaseTally> per_case;
    for (const RequirementResult& row :
         Evaluate(query.rule_sets, timeline, day, query.named)) {
      const Period& period = PeriodOf(timeline, row);
      if (!OpenOn(period, day)) continue;
      // A population target is not a deadline for the person: its share is
      // in `measures`, not in the statutory rows.
      if (row.rule_set_kind == v1::RULE_SET_KIND_STATUTORY &&
          !row.population_target) {
        point.statutory.Add(row.verdict);
      } else if (row.rule_set_kind == v1::RULE_SET_KIND_LOCAL_TARGET) {
        point.local.Add(row.verdict);
      }
      if (measures.contains(KeyOf(row))) {
        per_case[KeyOf(row)].Add(row, Measured(row, period, day));
      }
    }
    for (const auto& [key, tally] : per_case) point.measures[key].Add(tally);
    return true;
  }
};

TrendBuilder::TrendBuilder(PopulationQuery query,
                           std::vector<absl::CivilDay> days)
    : state_(std::make_unique<State>(std::move(query), std::move(days))) {}

TrendBuilder::~TrendBuilder() = default;

void TrendBuilder::AddCase(absl::Span<const v1::Event> events) {
  State& s = *state_;
  ++s.seen.examined;
  // Folded for a day before its first event, a case is empty and matches
  // nothing: those points are skipped unfolded (a case opened late in a
  // span would otherwise be folded for every point before it).
  std::optional<absl::CivilDay> first_on;
  for (const v1::Event& event : events) {
    // As the fold reads a date.
    const absl::CivilDay on =
        ParseDate(event.occurred_on()).value_or(absl::CivilDay());
    if (!first_on || on < *first_on) first_on = on;
  }
  bool counted = false;
  for (size_t i = 0; i < s.days.size(); ++i) {
    if (!first_on || s.days[i] < *first_on) continue;
    if (s.AddPoint(events, i)) counted = true;
  }
  if (counted) ++s.seen.counted;
  s.AddMonitored(events);
}

void TrendBuilder::Merge(const TrendBuilder& other) {
  State& s = *state_;
  const State& o = *other.state_;
  assert(s.days == o.days);
  for (size_t i = 0; i < s.points.size() && i < o.points.size(); ++i) {
    PointTotals& into = s.points[i];
    const PointTotals& from = o.points[i];
    into.open_cases += from.open_cases;
    into.statutory.Add(from.statutory);
    into.local.Add(from.local);
    for (const auto& [key, tally] : from.measures) {
      into.measures[key].Merge(tally);
    }
    into.switches_planned += from.switches_planned;
    into.switches_unplanned += from.switches_unplanned;
    into.offers_started += from.offers_started;
    into.wait_days_sum += from.wait_days_sum;
  }
  s.monitors.Merge(o.monitors);
  s.seen.Merge(o.seen);
}

void TrendBuilder::Finish(v1::TrendResponse* response) const {
  const State& s = *state_;
  for (size_t i = 0; i < s.days.size(); ++i) {
    const PointTotals& totals = s.points[i];
    v1::TrendPoint* point = response->add_points();
    point->set_on(FormatDate(s.days[i]));
    point->set_open_cases(totals.open_cases);
    point->set_met(totals.statutory.met);
    point->set_met_late(totals.statutory.met_late);
    point->set_overdue(totals.statutory.overdue);
    point->set_due(totals.statutory.due);
    point->set_share_on_time(totals.statutory.ShareOnTime());
    point->set_local_share_on_time(totals.local.ShareOnTime());
    point->set_local_judged(totals.local.met + totals.local.met_late +
                            totals.local.overdue);
    const Tally none;
    for (const auto& [key, info] : s.measures) {
      auto found = totals.measures.find(key);
      // A target is listed where it judged a case: the law of 2026 has no
      // place in a trend of 2020.
      if (info.target && found == totals.measures.end()) continue;
      FillTally(key, info,
                found == totals.measures.end() ? none : found->second,
                point->add_measures());
    }
    point->set_switches_planned(totals.switches_planned);
    point->set_switches_unplanned(totals.switches_unplanned);
    point->set_offers_started(totals.offers_started);
    point->set_mean_wait_days(
        totals.offers_started == 0
            ? 0.0
            : static_cast<double>(totals.wait_days_sum) /
                  static_cast<double>(totals.offers_started));
  }
  s.monitors.Fill(response->mutable_monitors());
  s.seen.FillBasis(response->mutable_basis());
}

}  // namespace caseline
