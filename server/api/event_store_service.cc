#include "server/api/event_store_service.h"

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "projections/event_validation.h"
#include "server/api/access.h"
#include "server/api/convert.h"
#include "server/api/request_fields.h"

namespace caseline::api {
namespace {

// A waiting Subscribe looks up this often to notice a cancelled client or a
// shutdown.
constexpr absl::Duration kSubscribeWakeInterval = absl::Milliseconds(200);

absl::Status CheckPage(uint32_t max_count) {
  if (max_count > store::kReadPageMax) {
    return absl::InvalidArgumentError(absl::StrCat("max_count: ", max_count,
                                                   " is over the limit of ",
                                                   store::kReadPageMax));
  }
  return absl::OkStatus();
}

// The store command of `request`; for a caller limited to some jobcentres,
// the store checks the case's jobcentre as it applies the append.
store::AppendCommand Command(v1::AppendRequest& request, const Caller& caller,
                             bool import) {
  store::AppendCommand command =
      ToAppendCommand(request, caller.subject, import);
  if (!caller.all_jobcentres) command.jobcentres = caller.jobcentres;
  return command;
}

uint64_t EventsAppended(const absl::StatusOr<store::AppendResult>& result) {
  if (!result.ok() || result->deduplicated) return 0;
  return result->last_position - result->first_position + 1;
}

}  // namespace

grpc::Status EventStoreService::Append(grpc::ServerContext* context,
                                       const v1::AppendRequest* request,
                                       v1::AppendResponse* response) {
  absl::StatusOr<Caller> caller = access_.Admit(*context, Rpc::kAppend);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  const Use use = UseOf(*request);
  const absl::Time started = absl::Now();
  v1::AppendRequest owned = *request;
  ++appends_in_flight_;
  absl::StatusOr<store::AppendResult> result =
      store_.Append(Command(owned, *caller, /*import=*/false));
  --appends_in_flight_;
  metrics_.RecordAppend(static_cast<int>(result.status().code()),
                        EventsAppended(result), absl::Now() - started);
  if (result.ok()) {
    ToAppendResponse(*result, response);
    response->set_correlation_id(request->correlation_id());
  }
  // The append's own synced write has gone before; this entry is made
  // durable by the next one.
  return access_.Answer(*caller, Rpc::kAppend, use, result.status(),
                        Access::Logged::kAfterWrite);
}

grpc::Status EventStoreService::BatchAppend(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::AppendResponse, v1::AppendRequest>* stream) {
  absl::StatusOr<Caller> caller = access_.Admit(*context, Rpc::kBatchAppend);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ServeAppendStream(context, stream, *caller, Rpc::kBatchAppend,
                           /*import=*/false);
}

grpc::Status EventStoreService::BulkAppend(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::BulkAppendResponse, v1::BulkAppendRequest>*
        stream) {
  absl::StatusOr<Caller> caller = access_.Admit(*context, Rpc::kBulkAppend);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ServeAppendStream(context, stream, *caller, Rpc::kBulkAppend,
                           /*import=*/false);
}

namespace {

// The appends one message of an append stream carries, and its answer: one
// AppendRequest (BatchAppend, ImportHistory), or up to
// store::kBulkAppendsMax of them (BulkAppend, BulkImportHistory).
std::vector<v1::AppendRequest*> AppendsOf(v1::AppendRequest& request) {
  return {&request};
}

std::vector<v1::AppendRequest*> AppendsOf(v1::BulkAppendRequest& request) {
  std::vector<v1::AppendRequest*> appends;
  appends.reserve(static_cast<size_t>(request.appends_size()));
  for (v1::AppendRequest& append : *request.mutable_appends()) {
    appends.push_back(&append);
  }
  return appends;
}

void SetAnswers(std::vector<v1::AppendResponse>& answers,
                v1::AppendResponse* response) {
  *response = std::move(answers.front());
}

void SetAnswers(std::vector<v1::AppendResponse>& answers,
                v1::BulkAppendResponse* response) {
  response->mutable_answers()->Reserve(static_cast<int>(answers.size()));
  for (v1::AppendResponse& answer : answers) {
    *response->add_answers() = std::move(answer);
  }
}

// The access log entries of one message's appends: one per citizen (or,
// where the citizen is unknown, per case) and outcome, so that an entry
// found by a citizen or a case names no one else.
class OutcomeEntries {
 public:
  void Add(const absl::Status& outcome, Use use) {
    std::string key =
        use.citizen_ids.empty()
            ? absl::StrCat("case:",
                           use.case_ids.empty() ? "" : use.case_ids.front())
            : absl::StrCat("citizen:", use.citizen_ids.front());
    absl::StrAppend(&key, "/", static_cast<int>(outcome.code()));
    auto [found, added] = index_.try_emplace(std::move(key), entries_.size());
    if (added) {
      entries_.emplace_back(outcome, std::move(use));
      return;
    }
    Use& entry = entries_[found->second].second;
    for (std::string& id : use.case_ids) {
      entry.case_ids.push_back(std::move(id));
    }
  }

