#include "server/store/event_store.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "projections/case_state.h"
#include "projections/event_validation.h"
#include "projections/instants.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "server/store/keys.h"
#include "server/store/projection_store.h"
#include "server/store/rule_set_store.h"
#include "server/store/store_internal.h"

namespace caseline::store {
namespace {

using internal::FromRocks;
using internal::View;

uint64_t Fnv1a64(absl::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

// Digest of what the client chose (every field but the server-set ones):
// what a retry must repeat exactly. `event` has its server fields cleared.
uint64_t ContentDigest(const v1::Event& event) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    event.SerializeToCodedStream(&coded);
  }
  return Fnv1a64(bytes);
}

// An import keeps its recorded_at: it is the client's, not the server's.
void ClearServerFields(v1::Event& event, bool import) {
  event.clear_case_version();
  event.clear_position();
  if (!import) event.clear_recorded_at();
  event.clear_recorded_by();
  event.clear_imported();
}

// An imported event's recorded_at: set, a real instant, not in the future,
// and not before the request's previous event.
absl::Status CheckImportedAt(const v1::Event& event, const v1::Event* previous,
                             absl::Time now) {
  if (!event.has_recorded_at()) {
    return absl::InvalidArgumentError("recorded_at: is required for an import");
  }
  absl::StatusOr<absl::Time> at = TimeField("recorded_at", event.recorded_at());
  if (!at.ok()) return at.status();
  const absl::Time when = absl::FromUnixMicros(ToMicros(event.recorded_at()));
  if (when > now) {
    return absl::InvalidArgumentError(absl::StrCat(
        "recorded_at: ", FormatInstant(when), " is in the future"));
  }
  if (previous != nullptr &&
      ToMicros(event.recorded_at()) < ToMicros(previous->recorded_at())) {
    return absl::InvalidArgumentError(
        "recorded_at: is before the previous event's; history is imported in "
        "the order it was registered");
  }
  return absl::OkStatus();
}

absl::Status Prefixed(const absl::Status& status, absl::string_view prefix) {
  return absl::Status(status.code(), absl::StrCat(prefix, status.message()));
}

absl::Status EventError(absl::StatusCode code, size_t index,
                        absl::string_view message) {
  return absl::Status(code, absl::StrCat("events[", index, "].", message));
}

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

// An event the log holds, as a retry check needs it.
struct StoredEvent {
  uint64_t position = 0;
  uint64_t digest = 0;
  uint64_t case_version = 0;
  int64_t recorded_micros = 0;
};

}  // namespace

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
  absl::StatusOr<CasePage> ReadCase(absl::string_view case_id,
                                    uint64_t from_version,
                                    uint32_t max_count) const;
  absl::StatusOr<LogPage> ReadAll(uint64_t from_position, uint32_t max_count,
                                  const KindFilter& kinds) const;
  uint64_t last_position() const { return last_position_.load(); }
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

 private:
  // One append waiting for the writer.
  struct Pending {
    AppendCommand command;
    // ContentDigest of each event, computed before queueing.
    std::vector<uint64_t> digests;
    size_t bytes = 0;
    std::promise<absl::StatusOr<AppendResult>> done;
  };

  // What one group commit has staged so far; appends later in the group see
  // the effects of those before them.
  struct Group {
    uint64_t next_position = 1;
    int64_t last_recorded_micros = 0;
    absl::flat_hash_map<std::string, CaseState> cases;
    absl::flat_hash_map<std::string, StoredEvent> events_by_id;
    rocksdb::WriteBatch batch;
  };

  rocksdb::ColumnFamilyHandle* family(Family f) const {
    return families_[static_cast<int>(f)];
  }
  absl::Status CheckCommand(AppendCommand& command,
                            std::vector<uint64_t>* digests,
                            size_t* bytes) const;
  absl::Status LoadHead();
  void WriterLoop();
  void CommitGroup(std::vector<std::unique_ptr<Pending>>& group);
  absl::StatusOr<AppendResult> Stage(Pending& pending, absl::Time now,
                                     Group& group);
  absl::StatusOr<std::optional<AppendResult>> CheckRetry(const Pending& pending,
                                                         const Group& group);
  absl::StatusOr<std::optional<StoredEvent>> FindEvent(
      const std::string& event_id, const Group& group) const;
  absl::StatusOr<CaseState*> CaseFor(const std::string& case_id, Group& group);
  absl::StatusOr<CaseState> LoadCase(const std::string& case_id) const;
  absl::StatusOr<v1::Event> ReadEventAt(const rocksdb::ReadOptions& read,
                                        uint64_t position) const;
  void Publish(uint64_t position);

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

  // Set by Open before the writer starts; stopped before the database
  // closes.
  std::unique_ptr<ProjectionStore> projections_;
  std::unique_ptr<RuleSetStore> rule_sets_;

  // Owned by the writer thread once it runs.
  Head head_;
  CaseCache cache_;
  std::thread writer_;
};

