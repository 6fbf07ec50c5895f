// Goal: every requirement of the shipped rule sets that compliance_test.cc
// does not judge yet gives the exact deadline, met date and verdict of
// docs/domain.md. Method: hand-worked cases (events folded on a chosen as_of)
// judged by the rule sets read from rules/, each expected date derived by
// hand in a comment.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
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

// --- Scenario 11: kontanthjælp aktivitetsparat under the law of 2016, at
// Fredericia ---
//
// First contact Wednesday 2018-01-10. "Within 1 week" is "by week 1": on or
// before 2018-01-10 + 7·1 − 1 = 2018-01-16 (Tuesday); the day after,
// 2018-01-17, is late.

CaseLog AktivitetsparatCase2016(absl::string_view first_interview) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT, "2018-01-10",
             "1990-04-12", "jc-fredericia");
  log.Interview(first_interview);
  return log;
}

TEST(ComplianceRulesTest, AktivitetsparatFirstInterviewOnDay7IsMet) {
  const Rows rows = Judge(AktivitetsparatCase2016("2018-01-16"), "2018-02-01");
  const RequirementResult& row = OnlyRow(rows, kLab2016, "first-interview");
  EXPECT_TRUE(Judged(row, Verdict::kMet, "2018-01-16", "2018-01-16"));
  EXPECT_EQ(row.anchor_on, Day("2018-01-10"));
  EXPECT_EQ(row.target_group, v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT);
  // The a-dagpenge and sygedagpenge requirements of 2016 do not concern it.
  for (const char* requirement :
       {"interview-schedule", "joint-interviews", "first-active-offer",
        "first-follow-up", "follow-up-cadence", "review"}) {
    SCOPED_TRACE(requirement);
    EXPECT_TRUE(NotApplicable(OnlyRow(rows, kLab2016, requirement)));
  }
  // The law of 2020 was not in force on the anchor day, and Faaborg's and
  // Middelfart's targets are for other groups and other jobcentres.
  EXPECT_EQ(CountRowsOf(rows, kLab2020), 0) << DescribeAll(rows);
  EXPECT_EQ(CountRowsOf(rows, kFaaborg), 0) << DescribeAll(rows);
  EXPECT_EQ(CountRowsOf(rows, kMiddelfart), 0) << DescribeAll(rows);
}

TEST(ComplianceRulesTest, AktivitetsparatFirstInterviewOnDay8IsLate) {
  const Rows rows = Judge(AktivitetsparatCase2016("2018-01-17"), "2018-02-01");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2016, "first-interview"),
                     Verdict::kMetLate, "2018-01-16", "2018-01-17"));
}

TEST(ComplianceRulesTest, AktivitetsparatWithoutAFirstInterview) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT, "2018-01-10",
             "1990-04-12", "jc-fredericia");
  // On the deadline itself: still due; the day after: overdue.
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(log, "2018-01-16"), kLab2016, "first-interview"),
             Verdict::kDue, "2018-01-16"));
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(log, "2018-01-17"), kLab2016, "first-interview"),
             Verdict::kOverdue, "2018-01-16"));
}

TEST(ComplianceRulesTest, AktivitetsparatPausedMovesTheFirstInterview) {
  // Paused Friday 2018-01-12, resumed Monday 2018-01-15: 01-12, 01-13 and
  // 01-14 paused, 3 days before the deadline: 2018-01-16 + 3 = 2018-01-19
  // (no paused day in 01-17..01-19, so it is stable). The interview of
  // Thursday 2018-01-18 is in time.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT, "2018-01-10",
             "1990-04-12", "jc-fredericia");
  log.Paused("2018-01-12");
  log.Resumed("2018-01-15");
  log.Interview("2018-01-18");
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(log, "2018-02-01"), kLab2016, "first-interview"),
             Verdict::kMet, "2018-01-19", "2018-01-18"));
}

TEST(ComplianceRulesTest, JobparatIsNotJudgedByTheLawOf2016) {
  // dk-lab-2016 covers a-dagpenge, kontanthjælp aktivitetsparat and
  // sygedagpenge only.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT, "2018-01-10",
             "1990-04-12", "jc-fredericia");
  log.Interview("2018-01-16");
  const Rows rows = Judge(log, "2018-02-01");
  EXPECT_EQ(CountRowsOf(rows, kLab2016), 0) << DescribeAll(rows);
}

// At least 4 interviews in each 12 months, repeating, from 2018-01-10:
//   window 1: 2018-01-10 .. add_months(2018-01-10, 12) − 1 = 2019-01-09
//   window 2: 2019-01-10 .. add_months(2018-01-10, 24) − 1 = 2020-01-09
//   window 3: 2020-01-10 .. add_months(2018-01-10, 36) − 1 = 2021-01-09
// Window 1 has 4 interviews, the 4th on its last day (2019-01-09); window 2
// has 3, the first on its first day (2019-01-10).

