// Builders of valid events for tests: each returns a complete, valid event
// that a test then spoils or varies one field at a time.
#ifndef CASELINE_TESTS_TEST_EVENTS_H_
#define CASELINE_TESTS_TEST_EVENTS_H_

#include <string>

#include "caseline/v1/events.pb.h"

namespace caseline::testing {

inline v1::Event BaseEvent(const std::string& event_id,
                           const std::string& case_id,
                           const std::string& occurred_on) {
  v1::Event event;
  event.set_event_id(event_id);
  event.set_case_id(case_id);
  event.set_occurred_on(occurred_on);
  return event;
}

// An a-dagpenge case registered on `anchor_on`, caseworker cw-1 of team-a.
inline v1::Event CaseOpened(const std::string& event_id,
                            const std::string& case_id,
                            const std::string& anchor_on = "2018-08-06") {
  v1::Event event = BaseEvent(event_id, case_id, anchor_on);
  v1::CaseOpened* body = event.mutable_case_opened();
  body->set_citizen_id("citizen-" + case_id);
  body->set_jobcentre_id("jc-middelfart");
  body->set_target_group(v1::TARGET_GROUP_A_DAGPENGE);
  body->set_birth_on("1991-03-02");
  body->set_anchor_on(anchor_on);
  body->set_caseworker_id("cw-1");
  body->set_team_id("team-a");
  return event;
}

inline v1::Event InterviewHeld(const std::string& event_id,
                               const std::string& case_id,
                               const std::string& occurred_on) {
  v1::Event event = BaseEvent(event_id, case_id, occurred_on);
  event.mutable_interview_held()->set_kind(v1::INTERVIEW_KIND_INDIVIDUAL);
  event.mutable_interview_held()->set_channel(v1::INTERVIEW_CHANNEL_IN_PERSON);
  return event;
}

inline v1::Event ReferralMade(const std::string& event_id,
                              const std::string& case_id,
                              const std::string& occurred_on,
                              const std::string& referral_id) {
  v1::Event event = BaseEvent(event_id, case_id, occurred_on);
  event.mutable_referral_made()->set_referral_id(referral_id);
  event.mutable_referral_made()->set_offer_kind(
      v1::OFFER_KIND_COMPANY_INTERNSHIP);
  event.mutable_referral_made()->set_provider("Middelfart Maskinfabrik");
  return event;
}

inline v1::Event ReferralCancelled(const std::string& event_id,
                                   const std::string& case_id,
                                   const std::string& occurred_on,
                                   const std::string& referral_id) {
  v1::Event event = BaseEvent(event_id, case_id, occurred_on);
  event.mutable_referral_cancelled()->set_referral_id(referral_id);
  event.mutable_referral_cancelled()->set_reason(
      v1::REFERRAL_CANCEL_REASON_CITIZEN_DECLINED);
  return event;
}

inline v1::Event OfferStarted(const std::string& event_id,
                              const std::string& case_id,
                              const std::string& occurred_on,
                              const std::string& offer_id,
                              const std::string& referral_id = "") {
  v1::Event event = BaseEvent(event_id, case_id, occurred_on);
  v1::OfferStarted* body = event.mutable_offer_started();
  body->set_offer_id(offer_id);
  body->set_referral_id(referral_id);
  body->set_offer_kind(v1::OFFER_KIND_COMPANY_INTERNSHIP);
  body->set_planned_end_on("2019-06-30");
  return event;
}

inline v1::Event CaseworkerChanged(const std::string& event_id,
                                   const std::string& case_id,
                                   const std::string& occurred_on,
                                   const std::string& caseworker_id) {
  v1::Event event = BaseEvent(event_id, case_id, occurred_on);
  v1::CaseworkerChanged* body = event.mutable_caseworker_changed();
  body->set_caseworker_id(caseworker_id);
  body->set_team_id("team-a");
  body->set_reason(v1::CASEWORKER_CHANGE_REASON_SICKNESS);
  return event;
}

inline v1::Event CaseClosed(const std::string& event_id,
                            const std::string& case_id,
                            const std::string& occurred_on) {
  v1::Event event = BaseEvent(event_id, case_id, occurred_on);
  event.mutable_case_closed()->set_reason(v1::CASE_CLOSE_REASON_JOB);
  return event;
}

inline v1::Event Retraction(const std::string& event_id,
                            const std::string& case_id,
                            const std::string& occurred_on,
                            const std::string& retracted_event_id) {
  v1::Event event = BaseEvent(event_id, case_id, occurred_on);
  event.mutable_event_retracted()->set_retracted_event_id(retracted_event_id);
  event.mutable_event_retracted()->set_reason("registered on the wrong case");
  return event;
}

}  // namespace caseline::testing

#endif  // CASELINE_TESTS_TEST_EVENTS_H_
