// Goal: the event store keeps its promises on a real RocksDB: appends are
// read back as written, all or nothing, idempotent on retry, gap-free in
// position and strictly increasing in recorded_at, and survive reopening.
// Method: a store in a fresh temp directory per test, with a fixed clock.
#include "server/store/event_store.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "projections/instants.h"
#include "projections/timeline.h"
#include "tests/temp_dir.h"
#include "tests/test_events.h"

namespace caseline::store {
namespace {

using namespace ::caseline::testing;  // NOLINT: event builders.

// A fixed "now": 2026-11-22 10:00 UTC.
absl::Time FixedNow() {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 22, 10, 0, 0),
                         absl::UTCTimeZone());
}

class EventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    StoreOptions options;
    options.path = dir_.path();
    options.clock = [this] { return clock_(); };
    absl::StatusOr<std::unique_ptr<EventStore>> opened =
        EventStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
  }

  static AppendCommand Command(const std::string& case_id,
                               std::vector<v1::Event> events) {
    AppendCommand command;
    command.case_id = case_id;
    command.events = std::move(events);
    return command;
  }

  // A new case c with CaseOpened and two interviews.
  static AppendCommand NewCase(const std::string& c) {
    return Command(
        c, {CaseOpened(c + "-e1", c), InterviewHeld(c + "-e2", c, "2018-08-20"),
            InterviewHeld(c + "-e3", c, "2018-09-17")});
  }

  void ExpectRefused(AppendCommand command, absl::StatusCode code,
                     const std::string& message) {
    const uint64_t before = store_->last_position();
    absl::StatusOr<AppendResult> result = store_->Append(std::move(command));
    ASSERT_FALSE(result.ok()) << message;
    EXPECT_EQ(result.status().code(), code) << result.status();
    EXPECT_EQ(result.status().message(), message) << result.status().message();
    EXPECT_EQ(store_->last_position(), before) << "a refusal wrote something";
  }

  TempDir dir_;
  std::function<absl::Time()> clock_ = FixedNow;
  std::unique_ptr<EventStore> store_;
};

TEST_F(EventStoreTest, AppendsAreReadBackWithServerFields) {
  absl::StatusOr<AppendResult> result = store_->Append(NewCase("c-1"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->first_position, 1u);
  EXPECT_EQ(result->last_position, 3u);
  EXPECT_EQ(result->case_version, 3u);
  EXPECT_FALSE(result->deduplicated);
  EXPECT_EQ(store_->last_position(), 3u);

  absl::StatusOr<CasePage> page = store_->ReadCase("c-1", 0, 0);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->events.size(), 3u);
  EXPECT_EQ(page->case_version, 3u);
  EXPECT_EQ(page->next_version, 0u);
  for (uint64_t i = 0; i < 3; ++i) {
    const v1::Event& event = page->events[i];
    EXPECT_EQ(event.case_version(), i + 1);
    EXPECT_EQ(event.position(), i + 1);
    EXPECT_EQ(event.case_id(), "c-1");
    EXPECT_EQ(event.recorded_by(), "anonymous");
    // The fixed clock does not move: recorded_at steps by 1 microsecond.
    EXPECT_EQ(event.recorded_at().seconds(), absl::ToUnixSeconds(FixedNow()));
    EXPECT_EQ(event.recorded_at().nanos(), static_cast<int>(i) * 1000);
  }
  EXPECT_EQ(page->events[1].interview_held().kind(),
            v1::INTERVIEW_KIND_INDIVIDUAL);
  EXPECT_EQ(absl::ToUnixMicros(result->recorded_at),
            absl::ToUnixMicros(FixedNow()) + 2);
}

