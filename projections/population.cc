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

namespace caseline {
namespace {

// --- Days and periods ---
//
// A period is open on day d when start_on <= d and, if it ended, d <=
// end_on. end_on (the day the next period began or the case closed) still
// belongs to the period: Evaluate counts the period's events up to and
// including end_on, and makes a row NOT_APPLICABLE only when end_on is
// before the deadline, so a deadline on the closing day still applies. On
// the day a new benefit period begins, both periods are open.

bool OpenOn(const Period& period, absl::CivilDay day) {
  return period.start_on <= day && (!period.end_on || day <= *period.end_on);
}

// Whether the period was open on some day of [from, to].
bool OpenWithin(const Period& period, absl::CivilDay from, absl::CivilDay to) {
  return from <= to && period.start_on <= to &&
         (!period.end_on || from <= *period.end_on);
}

// The period a row judges; Evaluate's indices are always in range.
const Period& PeriodOf(const CaseTimeline& timeline,
                       const RequirementResult& row) {
  assert(row.period_index >= 0 &&
         static_cast<size_t>(row.period_index) < timeline.periods.size());
  return timeline.periods[static_cast<size_t>(row.period_index)];
}

// Days of [from, to] on which a period of the case was open, each day
// counted once (the day one period ends and the next begins is one day).
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

// Working days from as_of to the deadline: those in (as_of, deadline] when
// the deadline is on or after as_of (0 on the deadline day itself), else
// minus those in (deadline, as_of] (-1 the first working day after it).
int WorkingDaysLeft(absl::CivilDay as_of, absl::CivilDay deadline) {
  if (deadline >= as_of) {
    return static_cast<int>(WorkingDaysIn(as_of + 1, deadline));
  }
  return -static_cast<int>(WorkingDaysIn(deadline + 1, as_of));
}

// --- Filters ---

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

// Matches with the window [from, to] and `on_to` described on `to`.
bool MatchesWindow(const v1::CaseFilter& filter, absl::CivilDay from,
                   absl::CivilDay to, const CaseTimeline& timeline,
                   const CaseOnDay& on_to) {
  return OpenDuring(timeline, from, to) &&
         Listed(filter.jobcentre_ids(), timeline.jobcentre_id) &&
         Listed(filter.team_ids(), on_to.team_id) &&
         Listed(filter.caseworker_ids(), on_to.caseworker_id) &&
         HasGroupWithin(timeline, filter.target_groups(), from, to);
}

// --- Statuses and tallies ---

struct RowCounts {
  int64_t met = 0;
  int64_t met_late = 0;
  int64_t overdue = 0;
  int64_t due = 0;
  int64_t not_applicable = 0;

  void Add(Verdict verdict) {
    switch (verdict) {
      case Verdict::kMet:
        ++met;
        break;
      case Verdict::kMetLate:
        ++met_late;
        break;
      case Verdict::kOverdue:
        ++overdue;
        break;
      case Verdict::kDue:
        ++due;
        break;
      case Verdict::kNotApplicable:
        ++not_applicable;
        break;
    }
  }

  void Add(const RowCounts& other) {
    met += other.met;
    met_late += other.met_late;
    overdue += other.overdue;
    due += other.due;
    not_applicable += other.not_applicable;
  }

  // met / (met + met_late + overdue); 0 when none of those.
  double ShareOnTime() const {
    const int64_t judged = met + met_late + overdue;
    return judged == 0 ? 0.0
                       : static_cast<double>(met) / static_cast<double>(judged);
  }
};

void AddStatus(Verdict verdict, v1::StatusCounts* counts) {
  switch (verdict) {
    case Verdict::kMet:
      counts->set_met(counts->met() + 1);
      break;
    case Verdict::kMetLate:
      counts->set_met_late(counts->met_late() + 1);
      break;
    case Verdict::kOverdue:
      counts->set_overdue(counts->overdue() + 1);
      break;
    case Verdict::kDue:
      counts->set_due(counts->due() + 1);
      break;
    case Verdict::kNotApplicable:
      counts->set_not_applicable(counts->not_applicable() + 1);
      break;
  }
}

// (rule_set_id, requirement_id).
using RequirementKey = std::pair<std::string, std::string>;

RequirementKey KeyOf(const RequirementResult& row) {
  return {row.rule_set_id, row.requirement_id};
}

struct RequirementInfo {
  int rule_set_version = 0;
  v1::RuleSetKind rule_set_kind = v1::RULE_SET_KIND_UNSPECIFIED;
  std::string title;
  std::optional<double> flag_over_share;
};

// Every requirement of the rule sets judged by; of two versions of one rule
// set, the newer describes it.
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
    }
  }
  return infos;
}

