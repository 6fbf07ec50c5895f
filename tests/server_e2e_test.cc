// Goal: every EventStore RPC of the real caseline-server binary behaves as
// documented, errors included, and the server's health, reflection, metrics
// and clean shutdown work. Method: start the binary on free localhost ports
// with a fresh data directory and talk gRPC (and HTTP) to it.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/http_get.h"
#include "tests/raw_grpc.h"
#include "tests/server_process.h"
#include "tests/temp_dir.h"
#include "tests/test_events.h"

namespace caseline {
namespace {

using namespace ::caseline::testing;  // NOLINT: event builders.

v1::AppendRequest Request(const std::string& case_id,
                          std::vector<v1::Event> events) {
  v1::AppendRequest request;
  request.set_case_id(case_id);
  for (v1::Event& event : events) *request.add_events() = std::move(event);
  return request;
}

v1::AppendRequest NewCase(const std::string& c) {
  return Request(
      c, {CaseOpened(c + "-e1", c), InterviewHeld(c + "-e2", c, "2018-08-20"),
          InterviewHeld(c + "-e3", c, "2018-09-17")});
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(dir_.path());
    stub_ = server_->NewStub();
  }

  grpc::Status Append(const v1::AppendRequest& request,
                      v1::AppendResponse* response = nullptr) {
    grpc::ClientContext context;
    v1::AppendResponse ignored;
    return stub_->Append(&context, request,
                         response != nullptr ? response : &ignored);
  }

  uint64_t LastPosition() {
    grpc::ClientContext context;
    v1::ReadAllRequest request;
    request.set_max_count(1);
    v1::ReadAllResponse response;
    EXPECT_TRUE(stub_->ReadAll(&context, request, &response).ok());
    return response.last_position();
  }

  void ExpectRefused(const v1::AppendRequest& request, grpc::StatusCode code,
                     const std::string& message) {
    const uint64_t before = LastPosition();
    grpc::Status status = Append(request);
    EXPECT_EQ(status.error_code(), code) << status.error_message();
    EXPECT_EQ(status.error_message(), message);
    EXPECT_EQ(LastPosition(), before) << "a refused request wrote something";
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::EventStore::Stub> stub_;
};

TEST_F(ServerTest, AppendThenReadCase) {
  v1::AppendResponse response;
  ASSERT_TRUE(Append(NewCase("case-1"), &response).ok());
  EXPECT_EQ(response.first_position(), 1u);
  EXPECT_EQ(response.last_position(), 3u);
  EXPECT_EQ(response.case_version(), 3u);
  EXPECT_GT(response.recorded_at().seconds(), 0);
  EXPECT_FALSE(response.deduplicated());

  grpc::ClientContext context;
  v1::ReadCaseRequest read;
  read.set_case_id("case-1");
  v1::ReadCaseResponse page;
  ASSERT_TRUE(stub_->ReadCase(&context, read, &page).ok());
  ASSERT_EQ(page.events_size(), 3);
  EXPECT_EQ(page.case_version(), 3u);
  EXPECT_EQ(page.events(0).case_opened().caseworker_id(), "cw-1");
  EXPECT_EQ(page.events(2).event_id(), "case-1-e3");
  EXPECT_EQ(page.events(2).position(), 3u);
  EXPECT_EQ(page.events(2).recorded_by(), "anonymous");

  // A retry is answered as the first and writes nothing.
  v1::AppendResponse retry;
  ASSERT_TRUE(Append(NewCase("case-1"), &retry).ok());
  EXPECT_TRUE(retry.deduplicated());
  EXPECT_EQ(retry.first_position(), 1u);
  EXPECT_EQ(retry.last_position(), 3u);
  EXPECT_EQ(LastPosition(), 3u);
}

TEST_F(ServerTest, ReadCaseErrors) {
  ASSERT_TRUE(Append(NewCase("case-1")).ok());
  v1::ReadCaseRequest read;
  v1::ReadCaseResponse page;
  {
    grpc::ClientContext context;
    read.set_case_id("case-404");
    grpc::Status status = stub_->ReadCase(&context, read, &page);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(status.error_message(), "case case-404 not found");
  }
  {
    grpc::ClientContext context;
    read.set_case_id("");
    grpc::Status status = stub_->ReadCase(&context, read, &page);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "case_id: is required");
  }
  {
    grpc::ClientContext context;
    read.set_case_id("case-1");
    read.set_max_count(5000);
    grpc::Status status = stub_->ReadCase(&context, read, &page);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(),
              "max_count: 5000 is over the limit of 1000");
  }
}

