// Goal: every Projections RPC of the real caseline-server answers as
// documented, on both time axes, and refuses bad input with the field named.
// Method: start the binary with the shipped rules on free ports, append a
// case through EventStore, and ask the Projections service about it.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "caseline/v1/projections.grpc.pb.h"
#include "gtest/gtest.h"
#include "projections/instants.h"
#include "tests/server_process.h"
#include "tests/temp_dir.h"
#include "tests/test_events.h"

namespace caseline {
namespace {

using namespace ::caseline::testing;  // NOLINT: event builders.

class ProjectionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(dir_.path());
    events_ = server_->NewStub();
    projections_ = v1::Projections::NewStub(server_->Channel());
  }

  // Appends one event to case-1 and returns when it was recorded.
  google::protobuf::Timestamp Append(v1::Event event) {
    grpc::ClientContext context;
    v1::AppendRequest request;
    request.set_case_id("case-1");
    *request.add_events() = std::move(event);
    v1::AppendResponse response;
    grpc::Status status = events_->Append(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.recorded_at();
  }

  // An a-dagpenge case of jc-brondby registered Monday 2018-08-06 by a
  // citizen aged 27, with an interview on 2018-08-22 (week 3).
  google::protobuf::Timestamp AppendCase() {
    v1::Event opened = CaseOpened("e-1", "case-1", "2018-08-06");
    opened.mutable_case_opened()->set_jobcentre_id("jc-brondby");
    const google::protobuf::Timestamp opened_at = Append(opened);
    Append(InterviewHeld("e-2", "case-1", "2018-08-22"));
    return opened_at;
  }

  v1::GetComplianceResponse Compliance(v1::GetComplianceRequest request,
                                       grpc::Status* status = nullptr) {
    grpc::ClientContext context;
    v1::GetComplianceResponse response;
    grpc::Status result =
        projections_->GetCompliance(&context, request, &response);
    if (status != nullptr) {
      *status = result;
    } else {
      EXPECT_TRUE(result.ok()) << result.error_message();
    }
    return response;
  }

  static const v1::RequirementResult* Find(
      const v1::GetComplianceResponse& response, const std::string& rule_set,
      const std::string& requirement, int nth = 0) {
    for (const v1::RequirementResult& result : response.results()) {
      if (result.rule_set_id() == rule_set &&
          result.requirement_id() == requirement && nth-- == 0) {
        return &result;
      }
    }
    return nullptr;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::EventStore::Stub> events_;
  std::unique_ptr<v1::Projections::Stub> projections_;
};

TEST_F(ProjectionsTest, ComplianceJudgesTheCaseAndStatesItsBasis) {
  AppendCase();
  v1::GetComplianceRequest request;
  request.set_case_id("case-1");
  request.set_as_of("2018-09-15");
  const v1::GetComplianceResponse response = Compliance(request);
  EXPECT_EQ(response.basis().case_id(), "case-1");
  EXPECT_EQ(response.basis().as_of(), "2018-09-15");
  EXPECT_EQ(response.basis().case_version(), 2u);
  EXPECT_EQ(response.basis().last_position(), 2u);
  EXPECT_EQ(response.basis().events_counted(), 2);

  // Week 4 ends 2018-09-02: met by the interview on 2018-08-22.
  const v1::RequirementResult* first =
      Find(response, "dk-lab-2016", "interview-schedule", 0);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->status(), v1::COMPLIANCE_STATUS_MET);
  EXPECT_EQ(first->deadline_on(), "2018-09-02");
  EXPECT_EQ(first->met_on(), "2018-08-22");
  ASSERT_EQ(first->event_ids_size(), 1);
  EXPECT_EQ(first->event_ids(0), "e-2");
  EXPECT_EQ(first->rule_set_version(), 1);
  EXPECT_FALSE(first->source().law().empty());
  // Week 8 ends 2018-09-30: still due on 2018-09-15.
  const v1::RequirementResult* second =
      Find(response, "dk-lab-2016", "interview-schedule", 1);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->status(), v1::COMPLIANCE_STATUS_DUE);
  EXPECT_EQ(second->deadline_on(), "2018-09-30");
  // Aged 27: the first offer is due by week 13, 2018-11-04.
  const v1::RequirementResult* offer =
      Find(response, "dk-lab-2016", "first-active-offer");
  ASSERT_NE(offer, nullptr);
  EXPECT_EQ(offer->status(), v1::COMPLIANCE_STATUS_DUE);
  EXPECT_EQ(offer->deadline_on(), "2018-11-04");
  // Faaborg's local targets are for Faaborg's jobcentre only.
  EXPECT_EQ(Find(response, "local-faaborg-2018", "service-call"), nullptr);
}