// Whether `row` counts in its requirement's population measure on as_of:
// its period is open on as_of and its deadline is before as_of (the case
// has the seniority the measure asks for, pauses discounted by the clock),
// and it applies to the case.
bool Measured(const RequirementResult& row, const Period& period,
              absl::CivilDay as_of) {
  return row.verdict != Verdict::kNotApplicable && row.deadline_on &&
         *row.deadline_on < as_of && OpenOn(period, as_of);
}

// One case's rows of one requirement (within one group).
struct CaseTally {
  RowCounts rows;
  // A row counts in the measure; and one such row is OVERDUE.
  bool measured = false;
  bool failing = false;
  // A row that is not NOT_APPLICABLE: the requirement concerns the case.
  bool applies = false;

  void Add(const RequirementResult& row, bool in_measure) {
    rows.Add(row.verdict);
    if (row.verdict != Verdict::kNotApplicable) applies = true;
    if (!in_measure) return;
    measured = true;
    if (row.verdict == Verdict::kOverdue) failing = true;
  }
};

// Rows of a requirement over many cases. `cases` counts the cases it
// concerns: those with a row other than NOT_APPLICABLE.
struct Tally {
  int64_t cases = 0;
  RowCounts rows;
  int64_t measured_cases = 0;
  int64_t failing_cases = 0;

  void Add(const CaseTally& one_case) {
    if (one_case.applies) ++cases;
    rows.Add(one_case.rows);
    if (one_case.measured) {
      ++measured_cases;
      if (one_case.failing) ++failing_cases;
    }
  }
};

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
  if (!info.flag_over_share) return;
  v1::PopulationMeasure* measure = out->mutable_measure();
  measure->set_cases(tally.measured_cases);
  measure->set_failing(tally.failing_cases);
  const double share = tally.measured_cases == 0
                           ? 0.0
                           : static_cast<double>(tally.failing_cases) /
                                 static_cast<double>(tally.measured_cases);
  measure->set_share_failing(share);
  measure->set_flag_over_share(*info.flag_over_share);
  // "More than 20%": a share of exactly the threshold is not flagged.
  measure->set_flagged(share > *info.flag_over_share);
}

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

int Limit(int requested, int fallback, int max) {
  if (requested < 1) return fallback;
  return std::min(requested, max);
}

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

// --- Report ---

struct ReportBuilder::State {
  PopulationQuery query;
  Grouping grouping;
  size_t waiting_limit = 0;
  std::map<RequirementKey, RequirementInfo> requirements;
  std::map<GroupKey, GroupTotals> groups;
  std::set<WaitingEntry, LongestFirst> waiting;
  int64_t waiting_total = 0;
  int64_t cases_examined = 0;
  int64_t cases_counted = 0;

  State(PopulationQuery q, const std::vector<v1::GroupBy>& group_by, int limit)
      : query(std::move(q)),
        grouping(group_by),
        waiting_limit(static_cast<size_t>(
            Limit(limit, kWaitingListDefault, kWaitingListMax))),
        requirements(RequirementsOf(query.rule_sets)) {}

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
                               row.title, std::nullopt});
      const bool in_measure = info.first->second.flag_over_share &&
                              Measured(row, period, query.as_of);
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
  ++s.cases_examined;
  const CaseTimeline timeline =
      FoldTimeline(events, s.query.as_of, s.query.known_at);
  const CaseOnDay on = DescribeOn(timeline, s.query.as_of);
  if (!Matches(s.query, timeline, on)) return;
  ++s.cases_counted;
  const GroupKey case_key = s.grouping.CaseKey(timeline, on);
  s.AddRows(
      timeline, case_key,
      Evaluate(s.query.rule_sets, timeline, s.query.as_of, s.query.named));
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
  response->mutable_basis()->set_cases_examined(s.cases_examined);
  response->mutable_basis()->set_cases_counted(s.cases_counted);
}

// --- Trend ---

