// Verify of the active projection: its keys against the log, every
// position up to its mark exactly once, and its case index against its
// events.
#include "server/store/projection_store.h"

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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
using internal::View;

namespace {

// Checks a projection version's keys, in any order, against the log in a
// snapshot: each key's event is the log's (the same bytes) under its own
// case and version, at a position up to the mark, and every position up to
// the mark is there exactly once.
class ProjectionChecker {
 public:
  ProjectionChecker(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events,
                    rocksdb::ColumnFamilyHandle* projections,
                    const rocksdb::ReadOptions& snapshot, uint32_t version,
                    const ProjectionMark& mark, bool indexed)
      : db_(db),
        events_(events),
        projections_(projections),
        snapshot_(snapshot),
        version_(version),
        mark_(mark),
        indexed_(indexed),
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
    if (!indexed_) return absl::OkStatus();
    if (parts->case_id != case_id_) {
      CheckCaseIndexed();
      case_id_.assign(parts->case_id.data(), parts->case_id.size());
      jobcentre_id_.clear();
    }
    // The jobcentre of every entry is the case's, from its first event (a
    // case reopened stays in its jobcentre). A case whose first event is
    // missing is reported by Finish.
    if (parts->case_version == 1) {
      if (!event_.has_case_opened()) {
        return Disagree("the first event of case ", case_id_,
                        " is not its case_opened");
      }
      jobcentre_id_ = event_.case_opened().jobcentre_id();
    }
    if (jobcentre_id_.empty()) return absl::OkStatus();
    internal::ForEachIndexKey(
        version_, event_, jobcentre_id_,
        [&](std::string entry) { case_entries_.insert(std::move(entry)); });
    return absl::OkStatus();
  }

  // After Finish, when the version has a whole case index: it holds
  // exactly the entries the events give, each one found and no more.
  absl::Status CheckIndex(rocksdb::Iterator& index) {
    if (!indexed_) return absl::OkStatus();
    CheckCaseIndexed();
    if (!index_problem_.ok()) return index_problem_;
    uint64_t entries = 0;
    for (index.Seek(ProjectionIndexBegin(version_)); index.Valid();
         index.Next()) {
      ++entries;
    }
    if (!index.status().ok()) {
      return FromRocks(index.status(), "cannot read the case index");
    }
    if (entries == index_entries_) return absl::OkStatus();
    // One entry too many at least: find it, reading the case each entry
    // names (slow, but only for a damaged index).
    for (index.Seek(ProjectionIndexBegin(version_)); index.Valid();
         index.Next()) {
      absl::StatusOr<bool> given = GivenByEvents(View(index.key()));
      if (!given.ok()) return given.status();
      if (!*given) {
        return Disagree("the case index lists ", Describe(View(index.key())),
                        ", which none of its events name");
      }
    }
    if (!index.status().ok()) {
      return FromRocks(index.status(), "cannot read the case index");
    }
    return Disagree("the case index has ", entries, " entries where the ",
                    "events give ", index_entries_);
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

  // Every index entry the current case's events give is there; the first
  // problem is kept for CheckIndex, so that a missing event is reported
  // first, as the cause.
  void CheckCaseIndexed() {
    for (const std::string& key : case_entries_) {
      if (!index_problem_.ok()) break;
      rocksdb::Status got = db_->Get(snapshot_, projections_, key, &logged_);
      if (got.IsNotFound()) {
        index_problem_ = Disagree("the case index lacks ", Describe(key),
                                  ", though an event of the case names it");
      } else if (!got.ok()) {
        index_problem_ = FromRocks(got, "cannot read the case index");
      }
    }
    index_entries_ += case_entries_.size();
    case_entries_.clear();
  }

  // An index key in words: "case C under team T of jobcentre J".
  static std::string Describe(absl::string_view key) {
    // The version and the index tag, then the index, then its fields.
    constexpr size_t kFieldsAt = 6;
    if (key.size() <= kFieldsAt) return "a malformed entry";
    const char index = key[kFieldsAt - 1];
    const std::vector<absl::string_view> fields =
        absl::StrSplit(key.substr(kFieldsAt), '\0');
    if (index == static_cast<char>(CaseIndex::kJobcentre) &&
        fields.size() == 2) {
      return absl::StrCat("case ", fields[1], " under jobcentre ", fields[0]);
    }
    if (fields.size() == 3) {
      return absl::StrCat("case ", fields[2], " under ",
                          index == static_cast<char>(CaseIndex::kTeam)
                              ? "team "
                              : "caseworker ",
                          fields[0], " of jobcentre ", fields[1]);
    }
    return "a malformed entry";
  }

  // Whether the events of the case an index key names give that key.
  absl::StatusOr<bool> GivenByEvents(absl::string_view key) {
    const size_t case_at = key.rfind('\0');
    if (case_at == absl::string_view::npos) return false;
    const absl::string_view case_id = key.substr(case_at + 1);
    const std::string prefix = ProjectionCaseEventsPrefix(version_, case_id);
    std::unique_ptr<rocksdb::Iterator> events(
        db_->NewIterator(snapshot_, projections_));
    std::string jobcentre_id;
    bool given = false;
    for (events->Seek(prefix);
         events->Valid() && absl::StartsWith(View(events->key()), prefix);
         events->Next()) {
      v1::Event event;
      if (!event.ParseFromArray(events->value().data(),
                                static_cast<int>(events->value().size()))) {
        return Disagree("the event of case ", case_id, " is corrupt");
      }
      if (event.case_version() == 1 && event.has_case_opened()) {
        jobcentre_id = event.case_opened().jobcentre_id();
      }
      if (jobcentre_id.empty()) continue;
      internal::ForEachIndexKey(
          version_, event, jobcentre_id,
          [&](const std::string& entry) { given = given || entry == key; });
    }
    if (!events->status().ok()) {
      return FromRocks(events->status(), "cannot read the projection");
    }
    return given;
  }

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const events_;
  rocksdb::ColumnFamilyHandle* const projections_;
  const rocksdb::ReadOptions& snapshot_;
  const uint32_t version_;
  const ProjectionMark mark_;
  const bool indexed_;
  // The case being checked (keys come in case order), the index keys its
  // events give so far, and how many all cases before it gave.
  std::string case_id_;
  std::string jobcentre_id_;
  std::set<std::string> case_entries_;
  uint64_t index_entries_ = 0;
  absl::Status index_problem_;
  // Which positions the projection holds.
  std::vector<bool> seen_;
  v1::Event event_;
  std::string logged_;
};

}  // namespace

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
  std::string marker;
  rocksdb::Status got =
      db_->Get(snapshot, family(Family::kProjections),
               ProjectionIndexedKey(active->version), &marker);
  if (!got.ok() && !got.IsNotFound()) {
    return FromRocks(got, "cannot read the case index");
  }
  ProjectionChecker checker(db_, family(Family::kEvents),
                            family(Family::kProjections), snapshot,
                            active->version, active->mark, got.ok());
  BoundedIterator it(db_, family(Family::kProjections), snapshot,
                     ProjectionEventsEnd(active->version));
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
  BoundedIterator index(db_, family(Family::kProjections), snapshot,
                        ProjectionIndexEnd(active->version));
  if (absl::Status finished = checker.Finish(); !finished.ok()) {
    return finished;
  }
  return checker.CheckIndex(*index);
}

}  // namespace caseline::store
