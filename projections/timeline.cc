#include "projections/timeline.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "projections/dates.h"
#include "projections/instants.h"

namespace caseline {
namespace {

absl::Time RecordedAt(const v1::Event& event) {
  return ToTime(event.recorded_at());
}

// Dates in the log were validated on append; a bad one (which cannot
// happen) folds as the epoch rather than crashing a query.
absl::CivilDay Day(const std::string& text) {
  return ParseDate(text).value_or(absl::CivilDay());
}

std::optional<absl::CivilDay> OptionalDay(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return Day(text);
}

// Builds a timeline from events already filtered and sorted.
class Folder {
 public:
  explicit Folder(CaseTimeline& timeline) : timeline_(timeline) {}

  void Apply(const v1::Event& event) {
    const absl::CivilDay on = Day(event.occurred_on());
    switch (event.body_case()) {
      case v1::Event::kCaseOpened:
        Open(event, on);
        break;
      case v1::Event::kTargetGroupChanged:
        ChangeTargetGroup(event, on);
        break;
      case v1::Event::kCaseworkerChanged:
        Assign(on, event.caseworker_changed().caseworker_id(),
               event.caseworker_changed().team_id(),
               event.caseworker_changed().reason(), event.event_id());
        break;
      case v1::Event::kCasePaused:
        if (timeline_.pauses.empty() || timeline_.pauses.back().to_on) {
          timeline_.pauses.push_back({on, std::nullopt,
                                      event.case_paused().reason(),
                                      event.event_id()});
        }
        break;
      case v1::Event::kCaseResumed:
        if (!timeline_.pauses.empty() && !timeline_.pauses.back().to_on) {
          timeline_.pauses.back().to_on = on;
        }
        break;
      case v1::Event::kInterviewHeld:
        timeline_.interviews.push_back({on, event.interview_held().kind(),
                                        event.interview_held().channel(),
                                        event.event_id(),
                                        event.interview_held().held_by()});
        break;
      case v1::Event::kInterviewMissed:
        timeline_.missed_interviews.push_back(
            {on, event.interview_missed().kind(),
             v1::INTERVIEW_CHANNEL_UNSPECIFIED, event.event_id(),
             event.interview_missed().held_by()});
        break;
      case v1::Event::kServiceCallMade:
        timeline_.service_calls.push_back(
            {on, event.service_call_made().outcome(), event.event_id()});
        break;
      case v1::Event::kReferralMade:
        referral_index_[event.referral_made().referral_id()] =
            timeline_.referrals.size();
        timeline_.referrals.push_back({event.referral_made().referral_id(), on,
                                       event.referral_made().offer_kind(),
                                       event.referral_made().provider(),
                                       std::nullopt, std::nullopt,
                                       event.event_id()});
        break;
      case v1::Event::kReferralCancelled:
        if (Referral* referral =
                FindReferral(event.referral_cancelled().referral_id())) {
          referral->cancelled_on = on;
        }
        break;
      case v1::Event::kOfferStarted:
        StartOffer(event, on);
        break;
      case v1::Event::kOfferEnded:
        for (Offer& offer : timeline_.offers) {
          if (offer.offer_id == event.offer_ended().offer_id()) {
            offer.end_on = on;
          }
        }
        break;
      case v1::Event::kReviewHeld:
        timeline_.reviews.push_back({on, event.event_id()});
        break;
      case v1::Event::kExemptionGranted: {
        const v1::ExemptionGranted& body = event.exemption_granted();
        const absl::CivilDay recorded_on =
            absl::ToCivilDay(RecordedAt(event), absl::UTCTimeZone());
        timeline_.exemptions.push_back(
            {on, std::max(on, recorded_on), body.rule_set_id(),
             body.requirement_id(), body.kind(), body.reason(),
             body.decided_by(), event.event_id()});
        break;
      }
      case v1::Event::kCaseClosed:
        timeline_.closure =
            Closure{on, event.case_closed().reason(), event.event_id()};
        if (!timeline_.periods.empty() && !timeline_.periods.back().end_on) {
          timeline_.periods.back().end_on = on;
        }
        break;
      case v1::Event::kEventRetracted:
      case v1::Event::BODY_NOT_SET:
        break;
    }
  }

 private:
  void Open(const v1::Event& event, absl::CivilDay on) {
    const v1::CaseOpened& body = event.case_opened();
    timeline_.citizen_id = body.citizen_id();
    timeline_.jobcentre_id = body.jobcentre_id();
    timeline_.birth_on = OptionalDay(body.birth_on());
    timeline_.periods.push_back(
        {body.target_group(), Day(body.anchor_on()), on, std::nullopt,
         OptionalDay(body.sick_note_received_on()), event.event_id(),
         body.referred_to_jobcentre()});
    Assign(on, body.caseworker_id(), body.team_id(),
           v1::CASEWORKER_CHANGE_REASON_UNSPECIFIED, event.event_id());
  }

  void ChangeTargetGroup(const v1::Event& event, absl::CivilDay on) {
    const v1::TargetGroupChanged& body = event.target_group_changed();
    if (!timeline_.periods.empty() &&
        SameBenefit(timeline_.periods.back().target_group,
                    body.target_group())) {
      // Same benefit (jobparat <-> aktivitetsparat): the period goes on.
      timeline_.periods.back().target_group = body.target_group();
      return;
    }
    if (!timeline_.periods.empty() && !timeline_.periods.back().end_on) {
      timeline_.periods.back().end_on = on;
    }
    timeline_.periods.push_back({body.target_group(), Day(body.anchor_on()), on,
                                 std::nullopt, std::nullopt, event.event_id(),
                                 body.referred_to_jobcentre()});
  }

