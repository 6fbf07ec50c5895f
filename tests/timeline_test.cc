// Goal: the fold of a case's events gives the facts of the case on a date as
// known at a moment, and switches and waiting times are counted from them as
// docs/domain.md says. Method: cases built from events with explicit
// recorded_at, folded at chosen as_of and known_at, checked against exact
// dates.
#include "projections/timeline.h"

#include "gtest/gtest.h"
#include "projections/instants.h"
#include "tests/test_events.h"

namespace caseline {
namespace {

using namespace ::caseline::testing;  // NOLINT: event builders.

absl::Time Instant(int y, int m, int d, int hour = 12) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hour, 0, 0),
                         absl::UTCTimeZone());
}

// Gives `event` the server's fields: version and position `n`, recorded at
// `recorded_at`.
v1::Event Recorded(v1::Event event, uint64_t n, absl::Time recorded_at) {
  event.set_case_version(n);
  event.set_position(n);
  *event.mutable_recorded_at() = ToTimestamp(recorded_at);
  return event;
}

const absl::Time kNever = absl::InfiniteFuture();

TEST(FoldTimelineTest, LateRegistrationCountsOnlyOnceKnown) {
  // An interview held 2018-09-10 but recorded 2018-10-15.
  const std::vector<v1::Event> events = {
      Recorded(CaseOpened("e-1", "c-1", "2018-08-06"), 1, Instant(2018, 8, 6)),
      Recorded(InterviewHeld("e-2", "c-1", "2018-09-10"), 2,
               Instant(2018, 10, 15)),
  };
  const absl::CivilDay as_of(2018, 9, 30);
  CaseTimeline then = FoldTimeline(events, as_of, Instant(2018, 10, 1));
  EXPECT_TRUE(then.interviews.empty());
  EXPECT_EQ(then.events_counted, 1);
  CaseTimeline now = FoldTimeline(events, as_of, Instant(2018, 10, 16));
  ASSERT_EQ(now.interviews.size(), 1u);
  EXPECT_EQ(now.interviews[0].on, absl::CivilDay(2018, 9, 10));
  EXPECT_EQ(now.interviews[0].event_id, "e-2");
}

TEST(FoldTimelineTest, RetractionCountsFromWhenItWasRecorded) {
  const std::vector<v1::Event> events = {
      Recorded(CaseOpened("e-1", "c-1", "2018-08-06"), 1, Instant(2018, 8, 6)),
      Recorded(InterviewHeld("e-2", "c-1", "2018-08-20"), 2,
               Instant(2018, 8, 20)),
      Recorded(Retraction("e-3", "c-1", "2018-11-01", "e-2"), 3,
               Instant(2018, 11, 1)),
  };
  const absl::CivilDay as_of(2018, 9, 30);
  CaseTimeline before = FoldTimeline(events, as_of, Instant(2018, 10, 31));
  EXPECT_EQ(before.interviews.size(), 1u);
  EXPECT_EQ(before.events_retracted, 0);
  // The retraction occurred after as_of, but it corrects the record: once
  // known, the interview never counts.
  CaseTimeline after = FoldTimeline(events, as_of, kNever);
  EXPECT_TRUE(after.interviews.empty());
  EXPECT_EQ(after.events_retracted, 1);
}

