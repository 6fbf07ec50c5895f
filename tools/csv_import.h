// `caseline import-csv`: the CSV layout a case system can export (one row per
// action, see the README's "Importing CSV"), parsed and mapped to events.
// Everything here is pure: no I/O, no clock (the caller passes today).
#ifndef CASELINE_TOOLS_CSV_IMPORT_H_
#define CASELINE_TOOLS_CSV_IMPORT_H_

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "caseline/v1/events.pb.h"

namespace caseline::csv {

// A row is a handful of ids, dates and words plus a note of at most a
// kilobyte; 64 KiB is far beyond any real row and keeps one broken quote
// from being read as one giant row without notice.
inline constexpr size_t kRowBytesMax = 64 * 1024;

// The whole file is validated before anything is sent, so it is held in
// memory: 256 MiB is about a million rows, a large municipality's history.
inline constexpr size_t kFileBytesMax = 256 * 1024 * 1024;

// Data rows (not counting the header), for the same reason.
inline constexpr size_t kRowsMax = 2'000'000;

// One thing wrong with the file. `line` is 1-based, the header being line 1;
// a row that spans lines (a quoted line break) is named by its first line.
// `column` is a header name, or empty when the problem is the whole row's.
struct Problem {
  uint64_t line = 0;
  std::string column;
  std::string message;
};

// "line L, column NAME: message", or "line L: message" without a column.
std::string FormatProblem(const Problem& problem);

// One CSV record: its cells as written, after unquoting.
struct Record {
  uint64_t line = 0;
  std::vector<std::string> cells;
};

struct ParsedCsv {
  // Every well-formed record in order; the first is the header. Blank lines
  // are skipped.
  std::vector<Record> records;
  // Records that could not be read (bad quoting, too long, not UTF-8) are
  // left out of `records` and named here.
  std::vector<Problem> problems;
};

// Splits `text` by RFC 4180: comma-separated cells, lines ending in LF or
// CRLF, cells optionally in double quotes, inside which commas and line
// breaks are data and "" is one quote. A leading UTF-8 byte order mark is
// ignored.
ParsedCsv ParseCsv(absl::string_view text);

// One data row and the event it maps to.
struct MappedRow {
  uint64_t line = 0;
  std::vector<std::string> cells;
  // The case_id cell, or empty when the row has none.
  std::string case_id;
  // Valid only when the row has no problem.
  v1::Event event;
  bool ok = false;
};

struct CsvImport {
  // False when the file as a whole is unusable (no header, an unknown,
  // repeated or missing required column, too big): no row can be imported.
  bool header_ok = false;
  std::vector<std::string> header;
  std::vector<MappedRow> rows;
  // Every problem, by line.
  std::vector<Problem> problems;
};

// Parses `text` and maps every data row to an event, checking each with
// ValidateEventFields(event, today) as the server would.
CsvImport ParseImport(absl::string_view text, absl::CivilDay today);

// --skip-bad: a case is imported whole or not at all, so every case with a
// bad row is left out. Returns the case_ids of rows that are not ok or whose
// line has a problem. Rows without a case_id belong to no case.
std::set<std::string> CasesLeftOut(const std::vector<MappedRow>& rows,
                                   const std::vector<Problem>& problems);

// One CSV line (without its line end) of `cells`, quoted where needed.
std::string CsvLine(const std::vector<std::string>& cells);

// The column names, in the README's order.
const std::vector<std::string>& ColumnNames();

}  // namespace caseline::csv

#endif  // CASELINE_TOOLS_CSV_IMPORT_H_
