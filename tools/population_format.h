// How the population commands (`report`, `trend`, `worklist`, `whatif`)
// print the server's answers: as text tables for a terminal, or as CSV for a
// spreadsheet. Pure functions; each returns whole lines ending in "\n".
//
// Text shows "-" where a figure has nothing to stand on (a share of no rows,
// a mean of no waits), so that it is not read as 0. CSV has one value per
// cell: counts and days as numbers, shares as fractions (0.213, not
// "21.3%"), yes/no flags in columns of their own, and an empty cell where
// text shows "-".
#ifndef CASELINE_TOOLS_POPULATION_FORMAT_H_
#define CASELINE_TOOLS_POPULATION_FORMAT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "caseline/v1/caseline.pb.h"
#include "caseline/v1/projections.pb.h"

namespace caseline::cli {

// What the answer was computed from, in two or three lines.
std::string BasisText(const v1::ReportBasis& basis);

// The basis, then per group its requirement, switch and wait tables, then
// the waiting referrals; on a population without cases, why it is empty.
std::string ReportText(const v1::ReportResponse& report);

// The report's table named `table` (requirements, switches, waits or
// waiting; empty means requirements) as CSV, every group's rows with its
// label.
std::string ReportCsv(const v1::ReportResponse& report,
                      absl::string_view table);

// The basis and one row per point; a column per population measure.
std::string TrendText(const v1::TrendResponse& trend);
std::string TrendCsv(const v1::TrendResponse& trend);

// Whose worklist was asked for, to say why it is empty.
struct WorklistAsked {
  std::string caseworker;
  std::string team;
  std::string jobcentre;
  // As asked; 0 means the server's default.
  int horizon_days = 0;
  int horizon_working_days = 0;
};

// The basis, "N of T items" and the table; for no items, why there are
// none (no cases held, or nothing overdue or due within the horizon).
std::string WorklistText(const v1::WorklistResponse& worklist,
                         const WorklistAsked& asked);
std::string WorklistCsv(const v1::WorklistResponse& worklist);

// The basis, "C cases, R rows in all", the page's rows (with the status
// and deadline as known then, when compared), and the --after of the next
// page when there is one.
std::string CasesText(const v1::ListCasesResponse& cases);
std::string CasesCsv(const v1::ListCasesResponse& cases);

// The basis, the counts before and after, the changed rows, and, when the
// list was cut, how many more cases changed.
std::string WhatIfText(const v1::WhatIfResponse& whatif);
std::string WhatIfCsv(const v1::WhatIfResponse& whatif);

}  // namespace caseline::cli

#endif  // CASELINE_TOOLS_POPULATION_FORMAT_H_
