#include "server/api/call_metrics.h"

#include <string>

#include "absl/time/clock.h"

namespace caseline::api {
namespace {

using grpc::experimental::InterceptionHookPoints;

// One per call: made when the call arrives, records it when its status is
// sent.
class CallMetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  CallMetricsInterceptor(Metrics& metrics, const char* method)
      : metrics_(metrics),
        method_(method != nullptr ? method : ""),
        started_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_.RecordCall(
          method_, static_cast<int>(methods->GetSendStatus().error_code()),
          absl::Now() - started_);
    }
    methods->Proceed();
  }

 private:
  Metrics& metrics_;
  const std::string method_;
  const absl::Time started_;
};

}  // namespace

grpc::experimental::Interceptor* CallMetricsFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallMetricsInterceptor(metrics_, info->method());
}

}  // namespace caseline::api