EventStore::Impl::~Impl() {
  BeginClose();
  if (writer_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      stop_writer_ = true;
    }
    queue_cv_.notify_all();
    writer_.join();
  }
  // The follower reads and writes the database: it stops before it closes.
  if (projections_ != nullptr) projections_->Stop();
  for (rocksdb::ColumnFamilyHandle* handle : families_) {
    if (handle != nullptr) db_->DestroyColumnFamilyHandle(handle);
  }
  if (db_ != nullptr) db_->Close();
}

absl::Status EventStore::Impl::Open() {
  std::error_code error;
  std::filesystem::create_directories(options_.path, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create data directory ", options_.path, ": ", error.message()));
  }
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  // RocksDB's own info logs: a few, for diagnosing; the data is elsewhere.
  db_options.keep_log_file_num = 5;

  // Point lookups (event ids) and short prefix scans (cases) profit from
  // bloom filters.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions indexed;
  indexed.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (int i = 0; i < kFamilyCount; ++i) {
    const bool has_bloom = i == static_cast<int>(Family::kEventIds) ||
                           i == static_cast<int>(Family::kCases);
    descriptors.emplace_back(
        std::string(kFamilyNames[i]),
        has_bloom ? indexed : rocksdb::ColumnFamilyOptions());
  }
  // RocksDB always has a "default" family; caseline keeps nothing in it.
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName,
                           rocksdb::ColumnFamilyOptions());

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  absl::Status status = FromRocks(
      rocksdb::DB::Open(db_options, options_.path, descriptors, &handles, &db),
      absl::StrCat("cannot open the database in ", options_.path));
  if (!status.ok()) return status;
  db_.reset(db);
  // The default family's handle is owned by the DB; keep ours only.
  families_.assign(handles.begin(), handles.begin() + kFamilyCount);
  db_->DestroyColumnFamilyHandle(handles.back());

  status = LoadHead();
  if (!status.ok()) return status;
  rule_sets_ = std::make_unique<RuleSetStore>(db_.get(), family(Family::kMeta),
                                              options_.clock);
  projections_ = std::make_unique<ProjectionStore>(db_.get(), families_);
  status = projections_->Open(head_.last_position,
                              /*follow=*/!options_.verify_only);
  if (!status.ok()) return status;
  writer_ = std::thread([this] { WriterLoop(); });
  return absl::OkStatus();
}

absl::Status EventStore::Impl::LoadHead() {
  std::string value;
  rocksdb::Status got = db_->Get(rocksdb::ReadOptions(), family(Family::kMeta),
                                 kMetaFormatVersion, &value);
  if (got.IsNotFound()) {
    value = absl::StrCat(kFormatVersion);
    absl::Status put = FromRocks(
        db_->Put(sync_write_, family(Family::kMeta), kMetaFormatVersion, value),
        "cannot write the format version");
    if (!put.ok()) return put;
  } else if (!got.ok()) {
    return FromRocks(got, "cannot read the format version");
  }
  if (value != absl::StrCat(kFormatVersion)) {
    return absl::FailedPreconditionError(
        absl::StrCat("data directory ", options_.path, " has format version ",
                     value, "; this server reads format ", kFormatVersion));
  }

  got = db_->Get(rocksdb::ReadOptions(), family(Family::kMeta), kMetaHead,
                 &value);
  if (got.ok()) {
    absl::StatusOr<Head> head = DecodeHead(value);
    if (!head.ok()) return absl::DataLossError(head.status().message());
    head_ = *head;
  } else if (!got.IsNotFound()) {
    return FromRocks(got, "cannot read the log's head");
  }

  // The head and the log are written in one batch; they must agree.
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), family(Family::kEvents)));
  it->SeekToLast();
  uint64_t log_end = 0;
  if (it->Valid()) {
    absl::StatusOr<uint64_t> position = DecodeU64(View(it->key()));
    if (!position.ok()) return absl::DataLossError(position.status().message());
    log_end = *position;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "cannot read the log");
  if (log_end != head_.last_position) {
    return absl::DataLossError(absl::StrCat("the log ends at position ",
                                            log_end, " but its head says ",
                                            head_.last_position));
  }
  last_position_ = head_.last_position;
  return absl::OkStatus();
}

