#include "server/store/projection_store.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "projections/instants.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
#include "server/store/store_internal.h"
#include "spdlog/spdlog.h"

namespace caseline::store {
namespace {

using internal::FromRocks;
using internal::View;

// The decoders report corrupt bytes as INTERNAL; read from disk, they are
// lost data.
absl::Status Lost(const absl::Status& status) {
  return absl::DataLossError(status.message());
}

absl::Time RecordedAt(const ProjectionMark& mark) {
  return mark.position == 0 ? absl::InfinitePast()
                            : absl::FromUnixMicros(mark.recorded_micros);
}

rocksdb::WriteOptions SyncWrite() {
  rocksdb::WriteOptions options;
  options.sync = true;
  return options;
}

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

struct Active {
  uint32_t version = 1;
  ProjectionMark mark;
};

// The active version and its mark as `read` sees them. A database from
// before projections has neither: version 1, nothing materialized.
absl::StatusOr<Active> ReadActive(rocksdb::DB* db,
                                  rocksdb::ColumnFamilyHandle* meta,
                                  const rocksdb::ReadOptions& read) {
  Active active;
  std::string value;
  rocksdb::Status got = db->Get(read, meta, kMetaProjectionActive, &value);
  if (got.ok()) {
    absl::StatusOr<uint32_t> version = DecodeU32(value);
    if (!version.ok()) return Lost(version.status());
    if (*version == 0) {
      return absl::DataLossError("the active projection version is 0");
    }
    active.version = *version;
  } else if (!got.IsNotFound()) {
    return FromRocks(got, "cannot read the active projection version");
  }
  got = db->Get(read, meta, ProjectionMarkKey(active.version), &value);
  if (got.ok()) {
    absl::StatusOr<ProjectionMark> mark = DecodeProjectionMark(value);
    if (!mark.ok()) return Lost(mark.status());
    active.mark = *mark;
  } else if (!got.IsNotFound()) {
    return FromRocks(got, "cannot read the projection's position");
  }
  return active;
}

// Hands consecutive events of one case to the visitor, one call per case.
class CaseGrouper {
 public:
  explicit CaseGrouper(const CaseVisitor& visit) : visit_(visit) {}

  // A slot for the next event, of `case_id`; a different case than the
  // previous event's is the end of that one, which is visited first.
  absl::StatusOr<v1::Event*> Next(absl::string_view case_id) {
    if (case_id != case_id_) {
      if (absl::Status visited = Flush(); !visited.ok()) return visited;
      case_id_.assign(case_id.data(), case_id.size());
    }
    return &events_.emplace_back();
  }

  // Visits the case collected so far, if any.
  absl::Status Flush() {
    if (events_.empty()) return absl::OkStatus();
    ++cases_;
    absl::Status status = visit_(case_id_, events_);
    events_.clear();
    return status;
  }

  int64_t cases() const { return cases_; }

 private:
  const CaseVisitor& visit_;
  std::string case_id_;
  std::vector<v1::Event> events_;
  int64_t cases_ = 0;
};

// Reads the log's events by position, a case at a time, into a grouper: the
// cases index gives each case's positions in version order, and MultiGet
// reads them in chunks of kScanLogChunkEventsMax.
class LogEventReader {
 public:
  LogEventReader(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events,
                 const rocksdb::ReadOptions& read, CaseGrouper& grouper)
      : db_(db),
        events_(events),
        read_(read),
        grouper_(grouper),
        values_(kScanLogChunkEventsMax),
        statuses_(kScanLogChunkEventsMax) {}

  // The event at `position` is the next of `case_id`. Reads the events
  // added before first if they are another case's or fill a chunk.
  absl::Status Add(std::string case_id, uint64_t position) {
    if (case_id != case_id_ || keys_.size() == kScanLogChunkEventsMax) {
      if (absl::Status read = Flush(); !read.ok()) return read;
      case_id_ = std::move(case_id);
    }
    keys_.push_back(PositionKey(position));
    return absl::OkStatus();
  }

