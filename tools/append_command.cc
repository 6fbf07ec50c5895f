// `append`: streams JSON lines to BatchAppend, one AppendRequest per line.
//
// Two threads share the one stream: a writer reads, parses and sends lines;
// the calling thread reads the responses, which come back in the order sent,
// each naming its line in correlation_id. InFlightWindow keeps the writer at
// most kInFlightMax requests ahead of the answers.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/client.h"
#include "tools/format.h"

namespace caseline::cli {
namespace {

// An event is a few hundred bytes and the server refuses any over 64 KiB, so
// a longer line is not an event; the bound keeps a file without newlines from
// filling memory.
constexpr size_t kLineBytesMax = 1024 * 1024;

// Requests sent but not yet answered. Enough to keep the server's write batches
// full across a network round trip; few enough that a stalled server stops the
// reader within a few MiB of buffered requests.
constexpr int kInFlightMax = 1024;

// Five updates a second looks live without the terminal slowing the load.
constexpr absl::Duration kProgressInterval = absl::Milliseconds(200);

// A screenful of rejections shows the pattern; the rest are counted.
constexpr size_t kRejectionsListedMax = 100;

constexpr char kLocalRejectionCode[] = "INVALID_ARGUMENT";

struct Rejection {
  uint64_t line = 0;
  std::string code;
  std::string message;
};

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

  // No more answers will come: wakes and refuses the writer.
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
  // The line of the latest request sent.
  std::atomic<uint64_t> last_sent_line{0};
  // The line of the latest response; tells the user how far a broken
  // stream got.
  std::atomic<uint64_t> last_answered_line{0};

  uint64_t accepted() const { return appended + already_stored; }
  uint64_t answered() const {
    return accepted() + rejected_by_server + unavailable;
  }
};

// Reads lines of at most kLineBytesMax bytes, skipping the rest of longer
// ones so that memory stays bounded. Not thread-safe.
class LineReader {
 public:
  explicit LineReader(std::FILE* in) : in_(in) {}

  // The next line without its "\n"; false at the end of the input (or on a
  // read error: see failed()). `too_long` says the line was cut.
  bool Next(std::string* line, bool* too_long) {
    line->clear();
    *too_long = false;
    int c;
    bool read_any = false;
    while ((c = getc_unlocked(in_)) != EOF) {
      read_any = true;
      bytes_read_.fetch_add(1, std::memory_order_relaxed);
      if (c == '\n') return true;
      if (line->size() < kLineBytesMax) {
        line->push_back(static_cast<char>(c));
      } else {
        *too_long = true;
      }
    }
    if (std::ferror(in_) != 0) error_ = std::strerror(errno);
    return read_any;
  }

  bool failed() const { return !error_.empty(); }
  // Bytes consumed so far; read by the progress line on another thread.
  uint64_t bytes_read() const {
    return bytes_read_.load(std::memory_order_relaxed);
  }
  // Why reading failed; empty if it did not.
  const std::string& error() const { return error_; }

 private:
  std::FILE* in_;
  std::atomic<uint64_t> bytes_read_{0};
  std::string error_;
};

enum class LineKind { kSkip, kRequest, kRejected };

// The JSON parser's message on one line (the listing has one per rejection).
// The parser writes "<problem>\n<excerpt>\n<spaces>^"; the caret moves into
// the excerpt: "<problem> near: abc^def". Pure.
std::string OneLineParserMessage(std::string message) {
  std::vector<std::string> parts = absl::StrSplit(message, '\n');
  // An error at the root has an empty path: ": Root element must be...".
  std::string problem(absl::StripPrefix(parts[0], ": "));
  if (parts.size() != 3) {
    parts[0] = problem;
    return absl::StrJoin(parts, " ");
  }
  const size_t caret = parts[2].find('^');
  std::string& excerpt = parts[1];
  if (caret == std::string::npos || caret > excerpt.size()) {
    return absl::StrCat(problem, " near: ", excerpt);
  }
  excerpt.insert(caret, "^");
  return absl::StrCat(problem, " near: ", excerpt);
}

// What one input line becomes: nothing (blank or comment), a request, or a
// local rejection. Pure.
LineKind ParseLine(std::string_view line, uint64_t line_number, bool too_long,
                   v1::AppendRequest* request, Rejection* rejection) {
  rejection->line = line_number;
  rejection->code = kLocalRejectionCode;
  if (too_long) {
    rejection->message =
        absl::StrCat("the line is longer than ", kLineBytesMax, " bytes");
    return LineKind::kRejected;
  }
  // absl::string_view is not std::string_view in Debian's abseil.
  const absl::string_view content =
      absl::StripAsciiWhitespace(absl::string_view(line.data(), line.size()));
  if (content.empty() || content.front() == '#') return LineKind::kSkip;

  request->Clear();
  v1::Event* event = request->add_events();
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(content.data(), content.size()), event);
  if (!status.ok()) {
    rejection->message = OneLineParserMessage(std::string(status.message()));
    return LineKind::kRejected;
  }
  if (event->case_id().empty()) {
    rejection->message = "case_id is required: it names the event's case";
    return LineKind::kRejected;
  }
  request->set_case_id(event->case_id());
  request->set_correlation_id(absl::StrCat(line_number));
  return LineKind::kRequest;
}

