#include "projections/calendar.h"

#include <cassert>

namespace caseline {
namespace {

// A holiday at a fixed distance from Easter Sunday, observed up to and
// including `last_year`.
struct MovableHoliday {
  int days_from_easter;
  int last_year;
};

// In date order; every one falls between 19 March and 14 June, so between
// New Year's Day and Christmas.
constexpr MovableHoliday kMovableHolidays[] = {
    {-3, kCalendarYearMax},  // Maundy Thursday (skærtorsdag)
    {-2, kCalendarYearMax},  // Good Friday (langfredag)
    {0, kCalendarYearMax},   // Easter Sunday
    {1, kCalendarYearMax},   // Easter Monday
    {26, 2023},              // Store Bededag: abolished by law from 2024
    {39, kCalendarYearMax},  // Ascension Day (Kristi himmelfartsdag)
    {49, kCalendarYearMax},  // Whit Sunday
    {50, kCalendarYearMax},  // Whit Monday
};

struct FixedHoliday {
  int month;
  int day;
};

constexpr FixedHoliday kNewYear = {1, 1};
constexpr FixedHoliday kChristmas[] = {{12, 25}, {12, 26}};

[[maybe_unused]] bool IsCalendarYear(absl::civil_year_t year) {
  return year >= kCalendarYearMin && year <= kCalendarYearMax;
}

bool IsFixed(absl::CivilDay day, FixedHoliday holiday) {
  return day.month() == holiday.month && day.day() == holiday.day;
}

// Every 7 consecutive days hold at least 2 working days (Easter week, with
// Maundy Thursday, Good Friday and Easter Monday, is the worst), so n working
// days are found within 4 * n + 7 calendar days.
constexpr int kScanDaysMax = 4 * kWorkingDaysMax + 7;

}  // namespace

absl::CivilDay EasterSunday(int year) {
  assert(IsCalendarYear(year));
  const int a = year % 19;  // place in the Metonic cycle
  const int b = year / 100;
  const int c = year % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;  // epact: days to full moon
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;  // days on to Sunday
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return absl::CivilDay(year, month, day);
}

std::vector<absl::CivilDay> DanishPublicHolidays(int year) {
  const absl::CivilDay easter = EasterSunday(year);
  std::vector<absl::CivilDay> holidays;
  holidays.emplace_back(year, kNewYear.month, kNewYear.day);
  for (const MovableHoliday& holiday : kMovableHolidays) {
    if (year <= holiday.last_year) {
      holidays.push_back(easter + holiday.days_from_easter);
    }
  }
  for (const FixedHoliday& holiday : kChristmas) {
    holidays.emplace_back(year, holiday.month, holiday.day);
  }
  return holidays;
}

bool IsDanishPublicHoliday(absl::CivilDay day) {
  assert(IsCalendarYear(day.year()));
  const int year = static_cast<int>(day.year());
  if (IsFixed(day, kNewYear)) return true;
  for (const FixedHoliday& holiday : kChristmas) {
    if (IsFixed(day, holiday)) return true;
  }
  // Cheaper than building the year's list: this runs once per scanned day.
  const absl::civil_diff_t days_from_easter = day - EasterSunday(year);
  for (const MovableHoliday& holiday : kMovableHolidays) {
    if (days_from_easter == holiday.days_from_easter &&
        year <= holiday.last_year) {
      return true;
    }
  }
  return false;
}

bool IsWorkingDay(absl::CivilDay day) {
  const absl::Weekday weekday = absl::GetWeekday(day);
  if (weekday == absl::Weekday::saturday || weekday == absl::Weekday::sunday) {
    return false;
  }
  return !IsDanishPublicHoliday(day);
}

int64_t WorkingDaysIn(absl::CivilDay first, absl::CivilDay last) {
  if (last < first) return 0;
  // Five in each whole week, the remaining days one by one, less the public
  // holidays that fall on a weekday.
  auto weekday = [](absl::CivilDay day) {
    const absl::Weekday w = absl::GetWeekday(day);
    return w != absl::Weekday::saturday && w != absl::Weekday::sunday;
  };
  const int64_t whole_weeks = (last - first + 1) / 7;
  int64_t count = whole_weeks * 5;
  for (absl::CivilDay day = first + whole_weeks * 7; day <= last; ++day) {
    if (weekday(day)) ++count;
  }
  for (absl::civil_year_t year = first.year(); year <= last.year(); ++year) {
    for (absl::CivilDay holiday :
         DanishPublicHolidays(static_cast<int>(year))) {
      if (holiday >= first && holiday <= last && weekday(holiday)) --count;
    }
  }
  return count;
}

absl::CivilDay NthWorkingDayAfter(absl::CivilDay anchor, int n) {
  assert(n >= 1 && n <= kWorkingDaysMax);
  absl::CivilDay day = anchor;
  int found = 0;
  for (int scanned = 0; scanned < kScanDaysMax && found < n; ++scanned) {
    ++day;
    if (IsWorkingDay(day)) ++found;
  }
  assert(found == n);
  return day;
}

absl::CivilDay AddMonths(absl::CivilDay day, int months) {
  const absl::CivilMonth month = absl::CivilMonth(day) + months;
  // CivilDay's constructor would roll 31 February over into March; clamp.
  const absl::CivilDay month_last_day = absl::CivilDay(month + 1) - 1;
  const int day_of_month =
      day.day() < month_last_day.day() ? day.day() : month_last_day.day();
  return absl::CivilDay(month.year(), month.month(), day_of_month);
}

absl::CivilDay OffsetEnd(absl::CivilDay anchor, const v1::Offset& offset) {
  const int count = offset.count();
  assert(count >= 0);
  switch (offset.unit()) {
    case v1::OFFSET_UNIT_DAYS:
      return anchor + count;
    case v1::OFFSET_UNIT_WORKING_DAYS:
      // "Within 0 working days" can only mean the anchor day itself.
      return count == 0 ? anchor : NthWorkingDayAfter(anchor, count);
    case v1::OFFSET_UNIT_WEEKS:
      return anchor + (7 * static_cast<absl::civil_diff_t>(count) - 1);
    case v1::OFFSET_UNIT_MONTHS:
      return AddMonths(anchor, count) - 1;
    default:
      break;
  }
  assert(false && "OffsetEnd: offset unit is unspecified");
  return anchor;
}

}  // namespace caseline
