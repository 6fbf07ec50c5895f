// Parts the population builders share: when a period is open, which cases a
// filter matches, and the tallies of requirement rows. Internal to
// projections/: only population.cc and the *_builder.cc files include it;
// the contract readers rely on is population.h.
#ifndef CASELINE_PROJECTIONS_INTERNAL_POPULATION_PARTS_H_
#define CASELINE_PROJECTIONS_INTERNAL_POPULATION_PARTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "caseline/v1/projections.pb.h"
#include "caseline/v1/rules.pb.h"
#include "projections/compliance.h"
#include "projections/population.h"
#include "projections/timeline.h"

namespace caseline::population_internal {

// --- Days and periods ---
//
// A period is open on day d when start_on <= d and, if it ended, d <=
// end_on. end_on (the day the next period began or the case closed) still
// belongs to the period: Evaluate counts the period's events up to and
// including end_on, and makes a row NOT_APPLICABLE only when end_on is
// before the deadline, so a deadline on the closing day still applies. On
// the day a new benefit period begins, both periods are open.

bool OpenOn(const Period& period, absl::CivilDay day);

// Whether the period was open on some day of [from, to].
bool OpenWithin(const Period& period, absl::CivilDay from, absl::CivilDay to);

// The period a row judges; Evaluate's indices are always in range.
const Period& PeriodOf(const CaseTimeline& timeline,
                       const RequirementResult& row);

// Days of [from, to] on which a period of the case was open, each day
// counted once (the day one period ends and the next begins is one day).
int64_t DaysOpenWithin(const CaseTimeline& timeline, absl::CivilDay from,
                       absl::CivilDay to);

// --- Filters ---

// Matches with the window [from, to] and `on_to` described on `to`.
bool MatchesWindow(const v1::CaseFilter& filter, absl::CivilDay from,
                   absl::CivilDay to, const CaseTimeline& timeline,
                   const CaseOnDay& on_to);

// --- Statuses and tallies ---

struct RowCounts {
  int64_t met = 0;
  int64_t met_late = 0;
  int64_t overdue = 0;
  int64_t due = 0;
  int64_t not_applicable = 0;

  void Add(Verdict verdict) {
    switch (verdict) {
      case Verdict::kMet:
        ++met;
        break;
      case Verdict::kMetLate:
        ++met_late;
        break;
      case Verdict::kOverdue:
        ++overdue;
        break;
      case Verdict::kDue:
        ++due;
        break;
      case Verdict::kNotApplicable:
        ++not_applicable;
        break;
    }
  }

  void Add(const RowCounts& other) {
    met += other.met;
    met_late += other.met_late;
    overdue += other.overdue;
    due += other.due;
    not_applicable += other.not_applicable;
  }

  // met / (met + met_late + overdue); 0 when none of those.
  double ShareOnTime() const {
    const int64_t judged = met + met_late + overdue;
    return judged == 0 ? 0.0
                       : static_cast<double>(met) / static_cast<double>(judged);
  }
};

// (rule_set_id, requirement_id).
using RequirementKey = std::pair<std::string, std::string>;

inline RequirementKey KeyOf(const RequirementResult& row) {
  return {row.rule_set_id, row.requirement_id};
}

struct RequirementInfo {
  int rule_set_version = 0;
  v1::RuleSetKind rule_set_kind = v1::RULE_SET_KIND_UNSPECIFIED;
  std::string title;
  std::optional<double> flag_over_share;
  std::optional<v1::PopulationTarget> target;
  std::optional<v1::Monitor> monitor;
  // A population measure of either kind: reports count its measured cases.
  bool measured() const { return flag_over_share || target; }
};

// Every requirement of the rule sets judged by; of two versions of one rule
// set, the newer describes it.
// Every requirement of the rule sets judged by; of two versions of one rule
// set, the newer describes it.
std::map<RequirementKey, RequirementInfo> RequirementsOf(
    const std::vector<v1::RuleSet>& rule_sets);

// Whether `row` counts in its requirement's population measure on as_of:
// its period is open on as_of and its deadline is before as_of (the case
// has the seniority the measure asks for, pauses discounted by the clock),
// and it applies to the case or was exempted from a population target.
bool Measured(const RequirementResult& row, const Period& period,
              absl::CivilDay as_of);

// One case's rows of one requirement (within one group).
struct CaseTally {
  RowCounts rows;
  // A row counts in the measure; and one such row is OVERDUE.
  bool measured = false;
  bool failing = false;
  // A population target: a measured row was exempted (by the municipality's
  // own decision), or was not met by its deadline.
  bool exempted = false;
  bool exempted_by_municipality = false;
  bool missed = false;
  // A row that is not NOT_APPLICABLE: the requirement concerns the case.
  bool applies = false;

  void Add(const RequirementResult& row, bool in_measure) {
    rows.Add(row.verdict);
    if (row.verdict != Verdict::kNotApplicable) applies = true;
    if (!in_measure) return;
    measured = true;
    if (row.verdict == Verdict::kOverdue) failing = true;
    if (row.exempted) {
      exempted = true;
      if (row.exemption_kind == v1::EXEMPTION_KIND_MUNICIPALITY) {
        exempted_by_municipality = true;
      }
    } else if (row.verdict != Verdict::kMet) {
      missed = true;
    }
  }

  // Counts towards a population target: measured, not exempted, every
  // measured row met by its deadline.
  bool counting() const { return measured && !exempted && !missed; }
};

// Rows of a requirement over many cases. `cases` counts the cases it
// concerns: those with a row other than NOT_APPLICABLE.
struct Tally {
  int64_t cases = 0;
  RowCounts rows;
  int64_t measured_cases = 0;
  int64_t failing_cases = 0;
  int64_t exempted_cases = 0;
  int64_t exempted_by_municipality_cases = 0;
  int64_t counting_cases = 0;

  // Another tally of other cases.
  void Merge(const Tally& other) {
    cases += other.cases;
    rows.Add(other.rows);
    measured_cases += other.measured_cases;
    failing_cases += other.failing_cases;
    exempted_cases += other.exempted_cases;
    exempted_by_municipality_cases += other.exempted_by_municipality_cases;
    counting_cases += other.counting_cases;
  }

  void Add(const CaseTally& one_case) {
    if (one_case.applies) ++cases;
    rows.Add(one_case.rows);
    if (!one_case.measured) return;
    ++measured_cases;
    if (one_case.failing) ++failing_cases;
    if (one_case.exempted) ++exempted_cases;
    if (one_case.exempted_by_municipality) ++exempted_by_municipality_cases;
    if (one_case.counting()) ++counting_cases;
  }
};

void FillTally(const RequirementKey& key, const RequirementInfo& info,
               const Tally& tally, v1::RequirementTally* out);

// a / b, or 0 when b is 0: the shares every measure states.
double Share(int64_t a, int64_t b);

// A requested limit: below 1 the fallback, above `max` the max.
int Limit(int requested, int fallback, int max);

// --- The basis ---

// The cases a builder read, and those that matched the query: every
// population answer states both in its basis.
struct CasesSeen {
  int64_t examined = 0;
  int64_t counted = 0;

  void Merge(const CasesSeen& other) {
    examined += other.examined;
    counted += other.counted;
  }

  void FillBasis(v1::ReportBasis* basis) const;
};

}  // namespace caseline::population_internal

#endif  // CASELINE_PROJECTIONS_INTERNAL_POPULATION_PARTS_H_
