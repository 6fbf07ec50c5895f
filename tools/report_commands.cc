// The population commands: `report`, `trend` and `worklist` (Projections),
// and the admin commands `rules put`, `rebuild` and `whatif` (Admin). Each
// prints its answer as text tables, as CSV (--csv) for spreadsheets, or as
// one JSON object (--json).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "projections/rule_sets.h"
#include "tools/client.h"
#include "tools/format.h"
#include "tools/table.h"
#include "tools/time_args.h"

namespace caseline::cli {
namespace {

// A population answer reads every case; a municipality takes seconds, so
// these calls get a longer deadline than the client's unary default.
constexpr double kPopulationTimeoutMinSeconds = 600;

void SetPopulationDeadline(const ClientOptions& options,
                           grpc::ClientContext* context) {
  ClientOptions longer = options;
  longer.timeout_seconds =
      std::max(options.timeout_seconds, kPopulationTimeoutMinSeconds);
  SetUnaryDeadline(longer, context);
}

std::string Percent(double share) {
  return absl::StrFormat("%.1f%%", share * 100);
}

std::string Decimal(double value) { return absl::StrFormat("%.2f", value); }

// An enum value by its name, full (TARGET_GROUP_SYGEDAGPENGE) or short
// (sygedagpenge, any case); false if there is none.
template <typename Enum>
bool ParseEnum(const std::string& text, Enum* value) {
  const google::protobuf::EnumDescriptor* descriptor =
      google::protobuf::GetEnumDescriptor<Enum>();
  const std::string upper = absl::AsciiStrToUpper(text);
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* candidate =
        descriptor->value(i);
    if (candidate->number() == 0) continue;
    if (candidate->name() == upper ||
        std::string(ShortEnumName(*candidate)) == upper) {
      *value = static_cast<Enum>(candidate->number());
      return true;
    }
  }
  return false;
}

template <typename Enum>
std::string EnumChoices() {
  const google::protobuf::EnumDescriptor* descriptor =
      google::protobuf::GetEnumDescriptor<Enum>();
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    if (descriptor->value(i)->number() == 0) continue;
    names.push_back(absl::AsciiStrToLower(
        std::string(ShortEnumName(*descriptor->value(i)))));
  }
  return absl::StrJoin(names, ", ");
}

// Fills `filter`; false after saying why when a target group is unknown.
bool SetFilter(const PopulationFilter& from, v1::CaseFilter* filter) {
  for (const std::string& id : from.jobcentres) filter->add_jobcentre_ids(id);
  for (const std::string& id : from.teams) filter->add_team_ids(id);
  for (const std::string& id : from.caseworkers) filter->add_caseworker_ids(id);
  for (const std::string& name : from.target_groups) {
    v1::TargetGroup group = v1::TARGET_GROUP_UNSPECIFIED;
    if (!ParseEnum(name, &group)) {
      std::cerr << "error: --target-group: " << name
                << " is not a target group (one of "
                << EnumChoices<v1::TargetGroup>() << ")\n";
      return false;
    }
    filter->add_target_groups(group);
  }
  return true;
}

std::string SourceName(v1::ReportSource source) {
  return source == v1::REPORT_SOURCE_LOG ? "the log" : "the materialization";
}

// What the answer was computed from, in one or two lines.
std::string BasisText(const v1::ReportBasis& basis) {
  std::vector<std::string> rule_sets;
  for (const v1::RuleSetRef& ref : basis.rule_sets()) {
    rule_sets.push_back(absl::StrCat(ref.id(), "@", ref.version()));
  }
  std::string text = absl::StrCat(
      basis.from() == basis.as_of()
          ? absl::StrCat("as of ", basis.as_of())
          : absl::StrCat("from ", basis.from(), " to ", basis.as_of()),
      ", known at ", FormatKnownAt(basis.known_at()), "; log position ",
      basis.last_position(), " read from ", SourceName(basis.source()),
      basis.projection_version() > 0
          ? absl::StrCat(" (version ", basis.projection_version(), ")")
          : "",
      "; ", basis.cases_counted(), " of ", basis.cases_examined(),
      " cases counted\nrule sets: ", absl::StrJoin(rule_sets, ", "), "\n");
  if (!basis.note().empty())
    absl::StrAppend(&text, "note: ", basis.note(), "\n");
  return text;
}

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

std::vector<std::string> LabelCells(const v1::GroupLabel& label) {
  return {label.jobcentre_id(), label.team_id(), label.caseworker_id(),
          ShortEnumNameOrEmpty(label.target_group())};
}

