// Goal: Evaluate gives the exact deadline, met date and verdict of
// docs/domain.md for real cases judged by the shipped rule sets. Method:
// hand-worked cases (events folded on a chosen as_of and known_at) judged by
// the rule sets read from rules/, each expected date derived by hand in a
// comment.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "projections/compliance.h"
#include "projections/rule_sets.h"
#include "projections/timeline.h"
#include "tests/compliance_testing.h"
#include "tests/test_events.h"

namespace caseline {
namespace {

using namespace ::caseline::compliance_testing;  // NOLINT: scenario helpers.

TEST(ComplianceTest, TheEightShippedRuleSetsLoad) {
  ASSERT_EQ(ShippedRuleSets().size(), 8u);
  EXPECT_EQ(ShippedRuleSet(kLab2016).id(), kLab2016);
  EXPECT_EQ(ShippedRuleSet(kLab2020).id(), kLab2020);
  EXPECT_EQ(ShippedRuleSet(kLab2024).id(), kLab2024);
  EXPECT_EQ(ShippedRuleSet(kLab2026).id(), kLab2026);
  EXPECT_EQ(ShippedRuleSet(kFaaborg).id(), kFaaborg);
  EXPECT_EQ(ShippedRuleSet(kMiddelfart).id(), kMiddelfart);
}

// --- Scenario 1: a-dagpenge at Brøndby, registered Monday 2018-08-06 ---
//
// Week k runs from anchor + 7(k-1) to anchor + 7k - 1; the interviews are on
// the Wednesday of weeks 3, 7, 11, 17, 19 and 23 (anchor + 7(k-1) + 2), those
// of weeks 3 and 19 joint with the a-kasse:
//   week 3:  2018-08-06 + 16  = 2018-08-22 (joint)
//   week 7:  2018-08-06 + 44  = 2018-09-19
//   week 11: 2018-08-06 + 72  = 2018-10-17
//   week 17: 2018-08-06 + 114 = 2018-11-28
//   week 19: 2018-08-06 + 128 = 2018-12-12 (joint)
//   week 23: 2018-08-06 + 156 = 2019-01-09
// and an offer starts on the Wednesday of week 12: 2018-08-06 + 79 =
// 2018-10-24.
//
// "By week N" ends on anchor + 7N - 1:
//   week 4:  +27  = 2018-09-02     week 16: +111 = 2018-11-25
//   week 8:  +55  = 2018-09-30     week 20: +139 = 2018-12-23
//   week 12: +83  = 2018-10-28     week 24: +167 = 2019-01-20
//   week 13: +90  = 2018-11-04     week 26: +181 = 2019-02-03
CaseLog BrondbyCase(absl::string_view birth_on = "1991-01-15") {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", birth_on, "jc-brondby");
  log.Interview("2018-08-22", v1::INTERVIEW_KIND_JOINT);
  log.Interview("2018-09-19");
  log.Interview("2018-10-17");
  log.OfferStarted("2018-10-24");
  log.Interview("2018-11-28");
  log.Interview("2018-12-12", v1::INTERVIEW_KIND_JOINT);
  log.Interview("2019-01-09");
  return log;
}

TEST(ComplianceTest, ADagpengeAged27OnSeptember15HasMetOnlyTheFirstMilestones) {
  // Born 1991-01-15: 27 on 2018-08-06.
  const Rows rows = Judge(BrondbyCase(), "2018-09-15");
  const char* kSchedule = "interview-schedule";
  ASSERT_EQ(RowsOf(rows, kLab2016, kSchedule).size(), 6u) << DescribeAll(rows);
  // Milestone 1 (1 by week 4): the week-3 interview.
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 1), Verdict::kMet,
                     "2018-09-02", "2018-08-22"));
  // The week-7 interview (09-19) is after as_of: milestones 2-6 are all due.
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 2), Verdict::kDue,
                     "2018-09-30"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 3), Verdict::kDue,
                     "2018-10-28"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 4), Verdict::kDue,
                     "2018-11-25"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 5), Verdict::kDue,
                     "2018-12-23"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 6), Verdict::kDue,
                     "2019-01-20"));
  // Joint interviews: 1 by week 4 (the week-3 joint interview), 2 by week 20.
  ASSERT_EQ(RowsOf(rows, kLab2016, "joint-interviews").size(), 2u);
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, "joint-interviews", 1),
                     Verdict::kMet, "2018-09-02", "2018-08-22"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, "joint-interviews", 2),
                     Verdict::kDue, "2018-12-23"));
  // Aged 27: the offer is due by week 13.
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2016, "first-active-offer"),
                     Verdict::kDue, "2018-11-04"));
}