  // Reads the events added and hands them to the grouper.
  absl::Status Flush() {
    if (keys_.empty()) return absl::OkStatus();
    slices_.assign(keys_.begin(), keys_.end());
    db_->MultiGet(read_, events_, keys_.size(), slices_.data(), values_.data(),
                  statuses_.data(), /*sorted_input=*/true);
    for (size_t i = 0; i < keys_.size(); ++i) {
      const uint64_t position = DecodeU64(keys_[i]).value_or(0);
      if (statuses_[i].IsNotFound()) {
        return absl::DataLossError(
            absl::StrCat("the event at position ", position, " is missing"));
      }
      if (!statuses_[i].ok()) {
        return FromRocks(statuses_[i], "cannot read the log");
      }
      absl::StatusOr<v1::Event*> event = grouper_.Next(case_id_);
      if (!event.ok()) return event.status();
      if (!(*event)->ParseFromArray(values_[i].data(),
                                    static_cast<int>(values_[i].size())) ||
          (*event)->position() != position || (*event)->case_id() != case_id_) {
        return absl::DataLossError(
            absl::StrCat("the event at position ", position, " is corrupt"));
      }
      values_[i].Reset();
    }
    keys_.clear();
    return absl::OkStatus();
  }

 private:
  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const events_;
  const rocksdb::ReadOptions& read_;
  CaseGrouper& grouper_;
  std::string case_id_;
  std::vector<std::string> keys_;
  std::vector<rocksdb::Slice> slices_;
  std::vector<rocksdb::PinnableSlice> values_;
  std::vector<rocksdb::Status> statuses_;
};

// Checks a projection version's keys, in any order, against the log in a
// snapshot: each key's event is the log's (the same bytes) under its own
// case and version, at a position up to the mark, and every position up to
// the mark is there exactly once.
class ProjectionChecker {
 public:
  ProjectionChecker(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events,
                    const rocksdb::ReadOptions& snapshot, uint32_t version,
                    const ProjectionMark& mark)
      : db_(db),
        events_(events),
        snapshot_(snapshot),
        version_(version),
        mark_(mark),
        seen_(mark.position + 1, false) {}

  absl::Status Check(absl::string_view key, absl::string_view value) {
    absl::StatusOr<ProjectionEventKeyParts> parts =
        DecodeProjectionEventKey(key);
    if (!parts.ok()) return Lost(parts.status());
    const std::string where =
        absl::StrCat("case ", parts->case_id, " version ", parts->case_version);
    if (!event_.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return Disagree("the event of ", where, " is corrupt");
    }
    if (event_.case_id() != parts->case_id ||
        event_.case_version() != parts->case_version) {
      return Disagree("the key of ", where, " holds the event of case ",
                      event_.case_id(), " version ", event_.case_version());
    }
    const uint64_t position = event_.position();
    if (position == 0 || position > mark_.position) {
      return Disagree(where, " is at position ", position,
                      ", beyond the materialized position ", mark_.position);
    }
    if (seen_[position]) {
      return Disagree("position ", position, " is there twice");
    }
    seen_[position] = true;
    rocksdb::Status got =
        db_->Get(snapshot_, events_, PositionKey(position), &logged_);
    if (!got.ok() || logged_ != value) {
      return Disagree(where, " differs from the log's event at position ",
                      position);
    }
    return absl::OkStatus();
  }

  // After every key: none missing, and the mark's recorded_at is the log's.
  absl::Status Finish() {
    for (uint64_t position = 1; position <= mark_.position; ++position) {
      if (!seen_[position]) {
        return Disagree("the event at position ", position,
                        " is missing, though the materialized position is ",
                        mark_.position);
      }
    }
    if (mark_.position == 0) return absl::OkStatus();
    rocksdb::Status got =
        db_->Get(snapshot_, events_, PositionKey(mark_.position), &logged_);
    if (!got.ok() || !event_.ParseFromString(logged_) ||
        ToMicros(event_.recorded_at()) != mark_.recorded_micros) {
      return Disagree("the recorded_at of the materialized position ",
                      mark_.position, " differs from the log's");
    }
    return absl::OkStatus();
  }

