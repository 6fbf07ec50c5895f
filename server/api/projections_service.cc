#include "server/api/projections_service.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "projections/compliance.h"
#include "projections/dates.h"
#include "projections/event_validation.h"
#include "projections/instants.h"
#include "projections/timeline.h"
#include "server/api/convert.h"
#include "server/api/projections_convert.h"

namespace caseline::api {
namespace {

// What every projection starts from: the case's events as known at a moment.
struct CaseAsKnown {
  std::vector<v1::Event> events;
  absl::Time known_at;
  v1::Basis basis;
};

absl::Time RecordedAt(const v1::Event& event) {
  return ToTime(event.recorded_at());
}

absl::Status CheckCaseId(const std::string& case_id) {
  if (case_id.empty())
    return absl::InvalidArgumentError("case_id: is required");
  absl::Status id = CheckId(case_id);
  if (!id.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("case_id: ", id.message()));
  }
  return absl::OkStatus();
}

// Reads the whole case and states the basis of the answer.
absl::StatusOr<CaseAsKnown> ReadCase(const store::EventStore& store,
                                     const std::string& case_id,
                                     absl::CivilDay as_of, absl::Time known_at,
                                     absl::Time now) {
  CaseAsKnown result;
  uint64_t version = 1;
  for (;;) {
    absl::StatusOr<store::CasePage> page =
        store.ReadCase(case_id, version, store::kReadPageMax);
    if (!page.ok()) return page.status();
    if (page->case_version > kCaseEventsMax) {
      return absl::ResourceExhaustedError(
          absl::StrCat("case ", case_id, " has ", page->case_version,
                       " events; projections read at most ", kCaseEventsMax));
    }
    for (v1::Event& event : page->events) {
      result.events.push_back(std::move(event));
    }
    if (page->next_version == 0) break;
    version = page->next_version;
  }
  result.known_at = known_at;
  v1::Basis& basis = result.basis;
  basis.set_case_id(case_id);
  basis.set_as_of(FormatDate(as_of));
  absl::Time stated = known_at;
  for (const v1::Event& event : result.events) {
    if (RecordedAt(event) > known_at) break;
    basis.set_case_version(event.case_version());
    basis.set_last_position(event.position());
    // "Now" is stated as the later of the clock and the last event counted,
    // so that asking again with the stated known_at gives the same answer.
    if (known_at == absl::InfiniteFuture()) {
      stated = std::max(now, RecordedAt(event));
    }
  }
  if (stated == absl::InfiniteFuture()) stated = now;
  *basis.mutable_known_at() = ToTimestamp(stated);
  return result;
}

CaseTimeline Fold(const CaseAsKnown& known, absl::CivilDay as_of,
                  v1::Basis* basis) {
  CaseTimeline timeline = FoldTimeline(known.events, as_of, known.known_at);
  *basis = known.basis;
  basis->set_events_counted(timeline.events_counted);
  basis->set_events_retracted(timeline.events_retracted);
  return timeline;
}

// The steps every projection takes: check case_id, as_of (empty: today)
// and known_at (unset: now), and read the case as known then.
struct Prepared {
  absl::CivilDay as_of;
  CaseAsKnown known;
};

absl::StatusOr<Prepared> Prepare(const store::EventStore& store,
                                 const std::string& case_id,
                                 absl::string_view as_of_field,
                                 const std::string& as_of_text,
                                 bool has_known_at,
                                 const google::protobuf::Timestamp& known_at,
                                 absl::Time now) {
  if (absl::Status id = CheckCaseId(case_id); !id.ok()) return id;
  absl::StatusOr<absl::CivilDay> as_of =
      DateField(as_of_field, as_of_text, TodayUtc(now));
  if (!as_of.ok()) return as_of.status();
  absl::StatusOr<absl::Time> known_at_time =
      KnownAtField(has_known_at, known_at);
  if (!known_at_time.ok()) return known_at_time.status();
  absl::StatusOr<CaseAsKnown> known =
      ReadCase(store, case_id, *as_of, *known_at_time, now);
  if (!known.ok()) return known.status();
  return Prepared{*as_of, *std::move(known)};
}

}  // namespace

