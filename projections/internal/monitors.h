// STAR's follow-up in a report (Requirement.monitor): for each jobcentre and
// monitored requirement, the cohort of each of the last complete months and
// whether enough of them in a row were under the threshold. Internal to
// projections/: report_builder.cc feeds it; the contract readers rely on is
// population.h and the MonitorStatus message.
#ifndef CASELINE_PROJECTIONS_INTERNAL_MONITORS_H_
#define CASELINE_PROJECTIONS_INTERNAL_MONITORS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "caseline/v1/projections.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "projections/compliance.h"
#include "projections/internal/population_parts.h"

namespace caseline::population_internal {

// The months a report shows: a year, twice STAR's six-month run.
inline constexpr int kMonitorMonthsShown = 12;

class MonitorTally {
 public:
  // The follow-up of `requirements` on `as_of`, for the jobcentres of
  // `filter` (every jobcentre when it names none); its other fields do not
  // apply, as STAR measures a municipality as a whole.
  MonitorTally(const std::map<RequirementKey, RequirementInfo>& requirements,
               const v1::CaseFilter& filter, absl::CivilDay as_of);

  // No monitored requirement: nothing to add or fill.
  bool empty() const { return monitors_.empty(); }

  // Whether a case of `jobcentre_id` is measured: a monitored requirement
  // exists and the filter takes the jobcentre.
  bool Wants(const std::string& jobcentre_id) const;

  // One case of `jobcentre_id`, its rows judged on as_of: every applicable
  // row of a monitored requirement whose deadline fell in a month shown
  // joins that month's population, and counts as met when met by it.
  void Add(const std::string& jobcentre_id,
           const std::vector<RequirementResult>& rows);

  // The cases another tally of the same follow-up (requirements, filter,
  // as_of) was given.
  void Merge(const MonitorTally& other);

  // One status per jobcentre and monitored requirement with a case
  // measured in the months shown, by jobcentre, then requirement.
  void Fill(google::protobuf::RepeatedPtrField<v1::MonitorStatus>* out) const;

 private:
  struct Month {
    int64_t population = 0;
    int64_t met = 0;
  };
  using Months = std::map<absl::CivilMonth, Month>;

  struct Monitored {
    RequirementInfo info;
    // The first month measured: the first shown, or the monitor's
    // first_month if later.
    absl::CivilMonth first;
  };

  // The monitored requirements, the jobcentres asked for, and the months
  // shown: [first_, last_].
  std::map<RequirementKey, Monitored> monitors_;
  std::vector<std::string> jobcentre_ids_;
  absl::CivilMonth first_;
  absl::CivilMonth last_;
  // (jobcentre, requirement) -> months with a case.
  std::map<std::pair<std::string, RequirementKey>, Months> months_;
};

}  // namespace caseline::population_internal

#endif  // CASELINE_PROJECTIONS_INTERNAL_MONITORS_H_