TEST_F(EventStoreTest, UnknownCaseIsNotFound) {
  absl::StatusOr<CasePage> page = store_->ReadCase("c-404", 0, 0);
  EXPECT_EQ(page.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(page.status().message(), "case c-404 not found");
  // A case whose id is a prefix of another's is still unknown.
  ASSERT_TRUE(store_->Append(NewCase("c-10")).ok());
  EXPECT_EQ(store_->ReadCase("c-1", 0, 0).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(EventStoreTest, ReadCasePagesThroughVersions) {
  ASSERT_TRUE(store_->Append(NewCase("c-1")).ok());
  ASSERT_TRUE(store_->Append(NewCase("c-2")).ok());
  absl::StatusOr<CasePage> page = store_->ReadCase("c-2", 2, 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].event_id(), "c-2-e2");
  EXPECT_EQ(page->events[0].position(), 5u);
  EXPECT_EQ(page->next_version, 3u);
  page = store_->ReadCase("c-2", 3, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->next_version, 0u);
  page = store_->ReadCase("c-2", 9, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->events.empty());
}

TEST_F(EventStoreTest, ReadAllPagesAndFilters) {
  ASSERT_TRUE(store_->Append(NewCase("c-1")).ok());
  ASSERT_TRUE(store_->Append(NewCase("c-2")).ok());
  absl::StatusOr<LogPage> page = store_->ReadAll(0, 4, {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 4u);
  EXPECT_EQ(page->events[3].position(), 4u);
  EXPECT_EQ(page->next_position, 5u);
  EXPECT_EQ(page->last_position, 6u);
  page = store_->ReadAll(5, 100, {});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->next_position, 7u);

  page = store_->ReadAll(1, 100, {v1::Event::kCaseOpened});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].position(), 1u);
  EXPECT_EQ(page->events[1].position(), 4u);
  EXPECT_EQ(page->next_position, 7u);
}

TEST_F(EventStoreTest, ExpectedVersionIsChecked) {
  AppendCommand first = NewCase("c-1");
  first.expect = AppendCommand::Expect::kNoCase;
  ASSERT_TRUE(store_->Append(first).ok());

  AppendCommand again =
      Command("c-1", {InterviewHeld("x-1", "c-1", "2018-10-01")});
  again.expect = AppendCommand::Expect::kNoCase;
  ExpectRefused(again, absl::StatusCode::kFailedPrecondition,
                "expected_version.no_case: case c-1 exists already, at "
                "version 3");
  again.expect = AppendCommand::Expect::kExact;
  again.expected_version = 2;
  ExpectRefused(again, absl::StatusCode::kFailedPrecondition,
                "expected_version.exact: expected version 2 but case c-1 is "
                "at version 3");
  again.expected_version = 3;
  absl::StatusOr<AppendResult> result = store_->Append(again);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->case_version, 4u);
  again.expected_version = 0;
  ExpectRefused(again, absl::StatusCode::kInvalidArgument,
                "expected_version.exact: must be at least 1 (use no_case for "
                "a case that must not exist yet)");
}

TEST_F(EventStoreTest, RetryIsAnsweredAsTheFirstAndWritesNothing) {
  AppendCommand command = NewCase("c-1");
  command.expect = AppendCommand::Expect::kNoCase;
  absl::StatusOr<AppendResult> first = store_->Append(command);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store_->Append(NewCase("c-2")).ok());

  // The retry would fail no_case, but it is recognised first.
  absl::StatusOr<AppendResult> retry = store_->Append(command);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->deduplicated);
  EXPECT_EQ(retry->first_position, 1u);
  EXPECT_EQ(retry->last_position, 3u);
  EXPECT_EQ(retry->case_version, 3u);
  EXPECT_EQ(retry->recorded_at, first->recorded_at);
  EXPECT_EQ(store_->last_position(), 6u);

  // Also after reopening, when nothing is cached.
  Reopen();
  retry = store_->Append(command);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->deduplicated);
  EXPECT_EQ(retry->recorded_at, first->recorded_at);
}

