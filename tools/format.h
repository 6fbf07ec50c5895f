// How the client prints events and errors: a readable table or JSON lines.
// Pure functions except PrintError, which writes to stderr.
#ifndef CASELINE_TOOLS_FORMAT_H_
#define CASELINE_TOOLS_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/generated_enum_reflection.h>
#include <google/protobuf/message.h>
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

// "SICKNESS" for CASEWORKER_CHANGE_REASON_SICKNESS: the value's name without
// the prefix its enum's UNSPECIFIED value carries.
std::string_view ShortEnumName(
    const google::protobuf::EnumValueDescriptor& value);

// ShortEnumName of a generated enum's value; the number for a value this
// client does not know (a newer server's).
template <typename Enum>
std::string ShortEnumName(Enum value) {
  const google::protobuf::EnumValueDescriptor* descriptor =
      google::protobuf::GetEnumDescriptor<Enum>()->FindValueByNumber(value);
  if (descriptor == nullptr) return absl::StrCat(static_cast<int>(value));
  return std::string(ShortEnumName(*descriptor));
}

// ShortEnumName, but "" for the zero value: an enum field left unset (a
// missed interview's channel, a first assignment's reason) prints blank.
template <typename Enum>
std::string ShortEnumNameOrEmpty(Enum value) {
  if (static_cast<int>(value) == 0) return "";
  return ShortEnumName(value);
}

// Cuts `text` to at most `max_chars` bytes, ending in "..." when cut, without
// splitting a UTF-8 sequence.
std::string Truncate(std::string text, size_t max_chars);

// `text` as lines of at most `width_chars` bytes, broken at spaces: the
// first line indented by `indent_chars` spaces, the rest by
// `continuation_indent_chars`. A word too long for a line is cut with "...".
// Every line ends in "\n"; empty text gives "".
std::string Wrap(std::string_view text, size_t width_chars, size_t indent_chars,
                 size_t continuation_indent_chars);

// RFC 3339 in UTC to the microsecond (the store's unit), always six digits
// so that a table's column lines up, e.g. "2024-05-01T09:30:00.120000Z"; "-"
// if unset. Whole, so that it can be given back as --known-at.
std::string FormatRecordedAt(const google::protobuf::Timestamp& timestamp);

// The body's set fields as "name=value ...", enum values without their
// type's prefix, cut to at most `max_chars` characters.
std::string BodySummary(const v1::Event& event, size_t max_chars);

// A table of events: a header, then one row per event. `with_case` adds a
// case_id column (for output that mixes cases).
std::string TableHeader(bool with_case);
std::string TableRow(const v1::Event& event, bool with_case);

// One message as a line of JSON, proto field names preserved.
std::string MessageToJson(const google::protobuf::Message& message);

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