 private:
  template <typename... Parts>
  absl::Status Disagree(const Parts&... parts) const {
    return absl::DataLossError(
        absl::StrCat("projection version ", version_, ": ", parts...));
  }

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const events_;
  const rocksdb::ReadOptions& snapshot_;
  const uint32_t version_;
  const ProjectionMark mark_;
  // Which positions the projection holds.
  std::vector<bool> seen_;
  v1::Event event_;
  std::string logged_;
};

}  // namespace

ProjectionStore::ProjectionStore(
    rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> families)
    : db_(db), families_(std::move(families)) {}

ProjectionStore::~ProjectionStore() { Stop(); }

absl::Status ProjectionStore::Open(uint64_t log_position, bool follow_log) {
  absl::StatusOr<Active> active =
      ReadActive(db_, family(Family::kMeta), rocksdb::ReadOptions());
  if (!active.ok()) return active.status();
  if (active->mark.position > log_position) {
    return absl::DataLossError(absl::StrCat(
        "projection version ", active->version, " has materialized position ",
        active->mark.position, " but the log ends at ", log_position));
  }
  if (!follow_log) {
    // Verify only: read what is there, write nothing.
    std::lock_guard<std::mutex> lock(state_mu_);
    active_version_ = active->version;
    active_mark_ = active->mark;
    log_position_ = log_position;
    return absl::OkStatus();
  }
  if (absl::Status removed = RemoveLeftovers(active->version); !removed.ok()) {
    return removed;
  }
  {
    std::lock_guard<std::mutex> follow(follow_mu_);
    version_ = active->version;
    mark_ = active->mark;
  }
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    active_version_ = active->version;
    active_mark_ = active->mark;
    log_position_ = log_position;
  }
  follower_ = std::thread([this] { FollowLoop(); });
  return absl::OkStatus();
}

absl::Status ProjectionStore::RemoveLeftovers(uint32_t active) {
  rocksdb::ReadOptions read;
  rocksdb::WriteBatch batch;
  std::string value;
  // The active version is written down, so that older builds of the data
  // directory and this one agree on it.
  rocksdb::Status got =
      db_->Get(read, family(Family::kMeta), kMetaProjectionActive, &value);
  if (got.IsNotFound()) {
    batch.Put(family(Family::kMeta), kMetaProjectionActive, EncodeU32(active));
  } else if (!got.ok()) {
    return FromRocks(got, "cannot read the active projection version");
  }
  got = db_->Get(read, family(Family::kMeta), kMetaProjectionShadow, &value);
  if (got.ok()) {
    spdlog::warn(
        "a rebuild of projection version {} was interrupted; removing what "
        "it built",
        DecodeU32(value).value_or(0));
    batch.Delete(family(Family::kMeta), kMetaProjectionShadow);
  } else if (!got.IsNotFound()) {
    return FromRocks(got, "cannot read the rebuild marker");
  }

  // Every version but the active one is left over from an interrupted
  // rebuild, or from the deletion of an old version after a switch.
  std::unique_ptr<rocksdb::Iterator> keys(
      db_->NewIterator(read, family(Family::kProjections)));
  keys->SeekToFirst();
  if (keys->Valid() &&
      keys->key().compare(ProjectionVersionBegin(active)) < 0) {
    spdlog::info("removing projection versions before {}", active);
    batch.DeleteRange(family(Family::kProjections), "",
                      ProjectionVersionBegin(active));
  }
  keys->Seek(ProjectionVersionEnd(active));
  if (keys->Valid()) {
    spdlog::info("removing projection versions after {}", active);
    batch.DeleteRange(family(Family::kProjections),
                      ProjectionVersionEnd(active),
                      ProjectionVersionEnd(UINT32_MAX));
  }
  if (!keys->status().ok()) {
    return FromRocks(keys->status(), "cannot read the projections");
  }
  std::unique_ptr<rocksdb::Iterator> marks(
      db_->NewIterator(read, family(Family::kMeta)));
  for (marks->Seek(kMetaProjectionMarks);
       marks->Valid() && marks->key().starts_with(kMetaProjectionMarks);
       marks->Next()) {
    if (View(marks->key()) != ProjectionMarkKey(active)) {
      batch.Delete(family(Family::kMeta), marks->key());
    }
  }
  if (!marks->status().ok()) {
    return FromRocks(marks->status(), "cannot read the projection marks");
  }
  if (batch.Count() == 0) return absl::OkStatus();
  return FromRocks(db_->Write(SyncWrite(), &batch),
                   "cannot remove left-over projection versions");
}

void ProjectionStore::LogAdvanced(uint64_t last_position) {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    log_position_ = std::max(log_position_, last_position);
  }
  follow_cv_.notify_one();
}

