#include "server/api/requests.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "projections/calendar.h"
#include "projections/dates.h"
#include "projections/event_validation.h"
#include "projections/instants.h"
#include "projections/rule_sets.h"
#include "server/api/request_fields.h"

namespace caseline::api {
namespace {

// The rule sets an answer judges by: those named, or every active one.
struct Judging {
  std::vector<v1::RuleSet> rule_sets;
  bool named = false;
};

absl::StatusOr<Judging> JudgingField(
    const RuleBook::Snapshot& rules,
    const google::protobuf::RepeatedPtrField<std::string>& ids) {
  absl::StatusOr<std::vector<v1::RuleSet>> named = RuleBook::Named(rules, ids);
  if (!named.ok()) return named.status();
  if (!named->empty()) return Judging{*std::move(named), true};
  return Judging{rules.active, false};
}

// case_id, as_of (`as_of_field`; empty: today) and known_at (unset: now).
absl::StatusOr<CaseQuery> CaseFields(
    const std::string& case_id, absl::string_view as_of_field,
    const std::string& as_of, bool has_known_at,
    const google::protobuf::Timestamp& known_at, absl::Time now) {
  if (absl::Status id = IdField("case_id", case_id); !id.ok()) return id;
  absl::StatusOr<absl::CivilDay> day =
      DateField(as_of_field, as_of, TodayUtc(now));
  if (!day.ok()) return day.status();
  absl::StatusOr<absl::Time> known = KnownAtField(has_known_at, known_at);
  if (!known.ok()) return known.status();
  return CaseQuery{case_id, *day, *known};
}

// filter, as_of (empty: today), from (empty: as_of; not after as_of) and
// known_at, judged by `judging`.
template <typename Request>
absl::StatusOr<PopulationQuery> WindowFields(const Request& request,
                                             Judging judging, absl::Time now) {
  if (absl::Status filter = CheckFilter(request.filter()); !filter.ok()) {
    return filter;
  }
  absl::StatusOr<absl::CivilDay> as_of =
      DateField("as_of", request.as_of(), TodayUtc(now));
  if (!as_of.ok()) return as_of.status();
  absl::StatusOr<absl::CivilDay> from =
      DateField("from", request.from(), *as_of);
  if (!from.ok()) return from.status();
  if (absl::Status span = CheckSpan(*from, "as_of", *as_of); !span.ok()) {
    return span;
  }
  absl::StatusOr<absl::Time> known_at =
      KnownAtField(request.has_known_at(), request.known_at());
  if (!known_at.ok()) return known_at.status();
  return PopulationQuery{
      request.filter(), *from, *as_of, *known_at, std::move(judging.rule_sets),
      judging.named};
}

// The cases a worklist is for: one caseworker's or one team's, of one
// jobcentre or of every one.
absl::StatusOr<v1::CaseFilter> WorklistFilter(
    const v1::WorklistRequest& request) {
  const bool by_caseworker = !request.caseworker_id().empty();
  const bool by_team = !request.team_id().empty();
  if (by_caseworker == by_team) {
    return absl::InvalidArgumentError(
        by_caseworker ? "caseworker_id, team_id: give one, not both"
                      : "caseworker_id, team_id: one is required");
  }
  v1::CaseFilter filter;
  if (by_caseworker) {
    if (absl::Status id = IdField("caseworker_id", request.caseworker_id());
        !id.ok()) {
      return id;
    }
    filter.add_caseworker_ids(request.caseworker_id());
  } else {
    if (absl::Status id = IdField("team_id", request.team_id()); !id.ok()) {
      return id;
    }
    filter.add_team_ids(request.team_id());
  }
  if (!request.jobcentre_id().empty()) {
    if (absl::Status id = IdField("jobcentre_id", request.jobcentre_id());
        !id.ok()) {
      return id;
    }
    filter.add_jobcentre_ids(request.jobcentre_id());
  }
  if (absl::Status groups =
          CheckTargetGroups("target_groups", request.target_groups());
      !groups.ok()) {
    return groups;
  }
  *filter.mutable_target_groups() = request.target_groups();
  return filter;
}

}  // namespace

absl::StatusOr<ComplianceQuery> ParseCompliance(
    const v1::GetComplianceRequest& request, const RuleBook::Snapshot& rules,
    absl::Time now) {
  absl::StatusOr<Judging> judging = JudgingField(rules, request.rule_set_ids());
  if (!judging.ok()) return judging.status();
  absl::StatusOr<CaseQuery> target =
      CaseFields(request.case_id(), "as_of", request.as_of(),
                 request.has_known_at(), request.known_at(), now);
  if (!target.ok()) return target.status();
  return ComplianceQuery{*std::move(target), std::move(judging->rule_sets),
                         judging->named};
}

absl::StatusOr<SwitchesQuery> ParseSwitches(
    const v1::GetSwitchesRequest& request, absl::Time now) {
  // A window open at the start reaches back before any case.
  constexpr absl::CivilDay kWindowStartDefault(1900, 1, 1);
  absl::StatusOr<absl::CivilDay> from =
      DateField("from", request.from(), kWindowStartDefault);
  if (!from.ok()) return from.status();
  // The window's end is the day judged.
  absl::StatusOr<CaseQuery> target =
      CaseFields(request.case_id(), "to", request.to(), request.has_known_at(),
                 request.known_at(), now);
  if (!target.ok()) return target.status();
  if (absl::Status span = CheckSpan(*from, "to", target->as_of); !span.ok()) {
    return span;
  }
  return SwitchesQuery{*std::move(target), *from};
}

absl::StatusOr<CaseQuery> ParseWaitingTimes(
    const v1::GetWaitingTimesRequest& request, absl::Time now) {
  return CaseFields(request.case_id(), "as_of", request.as_of(),
                    request.has_known_at(), request.known_at(), now);
}

absl::StatusOr<CaseQuery> ParseTimeline(const v1::GetTimelineRequest& request,
                                        absl::Time now) {
  return CaseFields(request.case_id(), "as_of", request.as_of(),
                    request.has_known_at(), request.known_at(), now);
}

absl::StatusOr<ReportQuery> ParseReport(const v1::ReportRequest& request,
                                        const RuleBook::Snapshot& rules,
                                        absl::Time now) {
  absl::StatusOr<Judging> judging = JudgingField(rules, request.rule_set_ids());
  if (!judging.ok()) return judging.status();
  absl::StatusOr<PopulationQuery> population =
      WindowFields(request, *std::move(judging), now);
  if (!population.ok()) return population.status();
  absl::StatusOr<std::vector<v1::GroupBy>> group_by =
      GroupByField(request.group_by());
  if (!group_by.ok()) return group_by.status();
  absl::StatusOr<int> waiting_limit =
      CountField("waiting_limit", request.waiting_limit(), kWaitingListDefault,
                 kWaitingListMax);
  if (!waiting_limit.ok()) return waiting_limit.status();
  absl::StatusOr<v1::ReportSource> source = SourceField(request.source());
  if (!source.ok()) return source.status();
  return ReportQuery{*std::move(population), *std::move(group_by),
                     *waiting_limit, *source};
}

absl::StatusOr<TrendQuery> ParseTrend(const v1::TrendRequest& request,
                                      const RuleBook::Snapshot& rules,
                                      absl::Time now) {
  absl::StatusOr<Judging> judging = JudgingField(rules, request.rule_set_ids());
  if (!judging.ok()) return judging.status();
  if (absl::Status filter = CheckFilter(request.filter()); !filter.ok()) {
    return filter;
  }
  if (request.from().empty()) {
    return absl::InvalidArgumentError("from: is required");
  }
  absl::StatusOr<absl::CivilDay> from =
      DateField("from", request.from(), TodayUtc(now));
  if (!from.ok()) return from.status();
  absl::StatusOr<absl::CivilDay> to =
      DateField("to", request.to(), TodayUtc(now));
  if (!to.ok()) return to.status();
  absl::StatusOr<std::vector<absl::CivilDay>> days =
      TrendDays(*from, *to, request.step());
  if (!days.ok()) return days.status();
  absl::StatusOr<absl::Time> known_at =
      KnownAtField(request.has_known_at(), request.known_at());
  if (!known_at.ok()) return known_at.status();
  absl::StatusOr<v1::ReportSource> source = SourceField(request.source());
  if (!source.ok()) return source.status();
  PopulationQuery population{
      request.filter(), *from, *to, *known_at, std::move(judging->rule_sets),
      judging->named};
  return TrendQuery{std::move(population), *std::move(days), *source};
}

absl::StatusOr<WorklistQuery> ParseWorklist(const v1::WorklistRequest& request,
                                            const RuleBook::Snapshot& rules,
                                            absl::Time now) {
  absl::StatusOr<Judging> judging = JudgingField(rules, request.rule_set_ids());
  if (!judging.ok()) return judging.status();
  absl::StatusOr<v1::CaseFilter> filter = WorklistFilter(request);
  if (!filter.ok()) return filter.status();
  absl::StatusOr<absl::CivilDay> as_of =
      DateField("as_of", request.as_of(), TodayUtc(now));
  if (!as_of.ok()) return as_of.status();
  absl::StatusOr<int> horizon_days =
      CountField("horizon_days", request.horizon_days(),
                 kWorklistHorizonDefault, kWorklistHorizonMax);
  if (!horizon_days.ok()) return horizon_days.status();
  if (request.horizon_working_days() != 0) {
    if (request.horizon_days() != 0) {
      return absl::InvalidArgumentError(
          "horizon_days, horizon_working_days: give one, not both");
    }
    absl::StatusOr<int> working_days =
        CountField("horizon_working_days", request.horizon_working_days(),
                   kWorklistHorizonDefault, kWorklistHorizonWorkingDaysMax);
    if (!working_days.ok()) return working_days.status();
    // Counting working days walks the calendar, which ends with
    // kCalendarYearMax.
    const absl::CivilDay calendar_end(kCalendarYearMax, 12, 31);
    if (*as_of > calendar_end - kWorklistHorizonMax) {
      return absl::InvalidArgumentError(
          absl::StrCat("horizon_working_days: as_of ", FormatDate(*as_of),
                       " is within a year of the calendar's end, ",
                       FormatDate(calendar_end)));
    }
    // Due within n working days: on or before the day before the (n+1)-th,
    // so that a deadline on the weekend after the n-th is within it.
    const absl::CivilDay last =
        NthWorkingDayAfter(*as_of, *working_days + 1) - 1;
    *horizon_days =
        std::min(static_cast<int>(last - *as_of), kWorklistHorizonMax);
  }
  absl::StatusOr<int> limit =
      CountField("limit", request.limit(), kWorklistDefault, kWorklistMax);
  if (!limit.ok()) return limit.status();
  if (request.offset() < 0 || request.offset() > kWorklistMax - *limit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "offset: ", request.offset(), " is out of range (0 to ", kWorklistMax,
        " - limit ", *limit, " = ", kWorklistMax - *limit, ")"));
  }
  absl::StatusOr<absl::Time> known_at =
      KnownAtField(request.has_known_at(), request.known_at());
  if (!known_at.ok()) return known_at.status();
  PopulationQuery population{*std::move(filter),
                             *as_of,
                             *as_of,
                             *known_at,
                             std::move(judging->rule_sets),
                             judging->named};
  return WorklistQuery{std::move(population), *horizon_days, *limit,
                       request.offset()};
}

