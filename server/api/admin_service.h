// The Admin gRPC service: history import, rule sets, rebuilds of the
// materialized projections, and what a candidate rule set would change.
#ifndef CASELINE_SERVER_API_ADMIN_SERVICE_H_
#define CASELINE_SERVER_API_ADMIN_SERVICE_H_

#include <functional>

#include "absl/time/time.h"
#include "caseline/v1/caseline.grpc.pb.h"
#include "server/api/admission.h"
#include "server/api/event_store_service.h"
#include "server/api/rule_book.h"
#include "server/metrics.h"
#include "server/store/event_store.h"

namespace caseline::api {

// Thread-safe. Everything passed in must outlive the service.
class AdminService final : public v1::Admin::Service {
 public:
  AdminService(
      EventStoreService& events, store::EventStore& store, RuleBook& rules,
      Admission& population, Access& access, Metrics& metrics,
      std::string backup_dir = "",
      std::function<absl::Time()> clock = [] { return absl::Now(); })
      : events_(events),
        store_(store),
        rules_(rules),
        population_(population),
        access_(access),
        metrics_(metrics),
        backup_dir_(std::move(backup_dir)),
        clock_(std::move(clock)) {}

  grpc::Status ImportHistory(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::AppendResponse, v1::AppendRequest>* stream)
      override;
  grpc::Status BulkImportHistory(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::BulkAppendResponse, v1::BulkAppendRequest>*
          stream) override;
  grpc::Status PutRuleSet(grpc::ServerContext* context,
                          const v1::PutRuleSetRequest* request,
                          v1::PutRuleSetResponse* response) override;
  grpc::Status Rebuild(
      grpc::ServerContext* context, const v1::RebuildRequest* request,
      grpc::ServerWriter<v1::RebuildProgress>* writer) override;
  grpc::Status GetProjectionStatus(
      grpc::ServerContext* context,
      const v1::GetProjectionStatusRequest* request,
      v1::GetProjectionStatusResponse* response) override;
  grpc::Status WhatIf(grpc::ServerContext* context,
                      const v1::WhatIfRequest* request,
                      v1::WhatIfResponse* response) override;
  grpc::Status ReadAccessLog(grpc::ServerContext* context,
                             const v1::ReadAccessLogRequest* request,
                             v1::ReadAccessLogResponse* response) override;
  grpc::Status Backup(grpc::ServerContext* context,
                      const v1::BackupRequest* request,
                      v1::BackupResponse* response) override;

 private:
  EventStoreService& events_;
  store::EventStore& store_;
  RuleBook& rules_;
  Admission& population_;
  Access& access_;
  Metrics& metrics_;
  // --backup-dir; empty: backups are refused.
  const std::string backup_dir_;
  const std::function<absl::Time()> clock_;
};

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_ADMIN_SERVICE_H_