TEST_F(ServerTest, BadAppendsGetTheRightCodeAndWriteNothing) {
  ASSERT_TRUE(Append(NewCase("case-1")).ok());
  v1::Event offer = OfferStarted("e-3", "case-1", "2018-10-22", "o-1");
  offer.mutable_offer_started()->set_planned_end_on("2019-02-30");
  ExpectRefused(
      Request("case-1", {InterviewHeld("e-1", "", "2018-10-01"),
                         InterviewHeld("e-2", "", "2018-10-08"), offer}),
      grpc::StatusCode::INVALID_ARGUMENT,
      "events[2].offer_started.planned_end_on: 2019-02-30 is not a "
      "date (want YYYY-MM-DD)");
  v1::Event no_body = BaseEvent("e-1", "case-1", "2018-10-01");
  ExpectRefused(Request("case-1", {no_body}),
                grpc::StatusCode::INVALID_ARGUMENT,
                "events[0].body: is required (set exactly one event kind, e.g. "
                "interview_held)");
  ExpectRefused(
      Request("case-1", {InterviewHeld("case-1-e2", "", "2018-10-01")}),
      grpc::StatusCode::ALREADY_EXISTS,
      "events[0].event_id: case-1-e2 is stored already (position 2) "
      "with different content");
  ExpectRefused(
      Request("case-1", {ReferralCancelled("e-1", "", "2018-10-01", "r-7")}),
      grpc::StatusCode::FAILED_PRECONDITION,
      "events[0].referral_cancelled.referral_id: no referral r-7 in "
      "this case");
  v1::AppendRequest exact =
      Request("case-1", {InterviewHeld("e-1", "", "2018-10-01")});
  exact.mutable_expected_version()->set_exact(7);
  ExpectRefused(exact, grpc::StatusCode::FAILED_PRECONDITION,
                "expected_version.exact: expected version 7 but case case-1 is "
                "at version 3");
  exact.mutable_expected_version()->mutable_no_case();
  ExpectRefused(exact, grpc::StatusCode::FAILED_PRECONDITION,
                "expected_version.no_case: case case-1 exists already, at "
                "version 3");
  // Over the store's request limit but under the transport's: a clear error.
  v1::AppendRequest large = Request("case-2", {});
  // 70 events of 60 KB each: 4.2 MB, over the store's 4 MiB per request.
  for (int i = 0; i < 70; ++i) {
    v1::Event* event = large.add_events();
    *event = CaseOpened(absl::StrCat("big-", i), "");
    event->mutable_case_opened()->set_team_id(std::string(60'000, 't'));
  }
  grpc::Status status = Append(large);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(),
                                "bytes serialized; the limit is 4194304 per "
                                "request"))
      << status.error_message();
  // Over the transport's limit: refused before it reaches the store.
  for (int i = 0; i < 70; ++i) {
    *large.add_events() = large.events(i);
  }
  status = Append(large);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(LastPosition(), 3u);
}

TEST_F(ServerTest, ReadAllPagesFiltersAndRejectsUnknownKinds) {
  ASSERT_TRUE(Append(NewCase("case-1")).ok());
  ASSERT_TRUE(Append(NewCase("case-2")).ok());
  v1::ReadAllRequest request;
  request.set_from_position(2);
  request.set_max_count(3);
  v1::ReadAllResponse page;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ReadAll(&context, request, &page).ok());
    ASSERT_EQ(page.events_size(), 3);
    EXPECT_EQ(page.events(0).position(), 2u);
    EXPECT_EQ(page.next_position(), 5u);
    EXPECT_EQ(page.last_position(), 6u);
  }
  request.set_from_position(0);
  request.set_max_count(0);
  request.add_kinds("case_opened");
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ReadAll(&context, request, &page).ok());
    ASSERT_EQ(page.events_size(), 2);
    EXPECT_EQ(page.events(1).event_id(), "case-2-e1");
  }
  request.add_kinds("interview");
  {
    grpc::ClientContext context;
    grpc::Status status = stub_->ReadAll(&context, request, &page);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(absl::StartsWith(status.error_message(),
                                 "kinds[1]: 'interview' is not an event kind; "
                                 "known kinds: case_opened, service_call_made"))
        << status.error_message();
  }
}

