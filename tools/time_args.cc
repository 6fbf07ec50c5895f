#include "tools/time_args.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "projections/instants.h"

namespace caseline::cli {
namespace {

// absl parses "2018-2-3" and " 2018-02-03" as days; requiring the text to
// round-trip keeps to exactly YYYY-MM-DD.
bool ParseDay(absl::string_view text, absl::CivilDay* day) {
  return absl::ParseCivilTime(text, day) && absl::FormatCivilTime(*day) == text;
}

}  // namespace

absl::Status CheckDay(absl::string_view text) {
  absl::CivilDay day;
  if (ParseDay(text, &day)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(text, " is not a date (YYYY-MM-DD, e.g. 2018-09-15)"));
}

absl::StatusOr<google::protobuf::Timestamp> ParseKnownAt(
    absl::string_view text) {
  absl::CivilDay day;
  if (ParseDay(text, &day)) {
    return ToTimestampChecked(absl::FromCivil(day, absl::UTCTimeZone()), text);
  }
  absl::Time time;
  std::string error;
  // absl also parses "infinite-future" and "infinite-past"; they are not
  // RFC 3339.
  if (absl::ParseTime(absl::RFC3339_full, text, &time, &error) &&
      time != absl::InfiniteFuture() && time != absl::InfinitePast()) {
    return ToTimestampChecked(time, text);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      text,
      " is not an RFC 3339 time with its offset (e.g. 2018-10-01T12:00:00Z) "
      "nor a date (YYYY-MM-DD)"));
}

absl::Status CheckKnownAtNotFuture(const google::protobuf::Timestamp& known_at,
                                   absl::Time now, absl::string_view text) {
  if (ToTime(known_at) <= now) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(text, " is in the future (now is ", FormatInstant(now),
                   "); an answer as known then cannot be given yet"));
}

std::string FormatKnownAt(const google::protobuf::Timestamp& known_at) {
  if (known_at.seconds() == 0 && known_at.nanos() == 0) return "now";
  return FormatInstant(ToTime(known_at));
}

}  // namespace caseline::cli
