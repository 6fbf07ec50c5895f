// How the client prints events and errors: a readable table or JSON lines.
// Pure functions except PrintError, which writes to stderr.
#ifndef CASELINE_TOOLS_FORMAT_H_
#define CASELINE_TOOLS_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "caseline/v1/events.pb.h"

namespace caseline::cli {

// "NOT_FOUND" for 5; "CODE_<n>" for a code gRPC does not define.
std::string StatusCodeName(int code);

// Prints "error: <CODE_NAME>: <message>" to stderr.
void PrintError(const grpc::Status& status);

// The body's oneof field name, e.g. "interview_held"; "none" when unset.
std::string_view KindName(const v1::Event& event);

// An empty string when every name is a kind of Event's body; otherwise a
// message naming the bad one and listing the known kinds.
std::string CheckKindNames(const std::vector<std::string>& kinds);

// RFC 3339 in UTC to the second, e.g. "2024-05-01T09:30:00Z"; "-" if unset.
std::string FormatRecordedAt(const google::protobuf::Timestamp& timestamp);

// The body's set fields as "name=value ...", enum values without their
// type's prefix, cut to at most `max_chars` characters.
std::string BodySummary(const v1::Event& event, size_t max_chars);

// A table of events: a header, then one row per event. `with_case` adds a
// case_id column (for output that mixes cases).
std::string TableHeader(bool with_case);
std::string TableRow(const v1::Event& event, bool with_case);

// One event as a line of JSON, proto field names preserved.
std::string EventToJson(const v1::Event& event);

// One JSON object, its keys in the order added (a google.protobuf.Struct
// would print them in hash order). For summaries and rejections.
class JsonObject {
 public:
  JsonObject& Add(std::string_view key, std::string_view value);
  JsonObject& Add(std::string_view key, uint64_t value);
  std::string str() const { return absl::StrCat(text_, "}"); }

 private:
  std::string text_ = "{";
};

}  // namespace caseline::cli

#endif  // CASELINE_TOOLS_FORMAT_H_
