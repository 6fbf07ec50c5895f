// Goal: the law in force from 2024-01-01 (dk-lab-2024) gives the exact
// deadline, met date and verdict of docs/domain.md for every requirement,
// counting each holder's interviews apart, and a period is judged by the law
// in force on its anchor day on either side of the change. Method:
// hand-worked cases judged by the rule sets read from rules/, each expected
// date derived by hand in a comment.
//
// Conventions (docs/domain.md, "How time is counted"): "by week N" is on or
// before anchor + 7N - 1; "within the first N months" is on or before
// add_months(anchor, N) - 1; "after the first N months" begins the day
// after those months end.
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "projections/compliance.h"
#include "tests/compliance_testing.h"

namespace caseline {
namespace {

using namespace ::caseline::compliance_testing;  // NOLINT: scenario helpers.

constexpr v1::InterviewHolder kAKasse = v1::INTERVIEW_HOLDER_A_KASSE;
constexpr v1::InterviewHolder kJobcentre = v1::INTERVIEW_HOLDER_JOBCENTRE;

std::vector<std::string> EventIds(const CaseLog& log,
                                  std::initializer_list<int> versions) {
  std::vector<std::string> ids;
  for (int version : versions) {
    ids.push_back(log.events()[version - 1].event_id());
  }
  return ids;
}

// --- a-dagpenge: the a-kasse's first 3 months, the jobcentre's next 3 ---
//
// Registered Monday 2024-01-08. The a-kasse's first interview is due by
// week 2: 2024-01-08 + 14 - 1 = 2024-01-21. The first 3 months end
// add_months(2024-01-08, 3) - 1 = 2024-04-07, so the jobcentre's window
// runs 2024-04-08 to 2024-07-07 (6 months end add_months(.., 6) - 1). The
// joint interview after 6 months is due by add_months(.., 16) - 1 =
// 2025-05-07.
CaseLog ADagpenge2024(bool jobcentre_third) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2024-01-08", "1980-05-05",
             "jc-odense");                 // e-1
  log.InterviewBy("2024-01-19", kAKasse);  // e-2
  log.InterviewBy("2024-02-01", kJobcentre,
                  v1::INTERVIEW_KIND_JOINT);  // e-3
  log.InterviewBy("2024-02-20", kAKasse);     // e-4
  log.InterviewBy("2024-03-01", kJobcentre);  // e-5: before the jobcentre's
                                              // window
  log.InterviewBy("2024-03-25", kAKasse);     // e-6
  log.InterviewBy("2024-04-15", kJobcentre);  // e-7
  log.InterviewBy("2024-05-20", kJobcentre);  // e-8
  log.InterviewBy("2024-06-01", kAKasse);     // e-9: the a-kasse's, late
  // Recorded without a holder, as before the field existed: the jobcentre.
  if (jobcentre_third) log.Interview("2024-07-05");  // e-10
  return log;
}

TEST(Compliance2024Test, TheAKasseHoldsTheFirstInterviewAndThreeIn3Months) {
  const CaseLog log = ADagpenge2024(true);
  const Rows rows = Judge(log, "2024-07-08");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "a-kasse-first-interview"),
                     Verdict::kMet, "2024-01-21", "2024-01-19"));
  const RequirementResult& count =
      OnlyRow(rows, kLab2024, "a-kasse-interview-count");
  EXPECT_TRUE(Judged(count, Verdict::kMet, "2024-04-07", "2024-03-25"));
  // Only the a-kasse's interviews count: not the joint one of 2024-02-01
  // nor the jobcentre's of 2024-03-01.
  EXPECT_EQ(count.event_ids, EventIds(log, {2, 4, 6}));
}

TEST(Compliance2024Test, TheJobcentreHoldsThreeAfterTheFirst3Months) {
  const CaseLog log = ADagpenge2024(true);
  const Rows rows = Judge(log, "2024-07-08");
  const RequirementResult& row =
      OnlyRow(rows, kLab2024, "jobcentre-interview-count");
  EXPECT_TRUE(Judged(row, Verdict::kMet, "2024-07-07", "2024-07-05"));
  // The jobcentre's interview of 2024-03-01 is inside the a-kasse's 3
  // months, the a-kasse's of 2024-06-01 is not the jobcentre's, and an
  // interview without a holder is the jobcentre's.
  EXPECT_EQ(row.event_ids, EventIds(log, {7, 8, 10}));
  EXPECT_EQ(row.item, "3 after 3 months and within 6 months");
}