TEST_F(EventStoreTest, ReusedEventIdWithOtherContentIsRefused) {
  ASSERT_TRUE(store_->Append(NewCase("c-1")).ok());
  ExpectRefused(Command("c-1", {InterviewHeld("c-1-e2", "c-1", "2018-08-21")}),
                absl::StatusCode::kAlreadyExists,
                "events[0].event_id: c-1-e2 is stored already (position 2) "
                "with different content");
  // The same id in another case is other content too.
  ExpectRefused(Command("c-2", {CaseOpened("c-1-e1", "c-2")}),
                absl::StatusCode::kAlreadyExists,
                "events[0].event_id: c-1-e1 is stored already (position 1) "
                "with different content");
  ExpectRefused(Command("c-1", {InterviewHeld("c-1-e3", "c-1", "2018-09-17"),
                                InterviewHeld("c-1-e4", "c-1", "2018-10-01")}),
                absl::StatusCode::kFailedPrecondition,
                "events[1].event_id: c-1-e4 is new, but events[0] (c-1-e3) is "
                "stored already; a retry must repeat the original request "
                "exactly");
  // Stored events out of their order, or from two requests, are no retry.
  ASSERT_TRUE(store_->Append(NewCase("c-2")).ok());
  ExpectRefused(
      Command("c-1", {InterviewHeld("c-1-e3", "c-1", "2018-09-17"),
                      InterviewHeld("c-1-e2", "c-1", "2018-08-20")}),
      absl::StatusCode::kFailedPrecondition,
      "events[1].event_id: c-1-e2 is stored at position 2, not right after "
      "events[0] (position 3); a retry must repeat the original request "
      "exactly");
}

TEST_F(EventStoreTest, RequestIsAllOrNothing) {
  ASSERT_TRUE(store_->Append(NewCase("c-1")).ok());
  ExpectRefused(
      Command("c-1", {InterviewHeld("e-4", "c-1", "2018-10-01"),
                      ReferralMade("e-5", "c-1", "2018-10-02", "r-1"),
                      OfferStarted("e-6", "c-1", "2018-10-09", "o-1", "r-9")}),
      absl::StatusCode::kFailedPrecondition,
      "events[2].offer_started.referral_id: no referral r-9 in this case");
  absl::StatusOr<CasePage> page = store_->ReadCase("c-1", 0, 0);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->case_version, 3u);
  // The refused request left no trace: its event ids are free.
  absl::StatusOr<AppendResult> result = store_->Append(
      Command("c-1", {InterviewHeld("e-4", "c-1", "2018-10-01")}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->first_position, 4u);
}

