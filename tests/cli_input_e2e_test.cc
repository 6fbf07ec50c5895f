// Goal: the `caseline` client's input commands (append, import-history,
// import-csv), the files under examples/ and the command line itself do what
// the README and `caseline --help` say, with the documented exit statuses.
// Method: start caseline-server on free localhost ports with a fresh data
// directory, run the client binary as a child process with its output in
// files, and compare exit codes and output lines; unit-test the pure
// command-line helpers directly.

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/cli_testing.h"
#include "tests/server_process.h"
#include "tests/temp_dir.h"
#include "tools/command_line.h"

namespace caseline {
namespace {

using ::caseline::testing::ClientRun;
using ::caseline::testing::Lines;
using ::caseline::testing::ReadFile;
using ::caseline::testing::RunClient;
using ::caseline::testing::ServerProcess;
using ::caseline::testing::TempDir;

const std::string kExamplesDir = CASELINE_EXAMPLES_DIR;

class CliInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(data_dir_.path());
    stub_ = server_->NewStub();
  }

  std::string Path(const std::string& name) const {
    return absl::StrCat(files_dir_.path(), "/", name);
  }

  // Runs the client with `args` as given (no --server added).
  ClientRun RunRaw(const std::vector<std::string>& args) {
    const std::string out_path = Path(absl::StrCat("run-", runs_, ".out"));
    const std::string err_path = Path(absl::StrCat("run-", runs_, ".err"));
    ++runs_;
    return RunClient(args, "/dev/null", out_path, err_path);
  }

  // Runs the client against the test's server.
  ClientRun Run(const std::vector<std::string>& args) {
    std::vector<std::string> full_args = {"--server", server_->grpc_address()};
    full_args.insert(full_args.end(), args.begin(), args.end());
    return RunRaw(full_args);
  }

  uint64_t LastPosition() {
    grpc::ClientContext context;
    v1::ReadAllRequest request;
    request.set_max_count(1);
    v1::ReadAllResponse response;
    EXPECT_TRUE(stub_->ReadAll(&context, request, &response).ok());
    return response.last_position();
  }