TEST_F(ServerTest, BatchAppendAnswersEveryRequestInOrder) {
  grpc::ClientContext context;
  auto stream = stub_->BatchAppend(&context);
  std::vector<v1::AppendRequest> requests = {
      NewCase("case-1"),
      Request("case-2", {InterviewHeld("bad-1", "", "2018-13-01")}),
      Request("case-3", {InterviewHeld("x-1", "", "2018-09-01")}),
      NewCase("case-4"),
      NewCase("case-1"),  // A retry of the first.
  };
  for (size_t i = 0; i < requests.size(); ++i) {
    requests[i].set_correlation_id(absl::StrCat("line-", i + 1));
    ASSERT_TRUE(stream->Write(requests[i]));
  }
  stream->WritesDone();
  std::vector<v1::AppendResponse> responses;
  v1::AppendResponse response;
  while (stream->Read(&response)) responses.push_back(response);
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(responses.size(), 5u);
  for (size_t i = 0; i < responses.size(); ++i) {
    EXPECT_EQ(responses[i].correlation_id(), absl::StrCat("line-", i + 1));
  }
  EXPECT_EQ(responses[0].status_code(), 0);
  EXPECT_EQ(responses[0].last_position(), 3u);
  EXPECT_EQ(responses[1].status_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(responses[1].status_message(),
            "events[0].occurred_on: 2018-13-01 is not a date (want "
            "YYYY-MM-DD)");
  EXPECT_EQ(responses[2].status_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(responses[3].status_code(), 0);
  EXPECT_EQ(responses[3].first_position(), 4u);
  EXPECT_EQ(responses[4].status_code(), 0);
  EXPECT_TRUE(responses[4].deduplicated());
  EXPECT_EQ(responses[4].first_position(), 1u);
  EXPECT_EQ(LastPosition(), 6u);
}

TEST_F(ServerTest, BulkAppendAnswersEveryAppendOfEachMessageInOrder) {
  grpc::ClientContext context;
  auto stream = stub_->BulkAppend(&context);
  // Two messages: the first with a good, a bad and a good append; the
  // second with a retry of the first, an append out of its case's order,
  // and a correlation id over the limit.
  v1::BulkAppendRequest first;
  *first.add_appends() = NewCase("case-1");
  *first.add_appends() =
      Request("case-2", {InterviewHeld("bad-1", "", "2018-13-01")});
  *first.add_appends() = NewCase("case-3");
  v1::BulkAppendRequest second;
  *second.add_appends() = NewCase("case-1");
  *second.add_appends() =
      Request("case-4", {InterviewHeld("x-1", "", "2018-09-01")});
  *second.add_appends() = NewCase("case-5");
  int line = 0;
  for (v1::BulkAppendRequest* message : {&first, &second}) {
    for (v1::AppendRequest& append : *message->mutable_appends()) {
      append.set_correlation_id(absl::StrCat("line-", ++line));
    }
  }
  second.mutable_appends(2)->set_correlation_id(std::string(129, 'x'));
  ASSERT_TRUE(stream->Write(first));
  ASSERT_TRUE(stream->Write(second));
  stream->WritesDone();
  std::vector<v1::BulkAppendResponse> responses;
  v1::BulkAppendResponse response;
  while (stream->Read(&response)) responses.push_back(response);
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(responses.size(), 2u);
  ASSERT_EQ(responses[0].answers_size(), 3);
  ASSERT_EQ(responses[1].answers_size(), 3);
  const v1::BulkAppendResponse& a = responses[0];
  const v1::BulkAppendResponse& b = responses[1];
  EXPECT_EQ(a.answers(0).correlation_id(), "line-1");
  EXPECT_EQ(a.answers(0).status_code(), 0);
  EXPECT_EQ(a.answers(0).last_position(), 3u);
  EXPECT_EQ(a.answers(1).correlation_id(), "line-2");
  EXPECT_EQ(a.answers(1).status_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(a.answers(1).status_message(),
            "events[0].occurred_on: 2018-13-01 is not a date (want "
            "YYYY-MM-DD)");
  EXPECT_EQ(a.answers(2).correlation_id(), "line-3");
  EXPECT_EQ(a.answers(2).first_position(), 4u);
  EXPECT_EQ(b.answers(0).correlation_id(), "line-4");
  EXPECT_TRUE(b.answers(0).deduplicated());
  EXPECT_EQ(b.answers(0).first_position(), 1u);
  EXPECT_EQ(b.answers(1).correlation_id(), "line-5");
  EXPECT_EQ(b.answers(1).status_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(b.answers(2).correlation_id(), "");
  EXPECT_EQ(b.answers(2).status_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(b.answers(2).status_message(),
            "correlation_id: is 129 bytes; the limit is 128");
  EXPECT_EQ(LastPosition(), 6u);
}

TEST_F(ServerTest, BulkAppendOfTooManyAppendsEndsTheStreamAndStoresNothing) {
  grpc::ClientContext context;
  auto stream = stub_->BulkAppend(&context);
  v1::BulkAppendRequest fine;
  *fine.add_appends() = NewCase("case-1");
  v1::BulkAppendRequest oversized;
  for (int i = 0; i < 1001; ++i) {
    *oversized.add_appends() = NewCase(absl::StrCat("big-", i));
  }
  ASSERT_TRUE(stream->Write(fine));
  // The server may end the stream before it reads all of the message.
  stream->Write(oversized);
  stream->WritesDone();
  std::vector<v1::BulkAppendResponse> responses;
  v1::BulkAppendResponse response;
  while (stream->Read(&response)) responses.push_back(response);
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "appends: 1001 appends in one message; the limit is 1000");
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].answers(0).status_code(), 0);
  EXPECT_EQ(LastPosition(), 3u) << "the oversized message wrote something";
}

TEST_F(ServerTest, SubscribeCatchesUpThenGoesLiveWithoutGapOrDuplicate) {
  constexpr int kEarlyCases = 20;
  constexpr int kWriters = 4;
  constexpr int kCasesPerWriter = 25;
  for (int i = 0; i < kEarlyCases; ++i) {
    ASSERT_TRUE(Append(NewCase(absl::StrCat("early-", i))).ok());
  }
  const uint64_t total = 3 * (kEarlyCases + kWriters * kCasesPerWriter);

  grpc::ClientContext context;
  v1::SubscribeRequest request;
  request.set_from_position(1);
  auto reader = stub_->Subscribe(&context, request);

  std::atomic<int> failed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto stub = server_->NewStub();
      for (int i = 0; i < kCasesPerWriter; ++i) {
        grpc::ClientContext append_context;
        v1::AppendResponse response;
        if (!stub->Append(&append_context,
                          NewCase(absl::StrCat("live-", w, "-", i)), &response)
                 .ok()) {
          ++failed;
        }
      }
    });
  }
  std::vector<uint64_t> positions;
  std::set<std::string> ids;
  v1::Event event;
  while (positions.size() < total && reader->Read(&event)) {
    positions.push_back(event.position());
    ids.insert(event.event_id());
  }
  for (std::thread& writer : writers) writer.join();
  context.TryCancel();
  reader->Finish();
  EXPECT_EQ(failed.load(), 0);
  ASSERT_EQ(positions.size(), total);
  for (size_t i = 0; i < positions.size(); ++i) {
    ASSERT_EQ(positions[i], i + 1) << "gap or duplicate at " << i;
  }
  EXPECT_EQ(ids.size(), total);
}

