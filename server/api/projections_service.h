// The Projections gRPC service. The per-case answers read a case from the
// store, fold it and judge it with the pure core (projections/); the
// population answers (Report, Trend, Worklist) feed every case to a builder
// (projections/population.h). Each handler: request -> query (requests.h),
// one call into the core, answer -> response, status -> grpc::Status.
#ifndef CASELINE_SERVER_API_PROJECTIONS_SERVICE_H_
#define CASELINE_SERVER_API_PROJECTIONS_SERVICE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "caseline/v1/projections.grpc.pb.h"
#include "server/api/access.h"
#include "server/api/admission.h"
#include "server/api/rule_book.h"
#include "server/store/event_store.h"

namespace caseline::api {

// A case is folded whole for every answer; beyond this many events the
// answer would cost more than a request should (a real case has hundreds).
inline constexpr uint64_t kCaseEventsMax = 100'000;
// Thread-safe. `store` and `rules` must outlive the service; every answer
// judges by one snapshot of the rule book.
class ProjectionsService final : public v1::Projections::Service {
 public:
  ProjectionsService(
      const store::EventStore& store, const RuleBook& rules,
      Admission& population, Access& access,
      std::function<absl::Time()> clock = [] { return absl::Now(); });

  grpc::Status GetCompliance(grpc::ServerContext* context,
                             const v1::GetComplianceRequest* request,
                             v1::GetComplianceResponse* response) override;
  grpc::Status GetSwitches(grpc::ServerContext* context,
                           const v1::GetSwitchesRequest* request,
                           v1::GetSwitchesResponse* response) override;
  grpc::Status GetWaitingTimes(grpc::ServerContext* context,
                               const v1::GetWaitingTimesRequest* request,
                               v1::GetWaitingTimesResponse* response) override;
  grpc::Status GetTimeline(grpc::ServerContext* context,
                           const v1::GetTimelineRequest* request,
                           v1::GetTimelineResponse* response) override;
  grpc::Status ListRuleSets(grpc::ServerContext* context,
                            const v1::ListRuleSetsRequest* request,
                            v1::ListRuleSetsResponse* response) override;
  grpc::Status Report(grpc::ServerContext* context,
                      const v1::ReportRequest* request,
                      v1::ReportResponse* response) override;
  grpc::Status Trend(grpc::ServerContext* context,
                     const v1::TrendRequest* request,
                     v1::TrendResponse* response) override;
  grpc::Status Worklist(grpc::ServerContext* context,
                        const v1::WorklistRequest* request,
                        v1::WorklistResponse* response) override;
  grpc::Status ListCases(grpc::ServerContext* context,
                         const v1::ListCasesRequest* request,
                         v1::ListCasesResponse* response) override;

 private:
  // The steps every per-case answer shares: admit the caller, parse the
  // request (`parse(now)`), read the case within the caller's jobcentres,
  // fold it as known, `fill(query, timeline)` the response, and log the
  // use before the answer leaves.
  template <typename Parse, typename Fill>
  grpc::Status AnswerCase(const grpc::ServerContext& context, Rpc rpc,
                          const std::string& case_id, v1::Basis* basis,
                          Parse parse, Fill fill);

  // The steps every population answer shares: admit the caller, limit the
  // request to the caller's jobcentres (`scope(caller, request)`), parse it
  // (`parse(request, rules, now)`), `run(query, now)` it into the
  // response, hide from a caller limited to some jobcentres how many cases
  // the server holds, and log the use, with the cases and citizens the
  // answer names (`named(use)`), before the answer leaves.
  template <typename Request, typename Response, typename Scope, typename Parse,
            typename Run, typename Named>
  grpc::Status AnswerPopulation(const grpc::ServerContext& context, Rpc rpc,
                                const Request& request, Response* response,
                                Scope scope, Parse parse, Run run, Named named);

  const store::EventStore& store_;
  const RuleBook& rules_;
  const std::function<absl::Time()> clock_;
  Admission& population_;
  Access& access_;
};

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_PROJECTIONS_SERVICE_H_
