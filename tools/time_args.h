// Dates and instants typed on the command line (--as-of, --from, --to,
// --known-at), checked before any call so that a typo is a usage error
// that names the option rather than a server refusal. Pure functions.
#ifndef CASELINE_TOOLS_TIME_ARGS_H_
#define CASELINE_TOOLS_TIME_ARGS_H_

#include <iostream>
#include <string>

#include <google/protobuf/timestamp.pb.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace caseline::cli {

// OK when `text` is a real day written YYYY-MM-DD (e.g. 2018-09-15);
// otherwise INVALID_ARGUMENT saying what is wrong.
absl::Status CheckDay(absl::string_view text);

// How --known-at reads, for the option's --help: the same words as
// ParseKnownAt and CheckKnownAtNotFuture below.
inline constexpr char kKnownAtHelp[] =
    "Count only events recorded by then: an RFC 3339 time such as "
    "2018-10-01T12:00:00Z or 2018-10-01T12:00:00.731389Z (as `read` shows "
    "RECORDED_AT), or a date YYYY-MM-DD meaning the start of that day UTC "
    "(00:00:00Z); not in the future; default: now";

// A --known-at value: an RFC 3339 instant with its UTC offset
// (2018-10-01T12:00:00Z, 2018-10-01T14:00:00.5+02:00), or a bare day
// YYYY-MM-DD meaning the start of that day UTC (00:00:00Z): what was known
// when the day began, as a date on a letter is read. INVALID_ARGUMENT
// otherwise, and for instants a google.protobuf.Timestamp cannot hold
// (before year 1, after 9999).
absl::StatusOr<google::protobuf::Timestamp> ParseKnownAt(
    absl::string_view text);

// OK unless `known_at` is after `now`; then INVALID_ARGUMENT naming both: what
// will be known later cannot be answered yet, and an answer "as known then"
// would change as events arrive. `text` is how the user wrote it.
absl::Status CheckKnownAtNotFuture(const google::protobuf::Timestamp& known_at,
                                   absl::Time now, absl::string_view text);

// RFC 3339 in UTC, fractional seconds only when there are some, e.g.
// "2018-10-01T23:59:59.999999Z"; "now" for an unset timestamp.
std::string FormatKnownAt(const google::protobuf::Timestamp& known_at);

// Sets a request's known_at from --known-at; leaves it unset (the server
// reads "now") when the option was not given. False, after saying why on
// stderr, when the text is not a time or is in the future. (The command line
// checks the form first; this keeps the commands safe when called directly,
// and is where the clock is read.)
template <typename Request>
bool SetKnownAt(const std::string& text, Request* request) {
  if (text.empty()) return true;
  absl::StatusOr<google::protobuf::Timestamp> parsed = ParseKnownAt(text);
  absl::Status status = parsed.status();
  if (status.ok()) status = CheckKnownAtNotFuture(*parsed, absl::Now(), text);
  if (!status.ok()) {
    std::cerr << "error: --known-at: " << status.message() << "\n";
    return false;
  }
  *request->mutable_known_at() = *parsed;
  return true;
}

}  // namespace caseline::cli

#endif  // CASELINE_TOOLS_TIME_ARGS_H_
