// Counts every gRPC call the server finishes, by method and status code,
// with its latency, in one place rather than in each handler: a gRPC server
// interceptor that reads the status as it is sent.
#ifndef CASELINE_SERVER_API_CALL_METRICS_H_
#define CASELINE_SERVER_API_CALL_METRICS_H_

#include "grpcpp/support/server_interceptor.h"
#include "server/metrics.h"

namespace caseline::api {

// Register with ServerBuilder::experimental().SetInterceptorCreators.
// `metrics` must outlive the server.
class CallMetricsFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallMetricsFactory(Metrics& metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  Metrics& metrics_;
};

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_CALL_METRICS_H_