TEST(FoldTimelineTest, EventsAfterAsOfAreLeftOutAndDatesOrderTheFacts) {
  const std::vector<v1::Event> events = {
      Recorded(CaseOpened("e-1", "c-1", "2018-08-06"), 1, Instant(2018, 8, 6)),
      Recorded(InterviewHeld("e-2", "c-1", "2018-10-01"), 2,
               Instant(2018, 10, 1)),
      // Recorded later, occurred earlier.
      Recorded(InterviewHeld("e-3", "c-1", "2018-09-03"), 3,
               Instant(2018, 10, 2)),
  };
  CaseTimeline timeline =
      FoldTimeline(events, absl::CivilDay(2018, 12, 1), kNever);
  ASSERT_EQ(timeline.interviews.size(), 2u);
  EXPECT_EQ(timeline.interviews[0].event_id, "e-3");
  EXPECT_EQ(timeline.interviews[1].event_id, "e-2");
  timeline = FoldTimeline(events, absl::CivilDay(2018, 9, 30), kNever);
  ASSERT_EQ(timeline.interviews.size(), 1u);
  EXPECT_EQ(timeline.interviews[0].event_id, "e-3");
  // Before the case began: nothing at all.
  timeline = FoldTimeline(events, absl::CivilDay(2018, 8, 5), kNever);
  EXPECT_TRUE(timeline.periods.empty());
  EXPECT_EQ(timeline.events_counted, 0);
}

TEST(FoldTimelineTest, ChangeOfBenefitStartsANewPeriod) {
  v1::Event to_sick = BaseEvent("e-2", "c-1", "2018-11-05");
  to_sick.mutable_target_group_changed()->set_target_group(
      v1::TARGET_GROUP_SYGEDAGPENGE);
  to_sick.mutable_target_group_changed()->set_anchor_on("2018-11-01");
  const std::vector<v1::Event> events = {
      Recorded(CaseOpened("e-1", "c-1", "2018-08-06"), 1, Instant(2018, 8, 6)),
      Recorded(to_sick, 2, Instant(2018, 11, 5)),
  };
  CaseTimeline timeline =
      FoldTimeline(events, absl::CivilDay(2019, 1, 1), kNever);
  ASSERT_EQ(timeline.periods.size(), 2u);
  EXPECT_EQ(timeline.periods[0].target_group, v1::TARGET_GROUP_A_DAGPENGE);
  EXPECT_EQ(timeline.periods[0].anchor_on, absl::CivilDay(2018, 8, 6));
  EXPECT_EQ(timeline.periods[0].end_on, absl::CivilDay(2018, 11, 5));
  EXPECT_EQ(timeline.periods[1].target_group, v1::TARGET_GROUP_SYGEDAGPENGE);
  EXPECT_EQ(timeline.periods[1].anchor_on, absl::CivilDay(2018, 11, 1));
  EXPECT_EQ(timeline.periods[1].start_on, absl::CivilDay(2018, 11, 5));
  EXPECT_FALSE(timeline.periods[1].end_on.has_value());
}

TEST(FoldTimelineTest, JobparatToAktivitetsparatKeepsThePeriod) {
  v1::Event opened = CaseOpened("e-1", "c-1", "2019-03-04");
  opened.mutable_case_opened()->set_target_group(
      v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT);
  v1::Event change = BaseEvent("e-2", "c-1", "2019-05-06");
  change.mutable_target_group_changed()->set_target_group(
      v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT);
  change.mutable_target_group_changed()->set_anchor_on("2019-05-06");
  const std::vector<v1::Event> events = {
      Recorded(opened, 1, Instant(2019, 3, 4)),
      Recorded(change, 2, Instant(2019, 5, 6))};
  CaseTimeline timeline =
      FoldTimeline(events, absl::CivilDay(2019, 6, 1), kNever);
  ASSERT_EQ(timeline.periods.size(), 1u);
  EXPECT_EQ(timeline.periods[0].target_group,
            v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT);
  EXPECT_EQ(timeline.periods[0].anchor_on, absl::CivilDay(2019, 3, 4));
}

