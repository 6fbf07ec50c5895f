#include "server/api/convert.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "projections/instants.h"

namespace caseline::api {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl::StatusCode and grpc::StatusCode share their numbering (both follow
  // google.rpc.Code).
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

store::AppendCommand ToAppendCommand(v1::AppendRequest& request,
                                     std::string recorded_by, bool import) {
  store::AppendCommand command;
  command.case_id = request.case_id();
  switch (request.expected_version().kind_case()) {
    case v1::ExpectedVersion::kNoCase:
      command.expect = store::AppendCommand::Expect::kNoCase;
      break;
    case v1::ExpectedVersion::kExact:
      command.expect = store::AppendCommand::Expect::kExact;
      command.expected_version = request.expected_version().exact();
      break;
    case v1::ExpectedVersion::kAny:
    case v1::ExpectedVersion::KIND_NOT_SET:
      command.expect = store::AppendCommand::Expect::kAny;
      break;
  }
  command.events.reserve(request.events_size());
  for (v1::Event& event : *request.mutable_events()) {
    command.events.push_back(std::move(event));
  }
  command.recorded_by = std::move(recorded_by);
  command.import = import;
  return command;
}

void ToAppendResponse(const store::AppendResult& result,
                      v1::AppendResponse* response) {
  response->set_first_position(result.first_position);
  response->set_last_position(result.last_position);
  response->set_case_version(result.case_version);
  *response->mutable_recorded_at() = ToTimestamp(result.recorded_at);
  response->set_deduplicated(result.deduplicated);
}

absl::StatusOr<store::KindFilter> ToKindFilter(
    const google::protobuf::RepeatedPtrField<std::string>& kinds,
    absl::string_view field) {
  store::KindFilter filter;
  for (int i = 0; i < kinds.size(); ++i) {
    absl::StatusOr<EventKind> kind = ParseEventKind(kinds[i]);
    if (!kind.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "]: ", kind.status().message()));
    }
    filter.insert(*kind);
  }
  return filter;
}

}  // namespace caseline::api
