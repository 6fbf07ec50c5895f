// The access log: one entry per use of citizens' data, in its own column
// family (apart from the case log: it is kept for a limited time and then
// really deleted, while the case log is kept). Private to the store;
// reached through EventStore.
#ifndef CASELINE_SERVER_STORE_ACCESS_LOG_STORE_H_
#define CASELINE_SERVER_STORE_ACCESS_LOG_STORE_H_

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "caseline/v1/caseline.pb.h"
#include "rocksdb/db.h"
#include "server/store/event_store.h"

namespace caseline::store {

// Thread-safe.
class AccessLogStore {
 public:
  // The caller keeps `db` and the families alive: `family` is the access
  // log's, `all_families` every family (a sweep flushes them all); `clock`
  // stamps the entries. Reads the last entry's sequence so that keys stay
  // unique across restarts.
  static absl::StatusOr<std::unique_ptr<AccessLogStore>> Open(
      rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
      std::vector<rocksdb::ColumnFamilyHandle*> all_families,
      std::function<absl::Time()> clock);

  // Stamps `entry` with the clock and stores it. With `sync` the entry is
  // on disk when this returns; without, it is in the write-ahead log and
  // becomes durable with the next synced write of the database.
  // UNAVAILABLE on an I/O error.
  absl::Status Record(v1::AccessEntry entry, bool sync);

  // Entries in [query.from, query.to] matching the query, oldest first, at
  // most query.limit.
  absl::StatusOr<AccessPage> Read(const AccessQuery& query) const;

  // Deletes every entry stamped before `cutoff` and compacts the range, so
  // that they are gone from the files on disk, not only hidden. Returns the
  // number deleted.
  absl::StatusOr<uint64_t> Sweep(absl::Time cutoff);

 private:
  // Reserves the sequences [from, from + kAccessLogSequenceBlock) durably.
  absl::Status Reserve(uint64_t from);

  AccessLogStore(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
                 std::vector<rocksdb::ColumnFamilyHandle*> all_families,
                 std::function<absl::Time()> clock, uint64_t next_sequence);

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const family_;
  const std::vector<rocksdb::ColumnFamilyHandle*> all_families_;
  const std::function<absl::Time()> clock_;
  std::atomic<uint64_t> next_sequence_;
  std::atomic<uint64_t> reserved_until_;
  std::mutex reserve_mu_;
};

}  // namespace caseline::store

#endif  // CASELINE_SERVER_STORE_ACCESS_LOG_STORE_H_
