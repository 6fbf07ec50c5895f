// Goal: a backup taken while appends go on holds every event acknowledged
// before it began; restored into a new directory, the store checks clean,
// its positions are gap-free, and appends go on from its last position.
// Method: the real caseline-server with --backup-dir, a client appending on
// a thread of its own, Admin.Backup over gRPC, then caseline-server
// --restore and --check as processes, and a server started on the restored
// directory.
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "caseline/v1/caseline.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"
#include "tests/temp_dir.h"
#include "tests/test_events.h"

namespace caseline {
namespace {

using namespace ::caseline::testing;  // NOLINT: server, temp dir, events.

struct Ran {
  int exit_code = -1;
  std::string output;  // stdout and stderr together.
};

// caseline-server with `args`, to its end.
Ran RunServerBinary(const std::string& args) {
  Ran ran;
  const std::string command =
      absl::StrCat(CASELINE_SERVER_PATH, " ", args, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return ran;
  char buffer[4096];
  size_t read = 0;
  while ((read = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    ran.output.append(buffer, read);
  }
  const int status = pclose(pipe);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

// Appends case after case until told to stop; notes each acknowledged
// event's position.
class Appender {
 public:
  explicit Appender(const ServerProcess& server)
      : stub_(server.NewStub()), thread_([this] { Run(); }) {}
  ~Appender() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  // event id -> position, of those acknowledged so far.
  std::map<std::string, uint64_t> Acknowledged() {
    std::lock_guard lock(mu_);
    return acknowledged_;
  }

  size_t count() {
    std::lock_guard lock(mu_);
    return acknowledged_.size();
  }

 private:
  void Run() {
    for (int i = 0; !stop_; ++i) {
      const std::string case_id = absl::StrCat("case-b", i);
      const std::string event_id = absl::StrCat("e-b", i);
      v1::AppendRequest request;
      request.set_case_id(case_id);
      *request.add_events() = CaseOpened(event_id, case_id, "2020-03-02");
      v1::AppendResponse response;
      grpc::ClientContext context;
      if (stub_->Append(&context, request, &response).ok()) {
        std::lock_guard lock(mu_);
        acknowledged_[event_id] = response.last_position();
      }
    }
  }

  std::unique_ptr<v1::EventStore::Stub> stub_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, uint64_t> acknowledged_;  // Guarded by mu_.
  std::thread thread_;
};

void WaitFor(Appender& appender, size_t count) {
  for (int i = 0; i < 3000 && appender.count() < count; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GE(appender.count(), count);
}

v1::BackupResponse Backup(const ServerProcess& server, grpc::Status* status) {
  auto admin = v1::Admin::NewStub(server.Channel());
  grpc::ClientContext context;
  // A stuck backup fails the test instead of hanging it.
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(120));
  v1::BackupResponse response;
  *status = admin->Backup(&context, v1::BackupRequest(), &response);
  return response;
}

// Writes 64 bytes of 0xff into the middle of the largest file of `data`
// with `extension` that has more than `bytes_min` bytes; returns it, or an
// empty path when there is none.
std::filesystem::path DamageTheLargest(const std::string& data,
                                       const std::string& extension,
                                       uintmax_t bytes_min) {
  std::filesystem::path largest;
  uintmax_t largest_size = bytes_min;
  for (const auto& entry : std::filesystem::directory_iterator(data)) {
    if (entry.path().extension() == extension &&
        entry.file_size() > largest_size) {
      largest = entry.path();
      largest_size = entry.file_size();
    }
  }
  if (largest.empty()) return largest;
  std::fstream file(largest, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(largest_size / 2));
  const std::string garbage(64, '\xff');
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  return largest;
}

TEST(BackupTest, ABackupDuringAppendsRestoresWithEveryAcknowledgedEvent) {
  TempDir dir;
  const std::string backups = dir.path() + "/backups";
  const std::string restored = dir.path() + "/restored";
  std::map<std::string, uint64_t> before;
  v1::BackupResponse first;
  v1::BackupResponse second;
  {
    ServerProcess server(dir.path() + "/data", "127.0.0.1:0",
                         CASELINE_RULES_DIR, {"--backup-dir", backups});
    Appender appender(server);
    WaitFor(appender, 200);
    // Everything acknowledged before the backup began.
    before = appender.Acknowledged();
    grpc::Status status;
    first = Backup(server, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    WaitFor(appender, before.size() + 100);
    // A second, while appends still go on: incremental, its own id. It is
    // the one restored, so what it must hold is noted just before it.
    before = appender.Acknowledged();
    second = Backup(server, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    appender.Stop();
  }
  uint64_t highest = 0;
  for (const auto& [id, position] : before) {
    highest = std::max(highest, position);
  }
  EXPECT_EQ(first.backup_id(), 1u);
  EXPECT_GE(second.last_position(), highest);
  EXPECT_TRUE(first.has_last_recorded_at());
  EXPECT_GT(first.files(), 0u);
  EXPECT_TRUE(absl::StartsWith(first.checksum(), "sha256:"))
      << first.checksum();
  EXPECT_EQ(first.checksum().size(), 7u + 64u);
  EXPECT_EQ(first.directory(), backups);
  EXPECT_EQ(second.backup_id(), 2u);
  EXPECT_GT(second.last_position(), first.last_position());
  EXPECT_NE(second.checksum(), first.checksum());

  // The latest backup, restored into a new directory, checks clean.
  const Ran restore = RunServerBinary(
      absl::StrCat("--restore ", backups, " --data ", restored));
  ASSERT_EQ(restore.exit_code, 0) << restore.output;
  EXPECT_TRUE(absl::StrContains(
      restore.output, "restored backup 2 of " + backups + " into " + restored))
      << restore.output;
  EXPECT_TRUE(absl::StrContains(restore.output, second.checksum()))
      << restore.output;
  const Ran check = RunServerBinary(absl::StrCat("--check --data ", restored));
  ASSERT_EQ(check.exit_code, 0) << check.output;
  EXPECT_TRUE(absl::StrContains(check.output, "positions gap-free"))
      << check.output;
  // And it holds the event its backup's manifest names.
  EXPECT_TRUE(absl::StrContains(
      check.output, absl::StrCat("backup 2's manifest agrees: the event at "
                                 "position ",
                                 second.last_position(), " was recorded at ")))
      << check.output;
  {
    // A manifest the store does not match fails the check.
    const std::string marker = restored + "/RESTORED_FROM";
    std::ifstream in(marker);
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    // The manifest as protobuf's JSON: its recorded_at, another instant.
    const std::string field = "\"last_recorded_at\":\"";
    const size_t at = text.find(field);
    ASSERT_NE(at, std::string::npos) << text;
    std::string tampered = text;
    const size_t value = at + field.size();
    tampered.replace(value, text.find('"', value) - value,
                     "1970-01-01T00:00:01Z");
    std::ofstream(marker, std::ios::trunc) << tampered;
    const Ran mismatch =
        RunServerBinary(absl::StrCat("--check --data ", restored));
    EXPECT_EQ(mismatch.exit_code, 1) << mismatch.output;
    EXPECT_TRUE(
        absl::StrContains(mismatch.output, "as backup 2's manifest says"))
        << mismatch.output;
    std::ofstream(marker, std::ios::trunc) << text;
  }

  // A restore never writes over a store.
  const Ran again = RunServerBinary(
      absl::StrCat("--restore ", backups, " --data ", restored));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(again.output, "is not empty")) << again.output;

  ServerProcess server(restored);
  auto stub = server.NewStub();
  std::map<std::string, uint64_t> found;
  uint64_t last = 0;
  for (uint64_t from = 1;;) {
    v1::ReadAllRequest request;
    request.set_from_position(from);
    request.set_max_count(1000);
    v1::ReadAllResponse page;
    grpc::ClientContext context;
    ASSERT_TRUE(stub->ReadAll(&context, request, &page).ok());
    for (const v1::Event& event : page.events()) {
      EXPECT_EQ(event.position(), last + 1) << "a gap after " << last;
      last = event.position();
      found[event.event_id()] = event.position();
    }
    if (page.events_size() == 0) break;
    from = last + 1;
  }
  EXPECT_GE(last, second.last_position());
  for (const auto& [id, position] : before) {
    ASSERT_TRUE(found.contains(id)) << id << " at " << position;
    EXPECT_EQ(found.at(id), position) << id;
  }

  // Appends go on from the restored store's last position.
  v1::AppendRequest request;
  request.set_case_id("case-after-restore");
  *request.add_events() =
      CaseOpened("e-after-restore", "case-after-restore", "2020-03-02");
  v1::AppendResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub->Append(&context, request, &response).ok());
  EXPECT_EQ(response.first_position(), last + 1);

  // This server was started without --backup-dir.
  grpc::Status refused;
  Backup(server, &refused);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "--backup-dir"))
      << refused.error_message();
}

// A data file damaged on disk: --check names it and says what to do.
TEST(BackupTest, CheckNamesADamagedDataFileAndWhatToDo) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  {
    ServerProcess server(data, "127.0.0.1:0", CASELINE_RULES_DIR,
                         {"--backup-dir", dir.path() + "/backups"});
    Appender appender(server);
    WaitFor(appender, 300);
    appender.Stop();
    // A backup flushes the memtables: the events are in table files now.
    grpc::Status status;
    Backup(server, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  const std::filesystem::path largest = DamageTheLargest(data, ".sst", 4096);
  ASSERT_FALSE(largest.empty()) << "no table file in " << data;
  const Ran check = RunServerBinary(absl::StrCat("--check --data ", data));
  EXPECT_EQ(check.exit_code, 1) << check.output;
  EXPECT_TRUE(absl::StrContains(check.output, largest.filename().string()))
      << check.output;
  EXPECT_TRUE(absl::StrContains(check.output, "the store is damaged"))
      << check.output;
  EXPECT_TRUE(absl::StrContains(check.output, "--restore BACKUP_DIR"))
      << check.output;
}

// Acknowledged appends live in the write-ahead log until a flush. A log
// damaged in the middle (not a torn tail, which a crash leaves and which
// holds nothing acknowledged) must stop the store, naming the file, rather
// than open with the events after the damage silently gone.
TEST(BackupTest, ALogDamagedInTheMiddleStopsTheStoreAndIsNamed) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  {
    ServerProcess server(data);
    Appender appender(server);
    WaitFor(appender, 300);
    appender.Stop();
    server.Kill();  // No flush at close: the events are in the log only.
  }
  const std::filesystem::path log = DamageTheLargest(data, ".log", 65536);
  ASSERT_FALSE(log.empty()) << "no write-ahead log in " << data;
  const Ran check = RunServerBinary(absl::StrCat("--check --data ", data));
  EXPECT_EQ(check.exit_code, 1) << check.output;
  EXPECT_TRUE(absl::StrContains(check.output, log.filename().string()))
      << check.output;
  EXPECT_TRUE(absl::StrContains(check.output, "the store is damaged"))
      << check.output;
}

TEST(BackupTest, RestoringWhatIsNoBackupIsRefused) {
  TempDir dir;
  const Ran missing = RunServerBinary(absl::StrCat(
      "--restore ", dir.path(), "/nowhere --data ", dir.path(), "/restored"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(missing.output, "no backup directory"))
      << missing.output;
}

}  // namespace
}  // namespace caseline
