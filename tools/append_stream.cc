#include "tools/append_stream.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/format.h"

namespace caseline::cli {
namespace {

// Requests sent but not yet answered. Enough to keep the server's write batches
// full across a network round trip; few enough that a stalled server stops the
// reader within a few MiB of buffered requests.
constexpr int kInFlightMax = 1024;

// Five updates a second looks live without the terminal slowing the load.
constexpr absl::Duration kProgressInterval = absl::Milliseconds(200);

// A screenful of rejections shows the pattern; the rest are counted.
constexpr size_t kRejectionsListedMax = 100;

std::string RejectionJson(const Rejection& rejection) {
  return JsonObject()
      .Add("line", rejection.line)
      .Add("code", rejection.code)
      .Add("message", rejection.message)
      .str();
}

// Rejections from both threads. With json, prints each at once on stdout;
// otherwise keeps the kRejectionsListedMax lowest lines for the summary.
// Thread-safe.
class RejectionLog {
 public:
  explicit RejectionLog(bool json) : json_(json) {}

  void Add(Rejection rejection) {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    if (json_) {
      std::cout << RejectionJson(rejection) << "\n";
      return;
    }
    listed_.push(std::move(rejection));
    if (listed_.size() > kRejectionsListedMax) listed_.pop();
  }

  uint64_t count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

  // The kept rejections by line.
  std::vector<Rejection> Listed() const {
    std::lock_guard<std::mutex> lock(mu_);
    auto copy = listed_;
    std::vector<Rejection> sorted;
    for (; !copy.empty(); copy.pop()) sorted.push_back(copy.top());
    std::reverse(sorted.begin(), sorted.end());
    return sorted;
  }

 private:
  struct LaterLine {
    bool operator()(const Rejection& a, const Rejection& b) const {
      return a.line < b.line;
    }
  };

  const bool json_;
  mutable std::mutex mu_;
  uint64_t count_ = 0;  // Guarded by mu_.
  // A max-heap on line: the top is the first to drop. Guarded by mu_.
  std::priority_queue<Rejection, std::vector<Rejection>, LaterLine> listed_;
};

// Bounds the requests sent but not yet answered. Thread-safe.
class InFlightWindow {
 public:
  // Blocks until fewer than kInFlightMax are in flight, then counts one more.
  // Returns false, counting nothing, once Close was called.
  bool Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return closed_ || in_flight_ < kInFlightMax; });
    if (closed_) return false;
    ++in_flight_;
    return true;
  }

  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    assert(in_flight_ > 0);
    --in_flight_;
    cv_.notify_one();
  }

  // Send no more: wakes and refuses the writer.
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;    // Guarded by mu_.
  bool closed_ = false;  // Guarded by mu_.
};

// Written by both threads, read by the progress line and the summary.
struct Counters {
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> appended{0};
  std::atomic<uint64_t> already_stored{0};
  std::atomic<uint64_t> rejected_by_server{0};
  // Answered UNAVAILABLE: not stored, but not the line's fault either.
  std::atomic<uint64_t> unavailable{0};
  // Refused after the import stopped: the same cause as the stop.
  std::atomic<uint64_t> refused_after_stop{0};
  // The line of the latest request sent.
  std::atomic<uint64_t> last_sent_line{0};
  // The line of the latest response; tells the user how far a broken
  // stream got.
  std::atomic<uint64_t> last_answered_line{0};

  uint64_t accepted() const { return appended + already_stored; }
  uint64_t answered() const {
    return accepted() + rejected_by_server + unavailable + refused_after_stop;
  }
};

enum class WriterOutcome { kAllSent, kInputFailed, kStopped, kStreamFailed };

using Stream = grpc::ClientReaderWriter<v1::AppendRequest, v1::AppendResponse>;

// Sends every request of `source`, then ends the stream's sending side.
// Stops early when the window closes (the reader stopped the load or the
// stream ended) or a write fails.
WriterOutcome WriteRequests(RequestSource& source, Stream& stream,
                            InFlightWindow& window, RejectionLog& rejections,
                            Counters& counters) {
  v1::AppendRequest request;
  Rejection rejection;
  for (;;) {
    switch (source.Next(&request, &rejection)) {
      case SourceItem::kEnd: {
        stream.WritesDone();
        return source.Error().empty() ? WriterOutcome::kAllSent
                                      : WriterOutcome::kInputFailed;
      }
      case SourceItem::kSkip:
        continue;
      case SourceItem::kRejected:
        rejections.Add(std::move(rejection));
        continue;
      case SourceItem::kRequest:
        break;
    }
    if (!window.Acquire()) {
      // Lets the server answer what was sent and end the stream.
      stream.WritesDone();
      return WriterOutcome::kStopped;
    }
    if (!stream.Write(request)) return WriterOutcome::kStreamFailed;
    ++counters.sent;
    uint64_t line = 0;
    if (absl::SimpleAtoi(request.correlation_id(), &line)) {
      counters.last_sent_line = line;
    }
  }
}