ProjectionsService::ProjectionsService(const store::EventStore& store,
                                       const RuleBook& rules,
                                       PopulationGate& gate,
                                       std::function<absl::Time()> clock)
    : store_(store), rules_(rules), clock_(std::move(clock)), gate_(gate) {}

grpc::Status ProjectionsService::GetCompliance(
    grpc::ServerContext* /*context*/, const v1::GetComplianceRequest* request,
    v1::GetComplianceResponse* response) {
  const std::shared_ptr<const RuleBook::Snapshot> rules = rules_.snapshot();
  absl::StatusOr<std::vector<v1::RuleSet>> named =
      RuleBook::Named(*rules, request->rule_set_ids());
  if (!named.ok()) return ToGrpcStatus(named.status());
  absl::StatusOr<Prepared> prepared =
      Prepare(store_, request->case_id(), "as_of", request->as_of(),
              request->has_known_at(), request->known_at(), clock_());
  if (!prepared.ok()) return ToGrpcStatus(prepared.status());
  const CaseTimeline timeline =
      Fold(prepared->known, prepared->as_of, response->mutable_basis());
  const bool is_named = !named->empty();
  ToResults(Evaluate(is_named ? *named : rules->active, timeline,
                     prepared->as_of, is_named),
            response);
  return grpc::Status::OK;
}

grpc::Status ProjectionsService::GetSwitches(
    grpc::ServerContext* /*context*/, const v1::GetSwitchesRequest* request,
    v1::GetSwitchesResponse* response) {
  // Checked before the case is read: bad input is refused as such.
  absl::StatusOr<absl::CivilDay> from =
      DateField("from", request->from(), absl::CivilDay(1900, 1, 1));
  if (!from.ok()) return ToGrpcStatus(from.status());
  // The window's end is the day judged.
  absl::StatusOr<Prepared> prepared =
      Prepare(store_, request->case_id(), "to", request->to(),
              request->has_known_at(), request->known_at(), clock_());
  if (!prepared.ok()) return ToGrpcStatus(prepared.status());
  if (*from > prepared->as_of) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        absl::StrCat("from: ", FormatDate(*from), " is after to ",
                     FormatDate(prepared->as_of))));
  }
  const CaseTimeline timeline =
      Fold(prepared->known, prepared->as_of, response->mutable_basis());
  ToSwitches(CountSwitches(timeline, *from, prepared->as_of), response);
  return grpc::Status::OK;
}

grpc::Status ProjectionsService::GetWaitingTimes(
    grpc::ServerContext* /*context*/, const v1::GetWaitingTimesRequest* request,
    v1::GetWaitingTimesResponse* response) {
  absl::StatusOr<Prepared> prepared =
      Prepare(store_, request->case_id(), "as_of", request->as_of(),
              request->has_known_at(), request->known_at(), clock_());
  if (!prepared.ok()) return ToGrpcStatus(prepared.status());
  const CaseTimeline timeline =
      Fold(prepared->known, prepared->as_of, response->mutable_basis());
  ToWaitingTimes(ComputeWaitingTimes(timeline, prepared->as_of), response);
  return grpc::Status::OK;
}

grpc::Status ProjectionsService::GetTimeline(
    grpc::ServerContext* /*context*/, const v1::GetTimelineRequest* request,
    v1::GetTimelineResponse* response) {
  absl::StatusOr<Prepared> prepared =
      Prepare(store_, request->case_id(), "as_of", request->as_of(),
              request->has_known_at(), request->known_at(), clock_());
  if (!prepared.ok()) return ToGrpcStatus(prepared.status());
  ToTimeline(Fold(prepared->known, prepared->as_of, response->mutable_basis()),
             response);
  return grpc::Status::OK;
}

grpc::Status ProjectionsService::ListRuleSets(
    grpc::ServerContext* /*context*/,
    const v1::ListRuleSetsRequest* /*request*/,
    v1::ListRuleSetsResponse* response) {
  for (const v1::StoredRuleSet& stored : rules_.snapshot()->stored) {
    *response->add_rule_sets() = stored.rule_set();
    *response->add_stored() = stored;
  }
  return grpc::Status::OK;
}

}  // namespace caseline::api
