// Answers over a population of cases: reports, trends, worklists and the
// effect of a candidate rule set. Each builder is fed one case at a time
// (its events, in any order), folds and judges it with the same functions as
// the per-case answers (FoldTimeline, Evaluate, CountSwitches,
// ComputeWaitingTimes), keeps only running totals and bounded lists, and
// writes its answer once every case was added. Memory does not grow with
// the population, beyond one entry per group.
//
// Pure: no I/O, no clock. Not thread-safe; one builder per request.
//
// Periods and days. A period is open on day d when start_on <= d and, if it
// ended, d <= end_on: the day the next period began or the case closed still
// belongs to the period, as in Evaluate (which counts the period's events up
// to and including end_on, and makes a row NOT_APPLICABLE only when end_on
// is before the deadline). So a case closed on 2020-06-30 is open that day
// and not the next, and on the day a new benefit period begins both periods
// are open. A period is "open in [from, to]" when it is open on some day of
// it: start_on <= to and (no end_on or from <= end_on); an empty window
// (from > to) holds no case.
//
// Limits passed to the builders below 1 mean the default; above the
// maximum, the maximum.
#ifndef CASELINE_PROJECTIONS_POPULATION_H_
#define CASELINE_PROJECTIONS_POPULATION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "caseline/v1/caseline.pb.h"
#include "caseline/v1/events.pb.h"
#include "caseline/v1/projections.pb.h"
#include "caseline/v1/rules.pb.h"
#include "projections/timeline.h"

namespace caseline {

// Waiting referrals a report lists (the rest are counted): a screenful for
// a team lead, and a bounded response.
inline constexpr int kWaitingListDefault = 100;
inline constexpr int kWaitingListMax = 1000;
// Points of a trend: five years of weeks. Each point judges every case once
// more, so this bounds the cost of one request.
inline constexpr int kTrendStepsMax = 260;
// Worklist items returned; the total is counted beyond it. A page further
// on keeps the items before it too: offset + limit is bounded by the max.
inline constexpr int kWorklistDefault = 1000;
inline constexpr int kWorklistMax = 10'000;
// The furthest a worklist looks ahead: a year.
inline constexpr int kWorklistHorizonDefault = 14;
inline constexpr int kWorklistHorizonMax = 366;
// The same, in working days: 240 (and the next one) span at most about 350
// calendar days, holidays and all, so they fit within kWorklistHorizonMax.
inline constexpr int kWorklistHorizonWorkingDaysMax = 240;
// Cases on one page of ListCases: a screenful of a drill-down, with every
// row of each; a case has a few dozen rows at most, so a page is bounded.
inline constexpr int kCaseListPageDefault = 50;
inline constexpr int kCaseListPageMax = 500;
// Cases a what-if lists (all are counted).
inline constexpr int kWhatIfCasesDefault = 100;
inline constexpr int kWhatIfCasesMax = 1000;

// Where a case stands on a day.
struct CaseOnDay {
  std::string jobcentre_id;
  // The assignment covering the day (for a case closed before the day, the
  // last one; before the first assignment, empty).
  std::string team_id;
  std::string caseworker_id;
  // The period covering the day (on the day a new period begins, the new
  // one), else the last period before it, else UNSPECIFIED.
  v1::TargetGroup target_group = v1::TARGET_GROUP_UNSPECIFIED;
  // A period covers the day: started on or before it and not ended before
  // it (a period ends the day the next began or the case closed).
  bool open = false;
};
CaseOnDay DescribeOn(const CaseTimeline& timeline, absl::CivilDay day);

// Whether a period of the case was open on some day of [from, to]
// (false when to < from).
bool OpenDuring(const CaseTimeline& timeline, absl::CivilDay from,
                absl::CivilDay to);

// What every population answer is asked: the cases matching `filter` with
// a period open in [from, as_of], as known at `known_at`, judged on as_of by
// `rule_sets` (`named` as in Evaluate). A case matches the filter when its
// jobcentre (from case_opened) is in jobcentre_ids, its team and caseworker
// on as_of (DescribeOn) are in team_ids and caseworker_ids, and one of its
// periods of a group in target_groups is open in the window; an empty list
// matches every case.
struct PopulationQuery {
  v1::CaseFilter filter;
  absl::CivilDay from;
  absl::CivilDay as_of;
  absl::Time known_at = absl::InfiniteFuture();
  std::vector<v1::RuleSet> rule_sets;
  bool named = false;
};

// Whether the case matches the query's filter and window (the timeline
// folded for query.as_of).
bool Matches(const PopulationQuery& query, const CaseTimeline& timeline,
             const CaseOnDay& on_as_of);

// Report (DESIGN.md "What a good answer looks like"). Per group:
// - cases counted;
// - per requirement, its rows by status and the share on time; rows of
//   periods not open in the window are left out; for a requirement with a
//   population_flag, the measure over the rows of periods open on as_of
//   whose deadline is before as_of (failing: OVERDUE);
// - switches within the window, per case-year of the group's cases open in
//   it;
// - waits of the referrals made in the window, by offer kind and provider
//   (started: days to start; cancelled; waiting on as_of).
// And the referrals waiting on as_of, longest first. And for each monitored
// requirement (Requirement.monitor: STAR's follow-up) and each jobcentre of
// the filter's with a case measured, the last 12 complete months' cohorts
// (the periods whose deadline fell in the month; met by it), whether each
// month was under, the run of months under ending with the last, and
// whether that meets the condition; over every case of the jobcentre,
// whatever the filter's teams, caseworkers, groups and window.
//
// Groups. The label holds the fields of group_by (others empty): the
// jobcentre; the team and caseworker on as_of; the target group, which for
// requirement rows is the group of the period judged and for cases,
// switches and waits the group on as_of; the requirement. Groups are sorted
// by the label fields in the order group_by gives them. Without
// GROUP_BY_REQUIREMENT every group lists each requirement with at least one
// row in it (by rule_set_id, requirement_id), its switches and its waits. With
// it, a group is one requirement with at least one row under the other fields:
// exactly one tally, its `cases` the tally's, and no switches or waits.
//
// With target groups in the filter, only rows of periods of those groups
// count. A case not open on as_of has no referral waiting.
//
// Tallies. `cases`: cases the requirement concerns, with at least one row
// of it other than NOT_APPLICABLE in the group. share_on_time: met / (met +
// met_late + overdue), 0 when none. The measure counts a case once: measured
// when one of its rows is (a schedule with several milestones gives several
// rows), failing when one of those is OVERDUE; a MET_LATE case has been served
// and is not failing. share_failing = failing / cases (0 when none); flagged
// when share_failing > flag_over_share (strictly: "more than 20%").
//
// Switches: CountSwitches over [from, as_of] of the group's cases;
// case_years = the days of [from, as_of] (both ends counted) on which a
// period of the case was open, summed over the group's cases, / 365.25;
// the rates are 0 when case_years is 0.
//
// Waits: the referrals made in [from, as_of], by (offer kind, provider).
// Started ones give days to start: mean; median (the mean of the two
// middle values for an even count); p90, the nearest rank ceil(0.9 n); max.
// Their days are kept as a histogram (days -> referrals), bounded by the
// longest wait rather than by the number of referrals.
//
// The waiting list holds every referral of a counted case that is waiting
// on as_of, whenever it was made (the tallies' `waiting` only those made in
// the window): the `waiting_limit` longest (ties by case, then referral) in
// a bounded set, all counted in waiting_total.
class ReportBuilder {
 public:
  ReportBuilder(PopulationQuery query, std::vector<v1::GroupBy> group_by,
                int waiting_limit);
  ~ReportBuilder();
  ReportBuilder(const ReportBuilder&) = delete;
  ReportBuilder& operator=(const ReportBuilder&) = delete;