void ProjectionStore::BeginClose() {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    closing_ = true;
  }
  projected_cv_.notify_all();
}

void ProjectionStore::Stop() {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    closing_ = true;
    stop_ = true;
  }
  follow_cv_.notify_all();
  projected_cv_.notify_all();
  if (follower_.joinable()) follower_.join();
}

uint64_t ProjectionStore::log_position() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return log_position_;
}

bool ProjectionStore::closing() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return closing_;
}

ProjectionStatus ProjectionStore::status() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  ProjectionStatus status;
  status.active_version = active_version_;
  status.position = active_mark_.position;
  status.rebuilding_version = rebuild_switched_ ? 0 : rebuild_version_;
  return status;
}

uint64_t ProjectionStore::WaitForProjection(uint64_t position,
                                            absl::Time deadline) const {
  std::unique_lock<std::mutex> lock(state_mu_);
  projected_cv_.wait_until(lock, absl::ToChronoTime(deadline), [&] {
    return active_mark_.position >= position || closing_;
  });
  return active_mark_.position;
}

void ProjectionStore::FollowLoop() {
  absl::Duration backoff = kFollowBackoffMin;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(state_mu_);
      follow_cv_.wait(
          lock, [&] { return stop_ || log_position_ > active_mark_.position; });
      if (stop_) return;
    }
    absl::Status status = FollowPage();
    if (status.ok()) {
      backoff = kFollowBackoffMin;
      continue;
    }
    // The log keeps every event, so nothing is lost while the projection
    // lags; it catches up once the disk answers again.
    spdlog::error("the projection follower failed; retrying in {}: {}",
                  absl::FormatDuration(backoff), status.ToString());
    std::unique_lock<std::mutex> lock(state_mu_);
    follow_cv_.wait_for(lock, absl::ToChronoNanoseconds(backoff),
                        [&] { return stop_; });
    if (stop_) return;
    backoff = std::min(backoff * 2, kFollowBackoffMax);
  }
}

absl::Status ProjectionStore::FollowPage() {
  std::lock_guard<std::mutex> follow(follow_mu_);
  const uint64_t to = log_position();
  if (mark_.position >= to) return absl::OkStatus();
  absl::StatusOr<Copied> copied =
      CopyPage(version_, mark_.position + 1, to, /*write_mark=*/true);
  if (!copied.ok()) return copied.status();
  mark_ = ProjectionMark{copied->last_position, copied->last_recorded_micros};
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    active_mark_ = mark_;
  }
  projected_cv_.notify_all();
  return absl::OkStatus();
}

absl::StatusOr<ProjectionStore::Copied> ProjectionStore::CopyPage(
    uint32_t version, uint64_t from, uint64_t to, bool write_mark) const {
  assert(from >= 1 && from <= to);
  rocksdb::ReadOptions read;
  const std::string upper = PositionKey(to + 1);
  const rocksdb::Slice upper_slice(upper);
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read, family(Family::kEvents)));
  rocksdb::WriteBatch batch;
  Copied copied;
  copied.last_position = from - 1;
  size_t bytes = 0;
  v1::Event event;
  for (it->Seek(PositionKey(from));
       it->Valid() && copied.events < kProjectionPageEventsMax &&
       bytes < kProjectionPageBytesMax;
       it->Next()) {
    const uint64_t expected = copied.last_position + 1;
    if (!event.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size())) ||
        event.position() != expected) {
      return absl::DataLossError(absl::StrCat(
          "the event at position ", expected, " is missing or corrupt"));
    }
    batch.Put(
        family(Family::kProjections),
        ProjectionEventKey(version, event.case_id(), event.case_version()),
        it->value());
    bytes += it->value().size();
    copied.last_position = expected;
    copied.last_recorded_micros = ToMicros(event.recorded_at());
    ++copied.events;
    if (event.case_version() == 1) ++copied.cases_begun;
  }
  if (!it->status().ok()) {
    return FromRocks(it->status(), "cannot read the log");
  }
  if (copied.events == 0) {
    return absl::DataLossError(absl::StrCat("the log has no event at position ",
                                            from, " though it ends at ", to));
  }
  if (write_mark) {
    batch.Put(family(Family::kMeta), ProjectionMarkKey(version),
              EncodeProjectionMark(
                  {copied.last_position, copied.last_recorded_micros}));
  }
  // No fsync: the log is the truth, and a lost page is copied again.
  absl::Status written =
      FromRocks(db_->Write(rocksdb::WriteOptions(), &batch),
                absl::StrCat("cannot write projection version ", version));
  if (!written.ok()) return written;
  return copied;
}

