// Goal: the population answers (Report, Trend, Worklist), the rule set
// admin (PutRuleSet, ListRuleSets) and the projection admin (Rebuild,
// WhatIf) of the real caseline-server answer as documented: the same from
// the materialization as from the log, on both time axes; a rebuild under
// live appends and queries loses nothing and switches atomically; stored
// rule set versions never change; bad input is refused with the field
// named and changes nothing.
// Method: start the binary with the shipped rules on free ports, import a
// generated population through Admin.ImportHistory (keeping its recording
// times), and ask.
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "caseline/v1/caseline.grpc.pb.h"
#include "caseline/v1/projections.grpc.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "projections/population.h"
#include "server/api/requests.h"
#include "server/api/rule_book.h"
#include "server/rule_files.h"
#include "tests/server_process.h"
#include "tests/temp_dir.h"
#include "tests/test_events.h"
#include "tests/test_population.h"
#include "tools/generate.h"

namespace caseline {
namespace {

using namespace ::caseline::testing;  // NOLINT: event builders.
using google::protobuf::util::MessageDifferencer;

// A small generated population: two jobcentres over eighteen months.
GenerateOptions PopulationOptions() {
  GenerateOptions options;
  options.seed = 11;
  options.jobcentres = 2;
  options.cases = 300;
  options.from = absl::CivilDay(2019, 1, 1);
  options.to = absl::CivilDay(2020, 6, 30);
  return options;
}

class ReportsTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }

  void Start() {
    server_ = std::make_unique<ServerProcess>(dir_.path());
    events_ = server_->NewStub();
    admin_ = v1::Admin::NewStub(server_->Channel());
    projections_ = v1::Projections::NewStub(server_->Channel());
  }

  // Imports the generated population, one request per event; returns the
  // events in the order sent.
  std::vector<v1::Event> ImportPopulation(
      const GenerateOptions& options = PopulationOptions()) {
    return ImportGenerated(*server_, /*token=*/"", options);
  }

  v1::ReportResponse Report(const v1::ReportRequest& request,
                            grpc::Status* status = nullptr) {
    grpc::ClientContext context;
    v1::ReportResponse response;
    const grpc::Status result =
        projections_->Report(&context, request, &response);
    if (status != nullptr) {
      *status = result;
    } else {
      EXPECT_TRUE(result.ok()) << result.error_message();
    }
    return response;
  }

  // The report of 2020-03-31 over the first quarter, by jobcentre.
  static v1::ReportRequest QuarterRequest() {
    v1::ReportRequest request;
    request.set_as_of("2020-03-31");
    request.set_from("2020-01-01");
    request.add_group_by(v1::GROUP_BY_JOBCENTRE);
    return request;
  }

  // Two answers agree on everything but where they were read from.
  template <typename Response>
  static void ExpectSameAnswer(Response a, Response b) {
    for (Response* r : {&a, &b}) {
      r->mutable_basis()->clear_source();
      r->mutable_basis()->clear_projection_version();
      r->mutable_basis()->clear_note();
    }
    std::string difference;
    MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&difference);
    EXPECT_TRUE(differencer.Compare(a, b)) << difference;
  }

  void ExpectRefused(const v1::ReportRequest& request,
                     const std::string& field) {
    grpc::Status status;
    Report(request, &status);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_EQ(status.error_message().rfind(field, 0), 0u)
        << status.error_message();
  }

  v1::ListRuleSetsResponse RuleSets() {
    grpc::ClientContext context;
    v1::ListRuleSetsResponse response;
    EXPECT_TRUE(
        projections_
            ->ListRuleSets(&context, v1::ListRuleSetsRequest(), &response)
            .ok());
    return response;
  }

  const v1::StoredRuleSet* Stored(const v1::ListRuleSetsResponse& list,
                                  const std::string& id, int version) {
    for (const v1::StoredRuleSet& stored : list.stored()) {
      if (stored.rule_set().id() == id &&
          stored.rule_set().version() == version) {
        return &stored;
      }
    }
    return nullptr;
  }

  grpc::Status Put(const v1::RuleSet& rule_set,
                   v1::PutRuleSetResponse* response) {
    grpc::ClientContext context;
    v1::PutRuleSetRequest request;
    *request.mutable_rule_set() = rule_set;
    return admin_->PutRuleSet(&context, request, response);
  }

  // Appends a new case of jobcentre jc-live; true when acknowledged.
  bool AppendLiveCase(const std::string& case_id) {
    v1::Event opened = CaseOpened(case_id + "-e1", case_id, "2020-06-01");
    opened.mutable_case_opened()->set_jobcentre_id("jc-live");
    v1::AppendRequest request;
    request.set_case_id(case_id);
    *request.add_events() = opened;
    *request.add_events() =
        InterviewHeld(case_id + "-e2", case_id, "2020-06-03");
    grpc::ClientContext context;
    v1::AppendResponse response;
    return events_->Append(&context, request, &response).ok();
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::EventStore::Stub> events_;
  std::unique_ptr<v1::Admin::Stub> admin_;
  std::unique_ptr<v1::Projections::Stub> projections_;
};