  void AddCase(absl::Span<const v1::Event> events);
  // Fills groups, waiting and waiting_total, and basis.cases_examined,
  // basis.cases_counted; the rest of the basis is the caller's.
  void Finish(v1::ReportResponse* response) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The days a trend is judged on: each week's Sunday or each month's last
// day from `from` to `to`, and `to` itself if it is not one of them.
// INVALID_ARGUMENT if to < from, the step is unspecified, or there would be
// more than kTrendStepsMax.
absl::StatusOr<std::vector<absl::CivilDay>> TrendDays(absl::CivilDay from,
                                                      absl::CivilDay to,
                                                      v1::TrendStep step);

// Trend: for each day, the cases open on it, judged on it; the filter
// applies on each day (the team and caseworker of that day). query.as_of is
// ignored; query.from is the span's first day. `days` ascending, as
// TrendDays gives them.
//
// Each point folds every case once more (cost: days x cases) and counts,
// over the cases open on its day: the statutory rows of their periods open
// on the day by status, and share_on_time; local_share_on_time over the
// local targets' rows; a RequirementTally (as in Report) for every
// requirement with a population flag; and, within the step (from the day
// after the previous point, or for the first point from query.from, to the
// day), the planned and unplanned switches and the offers started through a
// referral, with their mean wait, of every case open during the step (also
// one that ended before the day). A requirement with a population target
// is listed on the points where it judged a case. And STAR's follow-up
// (monitors) as a report judged on the last day gives it.
class TrendBuilder {
 public:
  TrendBuilder(PopulationQuery query, std::vector<absl::CivilDay> days);
  ~TrendBuilder();
  TrendBuilder(const TrendBuilder&) = delete;
  TrendBuilder& operator=(const TrendBuilder&) = delete;

