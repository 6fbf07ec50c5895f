// Goal: the rules from 2026-07-01 (dk-lab-2026) judge a case under a
// population target by whether it counts towards its jobcentre's share,
// never as a personal OVERDUE; exemptions take a case out of the share from
// their day on and never reach back; and a period running on 2026-07-01 is
// judged by the law of 2024 for its deadlines before that day and by the
// law of 2026 for those after. Method: hand-worked cases judged by the rule
// sets read from rules/, each expected date derived by hand in a comment.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "projections/compliance.h"
#include "tests/compliance_testing.h"

namespace caseline {
namespace {

using namespace ::caseline::compliance_testing;  // NOLINT: scenario helpers.

constexpr v1::InterviewHolder kAKasse = v1::INTERVIEW_HOLDER_A_KASSE;

::testing::AssertionResult HasStatus(const RequirementResult& row,
                                     v1::ComplianceStatus status) {
  if (ComplianceStatusOf(row) == status) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "got " << v1::ComplianceStatus_Name(ComplianceStatusOf(row))
         << " for " << Describe(row) << "; want "
         << v1::ComplianceStatus_Name(status);
}

// --- a-dagpenge registered Monday 2026-07-06 ---
//
// The a-kasse's first interview, a deadline for every citizen, is due by
// week 2: 2026-07-19. Its two interviews, a target, by
// add_months(2026-07-06, 3) - 1 = 2026-10-05; the offer, a target, by
// add_months(.., 6) - 1 = 2027-01-05.
CaseLog ADagpenge2026() {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2026-07-06", "1985-09-09",
             "jc-odense");                 // e-1
  log.InterviewBy("2026-07-10", kAKasse);  // e-2
  return log;
}

TEST(Compliance2026Test, ACaseUnderATargetCountsOrDoesNotNeverOverdue) {
  CaseLog log = ADagpenge2026();
  const Rows one = Judge(log, "2026-10-06");
  const RequirementResult& short_row =
      OnlyRow(one, kLab2026, "a-kasse-interview-target");
  EXPECT_TRUE(Judged(short_row, Verdict::kOverdue, "2026-10-05"));
  EXPECT_TRUE(short_row.population_target);
  EXPECT_TRUE(HasStatus(short_row, v1::COMPLIANCE_STATUS_DOES_NOT_COUNT));
  // Before the deadline it is due, as any row.
  EXPECT_TRUE(HasStatus(
      OnlyRow(Judge(log, "2026-09-15"), kLab2026, "a-kasse-interview-target"),
      v1::COMPLIANCE_STATUS_DUE));

  log.InterviewBy("2026-09-01", kAKasse);
  const RequirementResult met_row =
      OnlyRow(Judge(log, "2026-10-06"), kLab2026, "a-kasse-interview-target");
  EXPECT_TRUE(Judged(met_row, Verdict::kMet, "2026-10-05", "2026-09-01"));
  EXPECT_TRUE(HasStatus(met_row, v1::COMPLIANCE_STATUS_COUNTS));
}

TEST(Compliance2026Test, TheJobcentresTwoInterviewsAndThe16MonthInterview) {
  // Registered 2026-07-06: the jobcentre's two interviews are a target due
  // by add_months(2026-07-06, 6) - 1 = 2027-01-05; the interview after 6
  // months is a deadline for the person, in the window from 2027-01-06 to
  // add_months(.., 16) - 1 = 2027-11-05. The a-kasse's interview of
  // 2026-07-10 is not the jobcentre's.
  CaseLog log = ADagpenge2026();
  log.Interview("2026-08-01");
  log.Interview("2026-11-01");
  log.Interview("2027-03-01");
  const Rows rows = Judge(log, "2027-04-01");
  const RequirementResult& two =
      OnlyRow(rows, kLab2026, "jobcentre-interview-target");
  EXPECT_TRUE(Judged(two, Verdict::kMet, "2027-01-05", "2026-11-01"));
  EXPECT_TRUE(HasStatus(two, v1::COMPLIANCE_STATUS_COUNTS));
  const RequirementResult& sixteen =
      OnlyRow(rows, kLab2026, "interview-16-months");
  EXPECT_TRUE(Judged(sixteen, Verdict::kMet, "2027-11-05", "2027-03-01"));
  EXPECT_FALSE(sixteen.population_target);
}

TEST(Compliance2026Test, LedighedsydelseHasTheFourInterviewTarget) {
  // First contact Monday 2026-09-07: four jobcentre interviews by
  // add_months(2026-09-07, 6) - 1 = 2027-03-06, a target; three held.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_LEDIGHEDSYDELSE, "2026-09-07", "1968-04-04",
             "jc-odense");
  for (const char* on : {"2026-09-10", "2026-11-10", "2027-01-12"}) {
    log.Interview(on);
  }
  const RequirementResult row =
      OnlyRow(Judge(log, "2027-03-08"), kLab2026, "interview-target");
  EXPECT_TRUE(Judged(row, Verdict::kOverdue, "2027-03-06"));
  EXPECT_TRUE(HasStatus(row, v1::COMPLIANCE_STATUS_DOES_NOT_COUNT));
}

