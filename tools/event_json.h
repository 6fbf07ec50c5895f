// Events from JSON lines, as `caseline append` and `import-history` read
// them: protobuf's JSON mapping, with a fast path for the plain shape that
// caseline's own tools (and most case systems) write.
#ifndef CASELINE_TOOLS_EVENT_JSON_H_
#define CASELINE_TOOLS_EVENT_JSON_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "caseline/v1/events.pb.h"

namespace caseline::cli {

// Parses one JSON object into `event` exactly as protobuf's
// JsonStringToMessage does, its error messages included (INVALID_ARGUMENT):
// by the fast path (ParsePlainEventJson) when the line is plain, as nearly
// every line is, by protobuf's parser otherwise. Pure.
absl::Status ParseEventJson(absl::string_view json, v1::Event* event);

// The fast path: parses `json` into `event` when it has the plain shape, one
// object of fields named as in the .proto whose values are strings of
// well-formed UTF-8 without escapes or control characters (for string, enum
// and Timestamp fields), true or false, or such objects, each field at most
// once and at most one of a oneof. Returns false for anything else (numbers,
// nulls, arrays, escapes, other characters, json names, unknown fields, unknown
// enum names, a malformed Timestamp, a syntax error), leaving `event` in any
// state: protobuf's parser then gives the verdict. When it returns true,
// `event` is what JsonStringToMessage makes of `json`. Pure.
bool ParsePlainEventJson(absl::string_view json, v1::Event* event);

}  // namespace caseline::cli

#endif  // CASELINE_TOOLS_EVENT_JSON_H_