absl::StatusOr<ScanBasis> ProjectionStore::ScanMaterialized(
    const CaseVisitor& visit, uint64_t max_position) const {
  Snapshot snapshot(db_);
  // The version and its mark come from the snapshot too, so that a switch
  // is seen whole or not at all.
  absl::StatusOr<Active> active =
      ReadActive(db_, family(Family::kMeta), snapshot.read());
  if (!active.ok()) return active.status();
  ScanBasis basis;
  basis.projection_version = active->version;
  basis.last_position = active->mark.position;
  basis.last_recorded_at = RecordedAt(active->mark);
  // Cut at max_position when the mark is past it; the recorded_at of the
  // event there is then the latest seen.
  const bool cut = max_position > 0 && max_position < active->mark.position;
  if (cut) {
    basis.last_position = max_position;
    basis.last_recorded_at = absl::InfinitePast();
  }

  rocksdb::ReadOptions read = snapshot.read();
  const std::string upper = ProjectionVersionEnd(active->version);
  const rocksdb::Slice upper_slice(upper);
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read, family(Family::kProjections)));
  CaseGrouper grouper(visit);
  v1::Event parsed;
  for (it->Seek(ProjectionEventsPrefix(active->version)); it->Valid();
       it->Next()) {
    absl::StatusOr<ProjectionEventKeyParts> key =
        DecodeProjectionEventKey(View(it->key()));
    if (!key.ok()) return Lost(key.status());
    if (!parsed.ParseFromArray(it->value().data(),
                               static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat(
          "projection version ", active->version, ": the event of case ",
          key->case_id, " version ", key->case_version, " is corrupt"));
    }
    if (parsed.position() > basis.last_position) continue;
    if (cut) {
      basis.last_recorded_at =
          std::max(basis.last_recorded_at,
                   RecordedAt(ProjectionMark{parsed.position(),
                                             ToMicros(parsed.recorded_at())}));
    }
    absl::StatusOr<v1::Event*> event = grouper.Next(key->case_id);
    if (!event.ok()) return event.status();
    **event = std::move(parsed);
  }
  if (!it->status().ok()) {
    return FromRocks(it->status(), "cannot read the projection");
  }
  if (absl::Status visited = grouper.Flush(); !visited.ok()) return visited;
  basis.cases = grouper.cases();
  return basis;
}

absl::StatusOr<ScanBasis> ProjectionStore::ScanLog(
    const CaseVisitor& visit) const {
  Snapshot snapshot(db_);
  ScanBasis basis;
  std::string value;
  rocksdb::Status got =
      db_->Get(snapshot.read(), family(Family::kMeta), kMetaHead, &value);
  if (got.ok()) {
    absl::StatusOr<Head> head = DecodeHead(value);
    if (!head.ok()) return Lost(head.status());
    basis.last_position = head->last_position;
    basis.last_recorded_at =
        RecordedAt({head->last_position, head->last_recorded_micros});
  } else if (!got.IsNotFound()) {
    return FromRocks(got, "cannot read the log's head");
  }

  CaseGrouper grouper(visit);
  LogEventReader reader(db_, family(Family::kEvents), snapshot.read(), grouper);
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(snapshot.read(), family(Family::kCases)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    absl::StatusOr<std::pair<std::string, uint64_t>> key =
        DecodeCaseVersionKey(View(it->key()));
    if (!key.ok()) return Lost(key.status());
    absl::StatusOr<uint64_t> position = DecodeU64(View(it->value()));
    if (!position.ok()) return Lost(position.status());
    if (absl::Status added = reader.Add(std::move(key->first), *position);
        !added.ok()) {
      return added;
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "cannot read cases");
  if (absl::Status read = reader.Flush(); !read.ok()) return read;
  if (absl::Status visited = grouper.Flush(); !visited.ok()) return visited;
  basis.cases = grouper.cases();
  return basis;
}

absl::StatusOr<uint32_t> ProjectionStore::Rebuild(
    const RebuildObserver& observer) {
  uint32_t old_version = 0;
  uint32_t version = 0;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (rebuild_version_ != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "a rebuild is running (version ", rebuild_version_, ")"));
    }
    if (closing_) return absl::UnavailableError("the store is closing");
    if (active_version_ == UINT32_MAX) {
      return absl::FailedPreconditionError(absl::StrCat(
          "projection version ", active_version_, " is the last there is"));
    }
    old_version = active_version_;
    version = old_version + 1;
    rebuild_version_ = version;
    rebuild_switched_ = false;
  }
  absl::StatusOr<uint32_t> rebuilt = RunRebuild(old_version, version, observer);
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    rebuild_version_ = 0;
    rebuild_switched_ = false;
  }
  return rebuilt;
}