TEST_F(EventStoreTest, AppendManyAppliesEachInOrderAndAnswersEach) {
  std::vector<AppendCommand> commands;
  commands.push_back(NewCase("c-1"));
  // Malformed: refused before the writer, the others go on.
  commands.push_back(Command("c-2", {InterviewHeld("bad", "", "2018-02-30")}));
  // Sees the case the first opened, though both are in one group commit.
  commands.push_back(
      Command("c-1", {InterviewHeld("c-1-e4", "c-1", "2018-10-01")}));
  // Out of the case's order: refused by the writer.
  commands.push_back(
      Command("c-3", {InterviewHeld("c-3-e1", "c-3", "2018-10-01")}));
  commands.push_back(NewCase("c-1"));  // A retry of the first.
  std::vector<absl::StatusOr<AppendResult>> results =
      store_->AppendManyAsync(std::move(commands)).get();
  ASSERT_EQ(results.size(), 5u);
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  EXPECT_EQ(results[0]->first_position, 1u);
  EXPECT_EQ(results[0]->last_position, 3u);
  EXPECT_EQ(results[1].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(results[1].status().message(),
            "events[0].occurred_on: 2018-02-30 is not a date (want "
            "YYYY-MM-DD)");
  ASSERT_TRUE(results[2].ok()) << results[2].status();
  EXPECT_EQ(results[2]->first_position, 4u);
  EXPECT_EQ(results[2]->case_version, 4u);
  EXPECT_EQ(results[3].status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(results[4].ok()) << results[4].status();
  EXPECT_TRUE(results[4]->deduplicated);
  EXPECT_EQ(results[4]->first_position, 1u);
  EXPECT_EQ(store_->last_position(), 4u);
}

TEST_F(EventStoreTest, AppendManyOfTooManyRefusesEachAndWritesNothing) {
  std::vector<AppendCommand> commands;
  for (size_t i = 0; i <= kBulkAppendsMax; ++i) {
    commands.push_back(NewCase(absl::StrCat("c-", i)));
  }
  std::vector<absl::StatusOr<AppendResult>> results =
      store_->AppendManyAsync(std::move(commands)).get();
  ASSERT_EQ(results.size(), kBulkAppendsMax + 1);
  for (const absl::StatusOr<AppendResult>& result : results) {
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(result.status().message(),
              "appends: 1001 appends; the limit is 1000");
  }
  EXPECT_EQ(store_->last_position(), 0u);
  EXPECT_TRUE(store_->AppendManyAsync({}).get().empty());
}

TEST_F(EventStoreTest, MalformedRequestsAreInvalid) {
  ExpectRefused(Command("", {CaseOpened("e-1", "")}),
                absl::StatusCode::kInvalidArgument, "case_id: is required");
  ExpectRefused(Command(std::string(129, 'c'), {CaseOpened("e-1", "")}),
                absl::StatusCode::kInvalidArgument,
                "case_id: is 129 bytes; the limit is 128");
  ExpectRefused(Command("c-1", {}), absl::StatusCode::kInvalidArgument,
                "events: at least one event is required");
  ExpectRefused(
      Command("c-1", std::vector<v1::Event>(1001, CaseOpened("e", "c-1"))),
      absl::StatusCode::kInvalidArgument,
      "events: 1001 events; the limit is 1000 per request");
  ExpectRefused(
      Command("c-1", {CaseOpened("e-1", "c-2")}),
      absl::StatusCode::kInvalidArgument,
      "events[0].case_id: c-2 differs from the request's case_id c-1");
  ExpectRefused(Command("c-1", {CaseOpened("e-1", "c-1"),
                                InterviewHeld("e-1", "c-1", "2018-08-20")}),
                absl::StatusCode::kInvalidArgument,
                "events[1].event_id: e-1 appears twice in the request (also "
                "events[0])");
  v1::Event offer = OfferStarted("e-3", "c-1", "2018-10-22", "o-1");
  offer.mutable_offer_started()->set_planned_end_on("2019-02-30");
  ExpectRefused(
      Command("c-1", {CaseOpened("e-1", "c-1"),
                      InterviewHeld("e-2", "c-1", "2018-08-20"), offer}),
      absl::StatusCode::kInvalidArgument,
      "events[2].offer_started.planned_end_on: 2019-02-30 is not a "
      "date (want YYYY-MM-DD)");
  v1::Event big = CaseOpened("e-1", "c-1");
  big.mutable_case_opened()->set_team_id(std::string(70'000, 't'));
  ExpectRefused(Command("c-1", {big}), absl::StatusCode::kInvalidArgument,
                "events[0]: 70091 bytes serialized; the limit is 65536");
  ExpectRefused(Command("c-1", {InterviewHeld("e-1", "c-1", "2026-11-24")}),
                absl::StatusCode::kInvalidArgument,
                "events[0].occurred_on: 2026-11-24 is in the future (the "
                "server's today is 2026-11-22)");
  EXPECT_EQ(store_->last_position(), 0u);
}

TEST_F(EventStoreTest, CaseOrderRulesApply) {
  ExpectRefused(Command("c-1", {InterviewHeld("e-1", "c-1", "2018-08-20")}),
                absl::StatusCode::kFailedPrecondition,
                "events[0].body: interview_held cannot come first: a case "
                "begins with case_opened, and this case has none");
  ASSERT_TRUE(store_->Append(NewCase("c-1")).ok());
  ASSERT_TRUE(store_->Append(NewCase("c-2")).ok());
  ExpectRefused(Command("c-1", {CaseOpened("e-9", "c-1")}),
                absl::StatusCode::kFailedPrecondition,
                "events[0].case_opened: the case was opened already by event "
                "c-1-e1");
  ExpectRefused(
      Command("c-1", {Retraction("e-9", "c-1", "2018-10-01", "c-2-e2")}),
      absl::StatusCode::kFailedPrecondition,
      "events[0].event_retracted.retracted_event_id: c-2-e2 is not "
      "an event of this case");
  ExpectRefused(
      Command("c-1", {CaseworkerChanged("e-9", "c-1", "2018-10-01", "cw-1")}),
      absl::StatusCode::kFailedPrecondition,
      "events[0].caseworker_changed.caseworker_id: cw-1 is the "
      "case's caseworker already");
  ExpectRefused(Command("c-1", {InterviewHeld("e-9", "c-1", "2018-08-01")}),
                absl::StatusCode::kInvalidArgument,
                "events[0].occurred_on: 2018-08-01 is before the case's anchor "
                "date 2018-08-06");
  ASSERT_TRUE(
      store_->Append(Command("c-1", {CaseClosed("e-9", "c-1", "2018-12-01")}))
          .ok());
  ExpectRefused(Command("c-1", {InterviewHeld("e-10", "c-1", "2018-12-02")}),
                absl::StatusCode::kFailedPrecondition,
                "events[0].body: the case was closed by event e-9; only "
                "event_retracted may follow");
  // The rules see the case as stored, also after reopening.
  Reopen();
  ExpectRefused(Command("c-1", {InterviewHeld("e-10", "c-1", "2018-12-02")}),
                absl::StatusCode::kFailedPrecondition,
                "events[0].body: the case was closed by event e-9; only "
                "event_retracted may follow");
  EXPECT_TRUE(store_
                  ->Append(Command(
                      "c-1", {Retraction("e-10", "c-1", "2018-12-02", "e-9")}))
                  .ok());
}

TEST_F(EventStoreTest, RecordedAtGrowsEvenWhenTheClockStepsBack) {
  ASSERT_TRUE(store_->Append(NewCase("c-1")).ok());
  clock_ = [] { return FixedNow() - absl::Hours(1); };
  absl::StatusOr<AppendResult> later = store_->Append(NewCase("c-2"));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(absl::ToUnixMicros(later->recorded_at),
            absl::ToUnixMicros(FixedNow()) + 5);
}

TEST_F(EventStoreTest, ConcurrentAppendsAreGapFreeAndOrdered) {
  constexpr int kThreads = 8;
  constexpr int kCasesPerThread = 25;
  clock_ = [] { return absl::Now(); };
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCasesPerThread; ++i) {
        if (!store_->Append(NewCase(absl::StrCat("c-", t, "-", i))).ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  const uint64_t total = kThreads * kCasesPerThread * 3;
  EXPECT_EQ(store_->last_position(), total);
  absl::StatusOr<VerifyReport> report = store_->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->events, total);
  EXPECT_EQ(report->cases, static_cast<uint64_t>(kThreads * kCasesPerThread));
}

TEST_F(EventStoreTest, ReopeningKeepsEverything) {
  ASSERT_TRUE(store_->Append(NewCase("c-1")).ok());
  ASSERT_TRUE(store_->Append(NewCase("c-2")).ok());
  Reopen();
  EXPECT_EQ(store_->last_position(), 6u);
  absl::StatusOr<CasePage> page = store_->ReadCase("c-2", 0, 0);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 3u);
  EXPECT_EQ(page->events[2].event_id(), "c-2-e3");
  // Positions and recorded_at carry on where they stopped.
  absl::StatusOr<AppendResult> next = store_->Append(NewCase("c-3"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->first_position, 7u);
  EXPECT_EQ(absl::ToUnixMicros(next->recorded_at),
            absl::ToUnixMicros(FixedNow()) + 8);
  absl::StatusOr<VerifyReport> report = store_->Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->events, 9u);
}

TEST_F(EventStoreTest, SecondOpenOfTheSameDirectoryIsRefused) {
  StoreOptions options;
  options.path = dir_.path();
  absl::StatusOr<std::unique_ptr<EventStore>> second =
      EventStore::Open(options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition)
      << second.status();
}

TEST_F(EventStoreTest, WaitForPositionWakesOnAppend) {
  std::thread appender([&] {
    absl::SleepFor(absl::Milliseconds(50));
    ASSERT_TRUE(store_->Append(NewCase("c-1")).ok());
  });
  const uint64_t seen =
      store_->WaitForPosition(3, absl::Now() + absl::Seconds(30));
  appender.join();
  EXPECT_EQ(seen, 3u);
  // A deadline in the past returns at once with what there is.
  EXPECT_EQ(store_->WaitForPosition(100, absl::Now()), 3u);
}

// An import: `events` recorded at the given instants (UTC).
AppendCommand Imported(const std::string& case_id,
                       std::vector<std::pair<v1::Event, absl::Time>> events) {
  AppendCommand command;
  command.case_id = case_id;
  command.import = true;
  for (auto& [event, at] : events) {
    *event.mutable_recorded_at() = ToTimestamp(at);
    command.events.push_back(event);
  }
  return command;
}

absl::Time Utc(int y, int m, int d, int hour = 12) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hour, 0, 0),
                         absl::UTCTimeZone());
}