TEST(ComplianceTest, ADagpengeAged27OnDecember1HasMetMilestone4LateByWeek17) {
  const Rows rows = Judge(BrondbyCase(), "2018-12-01");
  const char* kSchedule = "interview-schedule";
  ASSERT_EQ(RowsOf(rows, kLab2016, kSchedule).size(), 6u) << DescribeAll(rows);
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 1), Verdict::kMet,
                     "2018-09-02", "2018-08-22"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 2), Verdict::kMet,
                     "2018-09-30", "2018-09-19"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 3), Verdict::kMet,
                     "2018-10-28", "2018-10-17"));
  // The 4th interview came in week 17 (11-28), after week 16 ended (11-25).
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 4), Verdict::kMetLate,
                     "2018-11-25", "2018-11-28"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 5), Verdict::kDue,
                     "2018-12-23"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 6), Verdict::kDue,
                     "2019-01-20"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, "joint-interviews", 1),
                     Verdict::kMet, "2018-09-02", "2018-08-22"));
  // Week 20 ends 12-23, on or after as_of: still due.
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, "joint-interviews", 2),
                     Verdict::kDue, "2018-12-23"));
  // The offer started in week 12 (10-24), before week 13 ended (11-04).
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2016, "first-active-offer"),
                     Verdict::kMet, "2018-11-04", "2018-10-24"));
}

TEST(ComplianceTest, ADagpengeAged27OnMarch1HasMetMilestones5And6DespiteLate4) {
  const Rows rows = Judge(BrondbyCase(), "2019-03-01");
  const char* kSchedule = "interview-schedule";
  ASSERT_EQ(RowsOf(rows, kLab2016, kSchedule).size(), 6u) << DescribeAll(rows);
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 1), Verdict::kMet,
                     "2018-09-02", "2018-08-22"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 2), Verdict::kMet,
                     "2018-09-30", "2018-09-19"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 3), Verdict::kMet,
                     "2018-10-28", "2018-10-17"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 4), Verdict::kMetLate,
                     "2018-11-25", "2018-11-28"));
  // The 5th interview (week 19, 12-12) is within week 20 (12-23), and the
  // 6th (week 23, 2019-01-09) within week 24 (2019-01-20): the late 4th does
  // not make them late.
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 5), Verdict::kMet,
                     "2018-12-23", "2018-12-12"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 6), Verdict::kMet,
                     "2019-01-20", "2019-01-09"));
  // The 2nd joint interview is the week-19 one (12-12).
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, "joint-interviews", 1),
                     Verdict::kMet, "2018-09-02", "2018-08-22"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, "joint-interviews", 2),
                     Verdict::kMet, "2018-12-23", "2018-12-12"));
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2016, "first-active-offer"),
                     Verdict::kMet, "2018-11-04", "2018-10-24"));
}

TEST(ComplianceTest, ADagpengeAtBrondbyIsJudgedOnlyByTheLawOf2016) {
  const Rows rows = Judge(BrondbyCase(), "2019-03-01");
  // Faaborg's targets are Faaborg-Midtfyn's; the 2020 law and Middelfart's
  // targets were not in force on the anchor day.
  EXPECT_EQ(CountRowsOf(rows, kFaaborg), 0) << DescribeAll(rows);
  EXPECT_EQ(CountRowsOf(rows, kLab2020), 0) << DescribeAll(rows);
  EXPECT_EQ(CountRowsOf(rows, kMiddelfart), 0) << DescribeAll(rows);
  // The 2016 requirements for other target groups: one NOT_APPLICABLE row
  // each.
  for (const char* requirement :
       {"first-interview", "interview-count", "first-follow-up",
        "follow-up-cadence", "review"}) {
    SCOPED_TRACE(requirement);
    EXPECT_TRUE(NotApplicable(OnlyRow(rows, kLab2016, requirement)));
  }
  for (const RequirementResult& row : rows) {
    EXPECT_EQ(row.period_index, 0);
    EXPECT_EQ(row.target_group, v1::TARGET_GROUP_A_DAGPENGE);
  }
  const RequirementResult& offer =
      OnlyRow(rows, kLab2016, "first-active-offer");
  EXPECT_EQ(offer.anchor_on, Day("2018-08-06"));
  EXPECT_EQ(offer.clock, v1::CLOCK_CALENDAR_DAYS_LESS_PAUSES);
  EXPECT_EQ(offer.rule_set_kind, v1::RULE_SET_KIND_STATUTORY);
}

TEST(ComplianceTest, AMissedInterviewNeverCountsTowardsAMilestone) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1991-01-15",
             "jc-brondby");
  log.Missed("2018-08-22");
  const Rows rows = Judge(log, "2018-09-15");
  // Week 4 ended 2018-09-02, before as_of.
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, "interview-schedule", 1),
                     Verdict::kOverdue, "2018-09-02"));
}

// --- Scenario 2: the age band on the anchor day decides the offer deadline ---

