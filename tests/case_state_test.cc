// Goal: CaseState enforces the order rules of a case's history
// (FAILED_PRECONDITION) and honours retractions. Method: append sequences of
// valid events and check each verdict and message exactly.
#include "projections/case_state.h"

#include "gtest/gtest.h"
#include "tests/test_events.h"

namespace caseline {
namespace {

using namespace ::caseline::testing;  // NOLINT: event builders.

void ExpectPrecondition(CaseState& state, const v1::Event& event,
                        const std::string& message) {
  const uint64_t version = state.version();
  absl::Status status = state.Append(event);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << message;
  EXPECT_EQ(status.message(), message);
  EXPECT_EQ(state.version(), version) << "a refused event must change nothing";
}

TEST(CaseStateTest, CaseBeginsWithCaseOpenedOnce) {
  CaseState state;
  ExpectPrecondition(state, InterviewHeld("e-1", "c-1", "2018-08-20"),
                     "body: interview_held cannot come first: a case begins "
                     "with case_opened, and this case has none");
  ASSERT_TRUE(state.Append(CaseOpened("e-1", "c-1")).ok());
  EXPECT_EQ(state.version(), 1u);
  ExpectPrecondition(state, CaseOpened("e-2", "c-1"),
                     "case_opened: the case was opened already by event e-1");
}

TEST(CaseStateTest, ARetractedCaseOpenedMayBeReopenedOnlyInItsJobcentre) {
  CaseState state;
  ASSERT_TRUE(state.Append(CaseOpened("e-1", "c-1")).ok());
  ASSERT_TRUE(state.Append(Retraction("e-2", "c-1", "2018-08-07", "e-1")).ok());
  EXPECT_FALSE(state.opened());
  v1::Event elsewhere = CaseOpened("e-3", "c-1");
  elsewhere.mutable_case_opened()->set_jobcentre_id("jc-odense");
  ExpectPrecondition(state, elsewhere,
                     "case_opened.jobcentre_id: the case belongs to "
                     "jc-middelfart, where it was first opened; a case cannot "
                     "move to another jobcentre (open a new case there)");
  v1::Event corrected = CaseOpened("e-3", "c-1", "2018-08-13");
  ASSERT_TRUE(state.Append(corrected).ok());
  EXPECT_TRUE(state.opened());
  // Read back from the log, the first jobcentre still holds.
  CaseState restored;
  restored.Restore(CaseOpened("e-1", "c-1"));
  restored.Restore(Retraction("e-2", "c-1", "2018-08-07", "e-1"));
  ExpectPrecondition(restored, elsewhere,
                     "case_opened.jobcentre_id: the case belongs to "
                     "jc-middelfart, where it was first opened; a case cannot "
                     "move to another jobcentre (open a new case there)");
}

TEST(CaseStateTest, NothingButRetractionsFollowClosure) {
  CaseState state;
  ASSERT_TRUE(state.Append(CaseOpened("e-1", "c-1")).ok());
  ASSERT_TRUE(state.Append(CaseClosed("e-2", "c-1", "2018-12-01")).ok());
  ExpectPrecondition(state, InterviewHeld("e-3", "c-1", "2018-12-02"),
                     "body: the case was closed by event e-2; only "
                     "event_retracted may follow");
  // Retracting the closure reopens the case.
  ASSERT_TRUE(state.Append(Retraction("e-3", "c-1", "2018-12-03", "e-2")).ok());
  EXPECT_FALSE(state.closed());
  EXPECT_TRUE(state.Append(InterviewHeld("e-4", "c-1", "2018-12-04")).ok());
}

TEST(CaseStateTest, EventsBeforeTheAnchorAreInvalid) {
  CaseState state;
  ASSERT_TRUE(state.Append(CaseOpened("e-1", "c-1", "2018-08-06")).ok());
  absl::Status status = state.Append(InterviewHeld("e-2", "c-1", "2018-08-05"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "occurred_on: 2018-08-05 is before the case's anchor date "
            "2018-08-06");
}

TEST(CaseStateTest, OffersNeedLiveReferrals) {
  CaseState state;
  ASSERT_TRUE(state.Append(CaseOpened("e-1", "c-1")).ok());
  ExpectPrecondition(state,
                     OfferStarted("e-2", "c-1", "2018-09-10", "o-1", "r-1"),
                     "offer_started.referral_id: no referral r-1 in this case");
  ASSERT_TRUE(
      state.Append(ReferralMade("e-2", "c-1", "2018-09-01", "r-1")).ok());
  ExpectPrecondition(state, ReferralMade("e-3", "c-1", "2018-09-01", "r-1"),
                     "referral_made.referral_id: referral r-1 exists already "
                     "in this case");
  ASSERT_TRUE(
      state.Append(ReferralCancelled("e-3", "c-1", "2018-09-03", "r-1")).ok());
  ExpectPrecondition(state,
                     OfferStarted("e-4", "c-1", "2018-09-10", "o-1", "r-1"),
                     "offer_started.referral_id: referral r-1 was cancelled");
  ExpectPrecondition(state,
                     ReferralCancelled("e-4", "c-1", "2018-09-04", "r-1"),
                     "referral_cancelled.referral_id: referral r-1 is "
                     "cancelled already");
  ASSERT_TRUE(
      state.Append(ReferralMade("e-4", "c-1", "2018-09-05", "r-2")).ok());
  ASSERT_TRUE(
      state.Append(OfferStarted("e-5", "c-1", "2018-09-10", "o-1", "r-2"))
          .ok());
  ExpectPrecondition(state,
                     OfferStarted("e-6", "c-1", "2018-09-10", "o-2", "r-2"),
                     "offer_started.referral_id: referral r-2 has led to an "
                     "offer already");
  ExpectPrecondition(state,
                     ReferralCancelled("e-6", "c-1", "2018-09-11", "r-2"),
                     "referral_cancelled.referral_id: referral r-2 has led to "
                     "an offer already");
  // An offer without a referral is fine.
  EXPECT_TRUE(
      state.Append(OfferStarted("e-6", "c-1", "2018-09-12", "o-2")).ok());
}

TEST(CaseStateTest, CaseworkerChangeMustChangeTheCaseworker) {
  CaseState state;
  ASSERT_TRUE(state.Append(CaseOpened("e-1", "c-1")).ok());
  ExpectPrecondition(state,
                     CaseworkerChanged("e-2", "c-1", "2018-09-01", "cw-1"),
                     "caseworker_changed.caseworker_id: cw-1 is the case's "
                     "caseworker already");
  ASSERT_TRUE(
      state.Append(CaseworkerChanged("e-2", "c-1", "2018-09-01", "cw-2")).ok());
  EXPECT_EQ(state.caseworker_id(), "cw-2");
  // Retracting the change restores the caseworker before it.
  ASSERT_TRUE(state.Append(Retraction("e-3", "c-1", "2018-09-02", "e-2")).ok());
  EXPECT_EQ(state.caseworker_id(), "cw-1");
  EXPECT_TRUE(
      state.Append(CaseworkerChanged("e-4", "c-1", "2018-09-02", "cw-3")).ok());
}

TEST(CaseStateTest, RetractionsNameLiveEventsOfTheCase) {
  CaseState state;
  ASSERT_TRUE(state.Append(CaseOpened("e-1", "c-1")).ok());
  ASSERT_TRUE(state.Append(InterviewHeld("e-2", "c-1", "2018-08-20")).ok());
  ExpectPrecondition(state, Retraction("e-3", "c-1", "2018-08-21", "e-404"),
                     "event_retracted.retracted_event_id: e-404 is not an "
                     "event of this case");
  ASSERT_TRUE(state.Append(Retraction("e-3", "c-1", "2018-08-21", "e-2")).ok());
  ExpectPrecondition(state, Retraction("e-4", "c-1", "2018-08-21", "e-2"),
                     "event_retracted.retracted_event_id: e-2 is retracted "
                     "already");
  ExpectPrecondition(
      state, Retraction("e-4", "c-1", "2018-08-21", "e-3"),
      "event_retracted.retracted_event_id: e-3 is a retraction, "
      "which cannot be retracted; append the fact again instead");
}

TEST(CaseStateTest, PausesAlternateWithResumptions) {
  CaseState state;
  ASSERT_TRUE(state.Append(CaseOpened("e-1", "c-1")).ok());
  v1::Event resume = BaseEvent("e-2", "c-1", "2018-09-01");
  resume.mutable_case_resumed();
  ExpectPrecondition(state, resume, "case_resumed: the case is not paused");
  v1::Event pause = BaseEvent("e-2", "c-1", "2018-09-01");
  pause.mutable_case_paused()->set_reason(v1::PAUSE_REASON_ILLNESS);
  ASSERT_TRUE(state.Append(pause).ok());
  pause.set_event_id("e-3");
  ExpectPrecondition(state, pause, "case_paused: the case is paused already");
  resume.set_event_id("e-3");
  EXPECT_TRUE(state.Append(resume).ok());
}

TEST(CaseStateTest, RetractedReferralsAndOffersAreGoneForGood) {
  CaseState state;
  ASSERT_TRUE(state.Append(CaseOpened("e-1", "c-1")).ok());
  ASSERT_TRUE(
      state.Append(ReferralMade("e-2", "c-1", "2018-09-01", "r-1")).ok());
  ASSERT_TRUE(
      state.Append(OfferStarted("e-3", "c-1", "2018-09-10", "o-1", "r-1"))
          .ok());
  // Retracting the referral must not leave it behind, re-created by the
  // offer that named it.
  ASSERT_TRUE(state.Append(Retraction("e-4", "c-1", "2018-09-11", "e-2")).ok());
  EXPECT_TRUE(
      state.Append(ReferralMade("e-5", "c-1", "2018-09-12", "r-1")).ok());
  // Likewise an offer whose start is retracted may start again.
  v1::Event ended = BaseEvent("e-6", "c-1", "2018-09-20");
  ended.mutable_offer_ended()->set_offer_id("o-1");
  ended.mutable_offer_ended()->set_reason(v1::OFFER_END_REASON_COMPLETED);
  ASSERT_TRUE(state.Append(ended).ok());
  ASSERT_TRUE(state.Append(Retraction("e-7", "c-1", "2018-09-21", "e-3")).ok());
  EXPECT_TRUE(
      state.Append(OfferStarted("e-8", "c-1", "2018-09-22", "o-1")).ok());
}

TEST(CaseStateTest, NewPeriodAnchorMayNotPrecedeTheCase) {
  CaseState state;
  ASSERT_TRUE(state.Append(CaseOpened("e-1", "c-1", "2018-08-06")).ok());
  v1::Event change = BaseEvent("e-2", "c-1", "2018-11-05");
  change.mutable_target_group_changed()->set_target_group(
      v1::TARGET_GROUP_SYGEDAGPENGE);
  change.mutable_target_group_changed()->set_anchor_on("2018-08-01");
  absl::Status status = state.Append(change);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "target_group_changed.anchor_on: 2018-08-01 is before the case's "
            "anchor date 2018-08-06");
  change.mutable_target_group_changed()->set_anchor_on("2018-11-01");
  EXPECT_TRUE(state.Append(change).ok());
}

TEST(CaseStateTest, RestoreReplaysWithoutChecks) {
  CaseState state;
  state.Restore(InterviewHeld("e-1", "c-1", "2018-08-20"));
  state.Restore(CaseOpened("e-2", "c-1"));
  state.Restore(Retraction("e-3", "c-1", "2018-08-21", "e-unknown"));
  EXPECT_EQ(state.version(), 3u);
  EXPECT_TRUE(state.opened());
}

}  // namespace
}  // namespace caseline
