// ProjectionStore's life and status: opening (and removing what a crash
// left), the log's growth, closing, and waiting for a position. The
// follower, the scans, the rebuild and the checker have files of their own.
#include "server/store/projection_store.h"

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"
#include "server/store/internal/projection_internal.h"
#include "server/store/internal/store_internal.h"
#include "spdlog/spdlog.h"

namespace caseline::store {

using internal::Active;
using internal::FromRocks;
using internal::Lost;
using internal::ReadActive;
using internal::SyncWrite;
using internal::View;

namespace internal {

// The active version and its mark as `read` sees them. A database from
// before projections has neither: version 1, nothing materialized.
absl::StatusOr<Active> ReadActive(rocksdb::DB* db,
                                  rocksdb::ColumnFamilyHandle* meta,
                                  const rocksdb::ReadOptions& read) {
  Active active;
  std::string value;
  rocksdb::Status got = db->Get(read, meta, kMetaProjectionActive, &value);
  if (got.ok()) {
    absl::StatusOr<uint32_t> version = DecodeU32(value);
    if (!version.ok()) return Lost(version.status());
    if (*version == 0) {
      return absl::DataLossError("the active projection version is 0");
    }
    active.version = *version;
  } else if (!got.IsNotFound()) {
    return FromRocks(got, "cannot read the active projection version");
  }
  got = db->Get(read, meta, ProjectionMarkKey(active.version), &value);
  if (got.ok()) {
    absl::StatusOr<ProjectionMark> mark = DecodeProjectionMark(value);
    if (!mark.ok()) return Lost(mark.status());
    active.mark = *mark;
  } else if (!got.IsNotFound()) {
    return FromRocks(got, "cannot read the projection's position");
  }
  return active;
}

absl::StatusOr<std::string> CaseJobcentre(rocksdb::DB* db,
                                          rocksdb::ColumnFamilyHandle* cases,
                                          rocksdb::ColumnFamilyHandle* events,
                                          const rocksdb::ReadOptions& read,
                                          absl::string_view case_id) {
  std::string value;
  rocksdb::Status got =
      db->Get(read, cases, CaseVersionKey(case_id, 1), &value);
  if (got.IsNotFound()) {
    return absl::DataLossError(
        absl::StrCat("case ", case_id, " has no first event in the log"));
  }
  if (!got.ok()) return FromRocks(got, "cannot read the cases index");
  absl::StatusOr<uint64_t> position = DecodeU64(value);
  if (!position.ok()) return Lost(position.status());
  got = db->Get(read, events, PositionKey(*position), &value);
  if (!got.ok()) {
    return got.IsNotFound()
               ? absl::DataLossError(absl::StrCat("the event at position ",
                                                  *position, " is missing"))
               : FromRocks(got, "cannot read the log");
  }
  v1::Event opened;
  if (!opened.ParseFromString(value) || !opened.has_case_opened()) {
    return absl::DataLossError(absl::StrCat("the first event of case ", case_id,
                                            " is not its case_opened"));
  }
  return std::move(*opened.mutable_case_opened()->mutable_jobcentre_id());
}

}  // namespace internal

ProjectionStore::ProjectionStore(
    rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> families)
    : db_(db), families_(std::move(families)) {}

ProjectionStore::~ProjectionStore() { Stop(); }

absl::Status ProjectionStore::Open(uint64_t log_position, bool follow_log) {
  absl::StatusOr<Active> active =
      ReadActive(db_, family(Family::kMeta), rocksdb::ReadOptions());
  if (!active.ok()) return active.status();
  if (active->mark.position > log_position) {
    return absl::DataLossError(absl::StrCat(
        "projection version ", active->version, " has materialized position ",
        active->mark.position, " but the log ends at ", log_position));
  }
  if (!follow_log) {
    // Verify only: read what is there, write nothing.
    std::lock_guard<std::mutex> lock(state_mu_);
    active_version_ = active->version;
    active_mark_ = active->mark;
    log_position_ = log_position;
    return absl::OkStatus();
  }
  if (absl::Status removed = RemoveLeftovers(active->version); !removed.ok()) {
    return removed;
  }
  if (active->mark.position > 0) {
    std::string marker;
    rocksdb::Status got =
        db_->Get(rocksdb::ReadOptions(), family(Family::kProjections),
                 ProjectionIndexedKey(active->version), &marker);
    if (got.IsNotFound()) {
      spdlog::warn(
          "projection version {} was begun without a case index, so answers "
          "about one team, caseworker or jobcentre read every case; `caseline "
          "rebuild` makes a version with one",
          active->version);
    } else if (!got.ok()) {
      return FromRocks(got, "cannot read the case index");
    }
  }
  {
    std::lock_guard<std::mutex> follow(follow_mu_);
    version_ = active->version;
    mark_ = active->mark;
  }
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    active_version_ = active->version;
    active_mark_ = active->mark;
    log_position_ = log_position;
  }
  follower_ = std::thread([this] { FollowLoop(); });
  return absl::OkStatus();
}

