// Goal: how many events and requests per second the event store takes, and
// how many ReadCase calls per second it answers, on a real RocksDB with the
// WAL synced as in production.
// Method: a store in a fresh temp directory (TMPDIR picks the disk) per
// benchmark run, opened by thread 0 before the threads start and shared by
// them. Each append request opens a new case with ids unique per thread and
// iteration: a CaseOpened, plus InterviewHeld events up to the request's
// size. Building the events is inside the timed loop; it costs microseconds
// against the milliseconds of a synced write. Appends are measured in real
// time, since the threads mostly wait for the group commit. Reads fill one
// case and then read it whole, page by page. The population benchmarks fill
// one store once with 200,000 events of 10,000 interleaved cases and time
// whole-population scans (materialized and from the log) and rebuilds.
#include <benchmark/benchmark.h>

#include <cassert>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "server/store/event_store.h"
#include "tests/temp_dir.h"
#include "tests/test_events.h"

namespace caseline::store {
namespace {

using ::caseline::testing::CaseOpened;
using ::caseline::testing::InterviewHeld;
using ::caseline::testing::TempDir;

// Every case is anchored here; its k-th event occurs k days later, so the
// largest case (kEventsPerCaseMax) still ends within 2018-2019.
constexpr absl::CivilDay kAnchorOn(2018, 8, 6);
constexpr int kEventsPerCaseMax = 200;
static_assert(kEventsPerCaseMax <= static_cast<int>(kAppendEventsMax),
              "a case is written in one append");

// Request sizes: one event is the common single action on a case; 100 is a
// large import batch, where per-request overhead is spread out.
constexpr int kEventsPerRequestSmall = 1;
constexpr int kEventsPerRequestLarge = 100;

// Writers sharing the store: one alone, a handful, and enough to fill group
// commits well beyond the two cores of the reference machine.
constexpr int kWritersFew = 1;
constexpr int kWritersSome = 8;
constexpr int kWritersMany = 32;

// Cases read back: a long history and a typical one.
constexpr int kEventsPerCaseLong = 200;
constexpr int kEventsPerCaseShort = 20;

// Synced writes take about a millisecond each, so these keep every
// benchmark to a few seconds and the whole binary well under two minutes
// on two cores.
constexpr double kAppendSecondsMin = 1.0;
constexpr double kReadSecondsMin = 0.5;

// occurred_on of a case's events by version - 1, formatted once.
const std::vector<std::string>& OccurredOnByIndex() {
  static const std::vector<std::string>* dates = [] {
    auto* formatted = new std::vector<std::string>();
    for (int index = 0; index < kEventsPerCaseMax; ++index) {
      formatted->push_back(absl::FormatCivilTime(kAnchorOn + index));
    }
    return formatted;
  }();
  return *dates;
}

// A new case `case_id` with `events` events: CaseOpened, then interviews.
AppendCommand NewCase(const std::string& case_id, int events) {
  assert(events >= 1 && events <= kEventsPerCaseMax);
  const std::vector<std::string>& dates = OccurredOnByIndex();
  AppendCommand command;
  command.case_id = case_id;
  command.expect = AppendCommand::Expect::kNoCase;
  command.events.reserve(events);
  command.events.push_back(
      CaseOpened(absl::StrCat(case_id, "-e1"), case_id, dates[0]));
  for (int index = 1; index < events; ++index) {
    command.events.push_back(InterviewHeld(
        absl::StrCat(case_id, "-e", index + 1), case_id, dates[index]));
  }
  return command;
}

// A store in a fresh temp directory for each run, opened by thread 0 before
// the threads start (benchmark holds them at the loop until all arrive) and
// closed by thread 0 after all have left the loop.
class StoreFixture : public benchmark::Fixture {
 public:
  void SetUp(benchmark::State& state) override {
    if (state.thread_index() != 0) return;
    dir_ = std::make_unique<TempDir>();
    StoreOptions options;
    options.path = dir_->path();
    absl::StatusOr<std::unique_ptr<EventStore>> opened =
        EventStore::Open(options);
    if (!opened.ok()) {
      state.SkipWithError(opened.status().ToString().c_str());
      return;
    }
    store_ = *std::move(opened);
  }

  void TearDown(benchmark::State& state) override {
    if (state.thread_index() != 0) return;
    store_.reset();
    dir_.reset();
  }