absl::StatusOr<std::vector<absl::CivilDay>> TrendDays(absl::CivilDay from,
                                                      absl::CivilDay to,
                                                      v1::TrendStep step) {
  if (step != v1::TREND_STEP_WEEK && step != v1::TREND_STEP_MONTH) {
    return absl::InvalidArgumentError(
        step == v1::TREND_STEP_UNSPECIFIED
            ? std::string("step: is required")
            : absl::StrCat("step: ", static_cast<int>(step),
                           " is not a known TrendStep"));
  }
  if (to < from) {
    return absl::InvalidArgumentError(absl::StrCat(
        "to: ", FormatDate(to), " is before from ", FormatDate(from)));
  }
  const bool weekly = step == v1::TREND_STEP_WEEK;
  // The first Sunday on or after `from`, or the last day of from's month.
  absl::CivilDay day = weekly
                           ? absl::NextWeekday(from - 1, absl::Weekday::sunday)
                           : absl::CivilDay(absl::CivilMonth(from) + 1) - 1;
  std::vector<absl::CivilDay> days;
  // One more than the limit is enough to know it was passed.
  while (day <= to && static_cast<int>(days.size()) <= kTrendStepsMax) {
    days.push_back(day);
    day = weekly ? day + 7 : absl::CivilDay(absl::CivilMonth(day) + 2) - 1;
  }
  if (days.empty() || days.back() != to) days.push_back(to);
  if (static_cast<int>(days.size()) > kTrendStepsMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        "to: ", FormatDate(to), " is more than ", kTrendStepsMax, " ",
        weekly ? "weeks" : "months", " after from ", FormatDate(from),
        "; the limit is ", kTrendStepsMax, " points"));
  }
  return days;
}

namespace {

struct PointTotals {
  int64_t open_cases = 0;
  RowCounts statutory;
  RowCounts local;
  std::map<RequirementKey, Tally> measures;
  int64_t switches_planned = 0;
  int64_t switches_unplanned = 0;
  int64_t offers_started = 0;
  int64_t wait_days_sum = 0;
};

}  // namespace

struct TrendBuilder::State {
  PopulationQuery query;
  std::vector<absl::CivilDay> days;
  std::vector<PointTotals> points;
  // Only the requirements with a population flag.
  std::map<RequirementKey, RequirementInfo> measures;
  int64_t cases_examined = 0;
  int64_t cases_counted = 0;

  State(PopulationQuery q, std::vector<absl::CivilDay> d)
      : query(std::move(q)), days(std::move(d)), points(days.size()) {
    assert(std::is_sorted(days.begin(), days.end()));
    for (auto& [key, info] : RequirementsOf(query.rule_sets)) {
      if (info.flag_over_share) measures.emplace(key, info);
    }
  }

  // The first day of point i's step: the day after the previous point, or
  // for the first point the span's first day (query.from).
  absl::CivilDay StepFrom(size_t i) const {
    return i == 0 ? std::min(query.from, days[0]) : days[i - 1] + 1;
  }

  // Whether the case is open on days[i] and matches there.
  bool AddPoint(absl::Span<const v1::Event> events, size_t i) {
    const absl::CivilDay day = days[i];
    const CaseTimeline timeline = FoldTimeline(events, day, query.known_at);
    const CaseOnDay on = DescribeOn(timeline, day);
    const absl::CivilDay step_from = StepFrom(i);
    // Switches and offers count for every case open during the step, also
    // one that ended before its last day; the rest for cases open on it.
    if (!MatchesWindow(query.filter, step_from, day, timeline, on)) {
      return false;
    }
    PointTotals& point = points[i];
    const Switches switches = CountSwitches(timeline, step_from, day);
    point.switches_planned += switches.planned;
    point.switches_unplanned += switches.unplanned;
    for (const ReferralWait& wait :
         ComputeWaitingTimes(timeline, day).referrals) {
      if (wait.state != WaitState::kStarted) continue;
      const absl::CivilDay started_on = wait.referred_on + wait.days;
      if (started_on < step_from || started_on > day) continue;
      ++point.offers_started;
      point.wait_days_sum += wait.days;
    }
    if (!MatchesWindow(query.filter, day, day, timeline, on)) return true;
    ++point.open_cases;
    std::map<RequirementKey, CaseTally> per_case;
    for (const RequirementResult& row :
         Evaluate(query.rule_sets, timeline, day, query.named)) {
      const Period& period = PeriodOf(timeline, row);
      if (!OpenOn(period, day)) continue;
      if (row.rule_set_kind == v1::RULE_SET_KIND_STATUTORY) {
        point.statutory.Add(row.verdict);
      } else if (row.rule_set_kind == v1::RULE_SET_KIND_LOCAL_TARGET) {
        point.local.Add(row.verdict);
      }
      if (measures.contains(KeyOf(row))) {
        per_case[KeyOf(row)].Add(row, Measured(row, period, day));
      }
    }
    for (const auto& [key, tally] : per_case) point.measures[key].Add(tally);
    return true;
  }
};