TEST(FoldTimelineTest, PausesAndClosure) {
  v1::Event pause = BaseEvent("e-2", "c-1", "2018-09-03");
  pause.mutable_case_paused()->set_reason(v1::PAUSE_REASON_ILLNESS);
  v1::Event resume = BaseEvent("e-3", "c-1", "2018-09-24");
  resume.mutable_case_resumed();
  const std::vector<v1::Event> events = {
      Recorded(CaseOpened("e-1", "c-1", "2018-08-06"), 1, Instant(2018, 8, 6)),
      Recorded(pause, 2, Instant(2018, 9, 3)),
      Recorded(resume, 3, Instant(2018, 9, 24)),
      Recorded(CaseClosed("e-4", "c-1", "2019-01-07"), 4, Instant(2019, 1, 7)),
  };
  CaseTimeline during =
      FoldTimeline(events, absl::CivilDay(2018, 9, 10), kNever);
  ASSERT_EQ(during.pauses.size(), 1u);
  EXPECT_FALSE(during.pauses[0].to_on.has_value());
  CaseTimeline after = FoldTimeline(events, absl::CivilDay(2019, 2, 1), kNever);
  ASSERT_EQ(after.pauses.size(), 1u);
  EXPECT_EQ(after.pauses[0].from_on, absl::CivilDay(2018, 9, 3));
  EXPECT_EQ(after.pauses[0].to_on, absl::CivilDay(2018, 9, 24));
  ASSERT_TRUE(after.closure.has_value());
  EXPECT_EQ(after.closure->on, absl::CivilDay(2019, 1, 7));
  EXPECT_EQ(after.periods[0].end_on, absl::CivilDay(2019, 1, 7));
}

TEST(SwitchesTest, CountsPlannedAndUnplannedInTheWindow) {
  // cw-1 -> cw-2 (sickness) -> cw-3 (planned) -> cw-1 (vacancy).
  v1::Event planned = CaseworkerChanged("e-3", "c-1", "2018-11-05", "cw-3");
  planned.mutable_caseworker_changed()->set_reason(
      v1::CASEWORKER_CHANGE_REASON_PLANNED);
  v1::Event back = CaseworkerChanged("e-4", "c-1", "2019-02-04", "cw-1");
  back.mutable_caseworker_changed()->set_reason(
      v1::CASEWORKER_CHANGE_REASON_VACANCY);
  const std::vector<v1::Event> events = {
      Recorded(CaseOpened("e-1", "c-1", "2018-08-06"), 1, Instant(2018, 8, 6)),
      Recorded(CaseworkerChanged("e-2", "c-1", "2018-09-17", "cw-2"), 2,
               Instant(2018, 9, 17)),
      Recorded(planned, 3, Instant(2018, 11, 5)),
      Recorded(back, 4, Instant(2019, 2, 4)),
  };
  const CaseTimeline timeline =
      FoldTimeline(events, absl::CivilDay(2019, 6, 30), kNever);
  ASSERT_EQ(timeline.assignments.size(), 4u);
  EXPECT_EQ(timeline.assignments[0].to_on, absl::CivilDay(2018, 9, 17));

  Switches all = CountSwitches(timeline, absl::CivilDay(2018, 1, 1),
                               absl::CivilDay(2019, 12, 31));
  EXPECT_EQ(all.planned, 1);
  EXPECT_EQ(all.unplanned, 2);
  ASSERT_EQ(all.switches.size(), 3u);
  EXPECT_EQ(all.switches[0].from_caseworker_id, "cw-1");
  EXPECT_EQ(all.switches[0].to_caseworker_id, "cw-2");
  EXPECT_EQ(all.switches[0].reason, v1::CASEWORKER_CHANGE_REASON_SICKNESS);
  EXPECT_EQ(all.switches[2].from_caseworker_id, "cw-3");
  EXPECT_EQ(all.switches[2].to_caseworker_id, "cw-1");
  EXPECT_FALSE(all.switches[2].same_day_reversal);

  // The window is inclusive at both ends.
  Switches autumn = CountSwitches(timeline, absl::CivilDay(2018, 9, 17),
                                  absl::CivilDay(2018, 11, 5));
  EXPECT_EQ(autumn.planned, 1);
  EXPECT_EQ(autumn.unplanned, 1);
  Switches winter = CountSwitches(timeline, absl::CivilDay(2018, 11, 6),
                                  absl::CivilDay(2019, 3, 1));
  EXPECT_EQ(winter.planned, 0);
  EXPECT_EQ(winter.unplanned, 1);
  // The first assignment is never a switch.
  Switches first = CountSwitches(timeline, absl::CivilDay(2018, 8, 6),
                                 absl::CivilDay(2018, 8, 31));
  EXPECT_TRUE(first.switches.empty());
}

