// Names of event kinds: the field names of Event's `body` oneof
// ("case_opened", "interview_held", ...), as used in filters and the CLI.
#ifndef CASELINE_PROJECTIONS_EVENT_KINDS_H_
#define CASELINE_PROJECTIONS_EVENT_KINDS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "caseline/v1/events.pb.h"

namespace caseline {

using EventKind = v1::Event::BodyCase;

// "case_opened" for kCaseOpened; "none" for BODY_NOT_SET.
absl::string_view EventKindName(EventKind kind);

// The kind named `name`; INVALID_ARGUMENT listing the known kinds otherwise.
absl::StatusOr<EventKind> ParseEventKind(absl::string_view name);

}  // namespace caseline

#endif  // CASELINE_PROJECTIONS_EVENT_KINDS_H_
