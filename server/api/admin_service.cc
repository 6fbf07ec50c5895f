#include "server/api/admin_service.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "projections/dates.h"
#include "projections/population.h"
#include "projections/rule_sets.h"
#include "server/api/convert.h"
#include "spdlog/spdlog.h"

namespace caseline::api {

grpc::Status AdminService::ImportHistory(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::AppendResponse, v1::AppendRequest>* stream) {
  return events_.ServeAppendStream(context, stream, /*import=*/true);
}

grpc::Status AdminService::PutRuleSet(grpc::ServerContext* /*context*/,
                                      const v1::PutRuleSetRequest* request,
                                      v1::PutRuleSetResponse* response) {
  if (!request->has_rule_set()) {
    return ToGrpcStatus(absl::InvalidArgumentError("rule_set: is required"));
  }
  absl::StatusOr<bool> stored = rules_.Put(request->rule_set());
  if (!stored.ok()) return ToGrpcStatus(stored.status());
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
  return grpc::Status::OK;
}

grpc::Status AdminService::Rebuild(
    grpc::ServerContext* context, const v1::RebuildRequest* /*request*/,
    grpc::ServerWriter<v1::RebuildProgress>* writer) {
  const absl::Time started = absl::Now();
  absl::StatusOr<uint32_t> rebuilt =
      store_.Rebuild([&](const store::RebuildProgress& progress) {
        if (context->IsCancelled()) {
          return absl::CancelledError("the caller cancelled the rebuild");
        }
        v1::RebuildProgress message;
        message.set_phase(progress.switched
                              ? v1::RebuildProgress::PHASE_SWITCHED
                              : v1::RebuildProgress::PHASE_COPYING);
        message.set_projection_version(progress.version);
        message.set_events_done(progress.events_done);
        message.set_events_total(progress.events_total);
        message.set_cases_done(progress.cases_done);
        const double seconds = absl::ToDoubleSeconds(absl::Now() - started);
        const double rate =
            seconds > 0 ? static_cast<double>(progress.events_done) / seconds
                        : 0;
        message.set_events_per_second(rate);
        if (rate > 0 && progress.events_total > progress.events_done) {
          message.set_eta_seconds(static_cast<double>(progress.events_total -
                                                      progress.events_done) /
                                  rate);
        }
        if (!writer->Write(message)) {
          return absl::CancelledError("the caller went away");
        }
        return absl::OkStatus();
      });
  if (!rebuilt.ok()) {
    spdlog::warn("rebuild ended without a switch: {}",
                 rebuilt.status().ToString());
    return ToGrpcStatus(rebuilt.status());
  }
  spdlog::info("rebuild switched to projection version {} in {}", *rebuilt,
               absl::FormatDuration(absl::Now() - started));
  return grpc::Status::OK;
}

grpc::Status AdminService::WhatIf(grpc::ServerContext* context,
                                  const v1::WhatIfRequest* request,
                                  v1::WhatIfResponse* response) {
  const absl::Time now = clock_();
  if (!request->has_candidate()) {
    return ToGrpcStatus(absl::InvalidArgumentError("candidate: is required"));
  }
  if (absl::Status valid = ValidateRuleSet(request->candidate()); !valid.ok()) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        absl::StrCat("candidate: ", valid.message())));
  }
  if (absl::Status filter = CheckFilter(request->filter()); !filter.ok()) {
    return ToGrpcStatus(filter);
  }
  absl::StatusOr<absl::CivilDay> as_of =
      DateField("as_of", request->as_of(), TodayUtc(now));
  if (!as_of.ok()) return ToGrpcStatus(as_of.status());
  absl::StatusOr<absl::CivilDay> from =
      DateField("from", request->from(), *as_of);
  if (!from.ok()) return ToGrpcStatus(from.status());
  if (*from > *as_of) {
    return ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
        "from: ", FormatDate(*from), " is after as_of ", FormatDate(*as_of))));
  }
  absl::StatusOr<absl::Time> known_at =
      KnownAtField(request->has_known_at(), request->known_at());
  if (!known_at.ok()) return ToGrpcStatus(known_at.status());
  absl::StatusOr<int> limit = CountField("limit", request->limit(),
                                         kWhatIfCasesDefault, kWhatIfCasesMax);
  if (!limit.ok()) return ToGrpcStatus(limit.status());
  // After: the active rule sets with the candidate in its id's place.
  const std::vector<v1::RuleSet> before = rules_.snapshot()->active;
  std::vector<v1::RuleSet> after = before;
  auto same = std::find_if(after.begin(), after.end(), [&](const auto& r) {
    return r.id() == request->candidate().id();
  });
  if (same == after.end()) {
    after.push_back(request->candidate());
  } else {
    *same = request->candidate();
  }
  const PopulationQuery query{request->filter(), *from,  *as_of,
                              *known_at,         before, false};
  WhatIfBuilder builder(query, std::move(after), *limit);
  absl::Status answered =
      RunPopulation(gate_, store_, query, v1::REPORT_SOURCE_MATERIALIZED, now,
                    context, builder, response);
  if (!answered.ok()) return ToGrpcStatus(answered);
  response->mutable_candidate()->set_id(request->candidate().id());
  response->mutable_candidate()->set_version(request->candidate().version());
  return grpc::Status::OK;
}

}  // namespace caseline::api