const std::vector<std::string> kLabelHeader = {"JOBCENTRE", "TEAM",
                                               "CASEWORKER", "TARGET GROUP"};

std::vector<std::string> WithLabel(std::vector<std::string> header) {
  std::vector<std::string> out = kLabelHeader;
  out.insert(out.end(), header.begin(), header.end());
  return out;
}

std::string FlagText(const v1::RequirementTally& tally) {
  if (!tally.has_measure()) return "";
  const v1::PopulationMeasure& measure = tally.measure();
  return absl::StrCat(Percent(measure.share_failing()), " of ", measure.cases(),
                      measure.flagged() ? " FLAGGED" : "", " (over ",
                      Percent(measure.flag_over_share()), ")");
}

const std::vector<std::string> kTallyHeader = {
    "RULE SET", "REQUIREMENT", "CASES", "MET",     "LATE",
    "OVERDUE",  "DUE",         "N/A",   "ON TIME", "POPULATION FLAG"};

std::vector<std::string> TallyCells(const v1::RequirementTally& tally) {
  return {absl::StrCat(tally.rule_set_id(), "@", tally.rule_set_version()),
          tally.requirement_id(),
          absl::StrCat(tally.cases()),
          absl::StrCat(tally.met()),
          absl::StrCat(tally.met_late()),
          absl::StrCat(tally.overdue()),
          absl::StrCat(tally.due()),
          absl::StrCat(tally.not_applicable()),
          Percent(tally.share_on_time()),
          FlagText(tally)};
}

const std::vector<std::string> kSwitchHeader = {
    "CASES",     "CASE-YEARS",        "PLANNED",
    "UNPLANNED", "PLANNED/CASE-YEAR", "UNPLANNED/CASE-YEAR"};

std::vector<std::string> SwitchCells(const v1::ReportGroup& group) {
  const v1::SwitchTally& s = group.switches();
  return {
      absl::StrCat(group.cases()),        Decimal(s.case_years()),
      absl::StrCat(s.planned()),          absl::StrCat(s.unplanned()),
      Decimal(s.planned_per_case_year()), Decimal(s.unplanned_per_case_year())};
}

const std::vector<std::string> kWaitHeader = {"OFFER", "PROVIDER",  "STARTED",
                                              "MEAN",  "MEDIAN",    "P90",
                                              "MAX",   "CANCELLED", "WAITING"};

