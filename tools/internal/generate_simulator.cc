// The simulator's day loop: the cases active on `from` drawn by a warm-up,
// new cases by a Poisson process per jobcentre, each case's timers fired on
// their day, and the events recorded that day written.
#include "tools/internal/generate_simulator.h"

#include <algorithm>
#include <cmath>

namespace caseline::generate_internal {

Simulator::Simulator(const GenerateOptions& options, const EventSink& sink)
    : options_(options), sink_(sink), rng_(options.seed) {
  jobcentres_ = MakeJobcentres(options, rng_);
}

GenerateSummary Simulator::Run() {
  today_ = options_.from;
  const std::vector<StockCase> stock = WarmUp();
  std::vector<double> next_arrival(jobcentres_.size());
  for (size_t k = 0; k < jobcentres_.size(); ++k) {
    next_arrival[k] = rng_.Exponential(1 / ArrivalRate(k));
  }
  // The cases open on `from` are simulated from the day they opened, with
  // their history before `from`, as a municipality moving its case
  // system's history would have it.
  const absl::CivilDay first_day =
      stock.empty() ? options_.from
                    : std::min(options_.from, stock.front().opened_on);
  size_t next_stock = 0;
  for (absl::CivilDay day = first_day; day <= options_.to; ++day) {
    today_ = day;
    for (; next_stock < stock.size() && stock[next_stock].opened_on <= day;
         ++next_stock) {
      OpenStockCase(stock[next_stock]);
    }
    if (day >= options_.from) {
      const double day_end = static_cast<double>(day - options_.from) + 1;
      for (size_t k = 0; k < jobcentres_.size(); ++k) {
        while (next_arrival[k] < day_end) {
          OpenNewCase(static_cast<int>(k));
          next_arrival[k] += rng_.Exponential(1 / ArrivalRate(k));
        }
      }
    }
    while (!wakes_.empty() && wakes_.top().day <= day) {
      const uint32_t slot = wakes_.top().slot;
      wakes_.pop();
      Process(slot);
    }
    Emit(DayStartMicros(day + 1));
    summary_.active_cases_max =
        std::max(summary_.active_cases_max,
                 static_cast<int64_t>(cases_.size() - free_slots_.size()));
  }
  summary_.cases_recorded_after_to = cases_opened_ - summary_.cases;
  return summary_;
}

double Simulator::ArrivalRate(size_t k) const {
  // A jobcentre too small to expect any case still gets a rate, so that
  // the arrival loop ends.
  return std::max(jobcentres_[k].arrivals_per_day_total, 1e-9);
}

// The cases active on `from`: those that began in the kDurationWeeksMax
// before it and have not ended, by the day they opened. Only their
// durations are drawn here, so the warm-up costs a few draws per case
// that would have arrived; memory holds the stock, as it would anyway.
std::vector<Simulator::StockCase> Simulator::WarmUp() {
  std::vector<StockCase> stock;
  const int warm_up_days = WeeksToDays(kDurationWeeksMax);
  for (size_t k = 0; k < jobcentres_.size(); ++k) {
    for (size_t g = 0; g < kGroupCount; ++g) {
      const double rate = jobcentres_[k].warm_up_arrivals_per_day[g];
      if (rate <= 0) continue;
      double t = -warm_up_days + rng_.Exponential(1 / rate);
      for (; t < 0; t += rng_.Exponential(1 / rate)) {
        const absl::CivilDay anchor_on =
            options_.from + static_cast<int64_t>(std::floor(t));
        const int duration_days = DrawDurationDays(g);
        if (anchor_on + duration_days <= options_.from) continue;
        // A sickness case opens when the sick note arrives (as in
        // OpenNewCase), at the latest on `from`.
        const absl::CivilDay opened_on =
            g == kGroupSygedagpenge
                ? std::min(options_.from, anchor_on + rng_.UniformInt(3, 21))
                : anchor_on;
        stock.push_back(StockCase{opened_on, static_cast<int>(k), g, anchor_on,
                                  duration_days});
      }
    }
  }
  std::stable_sort(stock.begin(), stock.end(),
                   [](const StockCase& a, const StockCase& b) {
                     return a.opened_on < b.opened_on;
                   });
  return stock;
}

int Simulator::DrawDurationDays(size_t g) {
  const GroupModel& model = kGroups[g];
  const double weeks =
      std::min(model.cap_weeks, rng_.Weibull(model.scale_weeks, model.shape));
  return std::max(1, WeeksToDays(weeks));
}

uint32_t Simulator::AllocateCase() {
  if (!free_slots_.empty()) {
    const uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    cases_[slot] = Case{};
    return slot;
  }
  cases_.emplace_back();
  return static_cast<uint32_t>(cases_.size() - 1);
}

Case& Simulator::InitCase(uint32_t slot, int jobcentre, size_t g,
                          absl::CivilDay anchor_on) {
  Case& c = cases_[slot];
  c.number = ++cases_opened_;
  c.jobcentre = jobcentre;
  c.group = g;
  c.anchor_on = anchor_on;
  c.period_on = anchor_on;
  const GroupModel& model = kGroups[g];
  const int age_years =
      static_cast<int>(rng_.UniformInt(model.age_min, model.age_max));
  c.birth_on = anchor_on - (age_years * 365 + rng_.UniformInt(0, 364));
  c.caseworker =
      static_cast<int>(rng_.UniformInt(0, Jc(c).caseworkers[model.team] - 1));
  return c;
}

void Simulator::OpenNewCase(int jobcentre) {
  const size_t g = rng_.Pick(jobcentres_[jobcentre].arrivals_per_day);
  // A sickness case opens when the sick note arrives, days after the first
  // absence day, its anchor (chosen: 3-21 days).
  const bool sick = g == kGroupSygedagpenge;
  const absl::CivilDay anchor_on =
      sick ? today_ - rng_.UniformInt(3, 21) : today_;
  const uint32_t slot = AllocateCase();
  Case& c = InitCase(slot, jobcentre, g, anchor_on);
  c.period_end_on = std::max(anchor_on + DrawDurationDays(g), today_ + 7);
  RecordOpened(c, today_);
  StartTimers(c);
  Schedule(slot);
}

// A case active on `from`, opened on its day like a new one, with the
// duration the warm-up drew (so that it is still active on `from`).
void Simulator::OpenStockCase(const StockCase& stock) {
  const uint32_t slot = AllocateCase();
  Case& c = InitCase(slot, stock.jobcentre, stock.group, stock.anchor_on);
  c.period_end_on = std::max(stock.anchor_on + stock.duration_days,
                             std::max(options_.from, today_ + 7));
  RecordOpened(c, today_);
  StartTimers(c);
  Schedule(slot);
}

// Fires the case's timers due today, in a fixed order; the end of the
// period comes last, so that the closure follows the day's other events.
void Simulator::Process(uint32_t slot) {
  Case& c = cases_[slot];
  if (c.service_call_on == today_) ServiceCall(c);
  if (c.interview_on == today_) Interview(c);
  if (c.review_on == today_) Review(c);
  if (c.referral_decided_on == today_) DecideReferral(c);
  if (c.offer_end_on == today_) EndOffer(c);
  if (c.referral_on == today_) Refer(c);
  if (c.switch_on == today_) Switch(c);
  if (c.resume_on == today_) Resume(c);
  if (c.pause_on == today_) Pause(c);
  if (c.regroup_on == today_) Regroup(c);
  if (c.period_end_on == today_ && EndPeriod(c)) {
    free_slots_.push_back(slot);
    return;
  }
  Schedule(slot);
}

}  // namespace caseline::generate_internal
