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

// Sets the request's known_at from --known-at; leaves it unset (the server
// reads "now") when the option was not given. False, after saying why, when
// the text is not a time. (The command line checks it first; this keeps the
// commands safe when called directly.)
template <typename Request>
bool SetKnownAt(const std::string& text, Request* request) {
  if (text.empty()) return true;
  absl::StatusOr<google::protobuf::Timestamp> parsed = ParseKnownAt(text);
  if (!parsed.ok()) {
    std::cerr << "error: --known-at: " << parsed.status().message() << "\n";
    return false;
  }
  *request->mutable_known_at() = *parsed;
  return true;
}

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
  v1::GetComplianceResponse response;
  grpc::ClientContext context;
  SetUnaryDeadline(options, &context);
  grpc::Status status =
      MakeProjectionsStub(options)->GetCompliance(&context, request, &response);
  return PrintAnswer(options, status, response,
                     [&] { return ComplianceText(response, compliance.all); });
}

int RunSwitches(const ClientOptions& options, const SwitchesOptions& switches) {
  v1::GetSwitchesRequest request;
  request.set_case_id(switches.case_id);
  request.set_from(switches.from);
  request.set_to(switches.to);
  if (!SetKnownAt(switches.known_at, &request)) {
    return kExitUsage;
  }
  v1::GetSwitchesResponse response;
  grpc::ClientContext context;
  SetUnaryDeadline(options, &context);
  grpc::Status status =
      MakeProjectionsStub(options)->GetSwitches(&context, request, &response);
  return PrintAnswer(options, status, response, [&] {
    return SwitchesText(response, switches.from, switches.to);
  });
}

int RunWaits(const ClientOptions& options, const CaseOnDayOptions& waits) {
  v1::GetWaitingTimesRequest request;
  request.set_case_id(waits.case_id);
  request.set_as_of(waits.as_of);
  if (!SetKnownAt(waits.known_at, &request)) {
    return kExitUsage;
  }
  v1::GetWaitingTimesResponse response;
  grpc::ClientContext context;
  SetUnaryDeadline(options, &context);
  grpc::Status status = MakeProjectionsStub(options)->GetWaitingTimes(
      &context, request, &response);
  return PrintAnswer(options, status, response,
                     [&] { return WaitsText(response); });
}

int RunTimeline(const ClientOptions& options,
                const CaseOnDayOptions& timeline) {
  v1::GetTimelineRequest request;
  request.set_case_id(timeline.case_id);
  request.set_as_of(timeline.as_of);
  if (!SetKnownAt(timeline.known_at, &request)) {
    return kExitUsage;
  }
  v1::GetTimelineResponse response;
  grpc::ClientContext context;
  SetUnaryDeadline(options, &context);
  grpc::Status status =
      MakeProjectionsStub(options)->GetTimeline(&context, request, &response);
  return PrintAnswer(options, status, response,
                     [&] { return TimelineText(response); });
}

int RunRuleSets(const ClientOptions& options) {
  v1::ListRuleSetsResponse response;
  grpc::ClientContext context;
  SetUnaryDeadline(options, &context);
  grpc::Status status = MakeProjectionsStub(options)->ListRuleSets(
      &context, v1::ListRuleSetsRequest(), &response);
  return PrintAnswer(options, status, response,
                     [&] { return RuleSetsText(response); });
}

}  // namespace caseline::cli
