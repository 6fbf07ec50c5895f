// When and in what order a case's events are recorded: late registrations,
// retractions with their corrections, and the queue that writes events in
// recorded_at order once the simulation has passed them.
#include "tools/internal/generate_simulator.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "projections/dates.h"
#include "projections/instants.h"

namespace caseline::generate_internal {

v1::Event Simulator::NewEvent(Case& c, absl::CivilDay occurred_on) {
  v1::Event event;
  event.set_event_id(absl::StrCat("e-", c.number, "-", ++c.event_count));
  event.set_case_id(absl::StrCat("case-", c.number));
  event.set_occurred_on(FormatDate(occurred_on));
  return event;
}

// When the case system registers an event that occurred on `day`: the
// same working day, or for the jobcentre's late share days or weeks later.
int64_t Simulator::RecordingMicros(const Case& c, absl::CivilDay day) {
  if (rng_.Chance(Jc(c).late_recorded_share)) {
    const double late_days = std::min<double>(
        kLateRecordedDaysMax, 1 + rng_.Exponential(kLateRecordedDaysMean));
    day = day + static_cast<int64_t>(late_days);
  }
  return DayStartMicros(NextWeekday(day)) + kWorkdayStartMicros +
         rng_.UniformInt(0, kWorkdayMicros - 1);
}

// Structural events are recorded in the order they occur, so that the
// server's order rules hold whatever the delays.
void Simulator::RecordStructural(Case& c, v1::Event event) {
  const int64_t micros =
      std::max(RecordingMicros(c, today_), c.chain_micros + 1);
  c.chain_micros = micros;
  c.max_micros = std::max(c.max_micros, micros);
  Push(micros, std::move(event));
}

// Interviews, service calls and reviews: nothing depends on them, so they
// may be recorded out of order; some are retracted and corrected later.
void Simulator::RecordLeaf(Case& c, v1::Event event) {
  const int64_t micros =
      std::max(RecordingMicros(c, today_), c.chain_micros + 1);
  c.max_micros = std::max(c.max_micros, micros);
  if (rng_.Chance(kRetractedShareOfLeaves)) Correct(c, event, micros);
  Push(micros, std::move(event));
}

// Retracts `original` (recorded at `recorded_micros`) days or weeks later
// and records it again with the corrected date.
void Simulator::Correct(Case& c, const v1::Event& original,
                        int64_t recorded_micros) {
  const absl::CivilDay found_on =
      NextWeekday(DayOfMicros(recorded_micros) +
                  rng_.UniformInt(kRetractionDaysMin, kRetractionDaysMax));
  const int64_t retracted_micros = DayStartMicros(found_on) +
                                   kWorkdayStartMicros +
                                   rng_.UniformInt(0, kWorkdayMicros - 1);
  v1::Event corrected = original;
  corrected.set_event_id(absl::StrCat("e-", c.number, "-", ++c.event_count));
  const absl::CivilDay occurred_on = *ParseDate(original.occurred_on());
  const absl::CivilDay earlier_on =
      occurred_on - rng_.UniformInt(1, kCorrectionShiftDaysMax);
  corrected.set_occurred_on(
      FormatDate(earlier_on >= c.anchor_on ? earlier_on : occurred_on + 1));

  v1::Event retraction = NewEvent(c, found_on);
  v1::EventRetracted* body = retraction.mutable_event_retracted();
  body->set_retracted_event_id(original.event_id());
  body->set_reason(absl::StrCat("registered with the wrong date; see ",
                                corrected.event_id()));
  const int64_t corrected_micros =
      retracted_micros + rng_.UniformInt(1, 600) * kMicrosPerSecond;
  c.max_micros = std::max(c.max_micros, corrected_micros);
  Push(retracted_micros, std::move(retraction));
  Push(corrected_micros, std::move(corrected));
}

void Simulator::Push(int64_t recorded_micros, v1::Event event) {
  assert(recorded_micros >= DayStartMicros(today_));
  pending_.push_back(
      Pending{recorded_micros, ++pending_sequence_, std::move(event)});
  std::push_heap(pending_.begin(), pending_.end(), PendingLater());
  summary_.pending_events_max = std::max(summary_.pending_events_max,
                                         static_cast<int64_t>(pending_.size()));
}

// Writes every pending event recorded before `until_micros`, nudging
// recorded_at by microseconds where two would coincide.
void Simulator::Emit(int64_t until_micros) {
  while (!pending_.empty() && pending_.front().recorded_micros < until_micros) {
    std::pop_heap(pending_.begin(), pending_.end(), PendingLater());
    Pending next = std::move(pending_.back());
    pending_.pop_back();
    const int64_t micros =
        std::max(next.recorded_micros, last_emitted_micros_ + 1);
    last_emitted_micros_ = micros;
    *next.event.mutable_recorded_at() = FromMicros(micros);
    sink_(next.event);
    ++summary_.events;
    if (next.event.has_case_opened()) ++summary_.cases;
  }
}

}  // namespace caseline::generate_internal
