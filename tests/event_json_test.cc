// Goal: `caseline append` reads every JSON line exactly as protobuf's JSON
// mapping would, though most lines take its own fast path. Method: every
// line of generated populations, and lines on and just off the fast path's
// edges, parsed both ways and compared; the errors compared word for word.
#include "tools/event_json.h"

#include <sstream>
#include <string>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tools/generate.h"

namespace caseline::cli {
namespace {

using google::protobuf::util::MessageDifferencer;

// What protobuf's own parser makes of `json`; the status message on error.
struct ByProtobuf {
  bool ok = false;
  std::string error;
  v1::Event event;
};

ByProtobuf ParseByProtobuf(const std::string& json) {
  ByProtobuf parsed;
  const auto status =
      google::protobuf::util::JsonStringToMessage(json, &parsed.event);
  parsed.ok = status.ok();
  parsed.error = std::string(status.message());
  return parsed;
}

// The fast path either declines, or agrees with protobuf, which accepts.
void ExpectFastPathAgrees(const std::string& json) {
  v1::Event fast;
  const bool taken = ParsePlainEventJson(json, &fast);
  const ByProtobuf slow = ParseByProtobuf(json);
  if (!taken) return;
  ASSERT_TRUE(slow.ok) << "the fast path accepted what protobuf refuses: "
                       << json << "\nprotobuf: " << slow.error;
  EXPECT_TRUE(MessageDifferencer::Equals(fast, slow.event))
      << json << "\nfast: " << fast.ShortDebugString()
      << "\nprotobuf: " << slow.event.ShortDebugString();
}

TEST(EventJsonTest, EveryGeneratedLineTakesTheFastPathAndEqualsProtobufs) {
  for (uint64_t seed : {1, 7, 42}) {
    GenerateOptions options;
    options.seed = seed;
    options.cases = 300;
    std::ostringstream out;
    ASSERT_TRUE(WriteJsonLines(options, out).ok());
    size_t lines = 0;
    for (absl::string_view line : absl::StrSplit(out.str(), '\n')) {
      if (line.empty()) continue;
      ++lines;
      const std::string json(line);
      v1::Event fast;
      ASSERT_TRUE(ParsePlainEventJson(json, &fast)) << json;
      const ByProtobuf slow = ParseByProtobuf(json);
      ASSERT_TRUE(slow.ok) << slow.error;
      ASSERT_TRUE(MessageDifferencer::Equals(fast, slow.event))
          << json << "\nfast: " << fast.ShortDebugString()
          << "\nprotobuf: " << slow.event.ShortDebugString();
    }
    EXPECT_GT(lines, 1000u);
  }
}

TEST(EventJsonTest, TheFastPathDeclinesWhatIsNotPlain) {
  const std::vector<std::string> declined = {
      // An escape, a control character; UTF-8 cut short, overlong, a
      // surrogate, beyond U+10FFFF.
      R"({"event_id":"e\"1","case_id":"c-1"})",
      "{\"event_id\":\"e\t1\"}",
      "{\"event_id\":\"e\xc3\"}",
      "{\"event_id\":\"e\xc0\xaf\"}",
      "{\"event_id\":\"e\xed\xa0\x80\"}",
      "{\"event_id\":\"e\xf4\x90\x80\x80\"}",
      // A json name, an unknown field, a repeated field name.
      R"({"eventId":"e-1","case_id":"c-1"})",
      R"({"event_idd":"e-1","case_id":"c-1"})",
      R"({"event_id":"e-1","event_id":"e-2"})",
      // Two bodies of the oneof.
      R"({"event_id":"e-1","case_closed":{},"case_paused":{}})",
      // A number, a null, an enum by number, an unknown enum name.
      R"({"event_id":"e-1","case_version":3})",
      R"({"event_id":null})",
      R"({"event_id":"e-1","case_opened":{"target_group":1}})",
      R"({"event_id":"e-1","case_opened":{"target_group":"TARGET_GROUP_X"}})",
      // A malformed Timestamp, a string for a bool.
      R"({"event_id":"e-1","recorded_at":"2019-13-01T00:00:00Z"})",
      R"({"event_id":"e-1","imported":"true"})",
      // Syntax: trailing text, a missing brace, a trailing comma, no object.
      R"({"event_id":"e-1"} x)",
      R"({"event_id":"e-1")",
      R"({"event_id":"e-1",})",
      R"("e-1")",
      "",
      // An object where a string belongs.
      R"({"case_opened":{"citizen_id":{"a":{"b":{"c":{}}}}}})",
  };
  for (const std::string& json : declined) {
    v1::Event event;
    EXPECT_FALSE(ParsePlainEventJson(json, &event)) << json;
  }
}

TEST(EventJsonTest, TheFastPathAgreesWithProtobufAtItsEdges) {
  const std::vector<std::string> lines = {
      R"({})",
      "  {\t\"event_id\" : \"e-1\" ,\r\n\"case_id\":\"c-1\"}  ",
      R"({"event_id":"","case_id":"c-1","imported":false})",
      R"({"case_closed":{}})",
      R"({"event_id":"e-1","recorded_at":"2019-01-02T03:04:05.123456789Z"})",
      R"({"event_id":"e-1","recorded_at":"2019-01-02T03:04:05+01:00"})",
      R"({"event_id":"e-1","case_opened":{"target_group":"TARGET_GROUP_UNSPECIFIED"}})",
      R"({"event_id":"e-1","case_opened":{"referred_to_jobcentre":true}})",
      R"({"event_id":"e-1","case_opened":{},"event_id":"e-2"})",
      R"({"event_id":"e-1","eventId":"e-2"})",
      R"({"event_id":"e-1","case_version":"3"})",
      "{\"event_id\":\"\xc3\xa6-1\",\"case_id\":\"N\xc3\xb8rre \xe2\x82\xac "
      "\xf0\x9f\x98\x80\"}",
  };
  for (const std::string& json : lines) ExpectFastPathAgrees(json);
  v1::Event event;
  EXPECT_TRUE(ParsePlainEventJson(lines.back(), &event));
  EXPECT_EQ(event.case_id(), "N\xc3\xb8rre \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_TRUE(ParsePlainEventJson(
      R"({"event_id":"e-1","recorded_at":"2019-01-02T03:04:05+01:00"})",
      &event));
  EXPECT_EQ(event.recorded_at().seconds(), 1546394645);
}

TEST(EventJsonTest, ErrorsAreProtobufsWordForWord) {
  const std::vector<std::string> bad = {
      R"({"event_id":"e-1","case_opened":{"target_group":"TARGET_GROUP_X"}})",
      R"({"event_idd":"e-1"})",
      R"({"event_id":"e-1")",
      R"({"event_id":"e-1","recorded_at":"yesterday"})",
      R"({"event_id":"e-1","case_version":-3})",
      "not json",
  };
  for (const std::string& json : bad) {
    v1::Event event;
    const absl::Status status = ParseEventJson(json, &event);
    const ByProtobuf slow = ParseByProtobuf(json);
    ASSERT_FALSE(slow.ok) << json;
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << json;
    EXPECT_EQ(status.message(), slow.error) << json;
  }
  // And a good line after the bad ones, by either path.
  v1::Event event;
  ASSERT_TRUE(ParseEventJson(R"({"event_id":"e\u0031"})", &event).ok());
  EXPECT_EQ(event.event_id(), "e1");
  ASSERT_TRUE(ParseEventJson(R"({"event_id":"e-2"})", &event).ok());
  EXPECT_EQ(event.event_id(), "e-2");
}

}  // namespace
}  // namespace caseline::cli