TEST(Compliance2024Test, TwoJobcentreInterviewsAfterMonth3AreOverdue) {
  const Rows rows = Judge(ADagpenge2024(false), "2024-07-08");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "jobcentre-interview-count"),
                     Verdict::kOverdue, "2024-07-07"));
  // On the deadline itself it is still due.
  const Rows on_deadline = Judge(ADagpenge2024(false), "2024-07-07");
  EXPECT_TRUE(
      Judged(OnlyRow(on_deadline, kLab2024, "jobcentre-interview-count"),
             Verdict::kDue, "2024-07-07"));
}

TEST(Compliance2024Test, TheAKassesFirstInterviewOnDay15IsLate) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2024-01-08", "1980-05-05",
             "jc-odense");
  log.InterviewBy("2024-01-22", kAKasse);
  const Rows rows = Judge(log, "2024-02-01");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "a-kasse-first-interview"),
                     Verdict::kMetLate, "2024-01-21", "2024-01-22"));
  // A jobcentre interview on time would not have met it either.
  CaseLog jobcentre;
  jobcentre.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2024-01-08", "1980-05-05",
                   "jc-odense");
  jobcentre.InterviewBy("2024-01-15", kJobcentre);
  EXPECT_TRUE(Judged(OnlyRow(Judge(jobcentre, "2024-02-01"), kLab2024,
                             "a-kasse-first-interview"),
                     Verdict::kOverdue, "2024-01-21"));
}

TEST(Compliance2024Test, TheJointInterviewComesAfter6MonthsAndBy16) {
  const Rows rows = Judge(ADagpenge2024(true), "2024-07-08");
  // The joint interview of 2024-02-01 is before the 6 months: it does not
  // count.
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "joint-interview-16-months"),
                     Verdict::kDue, "2025-05-07"));
  CaseLog on_time = ADagpenge2024(true);
  on_time.InterviewBy("2025-05-07", kJobcentre, v1::INTERVIEW_KIND_JOINT);
  EXPECT_TRUE(Judged(OnlyRow(Judge(on_time, "2025-06-01"), kLab2024,
                             "joint-interview-16-months"),
                     Verdict::kMet, "2025-05-07", "2025-05-07"));
  CaseLog late = ADagpenge2024(true);
  late.InterviewBy("2025-05-08", kJobcentre, v1::INTERVIEW_KIND_JOINT);
  EXPECT_TRUE(Judged(
      OnlyRow(Judge(late, "2025-06-01"), kLab2024, "joint-interview-16-months"),
      Verdict::kMetLate, "2025-05-07", "2025-05-08"));
}

TEST(Compliance2024Test, TheSixJobcentreInterviewsAreOnlyForDirectReferral) {
  const Rows rows = Judge(ADagpenge2024(true), "2024-07-08");
  const RequirementResult& row =
      OnlyRow(rows, kLab2024, "jobcentre-interview-count-referred");
  EXPECT_TRUE(NotApplicable(row));
  EXPECT_TRUE(absl::StrContains(row.note, "LAB § 27, stk. 3")) << row.note;
}

// --- a-dagpenge referred straight to the jobcentre (§ 27, stk. 3) ---
//
// Registered Monday 2024-03-04: the first 6 months end
// add_months(2024-03-04, 6) - 1 = 2024-09-03; 16 months end 2025-07-03.
CaseLog Referred2024(bool sixth) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2024-03-04", "1992-10-01",
             "jc-odense");
  log.ReferredToJobcentre();
  for (const char* on :
       {"2024-03-08", "2024-04-05", "2024-05-03", "2024-06-07", "2024-07-05"}) {
    log.Interview(on);
  }
  // An a-kasse interview does not count for the jobcentre.
  log.InterviewBy("2024-08-01", kAKasse);
  if (sixth) log.Interview("2024-08-30");
  return log;
}

TEST(Compliance2024Test, ReferredStraightToTheJobcentreNeedsSixInterviews) {
  const Rows rows = Judge(Referred2024(true), "2024-09-04");
  EXPECT_TRUE(
      Judged(OnlyRow(rows, kLab2024, "jobcentre-interview-count-referred"),
             Verdict::kMet, "2024-09-03", "2024-08-30"));
  const Rows five = Judge(Referred2024(false), "2024-09-04");
  EXPECT_TRUE(
      Judged(OnlyRow(five, kLab2024, "jobcentre-interview-count-referred"),
             Verdict::kOverdue, "2024-09-03"));
  // The a-kasse's requirements and the jobcentre's three are not for it;
  // the joint interview by 16 months is.
  for (const char* requirement :
       {"a-kasse-first-interview", "a-kasse-interview-count",
        "jobcentre-interview-count"}) {
    SCOPED_TRACE(requirement);
    const RequirementResult& row = OnlyRow(rows, kLab2024, requirement);
    EXPECT_TRUE(NotApplicable(row));
    EXPECT_TRUE(absl::StrContains(row.note, "not for periods the a-kasse"))
        << row.note;
  }
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "joint-interview-16-months"),
                     Verdict::kDue, "2025-07-03"));
}

