// The writer's memory of recently used cases; private to the store.
#ifndef CASELINE_SERVER_STORE_INTERNAL_CASE_CACHE_H_
#define CASELINE_SERVER_STORE_INTERNAL_CASE_CACHE_H_

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "projections/case_state.h"

namespace caseline::store::internal {

// The writer's memory of recently used cases; least recently used go first.
// Used by the writer thread only.
class CaseCache {
 public:
  explicit CaseCache(size_t cases_max) : cases_max_(cases_max) {}

  // Removes and returns the case's state, if cached.
  std::optional<CaseState> Take(const std::string& case_id) {
    auto it = index_.find(case_id);
    if (it == index_.end()) return std::nullopt;
    CaseState state = std::move(it->second->second);
    entries_.erase(it->second);
    index_.erase(it);
    return state;
  }

  void Put(const std::string& case_id, CaseState state) {
    auto it = index_.find(case_id);
    if (it != index_.end()) {
      it->second->second = std::move(state);
      entries_.splice(entries_.begin(), entries_, it->second);
      return;
    }
    entries_.emplace_front(case_id, std::move(state));
    index_[case_id] = entries_.begin();
    while (entries_.size() > cases_max_) {
      index_.erase(entries_.back().first);
      entries_.pop_back();
    }
  }

 private:
  using Entries = std::list<std::pair<std::string, CaseState>>;
  const size_t cases_max_;
  Entries entries_;
  absl::flat_hash_map<std::string, Entries::iterator> index_;
};

}  // namespace caseline::store::internal

#endif  // CASELINE_SERVER_STORE_INTERNAL_CASE_CACHE_H_
