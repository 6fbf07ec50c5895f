// The materialized projections and population scans of the event store;
// internal to it (EventStore's header states the contract).
//
// Each projection version holds, per case, the log's events in version
// order (see keys.h). A follower thread keeps the active version up to date:
// it reads the log after the position it has materialized, a page at a
// time, and writes each page's keys together with the new position (the
// version's mark) in one WriteBatch, with the WAL but without fsync. The log
// is the truth: after a crash the batch is either wholly there or wholly
// lost, so the mark always describes the keys, and the follower resumes
// after the mark.
//
// A rebuild copies the log into a shadow version (marked durably in meta
// first, so that a crash leaves nothing behind: Open removes every version
// but the active one), pauses the follower between two of its pages, copies
// what the log gained meanwhile, and switches with one synced batch: the
// active version, its mark, the marker's removal. Scans read the active
// version and its mark from one RocksDB snapshot, so they see either the
// old version or the new one, each complete up to its mark.
#ifndef CASELINE_SERVER_STORE_PROJECTION_STORE_H_
#define CASELINE_SERVER_STORE_PROJECTION_STORE_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rocksdb/db.h"
#include "server/store/event_store.h"
#include "server/store/internal/projection_internal.h"
#include "server/store/keys.h"

namespace caseline::store {

// The follower writes one batch per page. 1000 events (at most 4 MiB) keep a
// batch, and the time a rebuild's switch waits for it, short while still
// spreading each write's overhead over many events.
inline constexpr uint64_t kProjectionPageEventsMax = 1000;
inline constexpr size_t kProjectionPageBytesMax = 4 * 1024 * 1024;
// A rebuild copies with pages of the same size.
inline constexpr uint64_t kRebuildPageEventsMax = kProjectionPageEventsMax;
// A rebuild pauses the follower once the shadow is this close to the log's
// end: the last stretch is then copied with the follower paused (appends go
// on), a few pages at most.
inline constexpr uint64_t kRebuildSwitchGapMax = 4 * kRebuildPageEventsMax;
// How often a rebuild reports progress: often enough for a live progress
// line, rarely enough to cost nothing.
inline constexpr absl::Duration kRebuildProgressInterval =
    absl::Milliseconds(500);
// After a failed read or write the follower retries, waiting twice as long
// each time, from the first to the last of these.
inline constexpr absl::Duration kFollowBackoffMin = absl::Milliseconds(100);
inline constexpr absl::Duration kFollowBackoffMax = absl::Seconds(10);
// ScanLog reads a case's events with MultiGet in chunks of this many, which
// bounds the keys and values held at once for one long case.
inline constexpr size_t kScanLogChunkEventsMax = 256;
// A materialized scan reads on a thread of its own and hands the visitor
// batches of whole cases of at least this many events, at most this many
// batches ahead: enough to keep both threads busy, a few MB per scan.
inline constexpr size_t kScanBatchEventsMin = 1024;
inline constexpr size_t kScanBatchesAhead = 4;
// A selection's cases are read with a seek each; past this many (a quarter
// of a national store), one sequential pass over every case costs about
// the same and holds no list, so the scan reads every case instead.
inline constexpr size_t kSelectedCasesMax = 250'000;
// A team's or caseworker's cases in named jobcentres are found with a seek
// per (id, jobcentre) up to this many pairs, else with one per id that
// passes over the other jobcentres' entries.
inline constexpr size_t kSelectionSeeksMax = 1024;

class ProjectionStore {
 public:
  // `families` are indexed by Family; the caller keeps `db` and them alive
  // until Stop() has returned.
  ProjectionStore(rocksdb::DB* db,
                  std::vector<rocksdb::ColumnFamilyHandle*> families);
  // Stops the follower.
  ~ProjectionStore();
  ProjectionStore(const ProjectionStore&) = delete;
  ProjectionStore& operator=(const ProjectionStore&) = delete;

  // Reads the active version and its mark, removes whatever a crash left
  // (a rebuild's shadow, an old version not yet deleted), and starts the
  // follower; `log_position` is the log's last position. DATA_LOSS if the
  // mark lies beyond the log; UNAVAILABLE on I/O errors.
  absl::Status Open(uint64_t log_position, bool follow_log = true);

  // The log's last position grew to `last_position`.
  void LogAdvanced(uint64_t last_position);
  // Wakes every WaitForProjection and makes a running rebuild give up.
  void BeginClose();
  // Stops the follower (waiting for its current page). Idempotent.
  void Stop();

