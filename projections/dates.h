// Civil dates as caseline writes them: "YYYY-MM-DD".
#ifndef CASELINE_PROJECTIONS_DATES_H_
#define CASELINE_PROJECTIONS_DATES_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace caseline {

// Parses exactly "YYYY-MM-DD" (four-digit year, two-digit month and day) and
// rejects days that do not exist. On failure returns INVALID_ARGUMENT whose
// message is "<text> is not a date" (the caller adds the field's name).
absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text);

// Writes "YYYY-MM-DD".
std::string FormatDate(absl::CivilDay day);

}  // namespace caseline

#endif  // CASELINE_PROJECTIONS_DATES_H_