  // Writes a generated population to a file; returns its path.
  std::string Generate(const std::vector<std::string>& options) {
    const std::string path = Path(absl::StrCat("generated-", runs_, ".jsonl"));
    std::vector<std::string> args = {"generate", "--out", path};
    args.insert(args.end(), options.begin(), options.end());
    const ClientRun run = RunRaw(args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return path;
  }

  TempDir data_dir_;
  TempDir files_dir_;
  int runs_ = 0;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::EventStore::Stub> stub_;
};

// The README's blocker: after live appends, a history import fails on every
// line. It stops at the first, says why in one line with the remedy,
// summarizes the follow-ons and stores nothing.
TEST_F(CliInputTest, ImportHistoryAfterLiveAppendsStopsAtOnce) {
  ASSERT_EQ(Run({"append", kExamplesDir + "/events.jsonl"}).exit_code, 0);
  const uint64_t live_events = LastPosition();
  // More lines than the client can have read ahead and in flight (4096
  // sent, 1000 read ahead, a message being filled) when the first refusal
  // comes back, so that it must stop sending.
  const std::string history =
      Generate({"--cases", "900", "--seed", "7", "--jobcentres", "1"});
  const size_t history_lines = Lines(ReadFile(history)).size();
  ASSERT_GT(history_lines, 7000u);

  ClientRun import = Run({"import-history", history});
  EXPECT_EQ(import.exit_code, 4) << import.err;
  EXPECT_EQ(import.out, "");
  const std::vector<std::string> lines = Lines(import.err);
  ASSERT_EQ(lines.size(), 2u) << import.err;
  EXPECT_TRUE(absl::StartsWith(
      lines[0],
      "error: import-history stopped at line 1: events[0].recorded_at: "))
      << lines[0];
  EXPECT_TRUE(absl::StrContains(lines[0], "is before the log's last "))
      << lines[0];
  EXPECT_TRUE(absl::EndsWith(
      lines[0],
      ". This server's log already holds events recorded after this history, "
      "so every later line would be refused too: import history into a fresh "
      "server (its own --data directory and ports) before any live append"))
      << lines[0];
  // std::regex trips GCC 12's maybe-uninitialized warning, hence by hand.
  const std::string prefix = "0 appended, 0 already stored, 1 rejected; ";
  const std::string suffix =
      " more lines sent were refused for the same reason, the rest were not "
      "sent";
  ASSERT_TRUE(absl::StartsWith(lines[1], prefix) &&
              absl::EndsWith(lines[1], suffix))
      << lines[1];
  const std::string count = lines[1].substr(
      prefix.size(), lines[1].size() - prefix.size() - suffix.size());
  // At most a window of requests was in flight when it stopped.
  EXPECT_LT(std::stoul(count), history_lines - 1) << lines[1];
  EXPECT_EQ(LastPosition(), live_events);
}

// The same history into a fresh server goes in whole.
TEST_F(CliInputTest, ImportHistoryIntoAFreshServerStoresEverything) {
  const std::string history =
      Generate({"--cases", "100", "--seed", "7", "--jobcentres", "1"});
  const size_t history_lines = Lines(ReadFile(history)).size();
  ClientRun import = Run({"import-history", history});
  EXPECT_EQ(import.exit_code, 0) << import.err;
  EXPECT_EQ(import.err, absl::StrCat(history_lines,
                                     " appended, 0 already stored, 0 "
                                     "rejected\n"));
  EXPECT_EQ(LastPosition(), history_lines);
}

// The README's tour: examples/bad.jsonl after examples/events.jsonl.
TEST_F(CliInputTest, BadJsonlIsRejectedWithTheReadmeMessages) {
  ASSERT_EQ(Run({"append", kExamplesDir + "/events.jsonl"}).exit_code, 0);
  ClientRun bad = Run({"append", kExamplesDir + "/bad.jsonl"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.out, "");
  EXPECT_EQ(Lines(bad.err),
            (std::vector<std::string>{
                "0 appended, 0 already stored, 2 rejected",
                "line 1: INVALID_ARGUMENT: events[0].occurred_on: 2019-02-30 "
                "is not a date (want YYYY-MM-DD)",
                "line 2: ALREADY_EXISTS: events[0].event_id: e-1001-01 is "
                "stored already (position 1) with different content",
            }))
      << bad.err;
}

// examples/actions.csv names its cases apart from generated ones (case-N),
// so it imports cleanly into a server holding a generated population.
TEST_F(CliInputTest, ActionsCsvImportsBesideAGeneratedPopulation) {
  const std::string csv = ReadFile(kExamplesDir + "/actions.csv");
  EXPECT_FALSE(absl::StrContains(csv, ",case-"))
      << "examples/actions.csv uses a generated case id (case-N)";

  // More than 2002 cases: case-2001 and case-2002 exist.
  const std::string history =
      Generate({"--cases", "2100", "--seed", "7", "--jobcentres", "1", "--from",
                "2020-10-01", "--to", "2020-12-31"});
  ASSERT_EQ(Run({"import-history", history}).exit_code, 0);
  const uint64_t before = LastPosition();
  ClientRun imported = Run({"import-csv", kExamplesDir + "/actions.csv"});
  EXPECT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(imported.err,
            "22 imported, 0 already stored, 0 rejected by the server\n");
  EXPECT_EQ(LastPosition(), before + 22);
}

// The README's second CSV: bad rows leave their cases out whole.
TEST_F(CliInputTest, ActionsWithBadRowsImportsTheGoodCasesWithSkipBad) {
  const std::string file = kExamplesDir + "/actions-with-bad-rows.csv";
  ClientRun refused = Run({"import-csv", file});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(Lines(refused.err),
            (std::vector<std::string>{
                "line 6, column date: 2019-02-31 is not a date (want "
                "YYYY-MM-DD)",
                "line 9, column action: \"phone_call\" is not one of: "
                "case_opened, service_call, interview_held, interview_missed, "
                "referral_made, referral_cancelled, offer_started, "
                "offer_ended, caseworker_changed, target_group_changed, "
                "case_paused, case_resumed, review_held, case_closed, "
                "retracted, exemption_granted",
                "nothing imported: 2 bad rows (--skip-bad imports the other "
                "cases)",
            }))
      << refused.err;
  EXPECT_EQ(LastPosition(), 0u);

  const std::string rejected = Path("rejected.csv");
  ClientRun skipped =
      Run({"import-csv", file, "--skip-bad", "--rejected", rejected});
  EXPECT_EQ(skipped.exit_code, 1) << skipped.err;
  const std::vector<std::string> lines = Lines(skipped.err);
  ASSERT_EQ(lines.size(), 4u) << skipped.err;
  EXPECT_EQ(lines[2], absl::StrCat("2 bad rows; 2 cases left out whole; "
                                   "rejected rows written to ",
                                   rejected));
  EXPECT_EQ(lines[3], "3 imported, 0 already stored, 0 rejected by the server");
  EXPECT_EQ(LastPosition(), 3u);
  EXPECT_EQ(Lines(ReadFile(rejected)).size(), 1u + 5u) << ReadFile(rejected);
}

// examples/my-rules.textproto is a valid candidate: whatif judges with it,
// rules put stores it.
TEST_F(CliInputTest, MyRulesIsAValidCandidateRuleSet) {
  ASSERT_EQ(Run({"append", kExamplesDir + "/events.jsonl"}).exit_code, 0);
  const std::string file = kExamplesDir + "/my-rules.textproto";
  ClientRun whatif = Run({"whatif", file, "--as-of", "2020-06-30"});
  EXPECT_EQ(whatif.exit_code, 0) << whatif.err;
  EXPECT_TRUE(
      absl::StrContains(whatif.out, "candidate local-middelfart-2020@2"))
      << whatif.out;
  ClientRun put = Run({"rules", "put", file});
  EXPECT_EQ(put.exit_code, 0) << put.err;
  EXPECT_EQ(put.out,
            "rule set local-middelfart-2020 version 2 stored; it is the "
            "active version now\n");
}

TEST_F(CliInputTest, AppendOfAMissingFileIsAFileError) {
  const std::string missing = Path("nosuch.jsonl");
  ClientRun append = Run({"append", missing});
  EXPECT_EQ(append.exit_code, 3);
  EXPECT_EQ(append.err, absl::StrCat("error: cannot read ", missing,
                                     ": No such file or directory\n"));
  ClientRun csv = Run({"import-csv", missing});
  EXPECT_EQ(csv.exit_code, 3);
  EXPECT_EQ(csv.err, absl::StrCat("error: cannot read ", missing,
                                  ": No such file or directory\n"));
}

TEST_F(CliInputTest, AMistypedCommandNamesTheNearest) {
  ClientRun run = RunRaw({"complience", "case-1001"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "error: unknown command \"complience\"; did you mean compliance? "
            "(caseline --help lists the commands)\n");
  // After a global option and its value.
  ClientRun after = RunRaw({"--server", "127.0.0.1:1", "raed", "case-1"});
  EXPECT_EQ(after.exit_code, 64);
  EXPECT_EQ(after.err,
            "error: unknown command \"raed\"; did you mean read? (caseline "
            "--help lists the commands)\n");
  ClientRun far = RunRaw({"frobnicate"});
  EXPECT_EQ(far.exit_code, 64);
  EXPECT_EQ(far.err,
            "error: unknown command \"frobnicate\" (caseline --help lists "
            "the commands)\n");
}

TEST_F(CliInputTest, HelpShowsGlobalOptionsAndExitStatuses) {
  ClientRun top = RunRaw({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_TRUE(
      absl::StrContains(top.out,
                        "Exit status:\n"
                        "    0  success: everything was stored or answered\n"))
      << top.out;
  EXPECT_TRUE(absl::StrContains(
      top.out,
      "    3  a file named on the command line cannot be read or written\n"))
      << top.out;
  EXPECT_TRUE(absl::StrContains(top.out, "   64  the command line is wrong"))
      << top.out;

  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{"compliance", "--help"},
                                             {"append", "--help"},
                                             {"rules", "put", "--help"}}) {
    ClientRun help = RunRaw(command);
    EXPECT_EQ(help.exit_code, 0) << command[0];
    EXPECT_TRUE(absl::StrContains(
        help.out, "Global options (before or after the command):\n"))
        << help.out;
    EXPECT_TRUE(absl::StrContains(help.out, "\n  --server TEXT:HOST:PORT "))
        << help.out;
    EXPECT_TRUE(absl::StrContains(help.out, "\n  --json ")) << help.out;
    EXPECT_TRUE(absl::StrContains(help.out, "\n  --timeout ")) << help.out;
  }
}

// A host without a port dials the server's default port; the test's server
// is on another, so the port is the one given: localhost:PORT works.
TEST_F(CliInputTest, ServerAddressesAreCheckedAndCompleted) {
  const std::string port =
      server_->grpc_address().substr(server_->grpc_address().rfind(':') + 1);
  // 127.0.0.1, not localhost: gRPC's name resolver leaks a few bytes at
  // exit, which the leak sanitizer would count against the client.
  ClientRun named = RunRaw({"--server", absl::StrCat("127.0.0.1:", port),
                            "append", kExamplesDir + "/events.jsonl"});
  EXPECT_EQ(named.exit_code, 0) << named.err;

  ClientRun bad = RunRaw({"--server", "localhost:port", "read", "case-1"});
  EXPECT_EQ(bad.exit_code, 64);
  EXPECT_TRUE(absl::StrContains(
      bad.err,
      "--server: localhost:port: the port \"port\" is not a number from 1 to "
      "65535; want HOST:PORT, e.g. 127.0.0.1:50051"))
      << bad.err;
}

TEST(ServerAddressTest, AddsTheDefaultPortAndRefusesMalformedAddresses) {
  using cli::ServerAddress;
  EXPECT_EQ(*ServerAddress("localhost"), "localhost:50051");
  EXPECT_EQ(*ServerAddress("10.0.0.7"), "10.0.0.7:50051");
  EXPECT_EQ(*ServerAddress("caseline.example.dk:7000"),
            "caseline.example.dk:7000");
  EXPECT_EQ(*ServerAddress("[::1]"), "[::1]:50051");
  EXPECT_EQ(*ServerAddress("[::1]:7000"), "[::1]:7000");
  EXPECT_EQ(*ServerAddress("unix:/run/caseline.sock"),
            "unix:/run/caseline.sock");
  EXPECT_EQ(*ServerAddress("dns:///caseline:7000"), "dns:///caseline:7000");

  EXPECT_EQ(ServerAddress("").status().message(),
            "--server: : the address is empty; want HOST:PORT, e.g. "
            "127.0.0.1:50051");
  EXPECT_EQ(ServerAddress(":7000").status().message(),
            "--server: :7000: the host is empty; want HOST:PORT, e.g. "
            "127.0.0.1:50051");
  EXPECT_EQ(ServerAddress("localhost:0").status().message(),
            "--server: localhost:0: the port \"0\" is not a number from 1 to "
            "65535; want HOST:PORT, e.g. 127.0.0.1:50051");
  EXPECT_EQ(ServerAddress("localhost:65536").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ServerAddress("localhost:").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ServerAddress("::1").status().message(),
            "--server: ::1: write an IPv6 address in brackets, [::1]:PORT; "
            "want HOST:PORT, e.g. 127.0.0.1:50051");
  EXPECT_EQ(ServerAddress("[::1").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ServerAddress("local host").status().message(),
            "--server: local host: that is not a host name or address; want "
            "HOST:PORT, e.g. 127.0.0.1:50051");
}

TEST(NearestNameTest, FindsTyposAndNothingFarOff) {
  const std::vector<std::string> names = {
      "append", "compliance", "import-csv", "import-history",
      "read",   "report",     "rules",      "worklist"};
  EXPECT_EQ(cli::NearestName("complience", names), "compliance");
  EXPECT_EQ(cli::NearestName("complaince", names), "compliance");
  EXPECT_EQ(cli::NearestName("apend", names), "append");
  EXPECT_EQ(cli::NearestName("import-csb", names), "import-csv");
  EXPECT_EQ(cli::NearestName("raed", names), "read");
  EXPECT_EQ(cli::NearestName("worklsit", names), "worklist");
  EXPECT_EQ(cli::NearestName("frobnicate", names), "");
  EXPECT_EQ(cli::NearestName("", names), "");
  EXPECT_EQ(cli::NearestName(std::string(1000, 'a'), names), "");
}

}  // namespace
}  // namespace caseline
