// Staging one append into its group's batch: the retry check, the case's
// state (from the group, the cache or the log), versions, positions and
// recorded_at.
#include "server/store/internal/event_store_impl.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "projections/instants.h"
#include "server/store/internal/store_internal.h"

namespace caseline::store {

using internal::EventError;
using internal::FromRocks;
using internal::StoredEvent;

namespace {

// The case's version against what the command expects of it.
absl::Status CheckExpected(const AppendCommand& command, uint64_t version) {
  if (command.expect == AppendCommand::Expect::kNoCase && version != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("expected_version.no_case: case ", command.case_id,
                     " exists already, at version ", version));
  }
  if (command.expect == AppendCommand::Expect::kExact &&
      version != command.expected_version) {
    return absl::FailedPreconditionError(absl::StrCat(
        "expected_version.exact: expected version ", command.expected_version,
        " but case ", command.case_id, " is at version ", version));
  }
  return absl::OkStatus();
}

// The recorded_at of `event`, in microseconds: the clock's `now` or, for an
// import, the event's own; either way after `previous_micros`, so that
// recorded_at grows strictly with position even if the clock steps back or
// imported events share an instant. An import may not go back before
// `log_last_micros`, the log's last recorded_at.
absl::StatusOr<int64_t> RecordedMicros(const AppendCommand& command,
                                       const v1::Event& event, absl::Time now,
                                       int64_t log_last_micros,
                                       int64_t previous_micros) {
  if (!command.import) {
    return std::max(absl::ToUnixMicros(now), previous_micros + 1);
  }
  const int64_t registered = ToMicros(event.recorded_at());
  if (registered < log_last_micros) {
    return absl::FailedPreconditionError(absl::StrCat(
        "recorded_at: ", FormatInstant(absl::FromUnixMicros(registered)),
        " is before the log's last recorded_at ",
        FormatInstant(absl::FromUnixMicros(log_last_micros)),
        "; history is imported in the order it was registered, before live "
        "appends"));
  }
  return std::max(registered, previous_micros + 1);
}

// OK when the command's case is in its jobcentres (see
// AppendCommand::jobcentres); the case's jobcentre never changes once it
// has one.
absl::Status CheckJobcentre(const AppendCommand& command,
                            const CaseState& state) {
  if (!command.jobcentres.has_value()) return absl::OkStatus();
  if (!state.jobcentre_id().empty()) {
    if (command.jobcentres->contains(state.jobcentre_id())) {
      return absl::OkStatus();
    }
    // Case ids are the case systems' own: refusing one another jobcentre
    // holds tells the caller no more than the id it already has.
    return absl::PermissionDeniedError(absl::StrCat(
        "case_id: case ", command.case_id, " is not in your jobcentres"));
  }
  for (size_t i = 0; i < command.events.size(); ++i) {
    if (!command.events[i].has_case_opened()) continue;
    const std::string& jobcentre =
        command.events[i].case_opened().jobcentre_id();
    if (command.jobcentres->contains(jobcentre)) return absl::OkStatus();
    return absl::PermissionDeniedError(
        absl::StrCat("events[", i, "].case_opened.jobcentre_id: ", jobcentre,
                     " is not one of your jobcentres"));
  }
  // No case_opened: CaseState refuses the first event, naming it.
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AppendResult> EventStore::Impl::Stage(Pending& pending,
                                                     absl::Time now,
                                                     Group& group) {
  absl::StatusOr<std::optional<AppendResult>> retry =
      CheckRetry(pending, group);
  if (!retry.ok()) return retry.status();
  if (retry->has_value()) return **retry;

  AppendCommand& command = pending.command;
  absl::StatusOr<CaseState*> current = CaseFor(command.case_id, group);
  if (!current.ok()) return current.status();
  if (absl::Status scope = CheckJobcentre(command, **current); !scope.ok()) {
    return scope;
  }
  const uint64_t version = (*current)->version();
  if (absl::Status expected = CheckExpected(command, version); !expected.ok()) {
    return expected;
  }

  CaseState state = **current;
  uint64_t position = group.next_position;
  int64_t recorded_micros = group.last_recorded_micros;
  group.batch.SetSavePoint();
  std::vector<std::pair<std::string, StoredEvent>> staged_ids;
  for (size_t i = 0; i < command.events.size(); ++i) {
    v1::Event& event = command.events[i];
    if (absl::Status status = state.Append(event); !status.ok()) {
      group.batch.RollbackToSavePoint();
      return EventError(status.code(), i, status.message());
    }
    absl::StatusOr<int64_t> recorded = RecordedMicros(
        command, event, now, group.last_recorded_micros, recorded_micros);
    if (!recorded.ok()) {
      group.batch.RollbackToSavePoint();
      return EventError(recorded.status().code(), i,
                        recorded.status().message());
    }
    recorded_micros = *recorded;
    if (command.import) event.set_imported(true);
    event.set_case_version(state.version());
    event.set_position(position);
    *event.mutable_recorded_at() = FromMicros(recorded_micros);
    event.set_recorded_by(command.recorded_by);

    group.batch.Put(family(Family::kEvents), PositionKey(position),
                    event.SerializeAsString());
    group.batch.Put(family(Family::kCases),
                    CaseVersionKey(command.case_id, state.version()),
                    EncodeU64(position));
    group.batch.Put(family(Family::kEventIds), event.event_id(),
                    EncodeEventIdEntry({position, pending.digests[i]}));
    staged_ids.emplace_back(event.event_id(),
                            StoredEvent{position, pending.digests[i],
                                        state.version(), recorded_micros});
    ++position;
  }
  group.batch.PopSavePoint();

  AppendResult result;
  result.first_position = group.next_position;
  result.last_position = position - 1;
  result.case_version = state.version();
  result.recorded_at = absl::FromUnixMicros(recorded_micros);
  group.next_position = position;
  group.last_recorded_micros = recorded_micros;
  **current = std::move(state);
  for (auto& [id, stored] : staged_ids) {
    group.events_by_id[id] = stored;
  }
  return result;
}

absl::StatusOr<std::optional<AppendResult>> EventStore::Impl::CheckRetry(
    const Pending& pending, const Group& group) {
  const std::vector<v1::Event>& events = pending.command.events;
  std::optional<size_t> first_stored, first_new;
  std::optional<StoredEvent> last;
  uint64_t first_position = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    absl::StatusOr<std::optional<StoredEvent>> found =
        FindEvent(events[i].event_id(), group);
    if (!found.ok()) return found.status();
    if (!found->has_value()) {
      if (!first_new) first_new = i;
      continue;
    }
    const StoredEvent& stored = **found;
    if (stored.digest != pending.digests[i]) {
      return EventError(
          absl::StatusCode::kAlreadyExists, i,
          absl::StrCat("event_id: ", events[i].event_id(),
                       " is stored already (position ", stored.position,
                       ") with different content"));
    }
    // A retry repeats a request: its events sit side by side in the log,
    // in the order sent.
    if (last && stored.position != last->position + 1) {
      return EventError(
          absl::StatusCode::kFailedPrecondition, i,
          absl::StrCat("event_id: ", events[i].event_id(),
                       " is stored at position ", stored.position,
                       ", not right after events[", i - 1, "] (position ",
                       last->position,
                       "); a retry must repeat the original request exactly"));
    }
    if (!first_stored) {
      first_stored = i;
      first_position = stored.position;
    }
    last = stored;
  }
  if (!first_stored) return std::nullopt;
  if (first_new) {
    return EventError(
        absl::StatusCode::kFailedPrecondition, *first_new,
        absl::StrCat("event_id: ", events[*first_new].event_id(),
                     " is new, but events[", *first_stored, "] (",
                     events[*first_stored].event_id(),
                     ") is stored already; a retry must repeat the original "
                     "request exactly"));
  }
  if (last->case_version == 0) {
    // Found in the log rather than this group: read the version and time.
    absl::StatusOr<v1::Event> event =
        ReadEventAt(rocksdb::ReadOptions(), last->position);
    if (!event.ok()) return event.status();
    last->case_version = event->case_version();
    last->recorded_micros = ToMicros(event->recorded_at());
  }
  AppendResult result;
  result.first_position = first_position;
  result.last_position = last->position;
  result.case_version = last->case_version;
  result.recorded_at = absl::FromUnixMicros(last->recorded_micros);
  result.deduplicated = true;
  return result;
}

absl::StatusOr<std::optional<StoredEvent>> EventStore::Impl::FindEvent(
    const std::string& event_id, const Group& group) const {
  if (auto it = group.events_by_id.find(event_id);
      it != group.events_by_id.end()) {
    return it->second;
  }
  std::string value;
  rocksdb::Status got = db_->Get(rocksdb::ReadOptions(),
                                 family(Family::kEventIds), event_id, &value);
  if (got.IsNotFound()) return std::nullopt;
  if (!got.ok()) return FromRocks(got, "cannot read the event_ids index");
  absl::StatusOr<EventIdEntry> entry = DecodeEventIdEntry(value);
  if (!entry.ok()) return absl::DataLossError(entry.status().message());
  // case_version 0 marks "not read yet"; CheckRetry reads it when needed.
  return StoredEvent{entry->position, entry->digest, 0, 0};
}

absl::StatusOr<CaseState*> EventStore::Impl::CaseFor(const std::string& case_id,
                                                     Group& group) {
  if (auto it = group.cases.find(case_id); it != group.cases.end()) {
    return &it->second;
  }
  CaseState state;
  if (std::optional<CaseState> cached = cache_.Take(case_id)) {
    // Moved, not copied: the group puts it back once the write succeeds; if
    // the write fails, the case is read from the log next time.
    state = *std::move(cached);
  } else {
    absl::StatusOr<CaseState> loaded = LoadCase(case_id);
    if (!loaded.ok()) return loaded.status();
    state = *std::move(loaded);
  }
  return &group.cases.emplace(case_id, std::move(state)).first->second;
}

}  // namespace caseline::store