  const std::vector<std::pair<absl::Status, Use>>& entries() const {
    return entries_;
  }

 private:
  std::vector<std::pair<absl::Status, Use>> entries_;
  absl::flat_hash_map<std::string, size_t> index_;
};

}  // namespace

template <typename Request, typename Response>
grpc::Status EventStoreService::ServeAppendStream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<Response, Request>* stream, const Caller& caller,
    Rpc rpc, bool import) {
  // The reading thread hands each message's appends to the store without
  // waiting; a second thread answers the messages in order as they
  // complete. Answering from its own thread means a client that waits for
  // each answer before sending the next message cannot deadlock us.
  struct InFlight {
    std::vector<std::string> correlation_ids;
    // Per append: refused here, before the store (a correlation id too
    // long); or OK, and its result is the next of `stored`.
    std::vector<absl::Status> refused;
    std::future<std::vector<absl::StatusOr<store::AppendResult>>> stored;
    absl::Time started;
    // Per append, for the access log; empty for an import.
    std::vector<Use> uses;
  };
  // An import is logged as one entry at its end: a history load moves whole
  // case systems, and logging each of its requests would double its writes.
  // Counted by the answering thread, read after it is joined.
  uint64_t imported = 0, import_refused = 0;
  std::mutex mu;
  std::condition_variable changed;
  std::deque<InFlight> in_flight;  // Guarded by mu.
  size_t appends_unanswered = 0;   // Guarded by mu: in in_flight.
  bool reading_done = false;       // Guarded by mu.

  std::thread answerer([&] {
    bool client_gone = false;
    for (;;) {
      InFlight next;
      {
        std::unique_lock<std::mutex> lock(mu);
        changed.wait(lock, [&] { return reading_done || !in_flight.empty(); });
        if (in_flight.empty()) return;
        next = std::move(in_flight.front());
        in_flight.pop_front();
        appends_unanswered -= next.refused.size();
      }
      changed.notify_all();
      std::vector<absl::StatusOr<store::AppendResult>> stored =
          next.stored.get();
      const size_t count = next.refused.size();
      const absl::Duration took = absl::Now() - next.started;
      std::vector<v1::AppendResponse> answers(count);
      OutcomeEntries entries;
      size_t from_store = 0;
      for (size_t i = 0; i < count; ++i) {
        absl::StatusOr<store::AppendResult> result =
            next.refused[i].ok() ? std::move(stored[from_store++])
                                 : next.refused[i];
        metrics_.RecordAppend(static_cast<int>(result.status().code()),
                              EventsAppended(result), took);
        if (import) {
          ++(result.ok() ? imported : import_refused);
        } else {
          entries.Add(result.status(), std::move(next.uses[i]));
        }
        v1::AppendResponse& answer = answers[i];
        if (result.ok()) ToAppendResponse(*result, &answer);
        answer.set_correlation_id(std::move(next.correlation_ids[i]));
        answer.set_status_code(static_cast<int>(result.status().code()));
        answer.set_status_message(std::string(result.status().message()));
      }
      // The answers stand whether or not their entries could be written:
      // the appends are stored. A failure is logged by Answer.
      for (const auto& [outcome, use] : entries.entries()) {
        access_.Answer(caller, rpc, use, outcome, Access::Logged::kAfterWrite)
            .IgnoreError();
      }
      if (!client_gone) {
        Response response;
        SetAnswers(answers, &response);
        client_gone = !stream->Write(response);
      }
      // Counted until answered, so that a shutdown waits for the answer.
      appends_in_flight_ -= static_cast<int>(count);
    }
  });

  // case_id -> citizen_id of the cases this stream's requests named.
  absl::flat_hash_map<std::string, std::string> opened_here;
  absl::Status ended;
  Request message;
  while (stream->Read(&message)) {
    std::vector<v1::AppendRequest*> appends = AppendsOf(message);
    if (appends.size() > store::kBulkAppendsMax) {
      // Answering each append of an oversized message would make an answer
      // as oversized: the stream ends here, everything before it answered.
      ended = absl::InvalidArgumentError(absl::StrCat(
          "appends: ", appends.size(), " appends in one message; the limit is ",
          store::kBulkAppendsMax));
      break;
    }
    {
      // Only this thread adds, so the room found here stays free.
      std::unique_lock<std::mutex> lock(mu);
      changed.wait(lock, [&] {
        return in_flight.empty() ||
               appends_unanswered + appends.size() <= kStreamAppendsInFlightMax;
      });
      appends_unanswered += appends.size();
    }
    InFlight entry;
    entry.started = absl::Now();
    appends_in_flight_ += static_cast<int>(appends.size());
    std::vector<store::AppendCommand> commands;
    commands.reserve(appends.size());
    for (v1::AppendRequest* request : appends) {
      if (!import) {
        // Before the command takes the request's events. A case opened by
        // an earlier request of the stream may not be stored yet when a
        // later one is read: its citizen, for the access log, is
        // remembered here.
        Use use = UseOf(*request);
        if (use.citizen_ids.empty()) {
          auto opened = opened_here.find(request->case_id());
          if (opened != opened_here.end()) {
            use.citizen_ids.push_back(opened->second);
          }
        } else {
          if (opened_here.size() >= kStreamOpenedCasesMax) opened_here.clear();
          opened_here[request->case_id()] = use.citizen_ids.front();
        }
        entry.uses.push_back(std::move(use));
      }
      if (request->correlation_id().size() > kCorrelationIdBytesMax) {
        // Answered, not echoed: an id of any size would be sent back whole.
        entry.refused.push_back(absl::InvalidArgumentError(absl::StrCat(
            "correlation_id: is ", request->correlation_id().size(),
            " bytes; the limit is ", kCorrelationIdBytesMax)));
        entry.correlation_ids.emplace_back();
      } else {
        entry.refused.push_back(absl::OkStatus());
        entry.correlation_ids.push_back(request->correlation_id());
        // Takes the request's events.
        commands.push_back(Command(*request, caller, import));
      }
    }
    // Waits for room rather than failing on a full queue: a later request
    // of the stream must never be applied when an earlier one was not.
    entry.stored = store_.AppendManyAsync(
        std::move(commands), store::EventStore::Admission::kWaitForRoom);
    {
      std::lock_guard<std::mutex> lock(mu);
      in_flight.push_back(std::move(entry));
    }
    changed.notify_all();
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    reading_done = true;
  }
  changed.notify_all();
  answerer.join();
  if (ended.ok() && context->IsCancelled()) {
    ended = absl::CancelledError("the client went away");
  }
  if (import) {
    // Its beginning was logged, synced, before the first request was read.
    return access_.Answer(
        caller, rpc,
        Use{{},
            {},
            absl::StrCat("{\"ended\":true,\"requests_stored\":", imported,
                         ",\"requests_refused\":", import_refused, "}")},
        ended, Access::Logged::kAfterWrite);
  }
  return ToGrpcStatus(ended);
}

