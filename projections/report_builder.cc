// The report (population.h: ReportBuilder).
#include "projections/population.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "projections/calendar.h"
#include "projections/compliance.h"
#include "projections/dates.h"
#include "projections/internal/monitors.h"
#include "projections/internal/population_parts.h"

namespace caseline {

using population_internal::CasesSeen;
using population_internal::CaseTally;
using population_internal::DaysOpenWithin;
using population_internal::FillTally;
using population_internal::KeyOf;
using population_internal::Limit;
using population_internal::Measured;
using population_internal::MonitorTally;
using population_internal::OpenWithin;
using population_internal::PeriodOf;
using population_internal::RequirementInfo;
using population_internal::RequirementKey;
using population_internal::RequirementsOf;
using population_internal::Tally;

namespace {

// --- Waits ---

// Started referrals' days kept as a histogram (days -> referrals): the days
// are small integers, so memory grows with the longest wait, not with the
// number of referrals, and every order statistic is still exact.
struct WaitTotals {
  int64_t started = 0;
  int64_t started_days_sum = 0;
  std::map<int, int64_t> started_days;
  int64_t cancelled = 0;
  int64_t waiting = 0;
};

// The k-th smallest (1-based) of the histogram; k within its count.
int KthSmallest(const std::map<int, int64_t>& histogram, int64_t k) {
  int64_t seen = 0;
  for (const auto& [days, referrals] : histogram) {
    seen += referrals;
    if (seen >= k) return days;
  }
  assert(false && "KthSmallest: k beyond the histogram");
  return histogram.empty() ? 0 : histogram.rbegin()->first;
}

using WaitKey = std::pair<int, std::string>;  // (offer_kind, provider)

void FillWaitTally(const WaitKey& key, const WaitTotals& totals,
                   v1::WaitTally* out) {
  out->set_offer_kind(static_cast<v1::OfferKind>(key.first));
  out->set_provider(key.second);
  out->set_started(totals.started);
  out->set_cancelled(totals.cancelled);
  out->set_waiting(totals.waiting);
  const int64_t n = totals.started;
  if (n == 0) return;
  out->set_mean_days(static_cast<double>(totals.started_days_sum) /
                     static_cast<double>(n));
  // The median of an even count is the mean of the two middle values.
  const double median = n % 2 == 1
                            ? KthSmallest(totals.started_days, (n + 1) / 2)
                            : (KthSmallest(totals.started_days, n / 2) +
                               KthSmallest(totals.started_days, n / 2 + 1)) /
                                  2.0;
  out->set_median_days(median);
  // Nearest rank: the ceil(0.9 n)-th smallest.
  out->set_p90_days(KthSmallest(totals.started_days, (9 * n + 9) / 10));
  out->set_max_days(totals.started_days.rbegin()->first);
}

// A referral waiting on as_of, for the report's list.
struct WaitingEntry {
  int days = 0;
  std::string case_id;
  std::string referral_id;
  v1::WaitingReferral referral;
};

// Longest first; ties by case, then referral.
struct LongestFirst {
  bool operator()(const WaitingEntry& a, const WaitingEntry& b) const {
    if (a.days != b.days) return a.days > b.days;
    return std::tie(a.case_id, a.referral_id) <
           std::tie(b.case_id, b.referral_id);
  }
};

// --- Groups ---

struct GroupKey {
  std::string jobcentre_id;
  std::string team_id;
  std::string caseworker_id;
  int target_group = 0;
  std::string rule_set_id;
  std::string requirement_id;

  auto Tied() const {
    return std::tie(jobcentre_id, team_id, caseworker_id, target_group,
                    rule_set_id, requirement_id);
  }
  bool operator<(const GroupKey& other) const { return Tied() < other.Tied(); }
};

// Which label fields a report groups by, and in which order it sorts.
struct Grouping {
  bool jobcentre = false;
  bool team = false;
  bool caseworker = false;
  bool target_group = false;
  bool requirement = false;
  // Specified and distinct, in the order asked.
  std::vector<v1::GroupBy> order;

