// Helpers shared by the files of ProjectionStore; private to the store.
#ifndef CASELINE_SERVER_STORE_INTERNAL_PROJECTION_INTERNAL_H_
#define CASELINE_SERVER_STORE_INTERNAL_PROJECTION_INTERNAL_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "caseline/v1/events.pb.h"
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

// The case index keys an event of a case of `jobcentre_id` gives in
// `version`: the ids its case_opened or caseworker_changed names (empty
// ids name nothing).
template <typename Add>
void ForEachIndexKey(uint32_t version, const v1::Event& event,
                     absl::string_view jobcentre_id, Add add) {
  auto named = [&](CaseIndex index, const std::string& id) {
    if (!id.empty()) {
      add(ProjectionIndexKey(version, index, id, jobcentre_id,
                             event.case_id()));
    }
  };
  if (event.has_case_opened()) {
    named(CaseIndex::kJobcentre, event.case_opened().jobcentre_id());
    named(CaseIndex::kTeam, event.case_opened().team_id());
    named(CaseIndex::kCaseworker, event.case_opened().caseworker_id());
  } else if (event.has_caseworker_changed()) {
    named(CaseIndex::kTeam, event.caseworker_changed().team_id());
    named(CaseIndex::kCaseworker, event.caseworker_changed().caseworker_id());
  }
}

// The jobcentres of the cases a copier has seen begin, for the case index
// entries of their caseworker_changed events (which name none): a case's is
// read from the log only once forgotten. Holds at most kCasesMax cases,
// then starts over. Not thread-safe: one per copier.
class CaseJobcentres {
 public:
  // About the cases open at once in a national log in position order
  // (170,000 in the generated Denmark), at some 50 bytes each.
  static constexpr size_t kCasesMax = 262'144;

  void Remember(absl::string_view case_id, absl::string_view jobcentre_id) {
    if (cases_.size() >= kCasesMax) cases_.clear();
    cases_[case_id].assign(jobcentre_id.data(), jobcentre_id.size());
  }
  // The case's jobcentre, or nullptr if not remembered.
  const std::string* Find(absl::string_view case_id) const {
    auto found = cases_.find(case_id);
    return found == cases_.end() ? nullptr : &found->second;
  }

 private:
  absl::flat_hash_map<std::string, std::string> cases_;
};

// The jobcentre of a case, from its case_opened in the log as `read` sees
// it; DATA_LOSS if the case has none.
absl::StatusOr<std::string> CaseJobcentre(rocksdb::DB* db,
                                          rocksdb::ColumnFamilyHandle* cases,
                                          rocksdb::ColumnFamilyHandle* events,
                                          const rocksdb::ReadOptions& read,
                                          absl::string_view case_id);

}  // namespace caseline::store::internal

#endif  // CASELINE_SERVER_STORE_INTERNAL_PROJECTION_INTERNAL_H_