CaseLog AktivitetsparatYearsCase() {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT, "2018-01-10",
             "1990-04-12", "jc-fredericia");
  log.Interview("2018-01-16");
  log.Interview("2018-04-11");
  log.Interview("2018-07-11");
  log.Interview("2019-01-09");
  log.Interview("2019-01-10");
  log.Interview("2019-05-15");
  log.Interview("2019-09-11");
  return log;
}

TEST(ComplianceRulesTest, AktivitetsparatInterviewCountFirstWindowOnly) {
  // On 2019-01-09, the last day of window 1, window 2 has not started: one
  // row, met by the 4th interview that very day.
  const Rows rows = Judge(AktivitetsparatYearsCase(), "2019-01-09");
  ASSERT_EQ(RowsOf(rows, kLab2016, "interview-count").size(), 1u)
      << DescribeAll(rows);
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, "interview-count", 1),
                     Verdict::kMet, "2019-01-09", "2019-01-09"));
}

TEST(ComplianceRulesTest, AktivitetsparatInterviewCountSecondWindowStarts) {
  // On 2019-01-10 window 2 has begun, with the interview of that day only.
  const Rows rows = Judge(AktivitetsparatYearsCase(), "2019-01-10");
  ASSERT_EQ(RowsOf(rows, kLab2016, "interview-count").size(), 2u)
      << DescribeAll(rows);
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, "interview-count", 1),
                     Verdict::kMet, "2019-01-09", "2019-01-09"));
  const RequirementResult& second =
      NthRow(rows, kLab2016, "interview-count", 2);
  EXPECT_TRUE(Judged(second, Verdict::kDue, "2020-01-09"));
  EXPECT_EQ(second.event_ids.size(), 1u) << Describe(second);
}

TEST(ComplianceRulesTest, AktivitetsparatInterviewCountSecondWindowDue) {
  // On 2019-12-01 window 2 (to 2020-01-09) has 3 interviews: due. The
  // interviews of window 1 do not count for it.
  const Rows rows = Judge(AktivitetsparatYearsCase(), "2019-12-01");
  ASSERT_EQ(RowsOf(rows, kLab2016, "interview-count").size(), 2u)
      << DescribeAll(rows);
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, "interview-count", 1),
                     Verdict::kMet, "2019-01-09", "2019-01-09"));
  const RequirementResult& second =
      NthRow(rows, kLab2016, "interview-count", 2);
  EXPECT_TRUE(Judged(second, Verdict::kDue, "2020-01-09"));
  EXPECT_EQ(second.event_ids.size(), 3u) << Describe(second);
}

TEST(ComplianceRulesTest, AktivitetsparatInterviewCountSecondWindowOverdue) {
  // On 2020-01-20 window 2 closed (2020-01-09) with 3: overdue. Window 3
  // began 2020-01-10 with none yet: due by 2021-01-09. The period is still
  // judged by the law of 2016, valid on its anchor day, though that rule set
  // ended 2019-12-31.
  const Rows rows = Judge(AktivitetsparatYearsCase(), "2020-01-20");
  ASSERT_EQ(RowsOf(rows, kLab2016, "interview-count").size(), 3u)
      << DescribeAll(rows);
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, "interview-count", 1),
                     Verdict::kMet, "2019-01-09", "2019-01-09"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, "interview-count", 2),
                     Verdict::kOverdue, "2020-01-09"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, "interview-count", 3),
                     Verdict::kDue, "2021-01-09"));
  EXPECT_EQ(CountRowsOf(rows, kLab2020), 0) << DescribeAll(rows);
}

// --- Scenario 12: sygedagpenge under the law of 2016, at Vejle ---
//
// First absence day Monday 2019-03-04.
//   first follow-up by week 8: 2019-03-04 + 55 = 2019-04-28 (Sunday)
//   review by week 22: 2019-03-04 + 153 = 2019-08-04 (Sunday)
// The cadence after the first interview: at most 4 weeks, a gap deadline of
// reference + 28 days.

CaseLog SickCase2016() {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_SYGEDAGPENGE, "2019-03-04", "1970-11-23",
             "jc-vejle");
  return log;
}

TEST(ComplianceRulesTest, SygedagpengeFirstFollowUpByWeek8) {
  // Friday 2019-04-26: met.
  CaseLog met = SickCase2016();
  met.Interview("2019-04-26");
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(met, "2019-05-01"), kLab2016, "first-follow-up"),
             Verdict::kMet, "2019-04-28", "2019-04-26"));
  // Monday 2019-04-29, in week 9: late.
  CaseLog late = SickCase2016();
  late.Interview("2019-04-29");
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(late, "2019-05-01"), kLab2016, "first-follow-up"),
             Verdict::kMetLate, "2019-04-28", "2019-04-29"));
  // None: due on 2019-04-28 itself, overdue on 2019-05-01.
  const CaseLog none = SickCase2016();
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(none, "2019-04-28"), kLab2016, "first-follow-up"),
             Verdict::kDue, "2019-04-28"));
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(none, "2019-05-01"), kLab2016, "first-follow-up"),
             Verdict::kOverdue, "2019-04-28"));
}

