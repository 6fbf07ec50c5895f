#include "tools/append_stream.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <condition_variable>
#include <deque>
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

// Appends sent but not yet answered. Enough to keep the server's write
// batches full across a network round trip; few enough that a stalled
// server stops the reader within a few MiB of buffered requests.
constexpr int kInFlightMax = 4096;

// Appends one BulkAppend message carries, and its size: enough that a
// message's own cost (a syscall, a wake-up, a future on each side) is small
// beside its appends' work; under the server's limit of store::
// kBulkAppendsMax appends and well under its 8 MiB message limit. A message
// holds at least one append, whatever its size.
constexpr size_t kAppendsPerMessageMax = 500;
constexpr size_t kMessageBytesMax = 1024 * 1024;

// Requests read from the source and not yet sent: a message's worth twice
// over, so that the reader is a message ahead of the writer.
constexpr size_t kReadAheadMax = 2 * kAppendsPerMessageMax;

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
  // Blocks until `count` more fit under kInFlightMax (or nothing is in
  // flight), then counts them. Returns false, counting nothing, once Close
  // was called.
  bool Acquire(int count) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] {
      return closed_ || in_flight_ == 0 || in_flight_ + count <= kInFlightMax;
    });
    if (closed_) return false;
    in_flight_ += count;
    return true;
  }

  void Release(int count) {
    std::lock_guard<std::mutex> lock(mu_);
    assert(in_flight_ >= count);
    in_flight_ -= count;
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

using Stream =
    grpc::ClientReaderWriter<v1::BulkAppendRequest, v1::BulkAppendResponse>;

// The requests read from the source and not yet sent, at most
// kReadAheadMax of them. One thread reads the source into it, another takes
// whatever has come in, up to a message's worth, and sends it: a message
// fills while the last one is sent, and a slow source (a pipe) never holds
// a request back waiting for more. Thread-safe.
class ReadAhead {
 public:
  // Blocks while full. Returns false, keeping nothing, once Stop was called.
  bool Push(v1::AppendRequest request) {
    std::unique_lock<std::mutex> lock(mu_);
    room_.wait(lock, [&] { return stopped_ || queue_.size() < kReadAheadMax; });
    if (stopped_) return false;
    queue_.push_back(std::move(request));
    if (queue_.size() == 1) ready_.notify_one();
    return true;
  }

  // The source is read to its end.
  void Finish() {
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
    ready_.notify_all();
  }

  // Take no more: wakes and refuses the reader.
  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    room_.notify_all();
    ready_.notify_all();
  }

  bool stopped() {
    std::lock_guard<std::mutex> lock(mu_);
    return stopped_;
  }

  // Blocks until a request is there, then moves the first ones into
  // `message`: up to kAppendsPerMessageMax and kMessageBytesMax (at least
  // one). Returns false when there is none and there will be none.
  bool Take(v1::BulkAppendRequest* message) {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [&] { return stopped_ || finished_ || !queue_.empty(); });
    if (stopped_ || queue_.empty()) return false;
    size_t bytes = 0;
    while (!queue_.empty() &&
           message->appends_size() < static_cast<int>(kAppendsPerMessageMax)) {
      const size_t size = queue_.front().ByteSizeLong();
      if (message->appends_size() > 0 && bytes + size > kMessageBytesMax) {
        break;
      }
      bytes += size;
      *message->add_appends() = std::move(queue_.front());
      queue_.pop_front();
    }
    room_.notify_one();
    return true;
  }

 private:
  std::mutex mu_;
  std::condition_variable ready_;
  std::condition_variable room_;
  std::deque<v1::AppendRequest> queue_;  // Guarded by mu_.
  bool finished_ = false;                // Guarded by mu_.
  bool stopped_ = false;                 // Guarded by mu_.
};

// Reads every request of `source` into `ahead`, and the rejections the
// source finds into `rejections`, until its end or until `ahead` stops.
void ReadRequests(RequestSource& source, ReadAhead& ahead,
                  RejectionLog& rejections) {
  v1::AppendRequest request;
  Rejection rejection;
  for (;;) {
    switch (source.Next(&request, &rejection)) {
      case SourceItem::kEnd:
        ahead.Finish();
        return;
      case SourceItem::kSkip:
        continue;
      case SourceItem::kRejected:
        rejections.Add(std::move(rejection));
        continue;
      case SourceItem::kRequest:
        if (!ahead.Push(std::move(request))) return;
        request.Clear();
        continue;
    }
  }
}

// Sends what `ahead` gives, a message at a time, then ends the stream's
// sending side. Stops early when the window closes (the answering thread
// stopped the load or the stream ended) or a write fails.
WriterOutcome WriteRequests(RequestSource& source, ReadAhead& ahead,
                            Stream& stream, InFlightWindow& window,
                            Counters& counters) {
  for (;;) {
    v1::BulkAppendRequest message;
    if (!ahead.Take(&message)) {
      stream.WritesDone();
      if (ahead.stopped()) return WriterOutcome::kStopped;
      // The reader has finished: what it saw of the source is visible here
      // through the lock of `ahead`.
      return source.Error().empty() ? WriterOutcome::kAllSent
                                    : WriterOutcome::kInputFailed;
    }
    const int count = message.appends_size();
    if (!window.Acquire(count)) {
      // Lets the server answer what was sent and end the stream.
      stream.WritesDone();
      return WriterOutcome::kStopped;
    }
    uint64_t line = 0;
    const bool numbered =
        absl::SimpleAtoi(message.appends(count - 1).correlation_id(), &line);
    if (!stream.Write(message)) return WriterOutcome::kStreamFailed;
    counters.sent += static_cast<uint64_t>(count);
    if (numbered) counters.last_sent_line = line;
  }
}

// Why the answering thread stopped the load early, if it did. Only the
// answering thread writes it, before the writer is joined.
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
  if (rpc == AppendRpc::kBulkImportHistory) {
    return MakeAdminStub(options)->BulkImportHistory(context);
  }
  return MakeStub(options)->BulkAppend(context);
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
  ReadAhead ahead;
  std::thread reader([&] { ReadRequests(source, ahead, rejections); });
  WriterOutcome outcome = WriterOutcome::kAllSent;
  std::thread writer([&] {
    outcome = WriteRequests(source, ahead, *stream, window, counters);
  });
  v1::BulkAppendResponse response;
  Stop stop;
  while (stream->Read(&response)) {
    window.Release(response.answers_size());
    for (const v1::AppendResponse& answer : response.answers()) {
      CountResponse(answer, counters, rejections, &stop);
    }
    // Stop sending; the answers to what was sent still come.
    if (counters.unavailable > 0 || stop.history_after_log) {
      window.Close();
      ahead.Stop();
    }
    progress.Update(counters, rejections);
  }
  window.Close();
  ahead.Stop();
  writer.join();
  reader.join();
  const grpc::Status status = stream->Finish();
  progress.Clear();

  const Problem problem = FindProblem(status, outcome, stop, source, counters);
  PrintSummary(options.json, counters, rejections, stop, problem, words);
  if (!problem.error.empty()) return problem.exit_code;
  return rejections.count() == 0 ? kExitOk : kExitRejected;
}

}  // namespace caseline::cli