absl::Status EventStore::Impl::CheckCommand(AppendCommand& command,
                                            std::vector<uint64_t>* digests,
                                            size_t* bytes) const {
  if (command.case_id.empty()) {
    return absl::InvalidArgumentError("case_id: is required");
  }
  if (absl::Status id = CheckId(command.case_id); !id.ok()) {
    return Prefixed(id, "case_id: ");
  }
  if (command.expect == AppendCommand::Expect::kExact &&
      command.expected_version == 0) {
    return absl::InvalidArgumentError(
        "expected_version.exact: must be at least 1 (use no_case for a case "
        "that must not exist yet)");
  }
  if (command.events.empty()) {
    return absl::InvalidArgumentError("events: at least one event is required");
  }
  if (command.events.size() > kAppendEventsMax) {
    return absl::InvalidArgumentError(
        absl::StrFormat("events: %d events; the limit is %d per request",
                        command.events.size(), kAppendEventsMax));
  }
  // Sizes first: they bound the work the field checks below may do.
  *bytes = 0;
  for (size_t i = 0; i < command.events.size(); ++i) {
    const size_t size = command.events[i].ByteSizeLong();
    if (size > kEventBytesMax) {
      return absl::InvalidArgumentError(
          absl::StrFormat("events[%d]: %d bytes serialized; the limit is %d", i,
                          size, kEventBytesMax));
    }
    *bytes += size;
  }
  if (*bytes > kAppendBytesMax) {
    return absl::InvalidArgumentError(
        absl::StrFormat("events: %d bytes serialized; the limit is %d per "
                        "request",
                        *bytes, kAppendBytesMax));
  }
  const absl::CivilDay today =
      absl::ToCivilDay(options_.clock(), absl::UTCTimeZone());
  absl::flat_hash_map<absl::string_view, size_t> index_by_id;
  for (size_t i = 0; i < command.events.size(); ++i) {
    v1::Event& event = command.events[i];
    if (!event.case_id().empty() && event.case_id() != command.case_id) {
      return EventError(absl::StatusCode::kInvalidArgument, i,
                        absl::StrCat("case_id: ", event.case_id(),
                                     " differs from the request's case_id ",
                                     command.case_id));
    }
    if (absl::Status fields = ValidateEventFields(event, today); !fields.ok()) {
      return EventError(fields.code(), i, fields.message());
    }
    if (command.import) {
      absl::Status at = CheckImportedAt(
          event, i > 0 ? &command.events[i - 1] : nullptr, options_.clock());
      if (!at.ok()) return EventError(at.code(), i, at.message());
    }
    auto [it, inserted] = index_by_id.emplace(event.event_id(), i);
    if (!inserted) {
      return EventError(absl::StatusCode::kInvalidArgument, i,
                        absl::StrCat("event_id: ", event.event_id(),
                                     " appears twice in the request (also "
                                     "events[",
                                     it->second, "])"));
    }
  }
  digests->clear();
  for (v1::Event& event : command.events) {
    event.set_case_id(command.case_id);
    ClearServerFields(event, command.import);
    digests->push_back(ContentDigest(event));
  }
  return absl::OkStatus();
}

std::future<absl::StatusOr<AppendResult>> EventStore::Impl::AppendAsync(
    AppendCommand command, Admission admission) {
  auto pending = std::make_unique<Pending>();
  std::future<absl::StatusOr<AppendResult>> future = pending->done.get_future();
  absl::Status status =
      CheckCommand(command, &pending->digests, &pending->bytes);
  if (!status.ok()) {
    pending->done.set_value(status);
    return future;
  }
  pending->command = std::move(command);
  {
    std::unique_lock<std::mutex> lock(queue_mu_);
    auto full = [&] {
      return queue_.size() >= kWriteQueueMax ||
             queued_bytes_ + pending->bytes > kWriteQueueBytesMax;
    };
    auto refused = [&] { return closing_ || stop_writer_ || !failure_.ok(); };
    if (admission == Admission::kWaitForRoom) {
      queue_room_cv_.wait(lock, [&] { return refused() || !full(); });
    }
    if (!failure_.ok()) {
      status = failure_;
    } else if (closing_ || stop_writer_) {
      status = absl::UnavailableError("the server is shutting down");
    } else if (full()) {
      status = absl::UnavailableError(
          absl::StrCat("the write queue is full (", queue_.size(), " appends, ",
                       queued_bytes_, " bytes waiting); retry with backoff"));
    } else {
      queued_bytes_ += pending->bytes;
      queue_.push_back(std::move(pending));
    }
  }
  if (!status.ok()) {
    pending->done.set_value(status);
    return future;
  }
  queue_cv_.notify_one();
  return future;
}