// Why the reading thread stopped the load early, if it did. Only the
// reading thread writes it, before the writer is joined.
struct Stop {
  // The first UNAVAILABLE answer.
  uint64_t unavailable_line = 0;
  std::string unavailable_message;
  // The first import line whose recorded_at is before the log's last.
  bool history_after_log = false;
  Rejection history_refusal;
};

// Counts one answer. UNAVAILABLE (the server is closing, its queue is full or
// its disk failed) is no fault of the line: it ends the load, and appending
// the file again later finishes it. A recorded_at before the log's last ends
// an import: every later line would be refused as well, so they are counted
// as its follow-ons, not listed.
void CountResponse(const v1::AppendResponse& response, Counters& counters,
                   RejectionLog& rejections, Stop* stop) {
  uint64_t line = 0;
  if (!absl::SimpleAtoi(response.correlation_id(), &line)) line = 0;
  counters.last_answered_line = line;
  const int code = response.status_code();
  if (code == grpc::StatusCode::UNAVAILABLE) {
    if (counters.unavailable++ == 0) {
      stop->unavailable_line = line;
      stop->unavailable_message = response.status_message();
    }
  } else if (code != grpc::StatusCode::OK && stop->history_after_log) {
    ++counters.refused_after_stop;
  } else if (code != grpc::StatusCode::OK) {
    ++counters.rejected_by_server;
    Rejection rejection{line, StatusCodeName(code), response.status_message()};
    if (IsRecordedBeforeLog(code, response.status_message())) {
      stop->history_after_log = true;
      stop->history_refusal = rejection;
    }
    rejections.Add(std::move(rejection));
  } else if (response.deduplicated()) {
    ++counters.already_stored;
  } else {
    ++counters.appended;
  }
}

// One line on stderr, rewritten in place; only on a terminal.
class Progress {
 public:
  explicit Progress(const RequestSource& source)
      : enabled_(isatty(STDERR_FILENO) == 1), source_(source) {}

  void Update(const Counters& counters, const RejectionLog& rejections) {
    if (!enabled_) return;
    const absl::Time now = absl::Now();
    if (now - shown_at_ < kProgressInterval) return;
    shown_at_ = now;
    const double seconds = absl::ToDoubleSeconds(now - started_at_);
    const double rate = seconds > 0 ? counters.accepted() / seconds : 0;
    std::cerr << absl::StrFormat(
                     "\r\x1b[K%d sent, %d accepted, %d rejected, %.0f events/s",
                     counters.sent.load(), counters.accepted(),
                     rejections.count(), rate)
              << Remaining(seconds) << std::flush;
    shown_ = true;
  }

  void Clear() {
    if (shown_) std::cerr << "\r\x1b[K" << std::flush;
  }

 private:
  // ", 42% read, ETA 1:05", from the share of the input read so far.
  std::string Remaining(double seconds) const {
    const double done = std::min(1.0, source_.ShareRead());
    if (done <= 0) return "";
    const int64_t left = static_cast<int64_t>(seconds * (1 - done) / done);
    return absl::StrFormat(", %.0f%% read, ETA %d:%02d", 100 * done, left / 60,
                           left % 60);
  }

  const bool enabled_;
  const RequestSource& source_;
  const absl::Time started_at_ = absl::Now();
  absl::Time shown_at_ = absl::InfinitePast();
  bool shown_ = false;
};

// What went wrong with the stream or the input; empty `error` if nothing.
struct Problem {
  std::string error;
  // How far the load got, on a line of its own; may be empty.
  std::string progress;
  int exit_code = kExitOk;
};

// The one line that explains an import stopped by a recorded_at before the
// log's last, with the remedy.
std::string HistoryAfterLogError(const Rejection& refusal) {
  return absl::StrCat(
      "import-history stopped at line ", refusal.line, ": ", refusal.message,
      ". This server's log already holds events recorded after this history, "
      "so every later line would be refused too: import history into a "
      "fresh server (its own --data directory and ports) before any live "
      "append");
}

std::string LoadProgress(const Counters& counters) {
  const uint64_t answered = counters.answered();
  std::string progress = absl::StrCat(
      counters.sent.load(), " lines sent (through line ",
      counters.last_sent_line.load(), "), ", answered, " acknowledged");
  if (answered > 0) {
    absl::StrAppend(&progress, " (through line ",
                    counters.last_answered_line.load(), ")");
  }
  if (counters.unavailable > 0) {
    absl::StrAppend(&progress, ", ", counters.unavailable.load(),
                    " of them UNAVAILABLE and not stored");
  }
  absl::StrAppend(&progress,
                  "; appending the file again is safe: events stored already "
                  "are reported as already stored");
  return progress;
}