// Interviews Friday 2019-04-26, 2019-05-24 and 2019-06-28:
//   gap 1: 04-26 + 28 = 05-24, met by 05-24 (on the day)
//   gap 2: 05-24 + 28 = 06-21, met late by 06-28 (5 weeks after)
//   gap 3: 06-28 + 28 = 07-26, open
CaseLog SickCadenceCase2016() {
  CaseLog log = SickCase2016();
  log.Interview("2019-04-26");
  log.Interview("2019-05-24");
  log.Interview("2019-06-28");
  return log;
}

TEST(ComplianceRulesTest, SygedagpengeCadenceWithALateGapThenDue) {
  const Rows rows = Judge(SickCadenceCase2016(), "2019-07-20");
  const char* kCadence = "follow-up-cadence";
  ASSERT_EQ(RowsOf(rows, kLab2016, kCadence).size(), 3u) << DescribeAll(rows);
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kCadence, 1), Verdict::kMet,
                     "2019-05-24", "2019-05-24"));
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kCadence, 2), Verdict::kMetLate,
                     "2019-06-21", "2019-06-28"));
  EXPECT_TRUE(
      Judged(NthRow(rows, kLab2016, kCadence, 3), Verdict::kDue, "2019-07-26"));
}

TEST(ComplianceRulesTest, SygedagpengeCadenceOpenGapTurnsOverdue) {
  // On 2019-08-01 the gap that ended 2019-07-26 is still open.
  const Rows rows = Judge(SickCadenceCase2016(), "2019-08-01");
  const char* kCadence = "follow-up-cadence";
  ASSERT_EQ(RowsOf(rows, kLab2016, kCadence).size(), 3u) << DescribeAll(rows);
  EXPECT_TRUE(Judged(NthRow(rows, kLab2016, kCadence, 3), Verdict::kOverdue,
                     "2019-07-26"));
}

TEST(ComplianceRulesTest, SygedagpengeReviewByWeek22) {
  // Held Wednesday 2019-07-31: met.
  CaseLog met = SickCadenceCase2016();
  met.Review("2019-07-31");
  const Rows met_rows = Judge(met, "2019-08-05");
  EXPECT_TRUE(Judged(OnlyRow(met_rows, kLab2016, "review"), Verdict::kMet,
                     "2019-08-04", "2019-07-31"));
  // A review is not an interview: the cadence's gap 3 (to 07-26) is still
  // open.
  EXPECT_TRUE(Judged(NthRow(met_rows, kLab2016, "follow-up-cadence", 3),
                     Verdict::kOverdue, "2019-07-26"));
  // Held Monday 2019-08-05, in week 23: late.
  CaseLog late = SickCadenceCase2016();
  late.Review("2019-08-05");
  EXPECT_TRUE(Judged(OnlyRow(Judge(late, "2019-08-05"), kLab2016, "review"),
                     Verdict::kMetLate, "2019-08-04", "2019-08-05"));
  // None: due on 2019-07-01, overdue on 2019-08-05.
  const CaseLog none = SickCadenceCase2016();
  EXPECT_TRUE(Judged(OnlyRow(Judge(none, "2019-07-01"), kLab2016, "review"),
                     Verdict::kDue, "2019-08-04"));
  EXPECT_TRUE(Judged(OnlyRow(Judge(none, "2019-08-05"), kLab2016, "review"),
                     Verdict::kOverdue, "2019-08-04"));
}

// --- Scenario 13: a-dagpenge under the law of 2020, registered at a
// month's end ---
//
// Registered Monday 2020-08-31. The first 6 months end
// add_months(2020-08-31, 6) − 1: February 2021 has no 31st, so add_months
// clamps to 2021-02-28, and the window ends 2021-02-27 (Saturday). Without
// the clamp it would end in March, and Monday 2021-03-01 would be in time.
// Interviews Wednesday 2020-09-09 (joint), 2020-10-14, 2020-11-18 (joint),
// then a 4th.

CaseLog ADagpenge2020Case(absl::string_view fourth_interview,
                          absl::string_view offer_on) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2020-08-31", "1985-06-20",
             "jc-brondby");
  log.Interview("2020-09-09", v1::INTERVIEW_KIND_JOINT);
  log.Interview("2020-10-14");
  log.Interview("2020-11-18", v1::INTERVIEW_KIND_JOINT);
  log.Interview(fourth_interview);
  log.OfferStarted(offer_on);
  return log;
}

