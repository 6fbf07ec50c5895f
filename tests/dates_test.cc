// Goal: ParseDate accepts exactly real YYYY-MM-DD dates and says why it
// refuses anything else. Method: table of inputs with the expected outcome.
#include "projections/dates.h"

#include "gtest/gtest.h"

namespace caseline {
namespace {

TEST(ParseDateTest, AcceptsRealDates) {
  EXPECT_EQ(*ParseDate("2018-08-06"), absl::CivilDay(2018, 8, 6));
  EXPECT_EQ(*ParseDate("2020-02-29"), absl::CivilDay(2020, 2, 29));
  EXPECT_EQ(*ParseDate("1999-12-31"), absl::CivilDay(1999, 12, 31));
}

TEST(ParseDateTest, RejectsDaysThatDoNotExist) {
  for (const char* text : {"2019-02-30", "2019-02-29", "2018-13-01",
                           "2018-00-10", "2018-04-31", "2018-01-00"}) {
    absl::StatusOr<absl::CivilDay> day = ParseDate(text);
    ASSERT_FALSE(day.ok()) << text;
    EXPECT_EQ(day.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(day.status().message(),
              std::string(text) + " is not a date (want YYYY-MM-DD)");
  }
}

TEST(ParseDateTest, RejectsOtherShapes) {
  for (const char* text :
       {"", "2018-8-6", "2018/08/06", "20180806", "2018-08-06T00:00",
        " 2018-08-06", "2018-08-0a", "+018-08-06"}) {
    EXPECT_FALSE(ParseDate(text).ok()) << text;
  }
}

TEST(ParseDateTest, EscapesAndCutsWhatItEchoes) {
  EXPECT_EQ(ParseDate("bad\ndate").status().message(),
            "bad\\ndate is not a date (want YYYY-MM-DD)");
  const std::string long_text(100, 'x');
  EXPECT_EQ(ParseDate(long_text).status().message(),
            std::string(32, 'x') + "... is not a date (want YYYY-MM-DD)");
}

TEST(FormatDateTest, WritesIsoDates) {
  EXPECT_EQ(FormatDate(absl::CivilDay(2018, 8, 6)), "2018-08-06");
  EXPECT_EQ(FormatDate(absl::CivilDay(987, 1, 2)), "0987-01-02");
}

}  // namespace
}  // namespace caseline