std::vector<std::string> WaitCells(const v1::WaitTally& wait) {
  return {ShortEnumName(wait.offer_kind()), wait.provider(),
          absl::StrCat(wait.started()),     Decimal(wait.mean_days()),
          Decimal(wait.median_days()),      absl::StrCat(wait.p90_days()),
          absl::StrCat(wait.max_days()),    absl::StrCat(wait.cancelled()),
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

std::string ReportText(const v1::ReportResponse& report) {
  std::string text = BasisText(report.basis());
  for (const v1::ReportGroup& group : report.groups()) {
    absl::StrAppend(&text, "\n== ", LabelText(group.label()), ": ",
                    group.cases(), " cases\n");
    Table tallies(kTallyHeader);
    for (const v1::RequirementTally& tally : group.requirements()) {
      tallies.AddRow(TallyCells(tally));
    }
    if (!tallies.empty()) absl::StrAppend(&text, tallies.Render());
    if (group.has_switches()) {
      const v1::SwitchTally& s = group.switches();
      absl::StrAppend(
          &text, "switches: ", s.planned(), " planned, ", s.unplanned(),
          " unplanned over ", Decimal(s.case_years()), " case-years (",
          Decimal(s.planned_per_case_year()), " and ",
          Decimal(s.unplanned_per_case_year()), " per case-year)\n");
    }
    if (group.waits_size() > 0) {
      Table waits(kWaitHeader);
      for (const v1::WaitTally& wait : group.waits()) {
        waits.AddRow(WaitCells(wait));
      }
      absl::StrAppend(&text, "waits, days from referral to offer start:\n",
                      waits.Render());
    }
  }
  if (report.waiting_size() > 0) {
    Table waiting(kWaitingHeader);
    for (const v1::WaitingReferral& w : report.waiting()) {
      waiting.AddRow(WaitingCells(w));
    }
    absl::StrAppend(&text, "\nwaiting on ", report.basis().as_of(),
                    ", longest first (", report.waiting_size(), " of ",
                    report.waiting_total(), "):\n", waiting.Render());
  }
  return text;
}

// One of the report's tables as CSV, every group's rows with its label.
std::string ReportCsv(const v1::ReportResponse& report,
                      const std::string& which) {
  if (which == "switches") {
    Table table(WithLabel(kSwitchHeader));
    for (const v1::ReportGroup& group : report.groups()) {
      if (!group.has_switches()) continue;
      std::vector<std::string> row = LabelCells(group.label());
      for (std::string& cell : SwitchCells(group)) row.push_back(cell);
      table.AddRow(std::move(row));
    }
    return table.RenderCsv();
  }
  if (which == "waits") {
    Table table(WithLabel(kWaitHeader));
    for (const v1::ReportGroup& group : report.groups()) {
      for (const v1::WaitTally& wait : group.waits()) {
        std::vector<std::string> row = LabelCells(group.label());
        for (std::string& cell : WaitCells(wait)) row.push_back(cell);
        table.AddRow(std::move(row));
      }
    }
    return table.RenderCsv();
  }
  if (which == "waiting") {
    Table table(kWaitingHeader);
    for (const v1::WaitingReferral& w : report.waiting()) {
      table.AddRow(WaitingCells(w));
    }
    return table.RenderCsv();
  }
  std::vector<std::string> header = WithLabel(kTallyHeader);
  header.back() = "SHARE FAILING";
  header.push_back("FLAGGED");
  Table table(std::move(header));
  for (const v1::ReportGroup& group : report.groups()) {
    for (const v1::RequirementTally& tally : group.requirements()) {
      std::vector<std::string> row = LabelCells(group.label());
      for (std::string& cell : TallyCells(tally)) row.push_back(cell);
      row.back() =
          tally.has_measure()
              ? absl::StrFormat("%.4f", tally.measure().share_failing())
              : "";
      row.push_back(tally.has_measure()
                        ? (tally.measure().flagged() ? "yes" : "no")
                        : "");
      table.AddRow(std::move(row));
    }
  }
  return table.RenderCsv();
}

// Prints the answer (JSON, CSV or text); the exit status.
int Print(const ClientOptions& options, const grpc::Status& status,
          const google::protobuf::Message& response, bool csv,
          const std::function<std::string()>& as_csv,
          const std::function<std::string()>& as_text) {
  if (!status.ok()) {
    PrintError(status);
    return kExitRejected;
  }
  if (options.json) {
    std::cout << MessageToJson(response) << "\n";
  } else {
    std::cout << (csv ? as_csv() : as_text());
  }
  std::cout.flush();
  return kExitOk;
}

absl::StatusOr<v1::RuleSet> ReadRuleSetFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::string text;
  // One byte past the limit tells a file over it from one at it.
  text.resize(kRuleSetTextBytesMax + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kRuleSetTextBytesMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": is larger than ", kRuleSetTextBytesMax, " bytes"));
  }
  return ParseRuleSet(text, path);
}

}  // namespace

int RunReport(const ClientOptions& options, const ReportOptions& report) {
  v1::ReportRequest request;
  if (!SetFilter(report.filter, request.mutable_filter())) return kExitUsage;
  request.set_as_of(report.as_of);
  request.set_from(report.from);
  if (!SetKnownAt(report.known_at, &request)) return kExitUsage;
  for (const std::string& name : report.by) {
    std::string key = name;
    std::replace(key.begin(), key.end(), '-', '_');
    v1::GroupBy group_by = v1::GROUP_BY_UNSPECIFIED;
    if (!ParseEnum(key, &group_by)) {
      std::cerr << "error: --by: " << name
                << " is not a grouping (one of jobcentre, team, caseworker, "
                   "target-group, requirement)\n";
      return kExitUsage;
    }
    request.add_group_by(group_by);
  }
  for (const std::string& id : report.rule_set_ids) {
    request.add_rule_set_ids(id);
  }
  request.set_source(report.from_log ? v1::REPORT_SOURCE_LOG
                                     : v1::REPORT_SOURCE_MATERIALIZED);
  request.set_waiting_limit(report.waiting);
  v1::ReportResponse response;
  grpc::ClientContext context;
  SetPopulationDeadline(options, &context);
  const grpc::Status status =
      MakeProjectionsStub(options)->Report(&context, request, &response);
  return Print(
      options, status, response, report.csv,
      [&] { return ReportCsv(response, report.table); },
      [&] { return ReportText(response); });
}