TEST_F(ProjectionsTest, KnownAtAnswersWithWhatWasRecordedByThen) {
  const google::protobuf::Timestamp opened_at = AppendCase();
  v1::GetComplianceRequest request;
  request.set_case_id("case-1");
  request.set_as_of("2018-09-15");
  *request.mutable_known_at() = opened_at;
  const v1::GetComplianceResponse response = Compliance(request);
  EXPECT_EQ(response.basis().case_version(), 1u);
  EXPECT_EQ(response.basis().events_counted(), 1);
  const v1::RequirementResult* first =
      Find(response, "dk-lab-2016", "interview-schedule", 0);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->status(), v1::COMPLIANCE_STATUS_OVERDUE);
}

TEST_F(ProjectionsTest, KnownAtBeforeTheCaseWasRecordedIsNotFound) {
  const google::protobuf::Timestamp opened_at = AppendCase();
  v1::GetComplianceRequest request;
  request.set_case_id("case-1");
  request.set_as_of("2018-09-15");
  *request.mutable_known_at() =
      ToTimestamp(ToTime(opened_at) - absl::Microseconds(1));
  grpc::Status status;
  Compliance(request, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(
      status.error_message(),
      absl::StrCat("case case-1 was not yet recorded at ",
                   FormatInstant(ToTime(opened_at) - absl::Microseconds(1)),
                   " (its first event was recorded at ",
                   FormatInstant(ToTime(opened_at)), ")"));
}

TEST_F(ProjectionsTest, AnAnswerWithoutRowsSaysWhy) {
  AppendCase();
  v1::GetComplianceRequest request;
  request.set_case_id("case-1");
  request.set_as_of("2018-08-01");
  const v1::GetComplianceResponse before = Compliance(request);
  EXPECT_EQ(before.results_size(), 0);
  EXPECT_EQ(before.note(), "the case had no benefit period by 2018-08-01");

  request.set_as_of("2018-09-15");
  const v1::GetComplianceResponse judged = Compliance(request);
  EXPECT_GT(judged.results_size(), 0);
  EXPECT_EQ(judged.note(), "");
}

TEST_F(ProjectionsTest, NamedRuleSetsAreUsedWhateverTheirValidity) {
  AppendCase();
  v1::GetComplianceRequest request;
  request.set_case_id("case-1");
  request.set_as_of("2018-09-15");
  request.add_rule_set_ids("local-faaborg-2018");
  const v1::GetComplianceResponse response = Compliance(request);
  // Within 14 days of 2018-08-06, and no service call yet: overdue.
  const v1::RequirementResult* call =
      Find(response, "local-faaborg-2018", "service-call");
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->status(), v1::COMPLIANCE_STATUS_OVERDUE);
  EXPECT_EQ(call->deadline_on(), "2018-08-20");
  EXPECT_EQ(Find(response, "dk-lab-2016", "interview-schedule"), nullptr);

  request.add_rule_set_ids("dk-lab-1999");
  grpc::Status status;
  Compliance(request, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "rule_set_ids[1]: dk-lab-1999 is not a stored rule set (stored: "
            "dk-lab-2016, dk-lab-2020, dk-lab-2024, dk-lab-2026, "
            "local-faaborg-2018, local-middelfart-2020, star-followup-2023, "
            "star-recovery)");
}