TEST(ComplianceTest, ADagpengeAged35HasTheOfferDueByWeek26) {
  // Born 1983-05-01: 35 on 2018-08-06. Week 26 ends 2018-08-06 + 181 =
  // 2019-02-03. No offer yet on 2018-12-01: still due (an age-27 citizen
  // would be overdue: week 13 ended 2018-11-04).
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1983-05-01",
             "jc-brondby");
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(log, "2018-12-01"), kLab2016, "first-active-offer"),
             Verdict::kDue, "2019-02-03"));
  // With the offer of week 12 it is met, against week 26.
  EXPECT_TRUE(Judged(OnlyRow(Judge(BrondbyCase("1983-05-01"), "2019-03-01"),
                             kLab2016, "first-active-offer"),
                     Verdict::kMet, "2019-02-03", "2018-10-24"));
}

TEST(ComplianceTest, ADagpengeAged27WithoutAnOfferIsOverdueAfterWeek13) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1991-01-15",
             "jc-brondby");
  // Week 13 ended 2018-08-06 + 90 = 2018-11-04, before 2018-12-01.
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(log, "2018-12-01"), kLab2016, "first-active-offer"),
             Verdict::kOverdue, "2018-11-04"));
}

TEST(ComplianceTest, ADagpengeTurning50OnTheAnchorDayHasTheOfferDueByWeek13) {
  // Born 1968-08-06: 50 on 2018-08-06, the band 50 and over: week 13 ends
  // 2018-11-04, before as_of 2018-12-01.
  CaseLog fifty;
  fifty.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1968-08-06",
               "jc-brondby");
  EXPECT_TRUE(Judged(
      OnlyRow(Judge(fifty, "2018-12-01"), kLab2016, "first-active-offer"),
      Verdict::kOverdue, "2018-11-04"));
  // One day younger (born 1968-08-07) is 49 on the anchor day: week 26,
  // 2019-02-03.
  CaseLog forty_nine;
  forty_nine.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1968-08-07",
                    "jc-brondby");
  EXPECT_TRUE(Judged(
      OnlyRow(Judge(forty_nine, "2018-12-01"), kLab2016, "first-active-offer"),
      Verdict::kDue, "2019-02-03"));
}

// --- Scenario 3: sygedagpenge under the law of 2020, at Odense ---
//
// First absence day Monday 2020-09-07. Week 8 ends 2020-09-07 + 55 =
// 2020-11-01; week 9 runs 11-02..11-08, its Wednesday 11-04. The first 6
// months end AddMonths(2020-09-07, 6) - 1 = 2021-03-07 - 1 = 2021-03-06.

CaseLog OdenseSickCase(int interviews) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_SYGEDAGPENGE, "2020-09-07", "1975-02-10",
             "jc-odense");
  const char* days[] = {"2020-11-04", "2020-12-02", "2021-01-06", "2021-02-03"};
  for (int i = 0; i < interviews; ++i) log.Interview(days[i]);
  return log;
}

TEST(ComplianceTest, SygedagpengeFirstInterviewInWeek9IsLate) {
  const Rows rows = Judge(OdenseSickCase(4), "2021-03-15");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2020, "sygedagpenge-first-interview"),
                     Verdict::kMetLate, "2020-11-01", "2020-11-04"));
}

TEST(ComplianceTest, SygedagpengeWithFourInterviewsInSixMonthsIsMet) {
  // The 4th interview, 2021-02-03, is within the window ending 2021-03-06.
  const Rows rows = Judge(OdenseSickCase(4), "2021-03-15");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2020, "sygedagpenge-interview-count"),
                     Verdict::kMet, "2021-03-06", "2021-02-03"));
}

TEST(ComplianceTest, SygedagpengeWithThreeInterviewsIsDueThenOverdue) {
  // On 2021-03-01 the window (to 2021-03-06) is still open: due.
  EXPECT_TRUE(Judged(OnlyRow(Judge(OdenseSickCase(3), "2021-03-01"), kLab2020,
                             "sygedagpenge-interview-count"),
                     Verdict::kDue, "2021-03-06"));
  // On 2021-03-15 it has closed with three: overdue.
  EXPECT_TRUE(Judged(OnlyRow(Judge(OdenseSickCase(3), "2021-03-15"), kLab2020,
                             "sygedagpenge-interview-count"),
                     Verdict::kOverdue, "2021-03-06"));
}

TEST(ComplianceTest, SygedagpengeAtOdenseIsJudgedOnlyByTheLawOf2020) {
  const Rows rows = Judge(OdenseSickCase(4), "2021-03-15");
  // Middelfart's targets are Middelfart's; the 2016 law ended 2019-12-31.
  EXPECT_EQ(CountRowsOf(rows, kMiddelfart), 0) << DescribeAll(rows);
  EXPECT_EQ(CountRowsOf(rows, kLab2016), 0) << DescribeAll(rows);
  EXPECT_EQ(CountRowsOf(rows, kFaaborg), 0) << DescribeAll(rows);
  for (const char* requirement :
       {"a-dagpenge-interview-count", "joint-interviews", "first-active-offer",
        "kontanthjaelp-first-interview", "kontanthjaelp-interview-count"}) {
    SCOPED_TRACE(requirement);
    EXPECT_TRUE(NotApplicable(OnlyRow(rows, kLab2020, requirement)));
  }
}