  void Assign(absl::CivilDay on, const std::string& caseworker_id,
              const std::string& team_id, v1::CaseworkerChangeReason reason,
              const std::string& event_id) {
    if (!timeline_.assignments.empty()) timeline_.assignments.back().to_on = on;
    timeline_.assignments.push_back(
        {on, std::nullopt, caseworker_id, team_id, reason, event_id});
  }

  void StartOffer(const v1::Event& event, absl::CivilDay on) {
    const v1::OfferStarted& body = event.offer_started();
    timeline_.offers.push_back(
        {body.offer_id(), body.referral_id(), body.offer_kind(), on,
         Day(body.planned_end_on()), std::nullopt, event.event_id()});
    if (Referral* referral = FindReferral(body.referral_id())) {
      referral->offer_started_on = on;
    }
  }

  Referral* FindReferral(const std::string& referral_id) {
    auto it = referral_index_.find(referral_id);
    return it == referral_index_.end() ? nullptr
                                       : &timeline_.referrals[it->second];
  }

  CaseTimeline& timeline_;
  absl::flat_hash_map<std::string, size_t> referral_index_;
};

}  // namespace

bool SameBenefit(v1::TargetGroup a, v1::TargetGroup b) {
  auto kontanthjaelp = [](v1::TargetGroup group) {
    return group == v1::TARGET_GROUP_KONTANTHJAELP_JOBPARAT ||
           group == v1::TARGET_GROUP_KONTANTHJAELP_AKTIVITETSPARAT;
  };
  return a == b || (kontanthjaelp(a) && kontanthjaelp(b));
}

CaseTimeline FoldTimeline(absl::Span<const v1::Event> events,
                          absl::CivilDay as_of, absl::Time known_at) {
  CaseTimeline timeline;
  absl::flat_hash_set<std::string> retracted;
  for (const v1::Event& event : events) {
    if (timeline.case_id.empty()) timeline.case_id = event.case_id();
    if (event.has_event_retracted() && RecordedAt(event) <= known_at) {
      retracted.insert(event.event_retracted().retracted_event_id());
    }
  }
  std::vector<const v1::Event*> counted;
  counted.reserve(events.size());
  for (const v1::Event& event : events) {
    if (RecordedAt(event) > known_at || event.has_event_retracted()) continue;
    if (retracted.contains(event.event_id())) {
      ++timeline.events_retracted;
      continue;
    }
    if (Day(event.occurred_on()) > as_of) continue;
    counted.push_back(&event);
  }
  // Dates first; on the same day, the order they were recorded in.
  std::sort(counted.begin(), counted.end(),
            [](const v1::Event* a, const v1::Event* b) {
              const absl::CivilDay day_a = Day(a->occurred_on());
              const absl::CivilDay day_b = Day(b->occurred_on());
              if (day_a != day_b) return day_a < day_b;
              return a->case_version() < b->case_version();
            });
  Folder folder(timeline);
  for (const v1::Event* event : counted) folder.Apply(*event);
  timeline.events_counted = static_cast<int>(counted.size());
  return timeline;
}

Switches CountSwitches(const CaseTimeline& timeline, absl::CivilDay from_on,
                       absl::CivilDay to_on) {
  Switches result;
  const std::vector<Assignment>& assignments = timeline.assignments;
  for (size_t i = 1; i < assignments.size(); ++i) {
    const Assignment& to = assignments[i];
    if (to.from_on < from_on || to.from_on > to_on) continue;
    Switch change;
    change.on = to.from_on;
    change.from_caseworker_id = assignments[i - 1].caseworker_id;
    change.to_caseworker_id = to.caseworker_id;
    change.to_team_id = to.team_id;
    change.reason = to.reason;
    change.planned = to.reason == v1::CASEWORKER_CHANGE_REASON_PLANNED;
    change.event_id = to.event_id;
    // A -> B -> A within one day: both halves are reversals.
    const bool undone =
        i + 1 < assignments.size() &&
        assignments[i + 1].from_on == to.from_on &&
        assignments[i + 1].caseworker_id == assignments[i - 1].caseworker_id;
    const bool undoing = i >= 2 && assignments[i - 1].from_on == to.from_on &&
                         to.caseworker_id == assignments[i - 2].caseworker_id;
    change.same_day_reversal = undone || undoing;
    (change.planned ? result.planned : result.unplanned) += 1;
    result.switches.push_back(std::move(change));
  }
  return result;
}

WaitingTimes ComputeWaitingTimes(const CaseTimeline& timeline,
                                 absl::CivilDay as_of) {
  WaitingTimes result;
  for (const Referral& referral : timeline.referrals) {
    ReferralWait wait;
    wait.referral_id = referral.referral_id;
    wait.referred_on = referral.on;
    wait.offer_kind = referral.offer_kind;
    wait.provider = referral.provider;
    if (referral.offer_started_on) {
      wait.state = WaitState::kStarted;
      wait.days = static_cast<int>(*referral.offer_started_on - referral.on);
    } else if (referral.cancelled_on) {
      wait.state = WaitState::kCancelled;
      wait.days = static_cast<int>(*referral.cancelled_on - referral.on);
    } else {
      wait.state = WaitState::kWaiting;
      wait.days = static_cast<int>(as_of - referral.on);
    }
    result.referrals.push_back(std::move(wait));
  }
  if (!timeline.periods.empty()) {
    const absl::CivilDay anchor = timeline.periods.front().anchor_on;
    if (!timeline.interviews.empty()) {
      result.days_to_first_interview =
          static_cast<int>(timeline.interviews.front().on - anchor);
    }
    if (!timeline.offers.empty()) {
      result.days_to_first_offer =
          static_cast<int>(timeline.offers.front().start_on - anchor);
    }
  }
  return result;
}

}  // namespace caseline
