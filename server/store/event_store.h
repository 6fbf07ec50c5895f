// The event log on RocksDB.
//
// An EventStore is safe for concurrent use from many threads without external
// synchronization. One writer thread assigns versions, positions and
// recorded_at; appends that arrive together are committed in one WriteBatch
// with the WAL synced (group commit), and each is acknowledged only after
// that write. An acknowledged append is never lost; an append is all or
// nothing; a retried append whose events are all stored already with the
// same content is answered as the first was and writes nothing.
#ifndef CASELINE_SERVER_STORE_EVENT_STORE_H_
#define CASELINE_SERVER_STORE_EVENT_STORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "caseline/v1/caseline.pb.h"
#include "caseline/v1/events.pb.h"
#include "caseline/v1/projections.pb.h"
#include "caseline/v1/rules.pb.h"
#include "projections/event_kinds.h"
#include "server/store/keys.h"

namespace caseline::store {

// An append carries one case's events; 1000 is far beyond what one action
// on a case produces and keeps a request's validation and write short.
inline constexpr size_t kAppendEventsMax = 1000;
// The serialized events of one append; bounds the writer's memory per
// request. The gRPC message limit is set above this, so the store gives the
// clear error.
inline constexpr size_t kAppendBytesMax = 4 * 1024 * 1024;
// Appends waiting for the writer, by count and by serialized bytes. Beyond
// either the store answers UNAVAILABLE at once (or, for a bulk stream, makes
// it wait) instead of queueing without bound. The bytes bound memory: 4096
// appends of 4 MiB would be 16 GiB.
inline constexpr size_t kWriteQueueMax = 4096;
inline constexpr size_t kWriteQueueBytesMax = 256 * 1024 * 1024;
// Of the queue, this many appends are kept for those that do not wait
// (kFailWhenFull: live appends): streams that wait for room
// (kWaitForRoom: bulk loads) fill it only up to the rest, so that live
// appends are not refused while bulk loads run.
inline constexpr size_t kWriteQueueLiveReserve = 1024;
// Appends one AppendManyAsync (one EventStore.BulkAppend message) may carry:
// enough that a message's own cost is small beside its appends' work, few
// enough that its answers stay well under a MiB.
inline constexpr size_t kBulkAppendsMax = 1000;
static_assert(kBulkAppendsMax <= kWriteQueueMax - kWriteQueueLiveReserve,
              "a bulk message must fit in the queue its appends wait for");
// One group commit takes at most this many appends and bytes, so that one
// WriteBatch (and the latency of the appends in it) stays bounded.
inline constexpr size_t kGroupAppendsMax = 512;
inline constexpr size_t kGroupBytesMax = 16 * 1024 * 1024;
// Cases whose state the writer keeps in memory (least recently used go
// first); a miss re-reads the case from the log. A national history has
// 170,000 cases open at once, their events interleaved: with room for fewer,
// nearly every append missed, and reading cases back took half the
// writer's time in a profile of a Denmark import. About 2 KiB a case.
inline constexpr size_t kCaseCacheCasesMax = 250'000;
// Page sizes for reads: a default for callers that do not say, and a
// maximum so that one response stays well inside the gRPC message limit
// (1000 events of at most 64 KiB).
inline constexpr uint32_t kReadPageDefault = 100;
inline constexpr uint32_t kReadPageMax = 1000;
// A page also ends once its events reach this many bytes (after at least
// one event), keeping responses far below the gRPC message limit.
inline constexpr size_t kReadPageBytesMax = 4 * 1024 * 1024;
// A filtered ReadAll examines at most this many events per page, so that a
// rare kind cannot make one call scan the whole log.
inline constexpr uint64_t kReadAllScanMax = 10'000;

struct StoreOptions {
  // The data directory; created if missing.
  std::string path;
  // The server's clock: recorded_at and "today" for validation. Tests set it.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  size_t case_cache_cases_max = kCaseCacheCasesMax;
  // For `caseline-server --check`: open to read and Verify only; the
  // projections are neither cleaned up nor followed, so nothing is written.
  bool verify_only = false;
};

struct AppendCommand {
  enum class Expect { kAny, kNoCase, kExact };