TEST(ComplianceRulesTest, ADagpenge2020MetWithinSixMonthsClamped) {
  // 4th interview Friday 2021-02-26; offer started 2021-01-13.
  const Rows rows =
      Judge(ADagpenge2020Case("2021-02-26", "2021-01-13"), "2021-03-15");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2020, "a-dagpenge-interview-count"),
                     Verdict::kMet, "2021-02-27", "2021-02-26"));
  // The 2nd joint interview: 2020-11-18.
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2020, "joint-interviews"), Verdict::kMet,
                     "2021-02-27", "2020-11-18"));
  const RequirementResult& offer =
      OnlyRow(rows, kLab2020, "first-active-offer");
  EXPECT_TRUE(Judged(offer, Verdict::kMet, "2021-02-27", "2021-01-13"));
  EXPECT_EQ(offer.anchor_on, Day("2020-08-31"));
  // The requirements for the other groups do not concern it.
  for (const char* requirement :
       {"kontanthjaelp-first-interview", "kontanthjaelp-interview-count",
        "sygedagpenge-first-interview", "sygedagpenge-interview-count"}) {
    SCOPED_TRACE(requirement);
    EXPECT_TRUE(NotApplicable(OnlyRow(rows, kLab2020, requirement)));
  }
  EXPECT_EQ(CountRowsOf(rows, kLab2016), 0) << DescribeAll(rows);
  EXPECT_EQ(CountRowsOf(rows, kFaaborg), 0) << DescribeAll(rows);
}

TEST(ComplianceRulesTest, ADagpenge2020OnTheFirstOfMarchIsLate) {
  // 4th interview and offer start on Monday 2021-03-01, two days after the
  // clamped window end.
  const Rows rows =
      Judge(ADagpenge2020Case("2021-03-01", "2021-03-01"), "2021-03-15");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2020, "a-dagpenge-interview-count"),
                     Verdict::kMetLate, "2021-02-27", "2021-03-01"));
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2020, "first-active-offer"),
                     Verdict::kMetLate, "2021-02-27", "2021-03-01"));
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2020, "joint-interviews"), Verdict::kMet,
                     "2021-02-27", "2020-11-18"));
}

TEST(ComplianceRulesTest, ADagpenge2020WithOneJointInterviewAndNoOffer) {
  // Only the joint interview of 2020-09-09, no offer.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2020-08-31", "1985-06-20",
             "jc-brondby");
  log.Interview("2020-09-09", v1::INTERVIEW_KIND_JOINT);
  // On 2021-02-27, the last day: all due.
  const Rows due = Judge(log, "2021-02-27");
  EXPECT_TRUE(Judged(OnlyRow(due, kLab2020, "a-dagpenge-interview-count"),
                     Verdict::kDue, "2021-02-27"));
  EXPECT_TRUE(Judged(OnlyRow(due, kLab2020, "joint-interviews"), Verdict::kDue,
                     "2021-02-27"));
  EXPECT_TRUE(Judged(OnlyRow(due, kLab2020, "first-active-offer"),
                     Verdict::kDue, "2021-02-27"));
  // On 2021-02-28: all overdue.
  const Rows overdue = Judge(log, "2021-02-28");
  EXPECT_TRUE(Judged(OnlyRow(overdue, kLab2020, "a-dagpenge-interview-count"),
                     Verdict::kOverdue, "2021-02-27"));
  EXPECT_TRUE(Judged(OnlyRow(overdue, kLab2020, "joint-interviews"),
                     Verdict::kOverdue, "2021-02-27"));
  EXPECT_TRUE(Judged(OnlyRow(overdue, kLab2020, "first-active-offer"),
                     Verdict::kOverdue, "2021-02-27"));
}

// --- Cases opened after their anchor ---
//
// The first active offer counts from the period's anchor (registration,
// first contact), not from the day the case was recorded as opened. An
// a-dagpenge case registered Monday 2020-08-31 but opened on 2020-09-14:
// the offer is due by add_months(2020-08-31, 6) − 1, clamped: 2021-02-27
// (counted from the opening it would be 2021-03-13).

CaseLog ADagpengeOpenedLate() {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2020-08-31", "1985-06-20",
             "jc-brondby", /*sick_note_received_on=*/"",
             /*opened_on=*/"2020-09-14");
  return log;
}