TEST_F(ReportsTest, ReportIsTheSameFromTheMaterializationAndFromTheLog) {
  const std::vector<v1::Event> events = ImportPopulation();
  v1::ReportRequest request = QuarterRequest();
  const v1::ReportResponse materialized = Report(request);
  EXPECT_EQ(materialized.basis().source(), v1::REPORT_SOURCE_MATERIALIZED);
  EXPECT_GE(materialized.basis().projection_version(), 1u);
  EXPECT_EQ(materialized.basis().last_position(), events.size());
  EXPECT_GT(materialized.basis().cases_counted(), 50);
  EXPECT_EQ(materialized.groups_size(), 2);
  EXPECT_FALSE(materialized.basis().rule_sets().empty());

  request.set_source(v1::REPORT_SOURCE_LOG);
  const v1::ReportResponse from_log = Report(request);
  EXPECT_EQ(from_log.basis().source(), v1::REPORT_SOURCE_LOG);
  // "Now" is stated as the last event's recorded_at: the same for both.
  ExpectSameAnswer(materialized, from_log);
  // Same known_at for both: the stated one of the first.
  request.set_source(v1::REPORT_SOURCE_MATERIALIZED);
  *request.mutable_known_at() = materialized.basis().known_at();
  const v1::ReportResponse again = Report(request);
  EXPECT_EQ(again.basis().source(), v1::REPORT_SOURCE_MATERIALIZED);
  request.set_source(v1::REPORT_SOURCE_LOG);
  ExpectSameAnswer(again, Report(request));

  // As known halfway through the import: fewer events, the same answer from
  // either source.
  *request.mutable_known_at() = events[events.size() / 2].recorded_at();
  request.add_group_by(v1::GROUP_BY_REQUIREMENT);
  request.set_source(v1::REPORT_SOURCE_LOG);
  const v1::ReportResponse half_log = Report(request);
  request.set_source(v1::REPORT_SOURCE_MATERIALIZED);
  const v1::ReportResponse half = Report(request);
  EXPECT_EQ(half.basis().source(), v1::REPORT_SOURCE_MATERIALIZED);
  EXPECT_EQ(half_log.basis().source(), v1::REPORT_SOURCE_LOG);
  ExpectSameAnswer(half, half_log);
  EXPECT_NE(half.basis().cases_counted(), again.basis().cases_counted());
}