// --- the right-and-duty offer: øvrig vejledning og opkvalificering does
// not count from 2024 ---

TEST(Compliance2024Test, OtherGuidanceAndUpskillingIsNotTheRightAndDutyOffer) {
  // Registered 2024-01-08: the offer is due by 2024-07-07.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2024-01-08", "1980-05-05",
             "jc-odense");
  log.OfferStarted("2024-05-01", v1::OFFER_KIND_OTHER_GUIDANCE_AND_UPSKILLING);
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(log, "2024-07-08"), kLab2024, "first-active-offer"),
             Verdict::kOverdue, "2024-07-07"));
  log.OfferStarted("2024-07-10", v1::OFFER_KIND_COMPANY_INTERNSHIP);
  EXPECT_TRUE(
      Judged(OnlyRow(Judge(log, "2024-08-01"), kLab2024, "first-active-offer"),
             Verdict::kMetLate, "2024-07-07", "2024-07-10"));
}

TEST(Compliance2024Test, OtherGuidanceAndUpskillingStillCountsUnder2020) {
  // Registered Monday 2023-11-06, before the change: dk-lab-2020 judges it,
  // and its offer by add_months(2023-11-06, 6) - 1 = 2024-05-05 may be any
  // kind.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2023-11-06", "1980-05-05",
             "jc-odense");
  log.OfferStarted("2024-03-01", v1::OFFER_KIND_OTHER_GUIDANCE_AND_UPSKILLING);
  const Rows rows = Judge(log, "2024-06-01");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2020, "first-active-offer"),
                     Verdict::kMet, "2024-05-05", "2024-03-01"));
  EXPECT_EQ(CountRowsOf(rows, kLab2024), 0) << DescribeAll(rows);
}

// --- kontanthjælp, counted from first contact (§ 9), opened later ---
//
// First contact Tuesday 2024-02-06, the case opened 2024-02-09. The first
// interview is due by week 1: 2024-02-06 + 7 - 1 = 2024-02-12; 4 interviews
// and the offer within 6 months: add_months(2024-02-06, 6) - 1 =
// 2024-08-05 (counting from the opening would give 2024-08-08).
TEST(Compliance2024Test, KontanthjaelpCountsFromFirstContactNotTheOpening) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT, "2024-02-06",
             "1985-01-20", "jc-odense", "", "2024-02-09");
  for (const char* on :
       {"2024-02-13", "2024-03-15", "2024-05-15", "2024-07-30"}) {
    log.Interview(on);
  }
  const Rows rows = Judge(log, "2024-08-06");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "first-interview"),
                     Verdict::kMetLate, "2024-02-12", "2024-02-13"));
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "interview-count"), Verdict::kMet,
                     "2024-08-05", "2024-07-30"));
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "first-active-offer"),
                     Verdict::kOverdue, "2024-08-05"));
  // The a-dagpenge requirements do not concern it.
  EXPECT_TRUE(
      NotApplicable(OnlyRow(rows, kLab2024, "a-kasse-interview-count")));
}

TEST(Compliance2024Test, KontanthjaelpCountsOnlyTheJobcentresInterviews) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT, "2024-02-06",
             "1985-01-20", "jc-odense");
  log.InterviewBy("2024-02-08", kAKasse);
  const Rows rows = Judge(log, "2024-02-20");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "first-interview"),
                     Verdict::kOverdue, "2024-02-12"));
}

// --- uddannelseshjælp and revalidering, new in 2024 ---
//
// First contact Monday 2024-09-02: the first interview by 2024-09-08, four
// by add_months(2024-09-02, 6) - 1 = 2025-03-01.
TEST(Compliance2024Test, UddannelseshjaelpHasTheFirstInterviewButNoOffer) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_UDDANNELSESHJAELP, "2024-09-02", "2002-06-15",
             "jc-odense");
  log.Interview("2024-09-06");
  const Rows rows = Judge(log, "2024-10-01");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "first-interview"), Verdict::kMet,
                     "2024-09-08", "2024-09-06"));
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "interview-count"), Verdict::kDue,
                     "2025-03-01"));
  // § 102, stk. 1 names § 6, nr. 1-3: uddannelseshjælp is not among them.
  EXPECT_TRUE(NotApplicable(OnlyRow(rows, kLab2024, "first-active-offer")));
}

TEST(Compliance2024Test, RevalideringHasFourInterviewsButNoWeekOneInterview) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_REVALIDERING, "2024-09-02", "1975-03-03",
             "jc-odense");
  const Rows rows = Judge(log, "2024-10-01");
  EXPECT_TRUE(NotApplicable(OnlyRow(rows, kLab2024, "first-interview")));
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "interview-count"), Verdict::kDue,
                     "2025-03-01"));
}