enum class WriterOutcome { kAllSent, kInputFailed, kStopped, kStreamFailed };

using Stream = grpc::ClientReaderWriter<v1::AppendRequest, v1::AppendResponse>;

// Sends every event line of `lines`, then ends the stream's sending side.
// Stops early when the window closes (the server is unavailable or the
// stream ended) or a write fails.
WriterOutcome WriteRequests(LineReader& lines, Stream& stream,
                            InFlightWindow& window, RejectionLog& rejections,
                            Counters& counters) {
  std::string line;
  bool too_long = false;
  v1::AppendRequest request;
  Rejection rejection;
  for (uint64_t line_number = 1; lines.Next(&line, &too_long); ++line_number) {
    switch (ParseLine(line, line_number, too_long, &request, &rejection)) {
      case LineKind::kSkip:
        continue;
      case LineKind::kRejected:
        rejections.Add(std::move(rejection));
        continue;
      case LineKind::kRequest:
        break;
    }
    if (!window.Acquire()) {
      // Lets the server answer what was sent and end the stream.
      stream.WritesDone();
      return WriterOutcome::kStopped;
    }
    if (!stream.Write(request)) return WriterOutcome::kStreamFailed;
    ++counters.sent;
    counters.last_sent_line = line_number;
  }
  const bool input_failed = lines.failed();
  stream.WritesDone();
  return input_failed ? WriterOutcome::kInputFailed : WriterOutcome::kAllSent;
}

// The first UNAVAILABLE answer. Only the reading thread uses it.
struct FirstUnavailable {
  uint64_t line = 0;
  std::string message;
};

// Counts one answer. UNAVAILABLE (the server is closing, its queue is full or
// its disk failed) is no fault of the line: it ends the load, and appending
// the file again later finishes it.
void CountResponse(const v1::AppendResponse& response, Counters& counters,
                   RejectionLog& rejections, FirstUnavailable* unavailable) {
  uint64_t line = 0;
  if (!absl::SimpleAtoi(response.correlation_id(), &line)) line = 0;
  counters.last_answered_line = line;
  if (response.status_code() == grpc::StatusCode::UNAVAILABLE) {
    if (counters.unavailable++ == 0) {
      *unavailable = {line, response.status_message()};
    }
  } else if (response.status_code() != grpc::StatusCode::OK) {
    ++counters.rejected_by_server;
    rejections.Add({line, StatusCodeName(response.status_code()),
                    response.status_message()});
  } else if (response.deduplicated()) {
    ++counters.already_stored;
  } else {
    ++counters.appended;
  }
}

// One line on stderr, rewritten in place; only on a terminal.
class Progress {
 public:
  // `file_bytes`: the input's size, for the share done and the time left;
  // 0 when unknown (stdin).
  explicit Progress(uint64_t file_bytes)
      : enabled_(isatty(STDERR_FILENO) == 1), file_bytes_(file_bytes) {}

  void Update(const Counters& counters, const RejectionLog& rejections,
              uint64_t bytes_read) {
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
              << Remaining(bytes_read, seconds) << std::flush;
    shown_ = true;
  }

  void Clear() {
    if (shown_) std::cerr << "\r\x1b[K" << std::flush;
  }

 private:
  // ", 42% read, ETA 1:05", from the share of the file read so far.
  std::string Remaining(uint64_t bytes_read, double seconds) const {
    if (file_bytes_ == 0 || bytes_read == 0) return "";
    const double done = std::min(1.0, static_cast<double>(bytes_read) /
                                          static_cast<double>(file_bytes_));
    const int64_t left = static_cast<int64_t>(seconds * (1 - done) / done);
    return absl::StrFormat(", %.0f%% read, ETA %d:%02d", 100 * done, left / 60,
                           left % 60);
  }

  const bool enabled_;
  const uint64_t file_bytes_;
  const absl::Time started_at_ = absl::Now();
  absl::Time shown_at_ = absl::InfinitePast();
  bool shown_ = false;
};

// What went wrong with the stream or the input; empty `error` if nothing.
struct Problem {
  // "<CODE_NAME>: <message>" for a gRPC error.
  std::string error;
  // How far the load got.
  std::string progress;
};