TEST_F(EventStoreTest, ImportKeepsWhenHistoryWasRegistered) {
  absl::StatusOr<AppendResult> result = store_->Append(Imported(
      "c-1", {{CaseOpened("e-1", "c-1"), Utc(2018, 8, 6)},
              // Registered late: held 2018-09-10, registered 2018-10-15.
              {InterviewHeld("e-2", "c-1", "2018-09-10"), Utc(2018, 10, 15)},
              // Two events registered at the same instant are spread.
              {InterviewHeld("e-3", "c-1", "2018-10-15"), Utc(2018, 10, 15)}}));
  ASSERT_TRUE(result.ok()) << result.status();
  absl::StatusOr<CasePage> page = store_->ReadCase("c-1", 0, 0);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 3u);
  EXPECT_TRUE(page->events[0].imported());
  EXPECT_EQ(page->events[1].recorded_at().seconds(),
            absl::ToUnixSeconds(Utc(2018, 10, 15)));
  EXPECT_EQ(page->events[1].recorded_at().nanos(), 0);
  EXPECT_EQ(page->events[2].recorded_at().nanos(), 1000);
  // Live appends continue after the imported history.
  absl::StatusOr<AppendResult> live = store_->Append(
      Command("c-1", {InterviewHeld("e-4", "c-1", "2018-11-01")}));
  ASSERT_TRUE(live.ok()) << live.status();
  page = store_->ReadCase("c-1", 4, 1);
  ASSERT_TRUE(page.ok());
  EXPECT_FALSE(page->events[0].imported());
  // A retry of the import is recognised, recorded_at included.
  absl::StatusOr<AppendResult> retry = store_->Append(Imported(
      "c-1", {{CaseOpened("e-1", "c-1"), Utc(2018, 8, 6)},
              {InterviewHeld("e-2", "c-1", "2018-09-10"), Utc(2018, 10, 15)},
              {InterviewHeld("e-3", "c-1", "2018-10-15"), Utc(2018, 10, 15)}}));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->deduplicated);
  absl::Status verified = store_->Verify().status();
  EXPECT_TRUE(verified.ok()) << verified;
}