int RunTrend(const ClientOptions& options, const TrendOptions& trend) {
  v1::TrendRequest request;
  if (!SetFilter(trend.filter, request.mutable_filter())) return kExitUsage;
  request.set_from(trend.from);
  request.set_to(trend.to);
  request.set_step(trend.step == "week" ? v1::TREND_STEP_WEEK
                                        : v1::TREND_STEP_MONTH);
  if (!SetKnownAt(trend.known_at, &request)) return kExitUsage;
  for (const std::string& id : trend.rule_set_ids) {
    request.add_rule_set_ids(id);
  }
  v1::TrendResponse response;
  grpc::ClientContext context;
  SetPopulationDeadline(options, &context);
  const grpc::Status status =
      MakeProjectionsStub(options)->Trend(&context, request, &response);
  auto table = [&] {
    std::vector<std::string> header = {
        "ON",      "OPEN",          "MET",          "LATE",   "OVERDUE",  "DUE",
        "ON TIME", "LOCAL ON TIME", "SWITCHES P/U", "OFFERS", "MEAN WAIT"};
    // One column per population measure, named by its requirement.
    std::vector<std::string> measures;
    if (response.points_size() > 0) {
      for (const v1::RequirementTally& m : response.points(0).measures()) {
        measures.push_back(m.requirement_id());
        header.push_back(m.requirement_id());
      }
    }
    Table out(std::move(header));
    for (const v1::TrendPoint& point : response.points()) {
      std::vector<std::string> row = {
          point.on(),
          absl::StrCat(point.open_cases()),
          absl::StrCat(point.met()),
          absl::StrCat(point.met_late()),
          absl::StrCat(point.overdue()),
          absl::StrCat(point.due()),
          Percent(point.share_on_time()),
          Percent(point.local_share_on_time()),
          absl::StrCat(point.switches_planned(), "/",
                       point.switches_unplanned()),
          absl::StrCat(point.offers_started()),
          Decimal(point.mean_wait_days())};
      for (size_t i = 0; i < measures.size(); ++i) {
        row.push_back(i < static_cast<size_t>(point.measures_size())
                          ? FlagText(point.measures(static_cast<int>(i)))
                          : "");
      }
      out.AddRow(std::move(row));
    }
    return out;
  };
  return Print(
      options, status, response, trend.csv, [&] { return table().RenderCsv(); },
      [&] { return BasisText(response.basis()) + table().Render(); });
}

int RunWorklist(const ClientOptions& options, const WorklistOptions& worklist) {
  if (worklist.caseworker.empty() == worklist.team.empty()) {
    std::cerr << "error: give --caseworker or --team\n";
    return kExitUsage;
  }
  v1::WorklistRequest request;
  request.set_caseworker_id(worklist.caseworker);
  request.set_team_id(worklist.team);
  request.set_as_of(worklist.as_of);
  request.set_horizon_days(worklist.horizon_days);
  request.set_limit(worklist.limit);
  if (!SetKnownAt(worklist.known_at, &request)) return kExitUsage;
  for (const std::string& id : worklist.rule_set_ids) {
    request.add_rule_set_ids(id);
  }
  v1::WorklistResponse response;
  grpc::ClientContext context;
  SetPopulationDeadline(options, &context);
  const grpc::Status status =
      MakeProjectionsStub(options)->Worklist(&context, request, &response);
  auto table = [&] {
    Table out({"DEADLINE", "DAYS LEFT", "WORKING DAYS", "STATUS", "CASE",
               "REQUIREMENT", "TARGET GROUP", "CASEWORKER"});
    for (const v1::WorklistItem& item : response.items()) {
      out.AddRow({item.deadline_on(), absl::StrCat(item.days_left()),
                  absl::StrCat(item.working_days_left()),
                  ShortEnumName(item.status()), item.case_id(),
                  absl::StrCat(item.rule_set_id(), " ", item.requirement_id(),
                               item.item().empty() ? "" : " " + item.item()),
                  ShortEnumNameOrEmpty(item.target_group()),
                  item.caseworker_id()});
    }
    return out;
  };
  return Print(
      options, status, response, worklist.csv,
      [&] { return table().RenderCsv(); },
      [&] {
        std::string text = BasisText(response.basis());
        absl::StrAppend(&text, response.items_size(), " of ", response.total(),
                        " items\n");
        if (response.items_size() > 0) absl::StrAppend(&text, table().Render());
        return text;
      });
}

