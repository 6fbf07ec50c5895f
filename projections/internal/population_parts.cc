#include "projections/internal/population_parts.h"

#include <algorithm>
#include <cassert>

namespace caseline::population_internal {
namespace {

// An empty list matches every id.
bool Listed(const google::protobuf::RepeatedPtrField<std::string>& ids,
            const std::string& id) {
  return ids.empty() || std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool HasGroupWithin(const CaseTimeline& timeline,
                    const google::protobuf::RepeatedField<int>& groups,
                    absl::CivilDay from, absl::CivilDay to) {
  if (groups.empty()) return true;
  for (const Period& period : timeline.periods) {
    if (OpenWithin(period, from, to) &&
        std::find(groups.begin(), groups.end(), period.target_group) !=
            groups.end()) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool OpenOn(const Period& period, absl::CivilDay day) {
  return period.start_on <= day && (!period.end_on || day <= *period.end_on);
}

bool OpenWithin(const Period& period, absl::CivilDay from, absl::CivilDay to) {
  return from <= to && period.start_on <= to &&
         (!period.end_on || from <= *period.end_on);
}

const Period& PeriodOf(const CaseTimeline& timeline,
                       const RequirementResult& row) {
  assert(row.period_index >= 0 &&
         static_cast<size_t>(row.period_index) < timeline.periods.size());
  return timeline.periods[static_cast<size_t>(row.period_index)];
}

int64_t DaysOpenWithin(const CaseTimeline& timeline, absl::CivilDay from,
                       absl::CivilDay to) {
  int64_t days = 0;
  std::optional<absl::CivilDay> counted_until;
  for (const Period& period : timeline.periods) {
    absl::CivilDay first = std::max(period.start_on, from);
    const absl::CivilDay last =
        period.end_on ? std::min(*period.end_on, to) : to;
    if (counted_until && first <= *counted_until) first = *counted_until + 1;
    if (last < first) continue;
    days += last - first + 1;
    counted_until = last;
  }
  return days;
}

bool MatchesWindow(const v1::CaseFilter& filter, absl::CivilDay from,
                   absl::CivilDay to, const CaseTimeline& timeline,
                   const CaseOnDay& on_to) {
  return OpenDuring(timeline, from, to) &&
         Listed(filter.jobcentre_ids(), timeline.jobcentre_id) &&
         Listed(filter.team_ids(), on_to.team_id) &&
         Listed(filter.caseworker_ids(), on_to.caseworker_id) &&
         HasGroupWithin(timeline, filter.target_groups(), from, to);
}

std::map<RequirementKey, RequirementInfo> RequirementsOf(
    const std::vector<v1::RuleSet>& rule_sets) {
  std::map<RequirementKey, RequirementInfo> infos;
  for (const v1::RuleSet& rule_set : rule_sets) {
    for (const v1::Requirement& requirement : rule_set.requirements()) {
      RequirementInfo& info = infos[{rule_set.id(), requirement.id()}];
      if (info.rule_set_version > rule_set.version()) continue;
      info.rule_set_version = rule_set.version();
      info.rule_set_kind = rule_set.kind();
      info.title = requirement.title();
      info.flag_over_share =
          requirement.has_population_flag()
              ? std::optional(requirement.population_flag().flag_over_share())
              : std::nullopt;
      info.target = requirement.has_population_target()
                        ? std::optional(requirement.population_target())
                        : std::nullopt;
      info.monitor = requirement.has_monitor()
                         ? std::optional(requirement.monitor())
                         : std::nullopt;
    }
  }
  return infos;
}

bool Measured(const RequirementResult& row, const Period& period,
              absl::CivilDay as_of) {
  return (row.verdict != Verdict::kNotApplicable || row.exempted) &&
         row.deadline_on && *row.deadline_on < as_of && OpenOn(period, as_of);
}

namespace {

void FillTarget(const v1::PopulationTarget& target, const Tally& tally,
                v1::TargetMeasure* out) {
  out->set_min_share(target.min_share());
  out->set_exemption_cap(target.exemption_cap());
  out->set_measured(tally.measured_cases);
  out->set_exempted(tally.exempted_cases);
  out->set_exempted_by_municipality(tally.exempted_by_municipality_cases);
  out->set_counting(tally.counting_cases);
  const int64_t population = tally.measured_cases - tally.exempted_cases;
  const double share = Share(tally.counting_cases, population);
  out->set_share(share);
  // "At least 75%": a share of exactly the target meets it.
  out->set_met(population > 0 && share >= target.min_share());
  const double exempted =
      Share(tally.exempted_by_municipality_cases, tally.measured_cases);
  out->set_exemption_share(exempted);
  out->set_over_exemption_cap(exempted > target.exemption_cap());
}

}  // namespace

void FillTally(const RequirementKey& key, const RequirementInfo& info,
               const Tally& tally, v1::RequirementTally* out) {
  out->set_rule_set_id(key.first);
  out->set_rule_set_version(info.rule_set_version);
  out->set_rule_set_kind(info.rule_set_kind);
  out->set_requirement_id(key.second);
  out->set_title(info.title);
  out->set_cases(tally.cases);
  out->set_met(tally.rows.met);
  out->set_met_late(tally.rows.met_late);
  out->set_overdue(tally.rows.overdue);
  out->set_due(tally.rows.due);
  out->set_not_applicable(tally.rows.not_applicable);
  out->set_share_on_time(tally.rows.ShareOnTime());
  if (info.target) FillTarget(*info.target, tally, out->mutable_target());
  if (!info.flag_over_share) return;
  v1::PopulationMeasure* measure = out->mutable_measure();
  measure->set_cases(tally.measured_cases);
  measure->set_failing(tally.failing_cases);
  const double share = Share(tally.failing_cases, tally.measured_cases);
  measure->set_share_failing(share);
  measure->set_flag_over_share(*info.flag_over_share);
  // "More than 20%": a share of exactly the threshold is not flagged.
  measure->set_flagged(share > *info.flag_over_share);
}

double Share(int64_t a, int64_t b) {
  return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

int Limit(int requested, int fallback, int max) {
  if (requested < 1) return fallback;
  return std::min(requested, max);
}

void CasesSeen::FillBasis(v1::ReportBasis* basis) const {
  basis->set_cases_examined(examined);
  basis->set_cases_counted(counted);
}

}  // namespace caseline::population_internal