TrendBuilder::TrendBuilder(PopulationQuery query,
                           std::vector<absl::CivilDay> days)
    : state_(std::make_unique<State>(std::move(query), std::move(days))) {}

TrendBuilder::~TrendBuilder() = default;

void TrendBuilder::AddCase(absl::Span<const v1::Event> events) {
  State& s = *state_;
  ++s.cases_examined;
  bool counted = false;
  for (size_t i = 0; i < s.days.size(); ++i) {
    if (s.AddPoint(events, i)) counted = true;
  }
  if (counted) ++s.cases_counted;
}

void TrendBuilder::Finish(v1::TrendResponse* response) const {
  const State& s = *state_;
  for (size_t i = 0; i < s.days.size(); ++i) {
    const PointTotals& totals = s.points[i];
    v1::TrendPoint* point = response->add_points();
    point->set_on(FormatDate(s.days[i]));
    point->set_open_cases(totals.open_cases);
    point->set_met(totals.statutory.met);
    point->set_met_late(totals.statutory.met_late);
    point->set_overdue(totals.statutory.overdue);
    point->set_due(totals.statutory.due);
    point->set_share_on_time(totals.statutory.ShareOnTime());
    point->set_local_share_on_time(totals.local.ShareOnTime());
    const Tally none;
    for (const auto& [key, info] : s.measures) {
      auto found = totals.measures.find(key);
      FillTally(key, info,
                found == totals.measures.end() ? none : found->second,
                point->add_measures());
    }
    point->set_switches_planned(totals.switches_planned);
    point->set_switches_unplanned(totals.switches_unplanned);
    point->set_offers_started(totals.offers_started);
    point->set_mean_wait_days(
        totals.offers_started == 0
            ? 0.0
            : static_cast<double>(totals.wait_days_sum) /
                  static_cast<double>(totals.offers_started));
  }
  response->mutable_basis()->set_cases_examined(s.cases_examined);
  response->mutable_basis()->set_cases_counted(s.cases_counted);
}

// --- Worklist ---

namespace {

struct WorkItem {
  absl::CivilDay deadline_on;
  int period_index = 0;
  v1::WorklistItem item;

  auto Tied() const {
    return std::tie(deadline_on, item.case_id(), item.rule_set_id(),
                    item.requirement_id(), item.item(), period_index);
  }
  bool operator<(const WorkItem& other) const { return Tied() < other.Tied(); }
};

}  // namespace

struct WorklistBuilder::State {
  PopulationQuery query;
  int horizon_days = 0;
  size_t limit = 0;
  std::set<WorkItem> items;
  int64_t total = 0;
  int64_t cases_examined = 0;
  int64_t cases_counted = 0;

  State(PopulationQuery q, int horizon, int item_limit)
      : query(std::move(q)),
        horizon_days(std::clamp(horizon, 0, kWorklistHorizonMax)),
        limit(static_cast<size_t>(
            Limit(item_limit, kWorklistDefault, kWorklistMax))) {}

  // Whether `row` is on the list: a caseworker's duty (not a population
  // measure), of a period open on as_of (an ended period's row can no
  // longer be met), overdue or due within the horizon.
  bool Listed(const CaseTimeline& timeline,
              const RequirementResult& row) const {
    if (row.rule_set_kind == v1::RULE_SET_KIND_POPULATION_MEASURE) return false;
    if (!OpenOn(PeriodOf(timeline, row), query.as_of)) return false;
    // Evaluate dates every OVERDUE and DUE row.
    if (!row.deadline_on) return false;
    if (row.verdict == Verdict::kOverdue) return true;
    return row.verdict == Verdict::kDue &&
           *row.deadline_on <= query.as_of + horizon_days;
  }

