// The one conversion between Timestamp and absl::Time: exact where it
// should be, floored to the microsecond where the store's unit asks, and
// refusing what a Timestamp cannot hold with the field named.
#include "projections/instants.h"

#include <gtest/gtest.h>

#include "absl/time/civil_time.h"

namespace caseline {
namespace {

google::protobuf::Timestamp Make(int64_t seconds, int32_t nanos) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(nanos);
  return timestamp;
}

TEST(InstantsTest, ATimestampBecomesATimeToTheNanosecond) {
  const absl::Time time = ToTime(Make(1538395200, 500));
  EXPECT_EQ(time, absl::FromCivil(absl::CivilSecond(2018, 10, 1, 12, 0, 0),
                                  absl::UTCTimeZone()) +
                      absl::Nanoseconds(500));
}

TEST(InstantsTest, ATimeBecomesATimestampFlooredToTheMicrosecond) {
  const absl::Time time = absl::FromUnixSeconds(1538395200) +
                          absl::Microseconds(7) + absl::Nanoseconds(999);
  const google::protobuf::Timestamp timestamp = ToTimestamp(time);
  EXPECT_EQ(timestamp.seconds(), 1538395200);
  EXPECT_EQ(timestamp.nanos(), 7000);
}

TEST(InstantsTest, BeforeTheEpochNanosStayPositive) {
  const google::protobuf::Timestamp timestamp =
      ToTimestamp(absl::FromUnixMicros(-1));
  EXPECT_EQ(timestamp.seconds(), -1);
  EXPECT_EQ(timestamp.nanos(), 999'999'000);
  EXPECT_EQ(ToMicros(timestamp), -1);
  EXPECT_EQ(ToTime(timestamp), absl::FromUnixMicros(-1));
}

TEST(InstantsTest, MicrosecondsRoundTrip) {
  for (int64_t micros : {int64_t{0}, int64_t{1}, int64_t{-1'000'001},
                         int64_t{1'538'395'200'123'456}}) {
    EXPECT_EQ(ToMicros(FromMicros(micros)), micros) << micros;
  }
}

TEST(InstantsTest, AFieldOutsideTheRangeIsRefusedByName) {
  EXPECT_TRUE(TimeField("known_at", Make(kInstantSecondsMin, 0)).ok());
  EXPECT_TRUE(
      TimeField("known_at", Make(kInstantSecondsMax, kInstantNanosMax)).ok());
  EXPECT_EQ(TimeField("known_at", Make(1, -4)).status().message(),
            "known_at: seconds 1 and nanos -4 are not a valid instant");
  EXPECT_EQ(TimeField("recorded_at", Make(kInstantSecondsMax + 1, 0))
                .status()
                .message(),
            "recorded_at: seconds 253402300800 and nanos 0 are not a valid "
            "instant");
  EXPECT_EQ(TimeField("x", Make(0, 1'000'000'000)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(InstantsTest, ACheckedTimeNamesHowItWasWritten) {
  const absl::Time year_10000 =
      absl::FromCivil(absl::CivilSecond(10000, 1, 1), absl::UTCTimeZone());
  EXPECT_EQ(ToTimestampChecked(year_10000, "10000-01-01T00:00:00Z")
                .status()
                .message(),
            "10000-01-01T00:00:00Z is outside the years 0001 to 9999");
  EXPECT_EQ(
      ToTimestampChecked(year_10000 - absl::Microseconds(1), "t")->seconds(),
      kInstantSecondsMax);
}

TEST(InstantsTest, FormatsRfc3339InUtcWithTheFractionItHas) {
  const absl::Time noon = absl::FromUnixSeconds(1538395200);
  EXPECT_EQ(FormatInstant(noon), "2018-10-01T12:00:00Z");
  EXPECT_EQ(FormatInstant(noon + absl::Microseconds(999'999)),
            "2018-10-01T12:00:00.999999Z");
}

}  // namespace
}  // namespace caseline
