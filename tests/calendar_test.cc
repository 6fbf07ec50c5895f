// Goal: the Danish calendar and docs/domain.md's offsets give the exact dates
// the law and docs/domain.md name. Method: hard-coded dates and yearly
// working-day counts, cross-checked by a brute-force count written apart from
// IsWorkingDay.
#include "projections/calendar.h"

#include <algorithm>
#include <vector>

#include "absl/time/civil_time.h"
#include "caseline/v1/rules.pb.h"
#include "gtest/gtest.h"

namespace caseline {
namespace {

using absl::CivilDay;

v1::Offset MakeOffset(int count, v1::OffsetUnit unit) {
  v1::Offset offset;
  offset.set_count(count);
  offset.set_unit(unit);
  return offset;
}

bool IsWeekday(CivilDay day) {
  const absl::Weekday weekday = absl::GetWeekday(day);
  return weekday != absl::Weekday::saturday && weekday != absl::Weekday::sunday;
}

TEST(EasterSundayTest, MatchesPublishedDates2018To2026) {
  const CivilDay expected[] = {
      CivilDay(2018, 4, 1),  CivilDay(2019, 4, 21), CivilDay(2020, 4, 12),
      CivilDay(2021, 4, 4),  CivilDay(2022, 4, 17), CivilDay(2023, 4, 9),
      CivilDay(2024, 3, 31), CivilDay(2025, 4, 20), CivilDay(2026, 4, 5),
  };
  for (int year = 2018; year <= 2026; ++year) {
    EXPECT_EQ(EasterSunday(year), expected[year - 2018]) << year;
  }
}

TEST(EasterSundayTest, ReachesTheExtremesOfItsRange) {
  EXPECT_EQ(EasterSunday(1900), CivilDay(1900, 4, 15));
  EXPECT_EQ(EasterSunday(2000), CivilDay(2000, 4, 23));
  EXPECT_EQ(EasterSunday(2038), CivilDay(2038, 4, 25));  // latest possible
  EXPECT_EQ(EasterSunday(2285), CivilDay(2285, 3, 22));  // earliest possible
}

TEST(EasterSundayTest, IsASundayInSpringEveryYear) {
  for (int year = kCalendarYearMin; year <= kCalendarYearMax; ++year) {
    const CivilDay easter = EasterSunday(year);
    EXPECT_EQ(absl::GetWeekday(easter), absl::Weekday::sunday) << year;
    EXPECT_GE(easter, CivilDay(year, 3, 22)) << year;
    EXPECT_LE(easter, CivilDay(year, 4, 25)) << year;
  }
}

TEST(HolidayTest, ListOf2020IsExact) {
  const std::vector<CivilDay> expected = {
      CivilDay(2020, 1, 1),   CivilDay(2020, 4, 9),   CivilDay(2020, 4, 10),
      CivilDay(2020, 4, 12),  CivilDay(2020, 4, 13),  CivilDay(2020, 5, 8),
      CivilDay(2020, 5, 21),  CivilDay(2020, 5, 31),  CivilDay(2020, 6, 1),
      CivilDay(2020, 12, 25), CivilDay(2020, 12, 26),
  };
  EXPECT_EQ(DanishPublicHolidays(2020), expected);
}

TEST(HolidayTest, ListOf2024HasNoStoreBededag) {
  const std::vector<CivilDay> expected = {
      CivilDay(2024, 1, 1),   CivilDay(2024, 3, 28), CivilDay(2024, 3, 29),
      CivilDay(2024, 3, 31),  CivilDay(2024, 4, 1),  CivilDay(2024, 5, 9),
      CivilDay(2024, 5, 19),  CivilDay(2024, 5, 20), CivilDay(2024, 12, 25),
      CivilDay(2024, 12, 26),
  };
  EXPECT_EQ(DanishPublicHolidays(2024), expected);
}

TEST(HolidayTest, StoreBededagEndsWith2023) {
  EXPECT_TRUE(IsDanishPublicHoliday(CivilDay(2023, 5, 5)));
  EXPECT_FALSE(IsWorkingDay(CivilDay(2023, 5, 5)));
  // Easter 2024 + 26 days, an ordinary Friday since the abolition.
  EXPECT_FALSE(IsDanishPublicHoliday(CivilDay(2024, 4, 26)));
  EXPECT_TRUE(IsWorkingDay(CivilDay(2024, 4, 26)));
}

TEST(HolidayTest, ListsAreInDateOrderEveryYear) {
  for (int year = kCalendarYearMin; year <= kCalendarYearMax; ++year) {
    const std::vector<CivilDay> holidays = DanishPublicHolidays(year);
    ASSERT_EQ(holidays.size(), year <= 2023 ? 11u : 10u) << year;
    for (size_t i = 1; i < holidays.size(); ++i) {
      EXPECT_LT(holidays[i - 1], holidays[i]) << year;
    }
  }
}

TEST(HolidayTest, PredicateAgreesWithTheList2018To2026) {
  for (int year = 2018; year <= 2026; ++year) {
    const std::vector<CivilDay> holidays = DanishPublicHolidays(year);
    for (CivilDay day(year, 1, 1); day < CivilDay(year + 1, 1, 1); ++day) {
      const bool listed =
          std::find(holidays.begin(), holidays.end(), day) != holidays.end();
      EXPECT_EQ(IsDanishPublicHoliday(day), listed) << day;
    }
  }
}

// Weekdays of the year (Jan 1 is the 53rd of its weekday, and Jan 2 too in a
// leap year), less the holidays that fall on a weekday: 5 movable ones (6 up
// to 2023, with Store Bededag) plus whichever of 1 Jan, 25 and 26 Dec are
// weekdays.
TEST(WorkingDayTest, CountsPerYear2018To2026) {
  const int expected[] = {252, 252, 254, 254, 253, 252, 254, 253, 254};
  for (int year = 2018; year <= 2026; ++year) {
    int weekdays = 0;
    int working_days = 0;
    for (CivilDay day(year, 1, 1); day < CivilDay(year + 1, 1, 1); ++day) {
      if (IsWeekday(day)) ++weekdays;
      if (IsWorkingDay(day)) ++working_days;
    }
    int weekday_holidays = 0;
    for (CivilDay holiday : DanishPublicHolidays(year)) {
      if (IsWeekday(holiday)) ++weekday_holidays;
    }
    EXPECT_EQ(working_days, expected[year - 2018]) << year;
    EXPECT_EQ(weekdays - weekday_holidays, expected[year - 2018]) << year;
  }
}

TEST(WorkingDayTest, SkipsEaster2020) {
  EXPECT_EQ(NthWorkingDayAfter(CivilDay(2020, 4, 2), 7), CivilDay(2020, 4, 16));
  EXPECT_EQ(NthWorkingDayAfter(CivilDay(2020, 4, 8), 1), CivilDay(2020, 4, 14));
}

TEST(WorkingDayTest, NeverCountsTheAnchorDay) {
  // Monday 2020-04-20 is a working day; the first one after it is Tuesday.
  EXPECT_EQ(NthWorkingDayAfter(CivilDay(2020, 4, 20), 1),
            CivilDay(2020, 4, 21));
  // From a Saturday the first working day is Monday.
  EXPECT_EQ(NthWorkingDayAfter(CivilDay(2020, 4, 18), 1),
            CivilDay(2020, 4, 20));
}

TEST(WorkingDayTest, SkipsChristmasAndNewYear) {
  // Mon 24 Dec works; 25 and 26 are holidays; Thu 27, Fri 28.
  EXPECT_EQ(NthWorkingDayAfter(CivilDay(2018, 12, 21), 3),
            CivilDay(2018, 12, 28));
  // Mon 31 Dec works; 1 Jan is a holiday.
  EXPECT_EQ(NthWorkingDayAfter(CivilDay(2018, 12, 28), 2),
            CivilDay(2019, 1, 2));
}

TEST(WorkingDayTest, SkipsAscensionAndWhitMonday2020) {
  // Ascension Thursday 21 May; Whit Monday 1 June.
  EXPECT_EQ(NthWorkingDayAfter(CivilDay(2020, 5, 20), 1),
            CivilDay(2020, 5, 22));
  EXPECT_EQ(NthWorkingDayAfter(CivilDay(2020, 5, 29), 1), CivilDay(2020, 6, 2));
  // 22, 25, 26, 27, 28, 29 May, then 2 June.
  EXPECT_EQ(NthWorkingDayAfter(CivilDay(2020, 5, 20), 7), CivilDay(2020, 6, 2));
}

TEST(WorkingDayTest, CountsAWholeYear) {
  // 254 working days in 2020, so the 254th after New Year's Eve 2019 is the
  // last working day of 2020, Thursday 31 December.
  EXPECT_EQ(NthWorkingDayAfter(CivilDay(2019, 12, 31), 254),
            CivilDay(2020, 12, 31));
}

TEST(WorkingDayTest, ReachesTheLimitWithinItsScan) {
  const CivilDay day =
      NthWorkingDayAfter(CivilDay(2018, 1, 1), kWorkingDaysMax);
  EXPECT_TRUE(IsWorkingDay(day));
  EXPECT_LT(day, CivilDay(2033, 1, 1));
}

TEST(AddMonthsTest, KeepsOrClampsTheDayOfMonth) {
  EXPECT_EQ(AddMonths(CivilDay(2020, 1, 31), 1), CivilDay(2020, 2, 29));
  EXPECT_EQ(AddMonths(CivilDay(2019, 1, 31), 1), CivilDay(2019, 2, 28));
  EXPECT_EQ(AddMonths(CivilDay(2018, 8, 31), 6), CivilDay(2019, 2, 28));
  EXPECT_EQ(AddMonths(CivilDay(2018, 12, 15), 1), CivilDay(2019, 1, 15));
  EXPECT_EQ(AddMonths(CivilDay(2020, 9, 7), 6), CivilDay(2021, 3, 7));
  EXPECT_EQ(AddMonths(CivilDay(2020, 3, 31), -1), CivilDay(2020, 2, 29));
  EXPECT_EQ(AddMonths(CivilDay(2020, 5, 17), 0), CivilDay(2020, 5, 17));
}

TEST(OffsetEndTest, DomainExamples) {
  EXPECT_EQ(OffsetEnd(CivilDay(2020, 4, 2),
                      MakeOffset(7, v1::OFFSET_UNIT_WORKING_DAYS)),
            CivilDay(2020, 4, 16));
  EXPECT_EQ(
      OffsetEnd(CivilDay(2018, 8, 6), MakeOffset(4, v1::OFFSET_UNIT_WEEKS)),
      CivilDay(2018, 9, 2));
  EXPECT_EQ(
      OffsetEnd(CivilDay(2020, 9, 7), MakeOffset(6, v1::OFFSET_UNIT_MONTHS)),
      CivilDay(2021, 3, 6));
}

TEST(OffsetEndTest, DaysAreAddedToTheAnchor) {
  EXPECT_EQ(
      OffsetEnd(CivilDay(2020, 12, 30), MakeOffset(3, v1::OFFSET_UNIT_DAYS)),
      CivilDay(2021, 1, 2));
  EXPECT_EQ(
      OffsetEnd(CivilDay(2020, 12, 30), MakeOffset(0, v1::OFFSET_UNIT_DAYS)),
      CivilDay(2020, 12, 30));
}

TEST(OffsetEndTest, MonthsClampBeforeTheDayIsTakenOff) {
  // 31 Aug + 6 months clamps to 28 Feb; the period ends the day before.
  EXPECT_EQ(
      OffsetEnd(CivilDay(2018, 8, 31), MakeOffset(6, v1::OFFSET_UNIT_MONTHS)),
      CivilDay(2019, 2, 27));
}

TEST(OffsetEndTest, ZeroCounts) {
  const CivilDay anchor(2020, 4, 2);
  EXPECT_EQ(OffsetEnd(anchor, MakeOffset(0, v1::OFFSET_UNIT_WORKING_DAYS)),
            anchor);
  EXPECT_EQ(OffsetEnd(anchor, MakeOffset(0, v1::OFFSET_UNIT_WEEKS)),
            anchor - 1);
  EXPECT_EQ(OffsetEnd(anchor, MakeOffset(0, v1::OFFSET_UNIT_MONTHS)),
            anchor - 1);
}

}  // namespace
}  // namespace caseline

