// What the population answers (Report, Trend, Worklist, WhatIf) share once
// their request is a query (requests.h): a place among the answers running,
// choosing to read the materialized projection or the log, feeding every
// case to a builder (projections/population.h), and stating the basis of the
// answer.
#ifndef CASELINE_SERVER_API_POPULATION_ANSWERS_H_
#define CASELINE_SERVER_API_POPULATION_ANSWERS_H_

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "caseline/v1/events.pb.h"
#include "caseline/v1/projections.pb.h"
#include "grpcpp/server_context.h"
#include "projections/dates.h"
#include "projections/population.h"
#include "server/api/admission.h"
#include "server/store/event_store.h"

namespace caseline::api {

// Population answers read every case; more than this many at once would
// only queue for the two cores and hold memory. Beyond it: RESOURCE_EXHAUSTED.
inline constexpr int kPopulationQueriesMax = 4;
// How long an answer waits for the materialization to reach the log's end
// before it reads the log instead.
inline constexpr absl::Duration kProjectionWaitMax = absl::Seconds(2);

// The cases an answer over `filter` needs to read, through the case index:
// those of its caseworkers, else of its teams, else of its jobcentres (a
// case counts only if it matches every list, so any one list's cases hold
// those that count); nullopt (every case) for a filter naming none.
// `whole_jobcentres`: the answer also judges every case of the filter's
// jobcentres, whatever its teams and caseworkers (STAR's follow-up in
// reports and trends), so only the jobcentre index will do.
std::optional<store::CaseSelection> CandidateCases(const v1::CaseFilter& filter,
                                                   bool whole_jobcentres);

// Reads every case (from the materialization unless `requested` is
// REPORT_SOURCE_LOG, or the materialization cannot answer `known_at`), or
// from the materialization only the cases `selection` names when it is
// given, and hands each to one of `adds`; fills `basis` with the source, the
// position, the projection version, the known_at stated and a note.
// CANCELLED when the caller gives up.
// With several `adds`, each is called on a thread of its own with some of
// the cases (from the log, the first alone is called).
using CaseAdder = std::function<void(absl::Span<const v1::Event>)>;
absl::Status ScanPopulation(
    const store::EventStore& store, v1::ReportSource requested,
    absl::Time known_at, absl::Time now, grpc::ServerContext* context,
    absl::Span<const CaseAdder> adds, v1::ReportBasis* basis,
    const std::optional<store::CaseSelection>& selection = std::nullopt);

// Names the rule sets judged by in the basis.
void StateRuleSets(const std::vector<v1::RuleSet>& rule_sets,
                   v1::ReportBasis* basis);

// The end every population answer shares: holds a place among those
// running, feeds every case (or those of `selection`) to `builder` (made
// from `query`), lets it write `response`, and states the basis. With
// `helpers` (builders made like `builder`, which has a Merge), they judge
// cases on threads of their own beside it and are merged into it: for
// answers that judge each case many times (a trend), the judging is the
// work, and the machine has more than one core.
template <typename Builder, typename Response>
absl::Status RunPopulation(
    Admission& admission, const store::EventStore& store,
    const PopulationQuery& query, v1::ReportSource source, absl::Time now,
    grpc::ServerContext* context, Builder& builder, Response* response,
    const std::optional<store::CaseSelection>& selection = std::nullopt,
    std::type_identity_t<absl::Span<Builder* const>> helpers = {}) {
  if constexpr (!requires(Builder & b) { b.Merge(b); }) {
    // Their cases could not be merged, and would be lost.
    if (!helpers.empty()) {
      return absl::InternalError("helpers given to a builder without Merge");
    }
  }
  absl::StatusOr<Admission::Place> place = admission.Enter();
  if (!place.ok()) return place.status();
  v1::ReportBasis* basis = response->mutable_basis();
  std::vector<CaseAdder> adds;
  adds.push_back(
      [&](absl::Span<const v1::Event> events) { builder.AddCase(events); });
  for (Builder* helper : helpers) {
    adds.push_back([helper](absl::Span<const v1::Event> events) {
      helper->AddCase(events);
    });
  }
  absl::Status scanned = ScanPopulation(store, source, query.known_at, now,
                                        context, adds, basis, selection);
  if (!scanned.ok()) return scanned;
  if constexpr (requires(Builder & b) { b.Merge(b); }) {
    for (Builder* helper : helpers) builder.Merge(*helper);
  }
  builder.Finish(response);
  basis->set_as_of(FormatDate(query.as_of));
  basis->set_from(FormatDate(query.from));
  StateRuleSets(query.rule_sets, basis);
  return absl::OkStatus();
}

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_POPULATION_ANSWERS_H_
