// Rule sets as data: parsing a rule set's text format and checking what it
// means before any case is judged by it. Pure: no I/O, no clock
// (server/rule_files.h reads the files).
#ifndef CASELINE_PROJECTIONS_RULE_SETS_H_
#define CASELINE_PROJECTIONS_RULE_SETS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "caseline/v1/rules.pb.h"

namespace caseline {

// A rule set is a page or two of text (the shipped ones are a few KiB); a
// megabyte is far beyond any real one and keeps a wrong file (a log, a dump)
// from being parsed.
inline constexpr size_t kRuleSetTextBytesMax = 1024 * 1024;

// The law sets a handful of requirements per target group; 64 leaves room
// for every group at once while bounding the work of judging one case.
inline constexpr int kRequirementsMax = 64;

// One milestone a week for a year is more than any schedule in the law.
inline constexpr int kMilestonesMax = 52;

// Age bands split a life into a few spans (the law uses three).
inline constexpr int kAgeBandsMax = 16;

// About ten years in days: no deadline in the law is longer, and it keeps
// date arithmetic on offsets far from overflow in any unit.
inline constexpr int32_t kOffsetCountMax = 3660;
// A monitor's run of months: reports show the last 12 complete months, so a
// longer run could never be seen to hold.
inline constexpr int32_t kMonitorMonthsMax = 12;

// Parses one rule set in protobuf text format and checks it with
// ValidateRuleSet. `file` names the text in messages (a path, or any label).
// Thread-safe.
//
// Errors are INVALID_ARGUMENT:
//   text over kRuleSetTextBytesMax: "<file>: is N bytes; the limit is M";
//   syntax (including unknown fields and enum names, and a singular field
//   given twice): "<file>:<line>:<column>: <parser message>", the first
//   error the parser reports, at the token it stopped at (for an unknown
//   name, the name itself); line and column are 1-based, a tab advancing
//   the column to the next multiple of 8 as protobuf counts;
//   meaning: "<file>:<line>: <field path>: <problem>", as ValidateRuleSet
//   words it, where line (1-based) is that of the offending field, else of
//   the nearest enclosing message written in the text (e.g. the
//   `requirements {` that lacks a clock); ":<line>" is left out when
//   neither is written (e.g. a rule set without a title).
absl::StatusOr<v1::RuleSet> ParseRuleSet(absl::string_view text,
                                         absl::string_view file);

// Checks the meaning of a rule set: ids well formed (CheckId) and unique,
// version >= 1, titles present, enums specified, a source with a law or a
// decision, real dates in order, target groups specified and distinct, at
// least one and at most kRequirementsMax requirements, each with exactly one
// shape whose offsets have count 1..kOffsetCountMax and a unit; age bands
// that do not overlap; schedules that only move forward; requirement target
// groups within the rule set's; requirement valid_from within the rule set's
// validity; anchors that fit the target groups (FIRST_ABSENCE_DAY and
// SICK_NOTE_RECEIVED only for SYGEDAGPENGE, REGISTRATION only for
// A_DAGPENGE); a population flag's share strictly between 0 and 1; a
// count_in_window's `from` earlier than its window and not repeating;
// excluded_offer_kinds known, distinct and only with SATISFIER_OFFER_STARTED;
// direct_referral only for A_DAGPENGE requirements; a population target's
// min_share in (0, 1] and exemption_cap in [0, 1), not with a population
// flag; a monitor's below_share in (0, 1], months 1..kMonitorMonthsMax,
// min_population at least 1, first_month YYYY-MM, not with a target;
// applies_to_running_periods only for statutory rule sets. Stops at the
// first problem. Thread-safe.
//
// Returns OK or INVALID_ARGUMENT "<field path>: <problem>", e.g.
// "requirements[2].deadline.within.count: must be at least 1".
absl::Status ValidateRuleSet(const v1::RuleSet& rule_set);

// The rule sets a what-if judges by after the change: `active` (one version
// per id) with `candidate` in the place of the rule set of its id, or
// appended after them when no active rule set has its id. The order of the
// others is kept. Thread-safe.
std::vector<v1::RuleSet> WithCandidate(const std::vector<v1::RuleSet>& active,
                                       const v1::RuleSet& candidate);

}  // namespace caseline

#endif  // CASELINE_PROJECTIONS_RULE_SETS_H_
