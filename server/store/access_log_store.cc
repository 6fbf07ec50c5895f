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
  // Sequences are unique across restarts whatever the clock does: each run
  // takes them from a block reserved (durably) when it opens.
  std::string value;
  uint64_t next_sequence = 1;
  const rocksdb::Status got =
      db->Get(rocksdb::ReadOptions(), family, kAccessLogSequenceKey, &value);
  if (got.ok()) {
    absl::StatusOr<uint64_t> stored = DecodeU64(value);
    if (!stored.ok()) return absl::DataLossError(stored.status().message());
    next_sequence = *stored;
  } else if (!got.IsNotFound()) {
    return FromRocks(got, "cannot read the access log");
  }
  std::unique_ptr<AccessLogStore> store(new AccessLogStore(
      db, family, std::move(all_families), std::move(clock), next_sequence));
  if (absl::Status reserved = store->Reserve(next_sequence); !reserved.ok()) {
    return reserved;
  }
  return store;
}

AccessLogStore::AccessLogStore(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
    std::vector<rocksdb::ColumnFamilyHandle*> all_families,
    std::function<absl::Time()> clock, uint64_t next_sequence)
    : db_(db),
      family_(family),
      all_families_(std::move(all_families)),
      clock_(std::move(clock)),
      next_sequence_(next_sequence),
      reserved_until_(next_sequence) {}

absl::Status AccessLogStore::Reserve(uint64_t from) {
  rocksdb::WriteOptions write;
  write.sync = true;
  const uint64_t until = from + kAccessLogSequenceBlock;
  absl::Status status = FromRocks(
      db_->Put(write, family_, kAccessLogSequenceKey, EncodeU64(until)),
      "cannot write the access log");
  if (status.ok()) reserved_until_.store(until);
  return status;
}

absl::Status AccessLogStore::Record(v1::AccessEntry entry, bool sync) {
  const absl::Time at = clock_();
  entry.mutable_at()->set_seconds(absl::ToUnixSeconds(at));
  entry.mutable_at()->set_nanos(static_cast<int32_t>(
      (at - absl::FromUnixSeconds(absl::ToUnixSeconds(at))) /
      absl::Nanoseconds(1)));
  const uint64_t sequence = next_sequence_.fetch_add(1);
  if (sequence >= reserved_until_.load()) {
    std::lock_guard<std::mutex> lock(reserve_mu_);
    if (sequence >= reserved_until_.load()) {
      if (absl::Status reserved = Reserve(sequence); !reserved.ok()) {
        return reserved;
      }
    }
  }
  rocksdb::WriteOptions write;
  write.sync = sync;
  return FromRocks(db_->Put(write, family_, AccessLogKey(Micros(at), sequence),
                            entry.SerializeAsString()),
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
  absl::Status status;
  if (deleted > 0) {
    rocksdb::WriteOptions write;
    write.sync = true;
    status =
        FromRocks(db_->DeleteRange(write, family_, Slice(begin), Slice(end)),
                  "cannot delete from the access log");
    if (!status.ok()) return status;
    // Out of the files, not only hidden: the memtables (of every family, so
    // that no write-ahead log file still holds the entries) are flushed.
    status = FromRocks(db_->Flush(rocksdb::FlushOptions(), all_families_),
                       "cannot flush");
    if (!status.ok()) return status;
  }
  // The range is compacted down to the last level, which drops the entries
  // and the tombstone. Every sweep does it, also when nothing new was
  // deleted: entries a snapshot held at the last one, or a compaction that
  // failed, are dropped now.
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
