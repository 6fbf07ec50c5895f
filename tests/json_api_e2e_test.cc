// Goal: the JSON API answers every read exactly as the gRPC services do, with
// the same tokens, roles, scope and access log, and refuses bad requests with
// the gRPC code's name, the fitting HTTP status and a message naming the
// field. Method: the real caseline-server with --auth-keys on free ports, a
// generated population imported over gRPC, and each path asked over real HTTP
// (GET with query parameters and POST with JSON) next to the same request
// over gRPC.
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "caseline/v1/caseline.grpc.pb.h"
#include "caseline/v1/projections.grpc.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "server/api/json_api.h"
#include "tests/http_get.h"
#include "tests/server_process.h"
#include "tests/temp_dir.h"
#include "tests/test_issuer.h"
#include "tests/test_population.h"

namespace caseline {
namespace {

using namespace ::caseline::testing;  // NOLINT: HTTP and file helpers.
using google::protobuf::Message;
using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::MessageToJsonString;

// The JSON of a message with the proto's field names, as a POST body.
std::string Json(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  EXPECT_TRUE(MessageToJsonString(message, &json, options).ok());
  return json;
}

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
}

class JsonApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(dir_.path() + "/data",
                                              "127.0.0.1:0", CASELINE_RULES_DIR,
                                              issuer_.ServerArgs());
    channel_ = server_->Channel();
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
    admin_token_ = Token("user-admin", {"admin"}, {"*"});
    Import();
    // Every answer below is as known now: nothing is appended after this.
    known_at_ = Rfc3339(absl::Now());
  }

  std::string Token(const std::string& subject, std::vector<std::string> roles,
                    std::vector<std::string> jobcentres) {
    return issuer_.Token(subject, std::move(roles), std::move(jobcentres));
  }

  // A generated population of two jobcentres, imported over gRPC; notes a
  // case, a team and a caseworker of each jobcentre.
  void Import() {
    GenerateOptions options;
    options.seed = 5;
    options.jobcentres = 2;
    options.cases = 120;
    options.from = absl::CivilDay(2019, 7, 1);
    options.to = absl::CivilDay(2020, 6, 30);
    for (const v1::Event& event :
         ImportGenerated(*server_, admin_token_, options)) {
      if (!event.has_case_opened()) continue;
      const v1::CaseOpened& opened = event.case_opened();
      if (!case_of_.contains(opened.jobcentre_id())) {
        case_of_[opened.jobcentre_id()] = event.case_id();
        team_of_[opened.jobcentre_id()] = opened.team_id();
      }
    }
    ASSERT_EQ(case_of_.size(), 2u);
    mine_ = case_of_.begin()->first;
    theirs_ = std::next(case_of_.begin())->first;
  }

  // The gRPC answer to `request` (given as JSON) of `method`, as `token`.
  grpc::Status Grpc(const std::string& method, const std::string& token,
                    const Message& request, Message& response) {
    grpc::ClientContext context;
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    const std::string bytes = request.SerializeAsString();
    grpc::Slice slice(bytes);
    grpc::ByteBuffer sent(&slice, 1);
    grpc::ByteBuffer received;
    grpc::Status status;
    std::mutex mu;
    std::condition_variable done_cv;
    bool done = false;
    stub_->UnaryCall(&context, method, grpc::StubOptions(), &sent, &received,
                     [&](grpc::Status s) {
                       std::lock_guard lock(mu);
                       status = std::move(s);
                       done = true;
                       done_cv.notify_one();
                     });
    std::unique_lock lock(mu);
    done_cv.wait(lock, [&] { return done; });
    if (!status.ok()) return status;
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(received.Dump(&slices).ok());
    std::string answer;
    for (const grpc::Slice& s : slices) {
      answer.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    EXPECT_TRUE(response.ParseFromString(answer));
    return status;
  }

  HttpReply Http(const std::string& method, const std::string& target,
                 const std::string& token, const std::string& body = "",
                 std::vector<std::string> headers = {}) {
    if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
    return HttpCall(server_->http_port(), method, target, headers, body);
  }

  // The access log's GetCompliance entries of `case_id`, as an admin reads
  // them (the reading is logged too, under its own rpc).
  std::vector<v1::AccessEntry> Compliances(const std::string& case_id) {
    v1::ReadAccessLogRequest request;
    request.set_case_id(case_id);
    v1::ReadAccessLogResponse response;
    EXPECT_TRUE(Grpc("/caseline.v1.Admin/ReadAccessLog", admin_token_, request,
                     response)
                    .ok());
    EXPECT_FALSE(response.truncated());
    std::vector<v1::AccessEntry> entries;
    for (const v1::AccessEntry& entry : response.entries()) {
      if (entry.rpc() == "GetCompliance") entries.push_back(entry);
    }
    return entries;
  }

  TempDir dir_;
  TestIssuer issuer_{dir_.path() + "/jwks.json"};
  std::unique_ptr<ServerProcess> server_;
  // Outlives every stub on it: a channel let go while one of its callbacks
  // still runs takes its completion queue from under it.
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::string admin_token_;
  std::string known_at_;
  std::map<std::string, std::string> case_of_;  // jobcentre -> a case of it.
  std::map<std::string, std::string> team_of_;  // jobcentre -> a team of it.
  std::string mine_, theirs_;                   // The two jobcentres.
};

