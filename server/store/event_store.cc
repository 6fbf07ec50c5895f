// EventStore's life: opening the database and reading the log's head,
// closing, and the public face that forwards to Impl. The writer, the
// reads and Verify have files of their own.
#include "server/store/internal/event_store_impl.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "server/store/internal/store_internal.h"
#include "spdlog/spdlog.h"

namespace caseline::store {

using internal::FromRocks;
using internal::View;

namespace {

// Lines of RocksDB's info log a damaged file is named in at most: the
// first few say which file and where; the rest repeat it.
constexpr size_t kDamageLinesMax = 3;

// RocksDB names a damaged log or table file only in its info log, the LOG
// file its last open wrote ("/data/000004.log: dropping 11329 bytes;
// Corruption: checksum mismatch"): for a failed open, " (" and those
// lines, from the file's path on, ")"; "" for any other outcome.
std::string DamageNamed(const rocksdb::Status& opened, const std::string& dir) {
  if (!opened.IsCorruption()) return "";
  std::ifstream info(std::filesystem::path(dir) / "LOG");
  std::vector<std::string> named;
  std::string line;
  while (std::getline(info, line) && named.size() < kDamageLinesMax) {
    if (!absl::StrContains(line, "Corruption")) continue;
    // The path as RocksDB writes it, a directory of it, and a file.
    const size_t file = line.find(absl::StrCat(dir, "/"));
    if (file == std::string::npos) continue;
    named.push_back(line.substr(file));
  }
  if (named.empty()) return "";
  return absl::StrCat(" (", absl::StrJoin(named, "; "), ")");
}

// A case's keys in the cases and projections families end in its version
// (a u64) after the case's prefix, and a case's versions are written in
// order, while the cases themselves come in any order. Given this prefix,
// RocksDB keeps a memtable insert position per case and puts each key next
// to the case's last instead of searching the skip list from the top, which
// was the writer's largest cost in a bulk import. It shapes only how the
// memtable is filled, never what is stored. RocksDB 7 shares these hints
// with range tombstones, so a range deletion must never have a bound in its
// domain: the projections' are version prefixes of at most 8 bytes
// (keys_test checks). In the projections family only event keys end in a
// version; the case index's keys are outside the domain.
class CaseVersionPrefix : public rocksdb::SliceTransform {
 public:
  explicit CaseVersionPrefix(bool projections) : projections_(projections) {}
  const char* Name() const override {
    return projections_ ? "caseline.ProjectionCaseVersionPrefix"
                        : "caseline.CaseVersionPrefix";
  }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), key.size() - kVersionBytes);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    if (projections_) return IsProjectionEventKey(View(key));
    return key.size() > kVersionBytes;
  }

 private:
  static constexpr size_t kVersionBytes = 8;
  const bool projections_;
};

}  // namespace

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
  // An acknowledged append is in the synced log. At open, a torn last
  // record (a crash mid-write: never acknowledged) is tolerated; damage
  // anywhere else refuses to open, naming the file, instead of recovering
  // to the point before it and so dropping every acknowledged append after
  // it without a word (RocksDB's default, kPointInTimeRecovery).
  db_options.wal_recovery_mode =
      rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  // RocksDB's own info logs: a few, for diagnosing; the data is elsewhere.
  db_options.keep_log_file_num = 5;

  // Point lookups (event ids) and short prefix scans (cases) profit from
  // bloom filters.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions indexed;
  indexed.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  // Every append looks up each of its event ids, and a new id (nearly every
  // one) is in no memtable: a bloom filter over the memtable's keys answers
  // that without a search of the skip list, which was a tenth of the
  // writer's time in a bulk import.
  rocksdb::ColumnFamilyOptions event_ids = indexed;
  event_ids.memtable_whole_key_filtering = true;
  event_ids.memtable_prefix_bloom_size_ratio = 0.05;

  rocksdb::ColumnFamilyOptions cases = indexed;
  cases.memtable_insert_with_hint_prefix_extractor =
      std::make_shared<CaseVersionPrefix>(/*projections=*/false);
  rocksdb::ColumnFamilyOptions projections;
  projections.memtable_insert_with_hint_prefix_extractor =
      std::make_shared<CaseVersionPrefix>(/*projections=*/true);

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (int i = 0; i < kFamilyCount; ++i) {
    rocksdb::ColumnFamilyOptions options;
    if (i == static_cast<int>(Family::kEventIds)) options = event_ids;
    if (i == static_cast<int>(Family::kCases)) options = cases;
    if (i == static_cast<int>(Family::kProjections)) options = projections;
    descriptors.emplace_back(std::string(kFamilyNames[i]), options);
  }
  // RocksDB always has a "default" family; caseline keeps nothing in it.
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName,
                           rocksdb::ColumnFamilyOptions());

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  const rocksdb::Status opened =
      rocksdb::DB::Open(db_options, options_.path, descriptors, &handles, &db);
  absl::Status status = FromRocks(
      opened, absl::StrCat("cannot open the database in ", options_.path,
                           DamageNamed(opened, options_.path)));
  if (!status.ok()) return status;
  db_.reset(db);
  // The default family's handle is owned by the DB; keep ours only.
  families_.assign(handles.begin(), handles.begin() + kFamilyCount);
  db_->DestroyColumnFamilyHandle(handles.back());

  status = LoadHead();
  if (!status.ok()) return status;
  rule_sets_ = std::make_unique<RuleSetStore>(db_.get(), family(Family::kMeta),
                                              options_.clock);
  absl::StatusOr<std::unique_ptr<AccessLogStore>> access_log =
      AccessLogStore::Open(db_.get(), family(Family::kAccessLog), families_,
                           options_.clock);
  if (!access_log.ok()) return access_log.status();
  access_log_ = *std::move(access_log);
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
  if (value == absl::StrCat(kFormatVersionUpgraded) && !options_.verify_only) {
    // Marked first: from here on, a build of the older format refuses the
    // directory instead of misreading the keys this one adds.
    value = absl::StrCat(kFormatVersion);
    absl::Status put = FromRocks(
        db_->Put(sync_write_, family(Family::kMeta), kMetaFormatVersion, value),
        "cannot write the format version");
    if (!put.ok()) return put;
    spdlog::info("data directory {} upgraded to format {}", options_.path,
                 kFormatVersion);
  }
  if (value != absl::StrCat(kFormatVersion) &&
      !(options_.verify_only &&
        value == absl::StrCat(kFormatVersionUpgraded))) {
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
  last_recorded_micros_ = head_.last_recorded_micros;
  return absl::OkStatus();
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

std::future<std::vector<absl::StatusOr<AppendResult>>>
EventStore::AppendManyAsync(std::vector<AppendCommand> commands,
                            Admission admission) {
  return impl_->AppendManyAsync(std::move(commands), admission);
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

absl::StatusOr<std::vector<v1::Event>> EventStore::ReadWholeCase(
    absl::string_view case_id, uint64_t events_max) const {
  std::vector<v1::Event> events;
  uint64_t version = 1;
  for (;;) {
    absl::StatusOr<CasePage> page =
        impl_->ReadCase(case_id, version, kReadPageMax);
    if (!page.ok()) return page.status();
    if (page->case_version > events_max) {
      return absl::ResourceExhaustedError(
          absl::StrCat("case ", case_id, " has ", page->case_version,
                       " events; projections read at most ", events_max));
    }
    for (v1::Event& event : page->events) events.push_back(std::move(event));
    if (page->next_version == 0) return events;
    version = page->next_version;
  }
}

absl::StatusOr<LogPage> EventStore::ReadAll(uint64_t from_position,
                                            uint32_t max_count,
                                            const KindFilter& kinds) const {
  return impl_->ReadAll(from_position, max_count, kinds);
}

uint64_t EventStore::last_position() const { return impl_->last_position(); }

LogHead EventStore::head() const { return impl_->head(); }

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
    const CaseVisitor& visit, uint64_t max_position,
    const CaseSelection* selection) const {
  return impl_->projections().ScanMaterialized(absl::MakeConstSpan(&visit, 1),
                                               max_position, selection);
}

absl::StatusOr<ScanBasis> EventStore::ScanMaterialized(
    absl::Span<const CaseVisitor> visitors, uint64_t max_position,
    const CaseSelection* selection) const {
  return impl_->projections().ScanMaterialized(visitors, max_position,
                                               selection);
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

absl::Status EventStore::RecordAccess(v1::AccessEntry entry, bool sync) {
  return impl_->access_log().Record(std::move(entry), sync);
}

absl::StatusOr<AccessPage> EventStore::ReadAccessLog(
    const AccessQuery& query) const {
  return impl_->access_log().Read(query);
}

absl::StatusOr<uint64_t> EventStore::SweepAccessLog(absl::Time cutoff) {
  return impl_->access_log().Sweep(cutoff);
}

}  // namespace caseline::store