TEST_F(ProjectionsTest, BadRequestsNameTheField) {
  AppendCase();
  grpc::Status status;
  v1::GetComplianceRequest request;
  Compliance(request, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "case_id: is required");

  request.set_case_id("case-404");
  Compliance(request, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "case case-404 not found");

  request.set_case_id("case-1");
  request.set_as_of("2018-02-30");
  Compliance(request, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "as_of: 2018-02-30 is not a date (want YYYY-MM-DD)");

  request.set_as_of("2018-09-15");
  request.mutable_known_at()->set_nanos(-1);
  Compliance(request, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "known_at: seconds 0 and nanos -1 are not a valid instant");

  grpc::ClientContext context;
  v1::GetSwitchesRequest switches;
  switches.set_case_id("case-1");
  switches.set_from("2019-01-01");
  switches.set_to("2018-01-01");
  v1::GetSwitchesResponse ignored;
  status = projections_->GetSwitches(&context, switches, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "from: 2019-01-01 is after to 2018-01-01");
}

TEST_F(ProjectionsTest, AsOfBeforeTheCaseBeganIsAnsweredNotRefused) {
  AppendCase();
  v1::GetComplianceRequest request;
  request.set_case_id("case-1");
  request.set_as_of("2018-01-01");
  const v1::GetComplianceResponse response = Compliance(request);
  EXPECT_EQ(response.results_size(), 0);
  EXPECT_EQ(response.basis().events_counted(), 0);
}

TEST_F(ProjectionsTest, SwitchesWaitingTimesAndTimeline) {
  AppendCase();
  Append(CaseworkerChanged("e-3", "case-1", "2018-09-03", "cw-2"));
  v1::Event planned = CaseworkerChanged("e-4", "case-1", "2018-10-01", "cw-3");
  planned.mutable_caseworker_changed()->set_reason(
      v1::CASEWORKER_CHANGE_REASON_PLANNED);
  Append(planned);
  Append(ReferralMade("e-5", "case-1", "2018-09-10", "r-1"));
  {
    grpc::ClientContext context;
    v1::GetSwitchesRequest request;
    request.set_case_id("case-1");
    request.set_from("2018-09-01");
    request.set_to("2018-09-30");
    v1::GetSwitchesResponse response;
    ASSERT_TRUE(projections_->GetSwitches(&context, request, &response).ok());
    EXPECT_EQ(response.planned(), 0);
    EXPECT_EQ(response.unplanned(), 1);
    ASSERT_EQ(response.switches_size(), 1);
    EXPECT_EQ(response.switches(0).from_caseworker_id(), "cw-1");
    EXPECT_EQ(response.switches(0).to_caseworker_id(), "cw-2");
    EXPECT_EQ(response.switches(0).on(), "2018-09-03");
  }
  {
    grpc::ClientContext context;
    v1::GetWaitingTimesRequest request;
    request.set_case_id("case-1");
    request.set_as_of("2018-10-01");
    v1::GetWaitingTimesResponse response;
    ASSERT_TRUE(
        projections_->GetWaitingTimes(&context, request, &response).ok());
    ASSERT_EQ(response.referrals_size(), 1);
    EXPECT_EQ(response.referrals(0).state(), v1::WAIT_STATE_WAITING);
    EXPECT_EQ(response.referrals(0).days(), 21);
    EXPECT_EQ(response.days_to_first_interview(), 16);
    EXPECT_FALSE(response.has_days_to_first_offer());
  }
  {
    grpc::ClientContext context;
    v1::GetTimelineRequest request;
    request.set_case_id("case-1");
    request.set_as_of("2018-09-20");
    v1::GetTimelineResponse response;
    ASSERT_TRUE(projections_->GetTimeline(&context, request, &response).ok());
    ASSERT_EQ(response.periods_size(), 1);
    EXPECT_EQ(response.periods(0).anchor_on(), "2018-08-06");
    EXPECT_EQ(response.jobcentre_id(), "jc-brondby");
    EXPECT_EQ(response.interviews_size(), 1);
    // The planned change of 2018-10-01 lies after as_of.
    EXPECT_EQ(response.assignments_size(), 2);
    EXPECT_EQ(response.referrals_size(), 1);
  }
}

