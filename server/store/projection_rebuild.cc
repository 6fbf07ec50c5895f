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

void SetRebuildRates(RebuildProgress& progress, absl::Duration elapsed) {
  progress.elapsed = elapsed;
  const double seconds = absl::ToDoubleSeconds(elapsed);
  progress.events_per_second =
      seconds > 0 ? static_cast<double>(progress.events_done) / seconds : 0;
  progress.eta_seconds = 0;
  if (progress.events_per_second > 0 &&
      progress.events_total > progress.events_done) {
    progress.eta_seconds =
        static_cast<double>(progress.events_total - progress.events_done) /
        progress.events_per_second;
  }
}

absl::StatusOr<uint32_t> ProjectionStore::RunRebuild(
    uint32_t old_version, uint32_t version, const RebuildObserver& observer) {
  ShadowCopy copy;
  copy.old_version = old_version;
  copy.started = absl::Now();
  copy.progress.version = version;
  // Durable before the first shadow key: a crash from here on leaves a
  // marker that Open finds.
  absl::Status status =
      FromRocks(db_->Put(SyncWrite(), family(Family::kMeta),
                         kMetaProjectionShadow, EncodeU32(version)),
                "cannot mark the rebuild's shadow version");
  if (status.ok()) status = CopyShadow(copy, observer);
  if (status.ok()) status = SwitchTo(copy, observer);
  if (!status.ok()) {
    RemoveShadow(version);
    return status;
  }
  RemoveOldVersion(old_version);
  copy.progress.about_to_switch = false;
  copy.progress.switched = true;
  copy.progress.events_total = log_position();
  // After the switch there is nothing left to cancel.
  Report(copy, observer).IgnoreError();
  return version;
}

absl::Status ProjectionStore::Report(ShadowCopy& copy,
                                     const RebuildObserver& observer) {
  SetRebuildRates(copy.progress, absl::Now() - copy.started);
  if (!observer) return absl::OkStatus();
  return observer(copy.progress);
}

absl::Status ProjectionStore::CopyShadowPage(ShadowCopy& copy,
                                             uint64_t target) const {
  absl::StatusOr<Copied> page =
      CopyPage(copy.progress.version, copy.position + 1, target,
               /*write_mark=*/false, copy.jobcentres);
  if (!page.ok()) return page.status();
  copy.position = page->last_position;
  copy.recorded_micros = page->last_recorded_micros;
  copy.progress.events_done += page->events;
  copy.progress.cases_done += page->cases_begun;
  return absl::OkStatus();
}

absl::Status ProjectionStore::CopyShadow(ShadowCopy& copy,
                                         const RebuildObserver& observer) {
  // Reports are paced by real time, whatever the store's clock says.
  absl::Time next_report = absl::InfinitePast();
  for (;;) {
    if (closing()) {
      return absl::UnavailableError(absl::StrCat(
          "the store is closing; the rebuild of projection version ",
          copy.progress.version, " was abandoned"));
    }
    const uint64_t target = log_position();
    const bool near_end = target - copy.position <= kRebuildSwitchGapMax;
    if (!near_end) {
      if (absl::Status copied = CopyShadowPage(copy, target); !copied.ok()) {
        return copied;
      }
    }
    // The first report comes after the first page (or at once, when the
    // log is short), then one every interval.
    if (absl::Now() >= next_report) {
      copy.progress.events_total = target;
      if (absl::Status reported = Report(copy, observer); !reported.ok()) {
        return reported;
      }
      next_report = absl::Now() + kRebuildProgressInterval;
    }
    // Checked again after the observer, which may have taken its time
    // (a slow client): the switch copies what is left with the follower
    // paused, so what is left must still be little.
    if (near_end && log_position() - copy.position <= kRebuildSwitchGapMax) {
      return absl::OkStatus();
    }
  }
}

absl::Status ProjectionStore::SwitchTo(ShadowCopy& copy,
                                       const RebuildObserver& observer) {
  // The follower is between two pages and stays there: the shadow catches
  // up with the log and takes over the follower's place.
  std::lock_guard<std::mutex> follow(follow_mu_);
  const uint32_t version = copy.progress.version;
  if (closing()) {
    return absl::UnavailableError(
        absl::StrCat("the store is closing; the rebuild of projection version ",
                     version, " was abandoned"));
  }
  const uint64_t target = log_position();
  while (copy.position < target) {
    if (absl::Status copied = CopyShadowPage(copy, target); !copied.ok()) {
      return copied;
    }
  }
  // The last moment a cancel can be seen: without this call, a cancel that
  // arrived after the last report would find the rebuild switched already.
  copy.progress.events_total = target;
  copy.progress.about_to_switch = true;
  if (absl::Status reported = Report(copy, observer); !reported.ok()) {
    return reported;
  }
  const ProjectionMark mark{copy.position, copy.recorded_micros};
  if (absl::Status written = WriteSwitch(copy.old_version, version, mark);
      !written.ok()) {
    return written;
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

absl::Status ProjectionStore::WriteSwitch(uint32_t old_version,
                                          uint32_t version,
                                          const ProjectionMark& mark) {
  rocksdb::WriteBatch batch;
  batch.Put(family(Family::kMeta), kMetaProjectionActive, EncodeU32(version));
  batch.Put(family(Family::kMeta), ProjectionMarkKey(version),
            EncodeProjectionMark(mark));
  batch.Delete(family(Family::kMeta), ProjectionMarkKey(old_version));
  batch.Delete(family(Family::kMeta), kMetaProjectionShadow);
  absl::Status switched =
      FromRocks(db_->Write(SyncWrite(), &batch),
                absl::StrCat("cannot switch to projection version ", version));
  if (switched.ok()) return switched;
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