TEST_F(EventStoreTest, ImportRefusesDecreasingMissingAndFutureInstants) {
  ASSERT_TRUE(store_
                  ->Append(Imported(
                      "c-1", {{CaseOpened("e-1", "c-1"), Utc(2018, 10, 1)}}))
                  .ok());
  ExpectRefused(
      Imported("c-2", {{CaseOpened("e-2", "c-2"), Utc(2018, 9, 30)}}),
      absl::StatusCode::kFailedPrecondition,
      "events[0].recorded_at: 2018-09-30T12:00:00Z is before the log's last "
      "recorded_at 2018-10-01T12:00:00Z; history is imported in the order it "
      "was registered, before live appends");
  ExpectRefused(
      Imported("c-1",
               {{InterviewHeld("e-2", "c-1", "2018-10-02"), Utc(2018, 10, 3)},
                {InterviewHeld("e-3", "c-1", "2018-10-02"), Utc(2018, 10, 2)}}),
      absl::StatusCode::kInvalidArgument,
      "events[1].recorded_at: is before the previous event's; history is "
      "imported in the order it was registered");
  ExpectRefused(Imported("c-1", {{InterviewHeld("e-2", "c-1", "2018-10-02"),
                                  FixedNow() + absl::Hours(1)}}),
                absl::StatusCode::kInvalidArgument,
                "events[0].recorded_at: 2026-11-22T11:00:00Z is in the future");
  AppendCommand missing =
      Command("c-1", {InterviewHeld("e-2", "c-1", "2018-10-02")});
  missing.import = true;
  ExpectRefused(missing, absl::StatusCode::kInvalidArgument,
                "events[0].recorded_at: is required for an import");
}