absl::StatusOr<WhatIfQuery> ParseWhatIf(const v1::WhatIfRequest& request,
                                        const RuleBook::Snapshot& rules,
                                        absl::Time now) {
  if (!request.has_candidate()) {
    return absl::InvalidArgumentError("candidate: is required");
  }
  if (absl::Status valid = ValidateRuleSet(request.candidate()); !valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("candidate: ", valid.message()));
  }
  absl::StatusOr<PopulationQuery> population =
      WindowFields(request, Judging{rules.active, false}, now);
  if (!population.ok()) return population.status();
  absl::StatusOr<int> limit = CountField("limit", request.limit(),
                                         kWhatIfCasesDefault, kWhatIfCasesMax);
  if (!limit.ok()) return limit.status();
  return WhatIfQuery{*std::move(population),
                     WithCandidate(rules.active, request.candidate()),
                     request.candidate(), *limit};
}

absl::StatusOr<CaseListQuery> ParseListCases(
    const v1::ListCasesRequest& request, const RuleBook::Snapshot& rules,
    absl::Time now) {
  absl::StatusOr<Judging> judging = JudgingField(rules, request.rule_set_ids());
  if (!judging.ok()) return judging.status();
  CaseListOptions options;
  const bool by_rule_set = !request.rule_set_id().empty();
  if (by_rule_set != !request.requirement_id().empty()) {
    return absl::InvalidArgumentError(
        "rule_set_id, requirement_id: give both or neither");
  }
  if (by_rule_set) {
    if (absl::Status id = IdField("rule_set_id", request.rule_set_id());
        !id.ok()) {
      return id;
    }
    if (absl::Status id = IdField("requirement_id", request.requirement_id());
        !id.ok()) {
      return id;
    }
    // A requirement no rule set judged by has would list nothing, silently.
    const bool known = std::any_of(
        judging->rule_sets.begin(), judging->rule_sets.end(),
        [&](const v1::RuleSet& rule_set) {
          return rule_set.id() == request.rule_set_id() &&
                 std::any_of(rule_set.requirements().begin(),
                             rule_set.requirements().end(),
                             [&](const v1::Requirement& requirement) {
                               return requirement.id() ==
                                      request.requirement_id();
                             });
        });
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("requirement_id: no rule set judged by has requirement ",
                       request.rule_set_id(), "/", request.requirement_id()));
    }
    options.rule_set_id = request.rule_set_id();
    options.requirement_id = request.requirement_id();
  }
  for (int i = 0; i < request.statuses_size(); ++i) {
    const int status = request.statuses(i);
    if (status == v1::COMPLIANCE_STATUS_UNSPECIFIED ||
        !v1::ComplianceStatus_IsValid(status)) {
      return absl::InvalidArgumentError(
          absl::StrCat("statuses[", i, "]: ", status, " is not a status"));
    }
    const auto as_status = static_cast<v1::ComplianceStatus>(status);
    if (std::find(options.statuses.begin(), options.statuses.end(),
                  as_status) != options.statuses.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "statuses[", i, "]: ", v1::ComplianceStatus_Name(as_status),
          " is given twice"));
    }
    options.statuses.push_back(as_status);
  }
  if (request.has_compare_known_at()) {
    absl::StatusOr<absl::Time> compare =
        TimeField("compare_known_at", request.compare_known_at());
    if (!compare.ok()) return compare.status();
    options.compare_known_at = *compare;
  }
  absl::StatusOr<int> page_size = CountField(
      "page_size", request.page_size(), kCaseListPageDefault, kCaseListPageMax);
  if (!page_size.ok()) return page_size.status();
  options.page_size = *page_size;
  if (!request.after_case_id().empty()) {
    if (absl::Status id = IdField("after_case_id", request.after_case_id());
        !id.ok()) {
      return id;
    }
    options.after_case_id = request.after_case_id();
  }
  absl::StatusOr<PopulationQuery> population =
      WindowFields(request, *std::move(judging), now);
  if (!population.ok()) return population.status();
  return CaseListQuery{*std::move(population), std::move(options)};
}

