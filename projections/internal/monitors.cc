#include "projections/internal/monitors.h"

#include <algorithm>

#include "absl/time/civil_time.h"

namespace caseline::population_internal {
namespace {

// The last month whose last day is on or before `as_of`.
absl::CivilMonth LastCompleteMonth(absl::CivilDay as_of) {
  const absl::CivilMonth month(as_of);
  return absl::CivilMonth(as_of + 1) != month ? month : month - 1;
}

// The first month the monitor measures within the months shown.
absl::CivilMonth FirstMeasured(const v1::Monitor& monitor,
                               absl::CivilMonth first_shown) {
  absl::CivilMonth first;
  if (monitor.first_month().empty() ||
      !absl::ParseCivilTime(monitor.first_month(), &first)) {
    return first_shown;
  }
  return std::max(first, first_shown);
}

}  // namespace

MonitorTally::MonitorTally(
    const std::map<RequirementKey, RequirementInfo>& requirements,
    const v1::CaseFilter& filter, absl::CivilDay as_of)
    : jobcentre_ids_(filter.jobcentre_ids().begin(),
                     filter.jobcentre_ids().end()),
      last_(LastCompleteMonth(as_of)) {
  first_ = last_ - (kMonitorMonthsShown - 1);
  for (const auto& [key, info] : requirements) {
    if (info.monitor) {
      monitors_.emplace(key,
                        Monitored{info, FirstMeasured(*info.monitor, first_)});
    }
  }
}

bool MonitorTally::Wants(const std::string& jobcentre_id) const {
  return !monitors_.empty() &&
         (jobcentre_ids_.empty() ||
          std::find(jobcentre_ids_.begin(), jobcentre_ids_.end(),
                    jobcentre_id) != jobcentre_ids_.end());
}

void MonitorTally::Add(const std::string& jobcentre_id,
                       const std::vector<RequirementResult>& rows) {
  for (const RequirementResult& row : rows) {
    if (row.verdict == Verdict::kNotApplicable || !row.deadline_on) continue;
    const RequirementKey key = KeyOf(row);
    auto monitor = monitors_.find(key);
    if (monitor == monitors_.end()) continue;
    const absl::CivilMonth month(*row.deadline_on);
    if (month < monitor->second.first || month > last_) continue;
    Month& totals = months_[{jobcentre_id, key}][month];
    ++totals.population;
    if (row.verdict == Verdict::kMet) ++totals.met;
  }
}

void MonitorTally::Merge(const MonitorTally& other) {
  for (const auto& [where, months] : other.months_) {
    Months& into = months_[where];
    for (const auto& [month, totals] : months) {
      into[month].population += totals.population;
      into[month].met += totals.met;
    }
  }
}

void MonitorTally::Fill(
    google::protobuf::RepeatedPtrField<v1::MonitorStatus>* out) const {
  for (const auto& [where, months] : months_) {
    const Monitored& monitored = monitors_.at(where.second);
    const RequirementInfo& info = monitored.info;
    const v1::Monitor& monitor = *info.monitor;
    v1::MonitorStatus* status = out->Add();
    status->set_jobcentre_id(where.first);
    status->set_rule_set_id(where.second.first);
    status->set_rule_set_version(info.rule_set_version);
    status->set_requirement_id(where.second.second);
    status->set_title(info.title);
    status->set_below_share(monitor.below_share());
    status->set_months_required(monitor.months());
    status->set_min_population(monitor.min_population());
    int run = 0;
    for (absl::CivilMonth month = monitored.first; month <= last_; ++month) {
      auto found = months.find(month);
      const Month totals = found == months.end() ? Month() : found->second;
      v1::MonitorMonth* out_month = status->add_months();
      out_month->set_month(absl::FormatCivilTime(month));
      out_month->set_population(totals.population);
      out_month->set_met(totals.met);
      const double share = Share(totals.met, totals.population);
      out_month->set_share(share);
      // A month too small to measure breaks the run, as one above it does.
      const bool under = totals.population >= monitor.min_population() &&
                         share < monitor.below_share();
      out_month->set_under(under);
      run = under ? run + 1 : 0;
    }
    status->set_run(run);
    status->set_triggered(run >= monitor.months());
    status->set_months_to_trigger(
        run >= monitor.months() ? 0 : monitor.months() - run);
  }
}

}  // namespace caseline::population_internal