TEST_F(ReportsTest, TrendAndWorklistAreTheSameFromEitherSource) {
  const std::vector<v1::Event> events = ImportPopulation();
  v1::TrendRequest trend;
  trend.set_from("2019-07-01");
  trend.set_to("2020-06-30");
  trend.set_step(v1::TREND_STEP_MONTH);
  grpc::ClientContext context;
  v1::TrendResponse materialized;
  ASSERT_TRUE(projections_->Trend(&context, trend, &materialized).ok());
  ASSERT_EQ(materialized.points_size(), 12);
  EXPECT_EQ(materialized.basis().source(), v1::REPORT_SOURCE_MATERIALIZED);
  EXPECT_EQ(materialized.points(0).on(), "2019-07-31");
  EXPECT_EQ(materialized.points(11).on(), "2020-06-30");
  EXPECT_GT(materialized.points(11).open_cases(), 0);
  *trend.mutable_known_at() = materialized.basis().known_at();
  trend.set_source(v1::REPORT_SOURCE_LOG);
  grpc::ClientContext log_context;
  v1::TrendResponse from_log;
  ASSERT_TRUE(projections_->Trend(&log_context, trend, &from_log).ok());
  EXPECT_EQ(from_log.basis().source(), v1::REPORT_SOURCE_LOG);
  ExpectSameAnswer(materialized, from_log);

  // The worklist of a caseworker who holds cases at the end.
  std::string caseworker;
  for (const v1::Event& event : events) {
    if (event.has_case_opened())
      caseworker = event.case_opened().caseworker_id();
  }
  ASSERT_FALSE(caseworker.empty());
  v1::WorklistRequest worklist;
  worklist.set_caseworker_id(caseworker);
  worklist.set_as_of("2020-06-30");
  worklist.set_horizon_days(30);
  grpc::ClientContext worklist_context;
  v1::WorklistResponse items;
  ASSERT_TRUE(projections_->Worklist(&worklist_context, worklist, &items).ok());
  EXPECT_GT(items.basis().cases_counted(), 0);
  for (int i = 0; i < items.items_size(); ++i) {
    const v1::WorklistItem& item = items.items(i);
    EXPECT_EQ(item.caseworker_id(), caseworker);
    EXPECT_TRUE(item.status() == v1::COMPLIANCE_STATUS_OVERDUE ||
                item.status() == v1::COMPLIANCE_STATUS_DUE);
    EXPECT_LE(item.days_left(), 30);
    if (i > 0) {
      EXPECT_LE(items.items(i - 1).deadline_on(), item.deadline_on());
    }
  }
}