  explicit Grouping(const std::vector<v1::GroupBy>& group_by) {
    for (v1::GroupBy by : group_by) {
      bool* flag = nullptr;
      switch (by) {
        case v1::GROUP_BY_JOBCENTRE:
          flag = &jobcentre;
          break;
        case v1::GROUP_BY_TEAM:
          flag = &team;
          break;
        case v1::GROUP_BY_CASEWORKER:
          flag = &caseworker;
          break;
        case v1::GROUP_BY_TARGET_GROUP:
          flag = &target_group;
          break;
        case v1::GROUP_BY_REQUIREMENT:
          flag = &requirement;
          break;
        default:
          break;
      }
      if (flag == nullptr || *flag) continue;
      *flag = true;
      order.push_back(by);
    }
  }

  // The key of the case's own figures (cases, switches, waits): its
  // jobcentre, and its team, caseworker and target group on as_of.
  GroupKey CaseKey(const CaseTimeline& timeline, const CaseOnDay& on) const {
    GroupKey key;
    if (jobcentre) key.jobcentre_id = timeline.jobcentre_id;
    if (team) key.team_id = on.team_id;
    if (caseworker) key.caseworker_id = on.caseworker_id;
    if (target_group) key.target_group = on.target_group;
    return key;
  }

  // The key of a requirement row: the case's, but the target group of the
  // period judged, and the requirement when grouped by it.
  GroupKey RowKey(GroupKey case_key, const RequirementResult& row) const {
    if (target_group) case_key.target_group = row.target_group;
    if (requirement) {
      case_key.rule_set_id = row.rule_set_id;
      case_key.requirement_id = row.requirement_id;
    }
    return case_key;
  }

  // Sorts by the label fields in the order asked; the rest break ties.
  bool Before(const GroupKey& a, const GroupKey& b) const {
    for (v1::GroupBy by : order) {
      int c = 0;
      switch (by) {
        case v1::GROUP_BY_JOBCENTRE:
          c = a.jobcentre_id.compare(b.jobcentre_id);
          break;
        case v1::GROUP_BY_TEAM:
          c = a.team_id.compare(b.team_id);
          break;
        case v1::GROUP_BY_CASEWORKER:
          c = a.caseworker_id.compare(b.caseworker_id);
          break;
        case v1::GROUP_BY_TARGET_GROUP:
          c = a.target_group < b.target_group   ? -1
              : a.target_group > b.target_group ? 1
                                                : 0;
          break;
        case v1::GROUP_BY_REQUIREMENT:
          c = std::tie(a.rule_set_id, a.requirement_id) <
                      std::tie(b.rule_set_id, b.requirement_id)
                  ? -1
              : std::tie(a.rule_set_id, a.requirement_id) ==
                      std::tie(b.rule_set_id, b.requirement_id)
                  ? 0
                  : 1;
          break;
        default:
          break;
      }
      if (c != 0) return c < 0;
    }
    return a < b;
  }
};

void FillLabel(const GroupKey& key, v1::GroupLabel* label) {
  label->set_jobcentre_id(key.jobcentre_id);
  label->set_team_id(key.team_id);
  label->set_caseworker_id(key.caseworker_id);
  label->set_target_group(static_cast<v1::TargetGroup>(key.target_group));
  label->set_rule_set_id(key.rule_set_id);
  label->set_requirement_id(key.requirement_id);
}

struct GroupTotals {
  int64_t cases = 0;
  std::map<RequirementKey, Tally> requirements;
  int64_t planned = 0;
  int64_t unplanned = 0;
  int64_t same_day_reversals = 0;
  int64_t case_days = 0;
  std::map<WaitKey, WaitTotals> waits;
};

constexpr double kDaysPerYear = 365.25;

void FillSwitches(const GroupTotals& totals, v1::SwitchTally* out) {
  out->set_planned(totals.planned);
  out->set_unplanned(totals.unplanned);
  out->set_same_day_reversals(totals.same_day_reversals);
  const double case_years =
      static_cast<double>(totals.case_days) / kDaysPerYear;
  out->set_case_years(case_years);
  if (totals.case_days == 0) return;
  out->set_planned_per_case_year(static_cast<double>(totals.planned) /
                                 case_years);
  out->set_unplanned_per_case_year(static_cast<double>(totals.unplanned) /
                                   case_years);
}

}  // namespace

// --- Report ---

struct ReportBuilder::State {
  PopulationQuery query;
  Grouping grouping;
  size_t waiting_limit = 0;
  std::map<RequirementKey, RequirementInfo> requirements;
  std::map<GroupKey, GroupTotals> groups;
  std::set<WaitingEntry, LongestFirst> waiting;
  int64_t waiting_total = 0;
  MonitorTally monitors;
  CasesSeen seen;

