// The Projections gRPC service: reads a case from the store, folds it and
// judges it with the pure core (projections/), and converts the answer.
#ifndef CASELINE_SERVER_API_PROJECTIONS_SERVICE_H_
#define CASELINE_SERVER_API_PROJECTIONS_SERVICE_H_

#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "caseline/v1/projections.grpc.pb.h"
#include "server/store/event_store.h"

namespace caseline::api {

// A case is folded whole for every answer; beyond this many events the
// answer would cost more than a request should (a real case has hundreds).
inline constexpr uint64_t kCaseEventsMax = 100'000;
// rule_set_ids in one request: more than there are rule sets to name.
inline constexpr int kRuleSetIdsMax = 64;

// Thread-safe: the rule sets are fixed at construction. `store` must
// outlive the service.
class ProjectionsService final : public v1::Projections::Service {
 public:
  ProjectionsService(
      const store::EventStore& store, std::vector<v1::RuleSet> rule_sets,
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

 private:
  // The latest loaded version of each named rule set; INVALID_ARGUMENT for
  // an unknown id.
  absl::StatusOr<std::vector<v1::RuleSet>> NamedRuleSets(
      const google::protobuf::RepeatedPtrField<std::string>& ids) const;

  const store::EventStore& store_;
  // Every loaded version; `latest_` holds the newest version of each id.
  const std::vector<v1::RuleSet> rule_sets_;
  std::vector<v1::RuleSet> latest_;
  const std::function<absl::Time()> clock_;
};

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_PROJECTIONS_SERVICE_H_
