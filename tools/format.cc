#include "tools/format.h"

#include <cassert>
#include <iostream>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "projections/instants.h"

namespace caseline::cli {
namespace {

using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::OneofDescriptor;
using google::protobuf::Reflection;

const OneofDescriptor& BodyOneof() {
  const OneofDescriptor* body =
      v1::Event::descriptor()->FindOneofByName("body");
  assert(body != nullptr);
  return *body;
}

std::string FieldSummary(const Message& body, const FieldDescriptor& field) {
  const Reflection& reflection = *body.GetReflection();
  std::string value;
  if (field.is_repeated()) {
    value = "[...]";
  } else if (field.type() == FieldDescriptor::TYPE_STRING) {
    value = reflection.GetString(body, &field);
    if (value.find(' ') != std::string::npos)
      value = absl::StrCat("\"", value, "\"");
  } else if (field.type() == FieldDescriptor::TYPE_ENUM) {
    value = std::string(ShortEnumName(*reflection.GetEnum(body, &field)));
  } else {
    google::protobuf::TextFormat::PrintFieldValueToString(body, &field, -1,
                                                          &value);
  }
  return absl::StrCat(field.name(), "=", value);
}

// `text` as a JSON string, quotes included; protobuf's printer escapes it.
std::string JsonQuote(std::string_view text) {
  google::protobuf::Value value;
  value.set_string_value(std::string(text));
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(value, &json);
  assert(status.ok());
  (void)status;
  return json;
}

}  // namespace

std::string_view ShortEnumName(const EnumValueDescriptor& value) {
  constexpr std::string_view kUnspecified = "UNSPECIFIED";
  std::string_view zero_name = value.type()->value(0)->name();
  std::string_view name = value.name();
  if (!zero_name.ends_with(kUnspecified)) return name;
  zero_name.remove_suffix(kUnspecified.size());
  if (name.starts_with(zero_name) && name.size() > zero_name.size()) {
    name.remove_prefix(zero_name.size());
  }
  return name;
}

std::string Truncate(std::string text, size_t max_chars) {
  constexpr absl::string_view kEllipsis = "...";
  if (text.size() <= max_chars) return text;
  if (max_chars < kEllipsis.size()) return text.substr(0, max_chars);
  size_t cut = max_chars - kEllipsis.size();
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  text.resize(cut);
  return absl::StrCat(text, kEllipsis);
}

std::string Wrap(std::string_view text, size_t width_chars, size_t indent_chars,
                 size_t continuation_indent_chars) {
  std::string out;
  std::string line;
  for (absl::string_view word :
       absl::StrSplit(absl::string_view(text.data(), text.size()), ' ',
                      absl::SkipEmpty())) {
    if (!line.empty() && line.size() + 1 + word.size() > width_chars) {
      absl::StrAppend(&out, line, "\n");
      line.clear();
    }
    if (!line.empty()) {
      absl::StrAppend(&line, " ", word);
      continue;
    }
    const size_t indent =
        out.empty() ? indent_chars : continuation_indent_chars;
    const size_t room = width_chars > indent ? width_chars - indent : 0;
    line = absl::StrCat(std::string(indent, ' '),
                        Truncate(std::string(word), room));
  }
  if (!line.empty()) absl::StrAppend(&out, line, "\n");
  return out;
}

std::string StatusCodeName(int code) {
  // grpc::StatusCode, google.rpc.Code and absl::StatusCode share numbers.
  std::string name =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? absl::StrCat("CODE_", code) : name;
}

void PrintError(const grpc::Status& status) {
  std::cerr << "error: " << StatusCodeName(status.error_code());
  if (!status.error_message().empty())
    std::cerr << ": " << status.error_message();
  std::cerr << "\n";
}

std::string_view KindName(const v1::Event& event) {
  const FieldDescriptor* field =
      v1::Event::descriptor()->FindFieldByNumber(event.body_case());
  if (field == nullptr) return "none";
  return field->name();
}

std::string CheckKindNames(const std::vector<std::string>& kinds) {
  const OneofDescriptor& body = BodyOneof();
  for (const std::string& kind : kinds) {
    const FieldDescriptor* field =
        v1::Event::descriptor()->FindFieldByName(kind);
    if (field != nullptr && field->containing_oneof() == &body) continue;
    std::vector<std::string> known;
    for (int i = 0; i < body.field_count(); ++i) {
      known.push_back(body.field(i)->name());
    }
    return absl::StrCat(kind, " is not an event kind; the kinds are ",
                        absl::StrJoin(known, ", "));
  }
  return "";
}

std::string FormatRecordedAt(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", ToTime(timestamp),
                          absl::UTCTimeZone());
}

std::string BodySummary(const v1::Event& event, size_t max_chars) {
  const FieldDescriptor* field =
      v1::Event::descriptor()->FindFieldByNumber(event.body_case());
  if (field == nullptr) return "";
  const Message& body = event.GetReflection()->GetMessage(event, field);
  std::vector<const FieldDescriptor*> fields;
  body.GetReflection()->ListFields(body, &fields);
  std::vector<std::string> parts;
  parts.reserve(fields.size());
  for (const FieldDescriptor* set_field : fields) {
    parts.push_back(FieldSummary(body, *set_field));
  }
  return Truncate(absl::StrJoin(parts, " "), max_chars);
}

std::string TableHeader(bool with_case) {
  return absl::StrFormat("%s%7s %9s %-10s %-27s %-20s %s",
                         with_case ? absl::StrFormat("%-12s ", "CASE") : "",
                         "VERSION", "POSITION", "OCCURRED", "RECORDED_AT",
                         "KIND", "SUMMARY");
}

std::string TableRow(const v1::Event& event, bool with_case) {
  // Wide enough for a terminal line with the other columns.
  constexpr size_t kSummaryCharsMax = 80;
  std::string row = absl::StrFormat(
      "%s%7d %9d %-10s %-27s %-20s %s",
      with_case ? absl::StrFormat("%-12s ", event.case_id()) : "",
      event.case_version(), event.position(), event.occurred_on(),
      FormatRecordedAt(event.recorded_at()), KindName(event),
      BodySummary(event, kSummaryCharsMax));
  // An empty summary (review_held) leaves the kind's padding behind.
  absl::StripTrailingAsciiWhitespace(&row);
  return row;
}

std::string MessageToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  // Printing a valid message cannot fail; the status only reports bad input.
  auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  assert(status.ok());
  (void)status;
  return json;
}

std::string EventToJson(const v1::Event& event) { return MessageToJson(event); }

JsonObject& JsonObject::Add(std::string_view key, std::string_view value) {
  if (text_.size() > 1) text_ += ",";
  absl::StrAppend(&text_, JsonQuote(key), ":", JsonQuote(value));
  return *this;
}

JsonObject& JsonObject::Add(std::string_view key, uint64_t value) {
  if (text_.size() > 1) text_ += ",";
  absl::StrAppend(&text_, JsonQuote(key), ":", value);
  return *this;
}

}  // namespace caseline::cli
