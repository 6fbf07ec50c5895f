#include "server/api/population_answers.h"

#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "projections/calendar.h"
#include "projections/dates.h"
#include "projections/event_validation.h"
#include "projections/instants.h"

namespace caseline::api {
namespace {

// The scan checks for a caller that gave up once every this many cases.
constexpr int64_t kCancelCheckCases = 1024;

}  // namespace

void StateRuleSets(const std::vector<v1::RuleSet>& rule_sets,
                   v1::ReportBasis* basis) {
  for (const v1::RuleSet& rule_set : rule_sets) {
    v1::RuleSetRef* ref = basis->add_rule_sets();
    ref->set_id(rule_set.id());
    ref->set_version(rule_set.version());
  }
}

std::optional<store::CaseSelection> CandidateCases(const v1::CaseFilter& filter,
                                                   bool whole_jobcentres) {
  auto select =
      [&](store::CaseIndex index,
          const google::protobuf::RepeatedPtrField<std::string>& ids) {
        return store::CaseSelection{
            index,
            {ids.begin(), ids.end()},
            {filter.jobcentre_ids().begin(), filter.jobcentre_ids().end()}};
      };
  // An empty id matches a case without that field (a day before its first
  // assignment), which the index does not list.
  for (const auto* ids : {&filter.jobcentre_ids(), &filter.team_ids(),
                          &filter.caseworker_ids()}) {
    if (std::find(ids->begin(), ids->end(), "") != ids->end()) {
      return std::nullopt;
    }
  }
  if (!whole_jobcentres && !filter.caseworker_ids().empty()) {
    return select(store::CaseIndex::kCaseworker, filter.caseworker_ids());
  }
  if (!whole_jobcentres && !filter.team_ids().empty()) {
    return select(store::CaseIndex::kTeam, filter.team_ids());
  }
  if (!filter.jobcentre_ids().empty()) {
    return select(store::CaseIndex::kJobcentre, filter.jobcentre_ids());
  }
  return std::nullopt;
}

absl::Status ScanPopulation(
    const store::EventStore& store, v1::ReportSource requested,
    absl::Time known_at, absl::Time now, grpc::ServerContext* context,
    absl::Span<const CaseAdder> adds, v1::ReportBasis* basis,
    const std::optional<store::CaseSelection>& selection) {
  std::atomic<int64_t> seen = 0;
  std::vector<store::CaseVisitor> visitors;
  for (const CaseAdder& add : adds) {
    visitors.push_back([&](absl::string_view /*case_id*/,
                           absl::Span<const v1::Event> events) -> absl::Status {
      if (seen.fetch_add(1, std::memory_order_relaxed) % kCancelCheckCases ==
              kCancelCheckCases - 1 &&
          context != nullptr && context->IsCancelled()) {
        return absl::CancelledError("the caller cancelled the request");
      }
      add(events);
      return absl::OkStatus();
    });
  }

  // Every event acknowledged before the request arrived must count. The
  // follower is normally milliseconds behind; if it cannot catch up in
  // time, the log answers instead, and the basis says so.
  const uint64_t target = store.last_position();
  bool from_log = requested == v1::REPORT_SOURCE_LOG;
  std::string note;
  if (!from_log) {
    const uint64_t reached =
        store.WaitForProjection(target, absl::Now() + kProjectionWaitMax);
    if (reached < target) {
      from_log = true;
      note = absl::StrCat("the materialization was at position ", reached,
                          " of ", target, "; read from the log");
    }
  }
  absl::StatusOr<store::ScanBasis> scanned =
      // Cut at the target: the follower's pages may end inside an append,
      // a position the log acknowledged never does.
      from_log ? store.ScanLog(visitors[0])
               : store.ScanMaterialized(visitors, target,
                                        selection ? &*selection : nullptr);
  if (!scanned.ok()) return scanned.status();

  basis->set_source(from_log ? v1::REPORT_SOURCE_LOG
                             : v1::REPORT_SOURCE_MATERIALIZED);
  basis->set_projection_version(scanned->projection_version);
  basis->set_last_position(scanned->last_position);
  basis->set_note(note);
  // "Now" is stated as the recorded_at of the last event seen: the exact
  // cut, since every later event is recorded later, so that asking again
  // with the stated known_at gives the same answer even after more history
  // is imported. An empty log is stated as now.
  absl::Time stated = known_at;
  if (stated == absl::InfiniteFuture()) {
    stated = scanned->last_position > 0 ? scanned->last_recorded_at : now;
  }
  *basis->mutable_known_at() = ToTimestamp(stated);
  return absl::OkStatus();
}

}  // namespace caseline::api
