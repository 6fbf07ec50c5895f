// Verify: the whole database checked against its invariants.
#include "server/store/internal/event_store_impl.h"

#include <limits>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "projections/instants.h"
#include "server/store/internal/store_internal.h"

namespace caseline::store {

using internal::FromRocks;
using internal::View;

namespace {

template <typename... Parts>
absl::Status Disagree(const Parts&... parts) {
  return absl::DataLossError(absl::StrCat(parts...));
}

// Checks the log's entries one by one, in position order, as `read` sees
// them: gap-free positions, each event readable at its own position,
// recorded_at strictly increasing, versions 1..n per case, and both indexes
// pointing at it.
class LogChecker {
 public:
  LogChecker(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cases,
             rocksdb::ColumnFamilyHandle* event_ids,
             const rocksdb::ReadOptions& read)
      : db_(db), cases_(cases), event_ids_(event_ids), read_(read) {}

  // The log's next entry.
  absl::Status Check(absl::string_view key, absl::string_view value) {
    const uint64_t expected = events_ + 1;
    absl::StatusOr<uint64_t> position = DecodeU64(key);
    if (!position.ok() || *position != expected) {
      return Disagree("the log has a gap: position ", expected, " missing");
    }
    if (!event_.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
        event_.position() != expected) {
      return Disagree("the event at position ", expected, " is corrupt");
    }
    const int64_t micros = ToMicros(event_.recorded_at());
    if (micros <= last_micros_) {
      return Disagree("recorded_at does not increase at position ", expected);
    }
    last_micros_ = micros;
    uint64_t& version = version_by_case_[event_.case_id()];
    if (event_.case_version() != ++version) {
      return Disagree("position ", expected, " has case_version ",
                      event_.case_version(), ", want ", version);
    }
    if (absl::Status indexed = CheckIndexes(expected); !indexed.ok()) {
      return indexed;
    }
    ++events_;
    return absl::OkStatus();
  }

  uint64_t events() const { return events_; }
  uint64_t cases() const { return version_by_case_.size(); }

 private:
  // The cases and event_ids indexes point at event_, at `position`.
  absl::Status CheckIndexes(uint64_t position) {
    rocksdb::Status got = db_->Get(
        read_, cases_, CaseVersionKey(event_.case_id(), event_.case_version()),
        &value_);
    absl::StatusOr<uint64_t> indexed =
        got.ok() ? DecodeU64(value_) : absl::StatusOr<uint64_t>(0);
    if (!indexed.ok() || *indexed != position) {
      return Disagree("the cases index does not point at position ", position);
    }
    got = db_->Get(read_, event_ids_, event_.event_id(), &value_);
    absl::StatusOr<EventIdEntry> entry =
        got.ok() ? DecodeEventIdEntry(value_) : EventIdEntry{};
    if (!entry.ok() || entry->position != position) {
      return Disagree("the event_ids index does not point at position ",
                      position, " (", event_.event_id(), ")");
    }
    return absl::OkStatus();
  }

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const cases_;
  rocksdb::ColumnFamilyHandle* const event_ids_;
  const rocksdb::ReadOptions& read_;
  uint64_t events_ = 0;
  int64_t last_micros_ = std::numeric_limits<int64_t>::min();
  absl::flat_hash_map<std::string, uint64_t> version_by_case_;
  v1::Event event_;
  std::string value_;
};

}  // namespace

absl::StatusOr<VerifyReport> EventStore::Impl::Verify() const {
  // Every file's block checksums first, whichever column family it holds:
  // a damaged file is named as such (RocksDB's message names its path).
  if (rocksdb::Status files = db_->VerifyChecksum(); !files.ok()) {
    return FromRocks(files, "a data file fails its checksum");
  }
  internal::Snapshot snapshot(db_.get());
  const rocksdb::ReadOptions& read = snapshot.read();
  LogChecker checker(db_.get(), family(Family::kCases),
                     family(Family::kEventIds), read);
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read, family(Family::kEvents)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (absl::Status checked =
            checker.Check(View(it->key()), View(it->value()));
        !checked.ok()) {
      return checked;
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "cannot read");
  VerifyReport report;
  report.events = checker.events();
  report.cases = checker.cases();
  // Each index has exactly one entry per event: none points nowhere.
  for (Family f : {Family::kCases, Family::kEventIds}) {
    uint64_t count = 0;
    std::unique_ptr<rocksdb::Iterator> index(db_->NewIterator(read, family(f)));
    for (index->SeekToFirst(); index->Valid(); index->Next()) ++count;
    if (count != report.events) {
      return Disagree("the ", kFamilyNames[static_cast<int>(f)], " index has ",
                      count, " entries for ", report.events, " events");
    }
  }
  std::string value;
  rocksdb::Status got =
      db_->Get(read, family(Family::kMeta), kMetaHead, &value);
  absl::StatusOr<Head> head = got.ok() ? DecodeHead(value) : Head{};
  if (!head.ok() || head->last_position != report.events) {
    return Disagree("the head does not say position ", report.events);
  }
  if (absl::Status projected = projections_->Verify(read, report.events);
      !projected.ok()) {
    return projected;
  }
  return report;
}

}  // namespace caseline::store
