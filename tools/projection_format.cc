#include "tools/projection_format.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tools/format.h"
#include "tools/table.h"
#include "tools/time_args.h"

namespace caseline::cli {
namespace {

// A law's or a decision's text runs to a sentence; the start names it.
constexpr size_t kSourceCharsMax = 40;

// "interview-schedule milestone 2 of 6 (2 by 8 weeks)"; the id alone for a
// plain deadline.
std::string RequirementName(const v1::RequirementResult& result) {
  if (result.item().empty()) return result.requirement_id();
  return absl::StrCat(result.requirement_id(), " ", result.item());
}

std::string SourceName(const v1::Source& source) {
  return Truncate(source.law().empty() ? source.decision() : source.law(),
                  kSourceCharsMax);
}

std::vector<std::string> ComplianceRow(const v1::RequirementResult& result,
                                       bool with_note) {
  std::vector<std::string> row = {
      absl::StrCat(result.rule_set_id(), "@", result.rule_set_version()),
      RequirementName(result),
      ShortEnumName(result.status()),
      result.deadline_on(),
      result.met_on(),
      result.event_ids().empty() ? "" : *result.event_ids().rbegin(),
      SourceName(result.source())};
  if (with_note) row.push_back(result.note());
  return row;
}

// The rule listing fits a terminal of 80 columns: the table's six columns
// (an id of up to 28 characters, 7 + 6 + 9 + 10 + 10 for the rest, and
// five gaps of 2) and the details wrapped beneath each row. --json has every
// field whole.
constexpr size_t kTerminalChars = 80;
constexpr size_t kRuleSetIdCharsMax = 28;
// Details lines start under the id; their continuations a little further.
constexpr size_t kDetailsIndentChars = 2;
constexpr size_t kDetailsContinuationIndentChars = 4;

// STATUTORY, LOCAL or MEASURE: a word short enough for the table.
std::string KindName(v1::RuleSetKind kind) {
  switch (kind) {
    case v1::RULE_SET_KIND_LOCAL_TARGET:
      return "LOCAL";
    case v1::RULE_SET_KIND_POPULATION_MEASURE:
      return "MEASURE";
    default:
      return ShortEnumName(kind);
  }
}

// "5 requirements for A_DAGPENGE, SYGEDAGPENGE; jobcentres all" and "stored
// T from ORIGIN", wrapped to the terminal.
std::string RuleSetDetails(const v1::StoredRuleSet& stored) {
  const v1::RuleSet& rule_set = stored.rule_set();
  std::vector<std::string> groups;
  for (int group : rule_set.target_groups()) {
    groups.push_back(ShortEnumName(static_cast<v1::TargetGroup>(group)));
  }
  const std::string scope = absl::StrCat(
      rule_set.requirements_size(), " requirements for ",
      groups.empty() ? "every target group" : absl::StrJoin(groups, ", "),
      "; jobcentres ",
      rule_set.jobcentre_ids().empty()
          ? "all"
          : absl::StrJoin(rule_set.jobcentre_ids(), ", "));
  const std::string origin =
      absl::StrCat("stored ", FormatKnownAt(stored.stored_at()),
                   stored.origin().empty() ? "" : " from " + stored.origin());
  return absl::StrCat(Wrap(scope, kTerminalChars, kDetailsIndentChars,
                           kDetailsContinuationIndentChars),
                      Wrap(origin, kTerminalChars, kDetailsIndentChars,
                           kDetailsContinuationIndentChars));
}

std::string OptionalDays(bool has_days, int32_t days) {
  return has_days ? absl::StrCat(days) : "none yet";
}

}  // namespace

absl::string_view YesNo(bool value) { return value ? "yes" : "no"; }

std::string BasisLine(const v1::Basis& basis) {
  return absl::StrCat("case ", basis.case_id(), " as of ", basis.as_of(),
                      ", known at ", FormatKnownAt(basis.known_at()),
                      " (version ", basis.case_version(), ", position ",
                      basis.last_position(), ", ", basis.events_counted(),
                      " events, ", basis.events_retracted(), " retracted)\n");
}

std::string ComplianceText(const v1::GetComplianceResponse& response,
                           bool show_not_applicable) {
  std::vector<std::string> header = {"RULE SET", "REQUIREMENT", "STATUS",
                                     "DEADLINE", "MET ON",      "EVENT",
                                     "SOURCE"};
  if (show_not_applicable) header.push_back("NOTE");
  Table table(std::move(header));
  int hidden = 0;
  for (const v1::RequirementResult& result : response.results()) {
    if (result.status() == v1::COMPLIANCE_STATUS_NOT_APPLICABLE &&
        !show_not_applicable) {
      ++hidden;
      continue;
    }
    table.AddRow(ComplianceRow(result, show_not_applicable));
  }
  std::string text = BasisLine(response.basis());
  if (!table.empty()) absl::StrAppend(&text, table.Render());
  if (response.results().empty()) {
    // The server says why (no rule set covers the target group, the anchor
    // day or the jobcentre); an older server does not.
    absl::StrAppend(&text,
                    response.note().empty()
                        ? "no rule set's requirements concern this case"
                        : response.note(),
                    "\n");
  }
  if (hidden > 0) {
    absl::StrAppend(&text, hidden, " not applicable; --all shows them\n");
  }
  return text;
}

std::string SwitchesText(const v1::GetSwitchesResponse& response,
                         absl::string_view from, absl::string_view to) {
  const v1::Basis& basis = response.basis();
  std::string text = BasisLine(basis);
  absl::StrAppend(&text, response.planned(), " planned, ", response.unplanned(),
                  " unplanned switches from ",
                  from.empty() ? "the case's start" : from, " to ",
                  !to.empty()             ? to
                  : basis.as_of().empty() ? "today"
                                          : basis.as_of(),
                  "\n");
  Table table(
      {"ON", "FROM", "TO", "TEAM", "REASON", "PLANNED", "SAME-DAY REVERSAL"});
  for (const v1::CaseworkerSwitch& change : response.switches()) {
    table.AddRow({change.on(), change.from_caseworker_id(),
                  change.to_caseworker_id(), change.to_team_id(),
                  ShortEnumNameOrEmpty(change.reason()),
                  std::string(YesNo(change.planned())),
                  std::string(YesNo(change.same_day_reversal()))});
  }
  if (!table.empty()) absl::StrAppend(&text, table.Render());
  return text;
}

std::string WaitsText(const v1::GetWaitingTimesResponse& response) {
  std::string text = BasisLine(response.basis());
  Table table(
      {"REFERRAL", "REFERRED ON", "STATE", "DAYS", "OFFER KIND", "PROVIDER"});
  for (const v1::ReferralWait& wait : response.referrals()) {
    table.AddRow({wait.referral_id(), wait.referred_on(),
                  ShortEnumName(wait.state()), absl::StrCat(wait.days()),
                  ShortEnumNameOrEmpty(wait.offer_kind()), wait.provider()});
  }
  if (!table.empty()) absl::StrAppend(&text, table.Render());
  absl::StrAppend(&text, "days to first interview: ",
                  OptionalDays(response.has_days_to_first_interview(),
                               response.days_to_first_interview()),
                  "\n", "days to first offer: ",
                  OptionalDays(response.has_days_to_first_offer(),
                               response.days_to_first_offer()),
                  "\n");
  return text;
}

std::string RuleSetsText(const v1::ListRuleSetsResponse& response) {
  if (response.stored().empty()) return "no rule sets stored\n";
  Table table({"ID", "VERSION", "ACTIVE", "KIND", "VALID FROM", "VALID TO"},
              kRuleSetIdCharsMax);
  for (const v1::StoredRuleSet& stored : response.stored()) {
    const v1::RuleSet& rule_set = stored.rule_set();
    table.AddRow({rule_set.id(), absl::StrCat(rule_set.version()),
                  stored.active() ? "active" : "", KindName(rule_set.kind()),
                  rule_set.valid_from(),
                  rule_set.valid_to().empty() ? "open" : rule_set.valid_to()});
  }
  // Table renders the header, then a line per row in the order added; each
  // row gets its details beneath it.
  const std::vector<std::string> lines =
      absl::StrSplit(table.Render(), '\n', absl::SkipEmpty());
  std::string text = lines[0] + "\n";
  for (int i = 0; i < response.stored_size(); ++i) {
    absl::StrAppend(&text, lines[static_cast<size_t>(i) + 1], "\n",
                    RuleSetDetails(response.stored(i)));
  }
  return text;
}

}  // namespace caseline::cli