void EventStore::Impl::WriterLoop() {
  std::vector<std::unique_ptr<Pending>> group;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stop_writer_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_writer_, and nothing left to do.
      size_t bytes = 0;
      while (
          !queue_.empty() && group.size() < kGroupAppendsMax &&
          (group.empty() || bytes + queue_.front()->bytes <= kGroupBytesMax)) {
        bytes += queue_.front()->bytes;
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_bytes_ -= bytes;
    }
    queue_room_cv_.notify_all();
    CommitGroup(group);
    group.clear();
  }
}

void EventStore::Impl::CommitGroup(
    std::vector<std::unique_ptr<Pending>>& group) {
  Group staged;
  staged.next_position = head_.last_position + 1;
  staged.last_recorded_micros = head_.last_recorded_micros;
  const absl::Time now = options_.clock();
  std::vector<absl::StatusOr<AppendResult>> results;
  results.reserve(group.size());
  bool wrote = false;
  for (std::unique_ptr<Pending>& pending : group) {
    results.push_back(Stage(*pending, now, staged));
    wrote = wrote || (results.back().ok() && !results.back()->deduplicated);
  }
  if (wrote) {
    const Head head{staged.next_position - 1, staged.last_recorded_micros};
    staged.batch.Put(family(Family::kMeta), kMetaHead, EncodeHead(head));
    rocksdb::Status written = db_->Write(sync_write_, &staged.batch);
    if (written.ok()) {
      head_ = head;
      for (auto& [case_id, state] : staged.cases) {
        cache_.Put(case_id, std::move(state));
      }
      Publish(head_.last_position);
    } else {
      // Nothing of this group is stored, and after a failed synced write the
      // disk's state is unknown: every answer of the group is void (even a
      // refusal may rest on events staged here), and the store stops taking
      // appends until a restart reads the log back. Fail-stop keeps a later
      // append from overtaking one that failed.
      const absl::Status failed = absl::UnavailableError(absl::StrCat(
          "the write to disk failed and nothing was stored; the server "
          "takes no more appends until it is restarted: ",
          written.ToString()));
      for (absl::StatusOr<AppendResult>& result : results) result = failed;
      {
        std::lock_guard<std::mutex> lock(queue_mu_);
        failure_ = failed;
      }
      queue_room_cv_.notify_all();
    }
  }
  for (size_t i = 0; i < group.size(); ++i) {
    group[i]->done.set_value(std::move(results[i]));
  }
}

