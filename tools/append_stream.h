// One streaming append for `append`, `import-history` and `import-csv`: sends
// one AppendRequest per input line over EventStore.BulkAppend or
// Admin.BulkImportHistory, many to a message, counts the answers, shows one
// progress line on a terminal and prints one summary.
//
// Three threads share the one stream: a reader takes requests from the
// source, a writer sends what the reader has read so far as one message
// (up to a message's worth), and the calling thread reads the answers,
// which come back in the order sent, each naming its line in
// correlation_id. At most kInFlightMax requests are sent but not yet
// answered.
//
// The stream stops sending early when the server answers UNAVAILABLE (it is
// closing, its queue is full or its disk failed: appending again later
// finishes the load) and, for an import, when the server refuses a line
// because its recorded_at is before the log's last: the log already holds
// later events, so every later line would be refused too.
#ifndef CASELINE_TOOLS_APPEND_STREAM_H_
#define CASELINE_TOOLS_APPEND_STREAM_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "caseline/v1/caseline.pb.h"
#include "tools/client.h"

namespace caseline::cli {

// One input line (or CSV row) that was not stored, and why.
struct Rejection {
  uint64_t line = 0;
  // The gRPC status code's name, e.g. INVALID_ARGUMENT.
  std::string code;
  std::string message;
};

// What a source gives for its next input line.
enum class SourceItem {
  kEnd,       // No more lines.
  kSkip,      // Nothing to send (a blank line or a comment).
  kRequest,   // A request to send; its correlation_id is its line number.
  kRejected,  // Refused here, before sending.
};

// The input of a stream. Next is called by the reader thread only, ShareRead
// by the answering thread at any time, Error after the reader is done.
class RequestSource {
 public:
  virtual ~RequestSource() = default;
  virtual SourceItem Next(v1::AppendRequest* request, Rejection* rejection) = 0;
  // The share of the input read so far, 0 to 1; negative when unknown (a
  // pipe). Thread-safe.
  virtual double ShareRead() const { return -1; }
  // Why reading the input failed; empty if it did not.
  virtual std::string Error() const { return ""; }
};

enum class AppendRpc { kBulkAppend, kBulkImportHistory };

// The summary's words: "N appended, M already stored, K rejected".
struct SummaryWords {
  std::string_view stored = "appended";
  std::string_view rejected = "rejected";
};

// Streams every request of `source` and prints the summary: on stderr the
// counts and up to kRejectionsListedMax rejections by line, or with
// options.json each rejection as a JSON line on stdout as it comes and a
// JSON summary. Returns kExitOk when every line was stored (or was already),
// kExitRejected when some were rejected, kExitFailure when the stream failed
// or the server was unavailable, kExitHistoryAfterLog when an import stopped
// because the log already holds later events.
int StreamAppend(const ClientOptions& options, AppendRpc rpc,
                 RequestSource& source, const SummaryWords& words = {});

// True when the server refused an imported event because its recorded_at is
// before the log's last recorded_at (store::EventStore's
// FAILED_PRECONDITION "events[i].recorded_at: ... is before the log's last
// recorded_at ..."). Pure.
bool IsRecordedBeforeLog(int status_code, std::string_view message);

}  // namespace caseline::cli

#endif  // CASELINE_TOOLS_APPEND_STREAM_H_
