#include "server/api/projections_service.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "projections/compliance.h"
#include "projections/dates.h"
#include "projections/instants.h"
#include "projections/timeline.h"
#include "server/api/access.h"
#include "server/api/convert.h"
#include "server/api/population_answers.h"
#include "server/api/projections_convert.h"
#include "server/api/requests.h"

namespace caseline::api {
namespace {

// What every per-case answer starts from: the case's events as known at a
// moment, and the basis it states.
struct CaseAsKnown {
  std::vector<v1::Event> events;
  absl::Time known_at;
  v1::Basis basis;
};

absl::Time RecordedAt(const v1::Event& event) {
  return ToTime(event.recorded_at());
}

// Reads the whole case and states the basis of the answer: as known at the
// request's known_at or, when unset, at the log's last event (see Basis in
// projections.proto). NOT_FOUND for a case the log does not hold, held no
// event of by known_at, or that is not in the caller's jobcentres. Adds the
// case's citizen to `use`.
absl::StatusOr<CaseAsKnown> ReadCase(const store::EventStore& store,
                                     const Caller& caller,
                                     const CaseQuery& query, absl::Time now,
                                     Use& use) {
  absl::Time known_at = query.known_at;
  if (known_at == absl::InfiniteFuture()) {
    // Read before the case: whatever is appended meanwhile comes after it.
    const store::LogHead head = store.head();
    known_at = head.last_position > 0 ? head.last_recorded_at : now;
  }
  // Before anything else is said of the case (even that it is too long to
  // answer): out of scope, it is unknown.
  if (!caller.all_jobcentres) {
    absl::StatusOr<store::CasePage> opened =
        store.ReadCase(query.case_id, 1, 1);
    if (!opened.ok()) return opened.status();
    if (opened->events.empty()) return CaseNotFound(query.case_id);
    const v1::CaseOpened& body = opened->events.front().case_opened();
    use.citizen_ids.push_back(body.citizen_id());
    if (absl::Status scope =
            CheckCase(caller, query.case_id, body.jobcentre_id());
        !scope.ok()) {
      return scope;
    }
  }
  absl::StatusOr<std::vector<v1::Event>> events =
      store.ReadWholeCase(query.case_id, kCaseEventsMax);
  if (!events.ok()) return events.status();
  if (events->empty()) return CaseNotFound(query.case_id);
  if (caller.all_jobcentres) {
    use.citizen_ids.push_back(events->front().case_opened().citizen_id());
  }
  if (RecordedAt(events->front()) > known_at) {
    return absl::NotFoundError(absl::StrCat(
        "case ", query.case_id, " was not yet recorded at ",
        FormatInstant(known_at), " (its first event was recorded at ",
        FormatInstant(RecordedAt(events->front())), ")"));
  }
  CaseAsKnown result{*std::move(events), known_at, {}};
  v1::Basis& basis = result.basis;
  basis.set_case_id(query.case_id);
  basis.set_as_of(FormatDate(query.as_of));
  for (const v1::Event& event : result.events) {
    if (RecordedAt(event) > known_at) break;
    basis.set_case_version(event.case_version());
    basis.set_last_position(event.position());
  }
  *basis.mutable_known_at() = ToTimestamp(known_at);
  return result;
}

CaseTimeline Fold(const CaseAsKnown& known, absl::CivilDay as_of,
                  v1::Basis* basis) {
  CaseTimeline timeline = FoldTimeline(known.events, as_of, known.known_at);
  *basis = known.basis;
  basis->set_events_counted(timeline.events_counted);
  basis->set_events_retracted(timeline.events_retracted);
  return timeline;
}

// The day and moment a per-case query judges.
const CaseQuery& TargetOf(const CaseQuery& query) { return query; }
const CaseQuery& TargetOf(const ComplianceQuery& query) { return query.target; }
const CaseQuery& TargetOf(const SwitchesQuery& query) { return query.target; }

}  // namespace

template <typename Parse, typename Fill>
grpc::Status ProjectionsService::AnswerCase(const grpc::ServerContext& context,
                                            Rpc rpc, const std::string& case_id,
                                            v1::Basis* basis, Parse parse,
                                            Fill fill) {
  absl::StatusOr<Caller> caller = access_.Admit(context, rpc);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  Use use{{case_id}, {}, ""};
  const absl::Status answered = [&]() -> absl::Status {
    const absl::Time now = clock_();
    auto query = parse(now);
    if (!query.ok()) return query.status();
    const CaseQuery& target = TargetOf(*query);
    absl::StatusOr<CaseAsKnown> known =
        ReadCase(store_, *caller, target, now, use);
    if (!known.ok()) return known.status();
    fill(*query, Fold(*known, target.as_of, basis));
    return absl::OkStatus();
  }();
  return access_.Answer(*caller, rpc, use, answered);
}

ProjectionsService::ProjectionsService(const store::EventStore& store,
                                       const RuleBook& rules,
                                       Admission& population, Access& access,
                                       std::function<absl::Time()> clock)
    : store_(store),
      rules_(rules),
      clock_(std::move(clock)),
      population_(population),
      access_(access) {}

grpc::Status ProjectionsService::GetCompliance(
    grpc::ServerContext* context, const v1::GetComplianceRequest* request,
    v1::GetComplianceResponse* response) {
  return AnswerCase(
      *context, Rpc::kGetCompliance, request->case_id(),
      response->mutable_basis(),
      [&](absl::Time now) {
        return ParseCompliance(*request, *rules_.snapshot(), now);
      },
      [&](const ComplianceQuery& query, const CaseTimeline& timeline) {
        const absl::CivilDay as_of = query.target.as_of;
        ToResults(Evaluate(query.rule_sets, timeline, as_of, query.named),
                  response);
        if (response->results().empty()) {
          response->set_note(
              WhyNoRequirements(query.rule_sets, timeline, as_of, query.named));
        }
      });
}

grpc::Status ProjectionsService::GetSwitches(
    grpc::ServerContext* context, const v1::GetSwitchesRequest* request,
    v1::GetSwitchesResponse* response) {
  return AnswerCase(
      *context, Rpc::kGetSwitches, request->case_id(),
      response->mutable_basis(),
      [&](absl::Time now) { return ParseSwitches(*request, now); },
      [&](const SwitchesQuery& query, const CaseTimeline& timeline) {
        ToSwitches(CountSwitches(timeline, query.from, query.target.as_of),
                   response);
      });
}

grpc::Status ProjectionsService::GetWaitingTimes(
    grpc::ServerContext* context, const v1::GetWaitingTimesRequest* request,
    v1::GetWaitingTimesResponse* response) {
  return AnswerCase(
      *context, Rpc::kGetWaitingTimes, request->case_id(),
      response->mutable_basis(),
      [&](absl::Time now) { return ParseWaitingTimes(*request, now); },
      [&](const CaseQuery& query, const CaseTimeline& timeline) {
        ToWaitingTimes(ComputeWaitingTimes(timeline, query.as_of), response);
      });
}

grpc::Status ProjectionsService::GetTimeline(
    grpc::ServerContext* context, const v1::GetTimelineRequest* request,
    v1::GetTimelineResponse* response) {
  return AnswerCase(
      *context, Rpc::kGetTimeline, request->case_id(),
      response->mutable_basis(),
      [&](absl::Time now) { return ParseTimeline(*request, now); },
      [&](const CaseQuery&, const CaseTimeline& timeline) {
        ToTimeline(timeline, response);
      });
}

grpc::Status ProjectionsService::ListRuleSets(
    grpc::ServerContext* context, const v1::ListRuleSetsRequest* /*request*/,
    v1::ListRuleSetsResponse* response) {
  absl::StatusOr<Caller> caller = access_.Admit(*context, Rpc::kListRuleSets);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  for (const v1::StoredRuleSet& stored : rules_.snapshot()->stored) {
    *response->add_rule_sets() = stored.rule_set();
    *response->add_stored() = stored;
  }
  return grpc::Status::OK;
}

template <typename Request, typename Response, typename Scope, typename Parse,
          typename Run, typename Named>
grpc::Status ProjectionsService::AnswerPopulation(
    const grpc::ServerContext& context, Rpc rpc, const Request& request,
    Response* response, Scope scope, Parse parse, Run run, Named named) {
  absl::StatusOr<Caller> caller = access_.Admit(context, rpc);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  Request scoped = request;
  if (absl::Status in_scope = scope(*caller, scoped); !in_scope.ok()) {
    return access_.Answer(*caller, rpc, Use{{}, {}, Criterion(request)},
                          in_scope);
  }
  const absl::Time now = clock_();
  auto query = parse(scoped, *rules_.snapshot(), now);
  if (!query.ok()) {
    return access_.Answer(*caller, rpc, Use{{}, {}, Criterion(scoped)},
                          query.status());
  }
  const absl::Status answered = run(*query, now);
  HideOthers(*caller, *response);
  Use use{{}, {}, Criterion(scoped)};
  named(use);
  return access_.Answer(*caller, rpc, use, answered);
}

namespace {

// Population answers over a filter: limited to the caller's jobcentres.
template <typename Request>
absl::Status ScopeFilterOf(const Caller& caller, Request& request) {
  return ScopeFilter(caller, "filter", *request.mutable_filter());
}

}  // namespace

grpc::Status ProjectionsService::Report(grpc::ServerContext* context,
                                        const v1::ReportRequest* request,
                                        v1::ReportResponse* response) {
  return AnswerPopulation(
      *context, Rpc::kReport, *request, response,
      ScopeFilterOf<v1::ReportRequest>, ParseReport,
      [&](ReportQuery& query, absl::Time now) {
        ReportBuilder builder(query.population, std::move(query.group_by),
                              query.waiting_limit);
        return RunPopulation(
            population_, store_, query.population, query.source, now, context,
            builder, response,
            CandidateCases(query.population.filter, /*whole_jobcentres=*/true));
      },
      // The cases the answer names (its waiting referrals) are logged with
      // it.
      [&](Use& use) {
        for (const v1::WaitingReferral& waiting : response->waiting()) {
          use.case_ids.push_back(waiting.case_id());
        }
      });
}

grpc::Status ProjectionsService::Trend(grpc::ServerContext* context,
                                       const v1::TrendRequest* request,
                                       v1::TrendResponse* response) {
  return AnswerPopulation(
      *context, Rpc::kTrend, *request, response,
      ScopeFilterOf<v1::TrendRequest>, ParseTrend,
      [&](TrendQuery& query, absl::Time now) {
        TrendBuilder builder(query.population, query.days);
        // A trend judges each case once per point: a second builder judges
        // some of the cases on the other core.
        TrendBuilder helper(query.population, std::move(query.days));
        TrendBuilder* const helpers[] = {&helper};
        return RunPopulation(
            population_, store_, query.population, query.source, now, context,
            builder, response,
            CandidateCases(query.population.filter, /*whole_jobcentres=*/true),
            helpers);
      },
      [](Use&) {});
}

grpc::Status ProjectionsService::Worklist(grpc::ServerContext* context,
                                          const v1::WorklistRequest* request,
                                          v1::WorklistResponse* response) {
  return AnswerPopulation(
      *context, Rpc::kWorklist, *request, response,
      [](const Caller& caller, v1::WorklistRequest& scoped) {
        return ScopeJobcentre(caller, "jobcentre_id",
                              *scoped.mutable_jobcentre_id());
      },
      ParseWorklist,
      [&](WorklistQuery& query, absl::Time now) {
        WorklistBuilder builder(query.population, query.horizon_days,
                                query.limit, query.offset);
        return RunPopulation(population_, store_, query.population,
                             v1::REPORT_SOURCE_MATERIALIZED, now, context,
                             builder, response,
                             CandidateCases(query.population.filter,
                                            /*whole_jobcentres=*/false));
      },
      // The cases and citizens the worklist names are logged with it.
      [&](Use& use) {
        for (const v1::WorklistItem& item : response->items()) {
          use.case_ids.push_back(item.case_id());
          use.citizen_ids.push_back(item.citizen_id());
        }
      });
}

grpc::Status ProjectionsService::ListCases(grpc::ServerContext* context,
                                           const v1::ListCasesRequest* request,
                                           v1::ListCasesResponse* response) {
  return AnswerPopulation(
      *context, Rpc::kListCases, *request, response,
      ScopeFilterOf<v1::ListCasesRequest>, ParseListCases,
      [&](CaseListQuery& query, absl::Time now) {
        CaseListBuilder builder(query.population, std::move(query.options));
        return RunPopulation(population_, store_, query.population,
                             v1::REPORT_SOURCE_MATERIALIZED, now, context,
                             builder, response,
                             CandidateCases(query.population.filter,
                                            /*whole_jobcentres=*/false));
      },
      // The cases and citizens the page names are logged with it, once
      // each.
      [&](Use& use) {
        for (const v1::CaseRow& row : response->rows()) {
          if (!use.case_ids.empty() && use.case_ids.back() == row.case_id()) {
            continue;
          }
          use.case_ids.push_back(row.case_id());
          use.citizen_ids.push_back(row.citizen_id());
        }
      });
}

}  // namespace caseline::api