// --- Scenario 4: Middelfart's 7 working days from the sick note ---
//
// Sick note received Thursday 2020-04-02. Working days after it: Fri 04-03
// (1), Mon 04-06 (2), Tue 04-07 (3), Wed 04-08 (4); Maundy Thursday 04-09,
// Good Friday 04-10, the weekend and Easter Monday 04-13 do not count; Tue
// 04-14 (5), Wed 04-15 (6), Thu 04-16 (7).

CaseLog MiddelfartSickCase(absl::string_view first_interview) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_SYGEDAGPENGE, "2020-03-30", "1980-06-15",
             "jc-middelfart", "2020-04-02");
  log.Interview(first_interview);
  return log;
}

TEST(ComplianceTest,
     SygedagpengeAtMiddelfartInterviewedOnTheSeventhWorkingDay) {
  const Rows rows = Judge(MiddelfartSickCase("2020-04-16"), "2020-05-01");
  const RequirementResult& row = OnlyRow(rows, kMiddelfart, "first-interview");
  EXPECT_TRUE(Judged(row, Verdict::kMet, "2020-04-16", "2020-04-16"));
  EXPECT_EQ(row.anchor_on, Day("2020-04-02"));
  EXPECT_EQ(row.rule_set_kind, v1::RULE_SET_KIND_LOCAL_TARGET);
  // The law of 2020 judges the same case from the first absence day: week 8
  // ends 2020-03-30 + 55 = 2020-05-24.
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2020, "sygedagpenge-first-interview"),
                     Verdict::kMet, "2020-05-24", "2020-04-16"));
  // Middelfart's review by week 22: 2020-03-30 + 153 = 2020-08-30.
  EXPECT_TRUE(Judged(OnlyRow(rows, kMiddelfart, "review"), Verdict::kDue,
                     "2020-08-30"));
}

TEST(ComplianceTest, SygedagpengeAtMiddelfartInterviewedOnTheEighthIsLate) {
  const Rows rows = Judge(MiddelfartSickCase("2020-04-17"), "2020-05-01");
  EXPECT_TRUE(Judged(OnlyRow(rows, kMiddelfart, "first-interview"),
                     Verdict::kMetLate, "2020-04-16", "2020-04-17"));
}

// --- Scenario 5: a pause moves the deadlines ---

TEST(ComplianceTest, ThreeWeeksOfIllnessMoveEveryADagpengeDeadlineBy21Days) {
  // Case 1, paused 2018-08-27 and resumed 2018-09-17: 08-27..09-16 paused,
  // 21 days, all before the first deadline, so every deadline moves by 21:
  // week 4 2018-09-02 + 21 = 2018-09-23 (09-02 -> 09-09 -> 09-16 -> 09-23,
  // adding the paused days up to each, until stable).
  CaseLog log = BrondbyCase();
  log.Paused("2018-08-27");
  log.Resumed("2018-09-17");
  const Rows rows = Judge(log, "2019-03-01");
  const char* kSchedule = "interview-schedule";
  ASSERT_EQ(RowsOf(rows, kLab2016, kSchedule).size(), 6u) << DescribeAll(rows);
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 1), Verdict::kMet,
                     "2018-09-23", "2018-08-22"));
  // 2018-09-30 + 21.
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 2), Verdict::kMet,
                     "2018-10-21", "2018-09-19"));
  // 2018-10-28 + 21.
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 3), Verdict::kMet,
                     "2018-11-18", "2018-10-17"));
  // 2018-11-25 + 21 = 2018-12-16: the week-17 interview (11-28) is now in
  // time.
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 4), Verdict::kMet,
                     "2018-12-16", "2018-11-28"));
  // 2018-12-23 + 21, 2019-01-20 + 21.
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 5), Verdict::kMet,
                     "2019-01-13", "2018-12-12"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 6), Verdict::kMet,
                     "2019-02-10", "2019-01-09"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, "joint-interviews", 2),
                     Verdict::kMet, "2019-01-13", "2018-12-12"));
  // Offer by week 13: 2018-11-04 + 21.
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2016, "first-active-offer"),
                     Verdict::kMet, "2018-11-25", "2018-10-24"));
}

TEST(ComplianceTest, APausedCaseIsStillDueWhereItWouldBeOverdue) {
  // Registered 2018-08-06, paused 2018-08-27 to 2018-09-17, no interview:
  // on 2018-09-20 week 4 (moved to 2018-09-23) has not ended yet.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1991-01-15",
             "jc-brondby");
  log.Paused("2018-08-27");
  log.Resumed("2018-09-17");
  EXPECT_TRUE(Judged(
      NthRow(Judge(log, "2018-09-20"), kLab2016, "interview-schedule", 1),
      Verdict::kDue, "2018-09-23"));
}

