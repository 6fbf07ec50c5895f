// `caseline access-log`: who used a citizen's, a case's or by a user's data,
// when and why, from the server's access log (admins only).
#include <iostream>
#include <string>

#include "absl/strings/str_join.h"
#include "tools/client.h"
#include "tools/format.h"
#include "tools/table.h"
#include "tools/time_args.h"

namespace caseline::cli {
namespace {

std::string Joined(const google::protobuf::RepeatedPtrField<std::string>& ids) {
  return absl::StrJoin(ids, " ");
}

}  // namespace

int RunAccessLog(const ClientOptions& options,
                 const AccessLogOptions& access_log) {
  v1::ReadAccessLogRequest request;
  request.set_case_id(access_log.case_id);
  request.set_citizen_id(access_log.citizen_id);
  request.set_subject(access_log.user);
  request.set_limit(access_log.limit);
  // --from and --to read as --known-at does (an instant, or a day's start).
  auto set_time = [](const std::string& flag, const std::string& text,
                     google::protobuf::Timestamp* (
                         v1::ReadAccessLogRequest::*field)(),
                     v1::ReadAccessLogRequest& into) {
    if (text.empty()) return true;
    absl::StatusOr<google::protobuf::Timestamp> at = ParseKnownAt(text);
    if (!at.ok()) {
      std::cerr << "error: " << flag << ": " << at.status().message() << "\n";
      return false;
    }
    *(into.*field)() = *at;
    return true;
  };
  if (!set_time("--from", access_log.from,
                &v1::ReadAccessLogRequest::mutable_from, request) ||
      !set_time("--to", access_log.to, &v1::ReadAccessLogRequest::mutable_to,
                request)) {
    return kExitUsage;
  }
  grpc::ClientContext context;
  SetUnaryDeadline(options, &context);
  v1::ReadAccessLogResponse response;
  const grpc::Status status =
      MakeAdminStub(options)->ReadAccessLog(&context, request, &response);
  if (!status.ok()) {
    PrintError(status);
    return kExitRejected;
  }
  if (options.json) {
    for (const v1::AccessEntry& entry : response.entries()) {
      std::cout << MessageToJson(entry) << "\n";
    }
  } else {
    Table table({"AT", "USER", "ROLES", "PEER", "RPC", "OUTCOME", "CASES",
                 "CITIZENS", "CRITERION", "PURPOSE"});
    for (const v1::AccessEntry& entry : response.entries()) {
      table.AddRow(
          {FormatRecordedAt(entry.at()), entry.subject(), Joined(entry.roles()),
           entry.peer(), entry.rpc(), entry.outcome(), Joined(entry.case_ids()),
           Joined(entry.citizen_ids()), entry.criterion(), entry.purpose()});
    }
    std::cout << (access_log.csv ? table.RenderCsv() : table.Render());
  }
  if (response.truncated()) {
    std::cerr << "more entries match: ask again with --from the last AT (its "
                 "instant's entries come again), or a larger --limit\n";
  }
  return kExitOk;
}

}  // namespace caseline::cli
