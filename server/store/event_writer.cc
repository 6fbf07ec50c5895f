// The writer: the bounded queue of appends, and group commit (one synced
// WriteBatch per group, then the answers and the new head).
#include "server/store/internal/event_store_impl.h"

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace caseline::store {

void EventStore::Impl::Pending::Finish(absl::StatusOr<AppendResult> result) {
  if (done.has_value()) {
    done->set_value(std::move(result));
    return;
  }
  many->results[index] = std::move(result);
  // The last of the appends to finish answers them all; the others' results
  // are visible to it through the release-acquire on `left`.
  if (many->left.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    many->done.set_value(std::move(many->results));
  }
}

std::future<absl::StatusOr<AppendResult>> EventStore::Impl::AppendAsync(
    AppendCommand command, Admission admission) {
  auto pending = std::make_unique<Pending>();
  pending->command = std::move(command);
  pending->done.emplace();
  std::future<absl::StatusOr<AppendResult>> future =
      pending->done->get_future();
  std::vector<std::unique_ptr<Pending>> one;
  one.push_back(std::move(pending));
  Enqueue(std::move(one), admission);
  return future;
}

std::future<std::vector<absl::StatusOr<AppendResult>>>
EventStore::Impl::AppendManyAsync(std::vector<AppendCommand> commands,
                                  Admission admission) {
  auto many = std::make_shared<ManyResults>(commands.size());
  std::future<std::vector<absl::StatusOr<AppendResult>>> future =
      many->done.get_future();
  if (commands.empty()) {
    many->done.set_value({});
    return future;
  }
  if (commands.size() > kBulkAppendsMax) {
    const absl::Status refused = absl::InvalidArgumentError(
        absl::StrCat("appends: ", commands.size(), " appends; the limit is ",
                     kBulkAppendsMax));
    many->results.assign(commands.size(), refused);
    many->done.set_value(std::move(many->results));
    return future;
  }
  std::vector<std::unique_ptr<Pending>> pendings;
  pendings.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    auto pending = std::make_unique<Pending>();
    pending->command = std::move(commands[i]);
    pending->many = many;
    pending->index = i;
    pendings.push_back(std::move(pending));
  }
  Enqueue(std::move(pendings), admission);
  return future;
}

void EventStore::Impl::Enqueue(std::vector<std::unique_ptr<Pending>> pendings,
                               Admission admission) {
  // Checked before queueing, on the caller's thread: a malformed append is
  // answered at once and never reaches the writer.
  std::vector<std::unique_ptr<Pending>> checked;
  checked.reserve(pendings.size());
  size_t bytes = 0;
  for (std::unique_ptr<Pending>& pending : pendings) {
    absl::Status status =
        CheckCommand(pending->command, &pending->digests, &pending->bytes);
    if (!status.ok()) {
      pending->Finish(std::move(status));
      continue;
    }
    bytes += pending->bytes;
    checked.push_back(std::move(pending));
  }
  if (checked.empty()) return;
  absl::Status status;
  {
    std::unique_lock<std::mutex> lock(queue_mu_);
    // Appends that wait leave room for those that do not. Whatever their
    // size, appends are let into an empty queue.
    const size_t queue_max = admission == Admission::kWaitForRoom
                                 ? kWriteQueueMax - kWriteQueueLiveReserve
                                 : kWriteQueueMax;
    auto full = [&] {
      return !queue_.empty() && (queue_.size() + checked.size() > queue_max ||
                                 queued_bytes_ + bytes > kWriteQueueBytesMax);
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
      queued_bytes_ += bytes;
      for (std::unique_ptr<Pending>& pending : checked) {
        queue_.push_back(std::move(pending));
      }
    }
  }
  if (!status.ok()) {
    for (std::unique_ptr<Pending>& pending : checked) pending->Finish(status);
    return;
  }
  queue_cv_.notify_one();
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
      Publish(head_);
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
    group[i]->Finish(std::move(results[i]));
  }
}

void EventStore::Impl::Publish(const Head& head) {
  {
    std::lock_guard<std::mutex> lock(head_mu_);
    last_position_ = head.last_position;
    last_recorded_micros_ = head.last_recorded_micros;
  }
  head_cv_.notify_all();
  projections_->LogAdvanced(head.last_position);
}

LogHead EventStore::Impl::head() const {
  std::lock_guard<std::mutex> lock(head_mu_);
  LogHead head;
  head.last_position = last_position_;
  if (head.last_position > 0) {
    head.last_recorded_at = absl::FromUnixMicros(last_recorded_micros_);
  }
  return head;
}

}  // namespace caseline::store