  State(PopulationQuery q, const std::vector<v1::GroupBy>& group_by, int limit)
      : query(std::move(q)),
        grouping(group_by),
        waiting_limit(static_cast<size_t>(
            Limit(limit, kWaitingListDefault, kWaitingListMax))),
        requirements(RequirementsOf(query.rule_sets)),
        monitors(requirements, query.filter, query.as_of) {}

  // Rows of periods open in the window, by group and requirement; each
  // case adds one to `cases` of every (group, requirement) it has a row in.
  void AddRows(const CaseTimeline& timeline, const GroupKey& case_key,
               const std::vector<RequirementResult>& rows) {
    std::map<std::pair<GroupKey, RequirementKey>, CaseTally> per_case;
    const auto& wanted = query.filter.target_groups();
    for (const RequirementResult& row : rows) {
      const Period& period = PeriodOf(timeline, row);
      if (!OpenWithin(period, query.from, query.as_of)) continue;
      // Filtered by target group, only the rows of periods of those groups.
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(),
                                       period.target_group) == wanted.end()) {
        continue;
      }
      const RequirementKey key = KeyOf(row);
      auto info = requirements.try_emplace(
          key, RequirementInfo{row.rule_set_version, row.rule_set_kind,
                               std::string(row.title), std::nullopt,
                               std::nullopt, std::nullopt});
      const bool in_measure =
          info.first->second.measured() && Measured(row, period, query.as_of);
      per_case[{grouping.RowKey(case_key, row), key}].Add(row, in_measure);
    }
    for (const auto& [where, tally] : per_case) {
      groups[where.first].requirements[where.second].Add(tally);
    }
  }

  // Cases, switches and case-days, and waits, under the case's own key.
  void AddCaseFigures(const CaseTimeline& timeline, const GroupKey& case_key,
                      const WaitingTimes& waits) {
    GroupTotals& totals = groups[case_key];
    ++totals.cases;
    const Switches switches = CountSwitches(timeline, query.from, query.as_of);
    totals.planned += switches.planned;
    totals.unplanned += switches.unplanned;
    for (const Switch& change : switches.switches) {
      if (change.same_day_reversal) ++totals.same_day_reversals;
    }
    totals.case_days += DaysOpenWithin(timeline, query.from, query.as_of);
    for (const ReferralWait& wait : waits.referrals) {
      if (wait.referred_on < query.from || wait.referred_on > query.as_of) {
        continue;
      }
      WaitTotals& by_offer = totals.waits[{wait.offer_kind, wait.provider}];
      switch (wait.state) {
        case WaitState::kStarted:
          ++by_offer.started;
          by_offer.started_days_sum += wait.days;
          ++by_offer.started_days[wait.days];
          break;
        case WaitState::kCancelled:
          ++by_offer.cancelled;
          break;
        case WaitState::kWaiting:
          ++by_offer.waiting;
          break;
      }
    }
  }

  // Every referral waiting on as_of, whenever it was made; the longest
  // `waiting_limit` are kept.
  void AddWaiting(const CaseTimeline& timeline, const CaseOnDay& on,
                  const WaitingTimes& waits) {
    for (const ReferralWait& wait : waits.referrals) {
      if (wait.state != WaitState::kWaiting) continue;
      ++waiting_total;
      WaitingEntry entry{wait.days, timeline.case_id, wait.referral_id, {}};
      if (waiting.size() == waiting_limit &&
          !LongestFirst()(entry, *waiting.rbegin())) {
        continue;
      }
      v1::WaitingReferral& out = entry.referral;
      out.set_case_id(timeline.case_id);
      out.set_referral_id(wait.referral_id);
      out.set_referred_on(FormatDate(wait.referred_on));
      out.set_days(wait.days);
      out.set_offer_kind(wait.offer_kind);
      out.set_provider(wait.provider);
      out.set_jobcentre_id(timeline.jobcentre_id);
      out.set_team_id(on.team_id);
      out.set_caseworker_id(on.caseworker_id);
      waiting.insert(std::move(entry));
      if (waiting.size() > waiting_limit) {
        waiting.erase(std::prev(waiting.end()));
      }
    }
  }

  void FillGroup(const GroupKey& key, const GroupTotals& totals,
                 v1::ReportGroup* group) const {
    FillLabel(key, group->mutable_label());
    if (grouping.requirement) {
      // Exactly the requirement of the label; its cases are the group's.
      const RequirementKey requirement{key.rule_set_id, key.requirement_id};
      const Tally& tally = totals.requirements.at(requirement);
      group->set_cases(tally.cases);
      FillTally(requirement, requirements.at(requirement), tally,
                group->add_requirements());
      return;
    }
    group->set_cases(totals.cases);
    // Requirements without a row in the group (another jobcentre's local
    // targets, rule sets of other years) are left out.
    for (const auto& [requirement, info] : requirements) {
      auto found = totals.requirements.find(requirement);
      if (found == totals.requirements.end()) continue;
      FillTally(requirement, info, found->second, group->add_requirements());
    }
    FillSwitches(totals, group->mutable_switches());
    for (const auto& [wait_key, wait_totals] : totals.waits) {
      FillWaitTally(wait_key, wait_totals, group->add_waits());
    }
  }
};

