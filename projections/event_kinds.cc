#include "projections/event_kinds.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace caseline {
namespace {

const google::protobuf::OneofDescriptor& BodyOneof() {
  static const google::protobuf::OneofDescriptor* body =
      v1::Event::descriptor()->FindOneofByName("body");
  return *body;
}

}  // namespace

absl::string_view EventKindName(EventKind kind) {
  if (kind == v1::Event::BODY_NOT_SET) return "none";
  const google::protobuf::FieldDescriptor* field =
      v1::Event::descriptor()->FindFieldByNumber(kind);
  return field == nullptr ? absl::string_view("unknown") : field->name();
}

absl::StatusOr<EventKind> ParseEventKind(absl::string_view name) {
  const google::protobuf::OneofDescriptor& body = BodyOneof();
  std::vector<std::string> known;
  for (int i = 0; i < body.field_count(); ++i) {
    if (body.field(i)->name() == name) {
      return static_cast<EventKind>(body.field(i)->number());
    }
    known.push_back(body.field(i)->name());
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "'", name,
      "' is not an event kind; known kinds: ", absl::StrJoin(known, ", ")));
}

}  // namespace caseline