TEST(ComplianceRulesTest, AnOfferCountsFromRegistrationNotFromTheOpening) {
  CaseLog late = ADagpengeOpenedLate();
  late.OfferStarted("2021-03-01");
  const Rows rows = Judge(late, "2021-03-15");
  const RequirementResult& offer =
      OnlyRow(rows, kLab2020, "first-active-offer");
  EXPECT_TRUE(Judged(offer, Verdict::kMetLate, "2021-02-27", "2021-03-01"));
  EXPECT_EQ(offer.anchor_on, Day("2020-08-31"));

  const CaseLog none = ADagpengeOpenedLate();
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(none, "2021-02-27"), kLab2020, "first-active-offer"),
             Verdict::kDue, "2021-02-27"));
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(none, "2021-02-28"), kLab2020, "first-active-offer"),
             Verdict::kOverdue, "2021-02-27"));
}

// Paused 2020-10-05 and resumed 2020-10-15: ten paused days move the
// deadline from 2021-02-27 to 2021-03-09, counted from registration as
// well.
TEST(ComplianceRulesTest, AnOfferOfACaseOpenedLateMovesWithItsPauses) {
  CaseLog log = ADagpengeOpenedLate();
  log.Paused("2020-10-05");
  log.Resumed("2020-10-15");
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(log, "2021-03-09"), kLab2020, "first-active-offer"),
             Verdict::kDue, "2021-03-09"));
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(log, "2021-03-10"), kLab2020, "first-active-offer"),
             Verdict::kOverdue, "2021-03-09"));
}

// Kontanthjælp: first contact Wednesday 2020-09-16, opened 2020-09-21; the
// offer is due by 2021-03-15 (scenario 14's day), so one started then is
// in time.
TEST(ComplianceRulesTest, AKontanthjaelpOfferCountsFromFirstContact) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT, "2020-09-16",
             "1996-02-29", "jc-fredericia", /*sick_note_received_on=*/"",
             /*opened_on=*/"2020-09-21");
  log.OfferStarted("2021-03-15");
  const Rows rows = Judge(log, "2021-04-01");
  const RequirementResult& offer =
      OnlyRow(rows, kLab2020, "first-active-offer");
  EXPECT_TRUE(Judged(offer, Verdict::kMet, "2021-03-15", "2021-03-15"));
  EXPECT_EQ(offer.anchor_on, Day("2020-09-16"));
}

// --- Scenario 14: kontanthjælp jobparat under the law of 2020, at
// Fredericia ---
//
// First contact Wednesday 2020-09-16:
//   first interview by week 1: 2020-09-16 + 6 = 2020-09-22 (Tuesday)
//   first 6 months: add_months(2020-09-16, 6) − 1 = 2021-03-16 − 1 =
//   2021-03-15, for the 4 interviews and for the first active offer (counted
//   from the start of the target-group period, the first contact).
// Interviews 2020-09-22, 2020-11-04, 2021-01-13, 2021-03-10; an offer
// started 2021-04-06.

CaseLog JobparatCase2020() {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT, "2020-09-16",
             "1996-02-29", "jc-fredericia");
  log.Interview("2020-09-22");
  log.Interview("2020-11-04");
  log.Interview("2021-01-13");
  log.Interview("2021-03-10");
  log.OfferStarted("2021-04-06");
  return log;
}

TEST(ComplianceRulesTest, JobparatInterviewsMetAndTheOfferLate) {
  const Rows rows = Judge(JobparatCase2020(), "2021-05-01");
  const RequirementResult& first =
      OnlyRow(rows, kLab2020, "kontanthjaelp-first-interview");
  EXPECT_TRUE(Judged(first, Verdict::kMet, "2020-09-22", "2020-09-22"));
  EXPECT_EQ(first.anchor_on, Day("2020-09-16"));
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2020, "kontanthjaelp-interview-count"),
                     Verdict::kMet, "2021-03-15", "2021-03-10"));
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2020, "first-active-offer"),
                     Verdict::kMetLate, "2021-03-15", "2021-04-06"));
  for (const char* requirement :
       {"a-dagpenge-interview-count", "joint-interviews",
        "sygedagpenge-first-interview", "sygedagpenge-interview-count"}) {
    SCOPED_TRACE(requirement);
    EXPECT_TRUE(NotApplicable(OnlyRow(rows, kLab2020, requirement)));
  }
}

TEST(ComplianceRulesTest, JobparatFirstInterviewOnDay8IsLate) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT, "2020-09-16",
             "1996-02-29", "jc-fredericia");
  log.Interview("2020-09-23");
  const Rows rows = Judge(log, "2020-10-01");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2020, "kontanthjaelp-first-interview"),
                     Verdict::kMetLate, "2020-09-22", "2020-09-23"));
  // One interview so far; the window runs to 2021-03-15.
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2020, "kontanthjaelp-interview-count"),
                     Verdict::kDue, "2021-03-15"));
}