google::protobuf::Timestamp Utc(int y, int m, int d) {
  return ToTimestamp(absl::FromCivil(absl::CivilSecond(y, m, d, 12, 0, 0),
                                     absl::UTCTimeZone()));
}

// History moved in from another case system keeps when each action was
// registered there, so an audit of a past day answers as it would have then.
TEST_F(ProjectionsTest, ImportedHistoryIsAuditedAsKnownThen) {
  auto admin = v1::Admin::NewStub(server_->Channel());
  grpc::ClientContext context;
  auto stream = admin->ImportHistory(&context);
  // Registered 2018-08-20 (week 4 ends 2018-09-16); an interview held on
  // 2018-09-10 but registered only on 2018-10-15.
  v1::Event opened = CaseOpened("h-1", "case-h", "2018-08-20");
  opened.mutable_case_opened()->set_jobcentre_id("jc-brondby");
  *opened.mutable_recorded_at() = Utc(2018, 8, 20);
  v1::Event late = InterviewHeld("h-2", "case-h", "2018-09-10");
  *late.mutable_recorded_at() = Utc(2018, 10, 15);
  v1::Event earlier = InterviewHeld("h-3", "case-h", "2018-09-12");
  *earlier.mutable_recorded_at() = Utc(2018, 9, 12);
  std::vector<v1::AppendRequest> requests(3);
  for (size_t i = 0; i < requests.size(); ++i) {
    requests[i].set_case_id("case-h");
    requests[i].set_correlation_id(absl::StrCat(i + 1));
  }
  *requests[0].add_events() = opened;
  *requests[1].add_events() = late;
  *requests[2].add_events() = earlier;  // Registered before the log's last.
  for (const v1::AppendRequest& request : requests) {
    ASSERT_TRUE(stream->Write(request));
  }
  stream->WritesDone();
  std::vector<v1::AppendResponse> responses;
  v1::AppendResponse response;
  while (stream->Read(&response)) responses.push_back(response);
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(responses.size(), 3u);
  EXPECT_EQ(responses[0].status_code(), 0);
  EXPECT_EQ(responses[1].status_code(), 0);
  EXPECT_EQ(responses[2].status_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(responses[2].status_message(),
            "events[0].recorded_at: 2018-09-12T12:00:00Z is before the log's "
            "last recorded_at 2018-10-15T12:00:00Z; history is imported in "
            "the order it was registered, before live appends");

  v1::GetComplianceRequest request;
  request.set_case_id("case-h");
  request.set_as_of("2018-09-30");
  *request.mutable_known_at() = Utc(2018, 10, 1);
  const v1::GetComplianceResponse then = Compliance(request);
  const v1::RequirementResult* first =
      Find(then, "dk-lab-2016", "interview-schedule", 0);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->deadline_on(), "2018-09-16");
  EXPECT_EQ(first->status(), v1::COMPLIANCE_STATUS_OVERDUE);
  *request.mutable_known_at() = Utc(2018, 10, 16);
  const v1::GetComplianceResponse later = Compliance(request);
  first = Find(later, "dk-lab-2016", "interview-schedule", 0);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->status(), v1::COMPLIANCE_STATUS_MET);
  EXPECT_EQ(first->met_on(), "2018-09-10");
}

