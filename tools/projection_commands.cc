// The commands that ask caseline.v1.Projections: `compliance`, `switches`,
// `waits`, `timeline` and `rules`. Each makes one unary call and prints the
// answer as text (projection_format.h) or, with --json, as one JSON object.
#include <functional>
#include <iostream>

#include "tools/client.h"
#include "tools/format.h"
#include "tools/projection_format.h"
#include "tools/time_args.h"

namespace caseline::cli {
namespace {

// Prints a finished call's error, or its response as one JSON object or as
// the text `format` makes of it.
int PrintAnswer(const ClientOptions& options, const grpc::Status& status,
                const google::protobuf::Message& response,
                const std::function<std::string()>& format) {
  if (!status.ok()) {
    PrintError(status);
    return kExitRejected;
  }
  std::cout << (options.json ? MessageToJson(response) + "\n" : format());
  std::cout.flush();
  return kExitOk;
}

// Makes one Projections call with the client's deadline and prints its
// answer; `text` turns the response into the readable form.
template <typename Request, typename Response, typename Text>
int Ask(const ClientOptions& options,
        grpc::Status (v1::Projections::Stub::*method)(grpc::ClientContext*,
                                                      const Request&,
                                                      Response*),
        const Request& request, Text text) {
  Response response;
  grpc::ClientContext context;
  SetUnaryDeadline(options, &context);
  const grpc::Status status = (MakeProjectionsStub(options).get()->*method)(
      &context, request, &response);
  return PrintAnswer(options, status, response, [&] { return text(response); });
}

}  // namespace

int RunCompliance(const ClientOptions& options,
                  const ComplianceOptions& compliance) {
  v1::GetComplianceRequest request;
  request.set_case_id(compliance.case_id);
  request.set_as_of(compliance.as_of);
  if (!SetKnownAt(compliance.known_at, &request)) {
    return kExitUsage;
  }
  for (const std::string& id : compliance.rule_set_ids) {
    request.add_rule_set_ids(id);
  }
  return Ask(options, &v1::Projections::Stub::GetCompliance, request,
             [&](const v1::GetComplianceResponse& answer) {
               return ComplianceText(answer, compliance.all);
             });
}

int RunSwitches(const ClientOptions& options, const SwitchesOptions& switches) {
  v1::GetSwitchesRequest request;
  request.set_case_id(switches.case_id);
  request.set_from(switches.from);
  request.set_to(switches.to);
  if (!SetKnownAt(switches.known_at, &request)) {
    return kExitUsage;
  }
  return Ask(options, &v1::Projections::Stub::GetSwitches, request,
             [&](const v1::GetSwitchesResponse& answer) {
               return SwitchesText(answer, switches.from, switches.to);
             });
}

int RunWaits(const ClientOptions& options, const CaseOnDayOptions& waits) {
  v1::GetWaitingTimesRequest request;
  request.set_case_id(waits.case_id);
  request.set_as_of(waits.as_of);
  if (!SetKnownAt(waits.known_at, &request)) {
    return kExitUsage;
  }
  return Ask(options, &v1::Projections::Stub::GetWaitingTimes, request,
             [&](const v1::GetWaitingTimesResponse& answer) {
               return WaitsText(answer);
             });
}

int RunTimeline(const ClientOptions& options,
                const CaseOnDayOptions& timeline) {
  v1::GetTimelineRequest request;
  request.set_case_id(timeline.case_id);
  request.set_as_of(timeline.as_of);
  if (!SetKnownAt(timeline.known_at, &request)) {
    return kExitUsage;
  }
  return Ask(options, &v1::Projections::Stub::GetTimeline, request,
             [&](const v1::GetTimelineResponse& answer) {
               return TimelineText(answer);
             });
}

int RunRuleSets(const ClientOptions& options) {
  return Ask(options, &v1::Projections::Stub::ListRuleSets,
             v1::ListRuleSetsRequest(),
             [&](const v1::ListRuleSetsResponse& answer) {
               return RuleSetsText(answer);
             });
}

}  // namespace caseline::cli