// Answers about one jobcentre, team or caseworker read only the cases the
// case index lists for them, and answer exactly as a fold of the whole
// population does: worklists of every team of every jobcentre and of every
// caseworker, as known now and halfway through the import, against the
// same builder fed every case in this process; reports of each jobcentre
// and of a team in it against the log.
TEST_F(ReportsTest, AnswersAboutATeamOrCaseworkerReadOnlyItsCasesAndAgree) {
  std::vector<v1::Event> events = ImportPopulation();
  // Positions and case versions as the server gave them, in import order.
  std::map<std::string, std::vector<v1::Event>> cases;
  std::set<std::pair<std::string, std::string>> teams;  // (jobcentre, team)
  std::set<std::string> caseworkers;
  std::map<std::string, std::string> jobcentre_of;
  for (size_t i = 0; i < events.size(); ++i) {
    v1::Event& event = events[i];
    std::vector<v1::Event>& of_case = cases[event.case_id()];
    event.set_position(i + 1);
    event.set_case_version(of_case.size() + 1);
    of_case.push_back(event);
    if (event.has_case_opened()) {
      jobcentre_of[event.case_id()] = event.case_opened().jobcentre_id();
    }
    const std::string& jobcentre = jobcentre_of[event.case_id()];
    if (event.has_case_opened()) {
      teams.emplace(jobcentre, event.case_opened().team_id());
      caseworkers.insert(event.case_opened().caseworker_id());
    } else if (event.has_caseworker_changed()) {
      teams.emplace(jobcentre, event.caseworker_changed().team_id());
      caseworkers.insert(event.caseworker_changed().caseworker_id());
    }
  }
  ASSERT_GE(teams.size(), 4u);
  ASSERT_GE(caseworkers.size(), 6u);
  absl::StatusOr<std::vector<v1::RuleSet>> files =
      LoadRuleSets(CASELINE_RULES_DIR);
  ASSERT_TRUE(files.ok()) << files.status();
  api::RuleBook::Snapshot rules;
  rules.active = *files;
  const absl::Time now = absl::Now();

  auto expect_worklist = [&](v1::WorklistRequest request,
                             const std::string& what) {
    grpc::ClientContext context;
    v1::WorklistResponse served;
    ASSERT_TRUE(projections_->Worklist(&context, request, &served).ok())
        << what;
    absl::StatusOr<api::WorklistQuery> query =
        api::ParseWorklist(request, rules, now);
    ASSERT_TRUE(query.ok()) << what << ": " << query.status();
    WorklistBuilder builder(query->population, query->horizon_days,
                            query->limit);
    for (const auto& [case_id, of_case] : cases) builder.AddCase(of_case);
    v1::WorklistResponse folded;
    builder.Finish(&folded);
    EXPECT_EQ(folded.basis().cases_examined(),
              static_cast<int64_t>(cases.size()));
    EXPECT_GT(served.basis().cases_examined(), 0) << what;
    EXPECT_LT(served.basis().cases_examined(), cases.size()) << what;
    EXPECT_EQ(served.basis().cases_counted(), folded.basis().cases_counted())
        << what;
    EXPECT_EQ(served.total(), folded.total()) << what;
    std::string difference;
    MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&difference);
    differencer.set_repeated_field_comparison(MessageDifferencer::AS_LIST);
    v1::WorklistResponse served_items, folded_items;
    *served_items.mutable_items() = served.items();
    *folded_items.mutable_items() = folded.items();
    EXPECT_TRUE(differencer.Compare(served_items, folded_items))
        << what << ": " << difference;
  };
  int with_items = 0;
  const google::protobuf::Timestamp halfway =
      events[events.size() / 2].recorded_at();
  for (const bool half : {false, true}) {
    for (const auto& [jobcentre, team] : teams) {
      v1::WorklistRequest request;
      request.set_team_id(team);
      request.set_jobcentre_id(jobcentre);
      request.set_as_of("2020-03-31");
      request.set_horizon_days(60);
      if (half) *request.mutable_known_at() = halfway;
      expect_worklist(request, absl::StrCat(team, " of ", jobcentre));
    }
    for (const std::string& caseworker : caseworkers) {
      v1::WorklistRequest request;
      request.set_caseworker_id(caseworker);
      request.set_as_of("2020-06-30");
      request.set_horizon_days(30);
      if (half) *request.mutable_known_at() = halfway;
      expect_worklist(request, caseworker);
      grpc::ClientContext context;
      v1::WorklistResponse served;
      ASSERT_TRUE(projections_->Worklist(&context, request, &served).ok());
      if (served.items_size() > 0) ++with_items;
    }
  }
  EXPECT_GT(with_items, 0) << "no worklist had an item: nothing was compared";

  // Reports of one jobcentre, and of a team in it: from the index, as from
  // the log.
  for (const auto& [jobcentre, team] : teams) {
    v1::ReportRequest request = QuarterRequest();
    request.mutable_filter()->add_jobcentre_ids(jobcentre);
    request.add_group_by(v1::GROUP_BY_TEAM);
    v1::ReportResponse indexed = Report(request);
    EXPECT_LT(indexed.basis().cases_examined(), cases.size());
    *request.mutable_known_at() = indexed.basis().known_at();
    request.set_source(v1::REPORT_SOURCE_LOG);
    v1::ReportResponse from_log = Report(request);
    EXPECT_EQ(from_log.basis().cases_examined(), cases.size());
    for (v1::ReportResponse* r : {&indexed, &from_log}) {
      r->mutable_basis()->clear_cases_examined();
    }
    ExpectSameAnswer(indexed, from_log);
    request.mutable_filter()->add_team_ids(team);
    request.clear_source();
    indexed = Report(request);
    request.set_source(v1::REPORT_SOURCE_LOG);
    from_log = Report(request);
    for (v1::ReportResponse* r : {&indexed, &from_log}) {
      r->mutable_basis()->clear_cases_examined();
    }
    ExpectSameAnswer(indexed, from_log);
  }
}