Problem FindProblem(const grpc::Status& status, WriterOutcome outcome,
                    const FirstUnavailable& unavailable,
                    const LineReader& lines, const Counters& counters) {
  const uint64_t sent = counters.sent;
  const uint64_t answered = counters.answered();
  Problem problem;
  if (!status.ok()) {
    problem.error = absl::StrCat(StatusCodeName(status.error_code()), ": ",
                                 status.error_message());
  } else if (counters.unavailable > 0) {
    problem.error = absl::StrCat("UNAVAILABLE: ", unavailable.message,
                                 " (line ", unavailable.line, ")");
  } else if (outcome == WriterOutcome::kStreamFailed || answered < sent) {
    problem.error = "the server ended the stream before answering every line";
  } else if (outcome == WriterOutcome::kInputFailed) {
    problem.error = absl::StrCat("reading the input failed: ", lines.error());
  } else {
    return problem;
  }
  problem.progress = absl::StrCat(sent, " lines sent (through line ",
                                  counters.last_sent_line.load(), "), ",
                                  answered, " acknowledged");
  if (answered > 0) {
    absl::StrAppend(&problem.progress, " (through line ",
                    counters.last_answered_line.load(), ")");
  }
  if (counters.unavailable > 0) {
    absl::StrAppend(&problem.progress, ", ", counters.unavailable.load(),
                    " of them UNAVAILABLE and not stored");
  }
  absl::StrAppend(&problem.progress,
                  "; appending the file again is safe: events stored already "
                  "are reported as already stored");
  return problem;
}

void PrintSummary(bool json, const Counters& counters,
                  const RejectionLog& rejections, const Problem& problem) {
  if (!problem.error.empty()) {
    std::cerr << "error: " << problem.error << "\n" << problem.progress << "\n";
  }
  if (json) {
    JsonObject summary;
    summary.Add("appended", counters.appended)
        .Add("already_stored", counters.already_stored)
        .Add("rejected", rejections.count());
    if (!problem.error.empty()) {
      summary.Add("error", problem.error)
          .Add("acknowledged", counters.answered())
          .Add("unavailable", counters.unavailable)
          .Add("sent", counters.sent);
    }
    std::cout << summary.str() << "\n" << std::flush;
    return;
  }
  std::cerr << counters.appended << " appended, " << counters.already_stored
            << " already stored, " << rejections.count() << " rejected\n";
  const std::vector<Rejection> listed = rejections.Listed();
  for (const Rejection& rejection : listed) {
    std::cerr << "line " << rejection.line << ": " << rejection.code << ": "
              << rejection.message << "\n";
  }
  if (rejections.count() > listed.size()) {
    std::cerr << "... and " << rejections.count() - listed.size() << " more\n";
  }
}

}  // namespace

int RunAppend(const ClientOptions& options, const AppendOptions& append) {
  const bool from_stdin = append.file == "-";
  std::FILE* in = from_stdin ? stdin : std::fopen(append.file.c_str(), "r");
  if (in == nullptr) {
    std::cerr << "error: cannot open " << append.file << ": "
              << std::strerror(errno) << "\n";
    return kExitFailure;
  }
  std::unique_ptr<v1::EventStore::Stub> stub = MakeStub(options);
  std::unique_ptr<v1::Admin::Stub> admin = MakeAdminStub(options);
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = append.import
                                       ? admin->ImportHistory(&context)
                                       : stub->BatchAppend(&context);

  LineReader lines(in);
  InFlightWindow window;
  RejectionLog rejections(options.json);
  Counters counters;
  struct stat info {};
  const uint64_t file_bytes =
      !from_stdin && fstat(fileno(in), &info) == 0 && S_ISREG(info.st_mode)
          ? static_cast<uint64_t>(info.st_size)
          : 0;
  Progress progress(file_bytes);
  WriterOutcome outcome = WriterOutcome::kAllSent;
  std::thread writer([&] {
    outcome = WriteRequests(lines, *stream, window, rejections, counters);
  });
  v1::AppendResponse response;
  FirstUnavailable unavailable;
  while (stream->Read(&response)) {
    window.Release();
    CountResponse(response, counters, rejections, &unavailable);
    if (counters.unavailable > 0) window.Close();  // Stop sending.
    progress.Update(counters, rejections, lines.bytes_read());
  }
  window.Close();
  writer.join();
  const grpc::Status status = stream->Finish();
  progress.Clear();

  if (!from_stdin) std::fclose(in);
  const Problem problem =
      FindProblem(status, outcome, unavailable, lines, counters);
  PrintSummary(options.json, counters, rejections, problem);
  if (!problem.error.empty()) return kExitFailure;
  return rejections.count() == 0 ? kExitOk : kExitRejected;
}

}  // namespace caseline::cli