namespace caseline {
namespace {

// Working days in a span: Easter 2020 takes Maundy Thursday, Good Friday
// and Easter Monday out of the fortnight after 3 April.
TEST(WorkingDaysInTest, SkipsWeekendsAndHolidays) {
  EXPECT_EQ(
      WorkingDaysIn(absl::CivilDay(2020, 4, 4), absl::CivilDay(2020, 4, 16)),
      6);
  EXPECT_EQ(
      WorkingDaysIn(absl::CivilDay(2020, 4, 16), absl::CivilDay(2020, 4, 16)),
      1);
  EXPECT_EQ(
      WorkingDaysIn(absl::CivilDay(2020, 4, 17), absl::CivilDay(2020, 4, 16)),
      0);
}

// The counting by whole weeks agrees with asking day by day, over spans of
// every length up to a year and a half starting on every weekday.
TEST(WorkingDaysInTest, AgreesWithIsWorkingDayDayByDay) {
  for (int start = 0; start < 7; ++start) {
    const absl::CivilDay first = absl::CivilDay(2018, 12, 20) + start;
    int64_t expected = 0;
    for (int length = 1; length <= 550; ++length) {
      if (IsWorkingDay(first + (length - 1))) ++expected;
      ASSERT_EQ(WorkingDaysIn(first, first + (length - 1)), expected)
          << first << " + " << length;
    }
  }
}

}  // namespace
}  // namespace caseline