  ProjectionStatus status() const;
  uint64_t WaitForProjection(uint64_t position, absl::Time deadline) const;
  absl::StatusOr<ScanBasis> ScanMaterialized(
      absl::Span<const CaseVisitor> visitors, uint64_t max_position,
      const CaseSelection* selection) const;
  absl::StatusOr<ScanBasis> ScanLog(const CaseVisitor& visit) const;
  absl::StatusOr<uint32_t> Rebuild(const RebuildObserver& observer);

  // Checks the active projection as `read` sees it against the log, which
  // ends at `log_position` there: every event up to its mark exactly once,
  // under its case and version, with the log's bytes. DATA_LOSS naming the
  // first difference.
  absl::Status Verify(const rocksdb::ReadOptions& read,
                      uint64_t log_position) const;

 private:
  // What one page copy wrote.
  struct Copied {
    // The last position copied (the page's first position - 1 if none).
    uint64_t last_position = 0;
    int64_t last_recorded_micros = 0;
    uint64_t events = 0;
    // Events with case_version 1: cases that begin in the page.
    uint64_t cases_begun = 0;
  };

  rocksdb::ColumnFamilyHandle* family(Family f) const {
    return families_[static_cast<int>(f)];
  }
  uint64_t log_position() const;
  bool closing() const;
  void FollowLoop();
  absl::Status FollowPage();
  absl::StatusOr<Copied> CopyPage(uint32_t version, uint64_t from, uint64_t to,
                                  bool write_mark,
                                  internal::CaseJobcentres& jobcentres) const;
  // The case ids `selection` names in `version`'s case index, sorted and
  // each once; none (read every case) without a selection or a whole index.
  absl::StatusOr<std::optional<std::vector<std::string>>> SelectedCases(
      const rocksdb::ReadOptions& snapshot, uint32_t version,
      const CaseSelection* selection) const;
  // recorded_at of the log's event at `position`.
  absl::StatusOr<absl::Time> LogRecordedAt(const rocksdb::ReadOptions& snapshot,
                                           uint64_t position) const;
  // A rebuild's shadow copy as it goes.
  struct ShadowCopy {
    uint32_t old_version = 0;
    // The last log position copied, and its event's recorded_at.
    uint64_t position = 0;
    int64_t recorded_micros = 0;
    absl::Time started;
    RebuildProgress progress;
    internal::CaseJobcentres jobcentres;
  };

  absl::StatusOr<uint32_t> RunRebuild(uint32_t old_version, uint32_t version,
                                      const RebuildObserver& observer);
  // Calls `observer` (if any) with the copy's progress and rates.
  static absl::Status Report(ShadowCopy& copy, const RebuildObserver& observer);
  absl::Status CopyShadowPage(ShadowCopy& copy, uint64_t target) const;
  // Copies the log into the shadow until it is near the log's end.
  absl::Status CopyShadow(ShadowCopy& copy, const RebuildObserver& observer);
  // With the follower paused: copies the rest, asks the observer a last
  // time, and switches.
  absl::Status SwitchTo(ShadowCopy& copy, const RebuildObserver& observer);
  // The switch's one synced batch; on failure, points back at the old
  // version. Called with follow_mu_ held.
  absl::Status WriteSwitch(uint32_t old_version, uint32_t version,
                           const ProjectionMark& mark);
  void RemoveShadow(uint32_t version);
  void RemoveOldVersion(uint32_t version);
  absl::Status RemoveLeftovers(uint32_t active);

  rocksdb::DB* const db_;
  const std::vector<rocksdb::ColumnFamilyHandle*> families_;

  // Held by the follower while it copies a page, and by a rebuild while it
  // catches up and switches: so the follower pauses between two pages.
  // Lock order: follow_mu_ before state_mu_.
  std::mutex follow_mu_;
  // Guarded by follow_mu_: the version the follower writes and its mark.
  uint32_t version_ = 0;
  ProjectionMark mark_;
  internal::CaseJobcentres follow_jobcentres_;

  mutable std::mutex state_mu_;
  // Wakes the follower: the log grew, or stop_.
  std::condition_variable follow_cv_;
  // Wakes WaitForProjection: the mark moved, or closing_.
  mutable std::condition_variable projected_cv_;
  // Guarded by state_mu_: what readers of the status see, a copy of
  // version_ and mark_ taken after each write.
  uint32_t active_version_ = 0;
  ProjectionMark active_mark_;
  uint64_t log_position_ = 0;
  // Guarded by state_mu_: the version a running rebuild builds (0 if none),
  // and whether it has switched to it already.
  uint32_t rebuild_version_ = 0;
  bool rebuild_switched_ = false;
  bool closing_ = false;
  bool stop_ = false;

  std::thread follower_;
};

}  // namespace caseline::store

#endif  // CASELINE_SERVER_STORE_PROJECTION_STORE_H_