  std::string case_id;
  Expect expect = Expect::kAny;
  // For kExact: the case's version must be exactly this.
  uint64_t expected_version = 0;
  // Server-set fields are ignored; case_id may be empty (the command's).
  std::vector<v1::Event> events;
  std::string recorded_by = "anonymous";
  // History import: each event carries its recorded_at, the moment the case
  // system it comes from registered it. It may not lie in the future, nor
  // before the log's last recorded_at (equal instants are spread by a
  // microsecond), and it is part of the content a retry must repeat.
  bool import = false;
  // Unset: any jobcentre. Set: the case must belong to one of these, its
  // jobcentre being its first case_opened's (for a new case, the command's);
  // else PERMISSION_DENIED. Checked by the writer, in the order appends are
  // applied, so that no race with another jobcentre opening the same case
  // id can slip events into a case outside the caller's jobcentres.
  std::optional<absl::flat_hash_set<std::string>> jobcentres;
};

struct AppendResult {
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  // The case's version after the append (for a deduplicated retry: the
  // version the last of its events was given).
  uint64_t case_version = 0;
  // recorded_at of the last event.
  absl::Time recorded_at;
  // Every event was stored already: nothing was written.
  bool deduplicated = false;
};

struct CasePage {
  std::vector<v1::Event> events;
  uint64_t case_version = 0;
  // The next version to read; 0 when this page reached the case's end.
  uint64_t next_version = 0;
};

// The log's last event as the writer last published it: both fields from
// the same append.
struct LogHead {
  // 0 for an empty log.
  uint64_t last_position = 0;
  // recorded_at of the event at last_position (InfinitePast if none).
  absl::Time last_recorded_at = absl::InfinitePast();
};

struct LogPage {
  std::vector<v1::Event> events;
  // One past the last position examined.
  uint64_t next_position = 0;
  // The log's last position when the page was read.
  uint64_t last_position = 0;
};

// Event kinds to keep; empty keeps every kind.
using KindFilter = absl::flat_hash_set<EventKind>;

// One case's events, in version order, as a population scan hands them over.
// The span is valid only during the call. A non-OK status ends the scan
// with that status (with several visitors, the others may still finish
// the batch of cases in hand; an exception is an INTERNAL status).
using CaseVisitor = std::function<absl::Status(
    absl::string_view case_id, absl::Span<const v1::Event> events)>;

// The cases a population scan may read instead of all: those the case
// index lists under any of `ids` (every case with an event that names one
// of them in the index's field; keys.h), for a team or caseworker index
// only those of `jobcentre_ids` when it is not empty. A superset of the
// cases whose jobcentre, or team or caseworker on some day, is one of
// `ids`, as known at any moment: the caller's filter still decides which
// of them count.
struct CaseSelection {
  CaseIndex index = CaseIndex::kJobcentre;
  std::vector<std::string> ids;
  std::vector<std::string> jobcentre_ids;
};

// What a population scan saw.
struct ScanBasis {
  // The materialized projection read; 0 for a scan of the log.
  uint32_t projection_version = 0;
  // Every event up to this position was seen (and none after it).
  uint64_t last_position = 0;
  // recorded_at of the event at last_position (InfinitePast if none).
  absl::Time last_recorded_at = absl::InfinitePast();
  int64_t cases = 0;
  // The scan read only the cases of a CaseSelection, through the index.
  bool indexed = false;
};

// The materialized projections: per case, its events grouped and in
// version order (with their recorded_at, so any known_at can be answered),
// kept up to date by a follower thread that reads the log.
struct ProjectionStatus {
  uint32_t active_version = 0;
  // The log position the active projection has materialized.
  uint64_t position = 0;
  // The version a rebuild is building, 0 if none.
  uint32_t rebuilding_version = 0;
};

struct RebuildProgress {
  uint32_t version = 0;
  uint64_t events_done = 0;
  // The log's last position when the progress was taken.
  uint64_t events_total = 0;
  uint64_t cases_done = 0;
  // Since the rebuild began.
  absl::Duration elapsed = absl::ZeroDuration();
  // events_done / elapsed; 0 before any time has passed.
  double events_per_second = 0;
  // The events left at that rate; 0 when none are left or the rate is 0.
  double eta_seconds = 0;
  // Set on the call just before the switch: the shadow has caught up with
  // the log and the follower is paused; an error now still cancels.
  bool about_to_switch = false;
  // Set on the last call: the new projection is the active one.
  bool switched = false;
};

// Sets progress.elapsed, and the rate and the time left that follow from it
// and progress's counts. Pure.
void SetRebuildRates(RebuildProgress& progress, absl::Duration elapsed);

// Called during a rebuild about twice a second, once more just before the
// switch (about_to_switch), and once after it (switched). A non-OK status
// before the switch cancels the rebuild with that status; the call with
// about_to_switch holds the follower paused, so it should be quick.
using RebuildObserver = std::function<absl::Status(const RebuildProgress&)>;

// What Verify found.
struct VerifyReport {
  uint64_t events = 0;
  uint64_t cases = 0;
};

// Restores the latest backup in `backup_dir` into `data_dir`, which must
// not exist or be empty, after checking every file's CRC32C: the log, the
// projections, the rule set versions and the access log, as they were.
// FAILED_PRECONDITION for a non-empty `data_dir` or no backup; DATA_LOSS
// for a file that fails its check (nothing is restored then).
//
// Returns the backup's manifest (as Admin.Backup answered it), and leaves
// it in `data_dir` as RESTORED_FROM, for CheckRestoredFrom.
absl::StatusOr<v1::BackupResponse> RestoreLatestBackup(
    const std::string& backup_dir, const std::string& data_dir);

// For a store restored by RestoreLatestBackup: that it holds the event its
// backup's manifest names, at that position with that recorded_at. Returns
// what agreed, in one line, or "" for a store that was not restored;
// DATA_LOSS when the store and the manifest disagree.
class EventStore;
absl::StatusOr<std::string> CheckRestoredFrom(const EventStore& store,
                                              const std::string& data_dir);

// Which access log entries a read wants; empty strings match every entry.
struct AccessQuery {
  std::string case_id;
  std::string citizen_id;
  std::string subject;
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();
  size_t limit = 1000;
};

struct AccessPage {
  std::vector<v1::AccessEntry> entries;
  bool truncated = false;
};

class EventStore {
 public:
  // Opens (creating if needed) the database in options.path and starts the
  // writer. Errors: FAILED_PRECONDITION if the directory holds another
  // format or is locked by another process; DATA_LOSS if the log and its
  // head disagree, or the active projection claims positions beyond the
  // log; UNAVAILABLE for I/O errors. Removes what an interrupted rebuild
  // left and starts the projection follower.
  static absl::StatusOr<std::unique_ptr<EventStore>> Open(StoreOptions options);