// One path of the API and the same request for gRPC.
struct Read {
  std::string path;   // With the case id in it where the path takes one.
  std::string query;  // The GET's query string.
  std::string grpc_method;
  std::string request_json;  // The request, as gRPC gets it.
  std::function<std::unique_ptr<Message>()> new_request;
  std::function<std::unique_ptr<Message>()> new_response;
};

template <typename Request, typename Response>
Read MakeRead(std::string path, std::string query, std::string method,
              std::string request_json) {
  return Read{std::move(path),
              std::move(query),
              std::move(method),
              std::move(request_json),
              [] { return std::make_unique<Request>(); },
              [] { return std::make_unique<Response>(); }};
}

TEST_F(JsonApiTest, EveryPathAnswersAsItsGrpcMethodByGetAndByPost) {
  const std::string c = case_of_.at(mine_);
  const std::string k = known_at_;
  const std::string team = team_of_.at(mine_);
  // A what-if's candidate: the 2020 rules as stored, under a new version.
  v1::ListRuleSetsResponse rule_sets;
  ASSERT_TRUE(Grpc("/caseline.v1.Projections/ListRuleSets", admin_token_,
                   v1::ListRuleSetsRequest(), rule_sets)
                  .ok());
  v1::WhatIfRequest what_if;
  for (const v1::RuleSet& rule_set : rule_sets.rule_sets()) {
    if (rule_set.id() == "dk-lab-2020") *what_if.mutable_candidate() = rule_set;
  }
  ASSERT_TRUE(what_if.has_candidate());
  what_if.mutable_candidate()->set_version(what_if.candidate().version() + 1);
  what_if.set_as_of("2020-06-30");
  what_if.set_from("2020-01-01");

  const std::vector<Read> reads = {
      MakeRead<v1::ReadCaseRequest, v1::ReadCaseResponse>(
          "/v1/cases/" + c + "/events", "max_count=3",
          "/caseline.v1.EventStore/ReadCase",
          absl::StrCat(R"({"case_id":")", c, R"(","max_count":3})")),
      MakeRead<v1::GetComplianceRequest, v1::GetComplianceResponse>(
          "/v1/cases/" + c + "/compliance", "as_of=2020-03-31&known_at=" + k,
          "/caseline.v1.Projections/GetCompliance",
          absl::StrCat(R"({"case_id":")", c,
                       R"(","as_of":"2020-03-31","known_at":")", k, R"("})")),
      MakeRead<v1::GetSwitchesRequest, v1::GetSwitchesResponse>(
          "/v1/cases/" + c + "/switches",
          "from=2019-07-01&to=2020-06-30&known_at=" + k,
          "/caseline.v1.Projections/GetSwitches",
          absl::StrCat(R"({"case_id":")", c,
                       R"(","from":"2019-07-01","to":"2020-06-30",)",
                       R"("known_at":")", k, R"("})")),
      MakeRead<v1::GetWaitingTimesRequest, v1::GetWaitingTimesResponse>(
          "/v1/cases/" + c + "/waiting-times", "as_of=2020-06-30&known_at=" + k,
          "/caseline.v1.Projections/GetWaitingTimes",
          absl::StrCat(R"({"case_id":")", c,
                       R"(","as_of":"2020-06-30","known_at":")", k, R"("})")),
      MakeRead<v1::GetTimelineRequest, v1::GetTimelineResponse>(
          "/v1/cases/" + c + "/timeline", "as_of=2020-06-30&known_at=" + k,
          "/caseline.v1.Projections/GetTimeline",
          absl::StrCat(R"({"case_id":")", c,
                       R"(","as_of":"2020-06-30","known_at":")", k, R"("})")),
      MakeRead<v1::ReadAllRequest, v1::ReadAllResponse>(
          "/v1/events",
          "from_position=5&max_count=40&kinds=interview_held&kinds=case_opened",
          "/caseline.v1.EventStore/ReadAll",
          R"({"from_position":5,"max_count":40,)"
          R"("kinds":["interview_held","case_opened"]})"),
      MakeRead<v1::ListRuleSetsRequest, v1::ListRuleSetsResponse>(
          "/v1/rule-sets", "", "/caseline.v1.Projections/ListRuleSets", "{}"),
      MakeRead<v1::ReportRequest, v1::ReportResponse>(
          "/v1/report",
          "as_of=2020-06-30&group_by=GROUP_BY_JOBCENTRE&group_by=GROUP_BY_"
          "REQUIREMENT&filter.jobcentre_ids=" +
              mine_ + "&known_at=" + k,
          "/caseline.v1.Projections/Report",
          absl::StrCat(
              R"({"as_of":"2020-06-30","group_by":["GROUP_BY_JOBCENTRE",)",
              R"("GROUP_BY_REQUIREMENT"],"filter":{"jobcentre_ids":[")", mine_,
              R"("]},"known_at":")", k, R"("})")),
      MakeRead<v1::TrendRequest, v1::TrendResponse>(
          "/v1/trend",
          "from=2020-01-31&to=2020-06-30&step=TREND_STEP_MONTH&known_at=" + k,
          "/caseline.v1.Projections/Trend",
          absl::StrCat(R"({"from":"2020-01-31","to":"2020-06-30",)",
                       R"("step":"TREND_STEP_MONTH","known_at":")", k,
                       R"("})")),
      MakeRead<v1::WorklistRequest, v1::WorklistResponse>(
          "/v1/worklist",
          absl::StrCat("jobcentre_id=", mine_, "&team_id=", team,
                       "&as_of=2020-06-01&horizon_days=20&known_at=", k),
          "/caseline.v1.Projections/Worklist",
          absl::StrCat(R"({"jobcentre_id":")", mine_, R"(","team_id":")", team,
                       R"(","as_of":"2020-06-01","horizon_days":20,)",
                       R"("known_at":")", k, R"("})")),
      MakeRead<v1::ListCasesRequest, v1::ListCasesResponse>(
          "/v1/cases",
          absl::StrCat("as_of=2020-06-30&filter.jobcentre_ids=", mine_,
                       "&rule_set_id=dk-lab-2020&requirement_id=first-active-"
                       "offer&statuses=COMPLIANCE_STATUS_MET&statuses="
                       "COMPLIANCE_STATUS_OVERDUE&page_size=5&known_at=",
                       k),
          "/caseline.v1.Projections/ListCases",
          absl::StrCat(
              R"({"as_of":"2020-06-30","filter":{"jobcentre_ids":[")", mine_,
              R"("]},"rule_set_id":"dk-lab-2020","requirement_id":)",
              R"("first-active-offer","statuses":[)",
              R"("COMPLIANCE_STATUS_MET","COMPLIANCE_STATUS_OVERDUE"],)",
              R"("page_size":5,"known_at":")", k, R"("})")),
      MakeRead<v1::WhatIfRequest, v1::WhatIfResponse>(
          "/v1/what-if", "", "/caseline.v1.Admin/WhatIf", Json(what_if)),
      MakeRead<v1::GetProjectionStatusRequest, v1::GetProjectionStatusResponse>(
          "/v1/projection-status", "", "/caseline.v1.Admin/GetProjectionStatus",
          "{}"),
      MakeRead<v1::ReadAccessLogRequest, v1::ReadAccessLogResponse>(
          "/v1/access-log", "to=" + k + "&limit=50",
          "/caseline.v1.Admin/ReadAccessLog",
          absl::StrCat(R"({"to":")", k, R"(","limit":50})")),
  };
  for (const Read& read : reads) {
    SCOPED_TRACE(read.path);
    std::unique_ptr<Message> request = read.new_request();
    ASSERT_TRUE(JsonStringToMessage(read.request_json, request.get()).ok());
    std::unique_ptr<Message> expected = read.new_response();
    const grpc::Status status =
        Grpc(read.grpc_method, admin_token_, *request, *expected);
    ASSERT_TRUE(status.ok()) << status.error_message();

    // A what-if's candidate is too deep for a query string.
    std::vector<std::pair<std::string, HttpReply>> replies;
    if (read.path != "/v1/what-if") {
      replies.emplace_back(
          "GET",
          Http("GET",
               read.query.empty() ? read.path : read.path + "?" + read.query,
               admin_token_));
    }
    replies.emplace_back(
        "POST", Http("POST", read.path, admin_token_, read.request_json));
    for (const auto& [method, reply] : replies) {
      SCOPED_TRACE(method);
      ASSERT_EQ(reply.status, 200) << reply.body;
      EXPECT_TRUE(absl::StrContains(
          reply.headers, "Content-Type: application/json; charset=utf-8"));
      EXPECT_TRUE(absl::StrContains(reply.headers, "Cache-Control: no-store"));
      std::unique_ptr<Message> answer = read.new_response();
      ASSERT_TRUE(JsonStringToMessage(reply.body, answer.get()).ok())
          << reply.body;
      EXPECT_TRUE(MessageDifferencer::Equals(*answer, *expected))
          << "HTTP: " << answer->ShortDebugString().substr(0, 400)
          << "\ngRPC: " << expected->ShortDebugString().substr(0, 400);
    }
  }
}

