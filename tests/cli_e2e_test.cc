// Goal: the `caseline` client's commands print exactly what they document and
// exit with the documented status, against the real server. Method: start
// caseline-server on free localhost ports with a fresh data directory, run the
// client binary as a child process with its output in files (or a pipe, for
// tail), and compare exit codes and output lines; check what was stored over
// gRPC.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/cli_testing.h"
#include "tests/server_process.h"
#include "tests/temp_dir.h"

namespace caseline {
namespace {

using ::caseline::testing::ClientRun;
using ::caseline::testing::Lines;
using ::caseline::testing::ReadFile;
using ::caseline::testing::RunClient;
using ::caseline::testing::ServerProcess;
using ::caseline::testing::TailProcess;
using ::caseline::testing::TempDir;
using ::caseline::testing::WriteFile;

const std::string kExamplesPath =
    std::string(CASELINE_EXAMPLES_DIR) + "/events.jsonl";

// How long the tail test waits for the events it expects.
constexpr auto kTailWaitMax = std::chrono::seconds(60);

size_t EventLineCount(const std::string& path) {
  size_t count = 0;
  for (const std::string& line : Lines(ReadFile(path))) {
    const absl::string_view content = absl::StripAsciiWhitespace(line);
    if (!content.empty() && content.front() != '#') ++count;
  }
  return count;
}

v1::Event ParseEvent(const std::string& json) {
  v1::Event event;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &event);
  EXPECT_TRUE(status.ok()) << status.message() << " in " << json;
  return event;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(data_dir_.path());
    stub_ = server_->NewStub();
  }

  std::string Path(const std::string& name) const {
    return absl::StrCat(files_dir_.path(), "/", name);
  }

  // Runs the client against the server with a JSON-lines file on stdin
  // (or /dev/null), and collects its output.
  ClientRun RunAgainst(const std::string& server_address,
                       const std::vector<std::string>& args,
                       const std::string& stdin_path = "/dev/null") {
    std::vector<std::string> full_args = {"--server", server_address};
    full_args.insert(full_args.end(), args.begin(), args.end());
    const std::string out_path = Path(absl::StrCat("run-", runs_, ".out"));
    const std::string err_path = Path(absl::StrCat("run-", runs_, ".err"));
    ++runs_;
    return RunClient(full_args, stdin_path, out_path, err_path);
  }

  ClientRun Run(const std::vector<std::string>& args,
                const std::string& stdin_path = "/dev/null") {
    return RunAgainst(server_->grpc_address(), args, stdin_path);
  }

  uint64_t LastPosition() {
    grpc::ClientContext context;
    v1::ReadAllRequest request;
    request.set_max_count(1);
    v1::ReadAllResponse response;
    EXPECT_TRUE(stub_->ReadAll(&context, request, &response).ok());
    return response.last_position();
  }

  // The case's events, in version order; empty if the read fails.
  std::vector<v1::Event> ReadCase(const std::string& case_id) {
    grpc::ClientContext context;
    v1::ReadCaseRequest request;
    request.set_case_id(case_id);
    v1::ReadCaseResponse response;
    grpc::Status status = stub_->ReadCase(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.events().begin(), response.events().end()};
  }

  TempDir data_dir_;
  TempDir files_dir_;
  int runs_ = 0;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::EventStore::Stub> stub_;
};

// The table's RECORDED_AT column starts after VERSION, POSITION and OCCURRED
// ("%7d %9d %-10s ") and is an RFC 3339 time to the microsecond.
constexpr size_t kRecordedAtColumn = 7 + 1 + 9 + 1 + 10 + 1;
constexpr size_t kRecordedAtChars = 27;

absl::Time TimeOf(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

// How the client prints a recorded_at: whole, to the microsecond.
std::string RecordedAtText(const google::protobuf::Timestamp& recorded_at) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", TimeOf(recorded_at),
                          absl::UTCTimeZone());
}

// A table row's RECORDED_AT; "" if the row has none of the right shape.
std::string RecordedAtCell(const std::string& row) {
  if (row.size() < kRecordedAtColumn + kRecordedAtChars) return "";
  const std::string recorded_at =
      row.substr(kRecordedAtColumn, kRecordedAtChars);
  // e.g. 2024-05-01T09:30:00.120000Z
  if (recorded_at[4] != '-' || recorded_at[10] != 'T' ||
      recorded_at[19] != '.' || recorded_at[26] != 'Z') {
    return "";
  }
  return recorded_at;
}

// A table row with its RECORDED_AT, which the test cannot know, replaced by
// "<recorded_at>" once it has the right shape.
std::string MaskRecordedAt(const std::string& row) {
  if (RecordedAtCell(row).empty()) return row;
  std::string masked = row;
  masked.replace(kRecordedAtColumn, kRecordedAtChars,
                 "<recorded_at>              ");
  return masked;
}

