// Verify of the active projection: its keys against the log, every
// position up to its mark exactly once.
#include "server/store/projection_store.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "projections/instants.h"
#include "rocksdb/iterator.h"
#include "server/store/internal/projection_internal.h"
#include "server/store/internal/store_internal.h"

namespace caseline::store {

using internal::Active;
using internal::FromRocks;
using internal::Lost;
using internal::ReadActive;
using internal::View;

namespace {

// Checks a projection version's keys, in any order, against the log in a
// snapshot: each key's event is the log's (the same bytes) under its own
// case and version, at a position up to the mark, and every position up to
// the mark is there exactly once.
class ProjectionChecker {
 public:
  ProjectionChecker(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events,
                    const rocksdb::ReadOptions& snapshot, uint32_t version,
                    const ProjectionMark& mark)
      : db_(db),
        events_(events),
        snapshot_(snapshot),
        version_(version),
        mark_(mark),
        seen_(mark.position + 1, false) {}

  absl::Status Check(absl::string_view key, absl::string_view value) {
    absl::StatusOr<ProjectionEventKeyParts> parts =
        DecodeProjectionEventKey(key);
    if (!parts.ok()) return Lost(parts.status());
    const std::string where =
        absl::StrCat("case ", parts->case_id, " version ", parts->case_version);
    if (!event_.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return Disagree("the event of ", where, " is corrupt");
    }
    if (event_.case_id() != parts->case_id ||
        event_.case_version() != parts->case_version) {
      return Disagree("the key of ", where, " holds the event of case ",
                      event_.case_id(), " version ", event_.case_version());
    }
    const uint64_t position = event_.position();
    if (position == 0 || position > mark_.position) {
      return Disagree(where, " is at position ", position,
                      ", beyond the materialized position ", mark_.position);
    }
    if (seen_[position]) {
      return Disagree("position ", position, " is there twice");
    }
    seen_[position] = true;
    rocksdb::Status got =
        db_->Get(snapshot_, events_, PositionKey(position), &logged_);
    if (!got.ok() || logged_ != value) {
      return Disagree(where, " differs from the log's event at position ",
                      position);
    }
    return absl::OkStatus();
  }

  // After every key: none missing, and the mark's recorded_at is the log's.
  absl::Status Finish() {
    for (uint64_t position = 1; position <= mark_.position; ++position) {
      if (!seen_[position]) {
        return Disagree("the event at position ", position,
                        " is missing, though the materialized position is ",
                        mark_.position);
      }
    }
    if (mark_.position == 0) return absl::OkStatus();
    rocksdb::Status got =
        db_->Get(snapshot_, events_, PositionKey(mark_.position), &logged_);
    if (!got.ok() || !event_.ParseFromString(logged_) ||
        ToMicros(event_.recorded_at()) != mark_.recorded_micros) {
      return Disagree("the recorded_at of the materialized position ",
                      mark_.position, " differs from the log's");
    }
    return absl::OkStatus();
  }

 private:
  template <typename... Parts>
  absl::Status Disagree(const Parts&... parts) const {
    return absl::DataLossError(
        absl::StrCat("projection version ", version_, ": ", parts...));
  }

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const events_;
  const rocksdb::ReadOptions& snapshot_;
  const uint32_t version_;
  const ProjectionMark mark_;
  // Which positions the projection holds.
  std::vector<bool> seen_;
  v1::Event event_;
  std::string logged_;
};

}  // namespace

absl::Status ProjectionStore::Verify(const rocksdb::ReadOptions& snapshot,
                                     uint64_t log_position) const {
  absl::StatusOr<Active> active =
      ReadActive(db_, family(Family::kMeta), snapshot);
  if (!active.ok()) return active.status();
  if (active->mark.position > log_position) {
    return absl::DataLossError(absl::StrCat(
        "projection version ", active->version, ": the materialized position ",
        active->mark.position, " is beyond the log's end ", log_position));
  }
  ProjectionChecker checker(db_, family(Family::kEvents), snapshot,
                            active->version, active->mark);
  rocksdb::ReadOptions read = snapshot;
  const std::string upper = ProjectionVersionEnd(active->version);
  const rocksdb::Slice upper_slice(upper);
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read, family(Family::kProjections)));
  for (it->Seek(ProjectionEventsPrefix(active->version)); it->Valid();
       it->Next()) {
    if (absl::Status checked =
            checker.Check(View(it->key()), View(it->value()));
        !checked.ok()) {
      return checked;
    }
  }
  if (!it->status().ok()) {
    return FromRocks(it->status(), "cannot read the projection");
  }
  return checker.Finish();
}

}  // namespace caseline::store
