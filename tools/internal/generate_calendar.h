// Days and instants as the generator counts them: weekdays, the start of a
// day in microseconds since the epoch, weeks rounded to days. Internal to
// the generator: only tools/generate*.cc and tools/internal/generate_*.cc
// include it; the contract readers rely on is tools/generate.h.
#ifndef CASELINE_TOOLS_INTERNAL_GENERATE_CALENDAR_H_
#define CASELINE_TOOLS_INTERNAL_GENERATE_CALENDAR_H_

#include <cmath>
#include <cstdint>

#include "absl/time/civil_time.h"

namespace caseline::generate_internal {

inline constexpr double kDaysPerWeek = 7;

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

// A day far beyond any simulated one: a timer that never fires.
inline constexpr absl::CivilDay kNever(9999, 12, 31);

inline absl::CivilDay NextWeekday(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::saturday:
      return day + 2;
    case absl::Weekday::sunday:
      return day + 1;
    default:
      return day;
  }
}

inline int64_t DayStartMicros(absl::CivilDay day) {
  return (day - absl::CivilDay(1970, 1, 1)) * kMicrosPerDay;
}

inline absl::CivilDay DayOfMicros(int64_t micros) {
  return absl::CivilDay(1970, 1, 1) + micros / kMicrosPerDay;
}

inline int WeeksToDays(double weeks) {
  return static_cast<int>(std::lround(weeks * kDaysPerWeek));
}

}  // namespace caseline::generate_internal

#endif  // CASELINE_TOOLS_INTERNAL_GENERATE_CALENDAR_H_