ReportBuilder::ReportBuilder(PopulationQuery query,
                             std::vector<v1::GroupBy> group_by,
                             int waiting_limit)
    : state_(
          std::make_unique<State>(std::move(query), group_by, waiting_limit)) {}

ReportBuilder::~ReportBuilder() = default;

void ReportBuilder::AddCase(absl::Span<const v1::Event> events) {
  State& s = *state_;
  ++s.seen.examined;
  const CaseTimeline timeline =
      FoldTimeline(events, s.query.as_of, s.query.known_at);
  const CaseOnDay on = DescribeOn(timeline, s.query.as_of);
  const bool matches = Matches(s.query, timeline, on);
  // STAR's follow-up measures a jobcentre as a whole, whatever the
  // filter's team, caseworker, group or window.
  const bool monitored = s.monitors.Wants(timeline.jobcentre_id);
  if (!matches && !monitored) return;
  const std::vector<RequirementResult> rows =
      Evaluate(s.query.rule_sets, timeline, s.query.as_of, s.query.named);
  if (monitored) s.monitors.Add(timeline.jobcentre_id, rows);
  if (!matches) return;
  ++s.seen.counted;
  const GroupKey case_key = s.grouping.CaseKey(timeline, on);
  s.AddRows(timeline, case_key, rows);
  WaitingTimes waits = ComputeWaitingTimes(timeline, s.query.as_of);
  if (!on.open) {
    // A case that ended before as_of waits for nothing on as_of: its
    // referrals without an offer ended with it.
    std::erase_if(waits.referrals, [](const ReferralWait& wait) {
      return wait.state == WaitState::kWaiting;
    });
  }
  if (!s.grouping.requirement) s.AddCaseFigures(timeline, case_key, waits);
  s.AddWaiting(timeline, on, waits);
}

void ReportBuilder::Finish(v1::ReportResponse* response) const {
  const State& s = *state_;
  std::vector<const std::pair<const GroupKey, GroupTotals>*> sorted;
  sorted.reserve(s.groups.size());
  for (const auto& entry : s.groups) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [&](const auto* a, const auto* b) {
    return s.grouping.Before(a->first, b->first);
  });
  for (const auto* entry : sorted) {
    s.FillGroup(entry->first, entry->second, response->add_groups());
  }
  for (const WaitingEntry& entry : s.waiting) {
    *response->add_waiting() = entry.referral;
  }
  response->set_waiting_total(s.waiting_total);
  s.monitors.Fill(response->mutable_monitors());
  s.seen.FillBasis(response->mutable_basis());
}

}  // namespace caseline
