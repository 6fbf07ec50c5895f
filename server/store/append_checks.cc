// The checks an append passes before it is queued: sizes, fields, ids, an
// import's recorded_at; and the content digest a retry must repeat.
#include "server/store/internal/event_store_impl.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "projections/event_validation.h"
#include "projections/instants.h"

namespace caseline::store {
namespace {

using internal::EventError;

uint64_t Fnv1a64(absl::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

// Digest of what the client chose (every field but the server-set ones):
// what a retry must repeat exactly. `event` has its server fields cleared.
uint64_t ContentDigest(const v1::Event& event) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    event.SerializeToCodedStream(&coded);
  }
  return Fnv1a64(bytes);
}

// An import keeps its recorded_at: it is the client's, not the server's.
void ClearServerFields(v1::Event& event, bool import) {
  event.clear_case_version();
  event.clear_position();
  if (!import) event.clear_recorded_at();
  event.clear_recorded_by();
  event.clear_imported();
}

// An imported event's recorded_at: set, a real instant, not in the future,
// and not before the request's previous event.
absl::Status CheckImportedAt(const v1::Event& event, const v1::Event* previous,
                             absl::Time now) {
  if (!event.has_recorded_at()) {
    return absl::InvalidArgumentError("recorded_at: is required for an import");
  }
  absl::StatusOr<absl::Time> at = TimeField("recorded_at", event.recorded_at());
  if (!at.ok()) return at.status();
  const absl::Time when = absl::FromUnixMicros(ToMicros(event.recorded_at()));
  if (when > now) {
    return absl::InvalidArgumentError(absl::StrCat(
        "recorded_at: ", FormatInstant(when), " is in the future"));
  }
  if (previous != nullptr &&
      ToMicros(event.recorded_at()) < ToMicros(previous->recorded_at())) {
    return absl::InvalidArgumentError(
        "recorded_at: is before the previous event's; history is imported in "
        "the order it was registered");
  }
  return absl::OkStatus();
}

absl::Status Prefixed(const absl::Status& status, absl::string_view prefix) {
  return absl::Status(status.code(), absl::StrCat(prefix, status.message()));
}

// The events' count and serialized sizes against the limits; the total
// bytes. Checked first: they bound the work the field checks may do.
absl::StatusOr<size_t> CheckSizes(const std::vector<v1::Event>& events) {
  if (events.size() > kAppendEventsMax) {
    return absl::InvalidArgumentError(
        absl::StrFormat("events: %d events; the limit is %d per request",
                        events.size(), kAppendEventsMax));
  }
  size_t bytes = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const size_t size = events[i].ByteSizeLong();
    if (size > kEventBytesMax) {
      return absl::InvalidArgumentError(
          absl::StrFormat("events[%d]: %d bytes serialized; the limit is %d", i,
                          size, kEventBytesMax));
    }
    bytes += size;
  }
  if (bytes > kAppendBytesMax) {
    return absl::InvalidArgumentError(
        absl::StrFormat("events: %d bytes serialized; the limit is %d per "
                        "request",
                        bytes, kAppendBytesMax));
  }
  return bytes;
}

// Each event on its own and against the others of the request: its case,
// its fields, an import's recorded_at, and an event_id not repeated.
absl::Status CheckEach(const AppendCommand& command, absl::Time now) {
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  absl::flat_hash_map<absl::string_view, size_t> index_by_id;
  for (size_t i = 0; i < command.events.size(); ++i) {
    const v1::Event& event = command.events[i];
    if (!event.case_id().empty() && event.case_id() != command.case_id) {
      return EventError(absl::StatusCode::kInvalidArgument, i,
                        absl::StrCat("case_id: ", event.case_id(),
                                     " differs from the request's case_id ",
                                     command.case_id));
    }
    if (absl::Status fields = ValidateEventFields(event, today); !fields.ok()) {
      return EventError(fields.code(), i, fields.message());
    }
    if (command.import) {
      absl::Status at =
          CheckImportedAt(event, i > 0 ? &command.events[i - 1] : nullptr, now);
      if (!at.ok()) return EventError(at.code(), i, at.message());
    }
    auto [it, inserted] = index_by_id.emplace(event.event_id(), i);
    if (!inserted) {
      return EventError(absl::StatusCode::kInvalidArgument, i,
                        absl::StrCat("event_id: ", event.event_id(),
                                     " appears twice in the request (also "
                                     "events[",
                                     it->second, "])"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EventStore::Impl::CheckCommand(AppendCommand& command,
                                            std::vector<uint64_t>* digests,
                                            size_t* bytes) const {
  if (command.case_id.empty()) {
    return absl::InvalidArgumentError("case_id: is required");
  }
  if (absl::Status id = CheckId(command.case_id); !id.ok()) {
    return Prefixed(id, "case_id: ");
  }
  if (command.expect == AppendCommand::Expect::kExact &&
      command.expected_version == 0) {
    return absl::InvalidArgumentError(
        "expected_version.exact: must be at least 1 (use no_case for a case "
        "that must not exist yet)");
  }
  if (command.events.empty()) {
    return absl::InvalidArgumentError("events: at least one event is required");
  }
  absl::StatusOr<size_t> size = CheckSizes(command.events);
  if (!size.ok()) return size.status();
  *bytes = *size;
  if (absl::Status each = CheckEach(command, options_.clock()); !each.ok()) {
    return each;
  }
  digests->clear();
  for (v1::Event& event : command.events) {
    event.set_case_id(command.case_id);
    ClearServerFields(event, command.import);
    digests->push_back(ContentDigest(event));
  }
  return absl::OkStatus();
}

}  // namespace caseline::store