  // Finishes queued appends, stops the writer and closes the database.
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Appends `command`'s events to its case; the future is ready once they
  // are durable or the append was refused. Errors (nothing is written):
  // - INVALID_ARGUMENT: malformed input; the message names the field, e.g.
  //   "events[2].offer_started.planned_end_on: 2019-02-30 is not a date";
  // - FAILED_PRECONDITION: the case's history forbids it, or the expected
  //   version does not hold (the message gives the actual version);
  // - ALREADY_EXISTS: an event_id is stored already with other content;
  // - UNAVAILABLE: the write queue is full, the store is closing, or the
  //   disk write failed.
  //
  // When the write queue is full, kFailWhenFull answers UNAVAILABLE at once;
  // kWaitForRoom blocks the caller until there is room, so that a stream of
  // appends is never answered out of order by a full queue.
  enum class Admission { kFailWhenFull, kWaitForRoom };
  std::future<absl::StatusOr<AppendResult>> AppendAsync(
      AppendCommand command, Admission admission = Admission::kFailWhenFull);
  // Many appends at once, for bulk loads: each command is its own atomic
  // append, as if each were given to AppendAsync in turn, but they are
  // queued together (with kWaitForRoom, once there is room for all) and
  // answered together: the future holds each one's result, in order.
  // INVALID_ARGUMENT for each when there are more than kBulkAppendsMax.
  std::future<std::vector<absl::StatusOr<AppendResult>>> AppendManyAsync(
      std::vector<AppendCommand> commands,
      Admission admission = Admission::kFailWhenFull);
  absl::StatusOr<AppendResult> Append(AppendCommand command);

  // A case's events in version order, from `from_version` (0 means 1), at
  // most `max_count` (0 means kReadPageDefault; at most kReadPageMax).
  // NOT_FOUND for an unknown case.
  absl::StatusOr<CasePage> ReadCase(absl::string_view case_id,
                                    uint64_t from_version,
                                    uint32_t max_count) const;

  // Every event of a case, in version order, read a page at a time (so a
  // case growing meanwhile may show some of its newer events). NOT_FOUND for
  // an unknown case; RESOURCE_EXHAUSTED when the case has more than
  // `events_max` events, which bounds the memory one answer takes.
  absl::StatusOr<std::vector<v1::Event>> ReadWholeCase(
      absl::string_view case_id, uint64_t events_max) const;

  // Events in position order from `from_position` (0 means 1), keeping
  // those in `kinds`, at most `max_count` of them (as for ReadCase).
  absl::StatusOr<LogPage> ReadAll(uint64_t from_position, uint32_t max_count,
                                  const KindFilter& kinds) const;

  // The position of the last event acknowledged (0 for an empty log).
  uint64_t last_position() const;

  // The last event acknowledged: its position and recorded_at, consistent
  // with each other.
  LogHead head() const;

  // Blocks until last_position() >= position, `deadline` passes, or the
  // store begins to close. Returns last_position().
  uint64_t WaitForPosition(uint64_t position, absl::Time deadline) const;

  // Refuses new appends (UNAVAILABLE) and wakes every WaitForPosition; the
  // appends already queued still complete. Idempotent.
  void BeginClose();
  bool closing() const;