// STAR's follow-up judges every case of a report's jobcentres, whatever
// its team filter: a report or trend about one team in 2025 reads the
// jobcentre's cases (not only the team's) and answers as the log does,
// follow-up included.
TEST_F(ReportsTest, ATeamsReportStillJudgesItsWholeJobcentreForTheFollowUp) {
  GenerateOptions options = PopulationOptions();
  options.from = absl::CivilDay(2024, 1, 1);
  options.to = absl::CivilDay(2025, 6, 30);
  const std::vector<v1::Event> events = ImportPopulation(options);
  std::string jobcentre, team;
  for (const v1::Event& event : events) {
    if (event.has_case_opened()) {
      jobcentre = event.case_opened().jobcentre_id();
      team = event.case_opened().team_id();
    }
  }
  v1::ReportRequest request;
  request.set_as_of("2025-06-30");
  request.mutable_filter()->add_jobcentre_ids(jobcentre);
  request.mutable_filter()->add_team_ids(team);
  v1::ReportResponse indexed = Report(request);
  ASSERT_GT(indexed.monitors_size(), 0) << "no follow-up: nothing is tested";
  EXPECT_GT(indexed.basis().cases_examined(), indexed.basis().cases_counted());
  *request.mutable_known_at() = indexed.basis().known_at();
  request.set_source(v1::REPORT_SOURCE_LOG);
  v1::ReportResponse from_log = Report(request);
  for (v1::ReportResponse* r : {&indexed, &from_log}) {
    r->mutable_basis()->clear_cases_examined();
  }
  ExpectSameAnswer(indexed, from_log);

  v1::TrendRequest trend;
  trend.set_from("2024-07-01");
  trend.set_to("2025-06-30");
  trend.set_step(v1::TREND_STEP_MONTH);
  *trend.mutable_filter() = request.filter();
  *trend.mutable_known_at() = indexed.basis().known_at();
  v1::TrendResponse trend_indexed, trend_log;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(projections_->Trend(&context, trend, &trend_indexed).ok());
  }
  ASSERT_GT(trend_indexed.monitors_size(), 0);
  trend.set_source(v1::REPORT_SOURCE_LOG);
  {
    grpc::ClientContext context;
    ASSERT_TRUE(projections_->Trend(&context, trend, &trend_log).ok());
  }
  EXPECT_LT(trend_indexed.basis().cases_examined(),
            trend_log.basis().cases_examined());
  for (v1::TrendResponse* r : {&trend_indexed, &trend_log}) {
    r->mutable_basis()->clear_cases_examined();
  }
  ExpectSameAnswer(trend_indexed, trend_log);
}

TEST_F(ReportsTest, BadPopulationRequestsAreRefusedNamingTheField) {
  v1::ReportRequest request;
  request.set_as_of("2020-02-30");
  ExpectRefused(request, "as_of:");
  request = QuarterRequest();
  request.set_from("2020-04-01");
  ExpectRefused(request, "from:");
  request = QuarterRequest();
  request.add_group_by(v1::GROUP_BY_JOBCENTRE);
  ExpectRefused(request, "group_by[1]:");
  request = QuarterRequest();
  request.mutable_filter()->add_team_ids(std::string(200, 't'));
  ExpectRefused(request, "filter.team_ids[0]:");
  request = QuarterRequest();
  request.mutable_filter()->add_target_groups(v1::TARGET_GROUP_UNSPECIFIED);
  ExpectRefused(request, "filter.target_groups[0]:");
  request = QuarterRequest();
  request.set_waiting_limit(5000);
  ExpectRefused(request, "waiting_limit:");
  request = QuarterRequest();
  request.add_rule_set_ids("no-such-rules");
  ExpectRefused(request, "rule_set_ids[0]:");
  // Named twice, a rule set would be counted twice.
  request = QuarterRequest();
  request.add_rule_set_ids("dk-lab-2020");
  request.add_rule_set_ids("dk-lab-2020");
  ExpectRefused(request, "rule_set_ids[1]:");
  // Beyond the years the holiday calendar covers.
  request = QuarterRequest();
  request.set_as_of("9999-12-31");
  ExpectRefused(request, "as_of:");

  v1::WorklistRequest worklist;
  grpc::ClientContext context;
  v1::WorklistResponse items;
  grpc::Status status = projections_->Worklist(&context, worklist, &items);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "caseworker_id, team_id: one is required");

  v1::TrendRequest trend;
  trend.set_from("2019-01-01");
  trend.set_to("2020-01-01");
  grpc::ClientContext trend_context;
  v1::TrendResponse points;
  status = projections_->Trend(&trend_context, trend, &points);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("step:", 0), 0u)
      << status.error_message();
}

