#include "server/api/projections_convert.h"

#include <optional>
#include <string>

#include "projections/dates.h"

namespace caseline::api {
namespace {

std::string Date(const std::optional<absl::CivilDay>& day) {
  return day ? FormatDate(*day) : std::string();
}

v1::WaitState ToWaitState(WaitState state) {
  switch (state) {
    case WaitState::kStarted:
      return v1::WAIT_STATE_STARTED;
    case WaitState::kCancelled:
      return v1::WAIT_STATE_CANCELLED;
    case WaitState::kWaiting:
      return v1::WAIT_STATE_WAITING;
  }
  return v1::WAIT_STATE_UNSPECIFIED;
}

void ToInterview(const Interview& interview, v1::TimelineInterview* out) {
  out->set_on(FormatDate(interview.on));
  out->set_kind(interview.kind);
  out->set_channel(interview.channel);
  out->set_event_id(interview.event_id);
  out->set_held_by(interview.held_by);
}

}  // namespace

void ToResults(const std::vector<RequirementResult>& results,
               v1::GetComplianceResponse* response) {
  for (const RequirementResult& result : results) {
    v1::RequirementResult* out = response->add_results();
    out->set_rule_set_id(result.rule_set_id);
    out->set_rule_set_version(result.rule_set_version);
    out->set_rule_set_kind(result.rule_set_kind);
    out->set_requirement_id(result.requirement_id);
    out->set_title(std::string(result.title));
    if (result.source != nullptr) *out->mutable_source() = *result.source;
    out->set_clock(result.clock);
    out->set_item(result.item);
    out->set_period_index(result.period_index);
    out->set_target_group(result.target_group);
    out->set_anchor_on(Date(result.anchor_on));
    out->set_status(ComplianceStatusOf(result));
    out->set_population_target(result.population_target);
    out->set_deadline_on(Date(result.deadline_on));
    out->set_met_on(Date(result.met_on));
    for (const std::string& id : result.event_ids) out->add_event_ids(id);
    out->set_note(result.note);
  }
}

void ToSwitches(const Switches& switches, v1::GetSwitchesResponse* response) {
  response->set_planned(switches.planned);
  response->set_unplanned(switches.unplanned);
  for (const Switch& change : switches.switches) {
    v1::CaseworkerSwitch* out = response->add_switches();
    out->set_on(FormatDate(change.on));
    out->set_from_caseworker_id(change.from_caseworker_id);
    out->set_to_caseworker_id(change.to_caseworker_id);
    out->set_to_team_id(change.to_team_id);
    out->set_reason(change.reason);
    out->set_planned(change.planned);
    out->set_same_day_reversal(change.same_day_reversal);
    out->set_event_id(change.event_id);
  }
}

void ToWaitingTimes(const WaitingTimes& waits,
                    v1::GetWaitingTimesResponse* response) {
  for (const ReferralWait& wait : waits.referrals) {
    v1::ReferralWait* out = response->add_referrals();
    out->set_referral_id(wait.referral_id);
    out->set_referred_on(FormatDate(wait.referred_on));
    out->set_state(ToWaitState(wait.state));
    out->set_days(wait.days);
    out->set_offer_kind(wait.offer_kind);
    out->set_provider(wait.provider);
  }
  if (waits.days_to_first_interview) {
    response->set_days_to_first_interview(*waits.days_to_first_interview);
  }
  if (waits.days_to_first_offer) {
    response->set_days_to_first_offer(*waits.days_to_first_offer);
  }
}

void ToTimeline(const CaseTimeline& timeline,
                v1::GetTimelineResponse* response) {
  response->set_citizen_id(timeline.citizen_id);
  response->set_jobcentre_id(timeline.jobcentre_id);
  response->set_birth_on(Date(timeline.birth_on));
  for (const Period& period : timeline.periods) {
    v1::TimelinePeriod* out = response->add_periods();
    out->set_target_group(period.target_group);
    out->set_anchor_on(FormatDate(period.anchor_on));
    out->set_start_on(FormatDate(period.start_on));
    out->set_end_on(Date(period.end_on));
    out->set_sick_note_received_on(Date(period.sick_note_received_on));
    out->set_event_id(period.event_id);
    out->set_referred_to_jobcentre(period.referred_to_jobcentre);
  }
  for (const Exemption& exemption : timeline.exemptions) {
    v1::TimelineExemption* out = response->add_exemptions();
    out->set_on(FormatDate(exemption.on));
    out->set_rule_set_id(exemption.rule_set_id);
    out->set_requirement_id(exemption.requirement_id);
    out->set_kind(exemption.kind);
    out->set_reason(exemption.reason);
    out->set_decided_by(exemption.decided_by);
    out->set_event_id(exemption.event_id);
  }
  for (const Pause& pause : timeline.pauses) {
    v1::TimelinePause* out = response->add_pauses();
    out->set_from_on(FormatDate(pause.from_on));
    out->set_to_on(Date(pause.to_on));
    out->set_reason(pause.reason);
    out->set_event_id(pause.event_id);
  }
  for (const Interview& interview : timeline.interviews) {
    ToInterview(interview, response->add_interviews());
  }
  for (const Interview& interview : timeline.missed_interviews) {
    ToInterview(interview, response->add_missed_interviews());
  }
  for (const ServiceCall& call : timeline.service_calls) {
    v1::TimelineServiceCall* out = response->add_service_calls();
    out->set_on(FormatDate(call.on));
    out->set_outcome(call.outcome);
    out->set_event_id(call.event_id);
  }
  for (const Referral& referral : timeline.referrals) {
    v1::TimelineReferral* out = response->add_referrals();
    out->set_referral_id(referral.referral_id);
    out->set_on(FormatDate(referral.on));
    out->set_offer_kind(referral.offer_kind);
    out->set_provider(referral.provider);
    out->set_cancelled_on(Date(referral.cancelled_on));
    out->set_offer_started_on(Date(referral.offer_started_on));
    out->set_event_id(referral.event_id);
  }
  for (const Offer& offer : timeline.offers) {
    v1::TimelineOffer* out = response->add_offers();
    out->set_offer_id(offer.offer_id);
    out->set_referral_id(offer.referral_id);
    out->set_offer_kind(offer.offer_kind);
    out->set_start_on(FormatDate(offer.start_on));
    out->set_planned_end_on(FormatDate(offer.planned_end_on));
    out->set_end_on(Date(offer.end_on));
    out->set_event_id(offer.event_id);
  }
  for (const Assignment& assignment : timeline.assignments) {
    v1::TimelineAssignment* out = response->add_assignments();
    out->set_from_on(FormatDate(assignment.from_on));
    out->set_to_on(Date(assignment.to_on));
    out->set_caseworker_id(assignment.caseworker_id);
    out->set_team_id(assignment.team_id);
    out->set_reason(assignment.reason);
    out->set_event_id(assignment.event_id);
  }
  for (const Review& review : timeline.reviews) {
    v1::TimelineReview* out = response->add_reviews();
    out->set_on(FormatDate(review.on));
    out->set_event_id(review.event_id);
  }
  if (timeline.closure) {
    response->mutable_closure()->set_on(FormatDate(timeline.closure->on));
    response->mutable_closure()->set_reason(timeline.closure->reason);
    response->mutable_closure()->set_event_id(timeline.closure->event_id);
  }
}

}  // namespace caseline::api
