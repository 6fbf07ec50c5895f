// `append` and `import-history`: JSON lines, one AppendRequest per line,
// streamed by StreamAppend (append_stream.h).
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "projections/event_validation.h"
#include "tools/append_stream.h"
#include "tools/client.h"
#include "tools/event_json.h"

namespace caseline::cli {
namespace {

// An event is a few hundred bytes and the server refuses any over
// kEventBytesMax; its JSON is at most a few times longer, so a line 16 times
// that (1 MiB) is not an event. The bound keeps a file without newlines from
// filling memory.
constexpr size_t kLineBytesMax = 16 * kEventBytesMax;

constexpr char kLocalRejectionCode[] = "INVALID_ARGUMENT";

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
SourceItem ParseLine(std::string_view line, uint64_t line_number, bool too_long,
                     v1::AppendRequest* request, Rejection* rejection) {
  rejection->line = line_number;
  rejection->code = kLocalRejectionCode;
  if (too_long) {
    rejection->message =
        absl::StrCat("the line is longer than ", kLineBytesMax, " bytes");
    return SourceItem::kRejected;
  }
  // absl::string_view is not std::string_view in Debian's abseil.
  const absl::string_view content =
      absl::StripAsciiWhitespace(absl::string_view(line.data(), line.size()));
  if (content.empty() || content.front() == '#') return SourceItem::kSkip;

  request->Clear();
  v1::Event* event = request->add_events();
  const absl::Status status = ParseEventJson(content, event);
  if (!status.ok()) {
    rejection->message = OneLineParserMessage(std::string(status.message()));
    return SourceItem::kRejected;
  }
  if (event->case_id().empty()) {
    rejection->message = "case_id is required: it names the event's case";
    return SourceItem::kRejected;
  }
  request->set_case_id(event->case_id());
  request->set_correlation_id(absl::StrCat(line_number));
  return SourceItem::kRequest;
}

// The lines of a JSON-lines file (or stdin), each parsed into a request.
class JsonLinesSource : public RequestSource {
 public:
  // `file_bytes`: the input's size, for the share read; 0 when unknown.
  JsonLinesSource(std::FILE* in, uint64_t file_bytes)
      : lines_(in), file_bytes_(file_bytes) {}

  SourceItem Next(v1::AppendRequest* request, Rejection* rejection) override {
    bool too_long = false;
    if (!lines_.Next(&line_, &too_long)) return SourceItem::kEnd;
    return ParseLine(line_, ++line_number_, too_long, request, rejection);
  }

  double ShareRead() const override {
    if (file_bytes_ == 0) return -1;
    return static_cast<double>(lines_.bytes_read()) /
           static_cast<double>(file_bytes_);
  }

  std::string Error() const override { return lines_.error(); }

 private:
  LineReader lines_;
  const uint64_t file_bytes_;
  std::string line_;
  uint64_t line_number_ = 0;
};

// The size of a regular file; 0 for a pipe or a terminal.
uint64_t RegularFileBytes(std::FILE* in) {
  struct stat info {};
  if (fstat(fileno(in), &info) != 0 || !S_ISREG(info.st_mode)) return 0;
  return static_cast<uint64_t>(info.st_size);
}

}  // namespace

int RunAppend(const ClientOptions& options, const AppendOptions& append) {
  const bool from_stdin = append.file == "-";
  std::FILE* in = from_stdin ? stdin : std::fopen(append.file.c_str(), "r");
  if (in == nullptr) {
    std::cerr << "error: cannot read " << append.file << ": "
              << std::strerror(errno) << "\n";
    return kExitFile;
  }
  JsonLinesSource source(in, from_stdin ? 0 : RegularFileBytes(in));
  const int exit_code = StreamAppend(
      options,
      append.import ? AppendRpc::kBulkImportHistory : AppendRpc::kBulkAppend,
      source);
  if (!from_stdin) std::fclose(in);
  return exit_code;
}

}  // namespace caseline::cli
