#include "projections/instants.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"

namespace caseline {

using google::protobuf::util::TimeUtil;

static_assert(kInstantSecondsMin == TimeUtil::kTimestampMinSeconds);
static_assert(kInstantSecondsMax == TimeUtil::kTimestampMaxSeconds);

bool IsValidTimestamp(const google::protobuf::Timestamp& timestamp) {
  return timestamp.seconds() >= kInstantSecondsMin &&
         timestamp.seconds() <= kInstantSecondsMax && timestamp.nanos() >= 0 &&
         timestamp.nanos() <= kInstantNanosMax;
}

absl::StatusOr<absl::Time> TimeField(
    absl::string_view field, const google::protobuf::Timestamp& timestamp) {
  if (!IsValidTimestamp(timestamp)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": seconds ", timestamp.seconds(), " and nanos ",
                     timestamp.nanos(), " are not a valid instant"));
  }
  return ToTime(timestamp);
}

absl::Time ToTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  return FromMicros(absl::ToUnixMicros(time));
}

absl::StatusOr<google::protobuf::Timestamp> ToTimestampChecked(
    absl::Time time, absl::string_view text) {
  if (time < absl::FromUnixSeconds(kInstantSecondsMin) ||
      time >= absl::FromUnixSeconds(kInstantSecondsMax + 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat(text, " is outside the years 0001 to 9999"));
  }
  return ToTimestamp(time);
}

int64_t ToMicros(const google::protobuf::Timestamp& timestamp) {
  return TimeUtil::TimestampToMicroseconds(timestamp);
}

google::protobuf::Timestamp FromMicros(int64_t micros) {
  return TimeUtil::MicrosecondsToTimestamp(micros);
}

std::string FormatInstant(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

}  // namespace caseline