absl::StatusOr<uint32_t> ProjectionStore::RunRebuild(
    uint32_t old_version, uint32_t version, const RebuildObserver& observer) {
  // Durable before the first shadow key: a crash from here on leaves a
  // marker that Open finds.
  absl::Status status =
      FromRocks(db_->Put(SyncWrite(), family(Family::kMeta),
                         kMetaProjectionShadow, EncodeU32(version)),
                "cannot mark the rebuild's shadow version");
  RebuildProgress progress;
  progress.version = version;
  uint64_t copied = 0;
  int64_t copied_micros = 0;
  absl::Time next_report = absl::InfinitePast();
  while (status.ok()) {
    if (closing()) {
      status = absl::UnavailableError(
          absl::StrCat("the store is closing; the rebuild of projection "
                       "version ",
                       version, " was abandoned"));
      break;
    }
    const uint64_t target = log_position();
    const bool near_end = target - copied <= kRebuildSwitchGapMax;
    if (!near_end) {
      absl::StatusOr<Copied> page =
          CopyPage(version, copied + 1, target, /*write_mark=*/false);
      if (!page.ok()) {
        status = page.status();
        break;
      }
      copied = page->last_position;
      copied_micros = page->last_recorded_micros;
      progress.events_done += page->events;
      progress.cases_done += page->cases_begun;
    }
    // The first report comes after the first page (or at once, when the
    // log is short), then one every interval.
    if (absl::Now() >= next_report) {
      progress.events_total = target;
      if (observer) status = observer(progress);
      if (!status.ok()) break;
      next_report = absl::Now() + kRebuildProgressInterval;
    }
    // Checked again after the observer, which may have taken its time
    // (a slow client): the switch copies what is left with the follower
    // paused, so what is left must still be little.
    if (near_end && log_position() - copied <= kRebuildSwitchGapMax) break;
  }
  if (status.ok()) {
    status = SwitchTo(old_version, version, copied, copied_micros, progress);
  }
  if (!status.ok()) {
    RemoveShadow(version);
    return status;
  }
  RemoveOldVersion(old_version);
  progress.switched = true;
  progress.events_total = log_position();
  // After the switch there is nothing left to cancel.
  if (observer) observer(progress).IgnoreError();
  return version;
}

