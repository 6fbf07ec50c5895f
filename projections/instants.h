// Instants: the one conversion between google.protobuf.Timestamp (on the
// wire and in the log) and absl::Time (in code), and the one RFC 3339 form
// caseline prints them in.
//
// caseline keeps instants to the microsecond: the store assigns, stores
// and compares recorded_at in whole microseconds, so a Timestamp made here
// never carries a finer fraction, and any known_at is floored to the
// microsecond before it is compared. Pure functions; thread-safe.
#ifndef CASELINE_PROJECTIONS_INSTANTS_H_
#define CASELINE_PROJECTIONS_INSTANTS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace caseline {

// The range of google.protobuf.Timestamp, in seconds since the Unix epoch:
// 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z. Outside it a
// Timestamp is malformed, and protobuf's JSON cannot print it.
inline constexpr int64_t kInstantSecondsMin = -62135596800;
inline constexpr int64_t kInstantSecondsMax = 253402300799;
inline constexpr int32_t kInstantNanosMax = 999'999'999;

// True when seconds and nanos are inside the ranges above.
bool IsValidTimestamp(const google::protobuf::Timestamp& timestamp);

// A Timestamp from a request: INVALID_ARGUMENT naming `field` when it is
// not a valid instant ("known_at: seconds 1 and nanos -4 are not a valid
// instant"). Exact to the nanosecond.
absl::StatusOr<absl::Time> TimeField(
    absl::string_view field, const google::protobuf::Timestamp& timestamp);

// A Timestamp known to be valid (read from the log, or made by
// ToTimestamp) as a time. Exact to the nanosecond.
absl::Time ToTime(const google::protobuf::Timestamp& timestamp);

// A finite time inside the range above, floored to the microsecond (nanos
// always in [0, 1e9), also before 1970).
google::protobuf::Timestamp ToTimestamp(absl::Time time);

// The same for a time that may be outside the range: INVALID_ARGUMENT
// "<text> is outside the years 0001 to 9999", where `text` is how the
// caller wrote the time.
absl::StatusOr<google::protobuf::Timestamp> ToTimestampChecked(
    absl::Time time, absl::string_view text);

// Microseconds since the Unix epoch, floored; the store's unit.
int64_t ToMicros(const google::protobuf::Timestamp& timestamp);
google::protobuf::Timestamp FromMicros(int64_t micros);

// RFC 3339 in UTC with as many fraction digits as the time has, none when
// it is whole seconds: "2018-10-01T12:00:00Z",
// "2018-10-01T23:59:59.999999Z".
std::string FormatInstant(absl::Time time);

}  // namespace caseline

#endif  // CASELINE_PROJECTIONS_INSTANTS_H_