TEST_F(JsonApiTest, AnswersUseTheProtosFieldNamesAndPrintZeros) {
  const HttpReply reply = Http("GET", "/v1/projection-status", admin_token_);
  ASSERT_EQ(reply.status, 200);
  EXPECT_TRUE(absl::StrContains(reply.body, R"("rebuilding_version":0)"))
      << reply.body;
  EXPECT_TRUE(absl::StrContains(reply.body, R"("active_version":1)"))
      << reply.body;
}

// A refused request: its status, code and the words its message must hold.
struct Refusal {
  std::string method;
  std::string target;
  std::string body;
  std::string who;  // "admin", "none", "analyst-mine", "caseworker-mine".
  int status;
  std::string code;
  std::string message;
};

TEST_F(JsonApiTest, BadRequestsAreRefusedWithTheCodeTheStatusAndTheField) {
  const std::string c = case_of_.at(mine_);
  const std::string theirs = case_of_.at(theirs_);
  const std::map<std::string, std::string> tokens = {
      {"admin", admin_token_},
      {"none", ""},
      {"forged", admin_token_.substr(0, admin_token_.size() - 4) + "AAAA"},
      {"analyst-mine", Token("user-analyst", {"analyst"}, {mine_})},
      {"caseworker-mine", Token("user-caseworker", {"caseworker"}, {mine_})},
  };
  const std::vector<Refusal> refusals = {
      {"GET", "/v1/cases/" + c + "/compliance?as_of=2020-02-30", "", "admin",
       400, "INVALID_ARGUMENT", "as_of: 2020-02-30 is not a date"},
      {"GET", "/v1/cases/" + c + "/compliance?asof=2020-02-01", "", "admin",
       400, "INVALID_ARGUMENT",
       "query parameter asof: GetComplianceRequest has no field asof"},
      {"GET",
       "/v1/cases/" + c + "/compliance?as_of=2020-01-01&as_of=2020-02-01", "",
       "admin", 400, "INVALID_ARGUMENT",
       "query parameter as_of is given twice"},
      {"GET", "/v1/cases/" + c + "/compliance?known_at=yesterday", "", "admin",
       400, "INVALID_ARGUMENT", "known_at"},
      {"GET", "/v1/cases/" + c + "/compliance?as_of=%zz", "", "admin", 400,
       "INVALID_ARGUMENT", "malformed %-escape"},
      {"GET", "/v1/report?filter=x", "", "admin", 400, "INVALID_ARGUMENT",
       "filter is a message; name its fields"},
      {"GET", "/v1/report?filter.jobcentre_ids=" + mine_ + "&group_by=BY_MOOD",
       "", "admin", 400, "INVALID_ARGUMENT", "group_by"},
      {"GET", "/v1/trend?from=2020-01-31&to=2020-06-30&step=TREND_STEP_MONTH",
       "", "caseworker-mine", 403, "PERMISSION_DENIED", "Trend"},
      {"POST", "/v1/report", R"({"as_of":"2020-06-30","colour":"red"})",
       "admin", 400, "INVALID_ARGUMENT", "request body: colour"},
      {"POST", "/v1/report", R"({"as_of":"2020-06-30",)", "admin", 400,
       "INVALID_ARGUMENT", "request body: "},
      {"POST", "/v1/report?as_of=2020-06-30", "{}", "admin", 400,
       "INVALID_ARGUMENT", "a POST takes its request as a JSON body"},
      {"POST", "/v1/cases/" + c + "/compliance",
       R"({"case_id":"someone-else"})", "admin", 400, "INVALID_ARGUMENT",
       "case_id: the path names " + c + " but the request names someone-else"},
      {"GET", "/v1/cases/no-such-case/compliance", "", "admin", 404,
       "NOT_FOUND", "case no-such-case not found"},
      {"GET", "/v1/cases/" + theirs + "/compliance", "", "analyst-mine", 404,
       "NOT_FOUND", "case " + theirs + " not found"},
      {"GET", "/v1/nowhere", "", "admin", 404, "NOT_FOUND",
       "no API path /v1/nowhere"},
      {"DELETE", "/v1/report", "", "admin", 405, "UNIMPLEMENTED",
       "DELETE is not an API method"},
      {"GET", "/v1/cases?statuses=COMPLIANCE_STATUS_UNSPECIFIED", "", "admin",
       400, "INVALID_ARGUMENT", "statuses[0]: 0 is not a status"},
      {"GET", "/v1/cases?rule_set_id=dk-lab-2020", "", "admin", 400,
       "INVALID_ARGUMENT", "rule_set_id, requirement_id: give both or neither"},
      {"GET", "/v1/cases?filter.jobcentre_ids=" + theirs_, "", "analyst-mine",
       403, "PERMISSION_DENIED",
       "filter.jobcentre_ids[0]: " + theirs_ +
           " is not one of your jobcentres"},
      {"GET", "/v1/cases", "", "caseworker-mine", 403, "PERMISSION_DENIED",
       "ListCases"},
      {"GET", "/v1/rule-sets", "", "none", 401, "UNAUTHENTICATED", ""},
      {"GET", "/v1/rule-sets", "", "forged", 401, "UNAUTHENTICATED", ""},
      {"GET", "/v1/access-log", "", "analyst-mine", 403, "PERMISSION_DENIED",
       "ReadAccessLog"},
  };
  for (const Refusal& refusal : refusals) {
    SCOPED_TRACE(refusal.method + " " + refusal.target + " as " + refusal.who);
    const HttpReply reply = Http(refusal.method, refusal.target,
                                 tokens.at(refusal.who), refusal.body);
    EXPECT_EQ(reply.status, refusal.status) << reply.body;
    google::protobuf::Struct error;
    ASSERT_TRUE(JsonStringToMessage(reply.body, &error).ok()) << reply.body;
    EXPECT_EQ(error.fields().at("code").string_value(), refusal.code);
    EXPECT_EQ(error.fields().at("http_status").number_value(), refusal.status);
    EXPECT_TRUE(absl::StrContains(error.fields().at("message").string_value(),
                                  refusal.message))
        << reply.body;
    // No token comes back: its signature is the part no other token has.
    EXPECT_FALSE(absl::StrContains(
        reply.body, admin_token_.substr(admin_token_.rfind('.') + 1)));
    if (refusal.status == 405) {
      EXPECT_TRUE(absl::StrContains(reply.headers, "Allow: GET, POST"));
    }
  }
  // A POST must say it is JSON: a form posted by another site is not.
  const HttpReply form =
      HttpCall(server_->http_port(), "POST", "/v1/report",
               {"Authorization: Bearer " + admin_token_,
                "Content-Type: application/x-www-form-urlencoded"},
               "as_of=2020-06-30");
  EXPECT_EQ(form.status, 415) << form.body;
  EXPECT_TRUE(absl::StrContains(form.body, "application/json")) << form.body;
  // A 401 says which scheme it wants.
  EXPECT_TRUE(absl::StrContains(Http("GET", "/v1/rule-sets", "").headers,
                                "WWW-Authenticate: Bearer"));
  // A body over the limit is refused before it is read whole.
  const HttpReply huge = Http("POST", "/v1/report", admin_token_,
                              std::string(2 * 1024 * 1024, ' '));
  EXPECT_EQ(huge.status, 413);
}

