// Checks of the fields many requests share: ids, dates, known_at, counts,
// filters, groupings and sources. Pure: no clock, no store, no gRPC. Each
// error is INVALID_ARGUMENT and starts with the field's name ("as_of: ...",
// "filter.team_ids[2]: ..."), so a client can tell which field to fix.
#ifndef CASELINE_SERVER_API_REQUEST_FIELDS_H_
#define CASELINE_SERVER_API_REQUEST_FIELDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "caseline/v1/projections.pb.h"
#include "google/protobuf/repeated_field.h"
#include "google/protobuf/timestamp.pb.h"

namespace caseline::api {

// Ids in one filter list: a municipality's teams or caseworkers fit.
inline constexpr int kFilterIdsMax = 1000;

// A required id (a case, a caseworker, a team): empty or malformed is
// refused, naming `field`.
absl::Status IdField(absl::string_view field, const std::string& id);

// A date field: empty means `fallback`; otherwise it must be YYYY-MM-DD
// within the years caseline's calendar covers.
absl::StatusOr<absl::CivilDay> DateField(absl::string_view field,
                                         const std::string& text,
                                         absl::CivilDay fallback);

// `from` must not come after `to`; `to_field` names the later bound
// ("from: 2020-07-01 is after as_of 2020-06-30").
absl::Status CheckSpan(absl::CivilDay from, absl::string_view to_field,
                       absl::CivilDay to);

// The server's today: the day `now` falls on in UTC, the default as_of.
absl::CivilDay TodayUtc(absl::Time now);

// known_at: unset means now (InfiniteFuture).
absl::StatusOr<absl::Time> KnownAtField(
    bool has_known_at, const google::protobuf::Timestamp& known_at);

// A count field where 0 means `fallback`; refused when negative or above
// `max`.
absl::StatusOr<int> CountField(absl::string_view field, int value, int fallback,
                               int max);

// At most kFilterIdsMax target groups, each a known one; errors name
// `field` ("filter.target_groups[2]: ...").
absl::Status CheckTargetGroups(
    absl::string_view field,
    const google::protobuf::RepeatedField<int>& groups);

// Every id of every list well formed, at most kFilterIdsMax in a list, and
// every target group a known one.
absl::Status CheckFilter(const v1::CaseFilter& filter);

// Each grouping known and given once.
absl::StatusOr<std::vector<v1::GroupBy>> GroupByField(
    const google::protobuf::RepeatedField<int>& group_by);

// A known report source (unspecified means the materialization).
absl::StatusOr<v1::ReportSource> SourceField(v1::ReportSource source);

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_REQUEST_FIELDS_H_
