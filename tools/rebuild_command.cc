// `caseline rebuild`: Admin.Rebuild with a progress line on a terminal, and
// Ctrl-C that cancels. A cancel can arrive after the server has switched
// already; the client then asks the server which version is active and says
// which of the two happened, in words and in its exit status.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/client.h"
#include "tools/exit_codes.h"
#include "tools/format.h"
#include "tools/time_args.h"

namespace caseline::cli {
namespace {

// Set by SIGINT while a rebuild runs; read by the thread that cancels.
volatile std::sig_atomic_t interrupted = 0;

extern "C" void OnInterrupt(int /*signal*/) { interrupted = 1; }

// How often the canceller looks at `interrupted`: quick enough that Ctrl-C
// feels immediate, rare enough to cost nothing.
constexpr auto kInterruptPoll = std::chrono::milliseconds(20);
// After a cancel the server removes the shadow version (or has switched);
// how long the client waits for it to say which, polling at kSettlePoll.
constexpr absl::Duration kSettleTimeout = absl::Seconds(30);
constexpr absl::Duration kSettlePoll = absl::Milliseconds(100);

// While alive: SIGINT sets `interrupted`, and a thread cancels `context`
// when it is set. The previous SIGINT handling comes back afterwards.
class CancelOnInterrupt {
 public:
  explicit CancelOnInterrupt(grpc::ClientContext* context) {
    interrupted = 0;
    struct sigaction action = {};
    action.sa_handler = OnInterrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_);
    watcher_ = std::thread([this, context] {
      while (!done_) {
        if (interrupted != 0) {
          context->TryCancel();
          return;
        }
        std::this_thread::sleep_for(kInterruptPoll);
      }
    });
  }
  ~CancelOnInterrupt() {
    done_ = true;
    watcher_.join();
    sigaction(SIGINT, &previous_, nullptr);
  }
  CancelOnInterrupt(const CancelOnInterrupt&) = delete;
  CancelOnInterrupt& operator=(const CancelOnInterrupt&) = delete;

  bool interrupted_now() const { return interrupted != 0; }

 private:
  struct sigaction previous_ = {};
  std::atomic<bool> done_{false};
  std::thread watcher_;
};

grpc::Status ProjectionStatus(const ClientOptions& options,
                              v1::GetProjectionStatusResponse* response) {
  grpc::ClientContext context;
  SetUnaryDeadline(options, &context);
  return MakeAdminStub(options)->GetProjectionStatus(
      &context, v1::GetProjectionStatusRequest(), response);
}

// After Ctrl-C: waits until the server runs no rebuild, then says whether
// the rebuild was cancelled (exit 130) or had switched already (exit 0).
int ReportInterrupted(const ClientOptions& options, uint32_t active_before) {
  const absl::Time deadline = absl::Now() + kSettleTimeout;
  v1::GetProjectionStatusResponse status;
  for (;;) {
    const grpc::Status asked = ProjectionStatus(options, &status);
    if (!asked.ok()) {
      std::cerr << "interrupted; cannot tell whether the rebuild was "
                   "cancelled: ";
      PrintError(asked);
      return kExitInterrupted;
    }
    if (status.rebuilding_version() == 0) break;
    if (absl::Now() >= deadline) {
      std::cerr << absl::StrFormat(
          "interrupted; the server is still building version %d after %s: "
          "see `caseline status`\n",
          status.rebuilding_version(), absl::FormatDuration(kSettleTimeout));
      return kExitInterrupted;
    }
    absl::SleepFor(kSettlePoll);
  }
  if (status.active_version() > active_before) {
    std::cerr << absl::StrFormat(
        "too late to cancel: the rebuild had switched to projection "
        "version %d\n",
        status.active_version());
    return kExitOk;
  }
  std::cerr << absl::StrFormat(
      "cancelled; projection version %d stays active\n",
      status.active_version());
  return kExitInterrupted;
}

void PrintProgressLine(const v1::RebuildProgress& progress) {
  const double share = progress.events_total() > 0
                           ? static_cast<double>(progress.events_done()) /
                                 static_cast<double>(progress.events_total())
                           : 1.0;
  std::cerr << absl::StrFormat(
      "\rrebuilding version %d: %d of %d events (%.0f%%), %d cases, "
      "%.0f events/s, %.0f s left   ",
      progress.projection_version(), progress.events_done(),
      progress.events_total(), share * 100, progress.cases_done(),
      progress.events_per_second(), progress.eta_seconds());
}

}  // namespace