// --- pauses before every kind of deadline of 2024 ---
//
// Registered 2024-01-08, paused 2024-01-10 and resumed 2024-01-15: five
// paused days (10-14 January) move every deadline five days: the a-kasse's
// first interview to 2024-01-26, the end of the first 3 months to
// 2024-04-12 (so the jobcentre's window begins 2024-04-13), 6 months to
// 2024-07-12 and 16 months to 2025-05-12; the joint interview's window
// begins after 2024-07-12.
TEST(Compliance2024Test, PausedDaysMoveEveryDeadlineAndTheWindowsStart) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2024-01-08", "1980-05-05",
             "jc-odense");                    // e-1
  log.Paused("2024-01-10");                   // e-2
  log.Resumed("2024-01-15");                  // e-3
  log.InterviewBy("2024-01-25", kAKasse);     // e-4
  log.InterviewBy("2024-04-12", kJobcentre);  // e-5: still month 3
  log.InterviewBy("2024-05-01", kJobcentre);  // e-6
  log.InterviewBy("2024-06-01", kJobcentre);  // e-7
  log.InterviewBy("2024-07-11", kJobcentre);  // e-8
  log.InterviewBy("2024-07-12", kJobcentre,
                  v1::INTERVIEW_KIND_JOINT);  // e-9: still month 6
  const Rows rows = Judge(log, "2024-07-15");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "a-kasse-first-interview"),
                     Verdict::kMet, "2024-01-26", "2024-01-25"));
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "a-kasse-interview-count"),
                     Verdict::kOverdue, "2024-04-12"));
  const RequirementResult& jobcentre =
      OnlyRow(rows, kLab2024, "jobcentre-interview-count");
  EXPECT_TRUE(Judged(jobcentre, Verdict::kMet, "2024-07-12", "2024-07-11"));
  EXPECT_EQ(jobcentre.event_ids, EventIds(log, {6, 7, 8}));
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "joint-interview-16-months"),
                     Verdict::kDue, "2025-05-12"));
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "first-active-offer"),
                     Verdict::kOverdue, "2024-07-12"));
}

// --- either side of 2024-01-01: the anchor day decides ---

TEST(Compliance2024Test, APeriodAnchoredOn20231228IsJudgedByThe2020Rules) {
  // Registered Thursday 2023-12-28, the case opened (and recorded) in the
  // new year: 4 interviews by add_months(2023-12-28, 6) - 1 = 2024-06-27.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2023-12-28", "1980-05-05",
             "jc-odense", "", "2024-01-03");
  const Rows rows = Judge(log, "2024-03-01");
  const RequirementResult& row =
      OnlyRow(rows, kLab2020, "a-dagpenge-interview-count");
  EXPECT_TRUE(Judged(row, Verdict::kDue, "2024-06-27"));
  EXPECT_EQ(row.rule_set_version, 2);
  EXPECT_EQ(CountRowsOf(rows, kLab2024), 0) << DescribeAll(rows);
}

TEST(Compliance2024Test, APeriodAnchoredOn20240102IsJudgedByThe2024Rules) {
  // Registered Tuesday 2024-01-02: the a-kasse's first interview by
  // 2024-01-02 + 14 - 1 = 2024-01-15.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2024-01-02", "1980-05-05",
             "jc-odense");
  const Rows rows = Judge(log, "2024-03-01");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "a-kasse-first-interview"),
                     Verdict::kOverdue, "2024-01-15"));
  EXPECT_EQ(CountRowsOf(rows, kLab2020), 0) << DescribeAll(rows);
}

TEST(Compliance2024Test, AChangeOfBenefitIn2024StartsAPeriodUnderThe2024Law) {
  // Kontanthjælp from first contact 2023-10-02 (dk-lab-2020), then
  // a-dagpenge registered Monday 2024-02-05 (dk-lab-2024): the a-kasse's
  // first interview by 2024-02-18.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT, "2023-10-02",
             "1980-05-05", "jc-odense");
  log.GroupChanged("2024-02-05", v1::TARGET_GROUP_A_DAGPENGE, "2024-02-05");
  const Rows rows = Judge(log, "2024-03-01");
  EXPECT_GT(RowsOf(rows, kLab2020, "kontanthjaelp-interview-count", 0).size(),
            0u)
      << DescribeAll(rows);
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "a-kasse-first-interview", 1),
                     Verdict::kOverdue, "2024-02-18"));
  EXPECT_EQ(RowsOf(rows, kLab2020, "a-dagpenge-interview-count", 1).size(), 0u)
      << DescribeAll(rows);
}

}  // namespace
}  // namespace caseline