absl::StatusOr<AppendResult> EventStore::Impl::Stage(Pending& pending,
                                                     absl::Time now,
                                                     Group& group) {
  absl::StatusOr<std::optional<AppendResult>> retry =
      CheckRetry(pending, group);
  if (!retry.ok()) return retry.status();
  if (retry->has_value()) return **retry;

  AppendCommand& command = pending.command;
  absl::StatusOr<CaseState*> current = CaseFor(command.case_id, group);
  if (!current.ok()) return current.status();
  const uint64_t version = (*current)->version();
  if (command.expect == AppendCommand::Expect::kNoCase && version != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("expected_version.no_case: case ", command.case_id,
                     " exists already, at version ", version));
  }
  if (command.expect == AppendCommand::Expect::kExact &&
      version != command.expected_version) {
    return absl::FailedPreconditionError(absl::StrCat(
        "expected_version.exact: expected version ", command.expected_version,
        " but case ", command.case_id, " is at version ", version));
  }

  CaseState state = **current;
  uint64_t position = group.next_position;
  int64_t recorded_micros = group.last_recorded_micros;
  group.batch.SetSavePoint();
  std::vector<std::pair<std::string, StoredEvent>> staged_ids;
  for (size_t i = 0; i < command.events.size(); ++i) {
    v1::Event& event = command.events[i];
    if (absl::Status status = state.Append(event); !status.ok()) {
      group.batch.RollbackToSavePoint();
      return EventError(status.code(), i, status.message());
    }
    // recorded_at grows strictly with position, even if the clock steps back
    // or imported events share an instant.
    if (command.import) {
      const int64_t registered = ToMicros(event.recorded_at());
      if (registered < group.last_recorded_micros) {
        group.batch.RollbackToSavePoint();
        return EventError(
            absl::StatusCode::kFailedPrecondition, i,
            absl::StrCat(
                "recorded_at: ",
                FormatInstant(absl::FromUnixMicros(registered)),
                " is before the log's last recorded_at ",
                FormatInstant(absl::FromUnixMicros(group.last_recorded_micros)),
                "; history is imported in the order it was "
                "registered, before live appends"));
      }
      recorded_micros = std::max(registered, recorded_micros + 1);
      event.set_imported(true);
    } else {
      recorded_micros = std::max(absl::ToUnixMicros(now), recorded_micros + 1);
    }
    event.set_case_version(state.version());
    event.set_position(position);
    *event.mutable_recorded_at() = FromMicros(recorded_micros);
    event.set_recorded_by(command.recorded_by);

    group.batch.Put(family(Family::kEvents), PositionKey(position),
                    event.SerializeAsString());
    group.batch.Put(family(Family::kCases),
                    CaseVersionKey(command.case_id, state.version()),
                    EncodeU64(position));
    group.batch.Put(family(Family::kEventIds), event.event_id(),
                    EncodeEventIdEntry({position, pending.digests[i]}));
    staged_ids.emplace_back(event.event_id(),
                            StoredEvent{position, pending.digests[i],
                                        state.version(), recorded_micros});
    ++position;
  }
  group.batch.PopSavePoint();

  AppendResult result;
  result.first_position = group.next_position;
  result.last_position = position - 1;
  result.case_version = state.version();
  result.recorded_at = absl::FromUnixMicros(recorded_micros);
  group.next_position = position;
  group.last_recorded_micros = recorded_micros;
  **current = std::move(state);
  for (auto& [id, stored] : staged_ids) {
    group.events_by_id[id] = stored;
  }
  return result;
}

absl::StatusOr<std::optional<AppendResult>> EventStore::Impl::CheckRetry(
    const Pending& pending, const Group& group) {
  const std::vector<v1::Event>& events = pending.command.events;
  std::optional<size_t> first_stored, first_new;
  std::optional<StoredEvent> last;
  uint64_t first_position = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    absl::StatusOr<std::optional<StoredEvent>> found =
        FindEvent(events[i].event_id(), group);
    if (!found.ok()) return found.status();
    if (!found->has_value()) {
      if (!first_new) first_new = i;
      continue;
    }
    const StoredEvent& stored = **found;
    if (stored.digest != pending.digests[i]) {
      return EventError(
          absl::StatusCode::kAlreadyExists, i,
          absl::StrCat("event_id: ", events[i].event_id(),
                       " is stored already (position ", stored.position,
                       ") with different content"));
    }
    // A retry repeats a request: its events sit side by side in the log,
    // in the order sent.
    if (last && stored.position != last->position + 1) {
      return EventError(
          absl::StatusCode::kFailedPrecondition, i,
          absl::StrCat("event_id: ", events[i].event_id(),
                       " is stored at position ", stored.position,
                       ", not right after events[", i - 1, "] (position ",
                       last->position,
                       "); a retry must repeat the original request exactly"));
    }
    if (!first_stored) {
      first_stored = i;
      first_position = stored.position;
    }
    last = stored;
  }
  if (!first_stored) return std::nullopt;
  if (first_new) {
    return EventError(
        absl::StatusCode::kFailedPrecondition, *first_new,
        absl::StrCat("event_id: ", events[*first_new].event_id(),
                     " is new, but events[", *first_stored, "] (",
                     events[*first_stored].event_id(),
                     ") is stored already; a retry must repeat the original "
                     "request exactly"));
  }
  if (last->case_version == 0) {
    // Found in the log rather than this group: read the version and time.
    absl::StatusOr<v1::Event> event =
        ReadEventAt(rocksdb::ReadOptions(), last->position);
    if (!event.ok()) return event.status();
    last->case_version = event->case_version();
    last->recorded_micros = ToMicros(event->recorded_at());
  }
  AppendResult result;
  result.first_position = first_position;
  result.last_position = last->position;
  result.case_version = last->case_version;
  result.recorded_at = absl::FromUnixMicros(last->recorded_micros);
  result.deduplicated = true;
  return result;
}

