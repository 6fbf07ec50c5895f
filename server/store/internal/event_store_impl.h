// EventStore's implementation, shared by the files that make it up (the
// writer, the reads, Verify); private to the store.
//
// Threads: the writer thread owns head_, cache_ and the staging of appends;
// readers use RocksDB snapshots and take no lock of the writer's; the locks
// below say what they guard.
#ifndef CASELINE_SERVER_STORE_INTERNAL_EVENT_STORE_IMPL_H_
#define CASELINE_SERVER_STORE_INTERNAL_EVENT_STORE_IMPL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "projections/case_state.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
#include "server/store/access_log_store.h"
#include "server/store/event_store.h"
#include "server/store/internal/case_cache.h"
#include "server/store/keys.h"
#include "server/store/projection_store.h"
#include "server/store/rule_set_store.h"

namespace caseline::store {
namespace internal {

// An event the log holds, as a retry check needs it.
struct StoredEvent {
  uint64_t position = 0;
  uint64_t digest = 0;
  uint64_t case_version = 0;
  int64_t recorded_micros = 0;
};

// `message` about the request's events[index].
inline absl::Status EventError(absl::StatusCode code, size_t index,
                               absl::string_view message) {
  return absl::Status(code, absl::StrCat("events[", index, "].", message));
}

}  // namespace internal

class EventStore::Impl {
 public:
  explicit Impl(StoreOptions options)
      : options_(std::move(options)), cache_(options_.case_cache_cases_max) {
    sync_write_.sync = true;
  }
  ~Impl();

  absl::Status Open();
  std::future<absl::StatusOr<AppendResult>> AppendAsync(AppendCommand command,
                                                        Admission admission);
  std::future<std::vector<absl::StatusOr<AppendResult>>> AppendManyAsync(
      std::vector<AppendCommand> commands, Admission admission);
  absl::StatusOr<CasePage> ReadCase(absl::string_view case_id,
                                    uint64_t from_version,
                                    uint32_t max_count) const;
  absl::StatusOr<LogPage> ReadAll(uint64_t from_position, uint32_t max_count,
                                  const KindFilter& kinds) const;
  uint64_t last_position() const { return last_position_.load(); }
  LogHead head() const;
  rocksdb::DB* db() const { return db_.get(); }
  uint64_t WaitForPosition(uint64_t position, absl::Time deadline) const;
  void BeginClose();
  bool closing() const { return closing_.load(); }
  absl::Status health() const {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (!failure_.ok()) return failure_;
    if (closing_) return absl::UnavailableError("the store is closing");
    return absl::OkStatus();
  }
  absl::StatusOr<VerifyReport> Verify() const;

  ProjectionStore& projections() const { return *projections_; }
  RuleSetStore& rule_sets() const { return *rule_sets_; }
  AccessLogStore& access_log() const { return *access_log_; }

 private:
  // The results of one AppendManyAsync, filled in as its appends are
  // applied; the last one answers them all.
  struct ManyResults {
    explicit ManyResults(size_t n) : results(n), left(n) {}
    std::vector<absl::StatusOr<AppendResult>> results;
    std::atomic<size_t> left;
    std::promise<std::vector<absl::StatusOr<AppendResult>>> done;
  };

  // One append waiting for the writer.
  struct Pending {
    AppendCommand command;
    // ContentDigest of each event, computed before queueing.
    std::vector<uint64_t> digests;
    size_t bytes = 0;
    // Where its result goes: the promise of a lone append, or its place
    // among the results of an AppendManyAsync.
    std::optional<std::promise<absl::StatusOr<AppendResult>>> done;
    std::shared_ptr<ManyResults> many;
    size_t index = 0;

    void Finish(absl::StatusOr<AppendResult> result);
  };

  // What one group commit has staged so far; appends later in the group see
  // the effects of those before them.
  struct Group {
    uint64_t next_position = 1;
    int64_t last_recorded_micros = 0;
    absl::flat_hash_map<std::string, CaseState> cases;
    absl::flat_hash_map<std::string, internal::StoredEvent> events_by_id;
    rocksdb::WriteBatch batch;
  };

  rocksdb::ColumnFamilyHandle* family(Family f) const {
    return families_[static_cast<int>(f)];
  }
  absl::Status CheckCommand(AppendCommand& command,
                            std::vector<uint64_t>* digests,
                            size_t* bytes) const;
  absl::Status LoadHead();
  // Checks each append and queues those that pass, all or none of them
  // (answering each refused one); `admission` as for AppendAsync.
  void Enqueue(std::vector<std::unique_ptr<Pending>> pendings,
               Admission admission);
  void WriterLoop();
  void CommitGroup(std::vector<std::unique_ptr<Pending>>& group);
  absl::StatusOr<AppendResult> Stage(Pending& pending, absl::Time now,
                                     Group& group);
  absl::StatusOr<std::optional<AppendResult>> CheckRetry(const Pending& pending,
                                                         const Group& group);
  absl::StatusOr<std::optional<internal::StoredEvent>> FindEvent(
      const std::string& event_id, const Group& group) const;
  absl::StatusOr<CaseState*> CaseFor(const std::string& case_id, Group& group);
  absl::StatusOr<CaseState> LoadCase(const std::string& case_id) const;
  absl::StatusOr<v1::Event> ReadEventAt(const rocksdb::ReadOptions& read,
                                        uint64_t position) const;
  void Publish(const Head& head);

  const StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;
  rocksdb::WriteOptions sync_write_;

  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  // Guarded by queue_mu_.
  std::deque<std::unique_ptr<Pending>> queue_;
  // Guarded by queue_mu_: serialized bytes in queue_.
  size_t queued_bytes_ = 0;
  // Guarded by queue_mu_: the writer drains the queue and exits.
  bool stop_writer_ = false;
  // Guarded by queue_mu_: set by a failed disk write; appends are refused
  // with it from then on.
  absl::Status failure_;
  // Signalled when the queue has room again, or appends are refused.
  std::condition_variable queue_room_cv_;
  std::atomic<bool> closing_{false};

  // last_position_ changes under head_mu_ so that waiters cannot miss it.
  mutable std::mutex head_mu_;
  mutable std::condition_variable head_cv_;
  std::atomic<uint64_t> last_position_{0};
  // Guarded by head_mu_: the recorded_at of the event at last_position_.
  int64_t last_recorded_micros_ = 0;

  // Set by Open before the writer starts; stopped before the database
  // closes.
  std::unique_ptr<ProjectionStore> projections_;
  std::unique_ptr<RuleSetStore> rule_sets_;
  std::unique_ptr<AccessLogStore> access_log_;

  // Owned by the writer thread once it runs.
  Head head_;
  internal::CaseCache cache_;
  std::thread writer_;
};

}  // namespace caseline::store

#endif  // CASELINE_SERVER_STORE_INTERNAL_EVENT_STORE_IMPL_H_