TEST(Compliance2026Test, TheFirstInterviewStaysADeadlineForEveryone) {
  const Rows rows = Judge(ADagpenge2026(), "2026-10-06");
  const RequirementResult& row =
      OnlyRow(rows, kLab2026, "a-kasse-first-interview");
  EXPECT_TRUE(Judged(row, Verdict::kMet, "2026-07-19", "2026-07-10"));
  EXPECT_FALSE(row.population_target);
  EXPECT_TRUE(HasStatus(row, v1::COMPLIANCE_STATUS_MET));
  // Kontanthjælp jobparat, first contact Wednesday 2026-07-01: the first
  // interview by 2026-07-07, overdue the day after as a personal deadline.
  CaseLog jobparat;
  jobparat.Opened(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT, "2026-07-01",
                  "1990-02-02", "jc-odense");
  const Rows jobparat_rows = Judge(jobparat, "2026-07-08");
  EXPECT_TRUE(HasStatus(OnlyRow(jobparat_rows, kLab2026, "first-interview"),
                        v1::COMPLIANCE_STATUS_OVERDUE));
  // Its four interviews are a target, due by add_months(2026-07-01, 6) - 1.
  EXPECT_TRUE(Judged(OnlyRow(jobparat_rows, kLab2026, "interview-target"),
                     Verdict::kDue, "2026-12-31"));
}

TEST(Compliance2026Test, AnExemptionTakesTheCaseOutOfTheOfferTarget) {
  CaseLog log = ADagpenge2026();
  const std::string exemption = log.Exempted(
      "2026-08-01", kLab2026, "offer-target", v1::EXEMPTION_KIND_MUNICIPALITY);
  const RequirementResult row =
      OnlyRow(Judge(log, "2026-09-01"), kLab2026, "offer-target");
  EXPECT_TRUE(row.exempted);
  EXPECT_EQ(row.exemption_kind, v1::EXEMPTION_KIND_MUNICIPALITY);
  EXPECT_EQ(row.exemption_event_id, exemption);
  EXPECT_EQ(row.verdict, Verdict::kNotApplicable);
  EXPECT_EQ(row.deadline_on, Day("2027-01-05"));
  EXPECT_TRUE(HasStatus(row, v1::COMPLIANCE_STATUS_EXEMPTED));
  EXPECT_EQ(row.note, "exempted on 2026-08-01 by the municipality (e-3)");
  // Only that requirement: the a-kasse's target still judges the case.
  EXPECT_FALSE(
      OnlyRow(Judge(log, "2026-09-01"), kLab2026, "a-kasse-interview-target")
          .exempted);
}