TEST_F(CliTest, AppendStoresEveryLineThenReadPrintsTheCase) {
  const size_t lines = EventLineCount(kExamplesPath);
  ASSERT_EQ(lines, 31u) << "examples/events.jsonl changed: update the test";

  ClientRun append = Run({"append", kExamplesPath});
  EXPECT_EQ(append.exit_code, 0) << append.err;
  EXPECT_EQ(append.out, "");
  EXPECT_EQ(append.err,
            absl::StrCat(lines, " appended, 0 already stored, 0 rejected\n"));
  EXPECT_EQ(LastPosition(), lines);

  // case-1001 is the file's first ten lines: versions and positions 1 to 10.
  ClientRun read = Run({"read", "case-1001"});
  EXPECT_EQ(read.exit_code, 0) << read.err;
  EXPECT_EQ(read.err, "");
  const std::vector<std::string> table = Lines(read.out);
  ASSERT_EQ(table.size(), 1u + 10u) << read.out;
  EXPECT_EQ(table[0],
            "VERSION  POSITION OCCURRED   RECORDED_AT                 KIND   "
            "              SUMMARY");
  for (size_t version = 1; version <= 10; ++version) {
    EXPECT_TRUE(absl::StartsWith(table[version],
                                 absl::StrFormat("%7d %9d ", version, version)))
        << table[version];
    EXPECT_NE(MaskRecordedAt(table[version]), table[version])
        << "no RECORDED_AT in " << table[version];
  }
  EXPECT_EQ(
      MaskRecordedAt(table[1]),
      "      1         1 2018-08-06 <recorded_at>               "
      "case_opened          citizen_id=p-20931 jobcentre_id=jc-middelfart "
      "target_group=A_DAGPENGE birth_o...");
  EXPECT_EQ(MaskRecordedAt(table[3]),
            "      3         3 2018-08-20 <recorded_at>               "
            "interview_held       kind=INDIVIDUAL channel=IN_PERSON");
  EXPECT_EQ(MaskRecordedAt(table[10]),
            "     10        10 2019-01-11 <recorded_at>               "
            "offer_ended          offer_id=offer-1001-1 reason=COMPLETED");

  ClientRun json = Run({"read", "case-1001", "--json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.err, "");
  const std::vector<std::string> json_lines = Lines(json.out);
  ASSERT_EQ(json_lines.size(), 10u) << json.out;
  for (size_t i = 0; i < json_lines.size(); ++i) {
    const v1::Event event = ParseEvent(json_lines[i]);
    EXPECT_EQ(event.event_id(), absl::StrFormat("e-1001-%02d", i + 1));
    EXPECT_EQ(event.case_id(), "case-1001");
    EXPECT_EQ(event.position(), i + 1);
    EXPECT_EQ(event.case_version(), i + 1);
    EXPECT_GT(event.recorded_at().seconds(), 0);
  }
  // RECORDED_AT is whole, to the microsecond the server stored.
  for (size_t i = 0; i < json_lines.size(); ++i) {
    EXPECT_EQ(RecordedAtCell(table[i + 1]),
              RecordedAtText(ParseEvent(json_lines[i]).recorded_at()))
        << table[i + 1];
  }
  EXPECT_TRUE(ParseEvent(json_lines[6]).has_referral_made());
  EXPECT_EQ(ParseEvent(json_lines[6]).referral_made().provider(),
            "Middelfart Tømrerforretning ApS");

  // --from-version and --limit pick a window of the case.
  ClientRun window = Run(
      {"read", "case-1001", "--json", "--from-version", "4", "--limit", "2"});
  EXPECT_EQ(window.exit_code, 0) << window.err;
  const std::vector<std::string> window_lines = Lines(window.out);
  ASSERT_EQ(window_lines.size(), 2u) << window.out;
  EXPECT_EQ(ParseEvent(window_lines[0]).case_version(), 4u);
  EXPECT_EQ(ParseEvent(window_lines[1]).case_version(), 5u);
}

TEST_F(CliTest, AppendingTheSameFileAgainStoresNothing) {
  const size_t lines = EventLineCount(kExamplesPath);
  ASSERT_EQ(Run({"append", kExamplesPath}).exit_code, 0);

  ClientRun again = Run({"append", kExamplesPath});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "");
  EXPECT_EQ(again.err, absl::StrCat("0 appended, ", lines,
                                    " already stored, 0 rejected\n"));
  EXPECT_EQ(LastPosition(), lines);

  // The same from stdin, with the machine summary.
  ClientRun json = Run({"--json", "append", "-"}, kExamplesPath);
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.err, "");
  EXPECT_EQ(json.out, absl::StrCat(R"({"appended":0,"already_stored":)", lines,
                                   R"(,"rejected":0})", "\n"));
  EXPECT_EQ(LastPosition(), lines);
}

// Lines 1 and 6 are not events; 2 and 8 are good; the rest are each wrong in
// one way.
constexpr char kMixedLines[] =
    R"(# One new case, and one line of each mistake.
{"event_id":"m-1","case_id":"case-m","occurred_on":"2018-08-06","case_opened":{"citizen_id":"p-1","jobcentre_id":"jc-odense","target_group":"TARGET_GROUP_A_DAGPENGE","birth_on":"1990-01-01","anchor_on":"2018-08-06","caseworker_id":"cw-1","team_id":"team-a"}}
{"event_id":"m-2","case_id":case-m,"occurred_on":"2018-08-08","review_held":{}}
{"event_id":"m-3","occurred_on":"2018-08-08","review_held":{}}
{"event_id":"m-4","case_id":"case-m","occurred_on":"2018-02-30","review_held":{}}

{"event_id":"n-1","case_id":"case-n","occurred_on":"2018-08-20","interview_held":{"kind":"INTERVIEW_KIND_INDIVIDUAL","channel":"INTERVIEW_CHANNEL_PHONE"}}
  {"event_id":"m-5","case_id":"case-m","occurred_on":"2018-08-20","interview_held":{"kind":"INTERVIEW_KIND_INDIVIDUAL","channel":"INTERVIEW_CHANNEL_PHONE"}}
)";

TEST_F(CliTest, AppendListsEachRejectedLineAndStoresTheGoodOnes) {
  const std::string path = Path("mixed.jsonl");
  WriteFile(path, kMixedLines);

  ClientRun append = Run({"append", path});
  EXPECT_EQ(append.exit_code, 1) << append.err;
  EXPECT_EQ(append.out, "");
  EXPECT_EQ(
      Lines(append.err),
      (std::vector<std::string>{
          "2 appended, 0 already stored, 4 rejected",
          "line 3: INVALID_ARGUMENT: Unexpected token. near: "
          "id\":\"m-2\",\"case_id\":^case-m,\"occurred_on\"",
          "line 4: INVALID_ARGUMENT: case_id is required: it names the "
          "event's case",
          "line 5: INVALID_ARGUMENT: events[0].occurred_on: 2018-02-30 is "
          "not a date (want YYYY-MM-DD)",
          "line 7: FAILED_PRECONDITION: events[0].body: interview_held "
          "cannot come first: a case begins with case_opened, and this "
          "case has none",
      }))
      << append.err;

  const std::vector<v1::Event> stored = ReadCase("case-m");
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].event_id(), "m-1");
  EXPECT_EQ(stored[1].event_id(), "m-5");
  EXPECT_EQ(LastPosition(), 2u);

  // The read command agrees.
  ClientRun read = Run({"read", "case-m", "--json"});
  EXPECT_EQ(read.exit_code, 0) << read.err;
  ASSERT_EQ(Lines(read.out).size(), 2u) << read.out;

  // Again, for machines: each rejection as it comes (local and server ones in
  // either order), then the summary.
  ClientRun json = Run({"--json", "append", path});
  EXPECT_EQ(json.exit_code, 1) << json.err;
  EXPECT_EQ(json.err, "");
  std::vector<std::string> json_lines = Lines(json.out);
  ASSERT_EQ(json_lines.size(), 5u) << json.out;
  EXPECT_EQ(json_lines.back(),
            R"({"appended":0,"already_stored":2,"rejected":4})");
  json_lines.pop_back();
  std::sort(json_lines.begin(), json_lines.end());
  EXPECT_EQ(
      json_lines,
      (std::vector<std::string>{
          R"json({"line":3,"code":"INVALID_ARGUMENT","message":"Unexpected token. near: id\":\"m-2\",\"case_id\":^case-m,\"occurred_on\""})json",
          R"json({"line":4,"code":"INVALID_ARGUMENT","message":"case_id is required: it names the event's case"})json",
          R"json({"line":5,"code":"INVALID_ARGUMENT","message":"events[0].occurred_on: 2018-02-30 is not a date (want YYYY-MM-DD)"})json",
          R"json({"line":7,"code":"FAILED_PRECONDITION","message":"events[0].body: interview_held cannot come first: a case begins with case_opened, and this case has none"})json",
      }))
      << json.out;
  EXPECT_EQ(LastPosition(), 2u);
}

