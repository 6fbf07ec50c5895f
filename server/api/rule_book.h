// The rule sets answers judge by: every version stored in the store's
// meta, the newest version of each id active. Rule set files are stored at
// start; PutRuleSet stores new versions while the server runs.
#ifndef CASELINE_SERVER_API_RULE_BOOK_H_
#define CASELINE_SERVER_API_RULE_BOOK_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "caseline/v1/projections.pb.h"
#include "caseline/v1/rules.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "server/store/event_store.h"

namespace caseline::api {

// rule_set_ids in one request: more than there are rule sets to name.
inline constexpr int kRuleSetIdsMax = 64;

// Thread-safe. A reader takes a Snapshot, which a later Put never changes,
// so one answer judges by one set of rule sets throughout.
class RuleBook {
 public:
  struct Snapshot {
    // Every stored version, by id then version, with its active flag.
    std::vector<v1::StoredRuleSet> stored;
    // The newest version of each id.
    std::vector<v1::RuleSet> active;
  };

  // Stores each of `files` (read from the rules directory) unless that
  // version is stored already, then reads every stored version. A file whose
  // (id, version) is stored with other content stops the start
  // (ALREADY_EXISTS): a stored version never changes, so an edited file
  // needs a new version. A file older than a version put since is skipped.
  static absl::StatusOr<std::unique_ptr<RuleBook>> Open(
      store::EventStore& store, const std::vector<v1::RuleSet>& files,
      const std::string& origin);

  std::shared_ptr<const Snapshot> snapshot() const;

  // Validates and stores a new version (see EventStore::PutRuleSet); true
  // when it was stored already.
  absl::StatusOr<bool> Put(const v1::RuleSet& rule_set);

  // The active version of each named id; INVALID_ARGUMENT naming the field
  // for an unknown id or too many ids.
  static absl::StatusOr<std::vector<v1::RuleSet>> Named(
      const Snapshot& snapshot,
      const google::protobuf::RepeatedPtrField<std::string>& ids);

 private:
  explicit RuleBook(store::EventStore& store) : store_(store) {}
  absl::Status Reload();

  store::EventStore& store_;
  // One Put at a time, so that the snapshot taken after it includes it.
  std::mutex put_mutex_;
  // Guards the pointer; readers hold it only to copy it.
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_;
};

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_RULE_BOOK_H_