TEST_F(EventStoreTest, KnownAtInsideImportedHistory) {
  ASSERT_TRUE(
      store_
          ->Append(Imported("c-1", {{CaseOpened("e-1", "c-1"), Utc(2018, 8, 6)},
                                    {InterviewHeld("e-2", "c-1", "2018-09-10"),
                                     Utc(2018, 10, 15)}}))
          .ok());
  absl::StatusOr<CasePage> page = store_->ReadCase("c-1", 0, 0);
  ASSERT_TRUE(page.ok());
  const absl::CivilDay as_of(2018, 9, 30);
  // Known on 2018-10-01 the interview was not registered yet; on 10-16 it was.
  EXPECT_TRUE(
      FoldTimeline(page->events, as_of, Utc(2018, 10, 1)).interviews.empty());
  EXPECT_EQ(
      FoldTimeline(page->events, as_of, Utc(2018, 10, 16)).interviews.size(),
      1u);
}

TEST_F(EventStoreTest, ClosingRefusesNewAppends) {
  store_->BeginClose();
  ExpectRefused(NewCase("c-1"), absl::StatusCode::kUnavailable,
                "the server is shutting down");
}

// `count` interviews of case `case_id`, numbered from `first`, on days that
// stay before FixedNow().
std::vector<v1::Event> Interviews(const std::string& case_id, int first,
                                  int count) {
  std::vector<v1::Event> events;
  for (int n = first; n < first + count; ++n) {
    events.push_back(InterviewHeld(
        absl::StrCat(case_id, "-i", n), case_id,
        absl::FormatCivilTime(absl::CivilDay(2018, 8, 20) + n % 2000)));
  }
  return events;
}

TEST_F(EventStoreTest, ReadWholeCaseReadsEveryPage) {
  // 2500 events: three pages of kReadPageMax, in three appends.
  ASSERT_TRUE(store_->Append(NewCase("c-1")).ok());
  ASSERT_TRUE(store_->Append(Command("c-1", Interviews("c-1", 0, 1000))).ok());
  ASSERT_TRUE(
      store_->Append(Command("c-1", Interviews("c-1", 1000, 997))).ok());
  ASSERT_TRUE(store_->Append(NewCase("c-2")).ok());
  ASSERT_TRUE(
      store_->Append(Command("c-1", Interviews("c-1", 1997, 500))).ok());
  absl::StatusOr<std::vector<v1::Event>> events =
      store_->ReadWholeCase("c-1", 2500);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2500u);
  for (size_t i = 0; i < events->size(); ++i) {
    ASSERT_EQ((*events)[i].case_version(), i + 1);
    ASSERT_EQ((*events)[i].case_id(), "c-1");
  }
  EXPECT_EQ(events->front().event_id(), "c-1-e1");
  EXPECT_EQ(events->back().event_id(), "c-1-i2496");
  EXPECT_EQ(events->back().position(), 2503u);
}

TEST_F(EventStoreTest, ReadWholeCaseRefusesACaseAboveTheBound) {
  ASSERT_TRUE(store_->Append(NewCase("c-1")).ok());
  absl::StatusOr<std::vector<v1::Event>> exact =
      store_->ReadWholeCase("c-1", 3);
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(exact->size(), 3u);
  EXPECT_EQ(store_->ReadWholeCase("c-1", 2).status(),
            absl::ResourceExhaustedError(
                "case c-1 has 3 events; projections read at most 2"));
  EXPECT_EQ(store_->ReadWholeCase("nosuch", 10).status(),
            absl::NotFoundError("case nosuch not found"));
}

