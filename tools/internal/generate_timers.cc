// A case's timers: when its next interview, review, referral, caseworker
// switch and pause fall due, by the deadlines of the rules and the
// jobcentre's compliance.
#include "tools/internal/generate_simulator.h"

#include <algorithm>
#include <cassert>
#include <cstdint>

namespace caseline::generate_internal {

void Simulator::StartTimers(Case& c) {
  const GroupModel& model = kGroups[c.group];
  c.interview_on = ScheduleInterview(c, InterviewDue(c, today_));
  if (c.group == 0 && rng_.Chance(Jc(c).service_call_share)) {
    c.service_call_on =
        After(today_ + rng_.UniformInt(1, kServiceCallDaysMax - 2));
  }
  if (c.group == kGroupSygedagpenge) StartReview(c);
  if (rng_.Chance(model.referral_share)) {
    c.referral_on = FirstReferral(c);
  }
  c.switch_on = NextSwitch(c);
  c.pause_on = After(today_, rng_.Exponential(365 / kPausesPerCaseYear));
  if (c.group == kGroupJobparat && rng_.Chance(kAktivitetsparatShare)) {
    c.regroup_on = After(today_ + rng_.UniformInt(28, 210));
  }
}

// The earliest day a new timer may fire: tomorrow, on a weekday.
absl::CivilDay Simulator::After(absl::CivilDay day) const {
  return NextWeekday(std::max(day, today_ + 1));
}

// `days` after `base`, for drawn real numbers of days; kNever-like far
// days are cut to a century.
absl::CivilDay Simulator::After(absl::CivilDay base, double days) const {
  constexpr double kDaysMax = 36'500;
  return After(base + static_cast<int64_t>(std::min(days, kDaysMax)));
}

// The deadline of the next interview of the current period, after one on
// `last_on` (or the period's start).
absl::CivilDay Simulator::InterviewDue(const Case& c,
                                       absl::CivilDay last_on) const {
  const bool early = (last_on - c.period_on) < kFirstSixMonthsDays;
  if (c.group == 0) {
    if (c.interviews == 0) return c.period_on + 4 * 7 - 1;
    return last_on +
           (early ? kInterviewDaysDagpenge : kInterviewDaysDagpengeLater);
  }
  if (c.group == kGroupSygedagpenge) {
    if (c.interviews == 0) return c.period_on + kFirstInterviewWeekSyg * 7 - 1;
    return last_on + kInterviewDaysSyg;
  }
  if (c.interviews == 0) return today_ + 6;
  return last_on + (early ? kInterviewDaysOther : kInterviewDaysOtherLater);
}

// On time, a few days before the deadline; late, 1-6 weeks after it.
absl::CivilDay Simulator::ScheduleInterview(const Case& c,
                                            absl::CivilDay due_on) {
  if (rng_.Chance(Jc(c).interview_on_time_share)) {
    return After(due_on - rng_.UniformInt(0, 6));
  }
  return After(due_on + rng_.UniformInt(kLateDaysMin, kLateDaysMax));
}

void Simulator::StartReview(Case& c) {
  const absl::CivilDay due_on = c.anchor_on + WeeksToDays(kReviewWeeks) - 1;
  if (due_on <= today_) return;
  c.review_on =
      rng_.Chance(Jc(c).interview_on_time_share)
          ? After(due_on - rng_.UniformInt(0, 14))
          : After(due_on + rng_.UniformInt(kLateDaysMin, kLateDaysMax));
}

int Simulator::OfferDeadlineWeeks(const Case& c) const {
  if (c.period_on >= absl::CivilDay(2020, 1, 1)) return kOfferWeeksMiddle;
  if (Jc(c).id == "jc-faaborg-midtfyn" &&
      c.period_on >= absl::CivilDay(2018, 7, 1)) {
    return kOfferWeeksYoungOld;
  }
  const int64_t age_years = (c.period_on - c.birth_on) / 365;
  return (age_years < 30 || age_years >= 50) ? kOfferWeeksYoungOld
                                             : kOfferWeeksMiddle;
}

// The first referral: in time for the offer to start by its deadline, or
// late, by the jobcentre's compliance.
absl::CivilDay Simulator::FirstReferral(const Case& c) {
  const bool on_time = rng_.Chance(Jc(c).offer_on_time_share);
  if (c.group == 0) {
    const absl::CivilDay deadline_on =
        c.period_on + OfferDeadlineWeeks(c) * 7 - 1;
    if (!on_time) {
      if (rng_.Chance(Jc(c).offer_missed_share)) return kNever;
      return After(deadline_on +
                   rng_.UniformInt(kLateDaysMin, 2 * kLateDaysMax));
    }
    // Leave room for the wait (mostly under three weeks).
    const int64_t room = std::max<int64_t>(0, (deadline_on - today_) - 35);
    return After(today_ + 14 + rng_.UniformInt(0, room));
  }
  if (c.group == kGroupSygedagpenge) {
    return After(today_ + rng_.UniformInt(6 * 7, 20 * 7));
  }
  return on_time ? After(today_ + rng_.UniformInt(7, 56))
                 : After(today_ + rng_.UniformInt(56, 182));
}

absl::CivilDay Simulator::NextSwitch(const Case& c) {
  return After(today_, rng_.Exponential(365 / Jc(c).switches_per_case_year));
}

void Simulator::Schedule(uint32_t slot) {
  const absl::CivilDay next = cases_[slot].NextTimer();
  assert(next > today_);
  wakes_.push(Wake{next, ++wake_sequence_, slot});
}

}  // namespace caseline::generate_internal
