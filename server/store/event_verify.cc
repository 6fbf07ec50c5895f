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

absl::StatusOr<VerifyReport> EventStore::Impl::Verify() const {
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  auto disagree = [](auto&&... parts) {
    return absl::DataLossError(absl::StrCat(parts...));
  };
  VerifyReport report;
  absl::Status status = [&]() -> absl::Status {
    absl::flat_hash_map<std::string, uint64_t> version_by_case;
    std::string value;
    int64_t last_micros = std::numeric_limits<int64_t>::min();
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(read, family(Family::kEvents)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const uint64_t expected = report.events + 1;
      absl::StatusOr<uint64_t> key = DecodeU64(View(it->key()));
      if (!key.ok() || *key != expected) {
        return disagree("the log has a gap: position ", expected, " missing");
      }
      v1::Event event;
      if (!event.ParseFromArray(it->value().data(),
                                static_cast<int>(it->value().size())) ||
          event.position() != expected) {
        return disagree("the event at position ", expected, " is corrupt");
      }
      const int64_t micros = ToMicros(event.recorded_at());
      if (micros <= last_micros) {
        return disagree("recorded_at does not increase at position ", expected);
      }
      last_micros = micros;
      uint64_t& version = version_by_case[event.case_id()];
      if (event.case_version() != ++version) {
        return disagree("position ", expected, " has case_version ",
                        event.case_version(), ", want ", version);
      }
      rocksdb::Status got =
          db_->Get(read, family(Family::kCases),
                   CaseVersionKey(event.case_id(), version), &value);
      absl::StatusOr<uint64_t> indexed =
          got.ok() ? DecodeU64(value) : absl::StatusOr<uint64_t>(0);
      if (!indexed.ok() || *indexed != expected) {
        return disagree("the cases index does not point at position ",
                        expected);
      }
      got = db_->Get(read, family(Family::kEventIds), event.event_id(), &value);
      absl::StatusOr<EventIdEntry> entry =
          got.ok() ? DecodeEventIdEntry(value) : EventIdEntry{};
      if (!entry.ok() || entry->position != expected) {
        return disagree("the event_ids index does not point at position ",
                        expected, " (", event.event_id(), ")");
      }
      ++report.events;
    }
    if (!it->status().ok()) return FromRocks(it->status(), "cannot read");
    report.cases = version_by_case.size();
    for (Family f : {Family::kCases, Family::kEventIds}) {
      uint64_t count = 0;
      std::unique_ptr<rocksdb::Iterator> index(
          db_->NewIterator(read, family(f)));
      for (index->SeekToFirst(); index->Valid(); index->Next()) ++count;
      if (count != report.events) {
        return disagree("the ", kFamilyNames[static_cast<int>(f)],
                        " index has ", count, " entries for ", report.events,
                        " events");
      }
    }
    rocksdb::Status got =
        db_->Get(read, family(Family::kMeta), kMetaHead, &value);
    absl::StatusOr<Head> head = got.ok() ? DecodeHead(value) : Head{};
    if (!head.ok() || head->last_position != report.events) {
      return disagree("the head does not say position ", report.events);
    }
    return projections_->Verify(read, report.events);
  }();
  db_->ReleaseSnapshot(snapshot);
  if (!status.ok()) return status;
  return report;
}

}  // namespace caseline::store