TEST_F(JsonApiTest, ARefusedValidationReadsAsTheGrpcOne) {
  // The service's own message, word for word.
  v1::GetComplianceRequest request;
  request.set_case_id(case_of_.at(mine_));
  request.set_as_of("2020-13-01");
  v1::GetComplianceResponse ignored;
  const grpc::Status grpc_status = Grpc(
      "/caseline.v1.Projections/GetCompliance", admin_token_, request, ignored);
  ASSERT_EQ(grpc_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const HttpReply reply = Http(
      "GET", "/v1/cases/" + request.case_id() + "/compliance?as_of=2020-13-01",
      admin_token_);
  google::protobuf::Struct error;
  ASSERT_TRUE(JsonStringToMessage(reply.body, &error).ok()) << reply.body;
  EXPECT_EQ(error.fields().at("message").string_value(),
            grpc_status.error_message());
}

TEST_F(JsonApiTest, AScopedCallerSeesOnlyItsJobcentresCases) {
  const std::string analyst = Token("user-analyst", {"analyst"}, {mine_});
  const HttpReply report =
      Http("GET", "/v1/report?as_of=2020-06-30&group_by=GROUP_BY_JOBCENTRE",
           analyst);
  ASSERT_EQ(report.status, 200) << report.body;
  v1::ReportResponse answer;
  ASSERT_TRUE(JsonStringToMessage(report.body, &answer).ok());
  ASSERT_GT(answer.groups_size(), 0);
  for (const v1::ReportGroup& group : answer.groups()) {
    EXPECT_EQ(group.label().jobcentre_id(), mine_);
  }
  EXPECT_FALSE(absl::StrContains(report.body, theirs_));
  const HttpReply mine =
      Http("GET", "/v1/cases/" + case_of_.at(mine_) + "/compliance", analyst);
  EXPECT_EQ(mine.status, 200) << mine.body;
}

TEST_F(JsonApiTest, EachHttpReadIsLoggedWithTheHttpClientAndItsPurpose) {
  const std::string c = case_of_.at(mine_);
  const std::string analyst = Token("user-analyst", {"analyst"}, {mine_});
  const HttpReply reply =
      Http("GET", "/v1/cases/" + c + "/compliance?as_of=2020-03-31", analyst,
           "", {"X-Caseline-Purpose: audit of March 2020"});
  ASSERT_EQ(reply.status, 200) << reply.body;
  const std::vector<v1::AccessEntry> entries = Compliances(c);
  ASSERT_FALSE(entries.empty());
  const v1::AccessEntry& last = entries.back();
  EXPECT_EQ(last.rpc(), "GetCompliance");
  EXPECT_EQ(last.subject(), "user-analyst");
  EXPECT_EQ(last.peer(), "127.0.0.1");
  EXPECT_EQ(last.purpose(), "audit of March 2020");
  EXPECT_EQ(last.outcome(), "OK");

  // A gRPC client cannot pass itself off as the JSON API to hide its
  // address: the forwarded address needs the server's own secret.
  v1::GetComplianceRequest request;
  request.set_case_id(c);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + analyst);
  context.AddMetadata("x-caseline-http-peer", "10.9.8.7");
  context.AddMetadata("x-caseline-forwarding-key", std::string(64, '0'));
  v1::GetComplianceResponse response;
  auto projections = v1::Projections::NewStub(server_->Channel());
  ASSERT_TRUE(projections->GetCompliance(&context, request, &response).ok());
  const std::vector<v1::AccessEntry> after = Compliances(c);
  ASSERT_EQ(after.size(), entries.size() + 1);
  EXPECT_EQ(after.back().peer(), "127.0.0.1");
}

