// The EventStore gRPC service: thin handlers over store::EventStore.
#ifndef CASELINE_SERVER_API_EVENT_STORE_SERVICE_H_
#define CASELINE_SERVER_API_EVENT_STORE_SERVICE_H_

#include <atomic>
#include <cstddef>
#include <string>

#include "caseline/v1/caseline.grpc.pb.h"
#include "server/api/access.h"
#include "server/api/admission.h"
#include "server/metrics.h"
#include "server/store/event_store.h"

namespace caseline::api {

// Concurrent Subscribe streams. Each holds a server thread while it waits
// for new events, so their number is bounded; beyond it a subscriber gets
// RESOURCE_EXHAUSTED and may retry later.
inline constexpr int kSubscribersMax = 256;
// Unanswered appends one append stream may have in the store at once:
// enough to fill the next group commits while one is written (four of
// store::kGroupAppendsMax), few enough that one bulk loader cannot take the
// whole write queue (store::kWriteQueueMax). A message is let in when the
// stream has nothing else in flight, whatever its size.
inline constexpr size_t kStreamAppendsInFlightMax = 2048;
// A correlation id is echoed in its answer; it only has to tell a client's
// requests apart.
inline constexpr size_t kCorrelationIdBytesMax = 128;
// Cases an append stream remembers the citizen of, for the access log
// entries of requests read before the case is stored: far more than the
// appends that can be unanswered at once (kStreamAppendsInFlightMax, and the
// message being answered, up to store::kBulkAppendsMax). About 1.5 MiB.
inline constexpr size_t kStreamOpenedCasesMax = 16384;

// Thread-safe; `store`, `access` and `metrics` must outlive the service.
class EventStoreService final : public v1::EventStore::Service {
 public:
  EventStoreService(store::EventStore& store, Access& access, Metrics& metrics)
      : store_(store), access_(access), metrics_(metrics) {}

  // Ends every Subscribe stream with UNAVAILABLE (and refuses new ones), so
  // that a graceful shutdown need not wait for them.
  void BeginShutdown() { shutting_down_ = true; }

  // Waits until no append handed to the store is still unanswered, or
  // `timeout` passes; true if none is left.
  bool WaitForAppends(absl::Duration timeout) const;

  grpc::Status Append(grpc::ServerContext* context,
                      const v1::AppendRequest* request,
                      v1::AppendResponse* response) override;
  grpc::Status BatchAppend(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::AppendResponse, v1::AppendRequest>* stream)
      override;
  grpc::Status BulkAppend(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::BulkAppendResponse, v1::BulkAppendRequest>*
          stream) override;
  grpc::Status ReadCase(grpc::ServerContext* context,
                        const v1::ReadCaseRequest* request,
                        v1::ReadCaseResponse* response) override;
  grpc::Status ReadAll(grpc::ServerContext* context,
                       const v1::ReadAllRequest* request,
                       v1::ReadAllResponse* response) override;
  grpc::Status Subscribe(grpc::ServerContext* context,
                         const v1::SubscribeRequest* request,
                         grpc::ServerWriter<v1::Event>* writer) override;

  // Serves a stream of appends (BatchAppend, BulkAppend), or of imports
  // (Admin.ImportHistory, Admin.BulkImportHistory): each append its own
  // atomic append, each message answered in order, recorded by `caller`
  // and only for the caller's jobcentres. A message of AppendRequest
  // carries one append and is answered by one AppendResponse; a
  // BulkAppendRequest carries up to store::kBulkAppendsMax and is answered
  // by a BulkAppendResponse.
  template <typename Request, typename Response>
  grpc::Status ServeAppendStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<Response, Request>* stream, const Caller& caller,
      Rpc rpc, bool import);

 private:
  // What `request` uses, for its access log entry: its case and the case's
  // citizen. Whether the caller may append it is the store's to decide, as
  // it applies the append (store::AppendCommand::jobcentres).
  Use UseOf(const v1::AppendRequest& request) const;

  store::EventStore& store_;
  Access& access_;
  Metrics& metrics_;
  std::atomic<bool> shutting_down_{false};
  Admission subscribers_{kSubscribersMax, "Subscribe streams"};
  // Appends handed to the store and not yet answered.
  std::atomic<int> appends_in_flight_{0};
};

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_EVENT_STORE_SERVICE_H_