TEST(Compliance2026Test, AnExemptionNeverReachesBackPastADeadline) {
  // The two a-kasse interviews were due by 2026-10-05; exempting the case
  // on 2026-10-10 does not undo that it did not count.
  CaseLog log = ADagpenge2026();
  log.Exempted("2026-10-10", kLab2026, "a-kasse-interview-target",
               v1::EXEMPTION_KIND_MUNICIPALITY);
  const RequirementResult row =
      OnlyRow(Judge(log, "2026-10-12"), kLab2026, "a-kasse-interview-target");
  EXPECT_FALSE(row.exempted);
  EXPECT_TRUE(HasStatus(row, v1::COMPLIANCE_STATUS_DOES_NOT_COUNT));
}

TEST(Compliance2026Test, ABackdatedExemptionTakesEffectWhenRecorded) {
  // Dated 2026-08-01 but recorded on 2026-10-10, after the a-kasse's
  // interviews fell due (2026-10-05): it takes effect on 2026-10-10 and
  // cannot mend the share.
  CaseLog log = ADagpenge2026();
  log.Exempted("2026-08-01", kLab2026, "a-kasse-interview-target",
               v1::EXEMPTION_KIND_MUNICIPALITY, "2026-10-10");
  const RequirementResult row =
      OnlyRow(Judge(log, "2026-10-12"), kLab2026, "a-kasse-interview-target");
  EXPECT_FALSE(row.exempted);
  EXPECT_TRUE(HasStatus(row, v1::COMPLIANCE_STATUS_DOES_NOT_COUNT));
  // Recorded on its day, the same exemption holds.
  CaseLog in_time = ADagpenge2026();
  in_time.Exempted("2026-08-01", kLab2026, "a-kasse-interview-target",
                   v1::EXEMPTION_KIND_MUNICIPALITY);
  EXPECT_TRUE(HasStatus(OnlyRow(Judge(in_time, "2026-10-12"), kLab2026,
                                "a-kasse-interview-target"),
                        v1::COMPLIANCE_STATUS_EXEMPTED));
}

TEST(Compliance2026Test, AnExemptionOnTheDeadlineHoldsTheDayAfterDoesNot) {
  // The a-kasse's interviews were due by 2026-10-05.
  for (const auto& [on, exempted] : std::vector<std::pair<const char*, bool>>{
           {"2026-10-05", true}, {"2026-10-06", false}}) {
    SCOPED_TRACE(on);
    CaseLog log = ADagpenge2026();
    log.Exempted(on, kLab2026, "a-kasse-interview-target",
                 v1::EXEMPTION_KIND_MUNICIPALITY);
    EXPECT_EQ(
        OnlyRow(Judge(log, "2026-10-12"), kLab2026, "a-kasse-interview-target")
            .exempted,
        exempted);
  }
}

TEST(Compliance2026Test, AnExemptionLeavesACaseThatAlreadyCounted) {
  // The offer started on 2026-08-03, before the exemption of 2026-09-01:
  // the case counts, and does not use up the municipality's allowance.
  CaseLog log = ADagpenge2026();
  log.OfferStarted("2026-08-03");
  log.Exempted("2026-09-01", kLab2026, "offer-target",
               v1::EXEMPTION_KIND_MUNICIPALITY);
  const RequirementResult row =
      OnlyRow(Judge(log, "2027-01-06"), kLab2026, "offer-target");
  EXPECT_FALSE(row.exempted);
  EXPECT_TRUE(HasStatus(row, v1::COMPLIANCE_STATUS_COUNTS));
}

TEST(Compliance2026Test, AGroupInterviewIsNoIndividualInterview) {
  // Two a-kasse interviews by 2026-10-05, one of them a group interview:
  // "individuelle jobsamtaler" count, so the case does not count.
  CaseLog log = ADagpenge2026();
  log.InterviewBy("2026-09-01", kAKasse, v1::INTERVIEW_KIND_GROUP);
  EXPECT_TRUE(HasStatus(
      OnlyRow(Judge(log, "2026-10-06"), kLab2026, "a-kasse-interview-target"),
      v1::COMPLIANCE_STATUS_DOES_NOT_COUNT));
}

