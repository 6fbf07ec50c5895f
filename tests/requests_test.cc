// Goal: each request becomes the query the handler asks the core, and every
// bad field is refused with INVALID_ARGUMENT naming it, before anything is
// read. Method: call the pure parsing functions with a fixed clock and a
// rule book snapshot of two rule sets; no server, no store.
#include "server/api/requests.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "projections/instants.h"
#include "projections/rule_sets.h"

namespace caseline::api {
namespace {

// 2020-06-30 12:00 UTC: the server's today is 2020-06-30.
const absl::Time kNow = absl::FromCivil(
    absl::CivilSecond(2020, 6, 30, 12, 0, 0), absl::UTCTimeZone());

v1::RuleSet RuleSet(const std::string& id, int version) {
  v1::RuleSet rule_set;
  rule_set.set_id(id);
  rule_set.set_version(version);
  return rule_set;
}

RuleBook::Snapshot TwoRuleSets() {
  RuleBook::Snapshot snapshot;
  snapshot.active = {RuleSet("dk-lab-2016", 1), RuleSet("dk-lab-2020", 2)};
  for (const v1::RuleSet& rule_set : snapshot.active) {
    v1::StoredRuleSet stored;
    *stored.mutable_rule_set() = rule_set;
    stored.set_active(true);
    snapshot.stored.push_back(stored);
  }
  return snapshot;
}

void ExpectRefused(const absl::Status& status, const std::string& message) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message(), message);
}

TEST(RequestsTest, AReportWithNothingSetIsJudgedTodayByEveryActiveRuleSet) {
  absl::StatusOr<ReportQuery> query =
      ParseReport(v1::ReportRequest(), TwoRuleSets(), kNow);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->population.as_of, absl::CivilDay(2020, 6, 30));
  EXPECT_EQ(query->population.from, absl::CivilDay(2020, 6, 30));
  EXPECT_EQ(query->population.known_at, absl::InfiniteFuture());
  ASSERT_EQ(query->population.rule_sets.size(), 2u);
  EXPECT_FALSE(query->population.named);
  EXPECT_EQ(query->waiting_limit, kWaitingListDefault);
  EXPECT_TRUE(query->group_by.empty());
}

TEST(RequestsTest, AReportNamesItsRuleSetsWindowAndGroups) {
  v1::ReportRequest request;
  request.add_rule_set_ids("dk-lab-2020");
  request.set_from("2020-01-01");
  request.set_as_of("2020-03-31");
  request.add_group_by(v1::GROUP_BY_TEAM);
  request.set_waiting_limit(7);
  absl::StatusOr<ReportQuery> query = ParseReport(request, TwoRuleSets(), kNow);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->population.from, absl::CivilDay(2020, 1, 1));
  EXPECT_EQ(query->population.as_of, absl::CivilDay(2020, 3, 31));
  ASSERT_EQ(query->population.rule_sets.size(), 1u);
  EXPECT_EQ(query->population.rule_sets[0].id(), "dk-lab-2020");
  EXPECT_TRUE(query->population.named);
  EXPECT_EQ(query->group_by, std::vector<v1::GroupBy>{v1::GROUP_BY_TEAM});
  EXPECT_EQ(query->waiting_limit, 7);
}

