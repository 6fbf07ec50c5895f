// The population commands: `report`, `trend` and `worklist` (Projections),
// and the admin commands `rules put`, `rebuild` and `whatif` (Admin). Each
// prints its answer as text tables, as CSV (--csv) for spreadsheets (both
// in population_format.h), or as one JSON object (--json).
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
#include "tools/population_format.h"
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

// Fills the request's grouping from --by; false after saying why when a
// name is not a grouping.
bool SetGroupBy(const std::vector<std::string>& names,
                v1::ReportRequest* request) {
  for (const std::string& name : names) {
    std::string key = name;
    std::replace(key.begin(), key.end(), '-', '_');
    v1::GroupBy group_by = v1::GROUP_BY_UNSPECIFIED;
    if (!ParseEnum(key, &group_by)) {
      std::cerr << "error: --by: " << name
                << " is not a grouping (one of jobcentre, team, caseworker, "
                   "target-group, requirement)\n";
      return false;
    }
    request->add_group_by(group_by);
  }
  return true;
}

}  // namespace

int RunReport(const ClientOptions& options, const ReportOptions& report) {
  if (!report.table.empty() && !report.csv) {
    std::cerr << "error: --table " << report.table
              << ": chooses the table --csv writes; give --csv too (the text "
                 "output shows every table)\n";
    return kExitUsage;
  }
  v1::ReportRequest request;
  if (!SetFilter(report.filter, request.mutable_filter())) return kExitUsage;
  request.set_as_of(report.as_of);
  request.set_from(report.from);
  if (!SetKnownAt(report.known_at, &request)) return kExitUsage;
  if (!SetGroupBy(report.by, &request)) return kExitUsage;
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
  return Print(
      options, status, response, trend.csv, [&] { return TrendCsv(response); },
      [&] { return TrendText(response); });
}

int RunCases(const ClientOptions& options, const CasesOptions& cases) {
  v1::ListCasesRequest request;
  if (!SetFilter(cases.filter, request.mutable_filter())) return kExitUsage;
  request.set_as_of(cases.as_of);
  request.set_from(cases.from);
  if (!SetKnownAt(cases.known_at, &request)) return kExitUsage;
  for (const std::string& id : cases.rule_set_ids) {
    request.add_rule_set_ids(id);
  }
  if (!cases.requirement.empty()) {
    const size_t slash = cases.requirement.find('/');
    if (slash == std::string::npos || slash == 0 ||
        slash + 1 == cases.requirement.size()) {
      std::cerr << "error: --requirement " << cases.requirement
                << ": want RULE_SET/REQUIREMENT, e.g. "
                   "dk-lab-2020/first-active-offer\n";
      return kExitUsage;
    }
    request.set_rule_set_id(cases.requirement.substr(0, slash));
    request.set_requirement_id(cases.requirement.substr(slash + 1));
  }
  for (const std::string& status : cases.statuses) {
    v1::ComplianceStatus value;
    if (!v1::ComplianceStatus_Parse(
            "COMPLIANCE_STATUS_" + absl::AsciiStrToUpper(status), &value)) {
      std::cerr << "error: --status " << status << ": not a status\n";
      return kExitUsage;
    }
    request.add_statuses(value);
  }
  if (!cases.compare_known_at.empty()) {
    absl::StatusOr<google::protobuf::Timestamp> then =
        ParseKnownAt(cases.compare_known_at);
    if (!then.ok()) {
      std::cerr << "error: --compare-known-at: " << then.status().message()
                << "\n";
      return kExitUsage;
    }
    *request.mutable_compare_known_at() = *then;
  }
  request.set_page_size(cases.page_size);
  request.set_after_case_id(cases.after);
  v1::ListCasesResponse response;
  grpc::ClientContext context;
  SetPopulationDeadline(options, &context);
  const grpc::Status status =
      MakeProjectionsStub(options)->ListCases(&context, request, &response);
  return Print(
      options, status, response, cases.csv, [&] { return CasesCsv(response); },
      [&] { return CasesText(response); });
}

int RunWorklist(const ClientOptions& options, const WorklistOptions& worklist) {
  if (worklist.caseworker.empty() == worklist.team.empty()) {
    std::cerr << "error: give --caseworker or --team\n";
    return kExitUsage;
  }
  v1::WorklistRequest request;
  request.set_caseworker_id(worklist.caseworker);
  request.set_team_id(worklist.team);
  request.set_jobcentre_id(worklist.jobcentre);
  request.set_as_of(worklist.as_of);
  request.set_horizon_days(worklist.horizon_days);
  request.set_horizon_working_days(worklist.horizon_working_days);
  request.set_offset(worklist.offset);
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
  const WorklistAsked asked = {
      .caseworker = worklist.caseworker,
      .team = worklist.team,
      .jobcentre = worklist.jobcentre,
      .horizon_days = worklist.horizon_days,
      .horizon_working_days = worklist.horizon_working_days};
  return Print(
      options, status, response, worklist.csv,
      [&] { return WorklistCsv(response); },
      [&] { return WorklistText(response, asked); });
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
  return Print(
      options, status, response, whatif.csv,
      [&] { return WhatIfCsv(response); },
      [&] { return WhatIfText(response); });
}

}  // namespace caseline::cli
