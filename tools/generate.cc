// The generator's entry points: the options checked, then the simulator
// run. The model, the simulator and its parts live in tools/internal/.
#include "tools/generate.h"

#include "absl/strings/str_cat.h"
#include "projections/dates.h"
#include "tools/internal/generate_simulator.h"

namespace caseline {

absl::Status CheckGenerateOptions(const GenerateOptions& options) {
  if (options.jobcentres < 1 || options.jobcentres > kJobcentresMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("--jobcentres: ", options.jobcentres,
                     " is not between 1 and ", kJobcentresMax));
  }
  if (options.cases < 1 || options.cases > kCasesMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--cases: ", options.cases, " is not between 1 and ", kCasesMax));
  }
  if (options.to < options.from) {
    return absl::InvalidArgumentError(
        absl::StrCat("--to: ", FormatDate(options.to), " is before --from ",
                     FormatDate(options.from)));
  }
  if (options.to - options.from >= kPeriodDaysMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--from/--to: the period is longer than ", kPeriodDaysMax, " days"));
  }
  if (options.from.year() < 1900 || options.to.year() > 9000) {
    return absl::InvalidArgumentError(
        "--from/--to: years must lie between 1900 and 9000");
  }
  return absl::OkStatus();
}

absl::StatusOr<GenerateSummary> GenerateEvents(const GenerateOptions& options,
                                               const EventSink& sink) {
  absl::Status status = CheckGenerateOptions(options);
  if (!status.ok()) return status;
  generate_internal::Simulator simulator(options, sink);
  return simulator.Run();
}

}  // namespace caseline
