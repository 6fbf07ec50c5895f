// Rebuild: a shadow version copied from the log, caught up with the
// follower paused, and switched to in one synced batch.
#include "server/store/projection_store.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rocksdb/write_batch.h"
#include "server/store/internal/projection_internal.h"
#include "server/store/internal/store_internal.h"
#include "spdlog/spdlog.h"

namespace caseline::store {

using internal::FromRocks;
using internal::SyncWrite;

absl::StatusOr<uint32_t> ProjectionStore::Rebuild(
    const RebuildObserver& observer) {
  uint32_t old_version = 0;
  uint32_t version = 0;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (rebuild_version_ != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "a rebuild is running (version ", rebuild_version_, ")"));
    }
    if (closing_) return absl::UnavailableError("the store is closing");
    if (active_version_ == UINT32_MAX) {
      return absl::FailedPreconditionError(absl::StrCat(
          "projection version ", active_version_, " is the last there is"));
    }
    old_version = active_version_;
    version = old_version + 1;
    rebuild_version_ = version;
    rebuild_switched_ = false;
  }
  absl::StatusOr<uint32_t> rebuilt = RunRebuild(old_version, version, observer);
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    rebuild_version_ = 0;
    rebuild_switched_ = false;
  }
  return rebuilt;
}

absl::StatusOr<uint32_t> ProjectionStore::RunRebuild(
    uint32_t old_version, uint32_t version, const RebuildObserver& observer) {
  // Durable before the first shadow key: a crash from here on leaves a
  // marker that Open finds.
  absl::Status status =
      FromRocks(db_->Put(SyncWrite(), family(Family::kMeta),
                         kMetaProjectionShadow, EncodeU32(version)),
                "cannot mark the rebuild's shadow version");
  RebuildProgress progress;
  progress.version = version;
  uint64_t copied = 0;
  int64_t copied_micros = 0;
  absl::Time next_report = absl::InfinitePast();
  while (status.ok()) {
    if (closing()) {
      status = absl::UnavailableError(
          absl::StrCat("the store is closing; the rebuild of projection "
                       "version ",
                       version, " was abandoned"));
      break;
    }
    const uint64_t target = log_position();
    const bool near_end = target - copied <= kRebuildSwitchGapMax;
    if (!near_end) {
      absl::StatusOr<Copied> page =
          CopyPage(version, copied + 1, target, /*write_mark=*/false);
      if (!page.ok()) {
        status = page.status();
        break;
      }
      copied = page->last_position;
      copied_micros = page->last_recorded_micros;
      progress.events_done += page->events;
      progress.cases_done += page->cases_begun;
    }
    // The first report comes after the first page (or at once, when the
    // log is short), then one every interval.
    if (absl::Now() >= next_report) {
      progress.events_total = target;
      if (observer) status = observer(progress);
      if (!status.ok()) break;
      next_report = absl::Now() + kRebuildProgressInterval;
    }
    // Checked again after the observer, which may have taken its time
    // (a slow client): the switch copies what is left with the follower
    // paused, so what is left must still be little.
    if (near_end && log_position() - copied <= kRebuildSwitchGapMax) break;
  }
  if (status.ok()) {
    status = SwitchTo(old_version, version, copied, copied_micros, progress);
  }
  if (!status.ok()) {
    RemoveShadow(version);
    return status;
  }
  RemoveOldVersion(old_version);
  progress.switched = true;
  progress.events_total = log_position();
  // After the switch there is nothing left to cancel.
  if (observer) observer(progress).IgnoreError();
  return version;
}

absl::Status ProjectionStore::SwitchTo(uint32_t old_version, uint32_t version,
                                       uint64_t copied_position,
                                       int64_t copied_micros,
                                       RebuildProgress& progress) {
  // The follower is between two pages and stays there: the shadow catches
  // up with the log and takes over the follower's place.
  std::lock_guard<std::mutex> follow(follow_mu_);
  if (closing()) {
    return absl::UnavailableError(
        absl::StrCat("the store is closing; the rebuild of projection version ",
                     version, " was abandoned"));
  }
  const uint64_t target = log_position();
  while (copied_position < target) {
    absl::StatusOr<Copied> page =
        CopyPage(version, copied_position + 1, target, /*write_mark=*/false);
    if (!page.ok()) return page.status();
    copied_position = page->last_position;
    copied_micros = page->last_recorded_micros;
    progress.events_done += page->events;
    progress.cases_done += page->cases_begun;
  }
  const ProjectionMark mark{copied_position, copied_micros};
  rocksdb::WriteBatch batch;
  batch.Put(family(Family::kMeta), kMetaProjectionActive, EncodeU32(version));
  batch.Put(family(Family::kMeta), ProjectionMarkKey(version),
            EncodeProjectionMark(mark));
  batch.Delete(family(Family::kMeta), ProjectionMarkKey(old_version));
  batch.Delete(family(Family::kMeta), kMetaProjectionShadow);
  absl::Status switched =
      FromRocks(db_->Write(SyncWrite(), &batch),
                absl::StrCat("cannot switch to projection version ", version));
  if (!switched.ok()) {
    // The failed write may have landed or not: point back at the old
    // version, whose mark only the follower (paused here) moves.
    rocksdb::WriteBatch restore;
    restore.Put(family(Family::kMeta), kMetaProjectionActive,
                EncodeU32(old_version));
    restore.Put(family(Family::kMeta), ProjectionMarkKey(old_version),
                EncodeProjectionMark(mark_));
    absl::Status restored =
        FromRocks(db_->Write(SyncWrite(), &restore),
                  "cannot restore the active projection version");
    if (!restored.ok()) spdlog::error("{}", restored.ToString());
    return switched;
  }
  version_ = version;
  mark_ = mark;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    active_version_ = version;
    active_mark_ = mark;
    rebuild_switched_ = true;
  }
  projected_cv_.notify_all();
  follow_cv_.notify_one();
  return absl::OkStatus();
}

void ProjectionStore::RemoveShadow(uint32_t version) {
  rocksdb::WriteBatch batch;
  batch.DeleteRange(family(Family::kProjections),
                    ProjectionVersionBegin(version),
                    ProjectionVersionEnd(version));
  batch.Delete(family(Family::kMeta), ProjectionMarkKey(version));
  batch.Delete(family(Family::kMeta), kMetaProjectionShadow);
  absl::Status removed = FromRocks(
      db_->Write(SyncWrite(), &batch),
      absl::StrCat("cannot remove the shadow projection version ", version));
  // What stays behind is removed at the next Open.
  if (!removed.ok()) spdlog::error("{}", removed.ToString());
}

void ProjectionStore::RemoveOldVersion(uint32_t version) {
  const std::string begin = ProjectionVersionBegin(version);
  const std::string end = ProjectionVersionEnd(version);
  // Scans holding an older snapshot still read the old version: RocksDB
  // keeps what a snapshot sees. If this write is lost, Open removes it.
  absl::Status removed =
      FromRocks(db_->DeleteRange(rocksdb::WriteOptions(),
                                 family(Family::kProjections), begin, end),
                absl::StrCat("cannot delete projection version ", version));
  if (removed.ok()) {
    // Reclaims the space now rather than whenever compaction gets there.
    const rocksdb::Slice begin_slice(begin);
    const rocksdb::Slice end_slice(end);
    removed = FromRocks(
        db_->CompactRange(rocksdb::CompactRangeOptions(),
                          family(Family::kProjections), &begin_slice,
                          &end_slice),
        absl::StrCat("cannot compact deleted projection version ", version));
  }
  if (!removed.ok()) spdlog::warn("{}", removed.ToString());
}

}  // namespace caseline::store
