// Goal: who may see what, end to end. Each role's token against each RPC,
// for a case in its jobcentres and one outside them, gets exactly the code
// the policy gives; a case outside is answered as an unknown case is;
// population answers cover only the caller's jobcentres; recorded_by is the
// token's sub. Method: the real caseline-server with --auth-keys, a key and
// tokens made here as an identity provider would make them, and gRPC.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "caseline/v1/caseline.grpc.pb.h"
#include "caseline/v1/projections.grpc.pb.h"
#include "gtest/gtest.h"
#include "server/auth/signing.h"
#include "tests/cli_testing.h"
#include "tests/http_get.h"
#include "tests/server_process.h"
#include "tests/temp_dir.h"
#include "tests/test_events.h"
#include "tests/test_issuer.h"

namespace caseline {
namespace {

using namespace ::caseline::testing;  // NOLINT: event builders.
using grpc::StatusCode;

// The scoped tokens' jobcentre; the other cases are jc-middelfart's.
constexpr char kMine[] = "jc-aarhus";

v1::Event OpenedIn(const std::string& case_id, const std::string& jobcentre) {
  v1::Event opened = CaseOpened(case_id + "-e1", case_id);
  opened.mutable_case_opened()->set_jobcentre_id(jobcentre);
  return opened;
}

// Public: the table of calls below reaches into it.
class AccessTest : public ::testing::Test {
 public:
  // The issuer's keys, and a directory for backups (Backup is admin's).
  std::vector<std::string> ServerArgs() const {
    std::vector<std::string> args = issuer_.ServerArgs();
    args.push_back("--backup-dir");
    args.push_back(dir_.path() + "/backups");
    return args;
  }

  void SetUp() override {
    StartServer();
    for (const char* role : {"recorder", "caseworker", "analyst"}) {
      tokens_[role] = Token(absl::StrCat("user-", role), {role}, {kMine});
    }
    tokens_["admin"] = Token("user-admin", {"admin"}, {});
    tokens_["none"] = "";
    // case-in is jc-aarhus's, case-out jc-middelfart's.
    for (const auto& [case_id, jobcentre] : std::map<std::string, std::string>{
             {"case-in", kMine}, {"case-out", "jc-middelfart"}}) {
      v1::AppendRequest request;
      request.set_case_id(case_id);
      *request.add_events() = OpenedIn(case_id, jobcentre);
      *request.add_events() =
          InterviewHeld(case_id + "-e2", case_id, "2018-08-20");
      grpc::ClientContext context;
      Authorize(context, "admin");
      v1::AppendResponse response;
      ASSERT_TRUE(events_->Append(&context, request, &response).ok());
    }
  }

  std::string Token(const std::string& subject, std::vector<std::string> roles,
                    std::vector<std::string> jobcentres) {
    return issuer_.Token(subject, std::move(roles),
                         jobcentres.empty() ? std::vector<std::string>{"*"}
                                            : std::move(jobcentres));
  }

  void StartServer() {
    server_ = std::make_unique<ServerProcess>(
        dir_.path() + "/data", "127.0.0.1:0", CASELINE_RULES_DIR, ServerArgs());
    events_ = v1::EventStore::NewStub(server_->Channel());
    projections_ = v1::Projections::NewStub(server_->Channel());
    admin_ = v1::Admin::NewStub(server_->Channel());
  }

  // The access log entries an admin reads for `request`.
  std::vector<v1::AccessEntry> AccessLog(v1::ReadAccessLogRequest request) {
    grpc::ClientContext context;
    Authorize(context, "admin");
    v1::ReadAccessLogResponse response;
    const grpc::Status status =
        admin_->ReadAccessLog(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.entries().begin(), response.entries().end()};
  }

  void Authorize(grpc::ClientContext& context, const std::string& who) {
    const std::string& token = tokens_.at(who);
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  }

