// Judging a case against rule sets on a date: for each requirement that
// concerns the case, whether it was met on time, late, is overdue or still
// due, with the deadline, the events that met it and the rule behind it.
//
// Pure: no I/O, no clock.
#ifndef CASELINE_PROJECTIONS_COMPLIANCE_H_
#define CASELINE_PROJECTIONS_COMPLIANCE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "caseline/v1/projections.pb.h"
#include "caseline/v1/rules.pb.h"
#include "projections/timeline.h"

namespace caseline {

// The status of one requirement on a date D (docs/domain.md):
enum class Verdict {
  kMet,            // done by the deadline
  kMetLate,        // done after it
  kOverdue,        // deadline before D, not done
  kDue,            // deadline on or after D, not done
  kNotApplicable,  // not for this case's period (group, age, validity), or
                   // the period ended before the deadline came
};

absl::string_view VerdictName(Verdict verdict);  // "MET", "MET_LATE", ...
// The verdict as the API states it (COMPLIANCE_STATUS_MET, ...).
v1::ComplianceStatus ComplianceStatusOf(Verdict verdict);

struct RequirementResult {
  std::string rule_set_id;
  int rule_set_version = 0;
  v1::RuleSetKind rule_set_kind = v1::RULE_SET_KIND_UNSPECIFIED;
  std::string requirement_id;
  // The requirement's title, and its source (or the rule set's if it has
  // none): both point into the rule set judged by, which must outlive the
  // row. Rows are made by the million in a report; copies of these were a
  // fifth of its time.
  absl::string_view title;
  const v1::Source* source = nullptr;
  v1::Clock clock = v1::CLOCK_UNSPECIFIED;
  // Which part of the requirement this row judges: "" for a deadline,
  // "milestone 2 of 6 (2 by 8 weeks)", "window 1 (4 in 12 months)",
  // "gap 3 (at most 4 weeks)".
  std::string item;
  // The period judged (index into CaseTimeline::periods), its group and the
  // anchor the deadline counts from.
  int period_index = 0;
  v1::TargetGroup target_group = v1::TARGET_GROUP_UNSPECIFIED;
  std::optional<absl::CivilDay> anchor_on;
  Verdict verdict = Verdict::kNotApplicable;
  // After pauses, under the requirement's clock.
  std::optional<absl::CivilDay> deadline_on;
  std::optional<absl::CivilDay> met_on;
  // The events that count towards this row, in date order.
  std::vector<std::string> event_ids;
  // Why NOT_APPLICABLE, when it is.
  std::string note;
  // The requirement is a population target: the row says whether the case
  // counts towards its group's share (see ComplianceStatusOf).
  bool population_target = false;
  // Exempted from the target (the verdict is then NOT_APPLICABLE, the
  // deadline kept): by whose decision, and the exemption's event.
  bool exempted = false;
  v1::ExemptionKind exemption_kind = v1::EXEMPTION_KIND_UNSPECIFIED;
  std::string exemption_event_id;
};

// A row as the API states it: ComplianceStatusOf(row.verdict), except that
// a population target's row is COUNTS (met), DOES_NOT_COUNT (met late or
// overdue) or EXEMPTED, never a personal MET or OVERDUE.
v1::ComplianceStatus ComplianceStatusOf(const RequirementResult& row);

// Judges `timeline` (folded for `as_of`) on `as_of`.
//
// Each period of the case is judged by the rule sets valid on its anchor day
// (valid_from <= anchor_on <= valid_to) that cover its target group, or, if
// `named` is true, by every rule set given, whatever its validity. Within
// those, each requirement yields one row per item; requirements for other
// target groups, other ages, or periods anchored before the requirement's
// valid_from yield one NOT_APPLICABLE row with a note.
//
// A statutory rule set that applies_to_running_periods also judges, unnamed
// and on an as_of from its valid_from on, a period anchored before its
// valid_from and not ended before it, with only
// its rows due on or after valid_from (the others are left out); the
// statutory rows of the anchor day's rule sets due on or after it are
// NOT_APPLICABLE ("from <day> <id> judges it").
//
// A population target's rows are marked population_target; an exemption of
// that requirement (same rule set id and requirement id) dated within the
// period exempts its rows whose deadline is on or after the exemption's
// day: NOT_APPLICABLE, exempted, with a note. An exemption cannot reach back
// past a deadline, and one of a requirement without a target changes
// nothing.
//
// Only satisfying events from the period's anchor day to its end (and not
// after as_of) count. Deadlines count calendar days from the anchor; under
// CLOCK_CALENDAR_DAYS_LESS_PAUSES, every day the case was paused up to the
// deadline moves it one day later.
//
// The rows point into `rule_sets` (title, source): keep them while the rows
// are used.
std::vector<RequirementResult> Evaluate(absl::Span<const v1::RuleSet> rule_sets,
                                        const CaseTimeline& timeline,
                                        absl::CivilDay as_of, bool named);

// Why an unnamed `rule_set` does not judge `period` of `timeline`, as one
// clause naming the rule set, or "" when it does (the decision Evaluate
// makes). The first of, in this order:
//   "<id> is for periods anchored from <valid_from>";
//   "<id> is for periods anchored until <valid_to>";
//   "<id> is for jobcentres <ids, comma-separated>";
//   "<id> covers <its target groups, comma-separated>".
std::string WhyNotGoverned(const v1::RuleSet& rule_set,
                           const CaseTimeline& timeline, const Period& period);

// Why Evaluate(rule_sets, timeline, as_of, named) gives no row, in one line
// for the user; "" when it gives rows. The first that holds:
//   no rule sets: "no rule set is active";
//   no period: "the case had no benefit period by <as_of>";
//   unnamed and no rule set governs any period: "no rule set judges this
//   case: " and for each period (the first 3, then "; and N more period(s)")
//   "period <n> (<target group>, anchored <day>): " and WhyNotGoverned of
//   each rule set, all joined by "; ".
std::string WhyNoRequirements(absl::Span<const v1::RuleSet> rule_sets,
                              const CaseTimeline& timeline,
                              absl::CivilDay as_of, bool named);

// Whole years from `birth_on` to `on`.
int AgeOn(absl::CivilDay birth_on, absl::CivilDay on);

}  // namespace caseline

#endif  // CASELINE_PROJECTIONS_COMPLIANCE_H_