absl::Status ProjectionStore::RemoveLeftovers(uint32_t active) {
  rocksdb::ReadOptions read;
  rocksdb::WriteBatch batch;
  std::string value;
  // The active version is written down, so that older builds of the data
  // directory and this one agree on it.
  rocksdb::Status got =
      db_->Get(read, family(Family::kMeta), kMetaProjectionActive, &value);
  if (got.IsNotFound()) {
    batch.Put(family(Family::kMeta), kMetaProjectionActive, EncodeU32(active));
  } else if (!got.ok()) {
    return FromRocks(got, "cannot read the active projection version");
  }
  got = db_->Get(read, family(Family::kMeta), kMetaProjectionShadow, &value);
  if (got.ok()) {
    spdlog::warn(
        "a rebuild of projection version {} was interrupted; removing what "
        "it built",
        DecodeU32(value).value_or(0));
    batch.Delete(family(Family::kMeta), kMetaProjectionShadow);
  } else if (!got.IsNotFound()) {
    return FromRocks(got, "cannot read the rebuild marker");
  }

  // Every version but the active one is left over from an interrupted
  // rebuild, or from the deletion of an old version after a switch.
  std::unique_ptr<rocksdb::Iterator> keys(
      db_->NewIterator(read, family(Family::kProjections)));
  keys->SeekToFirst();
  if (keys->Valid() &&
      keys->key().compare(ProjectionVersionBegin(active)) < 0) {
    spdlog::info("removing projection versions before {}", active);
    batch.DeleteRange(family(Family::kProjections), "",
                      ProjectionVersionBegin(active));
  }
  keys->Seek(ProjectionVersionEnd(active));
  if (keys->Valid()) {
    spdlog::info("removing projection versions after {}", active);
    batch.DeleteRange(family(Family::kProjections),
                      ProjectionVersionEnd(active),
                      ProjectionVersionEnd(UINT32_MAX));
  }
  if (!keys->status().ok()) {
    return FromRocks(keys->status(), "cannot read the projections");
  }
  std::unique_ptr<rocksdb::Iterator> marks(
      db_->NewIterator(read, family(Family::kMeta)));
  for (marks->Seek(kMetaProjectionMarks);
       marks->Valid() && marks->key().starts_with(kMetaProjectionMarks);
       marks->Next()) {
    if (View(marks->key()) != ProjectionMarkKey(active)) {
      batch.Delete(family(Family::kMeta), marks->key());
    }
  }
  if (!marks->status().ok()) {
    return FromRocks(marks->status(), "cannot read the projection marks");
  }
  if (batch.Count() == 0) return absl::OkStatus();
  return FromRocks(db_->Write(SyncWrite(), &batch),
                   "cannot remove left-over projection versions");
}

void ProjectionStore::LogAdvanced(uint64_t last_position) {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    log_position_ = std::max(log_position_, last_position);
  }
  follow_cv_.notify_one();
}

void ProjectionStore::BeginClose() {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    closing_ = true;
  }
  projected_cv_.notify_all();
}

void ProjectionStore::Stop() {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    closing_ = true;
    stop_ = true;
  }
  follow_cv_.notify_all();
  projected_cv_.notify_all();
  if (follower_.joinable()) follower_.join();
}

uint64_t ProjectionStore::log_position() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return log_position_;
}

bool ProjectionStore::closing() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return closing_;
}

ProjectionStatus ProjectionStore::status() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  ProjectionStatus status;
  status.active_version = active_version_;
  status.position = active_mark_.position;
  status.rebuilding_version = rebuild_switched_ ? 0 : rebuild_version_;
  return status;
}

uint64_t ProjectionStore::WaitForProjection(uint64_t position,
                                            absl::Time deadline) const {
  std::unique_lock<std::mutex> lock(state_mu_);
  projected_cv_.wait_until(lock, absl::ToChronoTime(deadline), [&] {
    return active_mark_.position >= position || closing_;
  });
  return active_mark_.position;
}

}  // namespace caseline::store
