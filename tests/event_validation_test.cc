// Goal: every malformed field of an event is refused with INVALID_ARGUMENT
// and a message naming the field and the problem. Method: take a valid event,
// spoil one field, check the exact message.
#include "projections/event_validation.h"

#include "gtest/gtest.h"
#include "tests/test_events.h"

namespace caseline {
namespace {

using ::caseline::testing::CaseOpened;
using ::caseline::testing::InterviewHeld;
using ::caseline::testing::OfferStarted;

const absl::CivilDay kToday(2026, 11, 22);

void ExpectInvalid(const v1::Event& event, const std::string& message) {
  absl::Status status = ValidateEventFields(event, kToday);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << message;
  EXPECT_EQ(status.message(), message);
}

TEST(ValidateEventFieldsTest, AcceptsValidEvents) {
  EXPECT_TRUE(ValidateEventFields(CaseOpened("e-1", "c-1"), kToday).ok());
  EXPECT_TRUE(
      ValidateEventFields(InterviewHeld("e-2", "c-1", "2018-08-20"), kToday)
          .ok());
  EXPECT_TRUE(ValidateEventFields(
                  OfferStarted("e-3", "c-1", "2018-10-22", "o-1"), kToday)
                  .ok());
}

TEST(ValidateEventFieldsTest, RequiresEventIdAndBody) {
  v1::Event event = InterviewHeld("", "c-1", "2018-08-20");
  ExpectInvalid(event, "event_id: is required");
  event = testing::BaseEvent("e-1", "c-1", "2018-08-20");
  ExpectInvalid(event,
                "body: is required (set exactly one event kind, e.g. "
                "interview_held)");
}

TEST(ValidateEventFieldsTest, RejectsLongAndNonPrintableIds) {
  v1::Event event = InterviewHeld(std::string(129, 'x'), "c-1", "2018-08-20");
  ExpectInvalid(event, "event_id: is 129 bytes; the limit is 128");
  event = InterviewHeld(std::string(128, 'x'), "c-1", "2018-08-20");
  EXPECT_TRUE(ValidateEventFields(event, kToday).ok());
  event = InterviewHeld("e\t1", "c-1", "2018-08-20");
  ExpectInvalid(event,
                "event_id: has a non-printable character (byte 0x09 at offset "
                "1); ids are printable ASCII");
  event = CaseOpened("e-1", "c-1");
  event.mutable_case_opened()->set_caseworker_id("j\xc3\xb8rgen");
  ExpectInvalid(event,
                "case_opened.caseworker_id: has a non-printable character "
                "(byte 0xc3 at offset 1); ids are printable ASCII");
}

TEST(ValidateEventFieldsTest, RejectsMalformedAndFutureDates) {
  ExpectInvalid(InterviewHeld("e-1", "c-1", ""), "occurred_on: is required");
  ExpectInvalid(InterviewHeld("e-1", "c-1", "2018-02-30"),
                "occurred_on: 2018-02-30 is not a date (want YYYY-MM-DD)");
  // One day of grace past the server's today, not two.
  EXPECT_TRUE(
      ValidateEventFields(InterviewHeld("e-1", "c-1", "2026-11-23"), kToday)
          .ok());
  ExpectInvalid(InterviewHeld("e-1", "c-1", "2026-11-24"),
                "occurred_on: 2026-11-24 is in the future (the server's today "
                "is 2026-11-22)");
  v1::Event offer = OfferStarted("e-3", "c-1", "2018-10-22", "o-1");
  offer.mutable_offer_started()->set_planned_end_on("2019-02-30");
  ExpectInvalid(offer,
                "offer_started.planned_end_on: 2019-02-30 is not a date (want "
                "YYYY-MM-DD)");
  offer.mutable_offer_started()->set_planned_end_on("2018-10-21");
  ExpectInvalid(offer,
                "offer_started.planned_end_on: 2018-10-21 is before the offer "
                "starts on 2018-10-22");
}

TEST(ValidateEventFieldsTest, RejectsUnspecifiedAndUnknownEnums) {
  v1::Event event = InterviewHeld("e-1", "c-1", "2018-08-20");
  event.mutable_interview_held()->set_kind(v1::INTERVIEW_KIND_UNSPECIFIED);
  ExpectInvalid(event,
                "interview_held.kind: is required (InterviewKind must not be "
                "unspecified)");
  event.mutable_interview_held()->set_kind(static_cast<v1::InterviewKind>(99));
  ExpectInvalid(event, "interview_held.kind: 99 is not a known InterviewKind");
  event = CaseOpened("e-1", "c-1");
  event.mutable_case_opened()->set_target_group(v1::TARGET_GROUP_UNSPECIFIED);
  ExpectInvalid(event,
                "case_opened.target_group: is required (TargetGroup must not "
                "be unspecified)");
}

TEST(ValidateEventFieldsTest, ChecksWhoHeldAnInterview) {
  v1::Event event = InterviewHeld("e-1", "c-1", "2024-01-19");
  event.mutable_interview_held()->set_held_by(v1::INTERVIEW_HOLDER_A_KASSE);
  EXPECT_TRUE(ValidateEventFields(event, kToday).ok());
  event.mutable_interview_held()->set_held_by(
      static_cast<v1::InterviewHolder>(7));
  ExpectInvalid(event,
                "interview_held.held_by: 7 is not a known InterviewHolder");
  event.mutable_interview_held()->set_held_by(v1::INTERVIEW_HOLDER_A_KASSE);
  event.mutable_interview_held()->set_kind(v1::INTERVIEW_KIND_JOINT);
  ExpectInvalid(event,
                "interview_held.held_by: INTERVIEW_HOLDER_A_KASSE cannot hold "
                "a joint interview (a joint interview is the jobcentre's, "
                "with the a-kasse taking part)");
  event = testing::BaseEvent("e-2", "c-1", "2024-01-19");
  event.mutable_interview_missed()->set_kind(v1::INTERVIEW_KIND_JOINT);
  event.mutable_interview_missed()->set_held_by(v1::INTERVIEW_HOLDER_A_KASSE);
  ExpectInvalid(event,
                "interview_missed.held_by: INTERVIEW_HOLDER_A_KASSE cannot "
                "hold a joint interview (a joint interview is the "
                "jobcentre's, with the a-kasse taking part)");
}

TEST(ValidateEventFieldsTest, ChecksAnExemption) {
  v1::Event event = testing::BaseEvent("e-1", "c-1", "2026-08-01");
  v1::ExemptionGranted* body = event.mutable_exemption_granted();
  body->set_rule_set_id("dk-lab-2026");
  body->set_requirement_id("offer-target");
  body->set_kind(v1::EXEMPTION_KIND_MUNICIPALITY);
  body->set_reason("in hospital");
  body->set_decided_by("tl-1");
  EXPECT_TRUE(ValidateEventFields(event, kToday).ok());
  v1::Event spoiled = event;
  spoiled.mutable_exemption_granted()->clear_requirement_id();
  ExpectInvalid(spoiled, "exemption_granted.requirement_id: is required");
  spoiled = event;
  spoiled.mutable_exemption_granted()->set_kind(v1::EXEMPTION_KIND_UNSPECIFIED);
  ExpectInvalid(spoiled,
                "exemption_granted.kind: is required (ExemptionKind must not "
                "be unspecified)");
  spoiled = event;
  spoiled.mutable_exemption_granted()->clear_reason();
  ExpectInvalid(spoiled, "exemption_granted.reason: is required");
  spoiled = event;
  spoiled.mutable_exemption_granted()->clear_decided_by();
  ExpectInvalid(spoiled, "exemption_granted.decided_by: is required");
}

TEST(ValidateEventFieldsTest, DirectReferralIsOnlyForADagpenge) {
  v1::Event event = CaseOpened("e-1", "c-1");
  event.mutable_case_opened()->set_referred_to_jobcentre(true);
  EXPECT_TRUE(ValidateEventFields(event, kToday).ok());
  event.mutable_case_opened()->set_target_group(
      v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT);
  ExpectInvalid(event,
                "case_opened.referred_to_jobcentre: is only for a-dagpenge "
                "periods");
  event = testing::BaseEvent("e-2", "c-1", "2024-02-01");
  event.mutable_target_group_changed()->set_target_group(
      v1::TARGET_GROUP_SYGEDAGPENGE);
  event.mutable_target_group_changed()->set_anchor_on("2024-02-01");
  event.mutable_target_group_changed()->set_referred_to_jobcentre(true);
  ExpectInvalid(event,
                "target_group_changed.referred_to_jobcentre: is only for "
                "a-dagpenge periods");
}

TEST(ValidateEventFieldsTest, ChecksCaseOpenedDates) {
  v1::Event event = CaseOpened("e-1", "c-1");
  event.mutable_case_opened()->set_birth_on("2019-01-01");
  ExpectInvalid(event,
                "case_opened.birth_on: 2019-01-01 is after anchor_on "
                "2018-08-06");
  event = CaseOpened("e-1", "c-1");
  event.set_occurred_on("2018-08-05");
  ExpectInvalid(event,
                "occurred_on: 2018-08-05 is before the case's anchor date "
                "2018-08-06");
  event = CaseOpened("e-1", "c-1");
  event.mutable_case_opened()->set_sick_note_received_on("2018-08-07");
  ExpectInvalid(event,
                "case_opened.sick_note_received_on: is only for sygedagpenge "
                "cases");
  event.mutable_case_opened()->set_target_group(v1::TARGET_GROUP_SYGEDAGPENGE);
  EXPECT_TRUE(ValidateEventFields(event, kToday).ok());
}

TEST(ValidateEventFieldsTest, OtherDatesMayNotLieInTheFutureEither) {
  v1::Event change = testing::BaseEvent("e-2", "c-1", "2026-11-20");
  change.mutable_target_group_changed()->set_target_group(
      v1::TARGET_GROUP_SYGEDAGPENGE);
  change.mutable_target_group_changed()->set_anchor_on("2999-01-01");
  ExpectInvalid(change,
                "target_group_changed.anchor_on: 2999-01-01 is in the future "
                "(the server's today is 2026-11-22)");
  v1::Event opened = CaseOpened("e-1", "c-1", "2020-03-23");
  opened.mutable_case_opened()->set_target_group(v1::TARGET_GROUP_SYGEDAGPENGE);
  opened.mutable_case_opened()->set_sick_note_received_on("2020-03-20");
  ExpectInvalid(opened,
                "case_opened.sick_note_received_on: 2020-03-20 is before "
                "anchor_on 2020-03-23");
}

TEST(ValidateEventFieldsTest, RequiresTextAndRejectsControlCharacters) {
  v1::Event event = testing::ReferralMade("e-1", "c-1", "2018-09-01", "r-1");
  event.mutable_referral_made()->set_provider("");
  ExpectInvalid(event, "referral_made.provider: is required");
  event.mutable_referral_made()->set_provider("AMU\x01Fyn");
  ExpectInvalid(event, "referral_made.provider: contains a control character");
  event.mutable_referral_made()->set_provider(std::string(1025, 'a'));
  ExpectInvalid(event,
                "referral_made.provider: is 1025 bytes; the limit is 1024");
  event = testing::Retraction("e-2", "c-1", "2018-09-01", "e-1");
  event.mutable_event_retracted()->set_reason("");
  ExpectInvalid(event, "event_retracted.reason: is required");
}

}  // namespace
}  // namespace caseline
