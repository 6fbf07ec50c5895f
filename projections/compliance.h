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
  std::string title;
  // The requirement's source, or the rule set's if it has none.
  v1::Source source;
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
};

// Judges `timeline` (folded for `as_of`) on `as_of`.
//
// Each period of the case is judged by the rule sets valid on its anchor day
// (valid_from <= anchor_on <= valid_to) that cover its target group, or, if
// `named` is true, by every rule set given, whatever its validity. Within
// those, each requirement yields one row per item; requirements for other
// target groups, other ages, or periods anchored before the requirement's
// valid_from yield one NOT_APPLICABLE row with a note.
//
// Only satisfying events from the period's anchor day to its end (and not
// after as_of) count. Deadlines count calendar days from the anchor; under
// CLOCK_CALENDAR_DAYS_LESS_PAUSES, every day the case was paused up to the
// deadline moves it one day later.
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