TEST(SwitchesTest, SameDayReversalIsStillASwitch) {
  const std::vector<v1::Event> events = {
      Recorded(CaseOpened("e-1", "c-1", "2018-08-06"), 1, Instant(2018, 8, 6)),
      Recorded(CaseworkerChanged("e-2", "c-1", "2018-09-17", "cw-2"), 2,
               Instant(2018, 9, 17, 9)),
      Recorded(CaseworkerChanged("e-3", "c-1", "2018-09-17", "cw-1"), 3,
               Instant(2018, 9, 17, 15)),
  };
  Switches switches =
      CountSwitches(FoldTimeline(events, absl::CivilDay(2018, 12, 1), kNever),
                    absl::CivilDay(2018, 1, 1), absl::CivilDay(2018, 12, 31));
  EXPECT_EQ(switches.unplanned, 2);
  ASSERT_EQ(switches.switches.size(), 2u);
  EXPECT_TRUE(switches.switches[0].same_day_reversal);
  EXPECT_TRUE(switches.switches[1].same_day_reversal);
}

TEST(WaitingTimesTest, StartedCancelledAndWaitingReferrals) {
  const std::vector<v1::Event> events = {
      Recorded(CaseOpened("e-1", "c-1", "2018-08-06"), 1, Instant(2018, 8, 6)),
      Recorded(InterviewHeld("e-2", "c-1", "2018-08-20"), 2,
               Instant(2018, 8, 20)),
      Recorded(ReferralMade("e-3", "c-1", "2018-09-03", "r-1"), 3,
               Instant(2018, 9, 3)),
      Recorded(ReferralCancelled("e-4", "c-1", "2018-09-10", "r-1"), 4,
               Instant(2018, 9, 10)),
      Recorded(ReferralMade("e-5", "c-1", "2018-09-12", "r-2"), 5,
               Instant(2018, 9, 12)),
      Recorded(OfferStarted("e-6", "c-1", "2018-10-01", "o-1", "r-2"), 6,
               Instant(2018, 10, 1)),
      Recorded(ReferralMade("e-7", "c-1", "2018-10-15", "r-3"), 7,
               Instant(2018, 10, 15)),
  };
  const absl::CivilDay as_of(2018, 11, 1);
  WaitingTimes waits =
      ComputeWaitingTimes(FoldTimeline(events, as_of, kNever), as_of);
  ASSERT_EQ(waits.referrals.size(), 3u);
  EXPECT_EQ(waits.referrals[0].state, WaitState::kCancelled);
  EXPECT_EQ(waits.referrals[0].days, 7);
  EXPECT_EQ(waits.referrals[1].state, WaitState::kStarted);
  EXPECT_EQ(waits.referrals[1].days, 19);
  EXPECT_EQ(waits.referrals[2].state, WaitState::kWaiting);
  EXPECT_EQ(waits.referrals[2].days, 17);
  EXPECT_EQ(waits.days_to_first_interview, 14);
  EXPECT_EQ(waits.days_to_first_offer, 56);
  // On an earlier day the second referral was still waiting.
  const absl::CivilDay earlier(2018, 9, 20);
  waits = ComputeWaitingTimes(FoldTimeline(events, earlier, kNever), earlier);
  ASSERT_EQ(waits.referrals.size(), 2u);
  EXPECT_EQ(waits.referrals[1].state, WaitState::kWaiting);
  EXPECT_EQ(waits.referrals[1].days, 8);
  EXPECT_FALSE(waits.days_to_first_offer.has_value());
}

}  // namespace
}  // namespace caseline
