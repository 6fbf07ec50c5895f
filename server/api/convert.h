// Conversions between the gRPC API's messages and the store's types, and the
// one place where an absl::Status becomes a grpc::Status.
#ifndef CASELINE_SERVER_API_CONVERT_H_
#define CASELINE_SERVER_API_CONVERT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "caseline/v1/caseline.pb.h"
#include "grpcpp/support/status.h"
#include "server/store/event_store.h"

namespace caseline::api {

grpc::Status ToGrpcStatus(const absl::Status& status);

// Moves the request's events into a command; `recorded_by` is the caller.
store::AppendCommand ToAppendCommand(v1::AppendRequest& request,
                                     std::string recorded_by,
                                     bool import = false);

void ToAppendResponse(const store::AppendResult& result,
                      v1::AppendResponse* response);

// Parses event kind names ("interview_held"); INVALID_ARGUMENT naming the
// field (`field`[i]) for an unknown one.
absl::StatusOr<store::KindFilter> ToKindFilter(
    const google::protobuf::RepeatedPtrField<std::string>& kinds,
    absl::string_view field);

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_CONVERT_H_
