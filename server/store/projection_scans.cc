// Population scans: every case of the active projection, or of the log,
// handed to a visitor a case at a time from one snapshot.
#include "server/store/projection_store.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
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
using internal::RecordedAt;
using internal::Snapshot;
using internal::View;

namespace {

// Hands consecutive events of one case to the visitor, one call per case.
class CaseGrouper {
 public:
  explicit CaseGrouper(const CaseVisitor& visit) : visit_(visit) {}

  // A slot for the next event, of `case_id`; a different case than the
  // previous event's is the end of that one, which is visited first.
  absl::StatusOr<v1::Event*> Next(absl::string_view case_id) {
    if (case_id != case_id_) {
      if (absl::Status visited = Flush(); !visited.ok()) return visited;
      case_id_.assign(case_id.data(), case_id.size());
    }
    return &events_.emplace_back();
  }

  // Visits the case collected so far, if any.
  absl::Status Flush() {
    if (events_.empty()) return absl::OkStatus();
    ++cases_;
    absl::Status status = visit_(case_id_, events_);
    events_.clear();
    return status;
  }

  int64_t cases() const { return cases_; }

 private:
  const CaseVisitor& visit_;
  std::string case_id_;
  std::vector<v1::Event> events_;
  int64_t cases_ = 0;
};

// Reads the log's events by position, a case at a time, into a grouper: the
// cases index gives each case's positions in version order, and MultiGet
// reads them in chunks of kScanLogChunkEventsMax.
class LogEventReader {
 public:
  LogEventReader(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events,
                 const rocksdb::ReadOptions& read, CaseGrouper& grouper)
      : db_(db),
        events_(events),
        read_(read),
        grouper_(grouper),
        values_(kScanLogChunkEventsMax),
        statuses_(kScanLogChunkEventsMax) {}

  // The event at `position` is the next of `case_id`. Reads the events
  // added before first if they are another case's or fill a chunk.
  absl::Status Add(std::string case_id, uint64_t position) {
    if (case_id != case_id_ || keys_.size() == kScanLogChunkEventsMax) {
      if (absl::Status read = Flush(); !read.ok()) return read;
      case_id_ = std::move(case_id);
    }
    keys_.push_back(PositionKey(position));
    return absl::OkStatus();
  }

  // Reads the events added and hands them to the grouper.
  absl::Status Flush() {
    if (keys_.empty()) return absl::OkStatus();
    slices_.assign(keys_.begin(), keys_.end());
    db_->MultiGet(read_, events_, keys_.size(), slices_.data(), values_.data(),
                  statuses_.data(), /*sorted_input=*/true);
    for (size_t i = 0; i < keys_.size(); ++i) {
      const uint64_t position = DecodeU64(keys_[i]).value_or(0);
      if (statuses_[i].IsNotFound()) {
        return absl::DataLossError(
            absl::StrCat("the event at position ", position, " is missing"));
      }
      if (!statuses_[i].ok()) {
        return FromRocks(statuses_[i], "cannot read the log");
      }
      absl::StatusOr<v1::Event*> event = grouper_.Next(case_id_);
      if (!event.ok()) return event.status();
      if (!(*event)->ParseFromArray(values_[i].data(),
                                    static_cast<int>(values_[i].size())) ||
          (*event)->position() != position || (*event)->case_id() != case_id_) {
        return absl::DataLossError(
            absl::StrCat("the event at position ", position, " is corrupt"));
      }
      values_[i].Reset();
    }
    keys_.clear();
    return absl::OkStatus();
  }

 private:
  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const events_;
  const rocksdb::ReadOptions& read_;
  CaseGrouper& grouper_;
  std::string case_id_;
  std::vector<std::string> keys_;
  std::vector<rocksdb::Slice> slices_;
  std::vector<rocksdb::PinnableSlice> values_;
  std::vector<rocksdb::Status> statuses_;
};

}  // namespace

