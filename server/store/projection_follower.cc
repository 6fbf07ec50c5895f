// The follower: copies the log into the active projection a page at a time,
// each page's keys and the new mark in one batch.
#include "server/store/projection_store.h"

#include <algorithm>
#include <cassert>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "projections/instants.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"
#include "server/store/internal/projection_internal.h"
#include "server/store/internal/store_internal.h"
#include "spdlog/spdlog.h"

namespace caseline::store {

using internal::FromRocks;

void ProjectionStore::FollowLoop() {
  absl::Duration backoff = kFollowBackoffMin;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(state_mu_);
      follow_cv_.wait(
          lock, [&] { return stop_ || log_position_ > active_mark_.position; });
      if (stop_) return;
    }
    absl::Status status = FollowPage();
    if (status.ok()) {
      backoff = kFollowBackoffMin;
      continue;
    }
    // The log keeps every event, so nothing is lost while the projection
    // lags; it catches up once the disk answers again.
    spdlog::error("the projection follower failed; retrying in {}: {}",
                  absl::FormatDuration(backoff), status.ToString());
    std::unique_lock<std::mutex> lock(state_mu_);
    follow_cv_.wait_for(lock, absl::ToChronoNanoseconds(backoff),
                        [&] { return stop_; });
    if (stop_) return;
    backoff = std::min(backoff * 2, kFollowBackoffMax);
  }
}

absl::Status ProjectionStore::FollowPage() {
  std::lock_guard<std::mutex> follow(follow_mu_);
  const uint64_t to = log_position();
  if (mark_.position >= to) return absl::OkStatus();
  absl::StatusOr<Copied> copied =
      CopyPage(version_, mark_.position + 1, to, /*write_mark=*/true,
               follow_jobcentres_);
  if (!copied.ok()) return copied.status();
  mark_ = ProjectionMark{copied->last_position, copied->last_recorded_micros};
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    active_mark_ = mark_;
  }
  projected_cv_.notify_all();
  return absl::OkStatus();
}

absl::StatusOr<ProjectionStore::Copied> ProjectionStore::CopyPage(
    uint32_t version, uint64_t from, uint64_t to, bool write_mark,
    internal::CaseJobcentres& jobcentres) const {
  assert(from >= 1 && from <= to);
  const rocksdb::ReadOptions read;
  internal::BoundedIterator it(db_, family(Family::kEvents), read,
                               PositionKey(to + 1));
  rocksdb::WriteBatch batch;
  Copied copied;
  copied.last_position = from - 1;
  size_t bytes = 0;
  v1::Event event;
  for (it->Seek(PositionKey(from));
       it->Valid() && copied.events < kProjectionPageEventsMax &&
       bytes < kProjectionPageBytesMax;
       it->Next()) {
    const uint64_t expected = copied.last_position + 1;
    if (!event.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size())) ||
        event.position() != expected) {
      return absl::DataLossError(absl::StrCat(
          "the event at position ", expected, " is missing or corrupt"));
    }
    batch.Put(
        family(Family::kProjections),
        ProjectionEventKey(version, event.case_id(), event.case_version()),
        it->value());
    if (event.has_case_opened()) {
      // A case is reopened only in its jobcentre: this is the case's.
      jobcentres.Remember(event.case_id(), event.case_opened().jobcentre_id());
    }
    if (event.has_case_opened() || event.has_caseworker_changed()) {
      const std::string* known = jobcentres.Find(event.case_id());
      if (known == nullptr) {
        absl::StatusOr<std::string> jobcentre = internal::CaseJobcentre(
            db_, family(Family::kCases), family(Family::kEvents), read,
            event.case_id());
        if (!jobcentre.ok()) return jobcentre.status();
        jobcentres.Remember(event.case_id(), *jobcentre);
        known = jobcentres.Find(event.case_id());
      }
      internal::ForEachIndexKey(
          version, event, *known, [&](const std::string& key) {
            batch.Put(family(Family::kProjections), key, rocksdb::Slice());
          });
    }
    bytes += it->value().size();
    copied.last_position = expected;
    copied.last_recorded_micros = ToMicros(event.recorded_at());
    ++copied.events;
    if (event.case_version() == 1) ++copied.cases_begun;
  }
  if (!it->status().ok()) {
    return FromRocks(it->status(), "cannot read the log");
  }
  if (copied.events == 0) {
    return absl::DataLossError(absl::StrCat("the log has no event at position ",
                                            from, " though it ends at ", to));
  }
  // A version copied from its beginning has its whole case index.
  if (from == 1) {
    batch.Put(family(Family::kProjections), ProjectionIndexedKey(version),
              rocksdb::Slice());
  }
  if (write_mark) {
    batch.Put(family(Family::kMeta), ProjectionMarkKey(version),
              EncodeProjectionMark(
                  {copied.last_position, copied.last_recorded_micros}));
  }
  // No fsync: the log is the truth, and a lost page is copied again.
  absl::Status written =
      FromRocks(db_->Write(rocksdb::WriteOptions(), &batch),
                absl::StrCat("cannot write projection version ", version));
  if (!written.ok()) return written;
  return copied;
}

}  // namespace caseline::store
