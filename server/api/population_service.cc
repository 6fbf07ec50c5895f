// The population answers of the Projections service: Report, Trend and
// Worklist. Each checks its request, takes one snapshot of the rule book,
// and feeds every case to its builder (projections/population.h).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "projections/dates.h"
#include "projections/event_validation.h"
#include "projections/population.h"
#include "server/api/convert.h"
#include "server/api/population_query.h"
#include "server/api/projections_service.h"

namespace caseline::api {
namespace {

// The rule sets an answer judges by: those named, or every active one.
struct Judging {
  std::vector<v1::RuleSet> rule_sets;
  bool named = false;
};

absl::StatusOr<Judging> RuleSetsFor(
    const RuleBook& book,
    const google::protobuf::RepeatedPtrField<std::string>& ids) {
  std::shared_ptr<const RuleBook::Snapshot> snapshot = book.snapshot();
  absl::StatusOr<std::vector<v1::RuleSet>> named =
      RuleBook::Named(*snapshot, ids);
  if (!named.ok()) return named.status();
  if (!named->empty()) return Judging{*std::move(named), true};
  return Judging{snapshot->active, false};
}

absl::Status CheckSource(v1::ReportSource source) {
  if (!v1::ReportSource_IsValid(source)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "source: ", static_cast<int>(source), " is not a report source"));
  }
  return absl::OkStatus();
}

absl::Status CheckGroupBy(
    const google::protobuf::RepeatedField<int>& group_by) {
  absl::flat_hash_set<int> seen;
  for (int i = 0; i < group_by.size(); ++i) {
    const int key = group_by[i];
    if (key == v1::GROUP_BY_UNSPECIFIED || !v1::GroupBy_IsValid(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("group_by[", i, "]: ", key, " is not a grouping"));
    }
    if (!seen.insert(key).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "group_by[", i, "]: ",
          v1::GroupBy_Name(static_cast<v1::GroupBy>(key)), " is given twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status ProjectionsService::Report(grpc::ServerContext* context,
                                        const v1::ReportRequest* request,
                                        v1::ReportResponse* response) {
  const absl::Time now = clock_();
  absl::StatusOr<Judging> judging =
      RuleSetsFor(rules_, request->rule_set_ids());
  if (!judging.ok()) return ToGrpcStatus(judging.status());
  if (absl::Status filter = CheckFilter(request->filter()); !filter.ok()) {
    return ToGrpcStatus(filter);
  }
  absl::StatusOr<absl::CivilDay> as_of =
      DateField("as_of", request->as_of(), TodayUtc(now));
  if (!as_of.ok()) return ToGrpcStatus(as_of.status());
  absl::StatusOr<absl::CivilDay> from =
      DateField("from", request->from(), *as_of);
  if (!from.ok()) return ToGrpcStatus(from.status());
  if (*from > *as_of) {
    return ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
        "from: ", FormatDate(*from), " is after as_of ", FormatDate(*as_of))));
  }
  absl::StatusOr<absl::Time> known_at =
      KnownAtField(request->has_known_at(), request->known_at());
  if (!known_at.ok()) return ToGrpcStatus(known_at.status());
  if (absl::Status group_by = CheckGroupBy(request->group_by());
      !group_by.ok()) {
    return ToGrpcStatus(group_by);
  }
  absl::StatusOr<int> waiting_limit =
      CountField("waiting_limit", request->waiting_limit(), kWaitingListDefault,
                 kWaitingListMax);
  if (!waiting_limit.ok()) return ToGrpcStatus(waiting_limit.status());
  if (absl::Status source = CheckSource(request->source()); !source.ok()) {
    return ToGrpcStatus(source);
  }
  std::vector<v1::GroupBy> group_by;
  for (int key : request->group_by()) {
    group_by.push_back(static_cast<v1::GroupBy>(key));
  }
  const PopulationQuery query{
      request->filter(),  *from,         *as_of, *known_at,
      judging->rule_sets, judging->named};
  ReportBuilder builder(query, std::move(group_by), *waiting_limit);
  return ToGrpcStatus(RunPopulation(gate_, store_, query, request->source(),
                                    now, context, builder, response));
}

