#include "tools/generate_command.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "projections/dates.h"
#include "tools/client.h"

namespace caseline::cli {
namespace {

CLI::Validator DateValidator() {
  return CLI::Validator(
      [](std::string& text) {
        return std::string(ParseDate(text).status().message());
      },
      "YYYY-MM-DD");
}

// The output stream buffer: large writes for a long stream of short lines.
constexpr size_t kOutputBufferBytes = 1 << 20;

// The line on stderr after a run. States the cases left out at the end, so
// that it agrees with the case count of the log the output makes.
std::string SummaryLine(const GenerateOptions& options,
                        const GenerateSummary& summary, double seconds) {
  std::string line = absl::StrFormat(
      "generated %d events of %d cases in %.1f s (%.0f events/s); at most "
      "%d cases active and %d events pending at once",
      summary.events, summary.cases, seconds,
      summary.events / std::max(seconds, 1e-9), summary.active_cases_max,
      summary.pending_events_max);
  if (summary.cases_recorded_after_to > 0) {
    absl::StrAppend(&line, "; ", summary.cases_recorded_after_to,
                    " more cases opened by ", FormatDate(options.to),
                    " are registered only after it and left out");
  }
  return line + "\n";
}

}  // namespace

CLI::App* AddGenerateCommand(CLI::App* app, GenerateArguments* arguments) {
  GenerateOptions& options = arguments->options;
  CLI::App* command = app->add_subcommand(
      "generate",
      "Write a synthetic jobcentre event log as JSON lines, ordered by "
      "recorded_at (no server needed)");
  command->add_option("--seed", options.seed, "Random seed")
      ->capture_default_str();
  arguments->jobcentres_option =
      command
          ->add_option("--jobcentres", options.jobcentres,
                       absl::StrFormat("Number of jobcentres (default 3; %d "
                                       "with --scale denmark)",
                                       kDenmarkJobcentres))
          ->check(CLI::Range(1, kJobcentresMax));
  CLI::Option* cases =
      command
          ->add_option("--cases", options.cases,
                       "Expected number of cases: those active on --from "
                       "plus those that begin later")
          ->capture_default_str()
          ->check(CLI::Range(int64_t{1}, kCasesMax));
  command
      ->add_option("--scale", arguments->scale,
                   absl::StrFormat("municipality (%d cases) or denmark (%d "
                                   "cases)",
                                   kMunicipalityCases, kDenmarkCases))
      ->check(CLI::IsMember({"municipality", "denmark"}))
      ->excludes(cases);
  command->add_option("--from", arguments->from, "First simulated day")
      ->capture_default_str()
      ->check(DateValidator());
  command->add_option("--to", arguments->to, "Last simulated day")
      ->capture_default_str()
      ->check(DateValidator());
  command->add_option("--out", arguments->out, "Output file; default stdout");
  return command;
}

int RunGenerate(GenerateArguments arguments) {
  GenerateOptions& options = arguments.options;
  if (arguments.scale == "municipality") options.cases = kMunicipalityCases;
  if (arguments.scale == "denmark") {
    options.cases = kDenmarkCases;
    if (arguments.jobcentres_option->count() == 0) {
      options.jobcentres = kDenmarkJobcentres;
    }
  }
  // The validators accepted both dates.
  options.from = *ParseDate(arguments.from);
  options.to = *ParseDate(arguments.to);
  if (absl::Status status = CheckGenerateOptions(options); !status.ok()) {
    std::cerr << "error: " << status.message() << "\n";
    return kExitUsage;
  }

  std::ofstream file;
  std::vector<char> buffer(kOutputBufferBytes);
  if (!arguments.out.empty()) {
    file.rdbuf()->pubsetbuf(buffer.data(), buffer.size());
    file.open(arguments.out, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "error: --out: cannot open " << arguments.out << "\n";
      return kExitFile;
    }
  }
  std::ostream& out = arguments.out.empty() ? std::cout : file;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<GenerateSummary> summary = WriteJsonLines(options, out);
  out.flush();
  if (!summary.ok() || !out.good()) {
    std::cerr << "error: "
              << (summary.ok() ? "could not write the output"
                               : summary.status().message())
              << "\n";
    return kExitFailure;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::cerr << SummaryLine(options, *summary, seconds);
  return kExitOk;
}

}  // namespace caseline::cli