  TempDir dir_;
  TestIssuer issuer_{dir_.path() + "/jwks.json"};
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::EventStore::Stub> events_;
  std::unique_ptr<v1::Projections::Stub> projections_;
  std::unique_ptr<v1::Admin::Stub> admin_;
  std::map<std::string, std::string> tokens_;
  int appended_ = 0;
};

// One call of each RPC as `who`, about `case_id` where it takes a case.
using Call = std::function<grpc::Status(AccessTest&, const std::string& who,
                                        const std::string& case_id)>;

struct Row {
  std::string rpc;
  Call call;
  bool per_case;
};

template <typename Request, typename Response, typename Stub, typename Method>
grpc::Status Unary(AccessTest& test, Stub& stub, Method method,
                   const std::string& who, const Request& request) {
  grpc::ClientContext context;
  test.Authorize(context, who);
  Response response;
  return (stub.*method)(&context, request, &response);
}

std::vector<Row> Rows() {
  std::vector<Row> rows;
  rows.push_back(
      {"Append",
       [](AccessTest& t, const std::string& who, const std::string& case_id) {
         v1::AppendRequest request;
         request.set_case_id(case_id);
         *request.add_events() =
             InterviewHeld(absl::StrCat(case_id, "-", who, "-", ++t.appended_),
                           case_id, "2018-09-03");
         return Unary<v1::AppendRequest, v1::AppendResponse>(
             t, *t.events_, &v1::EventStore::Stub::Append, who, request);
       },
       true});
  rows.push_back(
      {"BulkAppend",
       [](AccessTest& t, const std::string& who, const std::string& case_id) {
         grpc::ClientContext context;
         t.Authorize(context, who);
         auto stream = t.events_->BulkAppend(&context);
         v1::BulkAppendRequest message;
         v1::AppendRequest* request = message.add_appends();
         request->set_case_id(case_id);
         *request->add_events() = InterviewHeld(
             absl::StrCat(case_id, "-bulk-", who, "-", ++t.appended_), case_id,
             "2018-09-03");
         stream->Write(message);
         stream->WritesDone();
         // The stream's status when it was refused; else the append's own.
         v1::BulkAppendResponse response;
         grpc::Status answered;
         while (stream->Read(&response)) {
           const v1::AppendResponse& answer = response.answers(0);
           answered =
               grpc::Status(static_cast<grpc::StatusCode>(answer.status_code()),
                            answer.status_message());
         }
         const grpc::Status ended = stream->Finish();
         return ended.ok() ? answered : ended;
       },
       true});
  rows.push_back(
      {"ReadCase",
       [](AccessTest& t, const std::string& who, const std::string& case_id) {
         v1::ReadCaseRequest request;
         request.set_case_id(case_id);
         return Unary<v1::ReadCaseRequest, v1::ReadCaseResponse>(
             t, *t.events_, &v1::EventStore::Stub::ReadCase, who, request);
       },
       true});
  rows.push_back(
      {"GetCompliance",
       [](AccessTest& t, const std::string& who, const std::string& case_id) {
         v1::GetComplianceRequest request;
         request.set_case_id(case_id);
         request.set_as_of("2019-01-01");
         return Unary<v1::GetComplianceRequest, v1::GetComplianceResponse>(
             t, *t.projections_, &v1::Projections::Stub::GetCompliance, who,
             request);
       },
       true});
  rows.push_back(
      {"GetSwitches",
       [](AccessTest& t, const std::string& who, const std::string& case_id) {
         v1::GetSwitchesRequest request;
         request.set_case_id(case_id);
         request.set_to("2019-01-01");
         return Unary<v1::GetSwitchesRequest, v1::GetSwitchesResponse>(
             t, *t.projections_, &v1::Projections::Stub::GetSwitches, who,
             request);
       },
       true});
  rows.push_back(
      {"GetWaitingTimes",
       [](AccessTest& t, const std::string& who, const std::string& case_id) {
         v1::GetWaitingTimesRequest request;
         request.set_case_id(case_id);
         request.set_as_of("2019-01-01");
         return Unary<v1::GetWaitingTimesRequest, v1::GetWaitingTimesResponse>(
             t, *t.projections_, &v1::Projections::Stub::GetWaitingTimes, who,
             request);
       },
       true});
  rows.push_back(
      {"GetTimeline",
       [](AccessTest& t, const std::string& who, const std::string& case_id) {
         v1::GetTimelineRequest request;
         request.set_case_id(case_id);
         request.set_as_of("2019-01-01");
         return Unary<v1::GetTimelineRequest, v1::GetTimelineResponse>(
             t, *t.projections_, &v1::Projections::Stub::GetTimeline, who,
             request);
       },
       true});
  rows.push_back(
      {"Worklist",
       [](AccessTest& t, const std::string& who, const std::string&) {
         v1::WorklistRequest request;
         request.set_caseworker_id("cw-1");
         request.set_as_of("2018-09-01");
         return Unary<v1::WorklistRequest, v1::WorklistResponse>(
             t, *t.projections_, &v1::Projections::Stub::Worklist, who,
             request);
       },
       false});
  rows.push_back(
      {"Backup",
       [](AccessTest& t, const std::string& who, const std::string&) {
         return Unary<v1::BackupRequest, v1::BackupResponse>(
             t, *t.admin_, &v1::Admin::Stub::Backup, who, v1::BackupRequest());
       },
       false});
  rows.push_back(
      {"ListCases",
       [](AccessTest& t, const std::string& who, const std::string&) {
         v1::ListCasesRequest request;
         request.set_as_of("2019-01-01");
         return Unary<v1::ListCasesRequest, v1::ListCasesResponse>(
             t, *t.projections_, &v1::Projections::Stub::ListCases, who,
             request);
       },
       false});
  rows.push_back(
      {"Report",
       [](AccessTest& t, const std::string& who, const std::string&) {
         v1::ReportRequest request;
         request.set_as_of("2019-01-01");
         return Unary<v1::ReportRequest, v1::ReportResponse>(
             t, *t.projections_, &v1::Projections::Stub::Report, who, request);
       },
       false});
  rows.push_back(
      {"Trend",
       [](AccessTest& t, const std::string& who, const std::string&) {
         v1::TrendRequest request;
         request.set_from("2018-08-01");
         request.set_to("2018-12-31");
         request.set_step(v1::TREND_STEP_MONTH);
         return Unary<v1::TrendRequest, v1::TrendResponse>(
             t, *t.projections_, &v1::Projections::Stub::Trend, who, request);
       },
       false});
  rows.push_back(
      {"ListRuleSets",
       [](AccessTest& t, const std::string& who, const std::string&) {
         return Unary<v1::ListRuleSetsRequest, v1::ListRuleSetsResponse>(
             t, *t.projections_, &v1::Projections::Stub::ListRuleSets, who,
             v1::ListRuleSetsRequest());
       },
       false});
  rows.push_back(
      {"WhatIf",
       [](AccessTest& t, const std::string& who, const std::string&) {
         v1::ListRuleSetsResponse stored;
         grpc::ClientContext context;
         t.Authorize(context, "admin");
         EXPECT_TRUE(t.projections_->ListRuleSets(&context, {}, &stored).ok());
         v1::WhatIfRequest request;
         *request.mutable_candidate() = stored.rule_sets(0);
         request.set_as_of("2019-01-01");
         return Unary<v1::WhatIfRequest, v1::WhatIfResponse>(
             t, *t.admin_, &v1::Admin::Stub::WhatIf, who, request);
       },
       false});
  rows.push_back(
      {"ReadAll",
       [](AccessTest& t, const std::string& who, const std::string&) {
         return Unary<v1::ReadAllRequest, v1::ReadAllResponse>(
             t, *t.events_, &v1::EventStore::Stub::ReadAll, who,
             v1::ReadAllRequest());
       },
       false});
  rows.push_back(
      {"GetProjectionStatus",
       [](AccessTest& t, const std::string& who, const std::string&) {
         return Unary<v1::GetProjectionStatusRequest,
                      v1::GetProjectionStatusResponse>(
             t, *t.admin_, &v1::Admin::Stub::GetProjectionStatus, who,
             v1::GetProjectionStatusRequest());
       },
       false});
  rows.push_back(
      {"PutRuleSet",
       [](AccessTest& t, const std::string& who, const std::string&) {
         v1::ListRuleSetsResponse stored;
         grpc::ClientContext context;
         t.Authorize(context, "admin");
         EXPECT_TRUE(t.projections_->ListRuleSets(&context, {}, &stored).ok());
         v1::PutRuleSetRequest request;
         // Stored already: an admin's put is answered, not written.
         *request.mutable_rule_set() = stored.rule_sets(0);
         return Unary<v1::PutRuleSetRequest, v1::PutRuleSetResponse>(
             t, *t.admin_, &v1::Admin::Stub::PutRuleSet, who, request);
       },
       false});
  rows.push_back(
      {"ReadAccessLog",
       [](AccessTest& t, const std::string& who, const std::string&) {
         v1::ReadAccessLogRequest request;
         request.set_case_id("case-in");
         return Unary<v1::ReadAccessLogRequest, v1::ReadAccessLogResponse>(
             t, *t.admin_, &v1::Admin::Stub::ReadAccessLog, who, request);
       },
       false});
  rows.push_back(
      {"Subscribe",
       [](AccessTest& t, const std::string& who, const std::string&) {
         grpc::ClientContext context;
         t.Authorize(context, who);
         context.set_deadline(std::chrono::system_clock::now() +
                              std::chrono::seconds(5));
         auto reader = t.events_->Subscribe(&context, v1::SubscribeRequest());
         v1::Event event;
         if (reader->Read(&event)) {
           context.TryCancel();
           reader->Finish().IgnoreError();
           return grpc::Status::OK;
         }
         return reader->Finish();
       },
       false});
  rows.push_back(
      {"ImportHistory",
       [](AccessTest& t, const std::string& who, const std::string&) {
         grpc::ClientContext context;
         t.Authorize(context, who);
         auto stream = t.admin_->ImportHistory(&context);
         stream->WritesDone();
         v1::AppendResponse ignored;
         while (stream->Read(&ignored)) {
         }
         return stream->Finish();
       },
       false});
  rows.push_back(
      {"BulkImportHistory",
       [](AccessTest& t, const std::string& who, const std::string&) {
         grpc::ClientContext context;
         t.Authorize(context, who);
         auto stream = t.admin_->BulkImportHistory(&context);
         stream->WritesDone();
         v1::BulkAppendResponse ignored;
         while (stream->Read(&ignored)) {
         }
         return stream->Finish();
       },
       false});
  rows.push_back(
      {"Rebuild",
       [](AccessTest& t, const std::string& who, const std::string&) {
         grpc::ClientContext context;
         t.Authorize(context, who);
         auto reader = t.admin_->Rebuild(&context, v1::RebuildRequest());
         v1::RebuildProgress progress;
         while (reader->Read(&progress)) {
         }
         return reader->Finish();
       },
       false});
  return rows;
}

// What the policy says each role gets.
StatusCode Expected(const std::string& rpc, const std::string& who,
                    const std::string& case_id) {
  if (who == "none") return StatusCode::UNAUTHENTICATED;
  const std::map<std::string, std::set<std::string>> may = {
      {"Append", {"recorder", "admin"}},
      {"BulkAppend", {"recorder", "admin"}},
      {"ReadCase", {"caseworker", "analyst", "admin"}},
      {"GetCompliance", {"caseworker", "analyst", "admin"}},
      {"GetSwitches", {"caseworker", "analyst", "admin"}},
      {"GetWaitingTimes", {"caseworker", "analyst", "admin"}},
      {"GetTimeline", {"caseworker", "analyst", "admin"}},
      {"Worklist", {"caseworker", "analyst", "admin"}},
      {"Report", {"analyst", "admin"}},
      {"ListCases", {"analyst", "admin"}},
      {"Trend", {"analyst", "admin"}},
      {"WhatIf", {"analyst", "admin"}},
      {"ListRuleSets", {"recorder", "caseworker", "analyst", "admin"}},
      {"ReadAll", {"admin"}},
      {"Subscribe", {"admin"}},
      {"GetProjectionStatus", {"admin"}},
      {"PutRuleSet", {"admin"}},
      {"ImportHistory", {"admin"}},
      {"BulkImportHistory", {"admin"}},
      {"Rebuild", {"admin"}},
      {"ReadAccessLog", {"admin"}},
      {"Backup", {"admin"}},
  };
  if (!may.at(rpc).contains(who)) return StatusCode::PERMISSION_DENIED;
  if (case_id != "case-out" || who == "admin") return StatusCode::OK;
  // Appends name their case; reads of it answer as for an unknown case.
  return rpc == "Append" || rpc == "BulkAppend" ? StatusCode::PERMISSION_DENIED
                                                : StatusCode::NOT_FOUND;
}

TEST_F(AccessTest, EachRoleGetsExactlyWhatThePolicyGivesInAndOutOfScope) {
  for (const Row& row : Rows()) {
    for (const std::string who :
         {"none", "recorder", "caseworker", "analyst", "admin"}) {
      for (const std::string case_id : {"case-in", "case-out"}) {
        if (!row.per_case && case_id == "case-out") continue;
        const grpc::Status status = row.call(*this, who, case_id);
        EXPECT_EQ(status.error_code(), Expected(row.rpc, who, case_id))
            << row.rpc << " as " << who << " on " << case_id << ": "
            << status.error_message();
      }
    }
  }
  // Every answered call that uses citizens' data is in the access log.
  std::set<std::string> answered;
  for (const v1::AccessEntry& entry : AccessLog({})) {
    if (entry.outcome() == "OK") answered.insert(entry.rpc());
  }
  for (const Row& row : Rows()) {
    if (row.rpc == "ListRuleSets" || row.rpc == "GetProjectionStatus") {
      continue;  // No personal data: not logged.
    }
    EXPECT_TRUE(answered.contains(row.rpc)) << row.rpc;
  }
}

TEST_F(AccessTest, ACaseOutsideTheCallersJobcentresIsAnsweredAsAnUnknownOne) {
  for (const Row& row : Rows()) {
    // Appends name their case, and are refused outright.
    if (!row.per_case || row.rpc == "Append" || row.rpc == "BulkAppend") {
      continue;
    }
    const grpc::Status outside = row.call(*this, "caseworker", "case-out");
    const grpc::Status unknown = row.call(*this, "caseworker", "case-out-x");
    const grpc::Status admin_unknown = row.call(*this, "admin", "case-out");
    EXPECT_EQ(outside.error_code(), StatusCode::NOT_FOUND) << row.rpc;
    EXPECT_EQ(outside.error_message(), "case case-out not found") << row.rpc;
    EXPECT_EQ(unknown.error_code(), StatusCode::NOT_FOUND) << row.rpc;
    EXPECT_EQ(unknown.error_message(), "case case-out-x not found") << row.rpc;
    EXPECT_TRUE(admin_unknown.ok()) << row.rpc;
  }
}

TEST_F(AccessTest, PopulationAnswersCoverOnlyTheCallersJobcentres) {
  v1::ReportRequest request;
  request.set_as_of("2019-01-01");
  {
    grpc::ClientContext context;
    Authorize(context, "analyst");
    v1::ReportResponse mine;
    ASSERT_TRUE(projections_->Report(&context, request, &mine).ok());
    EXPECT_EQ(mine.basis().cases_counted(), 1);
  }
  {
    grpc::ClientContext context;
    Authorize(context, "admin");
    v1::ReportResponse all;
    ASSERT_TRUE(projections_->Report(&context, request, &all).ok());
    EXPECT_EQ(all.basis().cases_counted(), 2);
  }
  request.mutable_filter()->add_jobcentre_ids(kMine);
  request.mutable_filter()->add_jobcentre_ids("jc-middelfart");
  grpc::ClientContext context;
  Authorize(context, "analyst");
  v1::ReportResponse refused;
  const grpc::Status status = projections_->Report(&context, request, &refused);
  EXPECT_EQ(status.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "filter.jobcentre_ids[1]: jc-middelfart is not one of your "
            "jobcentres");
}

TEST_F(AccessTest, AWorklistNamesOnlyTheCallersJobcentresCases) {
  v1::WorklistRequest request;
  request.set_caseworker_id("cw-1");
  request.set_as_of("2018-08-10");
  request.set_horizon_days(366);
  grpc::ClientContext context;
  Authorize(context, "caseworker");
  v1::WorklistResponse response;
  ASSERT_TRUE(projections_->Worklist(&context, request, &response).ok());
  ASSERT_GT(response.items_size(), 0);
  for (const v1::WorklistItem& item : response.items()) {
    EXPECT_EQ(item.case_id(), "case-in");
    EXPECT_EQ(item.jobcentre_id(), kMine);
  }
  request.set_jobcentre_id("jc-middelfart");
  grpc::ClientContext other;
  Authorize(other, "caseworker");
  EXPECT_EQ(projections_->Worklist(&other, request, &response).error_code(),
            StatusCode::PERMISSION_DENIED);
}

TEST_F(AccessTest, ARecorderOpensCasesOnlyInItsJobcentresAndIsRecordedBy) {
  v1::AppendRequest request;
  request.set_case_id("case-new");
  *request.add_events() = OpenedIn("case-new", "jc-middelfart");
  {
    grpc::ClientContext context;
    Authorize(context, "recorder");
    v1::AppendResponse response;
    const grpc::Status status = events_->Append(&context, request, &response);
    EXPECT_EQ(status.error_code(), StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(status.error_message(),
              "events[0].case_opened.jobcentre_id: jc-middelfart is not one "
              "of your jobcentres");
  }
  *request.mutable_events(0) = OpenedIn("case-new", kMine);
  // A client's recorded_by is not taken: the token's sub is.
  request.mutable_events(0)->set_recorded_by("someone-else");
  {
    grpc::ClientContext context;
    Authorize(context, "recorder");
    v1::AppendResponse response;
    ASSERT_TRUE(events_->Append(&context, request, &response).ok());
  }
  grpc::ClientContext context;
  Authorize(context, "admin");
  v1::ReadCaseRequest read;
  read.set_case_id("case-new");
  v1::ReadCaseResponse page;
  ASSERT_TRUE(events_->ReadCase(&context, read, &page).ok());
  ASSERT_EQ(page.events_size(), 1);
  EXPECT_EQ(page.events(0).recorded_by(), "user-recorder");
}

TEST_F(AccessTest, ARecorderStreamsANewCaseEventByEventWithoutWaiting) {
  grpc::ClientContext context;
  Authorize(context, "recorder");
  auto stream = events_->BatchAppend(&context);
  v1::AppendRequest opened;
  opened.set_case_id("case-streamed");
  *opened.add_events() = OpenedIn("case-streamed", kMine);
  v1::AppendRequest interview;
  interview.set_case_id("case-streamed");
  *interview.add_events() =
      InterviewHeld("case-streamed-e2", "case-streamed", "2018-08-20");
  // Both sent before either is answered: the second is read before the
  // case is stored.
  ASSERT_TRUE(stream->Write(opened));
  ASSERT_TRUE(stream->Write(interview));
  stream->WritesDone();
  std::vector<int> codes;
  v1::AppendResponse response;
  while (stream->Read(&response)) codes.push_back(response.status_code());
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(codes, (std::vector<int>{0, 0}));
  v1::ReadAccessLogRequest by_citizen;
  by_citizen.set_citizen_id("citizen-case-streamed");
  EXPECT_EQ(AccessLog(by_citizen).size(), 2u);
}

TEST_F(AccessTest, ABulkAppendIsLoggedOncePerOutcomeNamingEachCitizen) {
  grpc::ClientContext context;
  Authorize(context, "recorder");
  auto stream = events_->BulkAppend(&context);
  v1::BulkAppendRequest message;
  // A new case of the caller's jobcentre, an event of it in the same
  // message (its case not stored yet when read), and a case outside.
  v1::AppendRequest* opened = message.add_appends();
  opened->set_case_id("case-bulk");
  *opened->add_events() = OpenedIn("case-bulk", kMine);
  v1::AppendRequest* interview = message.add_appends();
  interview->set_case_id("case-bulk");
  *interview->add_events() =
      InterviewHeld("case-bulk-e2", "case-bulk", "2018-08-20");
  v1::AppendRequest* outside = message.add_appends();
  outside->set_case_id("case-out");
  *outside->add_events() =
      InterviewHeld("case-out-bulk", "case-out", "2018-08-20");
  ASSERT_TRUE(stream->Write(message));
  stream->WritesDone();
  std::vector<int> codes;
  v1::BulkAppendResponse response;
  while (stream->Read(&response)) {
    for (const v1::AppendResponse& answer : response.answers()) {
      codes.push_back(answer.status_code());
    }
  }
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(codes, (std::vector<int>{0, 0, StatusCode::PERMISSION_DENIED}));
  v1::ReadAccessLogRequest by_citizen;
  by_citizen.set_citizen_id("citizen-case-bulk");
  const std::vector<v1::AccessEntry> stored = AccessLog(by_citizen);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].rpc(), "BulkAppend");
  EXPECT_EQ(stored[0].outcome(), "OK");
  EXPECT_EQ(std::vector<std::string>(stored[0].case_ids().begin(),
                                     stored[0].case_ids().end()),
            std::vector<std::string>{"case-bulk"});
  v1::ReadAccessLogRequest by_case;
  by_case.set_case_id("case-out");
  bool refusal_logged = false;
  for (const v1::AccessEntry& entry : AccessLog(by_case)) {
    refusal_logged = refusal_logged || (entry.rpc() == "BulkAppend" &&
                                        entry.outcome() == "PERMISSION_DENIED");
  }
  EXPECT_TRUE(refusal_logged);
}

TEST_F(AccessTest, BatchAppendAnswersEachRequestOutOfScopeWithItsRefusal) {
  grpc::ClientContext context;
  Authorize(context, "recorder");
  auto stream = events_->BatchAppend(&context);
  for (const std::string case_id : {"case-in", "case-out", "case-in"}) {
    v1::AppendRequest request;
    request.set_case_id(case_id);
    request.set_correlation_id(case_id);
    *request.add_events() = InterviewHeld(
        absl::StrCat(case_id, "-batch-", ++appended_), case_id, "2018-09-10");
    ASSERT_TRUE(stream->Write(request));
  }
  stream->WritesDone();
  std::vector<int> codes;
  v1::AppendResponse response;
  while (stream->Read(&response)) codes.push_back(response.status_code());
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(codes, (std::vector<int>{0, StatusCode::PERMISSION_DENIED, 0}));
}

TEST_F(AccessTest, RefusalsAreCountedOnMetricsWithoutAnyToken) {
  for (const std::string who : {"none", "recorder"}) {
    grpc::ClientContext context;
    Authorize(context, who);
    v1::ReadAllResponse response;
    events_->ReadAll(&context, {}, &response).IgnoreError();
  }
  const std::string metrics = HttpGet(server_->http_port(), "/metrics");
  EXPECT_NE(metrics.find("caseline_auth_failures_total 1\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("caseline_access_denied_total 1\n"),
            std::string::npos);
  for (const auto& [who, token] : tokens_) {
    if (!token.empty()) {
      EXPECT_EQ(metrics.find(token.substr(0, 40)), std::string::npos);
    }
  }
}

TEST_F(AccessTest, KeysRotateOnSighup) {
  absl::StatusOr<auth::SigningKey> next =
      auth::GenerateSigningKey(auth::Algorithm::kRs256, "test-2");
  ASSERT_TRUE(next.ok());
  const std::string old_token = tokens_.at("admin");
  issuer_.key = *next;
  const std::string new_token = Token("user-admin", {"admin"}, {});
  auto status_with = [&](const std::string& token) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    v1::GetProjectionStatusResponse response;
    return admin_->GetProjectionStatus(&context, {}, &response).error_code();
  };
  EXPECT_EQ(status_with(old_token), StatusCode::OK);
  EXPECT_EQ(status_with(new_token), StatusCode::UNAUTHENTICATED);

  absl::StatusOr<std::string> jwks = auth::PublicJwks({issuer_.key});
  ASSERT_TRUE(jwks.ok());
  WriteFile(issuer_.jwks_path, *jwks);
  kill(server_->pid(), SIGHUP);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (status_with(new_token) != StatusCode::OK && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(status_with(new_token), StatusCode::OK);
  EXPECT_EQ(status_with(old_token), StatusCode::UNAUTHENTICATED);
}

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& ids) {
  return absl::StrJoin(ids, ",");
}

TEST_F(AccessTest, EachUseOfACitizensDataIsLoggedWithWhoWhatAndWhy) {
  {
    grpc::ClientContext context;
    Authorize(context, "caseworker");
    context.AddMetadata("x-caseline-purpose", "opfoelgning");
    v1::GetComplianceRequest request;
    request.set_case_id("case-in");
    request.set_as_of("2019-01-01");
    v1::GetComplianceResponse response;
    ASSERT_TRUE(projections_->GetCompliance(&context, request, &response).ok());
  }
  {
    // A look outside the caller's jobcentres is logged too.
    grpc::ClientContext context;
    Authorize(context, "caseworker");
    v1::ReadCaseRequest request;
    request.set_case_id("case-out");
    v1::ReadCaseResponse response;
    EXPECT_EQ(events_->ReadCase(&context, request, &response).error_code(),
              StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    Authorize(context, "analyst");
    v1::ReportRequest request;
    request.set_as_of("2019-01-01");
    v1::ReportResponse response;
    ASSERT_TRUE(projections_->Report(&context, request, &response).ok());
  }
  {
    grpc::ClientContext context;  // No token.
    v1::ReadCaseResponse response;
    events_->ReadCase(&context, {}, &response).IgnoreError();
  }

  v1::ReadAccessLogRequest by_citizen;
  by_citizen.set_citizen_id("citizen-case-in");
  const std::vector<v1::AccessEntry> mine = AccessLog(by_citizen);
  // The admin's append when the test began, then the caseworker's look.
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].rpc(), "Append");
  EXPECT_EQ(mine[0].subject(), "user-admin");
  EXPECT_EQ(mine[1].rpc(), "GetCompliance");
  EXPECT_EQ(mine[1].subject(), "user-caseworker");
  EXPECT_EQ(Join(mine[1].roles()), "caseworker");
  EXPECT_EQ(Join(mine[1].case_ids()), "case-in");
  EXPECT_EQ(mine[1].purpose(), "opfoelgning");
  EXPECT_EQ(mine[1].peer(), "127.0.0.1");
  EXPECT_EQ(mine[1].outcome(), "OK");

