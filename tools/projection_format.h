// How the projection commands print the server's answers as text: a line
// stating what the answer was computed from, then small tables. Pure
// functions; each returns whole lines, every one ending in "\n".
#ifndef CASELINE_TOOLS_PROJECTION_FORMAT_H_
#define CASELINE_TOOLS_PROJECTION_FORMAT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "caseline/v1/projections.pb.h"

namespace caseline::cli {

// "case C as of D, known at T (version V, position P, N events, R
// retracted)".
std::string BasisLine(const v1::Basis& basis);

// The basis, then one row per requirement result. Rows NOT_APPLICABLE are
// counted in a footer unless `show_not_applicable`, which lists them with
// the reason in a NOTE column.
std::string ComplianceText(const v1::GetComplianceResponse& response,
                           bool show_not_applicable);

// The basis, "P planned, U unplanned switches from F to T", and a table.
// `from` and `to` are the window asked for; empty means the server's
// default (the case's start; as_of, the server's today).
std::string SwitchesText(const v1::GetSwitchesResponse& response,
                         absl::string_view from, absl::string_view to);

// The basis, one row per referral, and the days to the first interview and
// the first offer.
std::string WaitsText(const v1::GetWaitingTimesResponse& response);

// The basis, the citizen, then a titled table per non-empty section.
std::string TimelineText(const v1::GetTimelineResponse& response);

// One row per loaded rule set version.
std::string RuleSetsText(const v1::ListRuleSetsResponse& response);

// "yes" or "no".
absl::string_view YesNo(bool value);

}  // namespace caseline::cli

#endif  // CASELINE_TOOLS_PROJECTION_FORMAT_H_
