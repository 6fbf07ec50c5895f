#include "tools/event_json.h"

#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

namespace caseline::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Nested objects of an event are two deep (event, body); more is not an
// event, and the bound keeps a hostile line from recursing without end.
constexpr int kDepthMax = 4;

// A cursor over the text of the plain shape; every method returns false on
// anything outside it.
class PlainJson {
 public:
  explicit PlainJson(absl::string_view text) : text_(text) {}

  // The whole text is one object, white space around it.
  bool ParseDocument(Message* message) {
    SkipSpace();
    if (!ParseObject(message, 0)) return false;
    SkipSpace();
    return at_ == text_.size();
  }

 private:
  bool ParseObject(Message* message, int depth) {
    if (depth > kDepthMax || !Consume('{')) return false;
    const Descriptor* descriptor = message->GetDescriptor();
    const Reflection* reflection = message->GetReflection();
    std::vector<const FieldDescriptor*> seen;
    SkipSpace();
    if (Consume('}')) return true;
    for (;;) {
      absl::string_view name;
      SkipSpace();
      if (!String(&name)) return false;
      SkipSpace();
      if (!Consume(':')) return false;
      SkipSpace();
      const FieldDescriptor* field =
          descriptor->FindFieldByName(std::string(name));
      if (field == nullptr || field->is_repeated()) return false;
      for (const FieldDescriptor* other : seen) {
        if (other == field) return false;
        if (field->real_containing_oneof() != nullptr &&
            other->real_containing_oneof() == field->real_containing_oneof()) {
          return false;
        }
      }
      seen.push_back(field);
      if (!Value(message, reflection, field, depth)) return false;
      SkipSpace();
      if (Consume('}')) return true;
      if (!Consume(',')) return false;
    }
  }

  bool Value(Message* message, const Reflection* reflection,
             const FieldDescriptor* field, int depth) {
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        absl::string_view value;
        if (field->type() == FieldDescriptor::TYPE_BYTES || !String(&value)) {
          return false;
        }
        reflection->SetString(message, field, std::string(value));
        return true;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        absl::string_view name;
        if (!String(&name)) return false;
        const google::protobuf::EnumValueDescriptor* value =
            field->enum_type()->FindValueByName(std::string(name));
        if (value == nullptr) return false;
        reflection->SetEnumValue(message, field, value->number());
        return true;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        if (Literal("true")) {
          reflection->SetBool(message, field, true);
          return true;
        }
        if (Literal("false")) {
          reflection->SetBool(message, field, false);
          return true;
        }
        return false;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const Descriptor* type = field->message_type();
        if (type == google::protobuf::Timestamp::descriptor()) {
          absl::string_view value;
          google::protobuf::Timestamp timestamp;
          if (!String(&value) || !google::protobuf::util::TimeUtil::FromString(
                                     std::string(value), &timestamp)) {
            return false;
          }
          reflection->MutableMessage(message, field)->CopyFrom(timestamp);
          return true;
        }
        // Other well-known types have JSON forms of their own.
        if (type->file()->package() == "google.protobuf") return false;
        return ParseObject(reflection->MutableMessage(message, field),
                           depth + 1);
      }
      default:
        // Numbers: protobuf's parser knows their forms and limits.
        return false;
    }
  }

  // A string without escapes or control characters, in well-formed UTF-8;
  // `value` is its content.
  bool String(absl::string_view* value) {
    if (!Consume('"')) return false;
    const size_t begin = at_;
    while (at_ < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[at_]);
      if (c == '"') {
        *value = text_.substr(begin, at_ - begin);
        ++at_;
        return true;
      }
      if (c < 0x20 || c == '\\' || c == 0x7f) return false;
      if (c < 0x80) {
        ++at_;
      } else if (!Utf8Sequence()) {
        return false;
      }
    }
    return false;
  }

  // One multi-byte UTF-8 sequence, strictly (RFC 3629: no overlong forms,
  // no surrogates, nothing above U+10FFFF), so that the fast path never
  // takes a string protobuf's parser would refuse.
  bool Utf8Sequence() {
    const auto lead = static_cast<unsigned char>(text_[at_]);
    size_t length = 0;
    unsigned char low = 0x80, high = 0xbf;  // The second byte's range.
    if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead == 0xe0) low = 0xa0;
      if (lead == 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead == 0xf0) low = 0x90;
      if (lead == 0xf4) high = 0x8f;
    } else {
      return false;
    }
    if (at_ + length > text_.size()) return false;
    for (size_t i = 1; i < length; ++i) {
      const auto c = static_cast<unsigned char>(text_[at_ + i]);
      if (c < (i == 1 ? low : 0x80) || c > (i == 1 ? high : 0xbf)) {
        return false;
      }
    }
    at_ += length;
    return true;
  }

  bool Literal(absl::string_view word) {
    if (text_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }

  bool Consume(char c) {
    if (at_ >= text_.size() || text_[at_] != c) return false;
    ++at_;
    return true;
  }

  void SkipSpace() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t' ||
                                  text_[at_] == '\n' || text_[at_] == '\r')) {
      ++at_;
    }
  }

  const absl::string_view text_;
  size_t at_ = 0;
};

}  // namespace

bool ParsePlainEventJson(absl::string_view json, v1::Event* event) {
  event->Clear();
  return PlainJson(json).ParseDocument(event);
}

absl::Status ParseEventJson(absl::string_view json, v1::Event* event) {
  if (ParsePlainEventJson(json, event)) return absl::OkStatus();
  event->Clear();
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), event);
  if (status.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(std::string(status.message()));
}

}  // namespace caseline::cli
