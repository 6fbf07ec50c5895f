#include "server/api/rule_book.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "projections/rule_sets.h"
#include "spdlog/spdlog.h"

namespace caseline::api {

absl::StatusOr<std::unique_ptr<RuleBook>> RuleBook::Open(
    store::EventStore& store, const std::vector<v1::RuleSet>& files,
    const std::string& origin) {
  // Every file is checked against what is stored before any is stored, so
  // that a refused start stores nothing.
  absl::StatusOr<std::vector<v1::StoredRuleSet>> stored_before =
      store.ReadRuleSets();
  if (!stored_before.ok()) return stored_before.status();
  for (const v1::RuleSet& rule_set : files) {
    for (const v1::StoredRuleSet& entry : *stored_before) {
      if (entry.rule_set().id() == rule_set.id() &&
          entry.rule_set().version() == rule_set.version() &&
          entry.rule_set().SerializeAsString() !=
              rule_set.SerializeAsString()) {
        return absl::AlreadyExistsError(absl::StrCat(
            origin, ": rule set ", rule_set.id(), " version ",
            rule_set.version(),
            " is stored already with other content; a stored version never "
            "changes: give the edited file a new version"));
      }
    }
  }
  for (const v1::RuleSet& rule_set : files) {
    absl::StatusOr<bool> stored = store.PutRuleSet(rule_set, origin);
    if (stored.ok()) continue;
    if (stored.status().code() == absl::StatusCode::kFailedPrecondition) {
      // A newer version was put since; the file's version is history.
      spdlog::warn("rule set {} version {} from {} not stored: {}",
                   rule_set.id(), rule_set.version(), origin,
                   stored.status().ToString());
      continue;
    }
    return absl::Status(stored.status().code(),
                        absl::StrCat(origin, ": ", stored.status().message()));
  }
  std::unique_ptr<RuleBook> book(new RuleBook(store));
  if (absl::Status loaded = book->Reload(); !loaded.ok()) return loaded;
  return book;
}

absl::Status RuleBook::Reload() {
  absl::StatusOr<std::vector<v1::StoredRuleSet>> stored = store_.ReadRuleSets();
  if (!stored.ok()) return stored.status();
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->stored = *std::move(stored);
  for (const v1::StoredRuleSet& entry : snapshot->stored) {
    if (entry.active()) snapshot->active.push_back(entry.rule_set());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  snapshot_ = std::move(snapshot);
  return absl::OkStatus();
}

std::shared_ptr<const RuleBook::Snapshot> RuleBook::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return snapshot_;
}

absl::StatusOr<bool> RuleBook::Put(const v1::RuleSet& rule_set) {
  if (absl::Status valid = ValidateRuleSet(rule_set); !valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("rule_set: ", valid.message()));
  }
  std::lock_guard<std::mutex> lock(put_mutex_);
  absl::StatusOr<bool> stored = store_.PutRuleSet(rule_set, "PutRuleSet");
  if (!stored.ok()) return stored.status();
  if (absl::Status reloaded = Reload(); !reloaded.ok()) return reloaded;
  return stored;
}

absl::StatusOr<std::vector<v1::RuleSet>> RuleBook::Named(
    const Snapshot& snapshot,
    const google::protobuf::RepeatedPtrField<std::string>& ids) {
  if (ids.size() > kRuleSetIdsMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rule_set_ids: ", ids.size(), " ids; the limit is ", kRuleSetIdsMax));
  }
  std::vector<v1::RuleSet> named;
  for (int i = 0; i < ids.size(); ++i) {
    // Named twice, a rule set would be judged, and counted, twice.
    for (int j = 0; j < i; ++j) {
      if (ids[j] == ids[i]) {
        return absl::InvalidArgumentError(
            absl::StrCat("rule_set_ids[", i, "]: ", ids[i], " is given twice"));
      }
    }
    auto found = std::find_if(
        snapshot.active.begin(), snapshot.active.end(),
        [&](const v1::RuleSet& rule_set) { return rule_set.id() == ids[i]; });
    if (found == snapshot.active.end()) {
      std::vector<std::string> known;
      for (const v1::RuleSet& r : snapshot.active) known.push_back(r.id());
      return absl::InvalidArgumentError(absl::StrCat(
          "rule_set_ids[", i, "]: ", ids[i],
          " is not a stored rule set (stored: ", absl::StrJoin(known, ", "),
          ")"));
    }
    named.push_back(*found);
  }
  return named;
}

}  // namespace caseline::api
