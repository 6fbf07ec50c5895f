// Reads of the log: a case's events, the log in position order, and
// waiting for a position. Each read sees one RocksDB snapshot.
#include "server/store/internal/event_store_impl.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/store/internal/store_internal.h"

namespace caseline::store {

using internal::FromRocks;
using internal::View;

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

}  // namespace caseline::store