TEST_F(EventStoreTest, HeadOfAnEmptyLogAndAfterAppends) {
  LogHead head = store_->head();
  EXPECT_EQ(head.last_position, 0u);
  EXPECT_EQ(head.last_recorded_at, absl::InfinitePast());
  absl::StatusOr<AppendResult> result = store_->Append(NewCase("c-1"));
  ASSERT_TRUE(result.ok());
  head = store_->head();
  EXPECT_EQ(head.last_position, 3u);
  EXPECT_EQ(head.last_recorded_at, FixedNow() + absl::Microseconds(2));
  EXPECT_EQ(head.last_recorded_at, result->recorded_at);
  // The head is read back on reopening.
  Reopen();
  head = store_->head();
  EXPECT_EQ(head.last_position, 3u);
  EXPECT_EQ(head.last_recorded_at, FixedNow() + absl::Microseconds(2));
}

TEST_F(EventStoreTest, HeadIsConsistentUnderConcurrentAppends) {
  constexpr int kAppends = 200;
  clock_ = [] { return absl::Now(); };
  // The appender starts only once the reader runs, and the reader runs
  // until the appender is done (or a minute passed): so the reads always
  // overlap appends.
  std::atomic<bool> reading{false};
  std::atomic<bool> appended{false};
  std::atomic<int> failures{0};
  std::thread appender([&] {
    while (!reading) std::this_thread::yield();
    for (int i = 0; i < kAppends; ++i) {
      if (!store_->Append(NewCase(absl::StrCat("c-", i))).ok()) ++failures;
    }
    appended = true;
  });
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  uint64_t previous = 0;
  int heads_seen = 0;
  reading = true;
  while (!appended && absl::Now() < deadline) {
    const LogHead head = store_->head();
    ASSERT_GE(head.last_position, previous);
    if (head.last_position == previous) continue;
    previous = head.last_position;
    ++heads_seen;
    // The event at the head's position is there, with the head's
    // recorded_at, and is the log's last as far as the head goes.
    absl::StatusOr<LogPage> page = store_->ReadAll(head.last_position, 1, {});
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->events.size(), 1u);
    EXPECT_EQ(page->events[0].position(), head.last_position);
    EXPECT_EQ(ToTime(page->events[0].recorded_at()), head.last_recorded_at);
  }
  appender.join();
  EXPECT_TRUE(appended) << "the appender did not finish in a minute";
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(heads_seen, 1);
  EXPECT_EQ(store_->head().last_position, 3u * kAppends);
}

TEST_F(EventStoreTest, AnAppendLimitedToJobcentresIsCheckedAgainstTheCase) {
  // case-1 is jc-middelfart's (the builders' jobcentre).
  ASSERT_TRUE(store_->Append(NewCase("case-1")).ok());
  AppendCommand elsewhere =
      Command("case-1", {InterviewHeld("case-1-e9", "case-1", "2018-10-01")});
  elsewhere.jobcentres = absl::flat_hash_set<std::string>{"jc-odense"};
  absl::StatusOr<AppendResult> refused = store_->Append(elsewhere);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.status().message(),
            "case_id: case case-1 is not in your jobcentres");

  AppendCommand mine =
      Command("case-1", {InterviewHeld("case-1-e9", "case-1", "2018-10-01")});
  mine.jobcentres = absl::flat_hash_set<std::string>{"jc-middelfart"};
  EXPECT_TRUE(store_->Append(mine).ok());

  // A new case is judged by the jobcentre its case_opened names.
  AppendCommand opened_elsewhere = NewCase("case-2");
  opened_elsewhere.jobcentres = absl::flat_hash_set<std::string>{"jc-odense"};
  refused = store_->Append(opened_elsewhere);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.status().message(),
            "events[0].case_opened.jobcentre_id: jc-middelfart is not one of "
            "your jobcentres");
  EXPECT_EQ(store_->last_position(), 4u) << "a refused append wrote something";
}

}  // namespace
}  // namespace caseline::store