  v1::ReadAccessLogRequest by_case;
  by_case.set_case_id("case-out");
  const std::vector<v1::AccessEntry> attempts = AccessLog(by_case);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[1].rpc(), "ReadCase");
  EXPECT_EQ(attempts[1].subject(), "user-caseworker");
  EXPECT_EQ(attempts[1].outcome(), "NOT_FOUND");
  EXPECT_EQ(Join(attempts[1].citizen_ids()), "citizen-case-out");

  v1::ReadAccessLogRequest by_user;
  by_user.set_subject("user-analyst");
  const std::vector<v1::AccessEntry> reports = AccessLog(by_user);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].rpc(), "Report");
  EXPECT_EQ(reports[0].criterion(),
            R"({"filter":{"jobcentreIds":["jc-aarhus"]},"asOf":"2019-01-01"})");

  // The refused call, and the log reads so far, themselves logged.
  const std::vector<v1::AccessEntry> all = AccessLog({});
  int refused = 0, log_reads = 0;
  for (const v1::AccessEntry& entry : all) {
    if (entry.outcome() == "UNAUTHENTICATED") ++refused;
    if (entry.rpc() == "ReadAccessLog") ++log_reads;
  }
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(log_reads, 3);
}

TEST_F(AccessTest, NoAnsweredReadIsMissingFromTheAccessLogAfterAKill) {
  constexpr int kReads = 20;
  for (int i = 0; i < kReads; ++i) {
    grpc::ClientContext context;
    Authorize(context, "caseworker");
    v1::GetTimelineRequest request;
    request.set_case_id("case-in");
    request.set_as_of("2019-01-01");
    v1::GetTimelineResponse response;
    ASSERT_TRUE(projections_->GetTimeline(&context, request, &response).ok());
  }
  server_->Kill();
  StartServer();
  v1::ReadAccessLogRequest by_user;
  by_user.set_subject("user-caseworker");
  EXPECT_EQ(AccessLog(by_user).size(), static_cast<size_t>(kReads));
}

