// Population scans: every case of the active projection, or of the log,
// handed to a visitor a case at a time from one snapshot.
#include "server/store/projection_store.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "projections/instants.h"
#include "rocksdb/iterator.h"
#include "server/store/internal/projection_internal.h"
#include "server/store/internal/store_internal.h"

namespace caseline::store {

using internal::Active;
using internal::BoundedIterator;
using internal::FromRocks;
using internal::Lost;
using internal::ReadActive;
using internal::RecordedAt;
using internal::Snapshot;
using internal::View;

namespace {

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

// Cases read on one thread and visited on another, so that reading and
// parsing the projection overlaps with what the visitor does with each
// case (a report's fold and judgement): the reader fills batches of whole
// cases, the visitors take them in order, and the batches and their events
// are reused, so a scan allocates few messages. At most kScanBatchesAhead
// batches wait. With several visitors, each on a thread of its own, a batch
// goes to whichever is free.
class CasePipe {
 public:
  CasePipe() = default;

  // Reader: a slot for the next event, of `case_id` (as CaseGrouper::Next).
  // CANCELLED once the visitor has stopped.
  absl::StatusOr<v1::Event*> Next(absl::string_view case_id) {
    if (filling_ == nullptr) filling_ = TakeFree();
    if (case_id != case_id_) {
      EndCase();
      if (filling_->used >= kScanBatchEventsMin) {
        if (!Push()) {
          return absl::CancelledError("the scan's visitor stopped");
        }
        filling_ = TakeFree();
      }
      case_id_.assign(case_id.data(), case_id.size());
    }
    if (filling_->used == filling_->events.size()) {
      filling_->events.emplace_back();
    }
    return &filling_->events[filling_->used++];
  }

  // Reader: no more cases; `status` is the reader's outcome.
  // After an error nothing more is visited: the batch being filled may
  // hold part of a case, and the error is the answer.
  void Close(absl::Status status) {
    if (filling_ != nullptr && status.ok()) {
      EndCase();
      if (!filling_->cases.empty()) Push();
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!status.ok()) full_.clear();
    closed_ = true;
    reader_status_ = std::move(status);
    changed_.notify_all();
  }

  // Visitor: visits the cases of every batch it takes, until the reader
  // closes or a visitor stops; this visitor's error, else the reader's
  // (OK when another visitor stopped: that one reports why).
  absl::Status Visit(const CaseVisitor& visit) {
    for (;;) {
      std::unique_ptr<Batch> batch;
      {
        std::unique_lock<std::mutex> lock(mu_);
        changed_.wait(lock,
                      [&] { return !full_.empty() || closed_ || stopped_; });
        if (stopped_) return absl::OkStatus();
        if (full_.empty()) return reader_status_;
        batch = std::move(full_.front());
        full_.pop_front();
        changed_.notify_all();
      }
      size_t begin = 0;
      for (const auto& [case_id, end] : batch->cases) {
        cases_.fetch_add(1, std::memory_order_relaxed);
        absl::Status visited = visit(
            case_id,
            absl::MakeConstSpan(batch->events.data() + begin, end - begin));
        begin = end;
        if (!visited.ok()) {
          std::unique_lock<std::mutex> lock(mu_);
          stopped_ = true;
          changed_.notify_all();
          changed_.wait(lock, [&] { return closed_; });
          return visited;
        }
      }
      batch->used = 0;
      batch->cases.clear();
      std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(std::move(batch));
    }
  }

  int64_t cases() const { return cases_.load(); }

 private:
  struct Batch {
    // events[0, used) hold the batch's cases; the rest wait to be reused.
    std::vector<v1::Event> events;
    size_t used = 0;
    // Each case's id and the end of its events.
    std::vector<std::pair<std::string, size_t>> cases;
  };

  void EndCase() {
    const size_t begun =
        filling_->cases.empty() ? 0 : filling_->cases.back().second;
    if (filling_->used > begun)
      filling_->cases.emplace_back(case_id_, filling_->used);
  }

  std::unique_ptr<Batch> TakeFree() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) return std::make_unique<Batch>();
    std::unique_ptr<Batch> batch = std::move(free_.back());
    free_.pop_back();
    return batch;
  }