TEST(ComplianceRulesTest, JobparatToAktivitetsparatKeepsThePeriodAndAnchors) {
  // On Tuesday 2020-12-01 the citizen becomes aktivitetsparat, with an
  // anchor_on of that day: the same benefit, so no new period, and every
  // deadline still counts from 2020-09-16.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT, "2020-09-16",
             "1996-02-29", "jc-fredericia");
  log.Interview("2020-09-22");
  log.Interview("2020-11-04");
  log.GroupChanged("2020-12-01", v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT,
                   "2020-12-01");
  log.Interview("2021-01-13");
  log.Interview("2021-03-10");
  log.OfferStarted("2021-04-06");
  const CaseTimeline timeline =
      FoldTimeline(log.events(), Day("2021-05-01"), kNow);
  ASSERT_EQ(timeline.periods.size(), 1u);
  EXPECT_EQ(timeline.periods[0].anchor_on, Day("2020-09-16"));

  const Rows rows = Judge(log, "2021-05-01");
  const RequirementResult& first =
      OnlyRow(rows, kLab2020, "kontanthjaelp-first-interview");
  EXPECT_TRUE(Judged(first, Verdict::kMet, "2020-09-22", "2020-09-22"));
  EXPECT_EQ(first.anchor_on, Day("2020-09-16"));
  // The interviews before and after the change count together: the 4th,
  // 2021-03-10, is within the window to 2021-03-15. (A new anchor on
  // 2020-12-01 would count only 01-13 and 03-10 in a window to
  // add_months(2020-12-01, 6) − 1 = 2021-05-31: due, not met.)
  const RequirementResult& count =
      OnlyRow(rows, kLab2020, "kontanthjaelp-interview-count");
  EXPECT_TRUE(Judged(count, Verdict::kMet, "2021-03-15", "2021-03-10"));
  EXPECT_EQ(count.anchor_on, Day("2020-09-16"));
  const RequirementResult& offer =
      OnlyRow(rows, kLab2020, "first-active-offer");
  EXPECT_TRUE(Judged(offer, Verdict::kMetLate, "2021-03-15", "2021-04-06"));
  EXPECT_EQ(offer.anchor_on, Day("2020-09-16"));
  // Nothing judges a second period.
  for (const RequirementResult& row : rows) {
    EXPECT_EQ(row.period_index, 0) << Describe(row);
  }
}

TEST(ComplianceRulesTest, JobparatClosedBeforeSixMonthsIsNotApplicable) {
  // Closed Tuesday 2020-12-15 with 2 interviews and no offer: the 6 months
  // (to 2021-03-15) never ran out while the period lasted.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT, "2020-09-16",
             "1996-02-29", "jc-fredericia");
  log.Interview("2020-09-22");
  log.Interview("2020-11-04");
  log.Closed("2020-12-15");
  const Rows rows = Judge(log, "2021-04-01");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2020, "kontanthjaelp-first-interview"),
                     Verdict::kMet, "2020-09-22", "2020-09-22"));
  EXPECT_TRUE(
      NotApplicable(OnlyRow(rows, kLab2020, "kontanthjaelp-interview-count")));
  EXPECT_TRUE(NotApplicable(OnlyRow(rows, kLab2020, "first-active-offer")));
}

// --- Scenario 15: the first interview for jobafklaring, ressourceforløb
// and ledighedsydelse ---
//
// First contact Thursday 2020-10-01: the first interview by 2020-10-01 + 6
// = 2020-10-07 (Wednesday); 6 months end add_months(2020-10-01, 6) − 1 =
// 2021-04-01 − 1 = 2021-03-31. The first active offer of 2020 is for
// a-dagpenge and kontanthjælp only.

TEST(ComplianceRulesTest, OtherGroupsFirstInterviewWithinOneWeek) {
  for (const v1::TargetGroup group :
       {v1::TARGET_GROUP_JOBAFKLARING, v1::TARGET_GROUP_RESSOURCEFORLOEB,
        v1::TARGET_GROUP_LEDIGHEDSYDELSE}) {
    SCOPED_TRACE(v1::TargetGroup_Name(group));
    for (const bool late : {false, true}) {
      SCOPED_TRACE(late ? "on day 8" : "on day 7");
      const char* interview_on = late ? "2020-10-08" : "2020-10-07";
      CaseLog log;
      log.Opened(group, "2020-10-01", "1978-09-30", "jc-fredericia");
      log.Interview(interview_on);
      const Rows rows = Judge(log, "2020-11-01");
      const RequirementResult& first =
          OnlyRow(rows, kLab2020, "kontanthjaelp-first-interview");
      EXPECT_TRUE(Judged(first, late ? Verdict::kMetLate : Verdict::kMet,
                         "2020-10-07", interview_on));
      EXPECT_EQ(first.target_group, group);
      EXPECT_TRUE(
          Judged(OnlyRow(rows, kLab2020, "kontanthjaelp-interview-count"),
                 Verdict::kDue, "2021-03-31"));
      EXPECT_TRUE(NotApplicable(OnlyRow(rows, kLab2020, "first-active-offer")));
    }
  }
}

