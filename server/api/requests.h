// Requests turned into domain queries: the first of the four steps of every
// handler (request -> query, one call into the core, answer -> response,
// status -> grpc::Status). Pure: the clock's reading and the rule book's
// snapshot come in as arguments, so each is tested without a server. Every
// error is INVALID_ARGUMENT naming the field, and nothing is read or written
// before the whole request has been checked.
#ifndef CASELINE_SERVER_API_REQUESTS_H_
#define CASELINE_SERVER_API_REQUESTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "caseline/v1/caseline.pb.h"
#include "caseline/v1/projections.pb.h"
#include "projections/population.h"
#include "server/api/rule_book.h"
#include "server/store/event_store.h"

namespace caseline::api {

// One case, judged on as_of, as known at known_at (InfiniteFuture: now).
struct CaseQuery {
  std::string case_id;
  absl::CivilDay as_of;
  absl::Time known_at = absl::InfiniteFuture();
};

struct ComplianceQuery {
  CaseQuery target;
  // The rule sets named, or every active one.
  std::vector<v1::RuleSet> rule_sets;
  bool named = false;
};

struct SwitchesQuery {
  // as_of is the window's end (`to`).
  CaseQuery target;
  absl::CivilDay from;
};

struct ReportQuery {
  PopulationQuery population;
  std::vector<v1::GroupBy> group_by;
  int waiting_limit = 0;
  v1::ReportSource source = v1::REPORT_SOURCE_UNSPECIFIED;
};

struct TrendQuery {
  PopulationQuery population;
  std::vector<absl::CivilDay> days;
  v1::ReportSource source = v1::REPORT_SOURCE_UNSPECIFIED;
};

struct WorklistQuery {
  PopulationQuery population;
  int horizon_days = 0;
  int limit = 0;
  int offset = 0;
};

struct WhatIfQuery {
  // Judged by the active rule sets (before) ...
  PopulationQuery population;
  // ... and by them with the candidate in its id's place (after).
  std::vector<v1::RuleSet> after;
  v1::RuleSet candidate;
  int limit = 0;
};

struct CaseListQuery {
  PopulationQuery population;
  CaseListOptions options;
};

// `now` gives the default as_of (the server's today, UTC).
absl::StatusOr<ComplianceQuery> ParseCompliance(
    const v1::GetComplianceRequest& request, const RuleBook::Snapshot& rules,
    absl::Time now);
absl::StatusOr<SwitchesQuery> ParseSwitches(
    const v1::GetSwitchesRequest& request, absl::Time now);
absl::StatusOr<CaseQuery> ParseWaitingTimes(
    const v1::GetWaitingTimesRequest& request, absl::Time now);
absl::StatusOr<CaseQuery> ParseTimeline(const v1::GetTimelineRequest& request,
                                        absl::Time now);

absl::StatusOr<ReportQuery> ParseReport(const v1::ReportRequest& request,
                                        const RuleBook::Snapshot& rules,
                                        absl::Time now);
absl::StatusOr<TrendQuery> ParseTrend(const v1::TrendRequest& request,
                                      const RuleBook::Snapshot& rules,
                                      absl::Time now);
absl::StatusOr<WorklistQuery> ParseWorklist(const v1::WorklistRequest& request,
                                            const RuleBook::Snapshot& rules,
                                            absl::Time now);
absl::StatusOr<WhatIfQuery> ParseWhatIf(const v1::WhatIfRequest& request,
                                        const RuleBook::Snapshot& rules,
                                        absl::Time now);
absl::StatusOr<CaseListQuery> ParseListCases(
    const v1::ListCasesRequest& request, const RuleBook::Snapshot& rules,
    absl::Time now);

// Entries one ReadAccessLog answer returns by default, and at most: a
// month of a busy user's look-ups, small enough for one message.
inline constexpr int kAccessLogPageDefault = 1000;
inline constexpr int kAccessLogPageMax = 10'000;

// At most one of case_id, citizen_id and subject; from not after to.
absl::StatusOr<store::AccessQuery> ParseAccessLogRequest(
    const v1::ReadAccessLogRequest& request);

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_REQUESTS_H_