TEST(RequestsTest, AReportRefusesEachBadFieldByName) {
  v1::ReportRequest from_after;
  from_after.set_from("2020-07-01");
  from_after.set_as_of("2020-06-30");
  ExpectRefused(ParseReport(from_after, TwoRuleSets(), kNow).status(),
                "from: 2020-07-01 is after as_of 2020-06-30");

  v1::ReportRequest twice;
  twice.add_group_by(v1::GROUP_BY_TEAM);
  twice.add_group_by(v1::GROUP_BY_TEAM);
  ExpectRefused(ParseReport(twice, TwoRuleSets(), kNow).status(),
                "group_by[1]: GROUP_BY_TEAM is given twice");

  v1::ReportRequest bad_team;
  bad_team.mutable_filter()->add_team_ids("team\t1");
  EXPECT_EQ(ParseReport(bad_team, TwoRuleSets(), kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(
      ParseReport(bad_team, TwoRuleSets(), kNow).status().message(),
      "filter.team_ids[0]: "));

  v1::ReportRequest too_many;
  too_many.set_waiting_limit(kWaitingListMax + 1);
  ExpectRefused(ParseReport(too_many, TwoRuleSets(), kNow).status(),
                "waiting_limit: 1001 is out of range (0 for 100, at most "
                "1000)");

  v1::ReportRequest bad_date;
  bad_date.set_as_of("2020-02-30");
  EXPECT_TRUE(absl::StartsWith(
      ParseReport(bad_date, TwoRuleSets(), kNow).status().message(),
      "as_of: "));
}

// dk-lab-2020 with one requirement, as a report's cell names it.
RuleBook::Snapshot WithFirstActiveOffer() {
  RuleBook::Snapshot snapshot = TwoRuleSets();
  snapshot.active[1].add_requirements()->set_id("first-active-offer");
  return snapshot;
}

TEST(RequestsTest, AListOfCasesNamesItsCellAndPage) {
  v1::ListCasesRequest request;
  request.set_as_of("2020-03-31");
  request.set_rule_set_id("dk-lab-2020");
  request.set_requirement_id("first-active-offer");
  request.add_statuses(v1::COMPLIANCE_STATUS_OVERDUE);
  request.add_statuses(v1::COMPLIANCE_STATUS_DUE);
  request.set_page_size(20);
  request.set_after_case_id("case-17");
  *request.mutable_compare_known_at() = ToTimestamp(kNow);
  absl::StatusOr<CaseListQuery> query =
      ParseListCases(request, WithFirstActiveOffer(), kNow);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->population.as_of, absl::CivilDay(2020, 3, 31));
  EXPECT_EQ(query->population.from, absl::CivilDay(2020, 3, 31));
  EXPECT_EQ(query->options.rule_set_id, "dk-lab-2020");
  EXPECT_EQ(query->options.requirement_id, "first-active-offer");
  EXPECT_EQ(query->options.statuses,
            (std::vector<v1::ComplianceStatus>{v1::COMPLIANCE_STATUS_OVERDUE,
                                               v1::COMPLIANCE_STATUS_DUE}));
  EXPECT_EQ(query->options.compare_known_at, kNow);
  EXPECT_EQ(query->options.page_size, 20);
  EXPECT_EQ(query->options.after_case_id, "case-17");

  const absl::StatusOr<CaseListQuery> plain =
      ParseListCases(v1::ListCasesRequest(), TwoRuleSets(), kNow);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->options.page_size, kCaseListPageDefault);
  EXPECT_FALSE(plain->options.compare_known_at.has_value());
  EXPECT_TRUE(plain->options.statuses.empty());
}

TEST(RequestsTest, AListOfCasesRefusesEachBadFieldByName) {
  auto refused = [](const v1::ListCasesRequest& request) {
    return ParseListCases(request, WithFirstActiveOffer(), kNow).status();
  };
  v1::ListCasesRequest half;
  half.set_rule_set_id("dk-lab-2020");
  ExpectRefused(refused(half),
                "rule_set_id, requirement_id: give both or neither");

  v1::ListCasesRequest unknown;
  unknown.set_rule_set_id("dk-lab-2020");
  unknown.set_requirement_id("no-such-thing");
  ExpectRefused(refused(unknown),
                "requirement_id: no rule set judged by has requirement "
                "dk-lab-2020/no-such-thing");

  v1::ListCasesRequest unspecified;
  unspecified.add_statuses(v1::COMPLIANCE_STATUS_MET);
  unspecified.add_statuses(v1::COMPLIANCE_STATUS_UNSPECIFIED);
  ExpectRefused(refused(unspecified), "statuses[1]: 0 is not a status");

  v1::ListCasesRequest out_of_range;
  out_of_range.add_statuses(static_cast<v1::ComplianceStatus>(99));
  ExpectRefused(refused(out_of_range), "statuses[0]: 99 is not a status");

  v1::ListCasesRequest twice;
  twice.add_statuses(v1::COMPLIANCE_STATUS_MET);
  twice.add_statuses(v1::COMPLIANCE_STATUS_MET);
  ExpectRefused(refused(twice),
                "statuses[1]: COMPLIANCE_STATUS_MET is given twice");

  v1::ListCasesRequest big;
  big.set_page_size(kCaseListPageMax + 1);
  ExpectRefused(refused(big),
                "page_size: 501 is out of range (0 for 50, at most 500)");

  v1::ListCasesRequest bad_after;
  bad_after.set_after_case_id("case\n1");
  EXPECT_TRUE(absl::StartsWith(refused(bad_after).message(), "after_case_id: "))
      << refused(bad_after);

  v1::ListCasesRequest bad_compare;
  bad_compare.mutable_compare_known_at()->set_nanos(-1);
  EXPECT_TRUE(
      absl::StartsWith(refused(bad_compare).message(), "compare_known_at: "))
      << refused(bad_compare);

  v1::ListCasesRequest from_after;
  from_after.set_from("2020-07-01");
  from_after.set_as_of("2020-06-30");
  ExpectRefused(refused(from_after),
                "from: 2020-07-01 is after as_of 2020-06-30");
}

