// Who is calling, and whether they may make this call: the one check every
// handler makes before it reads its request, so that authentication, roles,
// jobcentre scope and the access log have one place to live. Today every
// caller is anonymous and may make every call.
#ifndef CASELINE_SERVER_API_ACCESS_H_
#define CASELINE_SERVER_API_ACCESS_H_

#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"

namespace caseline::api {

// Every call the services answer.
enum class Rpc {
  kAppend,
  kBatchAppend,
  kReadCase,
  kReadAll,
  kSubscribe,
  kImportHistory,
  kPutRuleSet,
  kRebuild,
  kGetProjectionStatus,
  kWhatIf,
  kGetCompliance,
  kGetSwitches,
  kGetWaitingTimes,
  kGetTimeline,
  kListRuleSets,
  kReport,
  kTrend,
  kWorklist,
};

struct Caller {
  // Recorded as recorded_by on the events the caller appends.
  std::string subject;
};

// The caller of `rpc`, or the status that refuses the call. `context` may
// be null (in-process calls in tests).
absl::StatusOr<Caller> Admit(const grpc::ServerContext* context, Rpc rpc);

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_ACCESS_H_
