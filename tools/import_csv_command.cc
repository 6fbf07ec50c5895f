// `import-csv`: validates a whole CSV file of actions (csv_import.h), then
// sends one AppendRequest per row through BatchAppend. A writer thread sends
// while this thread reads the answers, which name their row's line in
// correlation_id.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/client.h"
#include "tools/csv_import.h"
#include "tools/format.h"

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

using Stream = grpc::ClientReaderWriter<v1::AppendRequest, v1::AppendResponse>;

}  // namespace

int RunImportCsv(const ClientOptions& options, const ImportCsvOptions& import) {
  std::string text;
  std::string error;
  if (!ReadWhole(import.file, &text, &error)) {
    std::cerr << "error: cannot read " << import.file << ": " << error << "\n";
    return kExitFailure;
  }
  const absl::CivilDay today =
      absl::ToCivilDay(absl::Now(), absl::LocalTimeZone());
  const csv::CsvImport parsed = csv::ParseImport(text, today);
  text.clear();
  text.shrink_to_fit();

  for (const csv::Problem& problem : parsed.problems) {
    std::cerr << csv::FormatProblem(problem) << "\n";
  }
  if (!parsed.header_ok) {
    std::cerr << "nothing imported: the header is not usable\n";
    return kExitRejected;
  }
  std::set<uint64_t> bad_lines;
  for (const csv::Problem& problem : parsed.problems) {
    bad_lines.insert(problem.line);
  }
  if (!bad_lines.empty() && !import.skip_bad) {
    std::cerr << "nothing imported: " << bad_lines.size()
              << " bad rows (--skip-bad imports the other cases)\n";
    return kExitRejected;
  }
  std::set<std::string> cases_left_out;
  if (!bad_lines.empty()) {
    cases_left_out = csv::CasesLeftOut(parsed.rows, parsed.problems);
    const std::string rejected_path = import.rejected.empty()
                                          ? import.file + ".rejected.csv"
                                          : import.rejected;
    if (!WriteRejected(rejected_path, parsed, cases_left_out)) {
      std::cerr << "error: cannot write " << rejected_path << "\n";
      return kExitFailure;
    }
    std::cerr << bad_lines.size() << " bad rows; " << cases_left_out.size()
              << " cases left out whole; rejected rows written to "
              << rejected_path << "\n";
  }

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

  std::unique_ptr<v1::EventStore::Stub> stub = MakeStub(options);
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream = stub->BatchAppend(&context);
  std::thread writer([&] {
    for (const v1::AppendRequest& request : requests) {
      if (!stream->Write(request)) return;
    }
    stream->WritesDone();
  });
  uint64_t imported = 0;
  uint64_t already_stored = 0;
  uint64_t rejected = 0;
  uint64_t answered = 0;
  v1::AppendResponse response;
  while (stream->Read(&response)) {
    ++answered;
    if (response.status_code() != grpc::StatusCode::OK) {
      ++rejected;
      std::cerr << "line " << response.correlation_id() << ": "
                << StatusCodeName(response.status_code()) << ": "
                << response.status_message() << "\n";
    } else if (response.deduplicated()) {
      ++already_stored;
    } else {
      ++imported;
    }
  }
  writer.join();
  const grpc::Status status = stream->Finish();
  std::cerr << imported << " imported, " << already_stored
            << " already stored, " << rejected << " rejected by the server\n";
  if (!status.ok() || answered < requests.size()) {
    std::cerr << "error: "
              << (status.ok()
                      ? std::string("the server ended the stream "
                                    "before answering every row")
                      : absl::StrCat(StatusCodeName(status.error_code()), ": ",
                                     status.error_message()))
              << "\n"
              << answered << " of " << requests.size()
              << " rows answered; importing the file again is safe: rows "
                 "stored already are reported as already stored\n";
    return kExitFailure;
  }
  return rejected == 0 && bad_lines.empty() ? kExitOk : kExitRejected;
}

}  // namespace caseline::cli