TEST_F(CliTest, ReadOfAnUnknownCaseIsNotFound) {
  ClientRun read = Run({"read", "nope"});
  EXPECT_EQ(read.exit_code, 1);
  EXPECT_EQ(read.out, "");
  EXPECT_EQ(read.err, "error: NOT_FOUND: case nope not found\n");
}

TEST_F(CliTest, ExportWritesEveryEventOrOnlyTheKindsAsked) {
  ASSERT_EQ(Run({"append", kExamplesPath}).exit_code, 0);
  const uint64_t last_position = LastPosition();

  ClientRun all = Run({"export"});
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.err, absl::StrCat("exported ", last_position, " events\n"));
  const std::vector<std::string> lines = Lines(all.out);
  ASSERT_EQ(lines.size(), last_position);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(ParseEvent(lines[i]).position(), i + 1) << lines[i];
  }

  const std::string out_path = Path("opened.jsonl");
  ClientRun opened =
      Run({"export", "--kind", "case_opened", "--out", out_path});
  EXPECT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_EQ(opened.out, "");
  EXPECT_EQ(opened.err, "exported 3 events\n");
  const std::vector<std::string> opened_lines = Lines(ReadFile(out_path));
  ASSERT_EQ(opened_lines.size(), 3u);
  const std::vector<std::string> cases = {"case-1001", "case-1002",
                                          "case-1003"};
  for (size_t i = 0; i < opened_lines.size(); ++i) {
    const v1::Event event = ParseEvent(opened_lines[i]);
    EXPECT_TRUE(event.has_case_opened()) << opened_lines[i];
    EXPECT_EQ(event.case_id(), cases[i]);
  }

  ClientRun unknown = Run({"export", "--kind", "interview"});
  EXPECT_EQ(unknown.exit_code, 64) << "a usage error";
  EXPECT_EQ(unknown.out, "");
  EXPECT_TRUE(absl::StrContains(unknown.err,
                                "interview is not an event kind; the kinds "
                                "are case_opened, "))
      << unknown.err;
}

constexpr char kLaterLines[] =
    R"({"event_id":"t-1","case_id":"case-t","occurred_on":"2022-01-03","case_opened":{"citizen_id":"p-2","jobcentre_id":"jc-odense","target_group":"TARGET_GROUP_A_DAGPENGE","birth_on":"1990-01-01","anchor_on":"2022-01-03","caseworker_id":"cw-1","team_id":"team-a"}}
{"event_id":"t-2","case_id":"case-t","occurred_on":"2022-01-10","interview_held":{"kind":"INTERVIEW_KIND_INDIVIDUAL","channel":"INTERVIEW_CHANNEL_PHONE"}}
{"event_id":"t-3","case_id":"case-t","occurred_on":"2022-01-17","review_held":{}}
)";

TEST_F(CliTest, TailFollowsAppendsUntilInterrupted) {
  ASSERT_EQ(Run({"append", kExamplesPath}).exit_code, 0);
  const uint64_t first_load = LastPosition();
  const std::string later_path = Path("later.jsonl");
  WriteFile(later_path, kLaterLines);
  const uint64_t total = first_load + EventLineCount(later_path);

  const std::string tail_err = Path("tail.err");
  TailProcess tail(
      {"--server", server_->grpc_address(), "tail", "--from", "1", "--json"},
      tail_err);
  const auto deadline = std::chrono::steady_clock::now() + kTailWaitMax;
  std::vector<v1::Event> events;
  std::string line;
  // The catch-up first, then the live append.
  while (events.size() < first_load && tail.ReadLine(deadline, &line)) {
    events.push_back(ParseEvent(line));
  }
  ASSERT_EQ(events.size(), first_load) << ReadFile(tail_err);
  ClientRun append = Run({"append", "-"}, later_path);
  ASSERT_EQ(append.exit_code, 0) << append.err;
  while (events.size() < total && tail.ReadLine(deadline, &line)) {
    events.push_back(ParseEvent(line));
  }
  ASSERT_EQ(events.size(), total) << ReadFile(tail_err);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].position(), i + 1);
  }
  EXPECT_EQ(events.back().event_id(), "t-3");

  EXPECT_EQ(tail.Stop(SIGINT), 0);
  EXPECT_EQ(ReadFile(tail_err), "");
}

TEST_F(CliTest, UnreachableServerIsUnavailable) {
  // Nothing listens on port 1.
  const std::string nowhere = "127.0.0.1:1";
  ClientRun append =
      RunAgainst(nowhere, {"--timeout", "2", "append", kExamplesPath});
  EXPECT_EQ(append.exit_code, 2) << append.err;
  EXPECT_EQ(append.out, "");
  const std::vector<std::string> lines = Lines(append.err);
  ASSERT_EQ(lines.size(), 3u) << append.err;
  EXPECT_TRUE(absl::StartsWith(lines[0], "error: UNAVAILABLE: ")) << lines[0];
  EXPECT_TRUE(absl::EndsWith(lines[1],
                             "appending the file again is safe: events stored "
                             "already are reported as already stored"))
      << lines[1];
  EXPECT_EQ(lines[2], "0 appended, 0 already stored, 0 rejected");

  // read, tail and export: 1, with the same error.
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{
           {"read", "case-1001"}, {"tail"}, {"export"}}) {
    std::vector<std::string> args = {"--timeout", "2"};
    args.insert(args.end(), command.begin(), command.end());
    ClientRun run = RunAgainst(nowhere, args);
    EXPECT_EQ(run.exit_code, 1) << command[0] << ": " << run.err;
    EXPECT_EQ(run.out, "") << command[0];
    EXPECT_TRUE(absl::StartsWith(run.err, "error: UNAVAILABLE: "))
        << command[0] << ": " << run.err;
  }
}

}  // namespace
}  // namespace caseline