  // Hands the filling batch over; false if the visitor stopped.
  bool Push() {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock,
                  [&] { return full_.size() < kScanBatchesAhead || stopped_; });
    if (stopped_) return false;
    full_.push_back(std::move(filling_));
    changed_.notify_all();
    return true;
  }

  // Reader's.
  std::unique_ptr<Batch> filling_;
  std::string case_id_;
  // Visitors'.
  std::atomic<int64_t> cases_ = 0;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<Batch>> full_;
  std::vector<std::unique_ptr<Batch>> free_;
  bool closed_ = false;
  bool stopped_ = false;
  absl::Status reader_status_;
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

}  // namespace

absl::StatusOr<ScanBasis> ProjectionStore::ScanMaterialized(
    absl::Span<const CaseVisitor> visitors, uint64_t max_position,
    const CaseSelection* selection) const {
  assert(!visitors.empty());
  Snapshot snapshot(db_);
  // The version and its mark come from the snapshot too, so that a switch
  // is seen whole or not at all.
  absl::StatusOr<Active> active =
      ReadActive(db_, family(Family::kMeta), snapshot.read());
  if (!active.ok()) return active.status();
  const uint32_t version = active->version;
  ScanBasis basis;
  basis.projection_version = version;
  basis.last_position = active->mark.position;
  basis.last_recorded_at = RecordedAt(active->mark);
  // Cut at max_position when the mark is past it; the log's event there
  // was recorded last of those seen (recorded_at follows position).
  if (max_position > 0 && max_position < active->mark.position) {
    absl::StatusOr<absl::Time> recorded =
        LogRecordedAt(snapshot.read(), max_position);
    if (!recorded.ok()) return recorded.status();
    basis.last_position = max_position;
    basis.last_recorded_at = *recorded;
  }

  absl::StatusOr<std::optional<std::vector<std::string>>> selected =
      SelectedCases(snapshot.read(), version, selection);
  if (!selected.ok()) return selected.status();
  basis.indexed = selected->has_value();

  BoundedIterator it(db_, family(Family::kProjections), snapshot.read(),
                     ProjectionEventsEnd(version));
  CasePipe pipe;
  v1::Event parsed;
  // Hands the events of keys beginning with `prefix`, from where `it`
  // stands, to the pipe.
  auto read_events = [&](absl::string_view prefix) -> absl::Status {
    for (; it->Valid() && absl::StartsWith(View(it->key()), prefix);
         it->Next()) {
      absl::StatusOr<ProjectionEventKeyParts> key =
          DecodeProjectionEventKey(View(it->key()));
      if (!key.ok()) return Lost(key.status());
      if (!parsed.ParseFromArray(it->value().data(),
                                 static_cast<int>(it->value().size()))) {
        return absl::DataLossError(absl::StrCat(
            "projection version ", version, ": the event of case ",
            key->case_id, " version ", key->case_version, " is corrupt"));
      }
      if (parsed.position() > basis.last_position) continue;
      absl::StatusOr<v1::Event*> event = pipe.Next(key->case_id);
      if (!event.ok()) return event.status();
      // The slot's old event is parsed over next.
      (*event)->Swap(&parsed);
    }
    if (!it->status().ok()) {
      return FromRocks(it->status(), "cannot read the projection");
    }
    return absl::OkStatus();
  };

  auto read_cases = [&]() -> absl::Status {
    if (!selected->has_value()) {
      const std::string prefix = ProjectionEventsPrefix(version);
      it->Seek(prefix);
      return read_events(prefix);
    }
    for (const std::string& case_id : **selected) {
      const std::string prefix = ProjectionCaseEventsPrefix(version, case_id);
      it->Seek(prefix);
      if (absl::Status read_case = read_events(prefix); !read_case.ok()) {
        return read_case;
      }
    }
    return absl::OkStatus();
  };
  // No exception may leave a thread (or leave a thread unjoined): each is
  // an error status, and stops the scan.
  auto guarded = [](const auto& work) -> absl::Status {
    try {
      return work();
    } catch (const std::exception& e) {
      return absl::InternalError(absl::StrCat("the scan failed: ", e.what()));
    }
  };
  std::thread reader([&] { pipe.Close(guarded(read_cases)); });
  std::vector<absl::Status> visited(visitors.size());
  std::vector<CaseVisitor> safe;
  for (const CaseVisitor& visitor : visitors) {
    safe.push_back([&guarded, &visitor](absl::string_view case_id,
                                        absl::Span<const v1::Event> events) {
      return guarded([&] { return visitor(case_id, events); });
    });
  }
  std::vector<std::thread> others;
  for (size_t i = 1; i < safe.size(); ++i) {
    others.emplace_back([&, i] { visited[i] = pipe.Visit(safe[i]); });
  }
  visited[0] = pipe.Visit(safe[0]);
  for (std::thread& other : others) other.join();
  reader.join();
  for (const absl::Status& status : visited) {
    if (!status.ok()) return status;
  }
  basis.cases = pipe.cases();
  return basis;
}