absl::Status ProjectionStore::SwitchTo(uint32_t old_version, uint32_t version,
                                       uint64_t copied_position,
                                       int64_t copied_micros,
                                       RebuildProgress& progress) {
  // The follower is between two pages and stays there: the shadow catches
  // up with the log and takes over the follower's place.
  std::lock_guard<std::mutex> follow(follow_mu_);
  if (closing()) {
    return absl::UnavailableError(
        absl::StrCat("the store is closing; the rebuild of projection version ",
                     version, " was abandoned"));
  }
  const uint64_t target = log_position();
  while (copied_position < target) {
    absl::StatusOr<Copied> page =
        CopyPage(version, copied_position + 1, target, /*write_mark=*/false);
    if (!page.ok()) return page.status();
    copied_position = page->last_position;
    copied_micros = page->last_recorded_micros;
    progress.events_done += page->events;
    progress.cases_done += page->cases_begun;
  }
  const ProjectionMark mark{copied_position, copied_micros};
  rocksdb::WriteBatch batch;
  batch.Put(family(Family::kMeta), kMetaProjectionActive, EncodeU32(version));
  batch.Put(family(Family::kMeta), ProjectionMarkKey(version),
            EncodeProjectionMark(mark));
  batch.Delete(family(Family::kMeta), ProjectionMarkKey(old_version));
  batch.Delete(family(Family::kMeta), kMetaProjectionShadow);
  absl::Status switched =
      FromRocks(db_->Write(SyncWrite(), &batch),
                absl::StrCat("cannot switch to projection version ", version));
  if (!switched.ok()) {
    // The failed write may have landed or not: point back at the old
    // version, whose mark only the follower (paused here) moves.
    rocksdb::WriteBatch restore;
    restore.Put(family(Family::kMeta), kMetaProjectionActive,
                EncodeU32(old_version));
    restore.Put(family(Family::kMeta), ProjectionMarkKey(old_version),
                EncodeProjectionMark(mark_));
    absl::Status restored =
        FromRocks(db_->Write(SyncWrite(), &restore),
                  "cannot restore the active projection version");
    if (!restored.ok()) spdlog::error("{}", restored.ToString());
    return switched;
  }
  version_ = version;
  mark_ = mark;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    active_version_ = version;
    active_mark_ = mark;
    rebuild_switched_ = true;
  }
  projected_cv_.notify_all();
  follow_cv_.notify_one();
  return absl::OkStatus();
}

void ProjectionStore::RemoveShadow(uint32_t version) {
  rocksdb::WriteBatch batch;
  batch.DeleteRange(family(Family::kProjections),
                    ProjectionVersionBegin(version),
                    ProjectionVersionEnd(version));
  batch.Delete(family(Family::kMeta), ProjectionMarkKey(version));
  batch.Delete(family(Family::kMeta), kMetaProjectionShadow);
  absl::Status removed = FromRocks(
      db_->Write(SyncWrite(), &batch),
      absl::StrCat("cannot remove the shadow projection version ", version));
  // What stays behind is removed at the next Open.
  if (!removed.ok()) spdlog::error("{}", removed.ToString());
}

void ProjectionStore::RemoveOldVersion(uint32_t version) {
  const std::string begin = ProjectionVersionBegin(version);
  const std::string end = ProjectionVersionEnd(version);
  // Scans holding an older snapshot still read the old version: RocksDB
  // keeps what a snapshot sees. If this write is lost, Open removes it.
  absl::Status removed =
      FromRocks(db_->DeleteRange(rocksdb::WriteOptions(),
                                 family(Family::kProjections), begin, end),
                absl::StrCat("cannot delete projection version ", version));
  if (removed.ok()) {
    // Reclaims the space now rather than whenever compaction gets there.
    const rocksdb::Slice begin_slice(begin);
    const rocksdb::Slice end_slice(end);
    removed = FromRocks(
        db_->CompactRange(rocksdb::CompactRangeOptions(),
                          family(Family::kProjections), &begin_slice,
                          &end_slice),
        absl::StrCat("cannot compact deleted projection version ", version));
  }
  if (!removed.ok()) spdlog::warn("{}", removed.ToString());
}

absl::Status ProjectionStore::Verify(const rocksdb::ReadOptions& snapshot,
                                     uint64_t log_position) const {
  absl::StatusOr<Active> active =
      ReadActive(db_, family(Family::kMeta), snapshot);
  if (!active.ok()) return active.status();
  if (active->mark.position > log_position) {
    return absl::DataLossError(absl::StrCat(
        "projection version ", active->version, ": the materialized position ",
        active->mark.position, " is beyond the log's end ", log_position));
  }
  ProjectionChecker checker(db_, family(Family::kEvents), snapshot,
                            active->version, active->mark);
  rocksdb::ReadOptions read = snapshot;
  const std::string upper = ProjectionVersionEnd(active->version);
  const rocksdb::Slice upper_slice(upper);
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read, family(Family::kProjections)));
  for (it->Seek(ProjectionEventsPrefix(active->version)); it->Valid();
       it->Next()) {
    if (absl::Status checked =
            checker.Check(View(it->key()), View(it->value()));
        !checked.ok()) {
      return checked;
    }
  }
  if (!it->status().ok()) {
    return FromRocks(it->status(), "cannot read the projection");
  }
  return checker.Finish();
}

}  // namespace caseline::store
