// A synthetic but realistic event log of Danish jobcentres, for trying,
// demonstrating and measuring caseline (`caseline generate`).
//
// The generator simulates day by day: cases arrive by a Poisson process per
// jobcentre, each active case keeps timers for its next interview, referral,
// offer, caseworker switch, pause and the end of its benefit period, and
// every event it produces waits in a queue keyed by recorded_at until the
// simulation day has passed it. Memory therefore depends on the number of
// active cases and on the late-registration horizon, not on the total.
//
// Its defaults come from the sources in ../shared/domain/sources/ (cited
// next to each constant in internal/generate_model.h). The output is a
// pure function of the options: byte-identical for a seed on every platform
// with IEEE doubles and a correctly rounded libm (the generator draws from
// std::mt19937_64, whose sequence the standard fixes, and implements its own
// distributions).
//
// Every event passes ValidateEventFields(event, GeneratedToday(options)) and,
// per case in recorded_at order, CaseState::Append. recorded_at is strictly
// increasing over the whole output. Events recorded after the end of `to`
// are not written: the log is the one known at the end of that day.
//
// Not thread-safe; each call is independent.
#ifndef CASELINE_TOOLS_GENERATE_H_
#define CASELINE_TOOLS_GENERATE_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "caseline/v1/events.pb.h"

namespace caseline {

// `--scale municipality`: about 20,000 cases over 2018-2020 (issue 4).
inline constexpr int64_t kMunicipalityCases = 20'000;
// `--scale denmark`: about 1,000,000 cases over Denmark's 94 jobcentres (98
// municipalities, some sharing one). With the durations and interview
// cadences of the sources a case averages about 11.5 events, so this is
// about 11.5 million events; about 2,600,000 cases give 30 million.
inline constexpr int64_t kDenmarkCases = 1'000'000;
inline constexpr int kDenmarkJobcentres = 94;

// Limits: a run must end in hours, not days, and ids stay short.
inline constexpr int kJobcentresMax = 1'000;
inline constexpr int64_t kCasesMax = 20'000'000;
// The simulation steps one day at a time; 50 years is ample history.
inline constexpr int kPeriodDaysMax = 50 * 366;

struct GenerateOptions {
  uint64_t seed = 1;
  int jobcentres = 3;
  // Expected number of cases in the output: those active on `from` (the
  // stock a case system would migrate) plus those that begin later.
  int64_t cases = 3'000;
  // The simulated period, inclusive.
  absl::CivilDay from = absl::CivilDay(2018, 1, 1);
  absl::CivilDay to = absl::CivilDay(2020, 12, 31);
};

// What a run produced, for the command's summary line and for tests.
struct GenerateSummary {
  int64_t events = 0;
  // Cases in the output: those whose case_opened is written.
  int64_t cases = 0;
  // Cases opened in the period whose case_opened is recorded after the end
  // of `to` (late registrations at the end): simulated but, like all their
  // events, not written, as the log known at the end of `to` lacks them.
  int64_t cases_recorded_after_to = 0;
  // The most cases active at once and the most events waiting for their
  // recorded_at at once: what memory depends on.
  int64_t active_cases_max = 0;
  int64_t pending_events_max = 0;
};

// The day to pass to ValidateEventFields as the server's today: the day
// after `to`, when the generated log would be imported.
inline absl::CivilDay GeneratedToday(const GenerateOptions& options) {
  return options.to + 1;
}

// Returns INVALID_ARGUMENT "<option>: <problem>" for options out of range.
absl::Status CheckGenerateOptions(const GenerateOptions& options);

// Calls `sink` with each event, recorded_at set, in recorded_at order.
using EventSink = std::function<void(const v1::Event&)>;
absl::StatusOr<GenerateSummary> GenerateEvents(const GenerateOptions& options,
                                               const EventSink& sink);

// Appends `event` as protobuf prints it in JSON with proto field names.
// Returns INTERNAL if protobuf cannot print it.
absl::Status AppendEventJson(const v1::Event& event, std::string* out);

// Writes the events as JSON lines (protobuf JSON, proto field names).
// Returns INTERNAL if an event cannot be printed, DATA_LOSS if `out` fails.
absl::StatusOr<GenerateSummary> WriteJsonLines(const GenerateOptions& options,
                                               std::ostream& out);

}  // namespace caseline

#endif  // CASELINE_TOOLS_GENERATE_H_
