#include "projections/population.h"

#include <algorithm>

#include "projections/internal/population_parts.h"

namespace caseline {

using population_internal::MatchesWindow;
using population_internal::OpenOn;
using population_internal::OpenWithin;

// --- Cases on a day ---

CaseOnDay DescribeOn(const CaseTimeline& timeline, absl::CivilDay day) {
  CaseOnDay on;
  on.jobcentre_id = timeline.jobcentre_id;
  // Both lists are in date order: the last one begun by `day` is the one
  // covering it (or, after the case closed, the last one).
  for (const Assignment& assignment : timeline.assignments) {
    if (assignment.from_on > day) break;
    on.team_id = assignment.team_id;
    on.caseworker_id = assignment.caseworker_id;
  }
  for (const Period& period : timeline.periods) {
    if (period.start_on > day) break;
    on.target_group = period.target_group;
    on.open = OpenOn(period, day);
  }
  return on;
}

bool OpenDuring(const CaseTimeline& timeline, absl::CivilDay from,
                absl::CivilDay to) {
  return std::any_of(
      timeline.periods.begin(), timeline.periods.end(),
      [&](const Period& period) { return OpenWithin(period, from, to); });
}

bool Matches(const PopulationQuery& query, const CaseTimeline& timeline,
             const CaseOnDay& on_as_of) {
  return MatchesWindow(query.filter, query.from, query.as_of, timeline,
                       on_as_of);
}

}  // namespace caseline