// --- Scenario 6: an interview registered late ---
//
// The interview was held 2018-09-10 and recorded 2018-10-15. The statement
// "at as_of 2018-09-30, known_at 2018-10-01 says the milestone was OVERDUE;
// known_at 2018-10-16 says MET" needs a deadline on or after 09-10 (for MET)
// and before 09-30 (for OVERDUE). Registered 2018-08-06, no milestone has
// one: week 4 ends 09-02 (the interview would be late), week 8 ends 09-30
// (due, not overdue, on as_of itself). So the case is registered two weeks
// later, Monday 2018-08-20: week 4 ends 2018-08-20 + 27 = 2018-09-16.

TEST(ComplianceTest, AnInterviewRegisteredLateTurnsOverdueIntoMetOnceKnown) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-20", "1991-01-15",
             "jc-brondby");
  log.Interview("2018-09-10", v1::INTERVIEW_KIND_INDIVIDUAL, "2018-10-15");
  const Rows then = Judge(log, "2018-09-30", Noon("2018-10-01"));
  EXPECT_TRUE(Judged(NthRow(then, kLab2016, "interview-schedule", 1),
                     Verdict::kOverdue, "2018-09-16"));
  const Rows now = Judge(log, "2018-09-30", Noon("2018-10-16"));
  EXPECT_TRUE(Judged(NthRow(now, kLab2016, "interview-schedule", 1),
                     Verdict::kMet, "2018-09-16", "2018-09-10"));
  // Week 8 ends 2018-08-20 + 55 = 2018-10-14: due either way.
  EXPECT_TRUE(Judged(NthRow(then, kLab2016, "interview-schedule", 2),
                     Verdict::kDue, "2018-10-14"));
  EXPECT_TRUE(Judged(NthRow(now, kLab2016, "interview-schedule", 2),
                     Verdict::kDue, "2018-10-14"));
}

TEST(ComplianceTest, AnInterviewRegisteredLateAfterWeek4IsLateOnceKnown) {
  // Registered 2018-08-06: week 4 ended 2018-09-02, so the same interview
  // turns OVERDUE into MET_LATE, not MET.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1991-01-15",
             "jc-brondby");
  log.Interview("2018-09-10", v1::INTERVIEW_KIND_INDIVIDUAL, "2018-10-15");
  EXPECT_TRUE(Judged(NthRow(Judge(log, "2018-09-30", Noon("2018-10-01")),
                            kLab2016, "interview-schedule", 1),
                     Verdict::kOverdue, "2018-09-02"));
  EXPECT_TRUE(Judged(NthRow(Judge(log, "2018-09-30", Noon("2018-10-16")),
                            kLab2016, "interview-schedule", 1),
                     Verdict::kMetLate, "2018-09-02", "2018-09-10"));
}

// --- Scenario 7: a retraction ---

TEST(ComplianceTest, ARetractionRecordedLaterTurnsMetIntoOverdue) {
  // Registered 2018-08-06, interviewed 2018-08-22 (recorded that day); on
  // 2018-11-01 the interview is retracted. Week 4 ended 2018-09-02.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1991-01-15",
             "jc-brondby");
  const std::string interview = log.Interview("2018-08-22");
  log.Retract("2018-11-01", interview);
  // As known before the retraction: met.
  EXPECT_TRUE(Judged(NthRow(Judge(log, "2018-09-30", Noon("2018-10-31")),
                            kLab2016, "interview-schedule", 1),
                     Verdict::kMet, "2018-09-02", "2018-08-22"));
  // As known now: it never happened, and week 4 is overdue.
  EXPECT_TRUE(Judged(
      NthRow(Judge(log, "2018-09-30"), kLab2016, "interview-schedule", 1),
      Verdict::kOverdue, "2018-09-02"));
}

// --- Scenario 8: a change of benefit ---
//
// Registered for a-dagpenge 2018-08-06 (interviewed 2018-08-22, individual);
// on 2018-10-08 the case changes to sygedagpenge, first absence day
// 2018-10-01: the a-dagpenge period ends 2018-10-08. The sickness period is
// judged by the 2016 law (in force on 2018-10-01), interviewed 2018-10-24,
// 2018-11-14 and 2018-12-19.

CaseLog ChangeOfBenefitCase() {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1991-01-15",
             "jc-brondby");
  log.Interview("2018-08-22");
  log.GroupChanged("2018-10-08", v1::TARGET_GROUP_SYGEDAGPENGE, "2018-10-01");
  log.Interview("2018-10-24");
  log.Interview("2018-11-14");
  log.Interview("2018-12-19");
  return log;
}