  void Add(const CaseTimeline& timeline, const CaseOnDay& on,
           const RequirementResult& row) {
    ++total;
    WorkItem work{*row.deadline_on, row.period_index, {}};
    v1::WorklistItem& item = work.item;
    item.set_case_id(timeline.case_id);
    item.set_rule_set_id(row.rule_set_id);
    item.set_requirement_id(row.requirement_id);
    item.set_item(row.item);
    if (items.size() == limit && !(work < *items.rbegin())) return;
    item.set_citizen_id(timeline.citizen_id);
    item.set_caseworker_id(on.caseworker_id);
    item.set_team_id(on.team_id);
    item.set_title(row.title);
    item.set_target_group(row.target_group);
    item.set_status(ComplianceStatusOf(row.verdict));
    item.set_deadline_on(FormatDate(*row.deadline_on));
    item.set_days_left(static_cast<int>(*row.deadline_on - query.as_of));
    items.insert(std::move(work));
    if (items.size() > limit) items.erase(std::prev(items.end()));
  }
};

WorklistBuilder::WorklistBuilder(PopulationQuery query, int horizon_days,
                                 int limit)
    : state_(std::make_unique<State>(std::move(query), horizon_days, limit)) {}

WorklistBuilder::~WorklistBuilder() = default;

void WorklistBuilder::AddCase(absl::Span<const v1::Event> events) {
  State& s = *state_;
  ++s.cases_examined;
  const CaseTimeline timeline =
      FoldTimeline(events, s.query.as_of, s.query.known_at);
  const CaseOnDay on = DescribeOn(timeline, s.query.as_of);
  // Open on as_of: the window is as_of alone.
  if (!MatchesWindow(s.query.filter, s.query.as_of, s.query.as_of, timeline,
                     on)) {
    return;
  }
  ++s.cases_counted;
  for (const RequirementResult& row :
       Evaluate(s.query.rule_sets, timeline, s.query.as_of, s.query.named)) {
    if (s.Listed(timeline, row)) s.Add(timeline, on, row);
  }
}

void WorklistBuilder::Finish(v1::WorklistResponse* response) const {
  const State& s = *state_;
  for (const WorkItem& work : s.items) {
    v1::WorklistItem* item = response->add_items();
    *item = work.item;
    // Only for the items returned: the count walks the years between.
    item->set_working_days_left(
        WorkingDaysLeft(s.query.as_of, work.deadline_on));
  }
  response->set_total(s.total);
  response->mutable_basis()->set_cases_examined(s.cases_examined);
  response->mutable_basis()->set_cases_counted(s.cases_counted);
}

// --- WhatIf ---

namespace {

// (rule_set_id, requirement_id, period_index, k): the k-th row (0-based)
// of a requirement for a period. Rows pair by their place rather than by
// item, because an item names its offset ("within 8 weeks", "milestone 2
// of 6 (2 by 8 weeks)"): a candidate that changes a deadline would
// otherwise show every row as removed and added. Evaluate gives a
// requirement's rows for a period together and in order (milestone k,
// window k, gap k).
using RowKey = std::tuple<std::string, std::string, int, int>;

// The rows of periods open in the window, by key, each counted in
// `counts`.
std::map<RowKey, const RequirementResult*> RowsInWindow(
    const std::vector<RequirementResult>& rows, const CaseTimeline& timeline,
    absl::CivilDay from, absl::CivilDay as_of, v1::StatusCounts* counts) {
  std::map<RowKey, const RequirementResult*> by_key;
  std::map<std::tuple<std::string, std::string, int>, int> seen;
  for (const RequirementResult& row : rows) {
    if (!OpenWithin(PeriodOf(timeline, row), from, as_of)) continue;
    AddStatus(row.verdict, counts);
    int& k = seen[{row.rule_set_id, row.requirement_id, row.period_index}];
    by_key.emplace(
        RowKey{row.rule_set_id, row.requirement_id, row.period_index, k++},
        &row);
  }
  return by_key;
}

std::string DateOrEmpty(const RequirementResult* row) {
  return row != nullptr && row->deadline_on ? FormatDate(*row->deadline_on)
                                            : std::string();
}

v1::ComplianceStatus StatusOrUnspecified(const RequirementResult* row) {
  return row == nullptr ? v1::COMPLIANCE_STATUS_UNSPECIFIED
                        : ComplianceStatusOf(row->verdict);
}

// Whether a row changed: only one side has it, or its status or deadline
// differs.
bool Changed(const RequirementResult* before, const RequirementResult* after) {
  if (before == nullptr || after == nullptr) return true;
  return before->verdict != after->verdict ||
         before->deadline_on != after->deadline_on;
}

}  // namespace

