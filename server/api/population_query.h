// What the population answers (Report, Trend, Worklist, WhatIf) share:
// checking their common fields, choosing to read the materialized
// projection or the log, feeding every case to a builder
// (projections/population.h), and stating the basis of the answer.
#ifndef CASELINE_SERVER_API_POPULATION_QUERY_H_
#define CASELINE_SERVER_API_POPULATION_QUERY_H_

#include <atomic>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "caseline/v1/events.pb.h"
#include "caseline/v1/projections.pb.h"
#include "grpcpp/server_context.h"
#include "projections/dates.h"
#include "projections/population.h"
#include "server/store/event_store.h"

namespace caseline::api {

// Population answers read every case; more than this many at once would
// only queue for the two cores and hold memory. Beyond it: RESOURCE_EXHAUSTED.
inline constexpr int kPopulationQueriesMax = 4;
// Ids in one filter list: a municipality's teams or caseworkers fit.
inline constexpr int kFilterIdsMax = 1000;
// How long an answer waits for the materialization to reach the log's end
// before it reads the log instead.
inline constexpr absl::Duration kProjectionWaitMax = absl::Seconds(2);

// Checks a filter; INVALID_ARGUMENT naming the field ("filter.team_ids[2]:
// ...").
absl::Status CheckFilter(const v1::CaseFilter& filter);

// A date field: empty means `fallback`; otherwise INVALID_ARGUMENT naming
// the field if it is not YYYY-MM-DD.
absl::StatusOr<absl::CivilDay> DateField(absl::string_view field,
                                         const std::string& text,
                                         absl::CivilDay fallback);

// The server's today: the day `now` falls on in UTC, the default as_of.
absl::CivilDay TodayUtc(absl::Time now);

// known_at: unset means now (InfiniteFuture).
absl::StatusOr<absl::Time> KnownAtField(
    bool has_known_at, const google::protobuf::Timestamp& known_at);

// Bounds the population answers running at once.
class PopulationGate {
 public:
  // RESOURCE_EXHAUSTED when kPopulationQueriesMax are running.
  absl::Status Enter();
  void Leave();

 private:
  std::atomic<int> running_{0};
};

// Holds a place among the population answers running, for one scope.
class GateHold {
 public:
  explicit GateHold(PopulationGate& gate) : gate_(gate) {}
  ~GateHold() {
    if (held_) gate_.Leave();
  }
  GateHold(const GateHold&) = delete;
  GateHold& operator=(const GateHold&) = delete;
  absl::Status Enter() {
    absl::Status entered = gate_.Enter();
    held_ = entered.ok();
    return entered;
  }

 private:
  PopulationGate& gate_;
  bool held_ = false;
};

// A count field where 0 means `fallback`; INVALID_ARGUMENT naming the field
// when negative or above `max`.
absl::StatusOr<int> CountField(absl::string_view field, int value, int fallback,
                               int max);

// Reads every case (from the materialization unless `requested` is
// REPORT_SOURCE_LOG, or the materialization cannot answer `known_at`) and
// hands each to `add`; fills `basis` with the source, the position, the
// projection version, the known_at stated and a note. CANCELLED when the
// caller gives up.
absl::Status ScanPopulation(
    const store::EventStore& store, v1::ReportSource requested,
    absl::Time known_at, absl::Time now, grpc::ServerContext* context,
    const std::function<void(absl::Span<const v1::Event>)>& add,
    v1::ReportBasis* basis);

// Names the rule sets judged by in the basis.
void StateRuleSets(const std::vector<v1::RuleSet>& rule_sets,
                   v1::ReportBasis* basis);

// The end every population answer shares: holds a place among those
// running, feeds every case to `builder` (made from `query`), lets it
// write `response`, and states the basis.
template <typename Builder, typename Response>
absl::Status RunPopulation(PopulationGate& gate, const store::EventStore& store,
                           const PopulationQuery& query,
                           v1::ReportSource source, absl::Time now,
                           grpc::ServerContext* context, Builder& builder,
                           Response* response) {
  GateHold hold(gate);
  if (absl::Status entered = hold.Enter(); !entered.ok()) return entered;
  v1::ReportBasis* basis = response->mutable_basis();
  absl::Status scanned = ScanPopulation(
      store, source, query.known_at, now, context,
      [&](absl::Span<const v1::Event> events) { builder.AddCase(events); },
      basis);
  if (!scanned.ok()) return scanned;
  builder.Finish(response);
  basis->set_as_of(FormatDate(query.as_of));
  basis->set_from(FormatDate(query.from));
  StateRuleSets(query.rule_sets, basis);
  return absl::OkStatus();
}

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_POPULATION_QUERY_H_
