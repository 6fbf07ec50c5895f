// Rule sets stored in the database's meta family; internal to the store
// (EventStore's header states the contract). A stored version never
// changes; the newest version of each id is the active one, computed on
// read rather than stored.
#ifndef CASELINE_SERVER_STORE_RULE_SET_STORE_H_
#define CASELINE_SERVER_STORE_RULE_SET_STORE_H_

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "caseline/v1/projections.pb.h"
#include "caseline/v1/rules.pb.h"
#include "rocksdb/db.h"

namespace caseline::store {

class RuleSetStore {
 public:
  // The caller keeps `db` and `meta` alive; `clock` gives stored_at.
  RuleSetStore(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta,
               std::function<absl::Time()> clock);

  absl::StatusOr<bool> Put(const v1::RuleSet& rule_set,
                           const std::string& origin);
  absl::StatusOr<std::vector<v1::StoredRuleSet>> ReadAll() const;

 private:
  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const meta_;
  const std::function<absl::Time()> clock_;
  // Held from Put's check to its write, so that two puts of one id cannot
  // both pass the check.
  std::mutex put_mu_;
};

}  // namespace caseline::store

#endif  // CASELINE_SERVER_STORE_RULE_SET_STORE_H_