absl::StatusOr<store::AccessQuery> ParseAccessLogRequest(
    const v1::ReadAccessLogRequest& request) {
  store::AccessQuery query;
  int named = 0;
  for (const auto& [field, value, target] :
       {std::tuple{"case_id", &request.case_id(), &query.case_id},
        std::tuple{"citizen_id", &request.citizen_id(), &query.citizen_id},
        std::tuple{"subject", &request.subject(), &query.subject}}) {
    if (value->empty()) continue;
    ++named;
    if (value->size() > kIdBytesMax) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": is ", value->size(), " bytes; the limit is ", kIdBytesMax));
    }
    *target = *value;
  }
  if (named > 1) {
    return absl::InvalidArgumentError(
        "case_id, citizen_id, subject: give at most one");
  }
  if (request.has_from()) {
    absl::StatusOr<absl::Time> from = TimeField("from", request.from());
    if (!from.ok()) return from.status();
    query.from = *from;
  }
  if (request.has_to()) {
    absl::StatusOr<absl::Time> to = TimeField("to", request.to());
    if (!to.ok()) return to.status();
    query.to = *to;
  }
  if (query.to < query.from) {
    return absl::InvalidArgumentError("to: is before from");
  }
  absl::StatusOr<int> limit = CountField(
      "limit", request.limit(), kAccessLogPageDefault, kAccessLogPageMax);
  if (!limit.ok()) return limit.status();
  query.limit = static_cast<size_t>(*limit);
  return query;
}

}  // namespace caseline::api