// --- Scenario 16: Faaborg-Midtfyn's interviews after week 26 ---
//
// Registered Monday 2018-08-06, born 1983-05-01 (35). Week 13 ends
// 2018-08-06 + 90 = 2018-11-04; week 26 ends 2018-08-06 + 181 = 2019-02-03.
// Six interviews in the first 26 weeks, on Wednesdays 2018-08-15, 09-12,
// 10-10, 11-07, 12-05 and 2019-01-16; an offer started 2018-12-05. After
// week 26 the cadence counts from the last interview on or before
// 2019-02-03, 2019-01-16, with gaps of at most 6 weeks (42 days):
//   gap 1: 2019-01-16 + 42 = 2019-02-27, met late by 2019-03-06 (7 weeks)
//   gap 2: 2019-03-06 + 42 = 2019-04-17, met by 2019-04-17 (on the day)
//   gap 3: 2019-04-17 + 42 = 2019-05-29, open

CaseLog FaaborgInterviewCase() {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1983-05-01",
             "jc-faaborg-midtfyn");
  log.ServiceCall("2018-08-13");
  log.Interview("2018-08-15", v1::INTERVIEW_KIND_JOINT);
  log.Interview("2018-09-12");
  log.Interview("2018-10-10");
  log.Interview("2018-11-07");
  log.Interview("2018-12-05");
  log.OfferStarted("2018-12-05");
  log.Interview("2019-01-16");
  log.Interview("2019-03-06");
  log.Interview("2019-04-17");
  return log;
}

TEST(ComplianceRulesTest, FaaborgSixInterviewsThenALateGapThenDue) {
  const Rows rows = Judge(FaaborgInterviewCase(), "2019-05-20");
  EXPECT_TRUE(Judged(OnlyRow(rows, kFaaborg, "interview-count"), Verdict::kMet,
                     "2019-02-03", "2019-01-16"));
  const char* kCadence = "interview-cadence";
  ASSERT_EQ(RowsOf(rows, kFaaborg, kCadence).size(), 3u) << DescribeAll(rows);
  EXPECT_TRUE(Judged(NthRow(rows, kFaaborg, kCadence, 1), Verdict::kMetLate,
                     "2019-02-27", "2019-03-06"));
  EXPECT_TRUE(Judged(NthRow(rows, kFaaborg, kCadence, 2), Verdict::kMet,
                     "2019-04-17", "2019-04-17"));
  EXPECT_TRUE(
      Judged(NthRow(rows, kFaaborg, kCadence, 3), Verdict::kDue, "2019-05-29"));
}

TEST(ComplianceRulesTest, FaaborgOpenGapTurnsOverdue) {
  const Rows rows = Judge(FaaborgInterviewCase(), "2019-06-01");
  const char* kCadence = "interview-cadence";
  ASSERT_EQ(RowsOf(rows, kFaaborg, kCadence).size(), 3u) << DescribeAll(rows);
  EXPECT_TRUE(Judged(NthRow(rows, kFaaborg, kCadence, 3), Verdict::kOverdue,
                     "2019-05-29"));
}

TEST(ComplianceRulesTest, FaaborgOfferBy13WeeksWhereTheLawGives26) {
  // The offer of 2018-12-05 came after Faaborg's week 13 (2018-11-04) but
  // within the law's week 26 for a 35-year-old (2019-02-03).
  const Rows rows = Judge(FaaborgInterviewCase(), "2019-05-20");
  EXPECT_TRUE(Judged(OnlyRow(rows, kFaaborg, "first-active-offer"),
                     Verdict::kMetLate, "2018-11-04", "2018-12-05"));
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2016, "first-active-offer"),
                     Verdict::kMet, "2019-02-03", "2018-12-05"));
  EXPECT_TRUE(Judged(OnlyRow(rows, kFaaborg, "service-call"), Verdict::kMet,
                     "2018-08-20", "2018-08-13"));
}

TEST(ComplianceRulesTest, FaaborgWithoutInterviews) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1983-05-01",
             "jc-faaborg-midtfyn");
  // On 2019-01-10 the cadence (from week 26, 2019-02-03) has not begun.
  const Rows before = Judge(log, "2019-01-10");
  EXPECT_TRUE(NotApplicable(OnlyRow(before, kFaaborg, "interview-cadence")));
  EXPECT_TRUE(Judged(OnlyRow(before, kFaaborg, "interview-count"),
                     Verdict::kDue, "2019-02-03"));
  // On 2019-03-20 the 26 weeks ended with none: overdue. With no interview
  // by 2019-02-03 the cadence counts from that day: 2019-02-03 + 42 =
  // 2019-03-17, passed with none, and no further rows.
  const Rows after = Judge(log, "2019-03-20");
  EXPECT_TRUE(Judged(OnlyRow(after, kFaaborg, "interview-count"),
                     Verdict::kOverdue, "2019-02-03"));
  const char* kCadence = "interview-cadence";
  ASSERT_EQ(RowsOf(after, kFaaborg, kCadence).size(), 1u) << DescribeAll(after);
  EXPECT_TRUE(Judged(NthRow(after, kFaaborg, kCadence, 1), Verdict::kOverdue,
                     "2019-03-17"));
}

