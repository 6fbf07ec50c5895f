// The events as JSON lines: printed directly where protobuf's printer would
// print the same bytes, by protobuf otherwise.
#include "tools/generate.h"

#include <string>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace caseline {
namespace {

// protobuf's MessageToJsonString resolves the message's type anew for every
// call, which made it nine tenths of the generator's time. The events here
// hold only strings, enums, messages and a Timestamp, so they are printed
// directly, byte for byte as protobuf prints them (generate_test checks
// this); anything else falls back to protobuf.

// Strings that need no escaping in protobuf's JSON: printable ASCII other
// than the characters it escapes.
bool IsPlainJson(absl::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' ||
        c == '&' || c == '\'' || c == '=') {
      return false;
    }
  }
  return true;
}

// "2018-01-02T08:00:06.156754Z", with 0, 3, 6 or 9 fraction digits, by
// protobuf's own printer of a Timestamp.
void AppendTimestamp(const google::protobuf::Timestamp& timestamp,
                     std::string* out) {
  absl::StrAppend(out, "\"",
                  google::protobuf::util::TimeUtil::ToString(timestamp), "\"");
}

// Appends `message` as a JSON object; returns false (with `out` partly
// written) for a field it does not print like protobuf.
bool AppendJsonObject(const google::protobuf::Message& message,
                      std::string* out) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  out->push_back('{');
  bool first = true;
  for (const FieldDescriptor* field : fields) {
    if (field->is_repeated() || field->is_map()) return false;
    if (!first) out->push_back(',');
    first = false;
    absl::StrAppend(out, "\"", field->name(), "\":");
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        const std::string text = reflection->GetString(message, field);
        if (!IsPlainJson(text)) return false;
        absl::StrAppend(out, "\"", text, "\"");
        break;
      }
      case FieldDescriptor::CPPTYPE_ENUM:
        absl::StrAppend(out, "\"", reflection->GetEnum(message, field)->name(),
                        "\"");
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const google::protobuf::Message& nested =
            reflection->GetMessage(message, field);
        if (field->message_type()->full_name() == "google.protobuf.Timestamp") {
          AppendTimestamp(
              static_cast<const google::protobuf::Timestamp&>(nested), out);
        } else if (!AppendJsonObject(nested, out)) {
          return false;
        }
        break;
      }
      default:
        return false;
    }
  }
  out->push_back('}');
  return true;
}

}  // namespace

absl::Status AppendEventJson(const v1::Event& event, std::string* out) {
  const size_t start = out->size();
  if (AppendJsonObject(event, out)) return absl::OkStatus();
  out->resize(start);
  google::protobuf::util::JsonPrintOptions print_options;
  print_options.preserve_proto_field_names = true;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(event, &json, print_options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("event ", event.event_id(), ": ", status.ToString()));
  }
  out->append(json);
  return absl::OkStatus();
}

absl::StatusOr<GenerateSummary> WriteJsonLines(const GenerateOptions& options,
                                               std::ostream& out) {
  absl::Status print_status;
  std::string line;
  auto summary = GenerateEvents(options, [&](const v1::Event& event) {
    if (!print_status.ok()) return;
    line.clear();
    print_status = AppendEventJson(event, &line);
    line.push_back('\n');
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  });
  if (!summary.ok()) return summary.status();
  if (!print_status.ok()) return print_status;
  if (!out.good()) return absl::DataLossError("could not write the output");
  return summary;
}

}  // namespace caseline