TEST(Compliance2026Test, AnExemptionOfAPersonalDeadlineChangesNothing) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2026-07-06", "1985-09-09",
             "jc-odense");
  log.Exempted("2026-07-08", kLab2026, "a-kasse-first-interview",
               v1::EXEMPTION_KIND_MUNICIPALITY);
  const RequirementResult row =
      OnlyRow(Judge(log, "2026-07-20"), kLab2026, "a-kasse-first-interview");
  EXPECT_FALSE(row.exempted);
  EXPECT_TRUE(Judged(row, Verdict::kOverdue, "2026-07-19"));
}

TEST(Compliance2026Test, TheWorkObligationIsAnExemptionByLaw) {
  CaseLog log = ADagpenge2026();
  log.Exempted("2026-09-01", kLab2026, "offer-target",
               v1::EXEMPTION_KIND_BY_LAW);
  const RequirementResult row =
      OnlyRow(Judge(log, "2027-01-06"), kLab2026, "offer-target");
  EXPECT_TRUE(row.exempted);
  EXPECT_EQ(row.exemption_kind, v1::EXEMPTION_KIND_BY_LAW);
  EXPECT_TRUE(absl::StrContains(row.note, "by law")) << row.note;
}

// --- a period running on 2026-07-01 ---
//
// Kontanthjælp jobparat, first contact Monday 2026-05-04. The first
// interview was due by 2026-05-10, before the reform: the law of 2024
// judges it. The four interviews and the offer are due by
// add_months(2026-05-04, 6) - 1 = 2026-11-03, after it: the law of 2026
// judges them, as targets, counting the interviews since the anchor.
CaseLog RunningJobparat(v1::TargetGroup group) {
  CaseLog log;
  log.Opened(group, "2026-05-04", "1990-02-02", "jc-odense");
  for (const char* on :
       {"2026-05-06", "2026-06-10", "2026-08-12", "2026-10-14"}) {
    log.Interview(on);
  }
  return log;
}

TEST(Compliance2026Test, ARunningPeriodIsJudgedByEachLawForItsDeadlines) {
  const Rows rows = Judge(
      RunningJobparat(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT), "2026-11-10");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "first-interview"), Verdict::kMet,
                     "2026-05-10", "2026-05-06"));
  for (const char* requirement : {"interview-count", "first-active-offer"}) {
    SCOPED_TRACE(requirement);
    const RequirementResult& row = OnlyRow(rows, kLab2024, requirement);
    EXPECT_TRUE(NotApplicable(row));
    EXPECT_EQ(row.note,
              "due after dk-lab-2026 took effect on 2026-07-01, which judges "
              "the period from then");
  }
  const RequirementResult& interviews =
      OnlyRow(rows, kLab2026, "interview-target");
  EXPECT_TRUE(Judged(interviews, Verdict::kMet, "2026-11-03", "2026-10-14"));
  EXPECT_TRUE(HasStatus(interviews, v1::COMPLIANCE_STATUS_COUNTS));
  EXPECT_TRUE(HasStatus(OnlyRow(rows, kLab2026, "offer-target"),
                        v1::COMPLIANCE_STATUS_DOES_NOT_COUNT));
  // The law of 2026 leaves out what was due before it: no first interview,
  // and no requirement of other groups.
  EXPECT_TRUE(RowsOf(rows, kLab2026, "first-interview").empty())
      << DescribeAll(rows);
  EXPECT_TRUE(RowsOf(rows, kLab2026, "a-kasse-interview-target").empty())
      << DescribeAll(rows);
}

