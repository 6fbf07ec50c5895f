#include "projections/dates.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace caseline {
namespace {

// Reads `count` decimal digits at `text[at]`; false if any is not a digit.
bool ReadDigits(absl::string_view text, size_t at, size_t count, int* value) {
  int result = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return false;
    result = result * 10 + (text[i] - '0');
  }
  *value = result;
  return true;
}

}  // namespace

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text) {
  // Quote what we print so that control characters cannot hide in a message;
  // cut long input, which is never a date anyway.
  constexpr size_t kEchoBytesMax = 32;
  auto not_a_date = [&] {
    std::string shown(text.substr(0, kEchoBytesMax));
    if (text.size() > kEchoBytesMax) shown += "...";
    return absl::InvalidArgumentError(absl::StrCat(
        absl::CHexEscape(shown), " is not a date (want YYYY-MM-DD)"));
  };
  int year = 0, month = 0, day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      !ReadDigits(text, 0, 4, &year) || !ReadDigits(text, 5, 2, &month) ||
      !ReadDigits(text, 8, 2, &day)) {
    return not_a_date();
  }
  // CivilDay normalizes 2019-02-30 to 2019-03-02; a date is real only if it
  // comes back unchanged.
  const absl::CivilDay parsed(year, month, day);
  if (parsed.year() != year || parsed.month() != month || parsed.day() != day) {
    return not_a_date();
  }
  return parsed;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

}  // namespace caseline