TEST(ComplianceTest, ChangeToSygedagpengeEndsTheADagpengeDeadlinesStillAhead) {
  const Rows rows = Judge(ChangeOfBenefitCase(), "2019-01-31");
  const char* kSchedule = "interview-schedule";
  ASSERT_EQ(RowsOf(rows, kLab2016, kSchedule, 0).size(), 6u)
      << DescribeAll(rows);
  // Week 4 (09-02) was met by the interview of 08-22.
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 1, 0), Verdict::kMet,
                     "2018-09-02", "2018-08-22"));
  // Week 8 (09-30) came before the change, with one interview: overdue. The
  // interviews of the sickness period do not count for it.
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kSchedule, 2, 0), Verdict::kOverdue,
                     "2018-09-30"));
  // Weeks 12 (10-28) to 24 fall after the change (10-08): not applicable.
  for (int k = 3; k <= 6; ++k) {
    SCOPED_TRACE(k);
    EXPECT_TRUE(NotApplicable(NthRow(rows, kLab2016, kSchedule, k, 0)));
  }
  // The first joint interview (by 09-02) never came; the second (by 12-23)
  // fell after the change.
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, "joint-interviews", 1, 0),
                     Verdict::kOverdue, "2018-09-02"));
  EXPECT_TRUE(NotApplicable(NthRow(rows, kLab2016, "joint-interviews", 2, 0)));
  // The offer by week 13 (11-04) fell after the change.
  EXPECT_TRUE(NotApplicable(OnlyRow(rows, kLab2016, "first-active-offer", 0)));
}

TEST(ComplianceTest,
     ChangeToSygedagpengeCountsTheNewDeadlinesFromTheNewAnchor) {
  const Rows rows = Judge(ChangeOfBenefitCase(), "2019-01-31");
  // The first follow-up by week 8 of the sickness period: 2018-10-01 + 55 =
  // 2018-11-25, met by 10-24.
  const RequirementResult& follow_up =
      OnlyRow(rows, kLab2016, "first-follow-up", 1);
  EXPECT_TRUE(Judged(follow_up, Verdict::kMet, "2018-11-25", "2018-10-24"));
  EXPECT_EQ(follow_up.anchor_on, Day("2018-10-01"));
  EXPECT_EQ(follow_up.target_group, v1::TARGET_GROUP_SYGEDAGPENGE);
  // The review by week 22: 2018-10-01 + 153 = 2019-03-03, not yet.
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2016, "review", 1), Verdict::kDue,
                     "2019-03-03"));
  // The cadence, at most 4 weeks (28 days) after the previous interview:
  // 10-24 + 28 = 11-21, met by 11-14; 11-14 + 28 = 12-12, met late by 12-19;
  // 12-19 + 28 = 2019-01-16, nothing by 2019-01-31: overdue, and no more
  // rows.
  const char* kCadence = "follow-up-cadence";
  ASSERT_EQ(RowsOf(rows, kLab2016, kCadence, 1).size(), 3u)
      << DescribeAll(rows);
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kCadence, 1, 1), Verdict::kMet,
                     "2018-11-21", "2018-11-14"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kCadence, 2, 1), Verdict::kMetLate,
                     "2018-12-12", "2018-12-19"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kCadence, 3, 1), Verdict::kOverdue,
                     "2019-01-16"));
  // The a-dagpenge requirements do not concern the sickness period.
  EXPECT_TRUE(NotApplicable(OnlyRow(rows, kLab2016, "first-active-offer", 1)));
}

TEST(ComplianceTest, ACadenceBeforeItsFirstInterviewIsNotApplicable) {
  // On 2018-10-15 the sickness period (from 2018-10-01) has no interview.
  const Rows rows = Judge(ChangeOfBenefitCase(), "2018-10-15");
  EXPECT_TRUE(NotApplicable(OnlyRow(rows, kLab2016, "follow-up-cadence", 1)));
  // Week 8 of it ends 2018-11-25.
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2016, "first-follow-up", 1),
                     Verdict::kDue, "2018-11-25"));
}

// --- Scenario 9: Faaborg-Midtfyn's local targets ---
//
// Registered Monday 2018-08-06; the service call is due within 14 days:
// 2018-08-06 + 14 = 2018-08-20.

CaseLog FaaborgCase(absl::string_view jobcentre_id,
                    absl::string_view service_call_on) {
  CaseLog log;
  // Born 1983-05-01: 35, for whom the law allows 26 weeks for the offer.
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1983-05-01",
             jobcentre_id);
  log.ServiceCall(service_call_on);
  return log;
}

TEST(ComplianceTest, FaaborgServiceCallOnDay14IsMet) {
  const Rows rows =
      Judge(FaaborgCase("jc-faaborg-midtfyn", "2018-08-20"), "2018-09-01");
  const RequirementResult& call = OnlyRow(rows, kFaaborg, "service-call");
  EXPECT_TRUE(Judged(call, Verdict::kMet, "2018-08-20", "2018-08-20"));
  EXPECT_EQ(call.rule_set_kind, v1::RULE_SET_KIND_LOCAL_TARGET);
  // Faaborg's offer target is week 13 for all ages: 2018-11-04; the law
  // gives this 35-year-old until week 26, 2019-02-03.
  EXPECT_TRUE(Judged(OnlyRow(rows, kFaaborg, "first-active-offer"),
                     Verdict::kDue, "2018-11-04"));
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2016, "first-active-offer"),
                     Verdict::kDue, "2019-02-03"));
  // Six interviews in the first 26 weeks: the window ends 2018-08-06 + 181 =
  // 2019-02-03.
  EXPECT_TRUE(Judged(OnlyRow(rows, kFaaborg, "interview-count"), Verdict::kDue,
                     "2019-02-03"));
}

