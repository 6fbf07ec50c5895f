// A case's facts on a date, as known at a moment: the fold of its events
// that every projection (compliance, switches, waiting times) reads.
//
// Pure: no I/O, no clock. The same events, as_of and known_at always give
// the same timeline.
#ifndef CASELINE_PROJECTIONS_TIMELINE_H_
#define CASELINE_PROJECTIONS_TIMELINE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "caseline/v1/events.pb.h"

namespace caseline {

// One benefit period: from case_opened, or from a target_group_changed to
// another benefit, until the next such change or the closure.
struct Period {
  v1::TargetGroup target_group = v1::TARGET_GROUP_UNSPECIFIED;
  // The day the rules count from (registration, first contact, first
  // absence day, by group).
  absl::CivilDay anchor_on;
  // The day the period's first event occurred.
  absl::CivilDay start_on;
  // The day the next period began or the case closed; open when unset.
  std::optional<absl::CivilDay> end_on;
  std::optional<absl::CivilDay> sick_note_received_on;
  std::string event_id;
  // A-dagpenge: the unemployment fund referred the person straight to the
  // jobcentre (LAB § 27, stk. 3).
  bool referred_to_jobcentre = false;
};

struct Pause {
  absl::CivilDay from_on;
  // The day the case resumed (counted as active again); open when unset.
  std::optional<absl::CivilDay> to_on;
  v1::PauseReason reason = v1::PAUSE_REASON_UNSPECIFIED;
  std::string event_id;
};

struct Interview {
  absl::CivilDay on;
  v1::InterviewKind kind = v1::INTERVIEW_KIND_UNSPECIFIED;
  v1::InterviewChannel channel = v1::INTERVIEW_CHANNEL_UNSPECIFIED;
  std::string event_id;
  // UNSPECIFIED means the jobcentre (events recorded before the field).
  v1::InterviewHolder held_by = v1::INTERVIEW_HOLDER_UNSPECIFIED;
};

struct ServiceCall {
  absl::CivilDay on;
  v1::ServiceCallOutcome outcome = v1::SERVICE_CALL_OUTCOME_UNSPECIFIED;
  std::string event_id;
};

struct Referral {
  std::string referral_id;
  absl::CivilDay on;
  v1::OfferKind offer_kind = v1::OFFER_KIND_UNSPECIFIED;
  std::string provider;
  std::optional<absl::CivilDay> cancelled_on;
  // The start of the offer it led to.
  std::optional<absl::CivilDay> offer_started_on;
  std::string event_id;
};

struct Offer {
  std::string offer_id;
  std::string referral_id;
  v1::OfferKind offer_kind = v1::OFFER_KIND_UNSPECIFIED;
  absl::CivilDay start_on;
  absl::CivilDay planned_end_on;
  std::optional<absl::CivilDay> end_on;
  std::string event_id;
};

// One caseworker's responsibility for the case.
struct Assignment {
  absl::CivilDay from_on;
  // The day the next caseworker took over; open when unset.
  std::optional<absl::CivilDay> to_on;
  std::string caseworker_id;
  std::string team_id;
  // UNSPECIFIED for the first assignment (case_opened).
  v1::CaseworkerChangeReason reason = v1::CASEWORKER_CHANGE_REASON_UNSPECIFIED;
  std::string event_id;
};

struct Review {
  absl::CivilDay on;
  std::string event_id;
};

// A case's period leaves the population of one requirement under a
// population target.
struct Exemption {
  absl::CivilDay on;
  // The day it takes effect: its day, or the day it was recorded if later
  // (UTC), so that an exemption recorded late cannot reach back.
  absl::CivilDay effective_on;
  std::string rule_set_id;
  std::string requirement_id;
  v1::ExemptionKind kind = v1::EXEMPTION_KIND_UNSPECIFIED;
  std::string reason;
  std::string decided_by;
  std::string event_id;
};

struct Closure {
  absl::CivilDay on;
  v1::CaseCloseReason reason = v1::CASE_CLOSE_REASON_UNSPECIFIED;
  std::string event_id;
};

struct CaseTimeline {
  std::string case_id;
  std::string citizen_id;
  std::string jobcentre_id;
  std::optional<absl::CivilDay> birth_on;
  // Each list in date order (then recording order).
  std::vector<Period> periods;
  std::vector<Pause> pauses;
  std::vector<Interview> interviews;
  std::vector<Interview> missed_interviews;
  std::vector<ServiceCall> service_calls;
  std::vector<Referral> referrals;
  std::vector<Offer> offers;
  std::vector<Assignment> assignments;
  std::vector<Review> reviews;
  std::vector<Exemption> exemptions;
  std::optional<Closure> closure;
  // Events that counted: known by known_at, not retracted, not after as_of.
  int events_counted = 0;
  // Events known by known_at and retracted by then.
  int events_retracted = 0;
};

// Folds a case's events (in any order) into its timeline on `as_of`, as
// known at `known_at`: only events recorded at or before known_at count,
// less those retracted by a retraction also recorded by then; events that
// occurred after as_of are left out. The rest are taken in occurred_on
// order, then case_version.
CaseTimeline FoldTimeline(absl::Span<const v1::Event> events,
                          absl::CivilDay as_of, absl::Time known_at);

// Whether two target groups are the same benefit: a change between them
// (kontanthjælp jobparat <-> aktivitetsparat) does not start a new period.
bool SameBenefit(v1::TargetGroup a, v1::TargetGroup b);

// One caseworker switch: every change of responsible caseworker after the
// first assignment.
struct Switch {
  absl::CivilDay on;
  std::string from_caseworker_id;
  std::string to_caseworker_id;
  std::string to_team_id;
  v1::CaseworkerChangeReason reason = v1::CASEWORKER_CHANGE_REASON_UNSPECIFIED;
  bool planned = false;
  // Undone or undoing on the same day (A -> B -> A): still a switch, but
  // reported as such.
  bool same_day_reversal = false;
  std::string event_id;
};

struct Switches {
  int planned = 0;
  int unplanned = 0;
  std::vector<Switch> switches;
};

// The switches with from_on <= day <= to_on.
Switches CountSwitches(const CaseTimeline& timeline, absl::CivilDay from_on,
                       absl::CivilDay to_on);

enum class WaitState { kStarted, kCancelled, kWaiting };

struct ReferralWait {
  std::string referral_id;
  absl::CivilDay referred_on;
  WaitState state = WaitState::kWaiting;
  // Days from the referral to the offer start (kStarted), to the
  // cancellation (kCancelled), or to as_of (kWaiting).
  int days = 0;
  v1::OfferKind offer_kind = v1::OFFER_KIND_UNSPECIFIED;
  std::string provider;
};

struct WaitingTimes {
  std::vector<ReferralWait> referrals;
  // Days from the first period's anchor to the first held interview and to
  // the first started offer; unset if none by as_of.
  std::optional<int> days_to_first_interview;
  std::optional<int> days_to_first_offer;
};

// Waiting times on `as_of` (the timeline is folded for the same as_of).
WaitingTimes ComputeWaitingTimes(const CaseTimeline& timeline,
                                 absl::CivilDay as_of);

}  // namespace caseline

#endif  // CASELINE_PROJECTIONS_TIMELINE_H_