TEST_F(AccessTest, TheAccessLogCommandShowsACitizensEntries) {
  const ClientRun run = RunClient(
      {"--server", server_->grpc_address(), "--token", tokens_.at("admin"),
       "access-log", "--citizen", "citizen-case-in", "--csv"},
      "/dev/null", dir_.path() + "/out", dir_.path() + "/err");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<std::string> lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 2u) << run.out;
  EXPECT_EQ(lines[0],
            "AT,USER,ROLES,PEER,RPC,OUTCOME,CASES,CITIZENS,CRITERION,PURPOSE");
  EXPECT_TRUE(absl::StrContains(
      lines[1],
      ",user-admin,admin,127.0.0.1,Append,OK,case-in,citizen-case-in,,"))
      << lines[1];
}

TEST_F(AccessTest, ARecorderCannotAppendToACaseNoOneHasOpened) {
  grpc::ClientContext context;
  Authorize(context, "recorder");
  v1::AppendRequest request;
  request.set_case_id("case-unopened");
  *request.add_events() =
      InterviewHeld("case-unopened-e1", "case-unopened", "2018-09-03");
  v1::AppendResponse response;
  const grpc::Status status = events_->Append(&context, request, &response);
  EXPECT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "events[0].body: interview_held cannot come first: a case begins "
            "with case_opened, and this case has none");
}

}  // namespace
}  // namespace caseline
