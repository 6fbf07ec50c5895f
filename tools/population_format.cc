#include "tools/population_format.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "projections/population.h"
#include "tools/format.h"
#include "tools/table.h"
#include "tools/time_args.h"

namespace caseline::cli {
namespace {

// Text for a figure that has nothing to stand on: not a zero.
constexpr char kNoFigure[] = "-";

std::string Percent(double share) {
  return absl::StrFormat("%.1f%%", share * 100);
}

std::string Decimal(double value) { return absl::StrFormat("%.2f", value); }

// A number in a CSV cell: the shortest text with six significant digits
// (0.75, 0.26087, 12), which a spreadsheet reads as a number.
std::string CsvNumber(double value) { return absl::StrCat(value); }

// Rows that a share on time is a share of: met / (met + late + overdue).
bool HasJudgedRows(int64_t met, int64_t met_late, int64_t overdue) {
  return met + met_late + overdue > 0;
}

// --- The basis ---

std::string SourceName(v1::ReportSource source) {
  return source == v1::REPORT_SOURCE_LOG ? "the log" : "the materialization";
}

std::string WindowText(const v1::ReportBasis& basis) {
  if (basis.from() == basis.as_of())
    return absl::StrCat("as of ", basis.as_of());
  return absl::StrCat("from ", basis.from(), " to ", basis.as_of());
}

// Why a population answer counted no case: an empty log, or a filter and a
// day that no case matches.
std::string NoCasesText(const v1::ReportBasis& basis) {
  if (basis.last_position() == 0) {
    return "no cases: the log is empty; append or import events first\n";
  }
  return absl::StrCat("no cases: none of the ", basis.cases_examined(),
                      " cases is open ",
                      basis.from() == basis.as_of() ? "on " : "from ",
                      basis.from() == basis.as_of()
                          ? basis.as_of()
                          : absl::StrCat(basis.from(), " to ", basis.as_of()),
                      " and matches the filter\n");
}

// --- Report: requirements ---

std::string RuleSetName(const v1::RequirementTally& tally) {
  return absl::StrCat(tally.rule_set_id(), "@", tally.rule_set_version());
}

std::string OnTimeText(const v1::RequirementTally& tally) {
  if (!HasJudgedRows(tally.met(), tally.met_late(), tally.overdue())) {
    return kNoFigure;
  }
  return Percent(tally.share_on_time());
}

// A population target: "80.0% of 45 MET (target 75.0%); 5 exempted, 10.0%
// (cap 25.0%)", "NOT MET" under the target, "OVER CAP" when the
// municipality exempted more than its allowance; "-" when none was measured.
std::string TargetText(const v1::TargetMeasure& target) {
  if (target.measured() == 0) return kNoFigure;
  std::string text = absl::StrCat(
      Percent(target.share()), " of ", target.measured() - target.exempted(),
      target.met() ? " MET" : " NOT MET", " (target ",
      Percent(target.min_share()), ")");
  if (target.exempted() > 0 || target.over_exemption_cap()) {
    absl::StrAppend(&text, "; ", target.exempted(), " exempted, ",
                    Percent(target.exemption_share()), " (cap ",
                    Percent(target.exemption_cap()), ")",
                    target.over_exemption_cap() ? " OVER CAP" : "");
  }
  return text;
}

// "26.1% of 138 FLAGGED (over 20.0%)"; "" for a requirement without a
// population measure, "-" for one that measured no case. A population
// target as TargetText.
std::string FlagText(const v1::RequirementTally& tally) {
  if (tally.has_target()) return TargetText(tally.target());
  if (!tally.has_measure()) return "";
  const v1::PopulationMeasure& measure = tally.measure();
  if (measure.cases() == 0) return kNoFigure;
  return absl::StrCat(Percent(measure.share_failing()), " of ", measure.cases(),
                      measure.flagged() ? " FLAGGED" : "", " (over ",
                      Percent(measure.flag_over_share()), ")");
}

const std::vector<std::string> kTallyHeader = {
    "RULE SET", "REQUIREMENT", "CASES", "MET",     "LATE",
    "OVERDUE",  "DUE",         "N/A",   "ON TIME", "POPULATION FLAG"};

std::vector<std::string> TallyCells(const v1::RequirementTally& tally) {
  return {RuleSetName(tally),
          tally.requirement_id(),
          absl::StrCat(tally.cases()),
          absl::StrCat(tally.met()),
          absl::StrCat(tally.met_late()),
          absl::StrCat(tally.overdue()),
          absl::StrCat(tally.due()),
          absl::StrCat(tally.not_applicable()),
          OnTimeText(tally),
          FlagText(tally)};
}

const std::vector<std::string> kMeasureCsvHeader = {
    "MEASURED CASES", "SHARE FAILING", "FLAG OVER SHARE", "FLAGGED"};

// A population flag's four CSV cells; empty for none, and the share empty
// when no case was measured.
std::vector<std::string> MeasureCsvCells(const v1::RequirementTally& tally) {
  if (!tally.has_measure()) return {"", "", "", ""};
  const v1::PopulationMeasure& measure = tally.measure();
  return {absl::StrCat(measure.cases()),
          measure.cases() == 0 ? "" : CsvNumber(measure.share_failing()),
          CsvNumber(measure.flag_over_share()),
          std::string(measure.flagged() ? "yes" : "no")};
}

const std::vector<std::string> kTargetCsvHeader = {
    "TARGET MEASURED", "EXEMPTED",      "COUNTING",
    "SHARE COUNTING",  "TARGET SHARE",  "TARGET MET",
    "EXEMPTION SHARE", "EXEMPTION CAP", "OVER EXEMPTION CAP"};

// A population target's CSV cells (kTargetCsvHeader); empty for none, and a
// share empty when no case was measured.
std::vector<std::string> TargetCsvCells(const v1::RequirementTally& tally) {
  if (!tally.has_target()) {
    return std::vector<std::string>(kTargetCsvHeader.size());
  }
  const v1::TargetMeasure& target = tally.target();
  const bool measured = target.measured() > 0;
  return {absl::StrCat(target.measured()),
          absl::StrCat(target.exempted()),
          absl::StrCat(target.counting()),
          measured ? CsvNumber(target.share()) : "",
          CsvNumber(target.min_share()),
          std::string(target.met() ? "yes" : "no"),
          measured ? CsvNumber(target.exemption_share()) : "",
          CsvNumber(target.exemption_cap()),
          std::string(target.over_exemption_cap() ? "yes" : "no")};
}

// A measure's cells in a trend's columns: a target's, or a flag's.
std::vector<std::string> TrendMeasureCells(const v1::RequirementTally& tally) {
  return tally.has_target() ? TargetCsvCells(tally) : MeasureCsvCells(tally);
}

const std::vector<std::string> kTallyCsvHeader = {
    "RULE SET", "VERSION", "REQUIREMENT", "CASES", "MET",
    "LATE",     "OVERDUE", "DUE",         "N/A",   "ON TIME"};

std::vector<std::string> TallyCsvCells(const v1::RequirementTally& tally) {
  std::vector<std::string> cells = {
      tally.rule_set_id(),
      absl::StrCat(tally.rule_set_version()),
      tally.requirement_id(),
      absl::StrCat(tally.cases()),
      absl::StrCat(tally.met()),
      absl::StrCat(tally.met_late()),
      absl::StrCat(tally.overdue()),
      absl::StrCat(tally.due()),
      absl::StrCat(tally.not_applicable()),
      HasJudgedRows(tally.met(), tally.met_late(), tally.overdue())
          ? CsvNumber(tally.share_on_time())
          : ""};
  for (std::string& cell : MeasureCsvCells(tally)) {
    cells.push_back(std::move(cell));
  }
  for (std::string& cell : TargetCsvCells(tally)) {
    cells.push_back(std::move(cell));
  }
  return cells;
}

// --- Report: labels ---

std::string LabelText(const v1::GroupLabel& label) {
  std::vector<std::string> parts;
  if (!label.jobcentre_id().empty())
    parts.push_back("jobcentre " + label.jobcentre_id());
  if (!label.team_id().empty()) parts.push_back("team " + label.team_id());
  if (!label.caseworker_id().empty())
    parts.push_back("caseworker " + label.caseworker_id());
  if (label.target_group() != v1::TARGET_GROUP_UNSPECIFIED)
    parts.push_back(absl::AsciiStrToLower(ShortEnumName(label.target_group())));
  if (!label.requirement_id().empty())
    parts.push_back(label.rule_set_id() + " " + label.requirement_id());
  return parts.empty() ? "all cases" : absl::StrJoin(parts, ", ");
}

const std::vector<std::string> kLabelHeader = {"JOBCENTRE", "TEAM",
                                               "CASEWORKER", "TARGET GROUP"};

// A CSV row: the group's label cells, then `cells`.
std::vector<std::string> Labelled(const v1::GroupLabel& label,
                                  std::vector<std::string> cells) {
  std::vector<std::string> row = {label.jobcentre_id(), label.team_id(),
                                  label.caseworker_id(),
                                  ShortEnumNameOrEmpty(label.target_group())};
  for (std::string& cell : cells) row.push_back(std::move(cell));
  return row;
}

std::vector<std::string> WithLabel(const std::vector<std::string>& header) {
  std::vector<std::string> out = kLabelHeader;
  out.insert(out.end(), header.begin(), header.end());
  return out;
}

// --- Report: switches and waits ---

const std::vector<std::string> kSwitchHeader = {
    "CASES",     "CASE-YEARS",        "PLANNED",
    "UNPLANNED", "PLANNED/CASE-YEAR", "UNPLANNED/CASE-YEAR"};

std::vector<std::string> SwitchCsvCells(const v1::ReportGroup& group) {
  const v1::SwitchTally& s = group.switches();
  return {absl::StrCat(group.cases()),
          CsvNumber(s.case_years()),
          absl::StrCat(s.planned()),
          absl::StrCat(s.unplanned()),
          CsvNumber(s.planned_per_case_year()),
          CsvNumber(s.unplanned_per_case_year())};
}

std::string SwitchLine(const v1::SwitchTally& s) {
  return absl::StrCat("switches: ", s.planned(), " planned, ", s.unplanned(),
                      " unplanned over ", Decimal(s.case_years()),
                      " case-years (", Decimal(s.planned_per_case_year()),
                      " and ", Decimal(s.unplanned_per_case_year()),
                      " per case-year)\n");
}

const std::vector<std::string> kWaitHeader = {"OFFER", "PROVIDER",  "STARTED",
                                              "MEAN",  "MEDIAN",    "P90",
                                              "MAX",   "CANCELLED", "WAITING"};

// `none` where an offer kind and provider started no offer: its mean,
// median, 90th percentile and maximum are of no waits.
std::vector<std::string> WaitCells(const v1::WaitTally& wait, bool csv) {
  const bool started = wait.started() > 0;
  const std::string none = csv ? "" : kNoFigure;
  auto days = [&](double value) {
    if (!started) return none;
    return csv ? CsvNumber(value) : Decimal(value);
  };
  return {ShortEnumName(wait.offer_kind()),
          wait.provider(),
          absl::StrCat(wait.started()),
          days(wait.mean_days()),
          days(wait.median_days()),
          started ? absl::StrCat(wait.p90_days()) : none,
          started ? absl::StrCat(wait.max_days()) : none,
          absl::StrCat(wait.cancelled()),
          absl::StrCat(wait.waiting())};
}

const std::vector<std::string> kWaitingHeader = {
    "DAYS",     "CASE",      "REFERRAL", "REFERRED",  "OFFER",
    "PROVIDER", "JOBCENTRE", "TEAM",     "CASEWORKER"};

std::vector<std::string> WaitingCells(const v1::WaitingReferral& waiting) {
  return {absl::StrCat(waiting.days()),
          waiting.case_id(),
          waiting.referral_id(),
          waiting.referred_on(),
          ShortEnumName(waiting.offer_kind()),
          waiting.provider(),
          waiting.jobcentre_id(),
          waiting.team_id(),
          waiting.caseworker_id()};
}

// --- Report: text ---

std::string GroupText(const v1::ReportGroup& group) {
  std::string text = absl::StrCat("\n== ", LabelText(group.label()), ": ",
                                  group.cases(), " cases\n");
  Table tallies(kTallyHeader);
  for (const v1::RequirementTally& tally : group.requirements()) {
    tallies.AddRow(TallyCells(tally));
  }
  if (!tallies.empty()) absl::StrAppend(&text, tallies.Render());
  if (group.has_switches())
    absl::StrAppend(&text, SwitchLine(group.switches()));
  if (group.waits_size() > 0) {
    Table waits(kWaitHeader);
    for (const v1::WaitTally& wait : group.waits()) {
      waits.AddRow(WaitCells(wait, /*csv=*/false));
    }
    absl::StrAppend(&text, "waits, days from referral to offer start:\n",
                    waits.Render());
  }
  return text;
}

std::string WaitingText(const v1::ReportResponse& report) {
  if (report.waiting_size() == 0) return "";
  Table waiting(kWaitingHeader);
  for (const v1::WaitingReferral& w : report.waiting()) {
    waiting.AddRow(WaitingCells(w));
  }
  return absl::StrCat("\nwaiting on ", report.basis().as_of(),
                      ", longest first (", report.waiting_size(), " of ",
                      report.waiting_total(), "):\n", waiting.Render());
}

// --- Report: STAR's follow-up ---

// The months a text report shows of each monitor: a run of six is what
// STAR's condition needs to be seen.
constexpr int kFollowUpMonthsShown = 6;

// "70.0% of 10*": a month's share and population, starred when under.
std::string MonthCell(const v1::MonitorMonth& month) {
  if (month.population() == 0) return kNoFigure;
  return absl::StrCat(Percent(month.share()), " of ", month.population(),
                      month.under() ? "*" : "");
}

std::string ConditionText(const v1::MonitorStatus& status) {
  if (status.triggered()) return "MET";
  return absl::StrCat("after ", status.months_to_trigger(), " more month",
                      status.months_to_trigger() == 1 ? "" : "s", " under");
}

// One table per rule set and requirement, a row per jobcentre: the last
// months (* under), the run, and STAR's condition on as_of.
std::string FollowUpText(
    const google::protobuf::RepeatedPtrField<v1::MonitorStatus>& monitors) {
  if (monitors.empty()) return "";
  std::string text;
  std::map<std::pair<std::string, std::string>,
           std::vector<const v1::MonitorStatus*>>
      by_requirement;
  for (const v1::MonitorStatus& status : monitors) {
    by_requirement[{status.rule_set_id(), status.requirement_id()}].push_back(
        &status);
  }
  for (const auto& [key, statuses] : by_requirement) {
    const v1::MonitorStatus& first = *statuses.front();
    std::vector<std::string> header = {"JOBCENTRE"};
    const int shown = std::min(first.months_size(), kFollowUpMonthsShown);
    for (int i = first.months_size() - shown; i < first.months_size(); ++i) {
      header.push_back(first.months(i).month());
    }
    header.push_back("UNDER IN A ROW");
    header.push_back("CONDITION");
    Table table(std::move(header));
    for (const v1::MonitorStatus* status : statuses) {
      std::vector<std::string> row = {status->jobcentre_id()};
      for (int i = status->months_size() - shown; i < status->months_size();
           ++i) {
        row.push_back(MonthCell(status->months(i)));
      }
      row.push_back(absl::StrCat(status->run()));
      row.push_back(ConditionText(*status));
      table.AddRow(std::move(row));
    }
    absl::StrAppend(&text, "\n", first.rule_set_id(), "@",
                    first.rule_set_version(), " ", first.requirement_id(), ": ",
                    first.months_required(), " months in a row under ",
                    Percent(first.below_share()), " with at least ",
                    first.min_population(), " measured (* under):\n",
                    table.Render());
  }
  return text;
}

// --- Report: CSV, one table each ---

// A row per jobcentre, monitor and month.
std::string FollowUpCsv(const v1::ReportResponse& report) {
  Table table({"JOBCENTRE", "RULE SET", "VERSION", "REQUIREMENT", "MONTH",
               "POPULATION", "MET", "SHARE", "UNDER", "BELOW SHARE",
               "MIN POPULATION", "UNDER IN A ROW", "MONTHS REQUIRED",
               "CONDITION MET", "MONTHS TO CONDITION"});
  for (const v1::MonitorStatus& status : report.monitors()) {
    for (const v1::MonitorMonth& month : status.months()) {
      table.AddRow(
          {status.jobcentre_id(), status.rule_set_id(),
           absl::StrCat(status.rule_set_version()), status.requirement_id(),
           month.month(), absl::StrCat(month.population()),
           absl::StrCat(month.met()),
           month.population() == 0 ? "" : CsvNumber(month.share()),
           month.under() ? "yes" : "no", CsvNumber(status.below_share()),
           absl::StrCat(status.min_population()), absl::StrCat(status.run()),
           absl::StrCat(status.months_required()),
           status.triggered() ? "yes" : "no",
           absl::StrCat(status.months_to_trigger())});
    }
  }
  return table.RenderCsv();
}

std::string RequirementsCsv(const v1::ReportResponse& report) {
  std::vector<std::string> header = WithLabel(kTallyCsvHeader);
  header.insert(header.end(), kMeasureCsvHeader.begin(),
                kMeasureCsvHeader.end());
  header.insert(header.end(), kTargetCsvHeader.begin(), kTargetCsvHeader.end());
  Table table(std::move(header));
  for (const v1::ReportGroup& group : report.groups()) {
    for (const v1::RequirementTally& tally : group.requirements()) {
      table.AddRow(Labelled(group.label(), TallyCsvCells(tally)));
    }
  }
  return table.RenderCsv();
}

std::string SwitchesCsv(const v1::ReportResponse& report) {
  Table table(WithLabel(kSwitchHeader));
  for (const v1::ReportGroup& group : report.groups()) {
    if (!group.has_switches()) continue;
    table.AddRow(Labelled(group.label(), SwitchCsvCells(group)));
  }
  return table.RenderCsv();
}

std::string WaitsCsv(const v1::ReportResponse& report) {
  Table table(WithLabel(kWaitHeader));
  for (const v1::ReportGroup& group : report.groups()) {
    for (const v1::WaitTally& wait : group.waits()) {
      table.AddRow(Labelled(group.label(), WaitCells(wait, /*csv=*/true)));
    }
  }
  return table.RenderCsv();
}

std::string WaitingCsv(const v1::ReportResponse& report) {
  Table table(kWaitingHeader);
  for (const v1::WaitingReferral& w : report.waiting()) {
    table.AddRow(WaitingCells(w));
  }
  return table.RenderCsv();
}

// --- Trend ---

// A trend's population measures, each a column, in the order they first
// appear: a measure whose rule set is not yet valid on the first points is
// missing from them.
struct MeasureColumn {
  std::string rule_set_id;
  std::string requirement_id;
  // A population target's columns (kTargetCsvHeader), else a flag's.
  bool target = false;
};

std::vector<MeasureColumn> MeasureColumns(const v1::TrendResponse& trend) {
  std::vector<MeasureColumn> columns;
  for (const v1::TrendPoint& point : trend.points()) {
    for (const v1::RequirementTally& m : point.measures()) {
      bool known = false;
      for (const MeasureColumn& column : columns) {
        known = known || (column.rule_set_id == m.rule_set_id() &&
                          column.requirement_id == m.requirement_id());
      }
      if (!known) {
        columns.push_back(
            {m.rule_set_id(), m.requirement_id(), m.has_target()});
      }
    }
  }
  return columns;
}

// The point's tally of the column's measure; nullptr when it has none.
const v1::RequirementTally* FindMeasure(const v1::TrendPoint& point,
                                        const MeasureColumn& column) {
  for (const v1::RequirementTally& m : point.measures()) {
    if (m.rule_set_id() == column.rule_set_id &&
        m.requirement_id() == column.requirement_id) {
      return &m;
    }
  }
  return nullptr;
}

const std::vector<std::string> kTrendHeader = {
    "ON",      "OPEN",          "MET",          "LATE",   "OVERDUE",  "DUE",
    "ON TIME", "LOCAL ON TIME", "SWITCHES P/U", "OFFERS", "MEAN WAIT"};

std::vector<std::string> TrendCells(const v1::TrendPoint& point) {
  return {
      point.on(),
      absl::StrCat(point.open_cases()),
      absl::StrCat(point.met()),
      absl::StrCat(point.met_late()),
      absl::StrCat(point.overdue()),
      absl::StrCat(point.due()),
      HasJudgedRows(point.met(), point.met_late(), point.overdue())
          ? Percent(point.share_on_time())
          : kNoFigure,
      point.local_judged() > 0 ? Percent(point.local_share_on_time())
                               : kNoFigure,
      absl::StrCat(point.switches_planned(), "/", point.switches_unplanned()),
      absl::StrCat(point.offers_started()),
      point.offers_started() > 0 ? Decimal(point.mean_wait_days()) : kNoFigure};
}

const std::vector<std::string> kTrendCsvHeader = {"ON",
                                                  "OPEN",
                                                  "MET",
                                                  "LATE",
                                                  "OVERDUE",
                                                  "DUE",
                                                  "ON TIME",
                                                  "LOCAL ON TIME",
                                                  "SWITCHES PLANNED",
                                                  "SWITCHES UNPLANNED",
                                                  "OFFERS",
                                                  "MEAN WAIT"};

std::vector<std::string> TrendCsvCells(const v1::TrendPoint& point) {
  return {
      point.on(),
      absl::StrCat(point.open_cases()),
      absl::StrCat(point.met()),
      absl::StrCat(point.met_late()),
      absl::StrCat(point.overdue()),
      absl::StrCat(point.due()),
      HasJudgedRows(point.met(), point.met_late(), point.overdue())
          ? CsvNumber(point.share_on_time())
          : "",
      point.local_judged() > 0 ? CsvNumber(point.local_share_on_time()) : "",
      absl::StrCat(point.switches_planned()),
      absl::StrCat(point.switches_unplanned()),
      absl::StrCat(point.offers_started()),
      point.offers_started() > 0 ? CsvNumber(point.mean_wait_days()) : ""};
}

// --- Worklist ---

std::string RequirementText(const v1::WorklistItem& item) {
  return absl::StrCat(item.rule_set_id(), " ", item.requirement_id(),
                      item.item().empty() ? "" : " " + item.item());
}

// Whose cases: "caseworker cw-1", "team t-1 of jobcentre jc-1".
std::string HolderText(const WorklistAsked& asked) {
  std::string text = asked.caseworker.empty()
                         ? absl::StrCat("team ", asked.team)
                         : absl::StrCat("caseworker ", asked.caseworker);
  if (!asked.jobcentre.empty()) absl::StrAppend(&text, " of ", asked.jobcentre);
  return text;
}

std::string EmptyWorklistText(const v1::WorklistResponse& worklist,
                              const WorklistAsked& asked) {
  if (worklist.basis().cases_counted() == 0) {
    return absl::StrCat("no items: ", HolderText(asked), " holds no cases on ",
                        worklist.basis().as_of(), "\n");
  }
  if (asked.horizon_working_days > 0) {
    return absl::StrCat(
        "no items: none of the ", worklist.basis().cases_counted(), " cases ",
        HolderText(asked), " holds has a requirement overdue or due within ",
        asked.horizon_working_days, " working days\n");
  }
  const int horizon_days =
      asked.horizon_days > 0 ? asked.horizon_days : kWorklistHorizonDefault;
  return absl::StrCat(
      "no items: none of the ", worklist.basis().cases_counted(), " cases ",
      HolderText(asked), " holds has a requirement overdue or due within ",
      horizon_days, " days\n");
}

// --- What-if ---

std::string CountsText(const v1::StatusCounts& c) {
  return absl::StrCat(c.met(), " met, ", c.met_late(), " late, ", c.overdue(),
                      " overdue, ", c.due(), " due, ", c.not_applicable(),
                      " not applicable");
}

}  // namespace

std::string BasisText(const v1::ReportBasis& basis) {
  std::vector<std::string> rule_sets;
  for (const v1::RuleSetRef& ref : basis.rule_sets()) {
    rule_sets.push_back(absl::StrCat(ref.id(), "@", ref.version()));
  }
  std::string text = absl::StrCat(
      WindowText(basis), ", known at ", FormatKnownAt(basis.known_at()),
      "; log position ", basis.last_position(), " read from ",
      SourceName(basis.source()),
      basis.projection_version() > 0
          ? absl::StrCat(" (version ", basis.projection_version(), ")")
          : "",
      "; ", basis.cases_counted(), " of ", basis.cases_examined(),
      " cases counted\nrule sets: ", absl::StrJoin(rule_sets, ", "), "\n");
  if (!basis.note().empty())
    absl::StrAppend(&text, "note: ", basis.note(), "\n");
  return text;
}

std::string ReportText(const v1::ReportResponse& report) {
  std::string text = BasisText(report.basis());
  if (report.basis().cases_counted() == 0) {
    return text + NoCasesText(report.basis()) + FollowUpText(report.monitors());
  }
  for (const v1::ReportGroup& group : report.groups()) {
    absl::StrAppend(&text, GroupText(group));
  }
  return text + WaitingText(report) + FollowUpText(report.monitors());
}

std::string ReportCsv(const v1::ReportResponse& report,
                      absl::string_view table) {
  if (table == "switches") return SwitchesCsv(report);
  if (table == "waits") return WaitsCsv(report);
  if (table == "waiting") return WaitingCsv(report);
  if (table == "follow-up") return FollowUpCsv(report);
  return RequirementsCsv(report);
}

std::string TrendText(const v1::TrendResponse& trend) {
  const std::vector<MeasureColumn> columns = MeasureColumns(trend);
  std::vector<std::string> header = kTrendHeader;
  for (const MeasureColumn& column : columns) {
    header.push_back(column.requirement_id);
  }
  Table table(std::move(header));
  for (const v1::TrendPoint& point : trend.points()) {
    std::vector<std::string> row = TrendCells(point);
    for (const MeasureColumn& column : columns) {
      const v1::RequirementTally* measure = FindMeasure(point, column);
      row.push_back(measure == nullptr ? kNoFigure : FlagText(*measure));
    }
    table.AddRow(std::move(row));
  }
  return BasisText(trend.basis()) + table.Render() +
         FollowUpText(trend.monitors());
}

std::string TrendCsv(const v1::TrendResponse& trend) {
  const std::vector<MeasureColumn> columns = MeasureColumns(trend);
  std::vector<std::string> header = kTrendCsvHeader;
  for (const MeasureColumn& column : columns) {
    for (const std::string& name :
         column.target ? kTargetCsvHeader : kMeasureCsvHeader) {
      header.push_back(absl::StrCat(column.requirement_id, " ", name));
    }
  }
  Table table(std::move(header));
  for (const v1::TrendPoint& point : trend.points()) {
    std::vector<std::string> row = TrendCsvCells(point);
    for (const MeasureColumn& column : columns) {
      const v1::RequirementTally* measure = FindMeasure(point, column);
      const size_t width =
          column.target ? kTargetCsvHeader.size() : kMeasureCsvHeader.size();
      for (std::string& cell : measure == nullptr
                                   ? std::vector<std::string>(width, "")
                                   : TrendMeasureCells(*measure)) {
        row.push_back(std::move(cell));
      }
    }
    table.AddRow(std::move(row));
  }
  return table.RenderCsv();
}

std::string WorklistText(const v1::WorklistResponse& worklist,
                         const WorklistAsked& asked) {
  std::string text = BasisText(worklist.basis());
  if (worklist.items_size() == 0 && worklist.total() == 0) {
    return text + EmptyWorklistText(worklist, asked);
  }
  absl::StrAppend(&text, worklist.items_size(), " of ", worklist.total(),
                  " items\n");
  Table table({"DEADLINE", "DAYS LEFT", "WORKING DAYS", "STATUS", "CASE",
               "REQUIREMENT", "TARGET GROUP", "JOBCENTRE", "CASEWORKER"});
  for (const v1::WorklistItem& item : worklist.items()) {
    table.AddRow({item.deadline_on(), absl::StrCat(item.days_left()),
                  absl::StrCat(item.working_days_left()),
                  ShortEnumName(item.status()), item.case_id(),
                  RequirementText(item),
                  ShortEnumNameOrEmpty(item.target_group()),
                  item.jobcentre_id(), item.caseworker_id()});
  }
  if (!table.empty()) absl::StrAppend(&text, table.Render());
  return text;
}

namespace {

// Whether the rows carry the status as known at another moment.
bool Compared(const v1::ListCasesResponse& cases) {
  return std::any_of(
      cases.rows().begin(), cases.rows().end(), [](const v1::CaseRow& row) {
        return row.compare_status() != v1::COMPLIANCE_STATUS_UNSPECIFIED ||
               row.status() == v1::COMPLIANCE_STATUS_UNSPECIFIED;
      });
}

Table CasesTable(const v1::ListCasesResponse& cases, bool csv) {
  const bool compared = Compared(cases);
  std::vector<std::string> header = {"CASE",       "JOBCENTRE",    "TEAM",
                                     "CASEWORKER", "TARGET GROUP", "RULE SET",
                                     "REQUIREMENT"};
  if (csv) header.insert(header.begin() + 1, "CITIZEN");
  for (const char* name : {"ITEM", "STATUS", "DEADLINE", "MET ON"}) {
    header.push_back(name);
  }
  if (compared) {
    for (const char* name : {"THEN STATUS", "THEN DEADLINE", "THEN MET ON"}) {
      header.push_back(name);
    }
  }
  Table table(header);
  for (const v1::CaseRow& row : cases.rows()) {
    std::vector<std::string> cells = {row.case_id(),
                                      row.jobcentre_id(),
                                      row.team_id(),
                                      row.caseworker_id(),
                                      ShortEnumNameOrEmpty(row.target_group()),
                                      row.rule_set_id(),
                                      row.requirement_id()};
    if (csv) cells.insert(cells.begin() + 1, row.citizen_id());
    for (const std::string& cell :
         {row.item(), ShortEnumNameOrEmpty(row.status()), row.deadline_on(),
          row.met_on()}) {
      cells.push_back(cell);
    }
    if (compared) {
      for (const std::string& cell :
           {ShortEnumNameOrEmpty(row.compare_status()),
            row.compare_deadline_on(), row.compare_met_on()}) {
        cells.push_back(cell);
      }
    }
    table.AddRow(std::move(cells));
  }
  return table;
}

}  // namespace

std::string CasesText(const v1::ListCasesResponse& cases) {
  std::string text = BasisText(cases.basis());
  absl::StrAppend(&text, cases.cases_total(), " cases, ", cases.rows_total(),
                  " rows in all\n");
  const Table table = CasesTable(cases, /*csv=*/false);
  if (!table.empty()) absl::StrAppend(&text, table.Render());
  if (!cases.next_after_case_id().empty()) {
    absl::StrAppend(&text, "more: --after ", cases.next_after_case_id(),
                    " --known-at ", FormatKnownAt(cases.basis().known_at()),
                    "\n");
  }
  return text;
}

std::string CasesCsv(const v1::ListCasesResponse& cases) {
  return CasesTable(cases, /*csv=*/true).RenderCsv();
}

std::string WorklistCsv(const v1::WorklistResponse& worklist) {
  Table table({"DEADLINE", "DAYS LEFT", "WORKING DAYS", "STATUS", "CASE",
               "RULE SET", "REQUIREMENT", "ITEM", "TARGET GROUP", "JOBCENTRE",
               "TEAM", "CASEWORKER"});
  for (const v1::WorklistItem& item : worklist.items()) {
    table.AddRow({item.deadline_on(), absl::StrCat(item.days_left()),
                  absl::StrCat(item.working_days_left()),
                  ShortEnumName(item.status()), item.case_id(),
                  item.rule_set_id(), item.requirement_id(), item.item(),
                  ShortEnumNameOrEmpty(item.target_group()),
                  item.jobcentre_id(), item.team_id(), item.caseworker_id()});
  }
  return table.RenderCsv();
}

namespace {

// The changed rows; for CSV the requirement and its item (a schedule's
// milestone) in cells of their own.
Table WhatIfTable(const v1::WhatIfResponse& whatif, bool csv) {
  std::vector<std::string> header = {"CASE", "JOBCENTRE", "RULE SET",
                                     "REQUIREMENT"};
  if (csv) header.push_back("ITEM");
  for (const char* name :
       {"PERIOD", "BEFORE", "AFTER", "DEADLINE BEFORE", "DEADLINE AFTER"}) {
    header.push_back(name);
  }
  Table table(std::move(header));
  for (const v1::CaseChange& change : whatif.cases()) {
    for (const v1::RowChange& row : change.rows()) {
      std::vector<std::string> cells = {change.case_id(), change.jobcentre_id(),
                                        row.rule_set_id()};
      if (csv) {
        cells.push_back(row.requirement_id());
        cells.push_back(row.item());
      } else {
        cells.push_back(absl::StrCat(
            row.requirement_id(), row.item().empty() ? "" : " " + row.item()));
      }
      for (std::string cell : {absl::StrCat(row.period_index()),
                               ShortEnumNameOrEmpty(row.before()),
                               ShortEnumNameOrEmpty(row.after()),
                               row.deadline_before(), row.deadline_after()}) {
        cells.push_back(std::move(cell));
      }
      table.AddRow(std::move(cells));
    }
  }
  return table;
}

}  // namespace

std::string WhatIfText(const v1::WhatIfResponse& whatif) {
  std::string text = BasisText(whatif.basis());
  absl::StrAppend(
      &text, "candidate ", whatif.candidate().id(), "@",
      whatif.candidate().version(), ": ", whatif.cases_changed(), " cases and ",
      whatif.rows_changed(),
      " requirement rows change\nbefore: ", CountsText(whatif.before()),
      "\nafter:  ", CountsText(whatif.after()), "\n");
  const Table table = WhatIfTable(whatif, /*csv=*/false);
  if (!table.empty()) absl::StrAppend(&text, table.Render());
  if (whatif.cases_size() < whatif.cases_changed()) {
    absl::StrAppend(&text, "showing ", whatif.cases_size(), " of ",
                    whatif.cases_changed(), "; --limit N shows more (at most ",
                    kWhatIfCasesMax, ")\n");
  }
  return text;
}

std::string WhatIfCsv(const v1::WhatIfResponse& whatif) {
  return WhatIfTable(whatif, /*csv=*/true).RenderCsv();
}

}  // namespace caseline::cli
