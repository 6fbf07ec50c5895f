// Helpers shared by the store's source files; not part of its interface.
#ifndef CASELINE_SERVER_STORE_INTERNAL_STORE_INTERNAL_H_
#define CASELINE_SERVER_STORE_INTERNAL_STORE_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/status.h"

namespace caseline::store::internal {

// RocksDB's status as ours; `what` says what was being done.
inline absl::Status FromRocks(const rocksdb::Status& status,
                              absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(what, ": ", status.ToString());
  if (status.IsNotFound()) return absl::NotFoundError(message);
  if (status.IsCorruption()) return absl::DataLossError(message);
  if (status.IsIOError() && absl::StrContains(status.ToString(), "LOCK")) {
    return absl::FailedPreconditionError(absl::StrCat(
        message, " (is another caseline-server using this data directory?)"));
  }
  if (status.IsIOError()) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

inline absl::string_view View(const rocksdb::Slice& slice) {
  return absl::string_view(slice.data(), slice.size());
}

inline rocksdb::Slice Slice(absl::string_view view) {
  return rocksdb::Slice(view.data(), view.size());
}

// An iterator over `family` as `read` sees it that ends before `upper`.
// RocksDB keeps a pointer to the bound, so the bound lives here with it.
class BoundedIterator {
 public:
  BoundedIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
                  const rocksdb::ReadOptions& read, std::string upper)
      : upper_(std::move(upper)), upper_slice_(upper_), read_(read) {
    read_.iterate_upper_bound = &upper_slice_;
    it_.reset(db->NewIterator(read_, family));
  }
  BoundedIterator(const BoundedIterator&) = delete;
  BoundedIterator& operator=(const BoundedIterator&) = delete;

  rocksdb::Iterator* operator->() const { return it_.get(); }
  rocksdb::Iterator& operator*() const { return *it_; }

 private:
  const std::string upper_;
  const rocksdb::Slice upper_slice_;
  rocksdb::ReadOptions read_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

// A RocksDB snapshot, released when it goes out of scope.
class Snapshot {
 public:
  explicit Snapshot(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {
    read_.snapshot = snapshot_;
  }
  ~Snapshot() { db_->ReleaseSnapshot(snapshot_); }
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  const rocksdb::ReadOptions& read() const { return read_; }

 private:
  rocksdb::DB* const db_;
  const rocksdb::Snapshot* const snapshot_;
  rocksdb::ReadOptions read_;
};

}  // namespace caseline::store::internal

#endif  // CASELINE_SERVER_STORE_INTERNAL_STORE_INTERNAL_H_