  // OK while the store takes appends; UNAVAILABLE once it is closing or
  // after a failed disk write, which stops it taking appends (fail-stop)
  // until a restart reads the log back.
  absl::Status health() const;

  // Checks the whole database: positions 1..n gap-free, each event readable
  // with its own position, recorded_at strictly increasing, versions 1..n per
  // case, and the cases and event_ids indexes and the head agreeing exactly
  // with the log; the active projection holding exactly the log's events up
  // to its position. DATA_LOSS naming the first disagreement.
  absl::StatusOr<VerifyReport> Verify() const;

  // --- Materialized projections ---

  ProjectionStatus projection_status() const;

  // Blocks until the active projection has materialized `position`, the
  // deadline passes, or the store begins to close. Returns the position
  // materialized.
  uint64_t WaitForProjection(uint64_t position, absl::Time deadline) const;

  // Calls `visit` for every case of the active projection, in case_id
  // order, all read from one consistent snapshot (appends and a rebuild's
  // switch during the scan are not seen), with the events at positions up
  // to `max_position` (0: every event materialized). The follower's pages
  // may end inside an append; a position last_position() returned never
  // does, so a caller that wants whole appends passes one.
  // With a selection, only its cases are visited (in case_id order, from
  // the same snapshot), when the active version's case index is whole;
  // otherwise every case, and the basis says which.
  absl::StatusOr<ScanBasis> ScanMaterialized(
      const CaseVisitor& visit, uint64_t max_position = 0,
      const CaseSelection* selection = nullptr) const;
  // The same with several visitors, each called on a thread of its own (the
  // first on the caller's) with some of the cases, each case by one of
  // them, whole; each visitor sees its cases in case_id order.
  absl::StatusOr<ScanBasis> ScanMaterialized(
      absl::Span<const CaseVisitor> visitors, uint64_t max_position,
      const CaseSelection* selection) const;

  // The same from the log (the cases index and the events), for answers
  // the materialization cannot give and to check it.
  absl::StatusOr<ScanBasis> ScanLog(const CaseVisitor& visit) const;

  // Builds projection version active + 1 from the log in a shadow keyspace,
  // catches up with appends, and switches to it atomically; the old version
  // is then deleted. Queries read the old version until the switch. If
  // `observer` returns an error (up to and including its about_to_switch
  // call), the store closes or a write fails, the
  // shadow is removed and the old version stays active. Errors:
  // FAILED_PRECONDITION when a rebuild is running already; the observer's
  // status; UNAVAILABLE when closing or on I/O errors. Returns the new
  // active version.
  absl::StatusOr<uint32_t> Rebuild(const RebuildObserver& observer);

  // --- Rule sets ---

  // Stores `rule_set` (validated by the caller) as a new version. Storing an
  // identical (id, version) again returns true and writes nothing. Errors:
  // ALREADY_EXISTS when that version is stored with other content;
  // FAILED_PRECONDITION when a newer version of the id is stored;
  // INVALID_ARGUMENT for an empty id or a version below 1 (which the
  // caller's validation refuses first); UNAVAILABLE on I/O errors. Durable
  // when it returns.
  absl::StatusOr<bool> PutRuleSet(const v1::RuleSet& rule_set,
                                  const std::string& origin);

  // Every stored version, by id then version, `active` set on the newest of
  // each id.
  absl::StatusOr<std::vector<v1::StoredRuleSet>> ReadRuleSets() const;

  // --- The access log (see access_log_store.h) ---

  // Stores one entry stamped with the store's clock; with `sync` durable
  // when it returns (an answer that reveals a case waits for it), without
  // durable with the next synced write (an append's own). UNAVAILABLE on
  // I/O errors.
  absl::Status RecordAccess(v1::AccessEntry entry, bool sync);
  absl::StatusOr<AccessPage> ReadAccessLog(const AccessQuery& query) const;
  // Deletes the entries stamped before `cutoff`, compacting them off the
  // disk; returns how many.
  absl::StatusOr<uint64_t> SweepAccessLog(absl::Time cutoff);

  // An online, consistent backup into `dir` by RocksDB's BackupEngine,
  // while appends go on: incremental (files already in `dir` are not
  // copied again), every file's CRC32C checked after the copy. Returns its
  // manifest (Admin.Backup's answer) and writes it beside the backup, as
  // manifest-<id>.json. One at a time: FAILED_PRECONDITION while another
  // runs; UNAVAILABLE for I/O errors (a full disk among them).
  absl::StatusOr<v1::BackupResponse> Backup(const std::string& dir);

  class Impl;

 private:
  explicit EventStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace caseline::store

#endif  // CASELINE_SERVER_STORE_EVENT_STORE_H_