TEST_F(ReportsTest, StoredRuleSetVersionsNeverChange) {
  v1::ListRuleSetsResponse list = RuleSets();
  const v1::StoredRuleSet* shipped = Stored(list, "dk-lab-2024", 1);
  ASSERT_NE(shipped, nullptr);
  EXPECT_TRUE(shipped->active());
  EXPECT_FALSE(shipped->origin().empty());

  // Version 1 again with other content: refused, nothing changes.
  v1::RuleSet changed = shipped->rule_set();
  changed.set_title("Edited without a new version");
  v1::PutRuleSetResponse response;
  grpc::Status status = Put(changed, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_NE(status.error_message().find("never changes"), std::string::npos)
      << status.error_message();
  // The same content again: a no-op.
  ASSERT_TRUE(Put(shipped->rule_set(), &response).ok());
  EXPECT_TRUE(response.already_stored());
  // An invalid rule set: refused with the field, nothing stored.
  v1::RuleSet invalid = shipped->rule_set();
  invalid.set_version(2);
  invalid.clear_requirements();
  status = Put(invalid, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("rule_set: ", 0), 0u)
      << status.error_message();
  EXPECT_EQ(Stored(RuleSets(), "dk-lab-2024", 2), nullptr);

  // Version 2: stored and active; version 1 stays, inactive.
  v1::RuleSet second = shipped->rule_set();
  second.set_version(2);
  second.set_title("Statutory deadlines from 2024, second version");
  ASSERT_TRUE(Put(second, &response).ok());
  EXPECT_FALSE(response.already_stored());
  list = RuleSets();
  ASSERT_NE(Stored(list, "dk-lab-2024", 2), nullptr);
  EXPECT_TRUE(Stored(list, "dk-lab-2024", 2)->active());
  EXPECT_FALSE(Stored(list, "dk-lab-2024", 1)->active());
  // Older than the newest: refused.
  v1::RuleSet older = second;
  older.set_version(1);
  older.set_title("Another first version");
  status = Put(older, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);

  // Kept across a restart, even though the rules directory still holds
  // version 1.
  server_.reset();
  Start();
  list = RuleSets();
  ASSERT_NE(Stored(list, "dk-lab-2024", 2), nullptr);
  EXPECT_TRUE(Stored(list, "dk-lab-2024", 2)->active());
  EXPECT_EQ(Stored(list, "dk-lab-2024", 2)->rule_set().title(), second.title());
}

TEST_F(ReportsTest, WhatIfShowsWhatACandidateWouldChange) {
  ImportPopulation();
  v1::ListRuleSetsResponse list = RuleSets();
  const v1::StoredRuleSet* active = Stored(list, "dk-lab-2020", 2);
  ASSERT_NE(active, nullptr);

  v1::WhatIfRequest request;
  request.set_as_of("2020-06-30");
  request.set_from("2020-01-01");
  *request.mutable_candidate() = active->rule_set();
  request.mutable_candidate()->set_version(3);
  {
    // The same rules under a new version change nothing.
    grpc::ClientContext context;
    v1::WhatIfResponse response;
    ASSERT_TRUE(admin_->WhatIf(&context, request, &response).ok());
    EXPECT_EQ(response.cases_changed(), 0);
    EXPECT_EQ(response.rows_changed(), 0);
    EXPECT_TRUE(
        MessageDifferencer::Equals(response.before(), response.after()));
    EXPECT_GT(response.before().met() + response.before().overdue(), 0);
  }
  // Every plain deadline cut to one unit: some rows change, and nothing is
  // stored.
  for (v1::Requirement& requirement :
       *request.mutable_candidate()->mutable_requirements()) {
    if (requirement.has_deadline() && requirement.deadline().has_within() &&
        requirement.deadline().within().count() > 1) {
      requirement.mutable_deadline()->mutable_within()->set_count(1);
    }
  }
  grpc::ClientContext context;
  v1::WhatIfResponse response;
  ASSERT_TRUE(admin_->WhatIf(&context, request, &response).ok());
  EXPECT_GT(response.cases_changed(), 0);
  EXPECT_GE(response.rows_changed(), response.cases_changed());
  EXPECT_EQ(response.candidate().version(), 3);
  EXPECT_LE(response.cases_size(), 100);
  EXPECT_EQ(Stored(RuleSets(), "dk-lab-2020", 3), nullptr);

  // An invalid candidate is refused with the field named.
  request.mutable_candidate()->clear_title();
  grpc::ClientContext bad_context;
  const grpc::Status status = admin_->WhatIf(&bad_context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("candidate: ", 0), 0u)
      << status.error_message();
}

TEST_F(ReportsTest, RebuildUnderAppendsAndQueriesLosesNothing) {
  ImportPopulation();
  v1::ReportResponse before = Report(QuarterRequest());
  const uint32_t old_version = before.basis().projection_version();

  // Live appends of new jc-live cases and reports, all through the rebuild.
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::atomic<int> reports{0};
  std::atomic<int> failures{0};
  std::thread appender([&] {
    for (int i = 0; !stop; ++i) {
      if (AppendLiveCase(absl::StrCat("live-", i))) ++acknowledged;
    }
  });
  std::thread asker([&] {
    auto stub = v1::Projections::NewStub(server_->Channel());
    while (!stop) {
      const int acknowledged_before = acknowledged;
      v1::ReportRequest request;
      request.set_as_of("2020-06-30");
      request.mutable_filter()->add_jobcentre_ids("jc-live");
      grpc::ClientContext context;
      v1::ReportResponse response;
      if (!stub->Report(&context, request, &response).ok()) {
        ++failures;
        continue;
      }
      // Every case acknowledged before the question counts in the answer,
      // whichever projection answered.
      const uint32_t version = response.basis().projection_version();
      if (response.basis().cases_counted() < acknowledged_before ||
          (version != old_version && version != old_version + 1 &&
           response.basis().source() == v1::REPORT_SOURCE_MATERIALIZED)) {
        ++failures;
      }
      ++reports;
    }
  });

  grpc::ClientContext context;
  auto stream = admin_->Rebuild(&context, v1::RebuildRequest());
  v1::RebuildProgress progress;
  std::vector<v1::RebuildProgress> messages;
  while (stream->Read(&progress)) messages.push_back(progress);
  const grpc::Status status = stream->Finish();
  stop = true;
  appender.join();
  asker.join();
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.back().phase(), v1::RebuildProgress::PHASE_SWITCHED);
  EXPECT_EQ(messages.back().projection_version(), old_version + 1);
  EXPECT_GT(reports.load(), 0);
  EXPECT_EQ(failures.load(), 0);

  // After the switch: the new projection answers, with every live case, as
  // the log does.
  v1::ReportRequest request;
  request.set_as_of("2020-06-30");
  request.mutable_filter()->add_jobcentre_ids("jc-live");
  v1::ReportResponse after = Report(request);
  EXPECT_EQ(after.basis().projection_version(), old_version + 1);
  EXPECT_EQ(after.basis().cases_counted(), acknowledged.load());
  // The new version's case index lists exactly the live cases for jc-live.
  EXPECT_EQ(after.basis().cases_examined(), acknowledged.load());
  *request.mutable_known_at() = after.basis().known_at();
  request.set_source(v1::REPORT_SOURCE_LOG);
  v1::ReportResponse from_log = Report(request);
  EXPECT_GT(from_log.basis().cases_examined(), acknowledged.load());
  after.mutable_basis()->clear_cases_examined();
  from_log.mutable_basis()->clear_cases_examined();
  ExpectSameAnswer(after, from_log);
  // The old answer, asked again as known then, from the new projection:
  // the same groups, though more of the log was read.
  v1::ReportRequest quarter = QuarterRequest();
  *quarter.mutable_known_at() = before.basis().known_at();
  v1::ReportResponse again = Report(quarter);
  EXPECT_GT(again.basis().last_position(), before.basis().last_position());
  for (v1::ReportResponse* r : {&again, &before}) {
    r->mutable_basis()->clear_last_position();
    r->mutable_basis()->clear_cases_examined();
  }
  ExpectSameAnswer(before, again);
}

}  // namespace
}  // namespace caseline
