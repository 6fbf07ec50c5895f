// Helpers shared by the files of ProjectionStore; private to the store.
#ifndef CASELINE_SERVER_STORE_INTERNAL_PROJECTION_INTERNAL_H_
#define CASELINE_SERVER_STORE_INTERNAL_PROJECTION_INTERNAL_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "server/store/keys.h"

namespace caseline::store::internal {

// The decoders report corrupt bytes as INTERNAL; read from disk, they are
// lost data.
inline absl::Status Lost(const absl::Status& status) {
  return absl::DataLossError(status.message());
}

inline absl::Time RecordedAt(const ProjectionMark& mark) {
  return mark.position == 0 ? absl::InfinitePast()
                            : absl::FromUnixMicros(mark.recorded_micros);
}

inline rocksdb::WriteOptions SyncWrite() {
  rocksdb::WriteOptions options;
  options.sync = true;
  return options;
}

struct Active {
  uint32_t version = 1;
  ProjectionMark mark;
};

// The active version and its mark as `read` sees them. A database from
// before projections has neither: version 1, nothing materialized.
absl::StatusOr<Active> ReadActive(rocksdb::DB* db,
                                  rocksdb::ColumnFamilyHandle* meta,
                                  const rocksdb::ReadOptions& read);

}  // namespace caseline::store::internal

#endif  // CASELINE_SERVER_STORE_INTERNAL_PROJECTION_INTERNAL_H_