TEST_F(ServerTest, SubscribeFiltersByKindAndRejectsUnknownKinds) {
  ASSERT_TRUE(Append(NewCase("case-1")).ok());
  {
    grpc::ClientContext context;
    v1::SubscribeRequest request;
    request.add_kinds("case_opened");
    auto reader = stub_->Subscribe(&context, request);
    ASSERT_TRUE(Append(NewCase("case-2")).ok());
    v1::Event event;
    ASSERT_TRUE(reader->Read(&event));
    EXPECT_EQ(event.event_id(), "case-1-e1");
    ASSERT_TRUE(reader->Read(&event));
    EXPECT_EQ(event.event_id(), "case-2-e1");
    context.TryCancel();
    reader->Finish();
  }
  grpc::ClientContext context;
  v1::SubscribeRequest request;
  request.add_kinds("nonsense");
  auto reader = stub_->Subscribe(&context, request);
  v1::Event event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServerTest, HealthAndReflectionServeGenericClients) {
  grpc::Status status;
  // HealthCheckRequest{} is empty; HealthCheckResponse{status: SERVING} is
  // field 1, varint 1.
  const std::string health =
      RawUnary(server_->Channel(), "/grpc.health.v1.Health/Check", "", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(health, std::string("\x08\x01", 2));
  // ServerReflectionRequest{list_services: ""} is field 7, length 0.
  const std::string services = RawBidiFirst(
      server_->Channel(),
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      std::string("\x3a\x00", 2), &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(absl::StrContains(services, "caseline.v1.EventStore"));
  EXPECT_TRUE(absl::StrContains(services, "grpc.health.v1.Health"));
}

TEST_F(ServerTest, HttpServesHealthAndMetrics) {
  ASSERT_TRUE(Append(NewCase("case-1")).ok());
  ExpectRefused(Request("case-1", {CaseOpened("case-1-e9", "")}),
                grpc::StatusCode::FAILED_PRECONDITION,
                "events[0].case_opened: the case was opened already by event "
                "case-1-e1");
  EXPECT_TRUE(absl::StartsWith(HttpGet(server_->http_port(), "/healthz"),
                               "HTTP/1.1 200"));
  const std::string metrics = HttpGet(server_->http_port(), "/metrics");
  EXPECT_TRUE(
      absl::StrContains(metrics, "\ncaseline_events_appended_total 3\n"))
      << metrics;
  EXPECT_TRUE(
      absl::StrContains(metrics, "caseline_appends_total{code=\"OK\"} 1"));
  EXPECT_TRUE(absl::StrContains(
      metrics, "caseline_appends_total{code=\"FAILED_PRECONDITION\"} 1"));
  EXPECT_TRUE(absl::StrContains(metrics, "\ncaseline_last_position 3\n"));
  EXPECT_TRUE(
      absl::StrContains(metrics, "caseline_append_latency_seconds_count 2"));
}

TEST_F(ServerTest, SigtermStopsCleanlyAndKeepsEverything) {
  ASSERT_TRUE(Append(NewCase("case-1")).ok());
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
  server_ = std::make_unique<ServerProcess>(dir_.path());
  stub_ = server_->NewStub();
  EXPECT_EQ(LastPosition(), 3u);
  v1::AppendResponse response;
  ASSERT_TRUE(Append(NewCase("case-2"), &response).ok());
  EXPECT_EQ(response.first_position(), 4u);
  EXPECT_EQ(server_->Stop(SIGINT), 0);
}

TEST_F(ServerTest, CheckVerifiesTheDataDirectory) {
  ASSERT_TRUE(Append(NewCase("case-1")).ok());
  ASSERT_TRUE(Append(NewCase("case-2")).ok());
  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  const std::string command = std::string(CASELINE_SERVER_PATH) +
                              " --check --data " + dir_.path() + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[256];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  EXPECT_EQ(WEXITSTATUS(pclose(pipe)), 0) << output;
  EXPECT_EQ(output,
            "ok: 6 events in 2 cases; positions gap-free, indexes agree with "
            "the log\n");
}

TEST(ServerStartTest, BadRuleFileStopsTheStartNamingFileAndLine) {
  TempDir data;
  TempDir rules;
  const std::string file = rules.path() + "/broken.textproto";
  {
    std::ofstream out(file);
    out << "id: \"dk-broken\"\nversion: 1\nvalid_frum: \"2020-01-01\"\n";
  }
  const std::string command = std::string(CASELINE_SERVER_PATH) + " --data " +
                              data.path() + " --rules " + rules.path() +
                              " --listen 127.0.0.1:0 --http 127.0.0.1:0 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  EXPECT_EQ(WEXITSTATUS(pclose(pipe)), 1);
  EXPECT_TRUE(absl::StrContains(output, file + ":3:")) << output;
  EXPECT_TRUE(absl::StrContains(output, "valid_frum")) << output;
  EXPECT_FALSE(absl::StrContains(output, "listening")) << output;
}

TEST_F(ServerTest, CheckOfAMissingDirectoryFailsAndCreatesNothing) {
  const std::string missing = dir_.path() + "/no-such-dir";
  const std::string command = std::string(CASELINE_SERVER_PATH) +
                              " --check --data " + missing + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[256];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  EXPECT_EQ(WEXITSTATUS(pclose(pipe)), 1);
  EXPECT_EQ(output, "check failed: no caseline data in " + missing + "\n");
  EXPECT_FALSE(std::filesystem::exists(missing));
}

}  // namespace
}  // namespace caseline