struct WhatIfBuilder::State {
  PopulationQuery query;
  std::vector<v1::RuleSet> after;
  size_t limit = 0;
  v1::StatusCounts before_counts;
  v1::StatusCounts after_counts;
  int64_t cases_changed = 0;
  int64_t rows_changed = 0;
  // The changed cases with the smallest ids, at most `limit`.
  std::map<std::string, v1::CaseChange> cases;
  int64_t cases_examined = 0;
  int64_t cases_counted = 0;

  State(PopulationQuery q, std::vector<v1::RuleSet> a, int case_limit)
      : query(std::move(q)),
        after(std::move(a)),
        limit(static_cast<size_t>(
            Limit(case_limit, kWhatIfCasesDefault, kWhatIfCasesMax))) {}

  void Compare(const CaseTimeline& timeline,
               const std::map<RowKey, const RequirementResult*>& before_rows,
               const std::map<RowKey, const RequirementResult*>& after_rows) {
    std::set<RowKey> keys;
    for (const auto& entry : before_rows) keys.insert(entry.first);
    for (const auto& entry : after_rows) keys.insert(entry.first);
    v1::CaseChange change;
    for (const RowKey& key : keys) {
      auto b = before_rows.find(key);
      auto a = after_rows.find(key);
      const RequirementResult* before =
          b == before_rows.end() ? nullptr : b->second;
      const RequirementResult* after_row =
          a == after_rows.end() ? nullptr : a->second;
      if (!Changed(before, after_row)) continue;
      v1::RowChange* row = change.add_rows();
      row->set_rule_set_id(std::get<0>(key));
      row->set_requirement_id(std::get<1>(key));
      // The candidate's words for the item, when it has the row.
      row->set_item(after_row != nullptr ? after_row->item : before->item);
      row->set_period_index(std::get<2>(key));
      row->set_before(StatusOrUnspecified(before));
      row->set_after(StatusOrUnspecified(after_row));
      row->set_deadline_before(DateOrEmpty(before));
      row->set_deadline_after(DateOrEmpty(after_row));
    }
    if (change.rows().empty()) return;
    ++cases_changed;
    rows_changed += change.rows_size();
    if (cases.size() == limit && timeline.case_id >= cases.rbegin()->first) {
      return;
    }
    change.set_case_id(timeline.case_id);
    change.set_jobcentre_id(timeline.jobcentre_id);
    cases[timeline.case_id] = std::move(change);
    if (cases.size() > limit) cases.erase(std::prev(cases.end()));
  }
};

WhatIfBuilder::WhatIfBuilder(PopulationQuery query,
                             std::vector<v1::RuleSet> after, int limit)
    : state_(
          std::make_unique<State>(std::move(query), std::move(after), limit)) {}

WhatIfBuilder::~WhatIfBuilder() = default;

void WhatIfBuilder::AddCase(absl::Span<const v1::Event> events) {
  State& s = *state_;
  ++s.cases_examined;
  const absl::CivilDay as_of = s.query.as_of;
  const CaseTimeline timeline = FoldTimeline(events, as_of, s.query.known_at);
  if (!Matches(s.query, timeline, DescribeOn(timeline, as_of))) return;
  ++s.cases_counted;
  const std::vector<RequirementResult> before =
      Evaluate(s.query.rule_sets, timeline, as_of, s.query.named);
  const std::vector<RequirementResult> after =
      Evaluate(s.after, timeline, as_of, s.query.named);
  s.Compare(
      timeline,
      RowsInWindow(before, timeline, s.query.from, as_of, &s.before_counts),
      RowsInWindow(after, timeline, s.query.from, as_of, &s.after_counts));
}

void WhatIfBuilder::Finish(v1::WhatIfResponse* response) const {
  const State& s = *state_;
  *response->mutable_before() = s.before_counts;
  *response->mutable_after() = s.after_counts;
  response->set_cases_changed(s.cases_changed);
  response->set_rows_changed(s.rows_changed);
  for (const auto& [case_id, change] : s.cases) {
    *response->add_cases() = change;
  }
  response->mutable_basis()->set_cases_examined(s.cases_examined);
  response->mutable_basis()->set_cases_counted(s.cases_counted);
}

}  // namespace caseline
