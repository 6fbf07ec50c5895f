// `import-csv`: validates a whole CSV file of actions (csv_import.h), then
// streams one AppendRequest per row through BulkAppend (append_stream.h).
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/append_stream.h"
#include "tools/client.h"
#include "tools/csv_import.h"

namespace caseline::cli {
namespace {

// Reads at most csv::kFileBytesMax + 1 bytes, so that a larger file is
// named as such by the parser without being read whole.
bool ReadWhole(const std::string& path, std::string* text, std::string* error) {
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (in == nullptr) {
    *error = std::strerror(errno);
    return false;
  }
  char buffer[1 << 16];
  size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, in)) > 0) {
    text->append(buffer, got);
    if (text->size() > csv::kFileBytesMax) break;
  }
  const bool failed = std::ferror(in) != 0;
  if (failed) *error = std::strerror(errno);
  std::fclose(in);
  return !failed;
}

// Writes the rows left out, with their reasons, as CSV: the original
// columns plus `problem`.
bool WriteRejected(const std::string& path, const csv::CsvImport& parsed,
                   const std::set<std::string>& cases_left_out) {
  std::map<uint64_t, std::string> reasons;
  for (const csv::Problem& problem : parsed.problems) {
    std::string& reason = reasons[problem.line];
    if (!reason.empty()) reason += "; ";
    reason += problem.column.empty()
                  ? problem.message
                  : absl::StrCat(problem.column, ": ", problem.message);
  }
  std::ofstream out(path, std::ios::out | std::ios::trunc | std::ios::binary);
  std::vector<std::string> header = parsed.header;
  header.push_back("problem");
  out << csv::CsvLine(header) << "\r\n";
  std::set<uint64_t> written;
  for (const csv::MappedRow& row : parsed.rows) {
    const auto reason = reasons.find(row.line);
    const bool case_left_out = cases_left_out.count(row.case_id) > 0;
    if (reason == reasons.end() && !case_left_out) continue;
    std::vector<std::string> cells = row.cells;
    cells.resize(parsed.header.size());
    cells.push_back(reason != reasons.end()
                        ? reason->second
                        : absl::StrCat("left out with its case ", row.case_id,
                                       ", which has a bad row"));
    out << csv::CsvLine(cells) << "\r\n";
    written.insert(row.line);
  }
  // Rows that could not even be read have no cells: the line and reason only.
  for (const auto& [line, reason] : reasons) {
    if (written.count(line) > 0) continue;
    std::vector<std::string> cells(parsed.header.size());
    cells.push_back(absl::StrCat("line ", line, ": ", reason));
    out << csv::CsvLine(cells) << "\r\n";
  }
  out.flush();
  return static_cast<bool>(out);
}

// The rows to send, one request each, in file order.
class CsvRowsSource : public RequestSource {
 public:
  explicit CsvRowsSource(std::vector<v1::AppendRequest> requests)
      : requests_(std::move(requests)) {}

  SourceItem Next(v1::AppendRequest* request,
                  Rejection* /*rejection*/) override {
    const size_t next = next_.load(std::memory_order_relaxed);
    if (next == requests_.size()) return SourceItem::kEnd;
    *request = std::move(requests_[next]);
    next_.store(next + 1, std::memory_order_relaxed);
    return SourceItem::kRequest;
  }

  double ShareRead() const override {
    if (requests_.empty()) return 1;
    return static_cast<double>(next_.load(std::memory_order_relaxed)) /
           static_cast<double>(requests_.size());
  }

 private:
  std::vector<v1::AppendRequest> requests_;
  std::atomic<size_t> next_{0};
};

// The lines with a problem.
std::set<uint64_t> BadLines(const csv::CsvImport& parsed) {
  std::set<uint64_t> bad_lines;
  for (const csv::Problem& problem : parsed.problems) {
    bad_lines.insert(problem.line);
  }
  return bad_lines;
}