namespace caseline {
namespace {

// The projection commands, on the sample cases: the table a caseworker
// reads, with exact rows for case-1001 on 2018-12-01.
TEST_F(CliTest, ComplianceTableShowsVerdictsDeadlinesAndSources) {
  ASSERT_EQ(Run({"append", kExamplesPath}).exit_code, 0);
  // As a user audits "as known then": the RECORDED_AT that `read` shows,
  // given back as --known-at.
  ClientRun read = Run({"read", "case-1001"});
  ASSERT_EQ(read.exit_code, 0) << read.err;
  const std::string known_at = RecordedAtCell(Lines(read.out).back());
  ASSERT_NE(known_at, "") << read.out;
  ClientRun compliance = Run({"compliance", "case-1001", "--as-of",
                              "2018-12-01", "--known-at", known_at});
  ASSERT_EQ(compliance.exit_code, 0) << compliance.err;
  const std::vector<std::string> lines = Lines(compliance.out);
  ASSERT_GE(lines.size(), 3u) << compliance.out;
  // The basis states the instant without trailing zeros.
  const std::string known_at_stated = absl::FormatTime(
      "%Y-%m-%dT%H:%M:%E*SZ",
      TimeOf(ReadCase("case-1001").back().recorded_at()), absl::UTCTimeZone());
  EXPECT_EQ(lines[0], absl::StrCat("case case-1001 as of 2018-12-01, known at ",
                                   known_at_stated,
                                   " (version 10, position 10, 8 events, 0 "
                                   "retracted)"));
  auto row = [&](absl::string_view requirement) -> std::string {
    for (const std::string& line : lines) {
      if (absl::StrContains(line, requirement)) return line;
    }
    return "";
  };
  // Week 16 ended 2018-11-25 with three interviews: overdue.
  const std::string fourth = row("milestone 4 of 6");
  EXPECT_TRUE(absl::StrContains(fourth, "OVERDUE")) << fourth;
  EXPECT_TRUE(absl::StrContains(fourth, "2018-11-25")) << fourth;
  const std::string first = row("milestone 1 of 6");
  EXPECT_TRUE(absl::StrContains(first, "MET ")) << first;
  EXPECT_TRUE(absl::StrContains(first, "2018-08-20")) << first;
  EXPECT_TRUE(absl::StrContains(first, "LBK")) << first;
  // dk-lab-2016's other groups' requirements, and star-recovery's
  // sygedagpenge measure.
  EXPECT_EQ(lines.back(), "6 not applicable; --all shows them");

  // --json gives the whole response for machines.
  ClientRun json =
      Run({"compliance", "case-1001", "--as-of", "2018-09-01", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(absl::StrContains(json.out, "\"status\":\"COMPLIANCE_STATUS_"))
      << json.out;
}

TEST_F(CliTest, ProjectionCommandsRefuseBadDatesAndUnknownCases) {
  ASSERT_EQ(Run({"append", kExamplesPath}).exit_code, 0);
  ClientRun bad = Run({"compliance", "case-1001", "--as-of", "2018-02-30"});
  EXPECT_EQ(bad.exit_code, 64);
  ClientRun unknown = Run({"waits", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err, "error: NOT_FOUND: case nope not found\n");
  ClientRun switches = Run({"switches", "case-1002"});
  ASSERT_EQ(switches.exit_code, 0) << switches.err;
  EXPECT_TRUE(absl::StrContains(
      switches.out, "0 planned, 1 unplanned switches from the case's start"))
      << switches.out;
  ClientRun rules = Run({"rules"});
  ASSERT_EQ(rules.exit_code, 0) << rules.err;
  EXPECT_TRUE(absl::StrContains(rules.out, "local-middelfart-2020"))
      << rules.out;
}

// The population commands print tables, CSV for spreadsheets and JSON.
// case-1001 on 2018-12-01, as the report above counts it: interview
// milestones 1-3 met, 4 overdue since 2018-11-25, 5 and 6 due.
// The test's server has no --backup-dir: the refusal says what to do
// (backup_e2e_test takes real backups).
TEST_F(CliTest, BackupWithoutABackupDirectorySaysWhatIsMissing) {
  ClientRun backup = Run({"backup"});
  EXPECT_NE(backup.exit_code, 0);
  EXPECT_EQ(backup.out, "");
  EXPECT_TRUE(absl::StrContains(backup.err, "FAILED_PRECONDITION"))
      << backup.err;
  EXPECT_TRUE(absl::StrContains(backup.err, "restart it with one"))
      << backup.err;
}

TEST_F(CliTest, CasesListsTheRowsBehindAReportsFigure) {
  ASSERT_EQ(Run({"append", kExamplesPath}).exit_code, 0);
  ClientRun overdue =
      Run({"cases", "--as-of", "2018-12-01", "--requirement",
           "dk-lab-2016/interview-schedule", "--status", "overdue", "--csv"});
  ASSERT_EQ(overdue.exit_code, 0) << overdue.err;
  const std::vector<std::string> rows = Lines(overdue.out);
  ASSERT_EQ(rows.size(), 2u) << overdue.out;
  EXPECT_EQ(rows[0],
            "CASE,CITIZEN,JOBCENTRE,TEAM,CASEWORKER,TARGET GROUP,RULE SET,"
            "REQUIREMENT,ITEM,STATUS,DEADLINE,MET ON");
  EXPECT_TRUE(absl::StartsWith(rows[1], "case-1001,")) << rows[1];
  EXPECT_TRUE(absl::StrContains(rows[1], ",dk-lab-2016,interview-schedule,"))
      << rows[1];
  EXPECT_TRUE(absl::EndsWith(rows[1], ",OVERDUE,2018-11-25,")) << rows[1];

  ClientRun due = Run({"cases", "--as-of", "2018-12-01", "--requirement",
                       "dk-lab-2016/interview-schedule", "--status", "due",
                       "--status", "met"});
  ASSERT_EQ(due.exit_code, 0) << due.err;
  EXPECT_TRUE(absl::StrContains(due.out, "1 cases, 5 rows in all")) << due.out;

  ClientRun malformed = Run({"cases", "--requirement", "interview-schedule"});
  EXPECT_EQ(malformed.exit_code, 64);
  EXPECT_EQ(malformed.err,
            "error: --requirement interview-schedule: want "
            "RULE_SET/REQUIREMENT, e.g. dk-lab-2020/first-active-offer\n");
  ClientRun unknown = Run({"cases", "--as-of", "2018-12-01", "--requirement",
                           "dk-lab-2016/no-such-requirement"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(unknown.err,
                                "requirement_id: no rule set "
                                "judged by has requirement"))
      << unknown.err;
}

TEST_F(CliTest, ReportTrendAndWorklistPrintTablesCsvAndJson) {
  ASSERT_EQ(Run({"append", kExamplesPath}).exit_code, 0);
  ClientRun report =
      Run({"report", "--as-of", "2018-12-01", "--by", "jobcentre"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_TRUE(
      absl::StrContains(report.out, "== jobcentre jc-middelfart: 1 cases"))
      << report.out;
  EXPECT_TRUE(absl::StrContains(report.out, "dk-lab-2016@1")) << report.out;

  ClientRun csv =
      Run({"report", "--as-of", "2018-12-01", "--by", "jobcentre", "--csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const std::vector<std::string> rows = Lines(csv.out);
  ASSERT_GE(rows.size(), 2u) << csv.out;
  // One value per cell: the rule set's id and version apart, the share on
  // time a fraction, a population measure's figures and flag each a column.
  EXPECT_EQ(rows[0],
            "JOBCENTRE,TEAM,CASEWORKER,TARGET GROUP,RULE SET,VERSION,"
            "REQUIREMENT,CASES,MET,LATE,OVERDUE,DUE,N/A,ON TIME,MEASURED "
            "CASES,SHARE FAILING,FLAG OVER SHARE,FLAGGED,TARGET MEASURED,"
            "EXEMPTED,COUNTING,SHARE COUNTING,TARGET SHARE,TARGET MET,"
            "EXEMPTION SHARE,EXEMPTION CAP,OVER EXEMPTION CAP");
  // case-1001 on 2018-12-01: milestones 1-3 met, 4 overdue (week 16 ended
  // 2018-11-25), 5 and 6 due.
  bool found = false;
  for (const std::string& row : rows) {
    if (absl::StartsWith(row,
                         "jc-middelfart,,,,dk-lab-2016,1,"
                         "interview-schedule,")) {
      EXPECT_EQ(row,
                "jc-middelfart,,,,dk-lab-2016,1,interview-schedule,1,3,0,1,"
                "2,0,0.75,,,,,,,,,,,,,");
      found = true;
    }
  }
  EXPECT_TRUE(found) << csv.out;
  // --table chooses the CSV table; without --csv it is refused, not ignored.
  ClientRun table_alone =
      Run({"report", "--as-of", "2018-12-01", "--table", "waits"});
  EXPECT_EQ(table_alone.exit_code, 64);
  EXPECT_EQ(table_alone.out, "");
  EXPECT_EQ(table_alone.err,
            "error: --table waits: chooses the table --csv writes; give --csv "
            "too (the text output shows every table)\n");

  ClientRun json = Run({"report", "--as-of", "2018-12-01", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(absl::StrContains(json.out, "\"groups\"")) << json.out;

  ClientRun worklist = Run(
      {"worklist", "--caseworker", "cw-114", "--as-of", "2018-12-01", "--csv"});
  ASSERT_EQ(worklist.exit_code, 0) << worklist.err;
  const std::vector<std::string> items = Lines(worklist.out);
  ASSERT_GE(items.size(), 2u) << worklist.out;
  EXPECT_EQ(items[0],
            "DEADLINE,DAYS LEFT,WORKING DAYS,STATUS,CASE,RULE SET,REQUIREMENT,"
            "ITEM,TARGET GROUP,JOBCENTRE,TEAM,CASEWORKER");
  // Overdue since Sunday 2018-11-25: six days, five working days. (The
  // jobcentre cell is checked in WorklistByJobcentreShowsTheJobcentre.)
  const auto overdue = std::find_if(items.begin(), items.end(), [](auto& row) {
    return absl::StartsWith(row, "2018-11-25,");
  });
  ASSERT_NE(overdue, items.end()) << worklist.out;
  EXPECT_TRUE(absl::StartsWith(
      *overdue,
      "2018-11-25,-6,-5,OVERDUE,case-1001,dk-lab-2016,interview-schedule,"
      "milestone 4 of 6 (4 by 16 weeks),A_DAGPENGE,"))
      << *overdue;
  EXPECT_TRUE(absl::EndsWith(*overdue, ",team-a,cw-114")) << *overdue;

  ClientRun trend = Run({"trend", "--from", "2018-09-01", "--to", "2018-12-31",
                         "--step", "month", "--csv"});
  ASSERT_EQ(trend.exit_code, 0) << trend.err;
  const std::vector<std::string> points = Lines(trend.out);
  ASSERT_EQ(points.size(), 5u) << trend.out;
  // Switches planned and unplanned apart; each population measure's
  // figures and flag in columns of their own.
  EXPECT_EQ(points[0],
            "ON,OPEN,MET,LATE,OVERDUE,DUE,ON TIME,LOCAL ON TIME,SWITCHES "
            "PLANNED,SWITCHES UNPLANNED,OFFERS,MEAN WAIT,a-dagpenge-offer "
            "MEASURED CASES,a-dagpenge-offer SHARE FAILING,a-dagpenge-offer "
            "FLAG OVER SHARE,a-dagpenge-offer FLAGGED,"
            "sygedagpenge-four-interviews MEASURED CASES,"
            "sygedagpenge-four-interviews SHARE FAILING,"
            "sygedagpenge-four-interviews FLAG OVER SHARE,"
            "sygedagpenge-four-interviews FLAGGED");
  EXPECT_TRUE(absl::StartsWith(points[1], "2018-09-30,")) << points[1];
  EXPECT_TRUE(absl::StartsWith(points[4], "2018-12-31,")) << points[4];

  // Free text that a spreadsheet would run as a formula is written as text.
  const std::string formula = Path("formula.jsonl");
  WriteFile(formula,
            "{\"event_id\":\"f-1\",\"case_id\":\"case-f\",\"occurred_on\":"
            "\"2018-09-03\",\"case_opened\":{\"citizen_id\":\"p-1\","
            "\"jobcentre_id\":\"jc-middelfart\",\"target_group\":"
            "\"TARGET_GROUP_A_DAGPENGE\",\"birth_on\":\"1980-01-01\","
            "\"anchor_on\":\"2018-09-03\",\"caseworker_id\":\"cw-114\","
            "\"team_id\":\"team-a\"}}\n"
            "{\"event_id\":\"f-2\",\"case_id\":\"case-f\",\"occurred_on\":"
            "\"2018-09-10\",\"referral_made\":{\"referral_id\":\"r-f\","
            "\"offer_kind\":\"OFFER_KIND_COMPANY_INTERNSHIP\",\"provider\":"
            "\"=HYPERLINK(1)\"}}\n");
  ASSERT_EQ(Run({"append", formula}).exit_code, 0);
  ClientRun waiting =
      Run({"report", "--as-of", "2018-12-01", "--csv", "--table", "waiting",
           "--jobcentre", "jc-middelfart"});
  ASSERT_EQ(waiting.exit_code, 0) << waiting.err;
  EXPECT_TRUE(absl::StrContains(
      waiting.out,
      "82,case-f,r-f,2018-09-10,COMPANY_INTERNSHIP,'=HYPERLINK(1),"))
      << waiting.out;

  EXPECT_EQ(Run({"report", "--by", "weekday"}).exit_code, 64);
  EXPECT_EQ(Run({"worklist", "--as-of", "2018-12-01"}).exit_code, 64);
  EXPECT_EQ(Run({"worklist", "--caseworker", "a", "--team", "b"}).exit_code,
            64);
}

// Rule sets put as new versions, a what-if before, and a rebuild.
TEST_F(CliTest, RulesPutWhatIfAndRebuild) {
  ASSERT_EQ(Run({"append", kExamplesPath}).exit_code, 0);
  std::string text = ReadFile(std::string(CASELINE_RULES_DIR) +
                              "/local-faaborg-2018.textproto");
  const size_t at = text.find("\nversion: 1\n");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 12, "\nversion: 2\n");
  const std::string file = Path("faaborg-2.textproto");
  WriteFile(file, text);

  ClientRun whatif = Run({"whatif", file, "--as-of", "2018-12-01"});
  ASSERT_EQ(whatif.exit_code, 0) << whatif.err;
  EXPECT_TRUE(absl::StrContains(
      whatif.out,
      "candidate local-faaborg-2018@2: 0 cases and 0 requirement rows change"))
      << whatif.out;

  ClientRun put = Run({"rules", "put", file});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  EXPECT_EQ(put.out,
            "rule set local-faaborg-2018 version 2 stored; it is the active "
            "version now\n");
  ClientRun again = Run({"rules", "put", file});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out,
            "rule set local-faaborg-2018 version 2 was stored already; "
            "nothing changed\n");
  ClientRun list = Run({"rules"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  int active_lines = 0;
  for (const std::string& line : Lines(list.out)) {
    if (!absl::StartsWith(line, "local-faaborg-2018 ")) continue;
    const std::vector<std::string> cells =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    ASSERT_GE(cells.size(), 3u) << line;
    if (cells[1] == "2") {
      EXPECT_EQ(cells[2], "active") << line;
      ++active_lines;
    } else {
      EXPECT_NE(cells[2], "active") << line;
    }
  }
  EXPECT_EQ(active_lines, 1) << list.out;

  const std::string bad = Path("bad.textproto");
  WriteFile(bad, "id: \"x\"\nversion: oops\n");
  ClientRun refused = Run({"rules", "put", bad});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(refused.err, bad + ":2")) << refused.err;

  ClientRun rebuild = Run({"rebuild"});
  ASSERT_EQ(rebuild.exit_code, 0) << rebuild.err;
  EXPECT_TRUE(absl::StartsWith(rebuild.out,
                               "switched to projection version 2: 31 events"))
      << rebuild.out;
}

// Ctrl-C during a rebuild cancels it: the client says so, exits 130, and
// the old projection version stays active and answers.
TEST_F(CliTest, CtrlCCancelsARebuildAndSaysSo) {
  // Enough events that the rebuild is still copying when the signal lands:
  // the first progress line comes after the first page of 1000 events, and
  // the whole copy takes about half a second under the sanitizers.
  const std::string history = Path("history.jsonl");
  ClientRun generated =
      Run({"generate", "--seed", "7", "--cases", "6000", "--out", history});
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  ClientRun imported = Run({"import-history", history});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;

  // A loaded machine may let a rebuild finish before the signal arrives;
  // then the client must say so, and the next attempt interrupts earlier
  // in a rebuild of the same length. One of three must be cancelled.
  constexpr int kAttempts = 3;
  int active = 1;
  bool cancelled = false;
  for (int attempt = 0; attempt < kAttempts && !cancelled; ++attempt) {
    const std::string err_path =
        Path(absl::StrCat("rebuild-", attempt, ".err"));
    TailProcess rebuild(
        {"--server", server_->grpc_address(), "rebuild", "--json"}, err_path);
    std::string line;
    ASSERT_TRUE(rebuild.ReadLine(
        std::chrono::steady_clock::now() + std::chrono::seconds(60), &line));
    EXPECT_TRUE(absl::StrContains(
        line, absl::StrCat("\"projection_version\":", active + 1)))
        << line;
    const int code = rebuild.Stop(SIGINT);
    const std::string said = ReadFile(err_path);
    if (code == 130) {
      EXPECT_EQ(said, absl::StrCat("cancelled; projection version ", active,
                                   " stays active\n"));
      cancelled = true;
    } else {
      EXPECT_EQ(code, 0) << said;
      EXPECT_EQ(said, absl::StrCat("too late to cancel: the rebuild had "
                                   "switched to projection version ",
                                   active + 1, "\n"));
      ++active;
    }
  }
  EXPECT_TRUE(cancelled) << "every rebuild switched before Ctrl-C landed";

  ClientRun status = Run({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_TRUE(absl::StartsWith(
      status.out, absl::StrCat("projection version ", active, " active: ")))
      << status.out;
  EXPECT_TRUE(absl::EndsWith(status.out, "\nno rebuild running\n"))
      << status.out;

  // Without Ctrl-C the next rebuild switches.
  ClientRun whole = Run({"rebuild"});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_TRUE(absl::StartsWith(
      whole.out,
      absl::StrCat("switched to projection version ", active + 1, ": ")))
      << whole.out;
}

}  // namespace
}  // namespace caseline

namespace caseline {
namespace {

// import-csv: a good file is imported whole; a file with a bad row imports
// nothing and names the line and column; --skip-bad imports the good cases
// and writes the rejected rows with their reasons.
TEST_F(CliTest, ImportCsvOfGoodBadAndMixedFiles) {
  const std::string good = std::string(CASELINE_EXAMPLES_DIR) + "/actions.csv";
  ClientRun imported = Run({"import-csv", good});
  EXPECT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(absl::StrContains(imported.err + imported.out,
                                "22 imported, 0 already stored"))
      << imported.err << imported.out;

  const std::string header =
      "action_id,case_id,date,action,citizen_id,jobcentre_id,target_group,"
      "birth_date,anchor_date,caseworker_id,team_id,kind,channel\n";
  const std::string mixed = Path("mixed.csv");
  WriteFile(mixed,
            header +
                "m-1,case-m1,2019-03-04,case_opened,p-1,jc-odense,a_dagpenge,"
                "1980-01-01,2019-03-04,cw-1,team-a,,\n"
                "m-2,case-m1,2019-03-20,interview_held,,,,,,,,individual,"
                "phone\n"
                "m-3,case-m2,2019-03-04,case_opened,p-2,jc-odense,a_dagpenge,"
                "1980-01-01,2019-03-04,cw-1,team-a,,\n"
                "m-4,case-m2,2019-02-31,interview_held,,,,,,,,individual,"
                "phone\n");
  ClientRun refused = Run({"import-csv", mixed});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(
      refused.err + refused.out,
      "line 5, column date: 2019-02-31 is not a date (want YYYY-MM-DD)"))
      << refused.err << refused.out;
  EXPECT_TRUE(absl::StrContains(refused.err + refused.out, "nothing imported"))
      << refused.err << refused.out;
  const uint64_t before = LastPosition();

  const std::string rejected = Path("rejected.csv");
  ClientRun skipped =
      Run({"import-csv", mixed, "--skip-bad", "--rejected", rejected});
  EXPECT_EQ(skipped.exit_code, 1) << "rows were left out";
  // case-m1 whole; nothing of case-m2.
  EXPECT_EQ(LastPosition(), before + 2);
  const std::string rejected_text = ReadFile(rejected);
  EXPECT_TRUE(absl::StrContains(rejected_text, "m-4")) << rejected_text;
  EXPECT_TRUE(absl::StrContains(rejected_text, "is not a date"))
      << rejected_text;
}

}  // namespace
}  // namespace caseline

namespace caseline {
namespace {

// Empty answers say that they are empty and why, and figures with nothing
// to stand on show "-" rather than a zero that reads as a result.
TEST_F(CliTest, EmptyAnswersSayWhyTheyAreEmpty) {
  ClientRun report = Run({"report", "--as-of", "2018-12-01"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_EQ(Lines(report.out).back(),
            "no cases: the log is empty; append or import events first")
      << report.out;

  ASSERT_EQ(Run({"append", kExamplesPath}).exit_code, 0);
  ClientRun none_open = Run({"report", "--as-of", "2015-06-30"});
  ASSERT_EQ(none_open.exit_code, 0) << none_open.err;
  EXPECT_EQ(Lines(none_open.out).back(),
            "no cases: none of the 3 cases is open on 2015-06-30 and matches "
            "the filter")
      << none_open.out;

  ClientRun nobody =
      Run({"worklist", "--caseworker", "cw-nobody", "--as-of", "2018-12-01"});
  ASSERT_EQ(nobody.exit_code, 0) << nobody.err;
  EXPECT_EQ(Lines(nobody.out).back(),
            "no items: caseworker cw-nobody holds no cases on 2018-12-01")
      << nobody.out;

  // Before any case opened: no share on time, no mean wait.
  ClientRun trend = Run({"trend", "--from", "2015-01-01", "--to", "2015-02-28",
                         "--step", "month"});
  ASSERT_EQ(trend.exit_code, 0) << trend.err;
  const std::vector<std::string> points = Lines(trend.out);
  ASSERT_GE(points.size(), 2u) << trend.out;
  EXPECT_EQ(points[points.size() - 2],
            "2015-01-31  0     0    0     0        0    -        -             "
            " 0/0           0       -          -                 -")
      << trend.out;
  EXPECT_EQ(points.back(),
            "2015-02-28  0     0    0     0        0    -        -             "
            " 0/0           0       -          -                 -")
      << trend.out;
}

// A referral not yet started: its waits row has no mean, median, 90th
// percentile or maximum, in text ("-") and in CSV (empty cells).
TEST_F(CliTest, WaitsWithoutAStartedOfferShowNoFigures) {
  const std::string path = Path("waiting.jsonl");
  WriteFile(path,
            "{\"event_id\":\"w-1\",\"case_id\":\"case-w\",\"occurred_on\":"
            "\"2018-09-03\",\"case_opened\":{\"citizen_id\":\"p-1\","
            "\"jobcentre_id\":\"jc-middelfart\",\"target_group\":"
            "\"TARGET_GROUP_A_DAGPENGE\",\"birth_on\":\"1980-01-01\","
            "\"anchor_on\":\"2018-09-03\",\"caseworker_id\":\"cw-114\","
            "\"team_id\":\"team-a\"}}\n"
            "{\"event_id\":\"w-2\",\"case_id\":\"case-w\",\"occurred_on\":"
            "\"2018-09-10\",\"referral_made\":{\"referral_id\":\"r-w\","
            "\"offer_kind\":\"OFFER_KIND_COMPANY_INTERNSHIP\",\"provider\":"
            "\"Odense Bageri\"}}\n");
  ASSERT_EQ(Run({"append", path}).exit_code, 0);
  ClientRun text =
      Run({"report", "--as-of", "2018-12-01", "--from", "2018-09-01"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  const std::vector<std::string> lines = Lines(text.out);
  const auto row = std::find_if(lines.begin(), lines.end(), [](auto& line) {
    return absl::StartsWith(line, "COMPANY_INTERNSHIP");
  });
  ASSERT_NE(row, lines.end()) << text.out;
  EXPECT_EQ(*row,
            "COMPANY_INTERNSHIP  Odense Bageri  0        -     -       -    -  "
            "  0          1");

  ClientRun csv = Run({"report", "--as-of", "2018-12-01", "--from",
                       "2018-09-01", "--csv", "--table", "waits"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out,
            "JOBCENTRE,TEAM,CASEWORKER,TARGET GROUP,OFFER,PROVIDER,STARTED,"
            "MEAN,MEDIAN,P90,MAX,CANCELLED,WAITING\n"
            ",,,,COMPANY_INTERNSHIP,Odense Bageri,0,,,,,0,1\n");
}

// --known-at: a date is the start of that day UTC; a future instant is
// refused before any call.
TEST_F(CliTest, KnownAtADateIsItsStartAndTheFutureIsRefused) {
  ASSERT_EQ(Run({"append", kExamplesPath}).exit_code, 0);
  ClientRun future = Run({"compliance", "case-1001", "--as-of", "2018-12-01",
                          "--known-at", "2099-01-01T00:00:00Z"});
  EXPECT_EQ(future.exit_code, 64);
  EXPECT_EQ(future.out, "");
  EXPECT_TRUE(absl::StartsWith(future.err,
                               "error: --known-at: 2099-01-01T00:00:00Z is in "
                               "the future (now is "))
      << future.err;
  EXPECT_TRUE(absl::EndsWith(
      future.err, "); an answer as known then cannot be given yet\n"))
      << future.err;

  ClientRun day =
      Run({"report", "--as-of", "2018-12-01", "--known-at", "2018-12-01"});
  ASSERT_EQ(day.exit_code, 0) << day.err;
  EXPECT_TRUE(absl::StartsWith(
      day.out, "as of 2018-12-01, known at 2018-12-01T00:00:00Z; "))
      << day.out;
}

// whatif lists at most --limit cases and says how many more changed.
TEST_F(CliTest, WhatIfSaysHowManyChangedCasesItDoesNotList) {
  ASSERT_EQ(Run({"append", kExamplesPath}).exit_code, 0);
  // dk-lab-2016 valid three years longer also judges case-1002 (2020) and
  // case-1003 (2021).
  std::string text =
      ReadFile(std::string(CASELINE_RULES_DIR) + "/dk-lab-2016.textproto");
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{
           {"\nversion: 1\n", "\nversion: 2\n"},
           {"valid_to: \"2019-12-31\"", "valid_to: \"2022-12-31\""}}) {
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  }
  const std::string file = Path("dk-lab-2016-longer.textproto");
  WriteFile(file, text);
  ClientRun all = Run({"whatif", file, "--as-of", "2022-06-30"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_FALSE(absl::StrContains(all.out, "showing")) << all.out;
  ClientRun one =
      Run({"whatif", file, "--as-of", "2022-06-30", "--limit", "1"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(Lines(one.out).back(),
            "showing 1 of 2; --limit N shows more (at most 1000)")
      << one.out;
}

// The rule listing fits an 80-column terminal; --json has every field.
TEST_F(CliTest, RuleListingFitsAnEightyColumnTerminal) {
  ClientRun rules = Run({"rules"});
  ASSERT_EQ(rules.exit_code, 0) << rules.err;
  const std::vector<std::string> lines = Lines(rules.out);
  ASSERT_GE(lines.size(), 2u) << rules.out;
  for (const std::string& line : lines) {
    EXPECT_LE(line.size(), 80u) << line;
  }
  EXPECT_EQ(lines[0],
            "ID                     VERSION  ACTIVE  KIND       VALID FROM  "
            "VALID TO");
  EXPECT_EQ(lines[1],
            "dk-lab-2016            1        active  STATUTORY  2016-01-01  "
            "2019-12-31");
  EXPECT_EQ(lines[2],
            "  8 requirements for A_DAGPENGE, KONTANTHJAELP_AKTIVITETSPARAT, "
            "SYGEDAGPENGE;");

  ClientRun json = Run({"rules", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(absl::StrContains(json.out, "\"origin\":")) << json.out;
}

// A case no rule set judges: the answer says why, from the server's note.
TEST_F(CliTest, ComplianceOfACaseNoRuleSetJudgesSaysWhy) {
  const std::string path = Path("ressource.jsonl");
  WriteFile(path,
            "{\"event_id\":\"r-1\",\"case_id\":\"case-r\",\"occurred_on\":"
            "\"2015-03-02\",\"case_opened\":{\"citizen_id\":\"p-1\","
            "\"jobcentre_id\":\"jc-middelfart\",\"target_group\":"
            "\"TARGET_GROUP_RESSOURCEFORLOEB\",\"birth_on\":\"1980-01-01\","
            "\"anchor_on\":\"2015-03-02\",\"caseworker_id\":\"cw-114\","
            "\"team_id\":\"team-a\"}}\n");
  ASSERT_EQ(Run({"append", path}).exit_code, 0);
  ClientRun text = Run({"compliance", "case-r", "--as-of", "2018-06-30"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(Lines(text.out).back(),
            "no rule set judges this case: period 1 "
            "(TARGET_GROUP_RESSOURCEFORLOEB, anchored 2015-03-02): "
            "dk-lab-2016 is for periods anchored from 2016-01-01; "
            "dk-lab-2020 is for periods anchored from 2020-01-01; "
            "dk-lab-2024 is for periods anchored from 2024-01-01; "
            "dk-lab-2026 is for periods anchored from 2026-07-01; "
            "local-faaborg-2018 is for periods anchored from 2018-05-20; "
            "local-middelfart-2020 is for periods anchored from 2020-02-05; "
            "star-followup-2023 is for periods anchored from 2022-01-01; "
            "star-recovery covers TARGET_GROUP_SYGEDAGPENGE, "
            "TARGET_GROUP_A_DAGPENGE")
      << text.out;
}

// worklist --jobcentre: a team's items in one jobcentre, each with its
// jobcentre shown. Needs --jobcentre registered on the worklist command and
// the server filling WorklistItem.jobcentre_id.
TEST_F(CliTest, WorklistByJobcentreShowsTheJobcentre) {
  ASSERT_EQ(Run({"append", kExamplesPath}).exit_code, 0);
  ClientRun csv =
      Run({"worklist", "--team", "team-a", "--jobcentre", "jc-middelfart",
           "--as-of", "2018-12-01", "--horizon-days", "30", "--csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_TRUE(absl::StrContains(
      csv.out,
      "2018-11-25,-6,-5,OVERDUE,case-1001,dk-lab-2016,interview-schedule,"
      "milestone 4 of 6 (4 by 16 weeks),A_DAGPENGE,jc-middelfart,team-a,"
      "cw-114\n"))
      << csv.out;
  ClientRun elsewhere = Run({"worklist", "--team", "team-a", "--jobcentre",
                             "jc-odense", "--as-of", "2018-12-01"});
  ASSERT_EQ(elsewhere.exit_code, 0) << elsewhere.err;
  EXPECT_EQ(Lines(elsewhere.out).back(),
            "no items: team team-a of jc-odense holds no cases on 2018-12-01")
      << elsewhere.out;
  EXPECT_EQ(Run({"worklist", "--team", "team-a", "--horizon", "30"}).exit_code,
            64)
      << "--horizon is now --horizon-days";
}

TEST_F(CliTest, WorklistPagesByOffsetAndCountsWorkingDays) {
  ASSERT_EQ(Run({"append", kExamplesPath}).exit_code, 0);
  const std::vector<std::string> base = {"worklist",   "--team",
                                         "team-a",     "--as-of",
                                         "2018-12-01", "--horizon-working-days",
                                         "20",         "--csv"};
  ClientRun all = Run(base);
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const std::vector<std::string> rows = Lines(all.out);
  // The header, the overdue milestone of 2018-11-25 and at least one due.
  ASSERT_GE(rows.size(), 3u) << all.out;
  EXPECT_TRUE(absl::StartsWith(rows[1], "2018-11-25,")) << all.out;
  std::vector<std::string> next = base;
  next.insert(next.end(), {"--offset", "1"});
  ClientRun page = Run(next);
  ASSERT_EQ(page.exit_code, 0) << page.err;
  std::vector<std::string> expected = rows;
  expected.erase(expected.begin() + 1);
  EXPECT_EQ(Lines(page.out), expected);

  std::vector<std::string> both = base;
  both.insert(both.end(), {"--horizon-days", "30"});
  EXPECT_EQ(Run(both).exit_code, 64);
}

}  // namespace
}  // namespace caseline