 protected:
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<EventStore> store_;
};

BENCHMARK_DEFINE_F(StoreFixture, Append)(benchmark::State& state) {
  const int events_per_request = static_cast<int>(state.range(0));
  const std::string case_prefix =
      absl::StrCat("case-t", state.thread_index(), "-");
  int64_t request_index = 0;
  for (auto _ : state) {
    if (store_ == nullptr) break;  // SetUp failed and reported it.
    absl::StatusOr<AppendResult> result = store_->Append(NewCase(
        absl::StrCat(case_prefix, request_index++), events_per_request));
    if (!result.ok()) {
      state.SkipWithError(result.status().ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * events_per_request);
  state.counters["requests"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK_REGISTER_F(StoreFixture, Append)
    ->ArgName("events_per_request")
    ->Arg(kEventsPerRequestSmall)
    ->Arg(kEventsPerRequestLarge)
    ->Threads(kWritersFew)
    ->Threads(kWritersSome)
    ->Threads(kWritersMany)
    ->UseRealTime()
    ->MinTime(kAppendSecondsMin)
    ->Unit(benchmark::kMicrosecond);

BENCHMARK_DEFINE_F(StoreFixture, ReadCase)(benchmark::State& state) {
  const int events_per_case = static_cast<int>(state.range(0));
  const std::string case_id = "case-read";
  if (store_ == nullptr) return;  // SetUp failed and reported it.
  absl::StatusOr<AppendResult> appended =
      store_->Append(NewCase(case_id, events_per_case));
  if (!appended.ok()) {
    state.SkipWithError(appended.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    uint64_t from_version = 1;
    while (from_version != 0) {
      absl::StatusOr<CasePage> page =
          store_->ReadCase(case_id, from_version, kReadPageMax);
      if (!page.ok()) {
        state.SkipWithError(page.status().ToString().c_str());
        return;
      }
      benchmark::DoNotOptimize(page->events.data());
      from_version = page->next_version;
    }
  }
  state.SetItemsProcessed(state.iterations() * events_per_case);
  state.counters["reads"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK_REGISTER_F(StoreFixture, ReadCase)
    ->ArgName("events_per_case")
    ->Arg(kEventsPerCaseLong)
    ->Arg(kEventsPerCaseShort)
    ->MinTime(kReadSecondsMin)
    ->Unit(benchmark::kMicrosecond);

// A population for the scans and the rebuild: kPopulationCases cases that
// grow in kPopulationRounds rounds of kPopulationEventsPerRound events each,
// so that the log interleaves the cases as a real one does: 200,000 events.
constexpr int kPopulationCases = 10'000;
constexpr int kPopulationRounds = 10;
constexpr int kPopulationEventsPerRound = 2;
// Appends in flight while filling, so that group commits are full.
constexpr size_t kFillInFlightMax = 2048;
static_assert(kPopulationRounds * kPopulationEventsPerRound <=
                  kEventsPerCaseMax,
              "every event of a case has a date");

// Filled once on first use, shared by the population benchmarks (which do
// not append) and removed at exit.
class Population {
 public:
  static Population& Get() {
    static Population population;
    return population;
  }

  // Null, with error() set, if filling failed.
  EventStore* store() const { return store_.get(); }
  const std::string& error() const { return error_; }
  int64_t events() const {
    return kPopulationCases * kPopulationRounds * kPopulationEventsPerRound;
  }

 private:
  Population() {
    StoreOptions options;
    options.path = dir_.path();
    absl::StatusOr<std::unique_ptr<EventStore>> opened =
        EventStore::Open(options);
    if (!opened.ok()) {
      error_ = opened.status().ToString();
      return;
    }
    store_ = *std::move(opened);
    const std::vector<std::string>& dates = OccurredOnByIndex();
    std::deque<std::future<absl::StatusOr<AppendResult>>> in_flight;
    auto settle = [&](size_t in_flight_max) {
      while (error_.empty() && in_flight.size() > in_flight_max) {
        absl::StatusOr<AppendResult> result = in_flight.front().get();
        in_flight.pop_front();
        if (!result.ok()) error_ = result.status().ToString();
      }
    };
    for (int round = 0; round < kPopulationRounds && error_.empty(); ++round) {
      for (int index = 0; index < kPopulationCases; ++index) {
        const std::string case_id = absl::StrCat("case-", index);
        AppendCommand command;
        command.case_id = case_id;
        for (int k = 0; k < kPopulationEventsPerRound; ++k) {
          const int n = round * kPopulationEventsPerRound + k;
          command.events.push_back(
              n == 0
                  ? CaseOpened(absl::StrCat(case_id, "-e0"), case_id, dates[0])
                  : InterviewHeld(absl::StrCat(case_id, "-e", n), case_id,
                                  dates[n]));
        }
        in_flight.push_back(store_->AppendAsync(
            std::move(command), EventStore::Admission::kWaitForRoom));
        settle(kFillInFlightMax);
      }
    }
    settle(0);
    if (error_.empty()) {
      store_->WaitForProjection(store_->last_position(),
                                absl::InfiniteFuture());
    } else {
      store_.reset();
    }
  }

  TempDir dir_;
  std::unique_ptr<EventStore> store_;
  std::string error_;
};

// One population scan per iteration; `scan` is ScanMaterialized or ScanLog.
template <typename Scan>
void RunScan(benchmark::State& state, Scan scan) {
  Population& population = Population::Get();
  if (population.store() == nullptr) {
    state.SkipWithError(population.error().c_str());
    return;
  }
  int64_t events = 0;
  for (auto _ : state) {
    absl::StatusOr<ScanBasis> basis =
        scan(*population.store(),
             [&](absl::string_view, absl::Span<const v1::Event> case_events) {
               events += static_cast<int64_t>(case_events.size());
               return absl::OkStatus();
             });
    if (!basis.ok()) {
      state.SkipWithError(basis.status().ToString().c_str());
      return;
    }
  }
  state.SetItemsProcessed(events);
}

void BM_ScanMaterialized(benchmark::State& state) {
  RunScan(state, [](const EventStore& store, const CaseVisitor& visit) {
    return store.ScanMaterialized(visit);
  });
}

void BM_ScanLog(benchmark::State& state) {
  RunScan(state, [](const EventStore& store, const CaseVisitor& visit) {
    return store.ScanLog(visit);
  });
}

// A whole rebuild: the copy, the switch and the old version's deletion and
// compaction.
void BM_Rebuild(benchmark::State& state) {
  Population& population = Population::Get();
  if (population.store() == nullptr) {
    state.SkipWithError(population.error().c_str());
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<uint32_t> rebuilt = population.store()->Rebuild(nullptr);
    if (!rebuilt.ok()) {
      state.SkipWithError(rebuilt.status().ToString().c_str());
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * population.events());
}

// Whole-population operations take a large fraction of a second: a few
// iterations suffice.
constexpr int kPopulationIterations = 5;

BENCHMARK(BM_ScanMaterialized)
    ->Iterations(kPopulationIterations)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScanLog)
    ->Iterations(kPopulationIterations)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rebuild)
    ->Iterations(kPopulationIterations)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace caseline::store

BENCHMARK_MAIN();