template grpc::Status EventStoreService::ServeAppendStream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::AppendResponse, v1::AppendRequest>* stream,
    const Caller& caller, Rpc rpc, bool import);
template grpc::Status EventStoreService::ServeAppendStream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::BulkAppendResponse, v1::BulkAppendRequest>*
        stream,
    const Caller& caller, Rpc rpc, bool import);

Use EventStoreService::UseOf(const v1::AppendRequest& request) const {
  Use use;
  // An empty case id is the store's to refuse, naming the field.
  if (request.case_id().empty()) return use;
  use.case_ids.push_back(request.case_id());
  for (const v1::Event& event : request.events()) {
    if (event.has_case_opened()) {
      use.citizen_ids.push_back(event.case_opened().citizen_id());
      return use;
    }
  }
  // A case stored already (or not yet: then the citizen stays unknown here).
  absl::StatusOr<store::CasePage> opened =
      store_.ReadCase(request.case_id(), 1, 1);
  if (opened.ok() && !opened->events.empty()) {
    use.citizen_ids.push_back(
        opened->events.front().case_opened().citizen_id());
  }
  return use;
}

bool EventStoreService::WaitForAppends(absl::Duration timeout) const {
  constexpr absl::Duration kPollInterval = absl::Milliseconds(10);
  const absl::Time deadline = absl::Now() + timeout;
  while (appends_in_flight_.load() > 0) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(kPollInterval);
  }
  return true;
}

