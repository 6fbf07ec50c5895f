// The Danish working-day calendar and the offsets of docs/domain.md ("How time
// is counted": weeks, months, working days). Pure functions of their
// arguments: no clock, no I/O, safe to call from any thread.
#ifndef CASELINE_PROJECTIONS_CALENDAR_H_
#define CASELINE_PROJECTIONS_CALENDAR_H_

#include <cstdint>
#include <vector>

#include "absl/time/civil_time.h"
#include "caseline/v1/rules.pb.h"

namespace caseline {

// Years the calendar is defined for; the Easter algorithm and the holiday
// rules are only checked within them.
inline constexpr int kCalendarYearMin = 1900;
inline constexpr int kCalendarYearMax = 2999;

// The most working days NthWorkingDayAfter counts: ten years counted in days,
// far beyond any statutory offset, so a wrong rule set cannot spin a loop.
inline constexpr int kWorkingDaysMax = 3660;

// Easter Sunday of `year` (Gregorian, the anonymous Gregorian algorithm).
// Precondition (assert): kCalendarYearMin <= year <= kCalendarYearMax.
absl::CivilDay EasterSunday(int year);

// The Danish public holidays of `year`, in date order: New Year's Day, Maundy
// Thursday, Good Friday, Easter Sunday, Easter Monday, Store Bededag (up to
// and including 2023; abolished from 2024), Ascension Day, Whit Sunday, Whit
// Monday, Christmas Day, Boxing Day. The two Sundays are listed for
// completeness; they do not change working-day counts.
// Precondition (assert): year within the calendar's years.
std::vector<absl::CivilDay> DanishPublicHolidays(int year);

// Whether `day` is in DanishPublicHolidays(day.year()).
bool IsDanishPublicHoliday(absl::CivilDay day);

// Monday to Friday and not a Danish public holiday.
bool IsWorkingDay(absl::CivilDay day);

// The n-th working day after `anchor`; the anchor day itself never counts
// (anchor Thursday 2020-04-02, n = 7 -> 2020-04-16, skipping Maundy Thursday,
// Good Friday and Easter Monday).
// Precondition (assert): 1 <= n <= kWorkingDaysMax.
absl::CivilDay NthWorkingDayAfter(absl::CivilDay anchor, int n);

// The working days in [first, last], both counted; 0 when last < first.
// Costs a few steps per year of the span, not per day.
// Precondition (assert): both years within the calendar's years.
int64_t WorkingDaysIn(absl::CivilDay first, absl::CivilDay last);

// `day` plus `months`, keeping the day of the month or clamping it to the
// month's last day (2020-01-31 + 1 month = 2020-02-29). `months` may be
// negative.
absl::CivilDay AddMonths(absl::CivilDay day, int months);

// The last day that satisfies "within `offset` of `anchor`" (docs/domain.md;
// day 1 is the anchor day):
//   DAYS          anchor + count
//   WORKING_DAYS  NthWorkingDayAfter(anchor, count); count 0 gives the anchor
//   WEEKS         anchor + 7 * count - 1 (2018-08-06, 4 weeks -> 2018-09-02)
//   MONTHS        AddMonths(anchor, count) - 1 (2020-09-07, 6 months ->
//                 2021-03-06)
// A count of 0 WEEKS or MONTHS gives anchor - 1: a deadline nothing can meet.
// Precondition (assert): count >= 0 and the unit is specified; rule sets are
// validated before they reach here.
absl::CivilDay OffsetEnd(absl::CivilDay anchor, const v1::Offset& offset);

}  // namespace caseline

#endif  // CASELINE_PROJECTIONS_CALENDAR_H_