absl::StatusOr<std::optional<StoredEvent>> EventStore::Impl::FindEvent(
    const std::string& event_id, const Group& group) const {
  if (auto it = group.events_by_id.find(event_id);
      it != group.events_by_id.end()) {
    return it->second;
  }
  std::string value;
  rocksdb::Status got = db_->Get(rocksdb::ReadOptions(),
                                 family(Family::kEventIds), event_id, &value);
  if (got.IsNotFound()) return std::nullopt;
  if (!got.ok()) return FromRocks(got, "cannot read the event_ids index");
  absl::StatusOr<EventIdEntry> entry = DecodeEventIdEntry(value);
  if (!entry.ok()) return absl::DataLossError(entry.status().message());
  // case_version 0 marks "not read yet"; CheckRetry reads it when needed.
  return StoredEvent{entry->position, entry->digest, 0, 0};
}

absl::StatusOr<CaseState*> EventStore::Impl::CaseFor(const std::string& case_id,
                                                     Group& group) {
  if (auto it = group.cases.find(case_id); it != group.cases.end()) {
    return &it->second;
  }
  CaseState state;
  if (std::optional<CaseState> cached = cache_.Take(case_id)) {
    // Moved, not copied: the group puts it back once the write succeeds; if
    // the write fails, the case is read from the log next time.
    state = *std::move(cached);
  } else {
    absl::StatusOr<CaseState> loaded = LoadCase(case_id);
    if (!loaded.ok()) return loaded.status();
    state = *std::move(loaded);
  }
  return &group.cases.emplace(case_id, std::move(state)).first->second;
}

absl::StatusOr<CaseState> EventStore::Impl::LoadCase(
    const std::string& case_id) const {
  CaseState state;
  uint64_t version = 1;
  for (;;) {
    absl::StatusOr<CasePage> page = ReadCase(case_id, version, kReadPageMax);
    if (absl::IsNotFound(page.status())) return state;
    if (!page.ok()) return page.status();
    for (const v1::Event& event : page->events) state.Restore(event);
    if (page->next_version == 0) return state;
    version = page->next_version;
  }
}

absl::StatusOr<v1::Event> EventStore::Impl::ReadEventAt(
    const rocksdb::ReadOptions& read, uint64_t position) const {
  std::string value;
  rocksdb::Status got =
      db_->Get(read, family(Family::kEvents), PositionKey(position), &value);
  if (got.IsNotFound()) {
    // An index points here, so the event must exist.
    return absl::DataLossError(
        absl::StrCat("the event at position ", position, " is missing"));
  }
  if (!got.ok()) {
    return FromRocks(got, absl::StrCat("cannot read position ", position));
  }
  v1::Event event;
  if (!event.ParseFromString(value) || event.position() != position) {
    return absl::DataLossError(
        absl::StrCat("the event at position ", position, " is corrupt"));
  }
  return event;
}