TEST(ComplianceTest, FaaborgServiceCallOnDay15IsLate) {
  const Rows rows =
      Judge(FaaborgCase("jc-faaborg-midtfyn", "2018-08-21"), "2018-09-01");
  EXPECT_TRUE(Judged(OnlyRow(rows, kFaaborg, "service-call"), Verdict::kMetLate,
                     "2018-08-20", "2018-08-21"));
}

TEST(ComplianceTest, FaaborgTargetsDoNotJudgeABrondbyCaseUnlessNamed) {
  const CaseLog log = FaaborgCase("jc-brondby", "2018-08-20");
  const Rows rows = Judge(log, "2018-09-01");
  EXPECT_EQ(CountRowsOf(rows, kFaaborg), 0) << DescribeAll(rows);
  EXPECT_GT(CountRowsOf(rows, kLab2016), 0);
  // Named, the rule set judges whatever case it is given.
  // Rows point into the rule sets they were judged by: kept while used.
  const std::vector<v1::RuleSet> faaborg = {ShippedRuleSet(kFaaborg)};
  const Rows named = Judge(log, "2018-09-01", kNow, faaborg, true);
  EXPECT_TRUE(Judged(OnlyRow(named, kFaaborg, "service-call"), Verdict::kMet,
                     "2018-08-20", "2018-08-20"));
  EXPECT_EQ(CountRowsOf(named, kLab2016), 0) << DescribeAll(named);
}

TEST(ComplianceTest, FaaborgCaseRegisteredInJuneGetsOnlyTheServiceCall) {
  // Registered Monday 2018-06-04: the service calls began 2018-05-20, the
  // offer and interview targets only for periods anchored from 2018-07-01.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-06-04", "1983-05-01",
             "jc-faaborg-midtfyn");
  const Rows rows = Judge(log, "2018-08-01");
  // 2018-06-04 + 14 = 2018-06-18, before as_of.
  EXPECT_TRUE(Judged(OnlyRow(rows, kFaaborg, "service-call"), Verdict::kOverdue,
                     "2018-06-18"));
  for (const char* requirement :
       {"first-active-offer", "interview-count", "interview-cadence"}) {
    SCOPED_TRACE(requirement);
    EXPECT_TRUE(NotApplicable(OnlyRow(rows, kFaaborg, requirement)));
  }
}

// --- Scenario 10: before the case began ---

TEST(ComplianceTest, BeforeTheCaseBeganThereIsNothingToJudge) {
  const CaseLog log = BrondbyCase();
  EXPECT_TRUE(Judge(log, "2018-08-05").empty());
  EXPECT_TRUE(
      Judge(log, "2018-08-05", kNow, {ShippedRuleSet(kLab2016)}, true).empty());
}

// --- Why a case has no rows ---
//
// WhyNoRequirements words the decision Evaluate makes; each test also
// checks that Evaluate agrees (no rows exactly when there is a reason).

std::string Why(const CaseLog& log, absl::string_view as_of,
                const std::vector<v1::RuleSet>& rule_sets = ShippedRuleSets(),
                bool named = false) {
  const CaseTimeline timeline = FoldTimeline(log.events(), Day(as_of), kNow);
  const std::string why =
      WhyNoRequirements(rule_sets, timeline, Day(as_of), named);
  EXPECT_EQ(why.empty(),
            !Evaluate(rule_sets, timeline, Day(as_of), named).empty())
      << why;
  return why;
}

// Only the fields the decision reads.
v1::RuleSet Governing(absl::string_view id, absl::string_view valid_from,
                      absl::string_view valid_to,
                      std::vector<v1::TargetGroup> groups,
                      std::vector<std::string> jobcentre_ids = {}) {
  v1::RuleSet rule_set = ShippedRuleSet(kLab2020);
  rule_set.set_id(std::string(id));
  rule_set.set_valid_from(std::string(valid_from));
  rule_set.set_valid_to(std::string(valid_to));
  rule_set.clear_target_groups();
  for (v1::TargetGroup group : groups) rule_set.add_target_groups(group);
  rule_set.clear_jobcentre_ids();
  for (const std::string& jobcentre_id : jobcentre_ids) {
    rule_set.add_jobcentre_ids(jobcentre_id);
  }
  // Requirements of the shipped set name their own groups; let them follow.
  for (v1::Requirement& requirement : *rule_set.mutable_requirements()) {
    requirement.clear_target_groups();
  }
  return rule_set;
}