// Friday 2020-04-03: its 6th working day after is Thursday 2020-04-16
// (Easter's holidays skipped), the 7th Friday 04-17; its 1st Monday 04-06,
// the 2nd Tuesday 04-07.
TEST(RequestsTest, AWorklistsHorizonMayBeWorkingDays) {
  v1::WorklistRequest request;
  request.set_team_id("team-syg");
  request.set_as_of("2020-04-03");
  request.set_horizon_working_days(6);
  absl::StatusOr<WorklistQuery> query =
      ParseWorklist(request, TwoRuleSets(), kNow);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->horizon_days, 13);
  // One working day from a Friday holds the weekend and Monday.
  request.set_horizon_working_days(1);
  query = ParseWorklist(request, TwoRuleSets(), kNow);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->horizon_days, 3);

  request.set_horizon_days(14);
  ExpectRefused(ParseWorklist(request, TwoRuleSets(), kNow).status(),
                "horizon_days, horizon_working_days: give one, not both");
  request.set_horizon_days(0);
  request.set_horizon_working_days(241);
  ExpectRefused(ParseWorklist(request, TwoRuleSets(), kNow).status(),
                "horizon_working_days: 241 is out of range (0 for 14, at most "
                "240)");
  // The calendar ends with 2999: a year's working days are not counted past
  // it.
  request.set_horizon_working_days(5);
  request.set_as_of("2999-12-01");
  ExpectRefused(ParseWorklist(request, TwoRuleSets(), kNow).status(),
                "horizon_working_days: as_of 2999-12-01 is within a year of "
                "the calendar's end, 2999-12-31");
}

TEST(RequestsTest, AWorklistPagesByOffsetAndFiltersByTargetGroup) {
  v1::WorklistRequest request;
  request.set_team_id("team-syg");
  request.set_limit(100);
  request.set_offset(200);
  request.add_target_groups(v1::TARGET_GROUP_SYGEDAGPENGE);
  absl::StatusOr<WorklistQuery> query =
      ParseWorklist(request, TwoRuleSets(), kNow);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->offset, 200);
  EXPECT_EQ(query->limit, 100);
  ASSERT_EQ(query->population.filter.target_groups_size(), 1);

  request.set_offset(kWorklistMax - 99);
  ExpectRefused(ParseWorklist(request, TwoRuleSets(), kNow).status(),
                "offset: 9901 is out of range (0 to 10000 - limit 100 = "
                "9900)");
  request.set_offset(-1);
  EXPECT_TRUE(absl::StartsWith(
      ParseWorklist(request, TwoRuleSets(), kNow).status().message(),
      "offset: -1 "));
  request.set_offset(0);
  request.add_target_groups(static_cast<v1::TargetGroup>(77));
  EXPECT_TRUE(absl::StartsWith(
      ParseWorklist(request, TwoRuleSets(), kNow).status().message(),
      "target_groups[1]: "))
      << ParseWorklist(request, TwoRuleSets(), kNow).status();
}

TEST(RequestsTest, ATrendNeedsItsFirstDayAndEndsTodayByDefault) {
  v1::TrendRequest request;
  request.set_step(v1::TREND_STEP_MONTH);
  ExpectRefused(ParseTrend(request, TwoRuleSets(), kNow).status(),
                "from: is required");
  request.set_from("2020-04-30");
  absl::StatusOr<TrendQuery> query = ParseTrend(request, TwoRuleSets(), kNow);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->days,
            (std::vector<absl::CivilDay>{absl::CivilDay(2020, 4, 30),
                                         absl::CivilDay(2020, 5, 31),
                                         absl::CivilDay(2020, 6, 30)}));
}

TEST(RequestsTest, AWorklistIsForOneCaseworkerOrOneTeam) {
  v1::WorklistRequest neither;
  ExpectRefused(ParseWorklist(neither, TwoRuleSets(), kNow).status(),
                "caseworker_id, team_id: one is required");
  v1::WorklistRequest both;
  both.set_caseworker_id("cw-1");
  both.set_team_id("team-1");
  ExpectRefused(ParseWorklist(both, TwoRuleSets(), kNow).status(),
                "caseworker_id, team_id: give one, not both");

  v1::WorklistRequest team;
  team.set_team_id("team-1");
  absl::StatusOr<WorklistQuery> query =
      ParseWorklist(team, TwoRuleSets(), kNow);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->population.filter.team_ids_size(), 1);
  EXPECT_EQ(query->population.filter.jobcentre_ids_size(), 0);
  EXPECT_EQ(query->horizon_days, kWorklistHorizonDefault);
  EXPECT_EQ(query->limit, kWorklistDefault);
  EXPECT_EQ(query->population.from, query->population.as_of);
}