absl::StatusOr<CasePage> EventStore::Impl::ReadCase(absl::string_view case_id,
                                                    uint64_t from_version,
                                                    uint32_t max_count) const {
  if (from_version == 0) from_version = 1;
  if (max_count == 0) max_count = kReadPageDefault;
  max_count = std::min(max_count, kReadPageMax);
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  CasePage page;
  absl::Status status = [&]() -> absl::Status {
    const std::string prefix = CasePrefix(case_id);
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(read, family(Family::kCases)));
    // The case's last version: the last key with its prefix.
    it->SeekForPrev(CaseVersionKey(case_id, UINT64_MAX));
    if (!it->Valid() || !it->key().starts_with(prefix)) {
      if (!it->status().ok()) return FromRocks(it->status(), "cannot read");
      return absl::NotFoundError(absl::StrCat("case ", case_id, " not found"));
    }
    absl::StatusOr<std::pair<std::string, uint64_t>> last =
        DecodeCaseVersionKey(View(it->key()));
    if (!last.ok()) return absl::DataLossError(last.status().message());
    page.case_version = last->second;

    size_t bytes = 0;
    for (it->Seek(CaseVersionKey(case_id, from_version));
         it->Valid() && it->key().starts_with(prefix) &&
         page.events.size() < max_count && bytes < kReadPageBytesMax;
         it->Next()) {
      absl::StatusOr<uint64_t> position = DecodeU64(View(it->value()));
      if (!position.ok())
        return absl::DataLossError(position.status().message());
      absl::StatusOr<v1::Event> event = ReadEventAt(read, *position);
      if (!event.ok()) return event.status();
      bytes += event->ByteSizeLong();
      page.events.push_back(*std::move(event));
    }
    if (!it->status().ok()) return FromRocks(it->status(), "cannot read");
    const uint64_t next = from_version + page.events.size();
    page.next_version = next <= page.case_version ? next : 0;
    return absl::OkStatus();
  }();
  db_->ReleaseSnapshot(snapshot);
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<LogPage> EventStore::Impl::ReadAll(
    uint64_t from_position, uint32_t max_count, const KindFilter& kinds) const {
  if (from_position == 0) from_position = 1;
  if (max_count == 0) max_count = kReadPageDefault;
  max_count = std::min(max_count, kReadPageMax);
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  LogPage page;
  page.next_position = from_position;
  absl::Status status = [&]() -> absl::Status {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(read, family(Family::kEvents)));
    it->SeekToLast();
    if (it->Valid()) {
      absl::StatusOr<uint64_t> last = DecodeU64(View(it->key()));
      if (!last.ok()) return absl::DataLossError(last.status().message());
      page.last_position = *last;
    }
    uint64_t examined = 0;
    size_t bytes = 0;
    for (it->Seek(PositionKey(from_position));
         it->Valid() && page.events.size() < max_count &&
         examined < kReadAllScanMax && bytes < kReadPageBytesMax;
         it->Next(), ++examined) {
      v1::Event event;
      if (!event.ParseFromArray(it->value().data(),
                                static_cast<int>(it->value().size()))) {
        return absl::DataLossError(absl::StrCat(
            "the event at position ", page.next_position, " is corrupt"));
      }
      absl::StatusOr<uint64_t> key = DecodeU64(View(it->key()));
      if (!key.ok() || *key != event.position()) {
        return absl::DataLossError(
            absl::StrCat("the event stored at position ", key.value_or(0),
                         " says it is at position ", event.position()));
      }
      page.next_position = event.position() + 1;
      if (kinds.empty() || kinds.contains(event.body_case())) {
        bytes += it->value().size();
        page.events.push_back(std::move(event));
      }
    }
    return FromRocks(it->status(), "cannot read the log");
  }();
  db_->ReleaseSnapshot(snapshot);
  if (!status.ok()) return status;
  return page;
}

uint64_t EventStore::Impl::WaitForPosition(uint64_t position,
                                           absl::Time deadline) const {
  std::unique_lock<std::mutex> lock(head_mu_);
  head_cv_.wait_until(lock, absl::ToChronoTime(deadline), [&] {
    return last_position_.load() >= position || closing_.load();
  });
  return last_position_.load();
}

void EventStore::Impl::Publish(uint64_t position) {
  {
    std::lock_guard<std::mutex> lock(head_mu_);
    last_position_ = position;
  }
  head_cv_.notify_all();
  projections_->LogAdvanced(position);
}

void EventStore::Impl::BeginClose() {
  {
    std::lock_guard<std::mutex> queue_lock(queue_mu_);
    std::lock_guard<std::mutex> head_lock(head_mu_);
    closing_ = true;
  }
  head_cv_.notify_all();
  queue_room_cv_.notify_all();
  if (projections_ != nullptr) projections_->BeginClose();
}