// A browser that leaves a page hangs up; the HTTP server then calls what
// Handle returned (http_test checks that part), and the gRPC call ends
// CANCELLED instead of running on for nobody.
TEST_F(JsonApiTest, WhatHandleReturnsCancelsTheCall) {
  api::JsonApi json_api(channel_, /*forwarding_key=*/"",
                        /*loopback_hosts_only=*/false);
  std::mutex mu;
  std::condition_variable answered_cv;
  std::vector<HttpServer::ApiAnswer> answers;
  auto call = [&](const std::string& target) {
    HttpServer::ApiCall request;
    request.method = "GET";
    request.target = target;
    request.authorization = "Bearer " + admin_token_;
    request.peer = "127.0.0.1";
    request.host = "127.0.0.1";
    return json_api.Handle(std::move(request),
                           [&](HttpServer::ApiAnswer answer) {
                             std::lock_guard lock(mu);
                             answers.push_back(std::move(answer));
                             answered_cv.notify_all();
                           });
  };
  const HttpServer::ApiCancel cancel =
      call("/v1/trend?from=2019-07-07&to=2020-06-28&step=TREND_STEP_WEEK");
  ASSERT_TRUE(cancel);
  cancel();
  {
    std::unique_lock lock(mu);
    answered_cv.wait(lock, [&] { return answers.size() == 1; });
  }
  EXPECT_EQ(answers[0].status, 499) << answers[0].body;
  EXPECT_TRUE(absl::StrContains(answers[0].body, R"("code":"CANCELLED")"))
      << answers[0].body;
  // Left alone, the same call is answered; a cancel after the answer does
  // nothing.
  const HttpServer::ApiCancel late = call("/v1/rule-sets");
  {
    std::unique_lock lock(mu);
    answered_cv.wait(lock, [&] { return answers.size() == 2; });
  }
  late();
  EXPECT_EQ(answers[1].status, 200) << answers[1].body;
}