TEST(Compliance2026Test, ADayBeforeTheReformIsJudgedByTheLawThenInForce) {
  // On 2026-06-15 the reform had not taken effect: the four interviews are
  // still the law of 2024's deadline for the person, due 2026-11-03.
  const Rows rows = Judge(
      RunningJobparat(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT), "2026-06-15");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "interview-count"), Verdict::kDue,
                     "2026-11-03"));
  EXPECT_EQ(CountRowsOf(rows, kLab2026), 0) << DescribeAll(rows);
}

TEST(Compliance2026Test, ARunningPeriodOfAGroupTheReformLeavesKeeps2024) {
  // Kontanthjælp aktivitetsparat is not in dk-lab-2026: its four interviews
  // stay a deadline of the law of 2024, met on 2026-10-14.
  const Rows rows =
      Judge(RunningJobparat(v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT),
            "2026-11-10");
  EXPECT_TRUE(Judged(OnlyRow(rows, kLab2024, "interview-count"), Verdict::kMet,
                     "2026-11-03", "2026-10-14"));
  EXPECT_EQ(CountRowsOf(rows, kLab2026), 0) << DescribeAll(rows);
}

TEST(Compliance2026Test, APeriodEndedBefore20260701IsNotReached) {
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT, "2026-05-04",
             "1990-02-02", "jc-odense");
  log.Closed("2026-06-25");
  const Rows rows = Judge(log, "2026-11-10");
  EXPECT_EQ(CountRowsOf(rows, kLab2026), 0) << DescribeAll(rows);
  EXPECT_GT(CountRowsOf(rows, kLab2024), 0);
}

TEST(Compliance2026Test, ARunningPeriodWithNoRowLeftIsExplained) {
  // Ledighedsydelse from 2019-03-04, still open in 2026: no law of its
  // anchor day covers it, and the reform's four interviews were due in
  // 2019, so no rule set judges it, and the answer says why.
  CaseLog log;
  log.Opened(v1::TARGET_GROUP_LEDIGHEDSYDELSE, "2019-03-04", "1970-01-15",
             "jc-odense");
  const CaseTimeline timeline =
      FoldTimeline(log.events(), Day("2026-08-01"), kNow);
  ASSERT_TRUE(
      Evaluate(ShippedRuleSets(), timeline, Day("2026-08-01"), false).empty());
  const std::string why =
      WhyNoRequirements(ShippedRuleSets(), timeline, Day("2026-08-01"), false);
  EXPECT_TRUE(absl::StrContains(
      why, "dk-lab-2026 is for periods anchored from 2026-07-01"))
      << why;
}

TEST(Compliance2026Test, EitherSideOf20260701) {
  // Registered Tuesday 2026-06-30: its a-kasse interview is due by
  // 2026-07-13, after the reform, so the law of 2026 judges it; anchored
  // Wednesday 2026-07-01, only the law of 2026 has rows at all.
  CaseLog before;
  before.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2026-06-30", "1985-09-09",
                "jc-odense");
  const Rows before_rows = Judge(before, "2026-07-20");
  EXPECT_TRUE(
      NotApplicable(OnlyRow(before_rows, kLab2024, "a-kasse-first-interview")));
  EXPECT_TRUE(Judged(OnlyRow(before_rows, kLab2026, "a-kasse-first-interview"),
                     Verdict::kOverdue, "2026-07-13"));
  CaseLog after;
  after.Opened(v1::TARGET_GROUP_A_DAGPENGE, "2026-07-01", "1985-09-09",
               "jc-odense");
  const Rows after_rows = Judge(after, "2026-07-20");
  EXPECT_EQ(CountRowsOf(after_rows, kLab2024), 0) << DescribeAll(after_rows);
  EXPECT_TRUE(Judged(OnlyRow(after_rows, kLab2026, "a-kasse-first-interview"),
                     Verdict::kOverdue, "2026-07-14"));
}

}  // namespace
}  // namespace caseline
