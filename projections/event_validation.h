// Checks of one event's own fields, before its place in a case is considered.
#ifndef CASELINE_PROJECTIONS_EVENT_VALIDATION_H_
#define CASELINE_PROJECTIONS_EVENT_VALIDATION_H_

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "caseline/v1/events.pb.h"

namespace caseline {

// Ids (event, case, citizen, caseworker, team, referral, offer, jobcentre)
// are keys in the log's indexes and in every report; 128 bytes holds any
// UUID, URN or case-system key with room to spare.
inline constexpr size_t kIdBytesMax = 128;

// Free text (a provider's name, a retraction's reason) is a note, not a
// document; a kilobyte is a long paragraph.
inline constexpr size_t kTextBytesMax = 1024;

// One event is a handful of ids, dates and enums: a few hundred bytes. 64 KiB
// leaves room for growth while keeping one bad client from filling the log.
inline constexpr size_t kEventBytesMax = 64 * 1024;

// Checks `id` is 1..kIdBytesMax bytes of printable ASCII. Returns
// INVALID_ARGUMENT "<problem>"; the caller names the field.
absl::Status CheckId(absl::string_view id);

// Checks the fields of `event` that do not depend on the case: required
// fields present, enums specified, dates real and not later than
// `today` + 1 day (a day's grace for clocks and time zones), ids well formed,
// exactly one body. The request checks the size (kEventBytesMax). Ignores the
// server-set fields (case_version, position, recorded_at, recorded_by) and
// case_id, which the request checks.
//
// Returns OK or INVALID_ARGUMENT "<field path>: <problem>", the path relative
// to the event (e.g. "offer_started.planned_end_on: 2019-02-30 is not a
// date").
absl::Status ValidateEventFields(const v1::Event& event, absl::CivilDay today);

}  // namespace caseline

#endif  // CASELINE_PROJECTIONS_EVENT_VALIDATION_H_
