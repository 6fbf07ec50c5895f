// The day-by-day simulator behind GenerateEvents: the active cases, their
// timers, and the events waiting for the simulation to pass their
// recorded_at. Internal to the generator; the contract readers rely on is
// tools/generate.h.
//
// Simulator's members are defined by job: the day loop, the warm-up and the
// opening of cases in generate_simulator.cc, the timers in
// generate_timers.cc, the events a case produces in generate_case_events.cc,
// and when and in what order they are recorded in generate_recording.cc.
#ifndef CASELINE_TOOLS_INTERNAL_GENERATE_SIMULATOR_H_
#define CASELINE_TOOLS_INTERNAL_GENERATE_SIMULATOR_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <tuple>
#include <vector>

#include "absl/time/civil_time.h"
#include "caseline/v1/events.pb.h"
#include "tools/generate.h"
#include "tools/internal/generate_calendar.h"
#include "tools/internal/generate_jobcentres.h"
#include "tools/internal/generate_model.h"
#include "tools/internal/generate_random.h"

namespace caseline::generate_internal {

// One active case: what its next events depend on.
struct Case {
  int64_t number = 0;
  int jobcentre = 0;
  size_t group = 0;
  int caseworker = 0;
  absl::CivilDay birth_on;
  // The case's anchor (case_opened), the current period's anchor and its
  // end, where the case closes or changes benefit.
  absl::CivilDay anchor_on;
  absl::CivilDay period_on;
  absl::CivilDay period_end_on;
  int event_count = 0;
  int referral_count = 0;
  // Interviews held in the current period.
  int interviews = 0;
  bool service_call_retried = false;
  bool paused = false;
  bool referral_pending = false;
  bool offer_running = false;
  size_t offer_kind = 0;
  v1::OfferEndReason offer_end_reason = v1::OFFER_END_REASON_COMPLETED;
  // Timers: the day of the next event of each kind; kNever when none.
  absl::CivilDay service_call_on = kNever;
  absl::CivilDay interview_on = kNever;
  absl::CivilDay review_on = kNever;
  absl::CivilDay referral_on = kNever;
  absl::CivilDay referral_decided_on = kNever;
  absl::CivilDay offer_end_on = kNever;
  absl::CivilDay switch_on = kNever;
  absl::CivilDay pause_on = kNever;
  absl::CivilDay resume_on = kNever;
  absl::CivilDay regroup_on = kNever;
  // recorded_at of the case's last structural event (case_opened, referrals,
  // offers, changes, pauses) and of any event: structural events are
  // recorded in the order they occur, case_closed after everything.
  int64_t chain_micros = 0;
  int64_t max_micros = 0;

  absl::CivilDay NextTimer() const {
    return std::min({service_call_on, interview_on, review_on, referral_on,
                     referral_decided_on, offer_end_on, switch_on, pause_on,
                     resume_on, regroup_on, period_end_on});
  }
};

// An event waiting for the simulation to pass its recorded_at.
struct Pending {
  int64_t recorded_micros;
  uint64_t sequence;
  v1::Event event;
};
struct PendingLater {
  bool operator()(const Pending& a, const Pending& b) const {
    return std::tie(a.recorded_micros, a.sequence) >
           std::tie(b.recorded_micros, b.sequence);
  }
};

// A case's next timer.
struct Wake {
  absl::CivilDay day;
  uint64_t sequence;
  uint32_t slot;
  bool operator>(const Wake& other) const {
    return std::tie(day, sequence) > std::tie(other.day, other.sequence);
  }
};

// One run: Run simulates every day of options.from..options.to once,
// calling `sink` with each event written. `options` and `sink` must outlive
// the simulator; Run is called at most once.
class Simulator {
 public:
  Simulator(const GenerateOptions& options, const EventSink& sink);

  GenerateSummary Run();

 private:
  // A case active on `from`, drawn before the simulation runs.
  struct StockCase {
    absl::CivilDay opened_on;
    int jobcentre = 0;
    size_t group = 0;
    absl::CivilDay anchor_on;
    int duration_days = 0;
  };

  // --- The day loop, the warm-up, opening (generate_simulator.cc)

  double ArrivalRate(size_t k) const;
  std::vector<StockCase> WarmUp();
  int DrawDurationDays(size_t g);
  uint32_t AllocateCase();
  Case& InitCase(uint32_t slot, int jobcentre, size_t g,
                 absl::CivilDay anchor_on);
  void OpenNewCase(int jobcentre);
  void OpenStockCase(const StockCase& stock);
  void Process(uint32_t slot);

  // --- Timers (generate_timers.cc)

  void StartTimers(Case& c);
  absl::CivilDay After(absl::CivilDay day) const;
  absl::CivilDay After(absl::CivilDay base, double days) const;
  absl::CivilDay InterviewDue(const Case& c, absl::CivilDay last_on) const;
  absl::CivilDay ScheduleInterview(const Case& c, absl::CivilDay due_on);
  void StartReview(Case& c);
  int OfferDeadlineWeeks(const Case& c) const;
  absl::CivilDay FirstReferral(const Case& c);
  absl::CivilDay NextSwitch(const Case& c);
  void Schedule(uint32_t slot);

  // --- The events of a case (generate_case_events.cc)

  void RecordOpened(Case& c, absl::CivilDay opened_on);
  void ServiceCall(Case& c);
  void Interview(Case& c);
  void Review(Case& c);
  void Refer(Case& c);
  void DecideReferral(Case& c);
  void CancelReferral(Case& c, v1::ReferralCancelReason reason);
  void EndOffer(Case& c);
  void RecordOfferEnded(Case& c, v1::OfferEndReason reason);
  void Switch(Case& c);
  void ChangeCaseworker(Case& c, Team team, v1::CaseworkerChangeReason reason);
  void Pause(Case& c);
  void Resume(Case& c);
  void Regroup(Case& c);
  void RecordGroupChange(Case& c, size_t g, absl::CivilDay anchor_on);
  bool EndPeriod(Case& c);
  void StartJobafklaring(Case& c);
  void Close(Case& c);

  // --- Recording (generate_recording.cc)

  const Jobcentre& Jc(const Case& c) const { return jobcentres_[c.jobcentre]; }
  v1::Event NewEvent(Case& c, absl::CivilDay occurred_on);
  int64_t RecordingMicros(const Case& c, absl::CivilDay day);
  void RecordStructural(Case& c, v1::Event event);
  void RecordLeaf(Case& c, v1::Event event);
  void Correct(Case& c, const v1::Event& original, int64_t recorded_micros);
  void Push(int64_t recorded_micros, v1::Event event);
  void Emit(int64_t until_micros);

  const GenerateOptions& options_;
  const EventSink& sink_;
  Rng rng_;
  std::vector<Jobcentre> jobcentres_;
  absl::CivilDay today_;

  // Active cases; a closed case's slot is reused.
  std::vector<Case> cases_;
  std::vector<uint32_t> free_slots_;
  std::priority_queue<Wake, std::vector<Wake>, std::greater<Wake>> wakes_;
  uint64_t wake_sequence_ = 0;

  // A min-heap on (recorded_micros, sequence).
  std::vector<Pending> pending_;
  uint64_t pending_sequence_ = 0;
  int64_t last_emitted_micros_ = 0;
  // Cases opened so far, written or not; numbers the cases.
  int64_t cases_opened_ = 0;

  GenerateSummary summary_;
};

}  // namespace caseline::generate_internal

#endif  // CASELINE_TOOLS_INTERNAL_GENERATE_SIMULATOR_H_