int RunRebuild(const ClientOptions& options) {
  // The version active before: after a Ctrl-C, a higher one means the
  // rebuild switched.
  v1::GetProjectionStatusResponse before;
  if (const grpc::Status asked = ProjectionStatus(options, &before);
      !asked.ok()) {
    PrintError(asked);
    return kExitRejected;
  }
  grpc::ClientContext context;
  CancelOnInterrupt cancel(&context);
  std::unique_ptr<grpc::ClientReader<v1::RebuildProgress>> reader =
      MakeAdminStub(options)->Rebuild(&context, v1::RebuildRequest());
  const bool terminal = isatty(STDERR_FILENO) == 1 && !options.json;
  v1::RebuildProgress progress;
  v1::RebuildProgress last;
  while (reader->Read(&progress)) {
    last = progress;
    if (options.json) {
      std::cout << MessageToJson(progress) << "\n";
      std::cout.flush();
    } else if (terminal) {
      PrintProgressLine(progress);
    }
  }
  if (terminal) std::cerr << "\n";
  const grpc::Status status = reader->Finish();
  if (cancel.interrupted_now()) {
    return ReportInterrupted(options, before.active_version());
  }
  if (!status.ok()) {
    PrintError(status);
    return kExitRejected;
  }
  if (!options.json) {
    std::cout << absl::StrFormat(
        "switched to projection version %d: %d events of %d cases, %.0f "
        "events/s\n",
        last.projection_version(), last.events_done(), last.cases_done(),
        last.events_per_second());
  }
  return kExitOk;
}

int RunStatus(const ClientOptions& options) {
  v1::GetProjectionStatusResponse status;
  if (const grpc::Status asked = ProjectionStatus(options, &status);
      !asked.ok()) {
    PrintError(asked);
    return kExitRejected;
  }
  if (options.json) {
    std::cout << MessageToJson(status) << "\n";
    return kExitOk;
  }
  std::cout << absl::StrFormat(
      "projection version %d active: materialized to log position %d of "
      "%d\n",
      status.active_version(), status.materialized_position(),
      status.last_position());
  std::cout << (status.rebuilding_version() == 0
                    ? std::string("no rebuild running\n")
                    : absl::StrFormat("rebuilding version %d\n",
                                      status.rebuilding_version()));
  return kExitOk;
}

namespace {

// How long `backup` waits at least, whatever --timeout says.
constexpr double kBackupTimeoutMinSeconds = 3600;

}  // namespace

int RunBackup(const ClientOptions& options) {
  v1::BackupResponse backup;
  grpc::ClientContext context;
  // The first backup copies the whole store: minutes on a large one.
  ClientOptions longer = options;
  longer.timeout_seconds =
      std::max(options.timeout_seconds, kBackupTimeoutMinSeconds);
  SetUnaryDeadline(longer, &context);
  const grpc::Status status =
      MakeAdminStub(options)->Backup(&context, v1::BackupRequest(), &backup);
  if (!status.ok()) {
    PrintError(status);
    return kExitRejected;
  }
  if (options.json) {
    std::cout << MessageToJson(backup) << "\n";
    return kExitOk;
  }
  std::cout << absl::StrFormat(
      "backup %d in %s: every event to log position %d (recorded %s), %d "
      "files, %d bytes, %s\n",
      backup.backup_id(), backup.directory(), backup.last_position(),
      FormatKnownAt(backup.last_recorded_at()), backup.files(),
      backup.size_bytes(), backup.checksum());
  return kExitOk;
}

}  // namespace caseline::cli
