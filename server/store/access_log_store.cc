#include "server/store/access_log_store.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "server/store/internal/store_internal.h"
#include "server/store/keys.h"

namespace caseline::store {
namespace {

using internal::FromRocks;
using internal::Slice;
using internal::View;

uint64_t Micros(absl::Time time) {
  if (time <= absl::UnixEpoch()) return 0;
  if (time == absl::InfiniteFuture()) return UINT64_MAX;
  return static_cast<uint64_t>(absl::ToUnixMicros(time));
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& values,
              const std::string& wanted) {
  return std::find(values.begin(), values.end(), wanted) != values.end();
}

bool Matches(const v1::AccessEntry& entry, const AccessQuery& query) {
  return (query.case_id.empty() || Contains(entry.case_ids(), query.case_id)) &&
         (query.citizen_id.empty() ||
          Contains(entry.citizen_ids(), query.citizen_id)) &&
         (query.subject.empty() || entry.subject() == query.subject);
}

}  // namespace

absl::StatusOr<std::unique_ptr<AccessLogStore>> AccessLogStore::Open(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
    std::vector<rocksdb::ColumnFamilyHandle*> all_families,
    std::function<absl::Time()> clock) {
  std::unique_ptr<rocksdb::Iterator> it(
      db->NewIterator(rocksdb::ReadOptions(), family));
  it->SeekToLast();
  uint64_t next_sequence = 1;
  if (it->Valid()) {
    absl::StatusOr<std::pair<uint64_t, uint64_t>> key =
        DecodeAccessLogKey(View(it->key()));
    if (!key.ok()) return absl::DataLossError(key.status().message());
    next_sequence = key->second + 1;
  }
  if (!it->status().ok()) {
    return FromRocks(it->status(), "cannot read the access log");
  }
  return std::unique_ptr<AccessLogStore>(new AccessLogStore(
      db, family, std::move(all_families), std::move(clock), next_sequence));
}

AccessLogStore::AccessLogStore(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
    std::vector<rocksdb::ColumnFamilyHandle*> all_families,
    std::function<absl::Time()> clock, uint64_t next_sequence)
    : db_(db),
      family_(family),
      all_families_(std::move(all_families)),
      clock_(std::move(clock)),
      next_sequence_(next_sequence) {}

absl::Status AccessLogStore::Record(v1::AccessEntry entry, bool sync) {
  const absl::Time at = clock_();
  entry.mutable_at()->set_seconds(absl::ToUnixSeconds(at));
  entry.mutable_at()->set_nanos(static_cast<int32_t>(
      (at - absl::FromUnixSeconds(absl::ToUnixSeconds(at))) /
      absl::Nanoseconds(1)));
  const std::string key = AccessLogKey(Micros(at), next_sequence_.fetch_add(1));
  rocksdb::WriteOptions write;
  write.sync = sync;
  return FromRocks(db_->Put(write, family_, key, entry.SerializeAsString()),
                   "cannot write the access log");
}

absl::StatusOr<AccessPage> AccessLogStore::Read(
    const AccessQuery& query) const {
  AccessPage page;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), family_));
  const std::string end = AccessLogKey(Micros(query.to), UINT64_MAX);
  for (it->Seek(AccessLogKey(Micros(query.from), 0));
       it->Valid() && View(it->key()) <= end; it->Next()) {
    v1::AccessEntry entry;
    if (!entry.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      return absl::DataLossError("an access log entry is corrupt");
    }
    if (!Matches(entry, query)) continue;
    if (page.entries.size() == query.limit) {
      page.truncated = true;
      break;
    }
    page.entries.push_back(std::move(entry));
  }
  if (!it->status().ok()) {
    return FromRocks(it->status(), "cannot read the access log");
  }
  return page;
}

absl::StatusOr<uint64_t> AccessLogStore::Sweep(absl::Time cutoff) {
  const std::string begin = AccessLogKey(0, 0);
  const std::string end = AccessLogKey(Micros(cutoff), 0);
  uint64_t deleted = 0;
  {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), family_));
    for (it->Seek(begin); it->Valid() && View(it->key()) < end; it->Next()) {
      ++deleted;
    }
    if (!it->status().ok()) {
      return FromRocks(it->status(), "cannot read the access log");
    }
  }
  if (deleted == 0) return 0;
  rocksdb::WriteOptions write;
  write.sync = true;
  absl::Status status =
      FromRocks(db_->DeleteRange(write, family_, Slice(begin), Slice(end)),
                "cannot delete from the access log");
  if (!status.ok()) return status;
  // Gone from disk, not only hidden: the memtables (of every family, so
  // that no write-ahead log file still holds the entries) are flushed, and
  // the range is compacted down to the last level, which drops the entries
  // and the tombstone.
  status = FromRocks(db_->Flush(rocksdb::FlushOptions(), all_families_),
                     "cannot flush");
  if (!status.ok()) return status;
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  const rocksdb::Slice from = Slice(begin), to = Slice(end);
  status = FromRocks(db_->CompactRange(compact, family_, &from, &to),
                     "cannot compact the access log");
  if (!status.ok()) return status;
  return deleted;
}

}  // namespace caseline::store
