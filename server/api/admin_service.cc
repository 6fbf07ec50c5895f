#include "server/api/admin_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "projections/population.h"
#include "server/api/access.h"
#include "server/api/convert.h"
#include "server/api/population_answers.h"
#include "server/api/requests.h"
#include "spdlog/spdlog.h"

namespace caseline::api {
namespace {

v1::RebuildProgress ToRebuildProgress(const store::RebuildProgress& progress) {
  v1::RebuildProgress message;
  message.set_phase(progress.switched ? v1::RebuildProgress::PHASE_SWITCHED
                                      : v1::RebuildProgress::PHASE_COPYING);
  message.set_projection_version(progress.version);
  message.set_events_done(progress.events_done);
  message.set_events_total(progress.events_total);
  message.set_cases_done(progress.cases_done);
  message.set_events_per_second(progress.events_per_second);
  message.set_eta_seconds(progress.eta_seconds);
  return message;
}

// A history load (ImportHistory, BulkImportHistory) is logged as it begins
// (synced: the events it brings are stored before it ends) and as it ends,
// with what it stored.
template <typename Request, typename Response>
grpc::Status ServeImport(Access& access, EventStoreService& events,
                         grpc::ServerContext* context,
                         grpc::ServerReaderWriter<Response, Request>* stream,
                         Rpc rpc) {
  absl::StatusOr<Caller> caller = access.Admit(*context, rpc);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (grpc::Status logged = access.Answer(
          *caller, rpc, Use{{}, {}, R"({"began":true})"}, absl::OkStatus());
      !logged.ok()) {
    return logged;
  }
  return events.ServeAppendStream(context, stream, *caller, rpc,
                                  /*import=*/true);
}

}  // namespace

grpc::Status AdminService::ImportHistory(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::AppendResponse, v1::AppendRequest>* stream) {
  return ServeImport(access_, events_, context, stream, Rpc::kImportHistory);
}

grpc::Status AdminService::BulkImportHistory(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::BulkAppendResponse, v1::BulkAppendRequest>*
        stream) {
  return ServeImport(access_, events_, context, stream,
                     Rpc::kBulkImportHistory);
}

grpc::Status AdminService::PutRuleSet(grpc::ServerContext* context,
                                      const v1::PutRuleSetRequest* request,
                                      v1::PutRuleSetResponse* response) {
  absl::StatusOr<Caller> caller = access_.Admit(*context, Rpc::kPutRuleSet);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  v1::RuleSetRef put;
  put.set_id(request->rule_set().id());
  put.set_version(request->rule_set().version());
  const Use use{{}, {}, Criterion(put)};
  if (!request->has_rule_set()) {
    return access_.Answer(*caller, Rpc::kPutRuleSet, use,
                          absl::InvalidArgumentError("rule_set: is required"));
  }
  absl::StatusOr<bool> stored = rules_.Put(request->rule_set());
  if (!stored.ok()) {
    return access_.Answer(*caller, Rpc::kPutRuleSet, use, stored.status());
  }
  response->set_id(request->rule_set().id());
  response->set_version(request->rule_set().version());
  response->set_already_stored(*stored);
  for (const v1::StoredRuleSet& entry : rules_.snapshot()->stored) {
    if (entry.rule_set().id() == request->rule_set().id() &&
        entry.rule_set().version() == request->rule_set().version()) {
      *response->mutable_stored_at() = entry.stored_at();
    }
  }
  if (!*stored) {
    spdlog::info("rule set {} version {} stored and active",
                 request->rule_set().id(), request->rule_set().version());
  }
  return access_.Answer(*caller, Rpc::kPutRuleSet, use, absl::OkStatus());
}

grpc::Status AdminService::Rebuild(
    grpc::ServerContext* context, const v1::RebuildRequest* /*request*/,
    grpc::ServerWriter<v1::RebuildProgress>* writer) {
  absl::StatusOr<Caller> caller = access_.Admit(*context, Rpc::kRebuild);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  const absl::Time started = absl::Now();
  absl::StatusOr<uint32_t> rebuilt =
      store_.Rebuild([&](const store::RebuildProgress& progress) {
        if (context->IsCancelled()) {
          return absl::CancelledError("the caller cancelled the rebuild");
        }
        // Just before the switch the follower is paused: no write to a
        // client that may be slow, only the last look at a cancel.
        if (progress.about_to_switch) return absl::OkStatus();
        metrics_.RecordRebuildProgress(progress.version, progress.events_done,
                                       progress.events_total);
        if (!writer->Write(ToRebuildProgress(progress))) {
          return absl::CancelledError("the caller went away");
        }
        return absl::OkStatus();
      });
  metrics_.RecordRebuildEnded();
  if (!rebuilt.ok()) {
    spdlog::warn("rebuild ended without a switch: {}",
                 rebuilt.status().ToString());
  } else {
    spdlog::info("rebuild switched to projection version {} in {}", *rebuilt,
                 absl::FormatDuration(absl::Now() - started));
  }
  return access_.Answer(*caller, Rpc::kRebuild, Use{}, rebuilt.status());
}

grpc::Status AdminService::GetProjectionStatus(
    grpc::ServerContext* context,
    const v1::GetProjectionStatusRequest* /*request*/,
    v1::GetProjectionStatusResponse* response) {
  absl::StatusOr<Caller> caller =
      access_.Admit(*context, Rpc::kGetProjectionStatus);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  const store::ProjectionStatus status = store_.projection_status();
  response->set_active_version(status.active_version);
  response->set_materialized_position(status.position);
  response->set_last_position(store_.last_position());
  response->set_rebuilding_version(status.rebuilding_version);
  return grpc::Status::OK;
}

grpc::Status AdminService::WhatIf(grpc::ServerContext* context,
                                  const v1::WhatIfRequest* request,
                                  v1::WhatIfResponse* response) {
  absl::StatusOr<Caller> caller = access_.Admit(*context, Rpc::kWhatIf);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  v1::WhatIfRequest scoped = *request;
  // The criterion is the population asked about, not the candidate's rules.
  v1::WhatIfRequest asked = scoped;
  asked.clear_candidate();
  Use use{{}, {}, Criterion(asked)};
  const absl::Status answered = [&]() -> absl::Status {
    if (absl::Status scope =
            ScopeFilter(*caller, "filter", *scoped.mutable_filter());
        !scope.ok()) {
      return scope;
    }
    asked = scoped;
    asked.clear_candidate();
    use.criterion = Criterion(asked);
    const absl::Time now = clock_();
    absl::StatusOr<WhatIfQuery> query =
        ParseWhatIf(scoped, *rules_.snapshot(), now);
    if (!query.ok()) return query.status();
    WhatIfBuilder builder(query->population, std::move(query->after),
                          query->limit);
    absl::Status ran = RunPopulation(
        population_, store_, query->population, v1::REPORT_SOURCE_MATERIALIZED,
        now, context, builder, response,
        CandidateCases(query->population.filter, /*whole_jobcentres=*/false));
    if (!ran.ok()) return ran;
    HideOthers(*caller, *response);
    for (const v1::CaseChange& changed : response->cases()) {
      use.case_ids.push_back(changed.case_id());
    }
    response->mutable_candidate()->set_id(query->candidate.id());
    response->mutable_candidate()->set_version(query->candidate.version());
    return absl::OkStatus();
  }();
  return access_.Answer(*caller, Rpc::kWhatIf, use, answered);
}

grpc::Status AdminService::ReadAccessLog(
    grpc::ServerContext* context, const v1::ReadAccessLogRequest* request,
    v1::ReadAccessLogResponse* response) {
  absl::StatusOr<Caller> caller = access_.Admit(*context, Rpc::kReadAccessLog);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  // A look at a citizen's or a case's log is itself a use of their data.
  Use use{{}, {}, Criterion(*request)};
  if (!request->case_id().empty()) use.case_ids.push_back(request->case_id());
  if (!request->citizen_id().empty()) {
    use.citizen_ids.push_back(request->citizen_id());
  }
  absl::StatusOr<store::AccessQuery> query = ParseAccessLogRequest(*request);
  if (!query.ok()) {
    return access_.Answer(*caller, Rpc::kReadAccessLog, use, query.status());
  }
  absl::StatusOr<store::AccessPage> page = store_.ReadAccessLog(*query);
  if (page.ok()) {
    for (v1::AccessEntry& entry : page->entries) {
      *response->add_entries() = std::move(entry);
    }
    response->set_truncated(page->truncated);
  }
  return access_.Answer(*caller, Rpc::kReadAccessLog, use, page.status());
}

grpc::Status AdminService::Backup(grpc::ServerContext* context,
                                  const v1::BackupRequest* /*request*/,
                                  v1::BackupResponse* response) {
  absl::StatusOr<Caller> caller = access_.Admit(*context, Rpc::kBackup);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  // A backup copies every citizen's data: it is a use, and logged as one.
  const Use use{{}, {}, absl::StrCat("backup into ", backup_dir_)};
  if (backup_dir_.empty()) {
    return access_.Answer(
        *caller, Rpc::kBackup, use,
        absl::FailedPreconditionError(
            "the server was started without --backup-dir; restart it with "
            "one to take backups"));
  }
  const absl::Time started = absl::Now();
  absl::StatusOr<v1::BackupResponse> made = store_.Backup(backup_dir_);
  if (!made.ok()) {
    spdlog::error("backup into {} failed: {}", backup_dir_,
                  made.status().ToString());
    return access_.Answer(*caller, Rpc::kBackup, use, made.status());
  }
  spdlog::info("backup {} into {}: position {}, {} files, {} bytes, in {}",
               made->backup_id(), backup_dir_, made->last_position(),
               made->files(), made->size_bytes(),
               absl::FormatDuration(absl::Now() - started));
  *response = *std::move(made);
  return access_.Answer(*caller, Rpc::kBackup, use, absl::OkStatus());
}

}  // namespace caseline::api