absl::StatusOr<VerifyReport> EventStore::Impl::Verify() const {
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  auto disagree = [](auto&&... parts) {
    return absl::DataLossError(absl::StrCat(parts...));
  };
  VerifyReport report;
  absl::Status status = [&]() -> absl::Status {
    absl::flat_hash_map<std::string, uint64_t> version_by_case;
    std::string value;
    int64_t last_micros = std::numeric_limits<int64_t>::min();
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(read, family(Family::kEvents)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const uint64_t expected = report.events + 1;
      absl::StatusOr<uint64_t> key = DecodeU64(View(it->key()));
      if (!key.ok() || *key != expected) {
        return disagree("the log has a gap: position ", expected, " missing");
      }
      v1::Event event;
      if (!event.ParseFromArray(it->value().data(),
                                static_cast<int>(it->value().size())) ||
          event.position() != expected) {
        return disagree("the event at position ", expected, " is corrupt");
      }
      const int64_t micros = ToMicros(event.recorded_at());
      if (micros <= last_micros) {
        return disagree("recorded_at does not increase at position ", expected);
      }
      last_micros = micros;
      uint64_t& version = version_by_case[event.case_id()];
      if (event.case_version() != ++version) {
        return disagree("position ", expected, " has case_version ",
                        event.case_version(), ", want ", version);
      }
      rocksdb::Status got =
          db_->Get(read, family(Family::kCases),
                   CaseVersionKey(event.case_id(), version), &value);
      absl::StatusOr<uint64_t> indexed =
          got.ok() ? DecodeU64(value) : absl::StatusOr<uint64_t>(0);
      if (!indexed.ok() || *indexed != expected) {
        return disagree("the cases index does not point at position ",
                        expected);
      }
      got = db_->Get(read, family(Family::kEventIds), event.event_id(), &value);
      absl::StatusOr<EventIdEntry> entry =
          got.ok() ? DecodeEventIdEntry(value) : EventIdEntry{};
      if (!entry.ok() || entry->position != expected) {
        return disagree("the event_ids index does not point at position ",
                        expected, " (", event.event_id(), ")");
      }
      ++report.events;
    }
    if (!it->status().ok()) return FromRocks(it->status(), "cannot read");
    report.cases = version_by_case.size();
    for (Family f : {Family::kCases, Family::kEventIds}) {
      uint64_t count = 0;
      std::unique_ptr<rocksdb::Iterator> index(
          db_->NewIterator(read, family(f)));
      for (index->SeekToFirst(); index->Valid(); index->Next()) ++count;
      if (count != report.events) {
        return disagree("the ", kFamilyNames[static_cast<int>(f)],
                        " index has ", count, " entries for ", report.events,
                        " events");
      }
    }
    rocksdb::Status got =
        db_->Get(read, family(Family::kMeta), kMetaHead, &value);
    absl::StatusOr<Head> head = got.ok() ? DecodeHead(value) : Head{};
    if (!head.ok() || head->last_position != report.events) {
      return disagree("the head does not say position ", report.events);
    }
    return projections_->Verify(read, report.events);
  }();
  db_->ReleaseSnapshot(snapshot);
  if (!status.ok()) return status;
  return report;
}

// The public face forwards to Impl.

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::Open(
    StoreOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  absl::Status status = impl->Open();
  if (!status.ok()) return status;
  return std::unique_ptr<EventStore>(new EventStore(std::move(impl)));
}

EventStore::EventStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventStore::~EventStore() = default;

std::future<absl::StatusOr<AppendResult>> EventStore::AppendAsync(
    AppendCommand command, Admission admission) {
  return impl_->AppendAsync(std::move(command), admission);
}

absl::StatusOr<AppendResult> EventStore::Append(AppendCommand command) {
  return impl_->AppendAsync(std::move(command), Admission::kFailWhenFull).get();
}

absl::Status EventStore::health() const { return impl_->health(); }

absl::StatusOr<CasePage> EventStore::ReadCase(absl::string_view case_id,
                                              uint64_t from_version,
                                              uint32_t max_count) const {
  return impl_->ReadCase(case_id, from_version, max_count);
}

absl::StatusOr<LogPage> EventStore::ReadAll(uint64_t from_position,
                                            uint32_t max_count,
                                            const KindFilter& kinds) const {
  return impl_->ReadAll(from_position, max_count, kinds);
}

uint64_t EventStore::last_position() const { return impl_->last_position(); }

uint64_t EventStore::WaitForPosition(uint64_t position,
                                     absl::Time deadline) const {
  return impl_->WaitForPosition(position, deadline);
}

void EventStore::BeginClose() { impl_->BeginClose(); }
bool EventStore::closing() const { return impl_->closing(); }

absl::StatusOr<VerifyReport> EventStore::Verify() const {
  return impl_->Verify();
}

ProjectionStatus EventStore::projection_status() const {
  return impl_->projections().status();
}

uint64_t EventStore::WaitForProjection(uint64_t position,
                                       absl::Time deadline) const {
  return impl_->projections().WaitForProjection(position, deadline);
}

absl::StatusOr<ScanBasis> EventStore::ScanMaterialized(
    const CaseVisitor& visit, uint64_t max_position) const {
  return impl_->projections().ScanMaterialized(visit, max_position);
}

absl::StatusOr<ScanBasis> EventStore::ScanLog(const CaseVisitor& visit) const {
  return impl_->projections().ScanLog(visit);
}

absl::StatusOr<uint32_t> EventStore::Rebuild(const RebuildObserver& observer) {
  return impl_->projections().Rebuild(observer);
}

absl::StatusOr<bool> EventStore::PutRuleSet(const v1::RuleSet& rule_set,
                                            const std::string& origin) {
  return impl_->rule_sets().Put(rule_set, origin);
}

absl::StatusOr<std::vector<v1::StoredRuleSet>> EventStore::ReadRuleSets()
    const {
  return impl_->rule_sets().ReadAll();
}

}  // namespace caseline::store