int RunRulesPut(const ClientOptions& options, const std::string& file) {
  absl::StatusOr<v1::RuleSet> rule_set = ReadRuleSetFile(file);
  if (!rule_set.ok()) {
    std::cerr << "error: " << rule_set.status().message() << "\n";
    return kExitFailure;
  }
  v1::PutRuleSetRequest request;
  *request.mutable_rule_set() = *rule_set;
  v1::PutRuleSetResponse response;
  grpc::ClientContext context;
  SetUnaryDeadline(options, &context);
  const grpc::Status status =
      MakeAdminStub(options)->PutRuleSet(&context, request, &response);
  return Print(
      options, status, response, false, [] { return std::string(); },
      [&] {
        return absl::StrCat("rule set ", response.id(), " version ",
                            response.version(),
                            response.already_stored()
                                ? " was stored already; nothing changed\n"
                                : " stored; it is the active version now\n");
      });
}

int RunRebuild(const ClientOptions& options) {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::RebuildProgress>> reader =
      MakeAdminStub(options)->Rebuild(&context, v1::RebuildRequest());
  const bool terminal = isatty(STDERR_FILENO) == 1 && !options.json;
  v1::RebuildProgress progress;
  v1::RebuildProgress last;
  while (reader->Read(&progress)) {
    last = progress;
    if (options.json) {
      std::cout << MessageToJson(progress) << "\n";
      std::cout.flush();
    } else if (terminal) {
      const double share =
          progress.events_total() > 0
              ? static_cast<double>(progress.events_done()) /
                    static_cast<double>(progress.events_total())
              : 1.0;
      std::cerr << absl::StrFormat(
          "\rrebuilding version %d: %d of %d events (%.0f%%), %d cases, "
          "%.0f events/s, %.0f s left   ",
          progress.projection_version(), progress.events_done(),
          progress.events_total(), share * 100, progress.cases_done(),
          progress.events_per_second(), progress.eta_seconds());
    }
  }
  if (terminal) std::cerr << "\n";
  const grpc::Status status = reader->Finish();
  if (!status.ok()) {
    PrintError(status);
    return kExitRejected;
  }
  if (!options.json) {
    std::cout << absl::StrFormat(
        "switched to projection version %d: %d events of %d cases, %.0f "
        "events/s\n",
        last.projection_version(), last.events_done(), last.cases_done(),
        last.events_per_second());
  }
  return kExitOk;
}

int RunWhatIf(const ClientOptions& options, const WhatIfOptions& whatif) {
  absl::StatusOr<v1::RuleSet> candidate = ReadRuleSetFile(whatif.file);
  if (!candidate.ok()) {
    std::cerr << "error: " << candidate.status().message() << "\n";
    return kExitFailure;
  }
  v1::WhatIfRequest request;
  *request.mutable_candidate() = *candidate;
  if (!SetFilter(whatif.filter, request.mutable_filter())) return kExitUsage;
  request.set_as_of(whatif.as_of);
  request.set_from(whatif.from);
  request.set_limit(whatif.limit);
  if (!SetKnownAt(whatif.known_at, &request)) return kExitUsage;
  v1::WhatIfResponse response;
  grpc::ClientContext context;
  SetPopulationDeadline(options, &context);
  const grpc::Status status =
      MakeAdminStub(options)->WhatIf(&context, request, &response);
  auto table = [&] {
    Table out({"CASE", "JOBCENTRE", "RULE SET", "REQUIREMENT", "PERIOD",
               "BEFORE", "AFTER", "DEADLINE BEFORE", "DEADLINE AFTER"});
    for (const v1::CaseChange& change : response.cases()) {
      for (const v1::RowChange& row : change.rows()) {
        out.AddRow({change.case_id(), change.jobcentre_id(), row.rule_set_id(),
                    absl::StrCat(row.requirement_id(),
                                 row.item().empty() ? "" : " " + row.item()),
                    absl::StrCat(row.period_index()),
                    ShortEnumNameOrEmpty(row.before()),
                    ShortEnumNameOrEmpty(row.after()), row.deadline_before(),
                    row.deadline_after()});
      }
    }
    return out;
  };
  auto counts = [](const v1::StatusCounts& c) {
    return absl::StrCat(c.met(), " met, ", c.met_late(), " late, ", c.overdue(),
                        " overdue, ", c.due(), " due, ", c.not_applicable(),
                        " not applicable");
  };
  return Print(
      options, status, response, whatif.csv,
      [&] { return table().RenderCsv(); },
      [&] {
        std::string text = BasisText(response.basis());
        absl::StrAppend(
            &text, "candidate ", response.candidate().id(), "@",
            response.candidate().version(), ": ", response.cases_changed(),
            " cases and ", response.rows_changed(),
            " requirement rows change\nbefore: ", counts(response.before()),
            "\nafter:  ", counts(response.after()), "\n");
        if (response.cases_size() > 0) absl::StrAppend(&text, table().Render());
        return text;
      });
}

}  // namespace caseline::cli