TEST_F(JsonApiTest, HealthMetricsAndTheDashboardStayBesideTheApi) {
  EXPECT_EQ(Http("GET", "/healthz", "").status, 200);
  const HttpReply metrics = Http("GET", "/metrics", "");
  EXPECT_EQ(metrics.status, 200);
  // The dashboard's page, kept to this server's own scripts.
  const HttpReply page = Http("GET", "/", "");
  EXPECT_EQ(page.status, 200);
  EXPECT_TRUE(absl::StrContains(page.body, "/dashboard.js"));
  EXPECT_TRUE(absl::StrContains(page.headers, "script-src 'self'"));
  EXPECT_TRUE(absl::StrContains(page.headers, "frame-ancestors 'none'"));
  EXPECT_EQ(Http("GET", "/dashboard.js", "").status, 200);
  EXPECT_EQ(Http("GET", "/missing.js", "").status, 404);
  // A body on /healthz is still capped at its own small limit.
  EXPECT_EQ(Http("POST", "/healthz", "", std::string(4096, 'x')).status, 413);
}

// A server without --auth-keys is open to whoever reaches it, so it answers
// only requests meant for this machine: a web page elsewhere that points its
// own name at 127.0.0.1 cannot read cases through a user's browser.
TEST(JsonApiOpenServerTest, AnswersOnlyRequestsForThisMachine) {
  TempDir dir;
  ServerProcess server(dir.path() + "/data");
  for (const std::string host :
       {"127.0.0.1", "localhost:8080", "[::1]:8080", "127.0.0.1:1"}) {
    EXPECT_EQ(
        HttpCall(server.http_port(), "GET", "/v1/rule-sets", {"Host: " + host})
            .status,
        200)
        << host;
  }
  for (const std::string host : {"evil.example", "evil.example:8080",
                                 "10.0.0.7:8080", "127.0.0.1.evil.example"}) {
    const HttpReply reply =
        HttpCall(server.http_port(), "GET", "/v1/rule-sets", {"Host: " + host});
    EXPECT_EQ(reply.status, 403) << host;
    EXPECT_TRUE(absl::StrContains(reply.body, "without --auth-keys"))
        << reply.body;
  }
}

}  // namespace
}  // namespace caseline