grpc::Status EventStoreService::ReadCase(grpc::ServerContext* context,
                                         const v1::ReadCaseRequest* request,
                                         v1::ReadCaseResponse* response) {
  absl::StatusOr<Caller> caller = access_.Admit(*context, Rpc::kReadCase);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  Use use{{request->case_id()}, {}, ""};
  const absl::Status answered = [&]() -> absl::Status {
    if (absl::Status id = IdField("case_id", request->case_id()); !id.ok()) {
      return id;
    }
    if (absl::Status page = CheckPage(request->max_count()); !page.ok()) {
      return page;
    }
    // The case's jobcentre and citizen are its first event's, its
    // case_opened's.
    absl::StatusOr<store::CasePage> opened =
        store_.ReadCase(request->case_id(), 1, 1);
    if (!opened.ok()) return opened.status();
    if (opened->events.empty()) return CaseNotFound(request->case_id());
    const v1::CaseOpened& body = opened->events.front().case_opened();
    use.citizen_ids.push_back(body.citizen_id());
    if (!caller->Covers(body.jobcentre_id())) {
      return CaseNotFound(request->case_id());
    }
    absl::StatusOr<store::CasePage> page = store_.ReadCase(
        request->case_id(), request->from_version(), request->max_count());
    if (!page.ok()) return page.status();
    for (v1::Event& event : page->events) {
      *response->add_events() = std::move(event);
    }
    response->set_case_version(page->case_version);
    response->set_next_version(page->next_version);
    return absl::OkStatus();
  }();
  return access_.Answer(*caller, Rpc::kReadCase, use, answered);
}

grpc::Status EventStoreService::ReadAll(grpc::ServerContext* context,
                                        const v1::ReadAllRequest* request,
                                        v1::ReadAllResponse* response) {
  absl::StatusOr<Caller> caller = access_.Admit(*context, Rpc::kReadAll);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status page = CheckPage(request->max_count()); !page.ok()) {
    return ToGrpcStatus(page);
  }
  absl::StatusOr<store::KindFilter> kinds =
      ToKindFilter(request->kinds(), "kinds");
  if (!kinds.ok()) return ToGrpcStatus(kinds.status());
  absl::StatusOr<store::LogPage> page =
      store_.ReadAll(request->from_position(), request->max_count(), *kinds);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (v1::Event& event : page->events) {
    *response->add_events() = std::move(event);
  }
  response->set_next_position(page->next_position);
  response->set_last_position(page->last_position);
  // The cases on the page, and the citizens of those opened on it.
  Use use{{}, {}, Criterion(*request)};
  for (const v1::Event& event : response->events()) {
    use.case_ids.push_back(event.case_id());
    if (event.has_case_opened()) {
      use.citizen_ids.push_back(event.case_opened().citizen_id());
    }
  }
  return access_.Answer(*caller, Rpc::kReadAll, use, absl::OkStatus());
}

grpc::Status EventStoreService::Subscribe(
    grpc::ServerContext* context, const v1::SubscribeRequest* request,
    grpc::ServerWriter<v1::Event>* writer) {
  absl::StatusOr<Caller> caller = access_.Admit(*context, Rpc::kSubscribe);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<store::KindFilter> kinds =
      ToKindFilter(request->kinds(), "kinds");
  if (!kinds.ok()) return ToGrpcStatus(kinds.status());
  absl::StatusOr<Admission::Place> place = subscribers_.Enter();
  if (!place.ok()) return ToGrpcStatus(place.status());
  // Logged as it begins: the stream goes on until the subscriber leaves.
  if (grpc::Status recorded =
          access_.Answer(*caller, Rpc::kSubscribe,
                         Use{{}, {}, Criterion(*request)}, absl::OkStatus());
      !recorded.ok()) {
    return recorded;
  }

  // The subscriber reads the log at its own pace, one page at a time: live
  // events are read back from the log like old ones, so the switch from
  // catch-up to live has no gap and no duplicate, and a slow subscriber costs
  // one page of memory however far behind it falls.
  uint64_t next = request->from_position() == 0 ? 1 : request->from_position();
  for (;;) {
    if (context->IsCancelled()) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
    }
    if (shutting_down_ || store_.closing()) {
      return grpc::Status(
          grpc::StatusCode::UNAVAILABLE,
          absl::StrCat("the server is shutting down; resubscribe from "
                       "position ",
                       next));
    }
    absl::StatusOr<store::LogPage> page =
        store_.ReadAll(next, store::kReadPageMax, *kinds);
    if (!page.ok()) return ToGrpcStatus(page.status());
    for (const v1::Event& event : page->events) {
      if (!writer->Write(event)) {
        return grpc::Status(grpc::StatusCode::CANCELLED,
                            "the client went away");
      }
    }
    next = page->next_position;
    if (next > page->last_position) {
      store_.WaitForPosition(next, absl::Now() + kSubscribeWakeInterval);
    }
  }
}

}  // namespace caseline::api