TEST(RequestsTest, AWorklistMayNameItsJobcentre) {
  v1::WorklistRequest request;
  request.set_team_id("team-1");
  request.set_jobcentre_id("jc-ishoej");
  absl::StatusOr<WorklistQuery> query =
      ParseWorklist(request, TwoRuleSets(), kNow);
  ASSERT_TRUE(query.ok()) << query.status();
  ASSERT_EQ(query->population.filter.jobcentre_ids_size(), 1);
  EXPECT_EQ(query->population.filter.jobcentre_ids(0), "jc-ishoej");

  request.set_jobcentre_id("jc\tishoej");
  EXPECT_TRUE(absl::StartsWith(
      ParseWorklist(request, TwoRuleSets(), kNow).status().message(),
      "jobcentre_id: "));
}

TEST(RequestsTest, AnUnknownRuleSetIsRefusedByName) {
  v1::GetComplianceRequest request;
  request.set_case_id("case-1");
  request.add_rule_set_ids("dk-lab-1999");
  absl::Status status = ParseCompliance(request, TwoRuleSets(), kNow).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(status.message(), "rule_set_ids[0]: "))
      << status;
}

TEST(RequestsTest, APerCaseAnswerNeedsACaseAndTakesKnownAt) {
  ExpectRefused(ParseTimeline(v1::GetTimelineRequest(), kNow).status(),
                "case_id: is required");
  v1::GetTimelineRequest request;
  request.set_case_id("case-1");
  *request.mutable_known_at() = ToTimestamp(kNow - absl::Hours(1));
  absl::StatusOr<CaseQuery> query = ParseTimeline(request, kNow);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->known_at, kNow - absl::Hours(1));
  EXPECT_EQ(query->as_of, absl::CivilDay(2020, 6, 30));
}

TEST(RequestsTest, SwitchesCountInAWindowThatEndsOnTo) {
  v1::GetSwitchesRequest request;
  request.set_case_id("case-1");
  request.set_from("2020-05-01");
  request.set_to("2020-04-30");
  ExpectRefused(ParseSwitches(request, kNow).status(),
                "from: 2020-05-01 is after to 2020-04-30");
  request.set_to("2020-05-31");
  absl::StatusOr<SwitchesQuery> query = ParseSwitches(request, kNow);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->from, absl::CivilDay(2020, 5, 1));
  EXPECT_EQ(query->target.as_of, absl::CivilDay(2020, 5, 31));
}

TEST(RequestsTest, AWhatIfPutsTheCandidateInItsIdsPlace) {
  v1::WhatIfRequest missing;
  ExpectRefused(ParseWhatIf(missing, TwoRuleSets(), kNow).status(),
                "candidate: is required");

  std::ifstream file(std::string(CASELINE_RULES_DIR) +
                     "/dk-lab-2020.textproto");
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<v1::RuleSet> shipped =
      ParseRuleSet(text.str(), "dk-lab-2020.textproto");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  v1::WhatIfRequest request;
  *request.mutable_candidate() = *shipped;
  request.mutable_candidate()->set_version(shipped->version() + 1);
  absl::StatusOr<WhatIfQuery> query = ParseWhatIf(request, TwoRuleSets(), kNow);
  ASSERT_TRUE(query.ok()) << query.status();
  // Before: the active rule sets; after: the candidate in dk-lab-2020's
  // place, dk-lab-2016 kept.
  ASSERT_EQ(query->population.rule_sets.size(), 2u);
  EXPECT_EQ(query->population.rule_sets[1].version(), 2);
  ASSERT_EQ(query->after.size(), 2u);
  EXPECT_EQ(query->after[0].id(), "dk-lab-2016");
  EXPECT_EQ(query->after[1].id(), "dk-lab-2020");
  EXPECT_EQ(query->after[1].version(), shipped->version() + 1);
  EXPECT_EQ(query->limit, kWhatIfCasesDefault);

  request.mutable_candidate()->set_version(0);
  EXPECT_TRUE(absl::StartsWith(
      ParseWhatIf(request, TwoRuleSets(), kNow).status().message(),
      "candidate: "));
}

}  // namespace
}  // namespace caseline::api
