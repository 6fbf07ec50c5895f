// Goal: nothing acknowledged is ever lost and nothing is stored twice when
// caseline-server is killed with SIGKILL at random moments. Method: appender
// threads drive the real server without pause, retrying each request until it
// is acknowledged, while the test kills the server and restarts it on the
// same data many times; then it opens the data directly and checks that
// every acknowledged event is there exactly once at its acknowledged
// position, that every request is there whole or not at all, and that
// positions are gap-free with every index agreeing with the log.
#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/store/event_store.h"
#include "tests/server_process.h"
#include "tests/temp_dir.h"
#include "tests/test_events.h"

namespace caseline {
namespace {

using namespace ::caseline::testing;  // NOLINT: event builders.

constexpr int kKills = 25;
constexpr int kWriters = 3;
constexpr int kEventsPerRequest = 3;
// The server lives this long between kills (uniformly random, in ms).
constexpr int kLifeMinMs = 30;
constexpr int kLifeMaxMs = 300;

v1::AppendRequest NewCase(const std::string& c) {
  v1::AppendRequest request;
  request.set_case_id(c);
  *request.add_events() = CaseOpened(c + "-e1", c);
  *request.add_events() = InterviewHeld(c + "-e2", c, "2018-08-20");
  *request.add_events() = InterviewHeld(c + "-e3", c, "2018-09-17");
  return request;
}

struct Acknowledged {
  std::string case_id;
  uint64_t first_position = 0;
};

TEST(CrashTest, KilledServerLosesNothingAcknowledged) {
  TempDir dir;
  auto server = std::make_unique<ServerProcess>(dir.path());
  const std::string address = server->grpc_address();

  std::atomic<bool> stop{false};
  // Set when the test gives up early: writers return at once.
  std::atomic<bool> abandon{false};
  std::mutex mu;
  std::vector<Acknowledged> acknowledged;  // Guarded by mu.
  std::atomic<int> retries{0};
  std::atomic<size_t> acknowledged_count{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      // A fresh channel after each failure connects as soon as the new
      // server listens, where a long-lived one would back off for seconds.
      auto connect = [&] {
        return v1::EventStore::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
      };
      auto stub = connect();
      for (int n = 0; !stop; ++n) {
        const v1::AppendRequest request = NewCase(absl::StrCat("w", w, "-", n));
        // Retry the very same request until it is acknowledged: across a
        // crash it may have been stored already, and must not be twice.
        for (;;) {
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(5));
          v1::AppendResponse response;
          grpc::Status status = stub->Append(&context, request, &response);
          if (status.ok()) {
            std::lock_guard<std::mutex> lock(mu);
            acknowledged.push_back(
                {request.case_id(), response.first_position()});
            ++acknowledged_count;
            break;
          }
          if (status.error_code() != grpc::StatusCode::UNAVAILABLE) {
            ADD_FAILURE() << "unexpected " << status.error_code() << ": "
                          << status.error_message();
            abandon = true;
          }
          if (abandon) return;
          ++retries;
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          stub = connect();
        }
      }
    });
  }

  // However the test ends, the writers are told to give up and are joined
  // before the server is stopped.
  struct JoinOnExit {
    std::atomic<bool>& abandon;
    std::vector<std::thread>& threads;
    ~JoinOnExit() {
      abandon = true;
      for (std::thread& thread : threads) {
        if (thread.joinable()) thread.join();
      }
    }
  } join_on_exit{abandon, writers};

  std::mt19937 random(20181001);
  std::uniform_int_distribution<int> life_ms(kLifeMinMs, kLifeMaxMs);
  for (int kill = 0; kill < kKills; ++kill) {
    // Each life of the server acknowledges something before it dies, however
    // slow the machine, so that every kill lands among live appends.
    const size_t before = acknowledged_count;
    const auto patience =
        std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (acknowledged_count == before &&
           std::chrono::steady_clock::now() < patience) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_GT(acknowledged_count.load(), before)
        << "no progress after kill " << kill;
    std::this_thread::sleep_for(std::chrono::milliseconds(life_ms(random)));
    server->Kill();
    server = std::make_unique<ServerProcess>(dir.path(), address);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(kLifeMaxMs));
  stop = true;
  for (std::thread& writer : writers) writer.join();
  ASSERT_EQ(server->Stop(SIGTERM), 0);

  // The data directory, read directly.
  store::StoreOptions options;
  options.path = dir.path();
  absl::StatusOr<std::unique_ptr<store::EventStore>> opened =
      store::EventStore::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  store::EventStore& store = **opened;
  absl::StatusOr<store::VerifyReport> report = store.Verify();
  ASSERT_TRUE(report.ok()) << report.status();

  absl::flat_hash_map<std::string, uint64_t> position_by_id;
  absl::flat_hash_map<std::string, int> events_by_case;
  for (uint64_t next = 1; next <= store.last_position();) {
    absl::StatusOr<store::LogPage> page = store.ReadAll(next, 1000, {});
    ASSERT_TRUE(page.ok()) << page.status();
    for (const v1::Event& event : page->events) {
      EXPECT_TRUE(
          position_by_id.emplace(event.event_id(), event.position()).second)
          << event.event_id() << " is stored twice";
      ++events_by_case[event.case_id()];
    }
    next = page->next_position;
  }
  EXPECT_EQ(position_by_id.size(), report->events);

  // Every writer retried until acknowledged, so every request is stored, and
  // whole: no case holds part of its request.
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(events_by_case.size(), acknowledged.size());
  for (const auto& [case_id, count] : events_by_case) {
    EXPECT_EQ(count, kEventsPerRequest) << case_id;
  }
  for (const Acknowledged& ack : acknowledged) {
    for (int j = 0; j < kEventsPerRequest; ++j) {
      const std::string id = absl::StrCat(ack.case_id, "-e", j + 1);
      auto it = position_by_id.find(id);
      ASSERT_NE(it, position_by_id.end()) << id << " was acknowledged but lost";
      EXPECT_EQ(it->second, ack.first_position + j) << id;
    }
  }
  // The test must have exercised something: appends between kills, and
  // requests cut off by a kill and retried.
  EXPECT_GE(acknowledged.size(), static_cast<size_t>(kKills));
  EXPECT_GT(retries.load(), 0);
  std::cout << "crash test: " << kKills << " kills, " << acknowledged.size()
            << " requests acknowledged, " << retries.load() << " retries, "
            << report->events << " events verified\n";
}

}  // namespace
}  // namespace caseline
