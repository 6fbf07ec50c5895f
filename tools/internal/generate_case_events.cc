// The events a case produces when its timers fire: interviews, referrals,
// offers, caseworker changes, pauses, target-group changes and closure.
#include "tools/internal/generate_simulator.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "projections/calendar.h"
#include "projections/dates.h"

namespace caseline::generate_internal {
namespace {

// The id of the case's current caseworker.
std::string CaseworkerId(const Case& c) {
  return generate_internal::CaseworkerId(c.jobcentre, kGroups[c.group].team,
                                         c.caseworker);
}
std::string ReferralId(const Case& c, int k) {
  return absl::StrCat("ref-", c.number, "-", k);
}
std::string OfferId(const Case& c, int k) {
  return absl::StrCat("offer-", c.number, "-", k);
}

// The kind as recorded on `on`: from 2024 guidance and upskilling is its
// part "øvrig vejledning og opkvalificering".
v1::OfferKind OfferKindOn(size_t kind, absl::CivilDay on) {
  const v1::OfferKind offer_kind = kOfferKinds[kind];
  if (on >= kLaw2024From &&
      offer_kind == v1::OFFER_KIND_GUIDANCE_AND_UPSKILLING) {
    return v1::OFFER_KIND_OTHER_GUIDANCE_AND_UPSKILLING;
  }
  return offer_kind;
}

// From 2024 the a-kasse holds an a-dagpenge period's individual interviews
// of its first 3 months; joint ones stay the jobcentre's.
v1::InterviewHolder HolderOn(const Case& c, v1::InterviewKind kind,
                             absl::CivilDay on) {
  if (c.group == kGroupADagpenge && c.period_on >= kLaw2024From &&
      kind == v1::INTERVIEW_KIND_INDIVIDUAL &&
      on < AddMonths(c.period_on, kAKasseMonths)) {
    return v1::INTERVIEW_HOLDER_A_KASSE;
  }
  return v1::INTERVIEW_HOLDER_UNSPECIFIED;
}

// The groups of dk-lab-2026's offer target.
bool UnderOfferTarget(const Case& c) {
  const v1::TargetGroup group = kGroups[c.group].group;
  return group == v1::TARGET_GROUP_A_DAGPENGE ||
         group == v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT ||
         group == v1::TARGET_GROUP_UDDANNELSESHJAELP;
}

}  // namespace

void Simulator::RecordOpened(Case& c, absl::CivilDay opened_on) {
  v1::Event event = NewEvent(c, opened_on);
  v1::CaseOpened* body = event.mutable_case_opened();
  body->set_citizen_id(absl::StrCat("p-", c.number));
  body->set_jobcentre_id(Jc(c).id);
  body->set_target_group(kGroups[c.group].group);
  body->set_birth_on(FormatDate(c.birth_on));
  body->set_anchor_on(FormatDate(c.anchor_on));
  body->set_caseworker_id(CaseworkerId(c));
  body->set_team_id(kTeamIds[kGroups[c.group].team]);
  if (c.group == kGroupSygedagpenge) {
    body->set_sick_note_received_on(FormatDate(opened_on));
  }
  RecordStructural(c, std::move(event));
  // From 2026-07-01 some cases are exempted from the offer target as they
  // open. The draw is made only then, so earlier runs are unchanged.
  if (c.anchor_on >= kLaw2026From && UnderOfferTarget(c) &&
      rng_.Chance(kOfferExemptionShare)) {
    v1::Event exemption = NewEvent(c, opened_on);
    v1::ExemptionGranted* granted = exemption.mutable_exemption_granted();
    granted->set_rule_set_id("dk-lab-2026");
    granted->set_requirement_id("offer-target");
    granted->set_kind(v1::EXEMPTION_KIND_MUNICIPALITY);
    granted->set_reason(
        "exempted from the offer target at the first interview");
    granted->set_decided_by(CaseworkerId(c));
    RecordStructural(c, std::move(exemption));
  }
}

void Simulator::ServiceCall(Case& c) {
  const bool reached =
      c.service_call_retried || !rng_.Chance(kServiceCallNotReachedShare);
  v1::Event event = NewEvent(c, today_);
  event.mutable_service_call_made()->set_outcome(
      reached ? v1::SERVICE_CALL_OUTCOME_REACHED
              : v1::SERVICE_CALL_OUTCOME_NOT_REACHED);
  RecordLeaf(c, std::move(event));
  c.service_call_on = kNever;
  if (!reached) {
    c.service_call_retried = true;
    c.service_call_on = After(today_ + rng_.UniformInt(1, 3));
  }
}

void Simulator::Interview(Case& c) {
  const bool joint = c.group == 0 && (c.interviews == kJointInterviewFirst ||
                                      c.interviews == kJointInterviewFifth);
  const v1::InterviewKind kind =
      joint ? v1::INTERVIEW_KIND_JOINT : v1::INTERVIEW_KIND_INDIVIDUAL;
  v1::Event event = NewEvent(c, today_);
  if (rng_.Chance(kMissedInterviewShare)) {
    event.mutable_interview_missed()->set_kind(kind);
    event.mutable_interview_missed()->set_held_by(HolderOn(c, kind, today_));
    RecordLeaf(c, std::move(event));
    c.interview_on = After(today_ + rng_.UniformInt(5, 14));
    return;
  }
  // Channels: 60% in person, 25% phone, 15% video. Chosen.
  static constexpr std::array<double, 3> kChannelWeights = {60, 25, 15};
  v1::InterviewHeld* body = event.mutable_interview_held();
  body->set_kind(kind);
  body->set_channel(
      static_cast<v1::InterviewChannel>(1 + rng_.Pick(kChannelWeights)));
  body->set_held_by(HolderOn(c, kind, today_));
  RecordLeaf(c, std::move(event));
  ++c.interviews;
  c.interview_on = ScheduleInterview(c, InterviewDue(c, today_));
}

void Simulator::Review(Case& c) {
  v1::Event event = NewEvent(c, today_);
  event.mutable_review_held();
  RecordLeaf(c, std::move(event));
  c.review_on = kNever;
}

void Simulator::Refer(Case& c) {
  c.referral_on = kNever;
  if (c.referral_pending || c.offer_running) return;
  c.offer_kind = rng_.Pick(kOfferKindWeights);
  v1::Event event = NewEvent(c, today_);
  v1::ReferralMade* body = event.mutable_referral_made();
  body->set_referral_id(ReferralId(c, ++c.referral_count));
  body->set_offer_kind(OfferKindOn(c.offer_kind, today_));
  body->set_provider(kProviders[rng_.UniformInt(0, kProviders.size() - 1)]);
  RecordStructural(c, std::move(event));
  c.referral_pending = true;
  const double wait_days =
      std::min(kReferralWaitDaysMax,
               kReferralWaitDaysMin + rng_.Exponential(kReferralWaitDaysMean));
  c.referral_decided_on = After(today_, wait_days);
}

// The wait ends: the offer starts, or the referral is cancelled.
void Simulator::DecideReferral(Case& c) {
  c.referral_decided_on = kNever;
  if (rng_.Chance(kReferralCancelledShare)) {
    // Declined, provider unavailable, ill, other: 40/30/20/10, chosen.
    static constexpr std::array<double, 4> kWeights = {40, 30, 20, 10};
    static constexpr std::array<v1::ReferralCancelReason, 4> kReasons = {
        v1::REFERRAL_CANCEL_REASON_CITIZEN_DECLINED,
        v1::REFERRAL_CANCEL_REASON_PROVIDER_UNAVAILABLE,
        v1::REFERRAL_CANCEL_REASON_CITIZEN_ILL,
        v1::REFERRAL_CANCEL_REASON_OTHER};
    CancelReferral(c, kReasons[rng_.Pick(kWeights)]);
    c.referral_on = After(today_ + 7 * rng_.UniformInt(1, 4));
    return;
  }
  const int length_days = kOfferWeeks[c.offer_kind] * 7;
  const absl::CivilDay planned_end_on = today_ + (length_days - 1);
  v1::Event event = NewEvent(c, today_);
  v1::OfferStarted* body = event.mutable_offer_started();
  body->set_offer_id(OfferId(c, c.referral_count));
  body->set_referral_id(ReferralId(c, c.referral_count));
  body->set_offer_kind(OfferKindOn(c.offer_kind, today_));
  body->set_planned_end_on(FormatDate(planned_end_on));
  RecordStructural(c, std::move(event));
  c.referral_pending = false;
  c.offer_running = true;
  if (rng_.Chance(kOfferCompletedShare)) {
    c.offer_end_on = std::max(planned_end_on, today_ + 1);
    c.offer_end_reason = v1::OFFER_END_REASON_COMPLETED;
    return;
  }
  // Job, dropped out, illness, other: 40/30/20/10, chosen.
  static constexpr std::array<double, 4> kWeights = {40, 30, 20, 10};
  static constexpr std::array<v1::OfferEndReason, 4> kReasons = {
      v1::OFFER_END_REASON_JOB, v1::OFFER_END_REASON_DROPPED_OUT,
      v1::OFFER_END_REASON_ILLNESS, v1::OFFER_END_REASON_OTHER};
  c.offer_end_on = today_ + rng_.UniformInt(1, length_days - 1);
  c.offer_end_reason = kReasons[rng_.Pick(kWeights)];
}

void Simulator::CancelReferral(Case& c, v1::ReferralCancelReason reason) {
  v1::Event event = NewEvent(c, today_);
  v1::ReferralCancelled* body = event.mutable_referral_cancelled();
  body->set_referral_id(ReferralId(c, c.referral_count));
  body->set_reason(reason);
  RecordStructural(c, std::move(event));
  c.referral_pending = false;
  c.referral_decided_on = kNever;
}

void Simulator::EndOffer(Case& c) {
  RecordOfferEnded(c, c.offer_end_reason);
  c.referral_on = After(today_ + 7 * rng_.UniformInt(kNextReferralWeeksMin,
                                                     kNextReferralWeeksMax));
}

void Simulator::RecordOfferEnded(Case& c, v1::OfferEndReason reason) {
  v1::Event event = NewEvent(c, today_);
  v1::OfferEnded* body = event.mutable_offer_ended();
  body->set_offer_id(OfferId(c, c.referral_count));
  body->set_reason(reason);
  RecordStructural(c, std::move(event));
  c.offer_running = false;
  c.offer_end_on = kNever;
}

void Simulator::Switch(Case& c) {
  c.switch_on = NextSwitch(c);
  ChangeCaseworker(c, kGroups[c.group].team,
                   kSwitchReasons[rng_.Pick(kSwitchReasonWeights)]);
}

// Moves the case to another caseworker of `team`.
void Simulator::ChangeCaseworker(Case& c, Team team,
                                 v1::CaseworkerChangeReason reason) {
  const int pool = Jc(c).caseworkers[team];
  const bool same_team = team == kGroups[c.group].team;
  int next = static_cast<int>(rng_.UniformInt(0, pool - (same_team ? 2 : 1)));
  if (same_team && next >= c.caseworker) ++next;
  v1::Event event = NewEvent(c, today_);
  v1::CaseworkerChanged* body = event.mutable_caseworker_changed();
  body->set_caseworker_id(CaseworkerId(c.jobcentre, team, next));
  body->set_team_id(kTeamIds[team]);
  body->set_reason(reason);
  RecordStructural(c, std::move(event));
  c.caseworker = next;
}

void Simulator::Pause(Case& c) {
  c.pause_on = kNever;
  // Illness, leave, exemption: 60/25/15, chosen.
  static constexpr std::array<double, 3> kWeights = {60, 25, 15};
  v1::Event event = NewEvent(c, today_);
  event.mutable_case_paused()->set_reason(
      static_cast<v1::PauseReason>(1 + rng_.Pick(kWeights)));
  RecordStructural(c, std::move(event));
  c.paused = true;
  c.resume_on = After(today_ + rng_.UniformInt(kPauseDaysMin, kPauseDaysMax));
  // Nothing is planned while the case is paused.
  for (absl::CivilDay* timer : {&c.interview_on, &c.referral_on}) {
    if (*timer < c.resume_on)
      *timer = After(c.resume_on + rng_.UniformInt(1, 10));
  }
}

void Simulator::Resume(Case& c) {
  v1::Event event = NewEvent(c, today_);
  event.mutable_case_resumed();
  RecordStructural(c, std::move(event));
  c.paused = false;
  c.resume_on = kNever;
  c.pause_on = After(today_, rng_.Exponential(365 / kPausesPerCaseYear));
}

// Kontanthjælp jobparat to aktivitetsparat: the same benefit, so the same
// period (docs/domain.md, "Target-group change").
void Simulator::Regroup(Case& c) {
  c.regroup_on = kNever;
  RecordGroupChange(c, kGroupAktivitetsparat, c.period_on);
  if (rng_.Chance(kTransferOnRegroupShare)) {
    ChangeCaseworker(c, kGroups[c.group].team,
                     v1::CASEWORKER_CHANGE_REASON_TRANSFER);
  }
}

void Simulator::RecordGroupChange(Case& c, size_t g, absl::CivilDay anchor_on) {
  v1::Event event = NewEvent(c, today_);
  v1::TargetGroupChanged* body = event.mutable_target_group_changed();
  body->set_target_group(kGroups[g].group);
  body->set_anchor_on(FormatDate(anchor_on));
  RecordStructural(c, std::move(event));
  c.group = g;
}

// The benefit period ends: a long sickness case may go on to
// jobafklaring (a new period); otherwise the case closes. Returns whether
// it closed.
bool Simulator::EndPeriod(Case& c) {
  const bool long_sickness =
      c.group == kGroupSygedagpenge &&
      (today_ - c.period_on) >= WeeksToDays(kReviewWeeks);
  if (long_sickness && rng_.Chance(kJobafklaringAfterLongSicknessShare)) {
    StartJobafklaring(c);
    return false;
  }
  Close(c);
  return true;
}

void Simulator::StartJobafklaring(Case& c) {
  RecordGroupChange(c, kGroupJobafklaring, today_);
  ChangeCaseworker(c, kTeamAfklaring, v1::CASEWORKER_CHANGE_REASON_TRANSFER);
  c.period_on = today_;
  c.period_end_on = today_ + DrawDurationDays(kGroupJobafklaring);
  c.interviews = 0;
  c.review_on = kNever;
  c.interview_on = ScheduleInterview(c, InterviewDue(c, today_));
  if (!c.referral_pending && !c.offer_running &&
      rng_.Chance(kGroups[kGroupJobafklaring].referral_share)) {
    c.referral_on = FirstReferral(c);
  }
}

void Simulator::Close(Case& c) {
  const auto reason = static_cast<v1::CaseCloseReason>(
      1 + rng_.Pick(kGroups[c.group].close_weights));
  if (c.referral_pending) {
    CancelReferral(c, v1::REFERRAL_CANCEL_REASON_CASE_CHANGED);
  }
  if (c.offer_running) {
    RecordOfferEnded(c, reason == v1::CASE_CLOSE_REASON_JOB
                            ? v1::OFFER_END_REASON_JOB
                            : v1::OFFER_END_REASON_OTHER);
  }
  v1::Event event = NewEvent(c, today_);
  event.mutable_case_closed()->set_reason(reason);
  const int64_t micros = std::max(RecordingMicros(c, today_), c.max_micros + 1);
  Push(micros, std::move(event));
}

}  // namespace caseline::generate_internal
