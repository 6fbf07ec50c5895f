// The JSON API: every read the gRPC services answer, over HTTP, in protobuf's
// JSON mapping of the same request and response messages (no second model to
// keep in step).
//
// Each HTTP request becomes one call of the gRPC method, over an in-process
// channel to the same server, carrying the caller's bearer token, purpose and
// address. Authentication, roles, scope, validation, limits and the access log
// are therefore the gRPC services' own, not a copy of them.
#ifndef CASELINE_SERVER_API_JSON_API_H_
#define CASELINE_SERVER_API_JSON_API_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/generic/generic_stub.h"
#include "server/http/http_server.h"

namespace caseline::api {

class JsonApi {
 public:
  // A call the server has not answered in this long ends with
  // DEADLINE_EXCEEDED. A national trend takes under a minute; a client that
  // waits ten has given up long ago.
  static constexpr absl::Duration kCallDeadline = absl::Minutes(10);
  // Query parameters one GET may carry: the longest request names a few
  // dozen ids, and the header limit bounds the bytes anyway.
  static constexpr size_t kQueryParametersMax = 256;

  // `channel` reaches the server's own services: grpc::Server's
  // InProcessChannel, with receive limits at least the server's send limits.
  // `forwarding_key` is Access::forwarding_key() of those services, by which
  // they believe the HTTP client's address the calls carry.
  // With `loopback_hosts_only` (a server without --auth-keys, open to
  // anyone who reaches it) a request whose Host header names anything but
  // this machine is refused.
  JsonApi(std::shared_ptr<grpc::ChannelInterface> channel,
          std::string forwarding_key, bool loopback_hosts_only);
  JsonApi(const JsonApi&) = delete;
  JsonApi& operator=(const JsonApi&) = delete;
  // Waits for the calls in flight to be answered (the gRPC server's shutdown
  // ends them).
  ~JsonApi();

  // Answers `call` by calling `done` once, on this thread for a request that
  // never reaches a service, otherwise on a gRPC thread. Returns what
  // cancels the gRPC call (it then answers CANCELLED), for a client that
  // left. Usable as HttpServer::Handlers::api.
  HttpServer::ApiCancel Handle(HttpServer::ApiCall call,
                               std::function<void(HttpServer::ApiAnswer)> done);

  struct PendingCall;

 private:
  // Runs on completions_: answers each call as it finishes.
  void HandleCompletions();

  grpc::GenericStub stub_;
  const std::string forwarding_key_;
  const bool loopback_hosts_only_;
  std::mutex mu_;
  std::condition_variable idle_;
  int in_flight_ = 0;  // Guarded by mu_.
  // The calls' completions, and the one thread that takes them (declared
  // last: it starts once the rest is ready).
  grpc::CompletionQueue queue_;
  std::thread completions_;
};

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_JSON_API_H_