Problem FindProblem(const grpc::Status& status, WriterOutcome outcome,
                    const Stop& stop, const RequestSource& source,
                    const Counters& counters) {
  Problem problem;
  if (stop.history_after_log) {
    problem.error = HistoryAfterLogError(stop.history_refusal);
    problem.exit_code = kExitHistoryAfterLog;
    return problem;
  }
  if (!status.ok()) {
    problem.error = absl::StrCat(StatusCodeName(status.error_code()), ": ",
                                 status.error_message());
  } else if (counters.unavailable > 0) {
    problem.error = absl::StrCat("UNAVAILABLE: ", stop.unavailable_message,
                                 " (line ", stop.unavailable_line, ")");
  } else if (outcome == WriterOutcome::kStreamFailed ||
             counters.answered() < counters.sent) {
    problem.error = "the server ended the stream before answering every line";
  } else if (outcome == WriterOutcome::kInputFailed) {
    problem.error = absl::StrCat("reading the input failed: ", source.Error());
  } else {
    return problem;
  }
  problem.progress = LoadProgress(counters);
  problem.exit_code = kExitFailure;
  return problem;
}

void PrintJsonSummary(const Counters& counters, const RejectionLog& rejections,
                      const Problem& problem, const SummaryWords& words) {
  JsonObject summary;
  summary.Add(std::string(words.stored), counters.appended)
      .Add("already_stored", counters.already_stored)
      .Add("rejected", rejections.count());
  if (!problem.error.empty()) {
    summary.Add("error", problem.error)
        .Add("acknowledged", counters.answered())
        .Add("unavailable", counters.unavailable)
        .Add("refused_after_stop", counters.refused_after_stop)
        .Add("sent", counters.sent);
  }
  std::cout << summary.str() << "\n" << std::flush;
}

void PrintSummary(bool json, const Counters& counters,
                  const RejectionLog& rejections, const Stop& stop,
                  const Problem& problem, const SummaryWords& words) {
  if (!problem.error.empty()) {
    std::cerr << "error: " << problem.error << "\n";
    if (!problem.progress.empty()) std::cerr << problem.progress << "\n";
  }
  if (json) return PrintJsonSummary(counters, rejections, problem, words);
  std::cerr << counters.appended << " " << words.stored << ", "
            << counters.already_stored << " already stored, "
            << rejections.count() << " " << words.rejected;
  if (stop.history_after_log) {
    std::cerr << "; " << counters.refused_after_stop
              << " more lines sent were refused for the same reason, the "
                 "rest were not sent";
  }
  std::cerr << "\n";
  // The line that stopped an import is in the error line already.
  const uint64_t stop_line =
      stop.history_after_log ? stop.history_refusal.line : 0;
  const std::vector<Rejection> listed = rejections.Listed();
  for (const Rejection& rejection : listed) {
    if (stop_line != 0 && rejection.line == stop_line) continue;
    std::cerr << "line " << rejection.line << ": " << rejection.code << ": "
              << rejection.message << "\n";
  }
  if (rejections.count() > listed.size()) {
    std::cerr << "... and " << rejections.count() - listed.size() << " more\n";
  }
}

std::unique_ptr<Stream> OpenStream(const ClientOptions& options, AppendRpc rpc,
                                   grpc::ClientContext* context) {
  if (rpc == AppendRpc::kImportHistory) {
    return MakeAdminStub(options)->ImportHistory(context);
  }
  return MakeStub(options)->BatchAppend(context);
}

}  // namespace

bool IsRecordedBeforeLog(int status_code, std::string_view message) {
  const absl::string_view text(message.data(), message.size());
  return status_code == grpc::StatusCode::FAILED_PRECONDITION &&
         absl::StrContains(text, "recorded_at: ") &&
         absl::StrContains(text, "is before the log's last recorded_at");
}

int StreamAppend(const ClientOptions& options, AppendRpc rpc,
                 RequestSource& source, const SummaryWords& words) {
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = OpenStream(options, rpc, &context);
  InFlightWindow window;
  RejectionLog rejections(options.json);
  Counters counters;
  Progress progress(source);
  WriterOutcome outcome = WriterOutcome::kAllSent;
  std::thread writer([&] {
    outcome = WriteRequests(source, *stream, window, rejections, counters);
  });
  v1::AppendResponse response;
  Stop stop;
  while (stream->Read(&response)) {
    window.Release();
    CountResponse(response, counters, rejections, &stop);
    // Stop sending; the answers to what was sent still come.
    if (counters.unavailable > 0 || stop.history_after_log) window.Close();
    progress.Update(counters, rejections);
  }
  window.Close();
  writer.join();
  const grpc::Status status = stream->Finish();
  progress.Clear();

  const Problem problem = FindProblem(status, outcome, stop, source, counters);
  PrintSummary(options.json, counters, rejections, stop, problem, words);
  if (!problem.error.empty()) return problem.exit_code;
  return rejections.count() == 0 ? kExitOk : kExitRejected;
}

}  // namespace caseline::cli