  void AddCase(absl::Span<const v1::Event> events);
  // Adds what a builder of the same query and days was given (other cases),
  // so that builders fed on several threads answer as one fed every case.
  void Merge(const TrendBuilder& other);
  void Finish(v1::TrendResponse* response) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Worklist: the cases whose caseworker (or team) on as_of is the one asked
// for (query.filter names exactly one caseworker or one team) and that are
// open on as_of; their rows OVERDUE, or DUE with the deadline within
// horizon_days after as_of; sorted by deadline, case, requirement, item.
//
// Only rows of periods open on as_of are listed (an ended period's row can
// no longer be met: events after its end do not count), and no rows of
// RULE_SET_KIND_POPULATION_MEASURE rule sets (they measure a population;
// they are not a caseworker's deadline). days_left = deadline - as_of.
// working_days_left = the working days in (as_of, deadline] when the
// deadline is on or after as_of (0 on the deadline day), else minus those
// in (deadline, as_of] (-1 on the next working day after it). Sorted by
// deadline, case_id, rule_set_id, requirement_id, item (then period); the
// `offset + limit` first are kept in a bounded set, the `limit` after the
// first `offset` are returned, and all are counted in `total`. With target
// groups in the filter, only rows of periods of those groups are listed.
// horizon_days is clamped to [0, kWorklistHorizonMax], offset + limit to
// kWorklistMax.
class WorklistBuilder {
 public:
  WorklistBuilder(PopulationQuery query, int horizon_days, int limit,
                  int offset = 0);
  ~WorklistBuilder();
  WorklistBuilder(const WorklistBuilder&) = delete;
  WorklistBuilder& operator=(const WorklistBuilder&) = delete;

  void AddCase(absl::Span<const v1::Event> events);
  // Fills items and total, and basis.cases_examined, basis.cases_counted.
  void Finish(v1::WorklistResponse* response) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// What ListCases lists beyond the query (projections.proto
// ListCasesRequest).
struct CaseListOptions {
  // One requirement's rows when both are set.
  std::string rule_set_id;
  std::string requirement_id;
  // Empty: every status.
  std::vector<v1::ComplianceStatus> statuses;
  // Set: compare with the case as known then.
  std::optional<absl::Time> compare_known_at;
  int page_size = 0;
  std::string after_case_id;
};

// ListCases: the requirement rows a Report of the same query counts (rows
// of periods open in the window; with target groups in the filter, only
// those of periods of those groups), of the requirement named, whose
// status is one asked for: a row's ComplianceStatusOf, or the status of
// its verdict (so MET matches a population target's COUNTS row, as
// Report's `met` counts it).
//
// With compare_known_at, each case is folded and judged also as known
// then; the rows of each side pair by place (rule set, requirement, the
// period's first day, k-th row of that requirement in that period: not the
// period's index, which a late-recorded earlier period shifts), and a pair
// is listed when its status or deadline differs (a row only one side has
// counts as differing), and `statuses` matches either side. A case counts when
// it matches on either side; its jobcentre, team and caseworker are those of
// the side that matches, known_at's first.
//
// Rows are sorted by case, then by place. Every case with a listed row
// counts in cases_total and its rows in rows_total; those whose id sorts
// after after_case_id, the page_size first, are listed, and
// next_after_case_id is the last listed when more follow.
class CaseListBuilder {
 public:
  CaseListBuilder(PopulationQuery query, CaseListOptions options);
  ~CaseListBuilder();
  CaseListBuilder(const CaseListBuilder&) = delete;
  CaseListBuilder& operator=(const CaseListBuilder&) = delete;

  void AddCase(absl::Span<const v1::Event> events);
  // Fills rows, the totals, next_after_case_id, and basis.cases_examined
  // and basis.cases_counted (the cases matching on either side).
  void Finish(v1::ListCasesResponse* response) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// WhatIf: each matching case judged by query.rule_sets ("before") and by
// `after` (the same fold, the same `named`); only rows of periods open in
// the window. Rows pair by (rule_set_id, requirement_id, period_index, k),
// the k-th row of that requirement for that period (milestone k, window k,
// gap k): not by item, whose words name the offset ("within 8 weeks"), so
// that a changed deadline pairs with the old one. A row changed when its
// status or deadline differs or only one side has it (UNSPECIFIED on the
// other); RowChange.item is the after side's item when it has the row.
// before and after count the statuses of every such row of the counted
// cases. The `limit` changed cases with the smallest case_id are listed
// (rows by key), all counted in cases_changed and rows_changed.
class WhatIfBuilder {
 public:
  WhatIfBuilder(PopulationQuery query, std::vector<v1::RuleSet> after,
                int limit);
  ~WhatIfBuilder();
  WhatIfBuilder(const WhatIfBuilder&) = delete;
  WhatIfBuilder& operator=(const WhatIfBuilder&) = delete;

  void AddCase(absl::Span<const v1::Event> events);
  // Fills before, after, cases_changed, rows_changed, cases, and
  // basis.cases_examined, basis.cases_counted.
  void Finish(v1::WhatIfResponse* response) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace caseline

#endif  // CASELINE_PROJECTIONS_POPULATION_H_