grpc::Status ProjectionsService::Trend(grpc::ServerContext* context,
                                       const v1::TrendRequest* request,
                                       v1::TrendResponse* response) {
  const absl::Time now = clock_();
  absl::StatusOr<Judging> judging =
      RuleSetsFor(rules_, request->rule_set_ids());
  if (!judging.ok()) return ToGrpcStatus(judging.status());
  if (absl::Status filter = CheckFilter(request->filter()); !filter.ok()) {
    return ToGrpcStatus(filter);
  }
  if (request->from().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("from: is required"));
  }
  absl::StatusOr<absl::CivilDay> from =
      DateField("from", request->from(), TodayUtc(now));
  if (!from.ok()) return ToGrpcStatus(from.status());
  absl::StatusOr<absl::CivilDay> to =
      DateField("to", request->to(), TodayUtc(now));
  if (!to.ok()) return ToGrpcStatus(to.status());
  absl::StatusOr<std::vector<absl::CivilDay>> days =
      TrendDays(*from, *to, request->step());
  if (!days.ok()) return ToGrpcStatus(days.status());
  absl::StatusOr<absl::Time> known_at =
      KnownAtField(request->has_known_at(), request->known_at());
  if (!known_at.ok()) return ToGrpcStatus(known_at.status());
  if (absl::Status source = CheckSource(request->source()); !source.ok()) {
    return ToGrpcStatus(source);
  }
  const PopulationQuery query{request->filter(),  *from,         *to, *known_at,
                              judging->rule_sets, judging->named};
  TrendBuilder builder(query, *std::move(days));
  return ToGrpcStatus(RunPopulation(gate_, store_, query, request->source(),
                                    now, context, builder, response));
}

grpc::Status ProjectionsService::Worklist(grpc::ServerContext* context,
                                          const v1::WorklistRequest* request,
                                          v1::WorklistResponse* response) {
  const absl::Time now = clock_();
  absl::StatusOr<Judging> judging =
      RuleSetsFor(rules_, request->rule_set_ids());
  if (!judging.ok()) return ToGrpcStatus(judging.status());
  const bool by_caseworker = !request->caseworker_id().empty();
  const bool by_team = !request->team_id().empty();
  if (by_caseworker == by_team) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        by_caseworker ? "caseworker_id, team_id: give one, not both"
                      : "caseworker_id, team_id: one is required"));
  }
  const std::string& whose =
      by_caseworker ? request->caseworker_id() : request->team_id();
  if (absl::Status id = CheckId(whose); !id.ok()) {
    return ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
        by_caseworker ? "caseworker_id: " : "team_id: ", id.message())));
  }
  absl::StatusOr<absl::CivilDay> as_of =
      DateField("as_of", request->as_of(), TodayUtc(now));
  if (!as_of.ok()) return ToGrpcStatus(as_of.status());
  absl::StatusOr<int> horizon =
      CountField("horizon_days", request->horizon_days(),
                 kWorklistHorizonDefault, kWorklistHorizonMax);
  if (!horizon.ok()) return ToGrpcStatus(horizon.status());
  absl::StatusOr<int> limit =
      CountField("limit", request->limit(), kWorklistDefault, kWorklistMax);
  if (!limit.ok()) return ToGrpcStatus(limit.status());
  absl::StatusOr<absl::Time> known_at =
      KnownAtField(request->has_known_at(), request->known_at());
  if (!known_at.ok()) return ToGrpcStatus(known_at.status());
  v1::CaseFilter filter;
  if (by_caseworker) {
    filter.add_caseworker_ids(whose);
  } else {
    filter.add_team_ids(whose);
  }
  const PopulationQuery query{
      std::move(filter),  *as_of,        *as_of, *known_at,
      judging->rule_sets, judging->named};
  WorklistBuilder builder(query, *horizon, *limit);
  return ToGrpcStatus(RunPopulation(gate_, store_, query,
                                    v1::REPORT_SOURCE_MATERIALIZED, now,
                                    context, builder, response));
}

}  // namespace caseline::api