// A server that stored dk-lab-2020 version 1 (open-ended) judged periods
// anchored from 2024 by the law of 2020. Started with the shipped rules, it
// stores version 2 (ending 2023-12-31) and dk-lab-2024, and judges the same
// case by the law of 2024 at once, with nothing to rebuild.
TEST_F(ProjectionsTest, AnUpgradeJudgesPeriodsFrom2024ByTheLawOf2024) {
  TempDir old_rules;
  for (const auto& entry :
       std::filesystem::directory_iterator(CASELINE_RULES_DIR)) {
    const std::string name = entry.path().filename().string();
    if (name == "dk-lab-2024.textproto" || name == "dk-lab-2026.textproto") {
      continue;
    }
    std::ifstream in(entry.path());
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    if (name == "dk-lab-2020.textproto") {
      text = absl::StrReplaceAll(text, {{"version: 2", "version: 1"},
                                        {"valid_to: \"2023-12-31\"\n", ""}});
    }
    std::ofstream(old_rules.path() + "/" + name) << text;
  }
  // A data directory of its own: the fixture's server stored the shipped
  // rules in dir_ already.
  TempDir data;
  auto restart = [&](const std::string& rules_dir) {
    server_.reset();
    server_ =
        std::make_unique<ServerProcess>(data.path(), "127.0.0.1:0", rules_dir);
    events_ = server_->NewStub();
    projections_ = v1::Projections::NewStub(server_->Channel());
  };
  restart(old_rules.path());
  // Registered Monday 2024-01-08; asked on 2024-03-01.
  Append(CaseOpened("e-1", "case-1", "2024-01-08"));
  v1::GetComplianceRequest request;
  request.set_case_id("case-1");
  request.set_as_of("2024-03-01");
  v1::GetComplianceResponse before = Compliance(request);
  const v1::RequirementResult* old_count =
      Find(before, "dk-lab-2020", "a-dagpenge-interview-count");
  ASSERT_NE(old_count, nullptr);
  EXPECT_EQ(old_count->rule_set_version(), 1);
  EXPECT_EQ(Find(before, "dk-lab-2024", "a-kasse-first-interview"), nullptr);

  restart(CASELINE_RULES_DIR);
  v1::GetComplianceResponse after = Compliance(request);
  EXPECT_EQ(Find(after, "dk-lab-2020", "a-dagpenge-interview-count"), nullptr);
  // The a-kasse's first interview was due by 2024-01-21.
  const v1::RequirementResult* first =
      Find(after, "dk-lab-2024", "a-kasse-first-interview");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->status(), v1::COMPLIANCE_STATUS_OVERDUE);
  EXPECT_EQ(first->deadline_on(), "2024-01-21");

  grpc::ClientContext context;
  v1::ListRuleSetsResponse list;
  ASSERT_TRUE(
      projections_->ListRuleSets(&context, v1::ListRuleSetsRequest(), &list)
          .ok());
  int lab_2020_versions = 0;
  for (const v1::StoredRuleSet& stored : list.stored()) {
    if (stored.rule_set().id() != "dk-lab-2020") continue;
    ++lab_2020_versions;
    EXPECT_EQ(stored.active(), stored.rule_set().version() == 2);
  }
  EXPECT_EQ(lab_2020_versions, 2);
}

TEST_F(ProjectionsTest, ListRuleSetsShowsTheLoadedRuleSets) {
  grpc::ClientContext context;
  v1::ListRuleSetsResponse response;
  ASSERT_TRUE(
      projections_->ListRuleSets(&context, v1::ListRuleSetsRequest(), &response)
          .ok());
  // Stored by id, then version.
  ASSERT_EQ(response.rule_sets_size(), 8);
  EXPECT_EQ(response.rule_sets(0).id(), "dk-lab-2016");
  EXPECT_EQ(response.rule_sets(2).id(), "dk-lab-2024");
  EXPECT_EQ(response.rule_sets(3).id(), "dk-lab-2026");
  EXPECT_EQ(response.rule_sets(5).id(), "local-middelfart-2020");
  EXPECT_EQ(response.rule_sets(6).id(), "star-followup-2023");
  EXPECT_EQ(response.rule_sets(7).id(), "star-recovery");
  ASSERT_EQ(response.stored_size(), 8);
  for (const v1::StoredRuleSet& stored : response.stored()) {
    EXPECT_TRUE(stored.active()) << stored.rule_set().id();
    EXPECT_GT(stored.stored_at().seconds(), 0);
  }
}

}  // namespace
}  // namespace caseline