absl::StatusOr<std::optional<std::vector<std::string>>>
ProjectionStore::SelectedCases(const rocksdb::ReadOptions& snapshot,
                               uint32_t version,
                               const CaseSelection* selection) const {
  if (selection == nullptr) return std::nullopt;
  std::string marker;
  rocksdb::Status got = db_->Get(snapshot, family(Family::kProjections),
                                 ProjectionIndexedKey(version), &marker);
  if (got.IsNotFound()) return std::nullopt;
  if (!got.ok()) return FromRocks(got, "cannot read the case index");

  const CaseIndex index = selection->index;
  const absl::flat_hash_set<std::string> jobcentres(
      selection->jobcentre_ids.begin(), selection->jobcentre_ids.end());
  // A team's or caseworker's cases in the jobcentres asked: a seek for each
  // pair when they are few, else one per id, skipping other jobcentres.
  const bool by_pair =
      index != CaseIndex::kJobcentre && !jobcentres.empty() &&
      selection->ids.size() * jobcentres.size() <= kSelectionSeeksMax;
  const bool skip_others =
      index != CaseIndex::kJobcentre && !jobcentres.empty() && !by_pair;
  std::vector<std::string> case_ids;
  BoundedIterator it(db_, family(Family::kProjections), snapshot,
                     ProjectionIndexEnd(version));
  // Lists the cases under `prefix`; false when there are too many to be
  // worth a seek each.
  auto list = [&](const std::string& prefix) -> absl::StatusOr<bool> {
    for (it->Seek(prefix);
         it->Valid() && absl::StartsWith(View(it->key()), prefix); it->Next()) {
      absl::StatusOr<ProjectionIndexEntry> entry =
          DecodeProjectionIndexKey(View(it->key()), prefix, index, by_pair);
      if (!entry.ok()) return Lost(entry.status());
      if (skip_others && !jobcentres.contains(entry->jobcentre_id)) continue;
      if (case_ids.size() == kSelectedCasesMax) return false;
      case_ids.emplace_back(entry->case_id);
    }
    if (!it->status().ok()) {
      return FromRocks(it->status(), "cannot read the case index");
    }
    return true;
  };
  for (const std::string& id : selection->ids) {
    std::vector<std::string> prefixes;
    if (by_pair) {
      for (const std::string& jobcentre_id : selection->jobcentre_ids) {
        prefixes.push_back(
            ProjectionIndexPrefix(version, index, id, jobcentre_id));
      }
    } else {
      prefixes.push_back(ProjectionIndexPrefix(version, index, id));
    }
    for (const std::string& prefix : prefixes) {
      absl::StatusOr<bool> listed = list(prefix);
      if (!listed.ok()) return listed.status();
      if (!*listed) return std::nullopt;
    }
  }
  std::sort(case_ids.begin(), case_ids.end());
  case_ids.erase(std::unique(case_ids.begin(), case_ids.end()), case_ids.end());
  return case_ids;
}

absl::StatusOr<absl::Time> ProjectionStore::LogRecordedAt(
    const rocksdb::ReadOptions& snapshot, uint64_t position) const {
  std::string value;
  rocksdb::Status got = db_->Get(snapshot, family(Family::kEvents),
                                 PositionKey(position), &value);
  if (got.IsNotFound()) {
    return absl::DataLossError(
        absl::StrCat("the event at position ", position, " is missing"));
  }
  if (!got.ok()) return FromRocks(got, "cannot read the log");
  v1::Event event;
  if (!event.ParseFromString(value) || event.position() != position) {
    return absl::DataLossError(
        absl::StrCat("the event at position ", position, " is corrupt"));
  }
  return RecordedAt(ProjectionMark{position, ToMicros(event.recorded_at())});
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

}  // namespace caseline::store