// Paused 2018-09-03, resumed 2018-09-13: ten paused days move the end of
// the first 26 weeks from 2019-02-03 to 2019-02-13, for the count and for
// the start of the cadence alike. The sixth interview on 2019-02-08 is in
// time, and the cadence's first gap runs from it: 2019-02-08 + 42 =
// 2019-03-22 (from the unmoved week 26 it would have run from 2019-01-07).
TEST(ComplianceRulesTest, FaaborgPausesMoveTheCountAndTheCadenceAlike) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2018-08-06", "1983-05-01",
             "jc-faaborg-midtfyn");
  log.Interview("2018-08-20");
  log.Paused("2018-09-03");
  log.Resumed("2018-09-13");
  log.Interview("2018-10-01");
  log.Interview("2018-11-05");
  log.Interview("2018-12-03");
  log.Interview("2019-01-07");
  log.Interview("2019-02-08");
  const Rows rows = Judge(log, "2019-03-01");
  EXPECT_TRUE(Judged(OnlyRow(rows, kFaaborg, "interview-count"), Verdict::kMet,
                     "2019-02-13", "2019-02-08"));
  const char* kCadence = "interview-cadence";
  ASSERT_EQ(RowsOf(rows, kFaaborg, kCadence).size(), 1u) << DescribeAll(rows);
  const RequirementResult& gap = NthRow(rows, kFaaborg, kCadence, 1);
  EXPECT_TRUE(Judged(gap, Verdict::kDue, "2019-03-22"));
  EXPECT_EQ(gap.item, "gap 1 (at most 6 weeks after 2019-02-08)");
  // Before the moved end of week 26 the cadence has not begun.
  const Rows before = Judge(log, "2019-02-10");
  EXPECT_TRUE(NotApplicable(OnlyRow(before, kFaaborg, kCadence)));
}

// --- Scenario 17: Middelfart's review by week 22 ---
//
// First absence day Monday 2020-03-30, sick note received 2020-04-02,
// interviewed 2020-04-16. Week 22 ends 2020-03-30 + 153 = 2020-08-30
// (Sunday).

CaseLog MiddelfartReviewCase(absl::string_view sick_note_received_on) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_SYGEDAGPENGE, "2020-03-30", "1980-06-15",
             "jc-middelfart", sick_note_received_on);
  log.Interview("2020-04-16");
  return log;
}

TEST(ComplianceRulesTest, MiddelfartReviewByWeek22) {
  // Held Thursday 2020-08-27: met.
  CaseLog met = MiddelfartReviewCase("2020-04-02");
  met.Review("2020-08-27");
  const Rows met_rows = Judge(met, "2020-09-01");
  const RequirementResult& row = OnlyRow(met_rows, kMiddelfart, "review");
  EXPECT_TRUE(Judged(row, Verdict::kMet, "2020-08-30", "2020-08-27"));
  EXPECT_EQ(row.anchor_on, Day("2020-03-30"));
  // Held Monday 2020-08-31: late.
  CaseLog late = MiddelfartReviewCase("2020-04-02");
  late.Review("2020-08-31");
  EXPECT_TRUE(Judged(OnlyRow(Judge(late, "2020-09-01"), kMiddelfart, "review"),
                     Verdict::kMetLate, "2020-08-30", "2020-08-31"));
  // None by 2020-09-01: overdue.
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(MiddelfartReviewCase("2020-04-02"), "2020-09-01"),
                     kMiddelfart, "review"),
             Verdict::kOverdue, "2020-08-30"));
}

TEST(ComplianceRulesTest, MiddelfartWithoutASickNoteDayHasNoFirstInterview) {
  // The review counts from the first absence day and is judged all the
  // same; the first interview counts from the sick note, which is unknown.
  const Rows rows = Judge(MiddelfartReviewCase(""), "2020-09-01");
  EXPECT_TRUE(NotApplicable(OnlyRow(rows, kMiddelfart, "first-interview")));
  EXPECT_TRUE(Judged(OnlyRow(rows, kMiddelfart, "review"), Verdict::kOverdue,
                     "2020-08-30"));
}

}  // namespace
}  // namespace caseline
