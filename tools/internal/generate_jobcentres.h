// The jobcentres of a run, their teams and caseworkers: how many cases each
// expects, how well it keeps its deadlines, how many caseworkers each team
// has. Internal to the generator; the contract readers rely on is
// tools/generate.h.
#ifndef CASELINE_TOOLS_INTERNAL_GENERATE_JOBCENTRES_H_
#define CASELINE_TOOLS_INTERNAL_GENERATE_JOBCENTRES_H_

#include <array>
#include <string>
#include <vector>

#include "tools/generate.h"
#include "tools/internal/generate_model.h"
#include "tools/internal/generate_random.h"

namespace caseline::generate_internal {

struct Jobcentre {
  std::string id;
  // Expected new cases per day by group, during the period and before it
  // (see Simulator::WarmUp).
  GroupWeights arrivals_per_day{};
  GroupWeights warm_up_arrivals_per_day{};
  double arrivals_per_day_total = 0;
  double interview_on_time_share = 0;
  double offer_on_time_share = 0;
  // Of the first offers not on time, the share never made.
  double offer_missed_share = 0;
  double service_call_share = 0;
  double switches_per_case_year = 0;
  double late_recorded_share = 0;
  // Caseworkers per team, from the jobcentre's caseload.
  std::array<int, kTeamCount> caseworkers{};
};

// The options' jobcentres, with their arrivals scaled so that the expected
// number of cases is options.cases. Draws from `rng`.
std::vector<Jobcentre> MakeJobcentres(const GenerateOptions& options, Rng& rng);

// "cw-<jobcentre>-<team short name>-<caseworker>", jobcentre and caseworker
// counted from 1.
std::string CaseworkerId(int jobcentre, Team team, int caseworker);

}  // namespace caseline::generate_internal

#endif  // CASELINE_TOOLS_INTERNAL_GENERATE_JOBCENTRES_H_