absl::StatusOr<ScanBasis> ProjectionStore::ScanMaterialized(
    const CaseVisitor& visit, uint64_t max_position) const {
  Snapshot snapshot(db_);
  // The version and its mark come from the snapshot too, so that a switch
  // is seen whole or not at all.
  absl::StatusOr<Active> active =
      ReadActive(db_, family(Family::kMeta), snapshot.read());
  if (!active.ok()) return active.status();
  ScanBasis basis;
  basis.projection_version = active->version;
  basis.last_position = active->mark.position;
  basis.last_recorded_at = RecordedAt(active->mark);
  // Cut at max_position when the mark is past it; the recorded_at of the
  // event there is then the latest seen.
  const bool cut = max_position > 0 && max_position < active->mark.position;
  if (cut) {
    basis.last_position = max_position;
    basis.last_recorded_at = absl::InfinitePast();
  }

  rocksdb::ReadOptions read = snapshot.read();
  const std::string upper = ProjectionVersionEnd(active->version);
  const rocksdb::Slice upper_slice(upper);
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read, family(Family::kProjections)));
  CaseGrouper grouper(visit);
  v1::Event parsed;
  for (it->Seek(ProjectionEventsPrefix(active->version)); it->Valid();
       it->Next()) {
    absl::StatusOr<ProjectionEventKeyParts> key =
        DecodeProjectionEventKey(View(it->key()));
    if (!key.ok()) return Lost(key.status());
    if (!parsed.ParseFromArray(it->value().data(),
                               static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat(
          "projection version ", active->version, ": the event of case ",
          key->case_id, " version ", key->case_version, " is corrupt"));
    }
    if (parsed.position() > basis.last_position) continue;
    if (cut) {
      basis.last_recorded_at =
          std::max(basis.last_recorded_at,
                   RecordedAt(ProjectionMark{parsed.position(),
                                             ToMicros(parsed.recorded_at())}));
    }
    absl::StatusOr<v1::Event*> event = grouper.Next(key->case_id);
    if (!event.ok()) return event.status();
    **event = std::move(parsed);
  }
  if (!it->status().ok()) {
    return FromRocks(it->status(), "cannot read the projection");
  }
  if (absl::Status visited = grouper.Flush(); !visited.ok()) return visited;
  basis.cases = grouper.cases();
  return basis;
}

absl::StatusOr<ScanBasis> ProjectionStore::ScanLog(
    const CaseVisitor& visit) const {
  Snapshot snapshot(db_);
  ScanBasis basis;
  std::string value;
  rocksdb::Status got =
      db_->Get(snapshot.read(), family(Family::kMeta), kMetaHead, &value);
  if (got.ok()) {
    absl::StatusOr<Head> head = DecodeHead(value);
    if (!head.ok()) return Lost(head.status());
    basis.last_position = head->last_position;
    basis.last_recorded_at =
        RecordedAt({head->last_position, head->last_recorded_micros});
  } else if (!got.IsNotFound()) {
    return FromRocks(got, "cannot read the log's head");
  }

  CaseGrouper grouper(visit);
  LogEventReader reader(db_, family(Family::kEvents), snapshot.read(), grouper);
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(snapshot.read(), family(Family::kCases)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    absl::StatusOr<std::pair<std::string, uint64_t>> key =
        DecodeCaseVersionKey(View(it->key()));
    if (!key.ok()) return Lost(key.status());
    absl::StatusOr<uint64_t> position = DecodeU64(View(it->value()));
    if (!position.ok()) return Lost(position.status());
    if (absl::Status added = reader.Add(std::move(key->first), *position);
        !added.ok()) {
      return added;
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "cannot read cases");
  if (absl::Status read = reader.Flush(); !read.ok()) return read;
  if (absl::Status visited = grouper.Flush(); !visited.ok()) return visited;
  basis.cases = grouper.cases();
  return basis;
}

}  // namespace caseline::store