// One request per row that is good and whose case has no bad row.
std::vector<v1::AppendRequest> RequestsToSend(
    const csv::CsvImport& parsed, const std::set<uint64_t>& bad_lines,
    const std::set<std::string>& cases_left_out) {
  std::vector<v1::AppendRequest> requests;
  for (const csv::MappedRow& row : parsed.rows) {
    if (!row.ok || bad_lines.count(row.line) > 0 ||
        cases_left_out.count(row.case_id) > 0) {
      continue;
    }
    v1::AppendRequest& request = requests.emplace_back();
    request.set_case_id(row.case_id);
    request.set_correlation_id(absl::StrCat(row.line));
    *request.add_events() = row.event;
  }
  return requests;
}

// Reads and checks the whole file, printing every problem. Returns the
// parsed file, or the exit status when nothing can be imported.
std::variant<csv::CsvImport, int> ReadAndCheck(const ImportCsvOptions& import) {
  std::string text;
  std::string error;
  if (!ReadWhole(import.file, &text, &error)) {
    std::cerr << "error: cannot read " << import.file << ": " << error << "\n";
    return kExitFile;
  }
  const absl::CivilDay today =
      absl::ToCivilDay(absl::Now(), absl::LocalTimeZone());
  csv::CsvImport parsed = csv::ParseImport(text, today);
  for (const csv::Problem& problem : parsed.problems) {
    std::cerr << csv::FormatProblem(problem) << "\n";
  }
  if (!parsed.header_ok) {
    std::cerr << "nothing imported: the header is not usable\n";
    return kExitRejected;
  }
  return parsed;
}

// --skip-bad: the cases with a bad row are left out whole and their rows
// written to the rejected file. Returns them, or the exit status when the
// file cannot be written.
std::variant<std::set<std::string>, int> LeaveOutBadCases(
    const ImportCsvOptions& import, const csv::CsvImport& parsed,
    size_t bad_line_count) {
  std::set<std::string> cases_left_out =
      csv::CasesLeftOut(parsed.rows, parsed.problems);
  const std::string rejected_path =
      import.rejected.empty() ? import.file + ".rejected.csv" : import.rejected;
  if (!WriteRejected(rejected_path, parsed, cases_left_out)) {
    std::cerr << "error: cannot write " << rejected_path << "\n";
    return kExitFile;
  }
  std::cerr << bad_line_count << " bad rows; " << cases_left_out.size()
            << " cases left out whole; rejected rows written to "
            << rejected_path << "\n";
  return cases_left_out;
}

}  // namespace

int RunImportCsv(const ClientOptions& options, const ImportCsvOptions& import) {
  std::variant<csv::CsvImport, int> checked = ReadAndCheck(import);
  if (const int* exit_code = std::get_if<int>(&checked)) return *exit_code;
  const csv::CsvImport& parsed = std::get<csv::CsvImport>(checked);

  const std::set<uint64_t> bad_lines = BadLines(parsed);
  if (!bad_lines.empty() && !import.skip_bad) {
    std::cerr << "nothing imported: " << bad_lines.size()
              << " bad rows (--skip-bad imports the other cases)\n";
    return kExitRejected;
  }
  std::set<std::string> cases_left_out;
  if (!bad_lines.empty()) {
    auto left_out = LeaveOutBadCases(import, parsed, bad_lines.size());
    if (const int* exit_code = std::get_if<int>(&left_out)) return *exit_code;
    cases_left_out = std::move(std::get<std::set<std::string>>(left_out));
  }

  CsvRowsSource source(RequestsToSend(parsed, bad_lines, cases_left_out));
  const int exit_code = StreamAppend(
      options, AppendRpc::kBulkAppend, source,
      {.stored = "imported", .rejected = "rejected by the server"});
  // Rows left out are rejected rows too, even when the rest went through.
  if (exit_code == kExitOk && !bad_lines.empty()) return kExitRejected;
  return exit_code;
}

}  // namespace caseline::cli