TEST(WhyNoRequirementsTest, ARessourceforloebAnchoredIn2015IsJudgedByNone) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_RESSOURCEFORLOEB, "2015-03-02", "1975-04-10",
             "jc-brondby");
  EXPECT_EQ(Why(log, "2018-06-30"),
            "no rule set judges this case: period 1 "
            "(TARGET_GROUP_RESSOURCEFORLOEB, anchored 2015-03-02): "
            "dk-lab-2016 is for periods anchored from 2016-01-01; "
            "dk-lab-2020 is for periods anchored from 2020-01-01; "
            "dk-lab-2024 is for periods anchored from 2024-01-01; "
            "dk-lab-2026 is for periods anchored from 2026-07-01; "
            "local-faaborg-2018 is for periods anchored from 2018-05-20; "
            "local-middelfart-2020 is for periods anchored from 2020-02-05; "
            "star-followup-2023 is for periods anchored from 2022-01-01; "
            "star-recovery covers TARGET_GROUP_SYGEDAGPENGE, "
            "TARGET_GROUP_A_DAGPENGE");
}

TEST(WhyNoRequirementsTest, NamesTheEndOfValidityTheJobcentreAndTheGroups) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2020-03-02", "1990-01-15",
             "jc-odense");
  const std::vector<v1::RuleSet> rule_sets = {
      Governing("old", "2016-01-01", "2019-12-31",
                {v1::TARGET_GROUP_A_DAGPENGE}),
      Governing("local", "2020-01-01", "", {v1::TARGET_GROUP_A_DAGPENGE},
                {"jc-faaborg", "jc-vejle"}),
      Governing(
          "sick", "2020-01-01", "",
          {v1::TARGET_GROUP_SYGEDAGPENGE, v1::TARGET_GROUP_LEDIGHEDSYDELSE})};
  EXPECT_EQ(Why(log, "2020-06-30", rule_sets),
            "no rule set judges this case: period 1 "
            "(TARGET_GROUP_A_DAGPENGE, anchored 2020-03-02): "
            "old is for periods anchored until 2019-12-31; "
            "local is for jobcentres jc-faaborg, jc-vejle; "
            "sick covers TARGET_GROUP_SYGEDAGPENGE, "
            "TARGET_GROUP_LEDIGHEDSYDELSE");
}

TEST(WhyNoRequirementsTest, WhyNotGovernedIsEmptyForTheRuleSetThatJudges) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2020-03-02", "1990-01-15",
             "jc-odense");
  const CaseTimeline timeline =
      FoldTimeline(log.events(), Day("2020-06-30"), kNow);
  ASSERT_EQ(timeline.periods.size(), 1u);
  EXPECT_EQ(
      WhyNotGoverned(ShippedRuleSet(kLab2020), timeline, timeline.periods[0]),
      "");
  EXPECT_EQ(
      WhyNotGoverned(ShippedRuleSet(kLab2016), timeline, timeline.periods[0]),
      "dk-lab-2016 is for periods anchored until 2019-12-31");
}

TEST(WhyNoRequirementsTest, OneGoverningRuleSetMeansNoReason) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1991-03-01",
             "jc-brondby");
  EXPECT_EQ(Why(log, "2018-09-15"), "");
}

TEST(WhyNoRequirementsTest, ACaseWithoutAPeriodBeforeItOpened) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1991-03-01",
             "jc-brondby");
  EXPECT_EQ(Why(log, "2018-06-30"),
            "the case had no benefit period by 2018-06-30");
}

TEST(WhyNoRequirementsTest, NoActiveRuleSet) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1991-03-01",
             "jc-brondby");
  EXPECT_EQ(Why(log, "2018-09-15", {}), "no rule set is active");
}

TEST(WhyNoRequirementsTest, NamedRuleSetsJudgeEveryPeriod) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_RESSOURCEFORLOEB, "2015-03-02", "1975-04-10",
             "jc-brondby");
  EXPECT_EQ(Why(log, "2018-06-30", {ShippedRuleSet(kLab2016)}, true), "");
}

TEST(WhyNoRequirementsTest, ExplainsTheFirstThreePeriodsAndCountsTheRest) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2015-01-05", "1975-04-10",
             "jc-brondby");
  log.GroupChanged("2015-03-02", v1::TARGET_GROUP_SYGEDAGPENGE, "2015-03-02");
  log.GroupChanged("2015-05-04", v1::TARGET_GROUP_A_DAGPENGE, "2015-05-04");
  log.GroupChanged("2015-07-06", v1::TARGET_GROUP_SYGEDAGPENGE, "2015-07-06");
  const std::vector<v1::RuleSet> rule_sets = {ShippedRuleSet(kLab2016)};
  EXPECT_EQ(Why(log, "2015-12-31", rule_sets),
            "no rule set judges this case: "
            "period 1 (TARGET_GROUP_A_DAGPENGE, anchored 2015-01-05): "
            "dk-lab-2016 is for periods anchored from 2016-01-01; "
            "period 2 (TARGET_GROUP_SYGEDAGPENGE, anchored 2015-03-02): "
            "dk-lab-2016 is for periods anchored from 2016-01-01; "
            "period 3 (TARGET_GROUP_A_DAGPENGE, anchored 2015-05-04): "
            "dk-lab-2016 is for periods anchored from 2016-01-01; "
            "and 1 more period");
}

}  // namespace
}  // namespace caseline
