// Goal: the materialized projection always equals the log: the follower
// keeps it up to date, it survives reopening, a rebuild under concurrent
// appends and scans loses nothing and every scan sees one whole version, a
// cancelled or crashed rebuild leaves nothing behind; and stored rule sets
// keep their promises. Method: a store on a real RocksDB in a fresh temp
// directory per test; each materialized scan is compared event by event
// with a scan of the log cut at the same position; with the store closed,
// the test opens the database directly to count and to plant keys.
#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "projections/instants.h"
#include "rocksdb/db.h"
#include "server/store/event_store.h"
#include "server/store/keys.h"
#include "server/store/projection_store.h"
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

// Long enough for any wait in these tests; a hang fails instead of blocking.
absl::Time Deadline() { return absl::Now() + absl::Seconds(60); }

// Every case is anchored on 2018-08-06; its n-th interview is n days later,
// modulo kInterviewDaysMax to stay before FixedNow().
constexpr absl::CivilDay kAnchorOn(2018, 8, 6);
constexpr int kInterviewDaysMax = 2000;

// `count` interviews of case `case_id`, numbered from `first`.
std::vector<v1::Event> Interviews(const std::string& case_id, int first,
                                  int count) {
  std::vector<v1::Event> events;
  for (int n = first; n < first + count; ++n) {
    events.push_back(InterviewHeld(
        absl::StrCat(case_id, "-i", n), case_id,
        absl::FormatCivilTime(kAnchorOn + n % kInterviewDaysMax)));
  }
  return events;
}

AppendCommand Command(const std::string& case_id,
                      std::vector<v1::Event> events) {
  AppendCommand command;
  command.case_id = case_id;
  command.events = std::move(events);
  return command;
}

std::string CaseId(int index) { return absl::StrCat("c-", index); }

// One case's events as a scan handed them over: position and bytes.
using CaseEvents = std::vector<std::pair<uint64_t, std::string>>;
using Population = std::map<std::string, CaseEvents>;

struct Scan {
  absl::Status status;
  ScanBasis basis;
  Population cases;
  // Case ids in the order visited.
  std::vector<std::string> order;
};

template <typename ScanFunction>
Scan Collect(ScanFunction scan) {
  Scan result;
  absl::StatusOr<ScanBasis> basis =
      scan([&](absl::string_view case_id,
               absl::Span<const v1::Event> events) -> absl::Status {
        result.order.emplace_back(case_id);
        CaseEvents& collected = result.cases[std::string(case_id)];
        for (const v1::Event& event : events) {
          collected.emplace_back(event.position(), event.SerializeAsString());
        }
        return absl::OkStatus();
      });
  result.status = basis.status();
  if (basis.ok()) result.basis = *basis;
  return result;
}

Scan ScanMaterialized(const EventStore& store) {
  return Collect(
      [&](const CaseVisitor& visit) { return store.ScanMaterialized(visit); });
}

Scan ScanLog(const EventStore& store) {
  return Collect(
      [&](const CaseVisitor& visit) { return store.ScanLog(visit); });
}

// `population` with only the events up to `last_position`.
Population UpTo(const Population& population, uint64_t last_position) {
  Population cut;
  for (const auto& [case_id, events] : population) {
    CaseEvents kept;
    for (const auto& event : events) {
      if (event.first <= last_position) kept.push_back(event);
    }
    if (!kept.empty()) cut.emplace(case_id, std::move(kept));
  }
  return cut;
}

// The first difference between two populations; empty if they are equal.
std::string FirstDifference(const Population& got, const Population& want) {
  for (const auto& [case_id, events] : want) {
    auto it = got.find(case_id);
    if (it == got.end()) return absl::StrCat("case ", case_id, " is missing");
    if (it->second.size() != events.size()) {
      return absl::StrCat("case ", case_id, " has ", it->second.size(),
                          " events, want ", events.size());
    }
    for (size_t i = 0; i < events.size(); ++i) {
      if (it->second[i] != events[i]) {
        return absl::StrCat("case ", case_id, " version ", i + 1,
                            " differs: position ", it->second[i].first,
                            ", want ", events[i].first);
      }
    }
  }
  for (const auto& [case_id, events] : got) {
    if (!want.contains(case_id)) {
      return absl::StrCat("case ", case_id, " is extra");
    }
  }
  return "";
}

// The database opened directly, with the store closed.
class RawDb {
 public:
  static std::unique_ptr<RawDb> Open(const std::string& path) {
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (absl::string_view name : kFamilyNames) {
      descriptors.emplace_back(std::string(name),
                               rocksdb::ColumnFamilyOptions());
    }
    descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName,
                             rocksdb::ColumnFamilyOptions());
    auto raw = std::unique_ptr<RawDb>(new RawDb());
    rocksdb::DB* db = nullptr;
    rocksdb::Status opened = rocksdb::DB::Open(
        rocksdb::DBOptions(), path, descriptors, &raw->handles_, &db);
    EXPECT_TRUE(opened.ok()) << opened.ToString();
    if (!opened.ok()) return nullptr;
    raw->db_.reset(db);
    return raw;
  }

  ~RawDb() {
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      db_->DestroyColumnFamilyHandle(handle);
    }
    db_->Close();
  }

  rocksdb::DB& db() { return *db_; }
  rocksdb::ColumnFamilyHandle* family(Family f) {
    return handles_[static_cast<int>(f)];
  }

  // Keys of family `f` in [begin, end).
  uint64_t Count(Family f, const std::string& begin, const std::string& end) {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), family(f)));
    uint64_t count = 0;
    for (it->Seek(begin); it->Valid() && it->key().compare(end) < 0;
         it->Next()) {
      ++count;
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    return count;
  }

  // Every key of a projection version, and only its events.
  uint64_t CountVersion(uint32_t version) {
    return Count(Family::kProjections, ProjectionVersionBegin(version),
                 ProjectionVersionEnd(version));
  }
  uint64_t CountEvents(uint32_t version) {
    return Count(Family::kProjections, ProjectionEventsPrefix(version),
                 ProjectionEventsEnd(version));
  }

  bool Has(Family f, const std::string& key) {
    std::string value;
    return db_->Get(rocksdb::ReadOptions(), family(f), key, &value).ok();
  }

  void Put(Family f, const std::string& key, const std::string& value) {
    rocksdb::Status put =
        db_->Put(rocksdb::WriteOptions(), family(f), key, value);
    ASSERT_TRUE(put.ok()) << put.ToString();
  }

  void Delete(Family f, const std::string& key) {
    rocksdb::Status deleted =
        db_->Delete(rocksdb::WriteOptions(), family(f), key);
    ASSERT_TRUE(deleted.ok()) << deleted.ToString();
  }

 private:
  RawDb() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

class ProjectionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    StoreOptions options;
    options.path = dir_.path();
    options.clock = FixedNow;
    absl::StatusOr<std::unique_ptr<EventStore>> opened =
        EventStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
  }

  void Close() { store_.reset(); }

  void Append(AppendCommand command) {
    absl::StatusOr<AppendResult> result = store_->Append(std::move(command));
    ASSERT_TRUE(result.ok()) << result.status();
  }

  // Opens `cases` cases from `first` with a CaseOpened and `events_per_case`
  // - 1 interviews, in one append each.
  void OpenCases(int first, int cases, int events_per_case) {
    for (int index = first; index < first + cases; ++index) {
      const std::string c = CaseId(index);
      std::vector<v1::Event> events = Interviews(c, 1, events_per_case - 1);
      events.insert(events.begin(), CaseOpened(c + "-open", c));
      Append(Command(c, std::move(events)));
    }
  }

  // Waits until the projection has materialized the whole log.
  void WaitForProjection() {
    const uint64_t last = store_->last_position();
    ASSERT_GE(store_->WaitForProjection(last, Deadline()), last);
  }

  // The materialization and the log agree: same cases, events, basis.
  void ExpectMaterializedEqualsLog(uint32_t version) {
    WaitForProjection();
    const Scan materialized = ScanMaterialized(*store_);
    const Scan log = ScanLog(*store_);
    ASSERT_TRUE(materialized.status.ok()) << materialized.status;
    ASSERT_TRUE(log.status.ok()) << log.status;
    EXPECT_EQ(FirstDifference(materialized.cases, log.cases), "");
    EXPECT_EQ(materialized.basis.projection_version, version);
    EXPECT_EQ(log.basis.projection_version, 0u);
    EXPECT_EQ(materialized.basis.last_position, store_->last_position());
    EXPECT_EQ(log.basis.last_position, store_->last_position());
    EXPECT_EQ(materialized.basis.last_recorded_at, log.basis.last_recorded_at);
    EXPECT_EQ(materialized.basis.cases, log.basis.cases);
    EXPECT_EQ(materialized.basis.cases, static_cast<int64_t>(log.cases.size()));
    absl::StatusOr<VerifyReport> verified = store_->Verify();
    EXPECT_TRUE(verified.ok()) << verified.status();
  }

  TempDir dir_;
  std::unique_ptr<EventStore> store_;
};

TEST_F(ProjectionStoreTest, MaterializationEqualsTheLog) {
  constexpr int kCases = 60;
  constexpr int kRounds = 4;
  // Each round adds one to three events to every case, so that the log
  // interleaves the cases and each case's events are far apart in it.
  OpenCases(0, kCases, 1);
  for (int round = 1; round <= kRounds; ++round) {
    for (int index = 0; index < kCases; ++index) {
      const int count = 1 + (index + round) % 3;
      Append(
          Command(CaseId(index), Interviews(CaseId(index), round * 10, count)));
    }
  }
  ExpectMaterializedEqualsLog(1);

  const Scan materialized = ScanMaterialized(*store_);
  EXPECT_EQ(materialized.cases.size(), static_cast<size_t>(kCases));
  EXPECT_TRUE(
      std::is_sorted(materialized.order.begin(), materialized.order.end()));
  EXPECT_EQ(materialized.order.size(), materialized.cases.size())
      << "a case was visited twice";
  // Each case in version order: position grows within a case.
  for (const auto& [case_id, events] : materialized.cases) {
    EXPECT_TRUE(std::is_sorted(events.begin(), events.end())) << case_id;
  }
  const ProjectionStatus status = store_->projection_status();
  EXPECT_EQ(status.active_version, 1u);
  EXPECT_EQ(status.position, store_->last_position());
  EXPECT_EQ(status.rebuilding_version, 0u);
}

// A materialized scan reads ahead on a thread of its own, in batches of
// whole cases: across many batches, and with a case larger than a batch,
// every case is visited once, whole and in order; a visitor that stops
// ends the scan at once, and the next scan is whole again.
TEST_F(ProjectionStoreTest, AScanAcrossManyBatchesVisitsEveryCaseWholeInOrder) {
  OpenCases(0, 400, 6);
  // c-big: three times a batch, in appends of at most kAppendEventsMax.
  const std::string big = "c-big";
  Append(Command(big, {CaseOpened(big + "-open", big)}));
  const int big_events = 3 * static_cast<int>(kScanBatchEventsMin);
  for (int first = 1; first < big_events;
       first += static_cast<int>(kAppendEventsMax)) {
    const int count =
        std::min(static_cast<int>(kAppendEventsMax), big_events - first);
    Append(Command(big, Interviews(big, first, count)));
  }
  ASSERT_GT(store_->last_position(), 4 * kScanBatchEventsMin);
  ExpectMaterializedEqualsLog(1);
  const Scan materialized = ScanMaterialized(*store_);
  EXPECT_EQ(materialized.order.size(), 401u);
  EXPECT_TRUE(
      std::is_sorted(materialized.order.begin(), materialized.order.end()));
  EXPECT_EQ(materialized.cases.at(big).size(), static_cast<size_t>(big_events));

  for (int stop_at : {1, 150, 401}) {
    int visited = 0;
    auto visit = [&](absl::string_view, absl::Span<const v1::Event>) {
      return ++visited == stop_at ? absl::AbortedError("enough")
                                  : absl::OkStatus();
    };
    EXPECT_EQ(store_->ScanMaterialized(visit).status(),
              absl::AbortedError("enough"));
    EXPECT_EQ(visited, stop_at);
  }
  EXPECT_EQ(ScanMaterialized(*store_).cases, materialized.cases);
}

// With several visitors, each on a thread of its own, every case goes to
// exactly one of them, whole, and each sees its cases in order; one that
// stops ends the scan for all with its error.
TEST_F(ProjectionStoreTest, SeveralVisitorsShareTheCasesEachOnce) {
  OpenCases(0, 900, 5);
  ExpectMaterializedEqualsLog(1);
  const Scan whole = ScanMaterialized(*store_);
  constexpr int kVisitors = 3;
  std::vector<Scan> parts(kVisitors);
  std::vector<CaseVisitor> visitors;
  for (int i = 0; i < kVisitors; ++i) {
    visitors.push_back([&parts, i](absl::string_view case_id,
                                   absl::Span<const v1::Event> events) {
      Scan& part = parts[i];
      part.order.emplace_back(case_id);
      CaseEvents& collected = part.cases[std::string(case_id)];
      for (const v1::Event& event : events) {
        collected.emplace_back(event.position(), event.SerializeAsString());
      }
      return absl::OkStatus();
    });
  }
  absl::StatusOr<ScanBasis> basis =
      store_->ScanMaterialized(visitors, 0, nullptr);
  ASSERT_TRUE(basis.ok()) << basis.status();
  EXPECT_EQ(basis->cases, 900);
  Population joined;
  size_t visited = 0;
  for (const Scan& part : parts) {
    EXPECT_TRUE(std::is_sorted(part.order.begin(), part.order.end()));
    visited += part.order.size();
    for (const auto& [case_id, events] : part.cases) {
      EXPECT_TRUE(joined.emplace(case_id, events).second)
          << case_id << " was visited twice";
    }
  }
  EXPECT_EQ(visited, 900u);
  EXPECT_EQ(FirstDifference(joined, whole.cases), "");

  std::atomic<int> calls = 0;
  std::vector<CaseVisitor> stopping(
      kVisitors, [&](absl::string_view, absl::Span<const v1::Event>) {
        return ++calls == 100 ? absl::AbortedError("enough") : absl::OkStatus();
      });
  EXPECT_EQ(store_->ScanMaterialized(stopping, 0, nullptr).status(),
            absl::AbortedError("enough"));
  // The others finish the batch in hand, at most one each.
  EXPECT_LT(calls.load(),
            100 + kVisitors * static_cast<int>(kScanBatchEventsMin));
  EXPECT_EQ(ScanMaterialized(*store_).cases, whole.cases);
}

// A corrupt event ends a scan with DATA_LOSS, and no visitor sees part of
// its case.
TEST_F(ProjectionStoreTest, ACorruptEventEndsTheScanWithoutPartOfItsCase) {
  OpenCases(0, 600, 4);
  WaitForProjection();
  Close();
  {
    std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
    ASSERT_NE(raw, nullptr);
    raw->Put(Family::kProjections, ProjectionEventKey(1, "c-500", 3),
             "not an event");
  }
  Reopen();
  std::map<std::string, size_t> seen;
  auto visit = [&](absl::string_view case_id,
                   absl::Span<const v1::Event> events) {
    seen[std::string(case_id)] = events.size();
    return absl::OkStatus();
  };
  const absl::Status status = store_->ScanMaterialized(visit).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_FALSE(seen.contains("c-500"));
  for (const auto& [case_id, events] : seen) {
    EXPECT_EQ(events, 4u) << case_id << " was visited in part";
  }
}

// A scan cut at a position sees exactly the events up to it, and states
// it and its event's recorded_at: what a population answer asks for, so
// that it never sees part of an append the follower copied.
TEST_F(ProjectionStoreTest, AScanCutAtAPositionSeesExactlyTheEventsUpToIt) {
  OpenCases(0, 3, 1);
  Append(Command(CaseId(0), Interviews(CaseId(0), 10, 3)));
  const uint64_t cut = store_->last_position();
  Append(Command(CaseId(1), Interviews(CaseId(1), 10, 2)));
  Append(Command(CaseId(0), Interviews(CaseId(0), 20, 1)));
  const uint64_t last = store_->last_position();
  ASSERT_EQ(store_->WaitForProjection(last, absl::Now() + absl::Seconds(10)),
            last);
  const Scan whole = ScanMaterialized(*store_);
  const Scan part = Collect([&](const CaseVisitor& visit) {
    return store_->ScanMaterialized(visit, cut);
  });
  ASSERT_TRUE(part.status.ok()) << part.status;
  EXPECT_EQ(part.basis.last_position, cut);
  EXPECT_EQ(part.cases, UpTo(whole.cases, cut));
  EXPECT_EQ(part.cases.at(CaseId(0)).size(), 4u);
  EXPECT_EQ(part.cases.at(CaseId(1)).size(), 1u);
  // The recorded_at stated is the event's at the cut.
  v1::Event at_cut;
  for (const auto& [case_id, events] : whole.cases) {
    for (const auto& [position, bytes] : events) {
      if (position == cut) {
        ASSERT_TRUE(at_cut.ParseFromString(bytes));
      }
    }
  }
  EXPECT_EQ(part.basis.last_recorded_at, ToTime(at_cut.recorded_at()));
  // A cut at or past the mark is no cut.
  const Scan past = Collect([&](const CaseVisitor& visit) {
    return store_->ScanMaterialized(visit, last + 10);
  });
  EXPECT_EQ(past.basis.last_position, last);
  EXPECT_EQ(past.cases, whole.cases);
}

TEST_F(ProjectionStoreTest, AnEmptyLogHasAnEmptyProjection) {
  const Scan materialized = ScanMaterialized(*store_);
  ASSERT_TRUE(materialized.status.ok()) << materialized.status;
  EXPECT_TRUE(materialized.cases.empty());
  EXPECT_EQ(materialized.basis.projection_version, 1u);
  EXPECT_EQ(materialized.basis.last_position, 0u);
  EXPECT_EQ(materialized.basis.last_recorded_at, absl::InfinitePast());
  EXPECT_EQ(store_->WaitForProjection(0, absl::InfinitePast()), 0u);
  // Nothing to wait for: the deadline ends the wait.
  EXPECT_EQ(store_->WaitForProjection(1, absl::Now() + absl::Milliseconds(50)),
            0u);
}

TEST_F(ProjectionStoreTest, AVisitorErrorEndsTheScan) {
  OpenCases(0, 3, 2);
  WaitForProjection();
  int visited = 0;
  auto visit = [&](absl::string_view, absl::Span<const v1::Event>) {
    ++visited;
    return absl::AbortedError("enough");
  };
  EXPECT_EQ(store_->ScanMaterialized(visit).status(),
            absl::AbortedError("enough"));
  EXPECT_EQ(store_->ScanLog(visit).status(), absl::AbortedError("enough"));
  EXPECT_EQ(visited, 2);
}

TEST_F(ProjectionStoreTest, SurvivesReopenAndGoesOn) {
  OpenCases(0, 20, 3);
  WaitForProjection();
  const uint64_t before = store_->last_position();
  Reopen();
  // Read back from the database, not rebuilt: there at once.
  EXPECT_EQ(store_->projection_status().position, before);
  EXPECT_EQ(store_->projection_status().active_version, 1u);
  const Scan materialized = ScanMaterialized(*store_);
  EXPECT_EQ(materialized.basis.last_position, before);
  EXPECT_EQ(materialized.cases.size(), 20u);

  OpenCases(20, 5, 2);
  Append(Command(CaseId(3), Interviews(CaseId(3), 50, 2)));
  ExpectMaterializedEqualsLog(1);
}

TEST_F(ProjectionStoreTest, AnOlderDatabaseIsMaterializedOnOpen) {
  OpenCases(0, 30, 4);
  WaitForProjection();
  Close();
  {
    // What a database written before projections holds: no projection
    // meta, an empty projections family.
    std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
    ASSERT_NE(raw, nullptr);
    rocksdb::WriteBatch batch;
    batch.Delete(raw->family(Family::kMeta), kMetaProjectionActive);
    batch.Delete(raw->family(Family::kMeta), ProjectionMarkKey(1));
    batch.DeleteRange(raw->family(Family::kProjections), "",
                      ProjectionVersionEnd(UINT32_MAX));
    ASSERT_TRUE(raw->db().Write(rocksdb::WriteOptions(), &batch).ok());
    ASSERT_EQ(raw->CountVersion(1), 0u);
  }
  Reopen();
  ExpectMaterializedEqualsLog(1);
  EXPECT_EQ(ScanMaterialized(*store_).cases.size(), 30u);
  Close();
  std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
  ASSERT_NE(raw, nullptr);
  EXPECT_TRUE(raw->Has(Family::kMeta, kMetaProjectionActive));
  EXPECT_EQ(raw->CountEvents(1), 30u * 4);
}

// A directory of format 1 (before the case index) is upgraded at open, so
// that a build of format 1 would refuse it from then on; a newer format
// than this build's is refused with both named.
TEST_F(ProjectionStoreTest, AnOlderFormatIsUpgradedAndANewerOneRefused) {
  OpenCases(0, 3, 2);
  WaitForProjection();
  Close();
  auto set_format = [&](const std::string& format) {
    std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
    ASSERT_NE(raw, nullptr);
    raw->Put(Family::kMeta, kMetaFormatVersion, format);
  };
  auto format = [&] {
    std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
    std::string value;
    EXPECT_TRUE(raw->db()
                    .Get(rocksdb::ReadOptions(), raw->family(Family::kMeta),
                         kMetaFormatVersion, &value)
                    .ok());
    return value;
  };
  set_format("1");
  Reopen();
  EXPECT_EQ(ScanMaterialized(*store_).cases.size(), 3u);
  Close();
  EXPECT_EQ(format(), "2");

  set_format("3");
  StoreOptions options;
  options.path = dir_.path();
  absl::StatusOr<std::unique_ptr<EventStore>> refused =
      EventStore::Open(options);
  EXPECT_EQ(refused.status(),
            absl::FailedPreconditionError(absl::StrCat(
                "data directory ", dir_.path(),
                " has format version 3; this server reads format 2")));
  set_format("2");
}

TEST_F(ProjectionStoreTest, RebuildUnderConcurrentAppendsAndScans) {
  // More events than the rebuild's switch gap, so that it copies pages
  // before it pauses the follower, and more after.
  constexpr int kCases = 300;
  constexpr int kEventsPerCase = 20;
  OpenCases(0, kCases, kEventsPerCase);
  WaitForProjection();

  std::atomic<bool> stop{false};
  // Set by a thread that ended early (a failed assertion): the waits below
  // give up instead of waiting for it.
  std::atomic<bool> broken{false};
  std::atomic<int> appends{0};
  std::atomic<int> scans_old{0};
  std::atomic<int> scans_new{0};
  auto until_stopped = [&](auto body) {
    return std::thread([&, body] {
      body();
      if (!stop) broken = true;
    });
  };
  // Waits until `done` holds; false if a thread broke or a minute passed.
  auto wait_for = [&](auto done) {
    const absl::Time deadline = Deadline();
    while (!done()) {
      if (broken || absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return true;
  };
  std::thread appender = until_stopped([&] {
    for (int n = 0; !stop; ++n) {
      const std::string c = CaseId(n % kCases);
      absl::StatusOr<AppendResult> result =
          store_->Append(Command(c, Interviews(c, 100 + n, 1 + n % 3)));
      ASSERT_TRUE(result.ok()) << result.status();
      ++appends;
    }
  });
  auto scanner = [&] {
    while (!stop) {
      const Scan materialized = ScanMaterialized(*store_);
      ASSERT_TRUE(materialized.status.ok()) << materialized.status;
      // The log scanned afterwards holds at least as much; cut at the
      // materialized position, it must match exactly.
      const Scan log = ScanLog(*store_);
      ASSERT_TRUE(log.status.ok()) << log.status;
      const uint64_t last = materialized.basis.last_position;
      ASSERT_LE(last, log.basis.last_position);
      ASSERT_EQ(FirstDifference(materialized.cases, UpTo(log.cases, last)), "")
          << "version " << materialized.basis.projection_version
          << " at position " << last;
      const uint32_t version = materialized.basis.projection_version;
      ASSERT_TRUE(version == 1 || version == 2) << version;
      ++(version == 1 ? scans_old : scans_new);
    }
  };
  std::thread scanner_a = until_stopped(scanner);
  std::thread scanner_b = until_stopped(scanner);

  std::vector<RebuildProgress> reports;
  absl::StatusOr<uint32_t> rebuilt =
      store_->Rebuild([&](const RebuildProgress& progress) {
        reports.push_back(progress);
        if (reports.size() == 1) {
          // Scans and appends overlap the rebuild.
          const int appends_before = appends;
          const int scans_before = scans_old;
          EXPECT_TRUE(wait_for([&] {
            return appends >= appends_before + 5 &&
                   scans_old >= scans_before + 2;
          }));
          const ProjectionStatus status = store_->projection_status();
          EXPECT_EQ(status.active_version, 1u);
          EXPECT_EQ(status.rebuilding_version, 2u);
        }
        return absl::OkStatus();
      });
  EXPECT_TRUE(rebuilt.ok()) << rebuilt.status();
  // Scans and appends go on with the new version.
  const int appends_at_switch = appends;
  EXPECT_TRUE(wait_for(
      [&] { return scans_new >= 3 && appends >= appends_at_switch + 5; }));
  stop = true;
  appender.join();
  scanner_a.join();
  scanner_b.join();
  ASSERT_FALSE(broken);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(*rebuilt, 2u);
  EXPECT_EQ(store_->projection_status().active_version, 2u);
  EXPECT_EQ(store_->projection_status().rebuilding_version, 0u);
  EXPECT_GT(scans_old, 0);

  ASSERT_GE(reports.size(), 2u);
  EXPECT_GE(reports.front().events_done, 1000u) << "no page before the report";
  EXPECT_TRUE(reports.back().switched);
  EXPECT_EQ(reports.back().version, 2u);
  EXPECT_GE(reports.back().events_done,
            static_cast<uint64_t>(kCases * kEventsPerCase));
  EXPECT_EQ(reports.back().cases_done, static_cast<uint64_t>(kCases));
  for (size_t i = 0; i + 1 < reports.size(); ++i) {
    EXPECT_FALSE(reports[i].switched);
    EXPECT_LE(reports[i].events_done, reports[i + 1].events_done);
  }

  ExpectMaterializedEqualsLog(2);
  const uint64_t last = store_->last_position();
  Close();
  std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(raw->CountVersion(1), 0u) << "the old version is still there";
  EXPECT_EQ(raw->CountEvents(2), last);
  EXPECT_FALSE(raw->Has(Family::kMeta, kMetaProjectionShadow));
  EXPECT_FALSE(raw->Has(Family::kMeta, ProjectionMarkKey(1)));
  EXPECT_TRUE(raw->Has(Family::kMeta, ProjectionMarkKey(2)));
}

TEST_F(ProjectionStoreTest, ACancelledRebuildLeavesTheOldVersion) {
  // Enough events that the rebuild copies a page before its first report.
  OpenCases(0, 300, 20);
  WaitForProjection();
  int reports = 0;
  absl::StatusOr<uint32_t> cancelled =
      store_->Rebuild([&](const RebuildProgress& progress) {
        ++reports;
        EXPECT_GT(progress.events_done, 0u);
        EXPECT_EQ(progress.version, 2u);
        // One rebuild at a time.
        absl::StatusOr<uint32_t> second = store_->Rebuild(
            [](const RebuildProgress&) { return absl::OkStatus(); });
        EXPECT_EQ(second.status(), absl::FailedPreconditionError(
                                       "a rebuild is running (version 2)"));
        return absl::CancelledError("the admin changed their mind");
      });
  EXPECT_EQ(cancelled.status(),
            absl::CancelledError("the admin changed their mind"));
  EXPECT_EQ(reports, 1);
  ProjectionStatus status = store_->projection_status();
  EXPECT_EQ(status.active_version, 1u);
  EXPECT_EQ(status.rebuilding_version, 0u);
  // The old version still answers, and still follows the log.
  OpenCases(300, 3, 2);
  ExpectMaterializedEqualsLog(1);

  Close();
  {
    std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
    ASSERT_NE(raw, nullptr);
    EXPECT_EQ(raw->CountVersion(2), 0u) << "the shadow's keys are there";
    EXPECT_FALSE(raw->Has(Family::kMeta, kMetaProjectionShadow));
    EXPECT_FALSE(raw->Has(Family::kMeta, ProjectionMarkKey(2)));
  }
  Reopen();
  absl::StatusOr<uint32_t> rebuilt = store_->Rebuild(nullptr);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ(*rebuilt, 2u);
  ExpectMaterializedEqualsLog(2);
}

// The last moment to cancel is the call just before the switch: the shadow
// has caught up, and a cancel then still keeps the old version.
TEST_F(ProjectionStoreTest, ACancelJustBeforeTheSwitchKeepsTheOldVersion) {
  OpenCases(0, 300, 20);
  WaitForProjection();
  std::vector<RebuildProgress> reports;
  absl::StatusOr<uint32_t> cancelled =
      store_->Rebuild([&](const RebuildProgress& progress) {
        reports.push_back(progress);
        if (!progress.about_to_switch) return absl::OkStatus();
        return absl::CancelledError("the caller cancelled the rebuild");
      });
  EXPECT_EQ(cancelled.status(),
            absl::CancelledError("the caller cancelled the rebuild"));
  ASSERT_GE(reports.size(), 2u);
  const RebuildProgress& last = reports.back();
  EXPECT_TRUE(last.about_to_switch);
  EXPECT_FALSE(last.switched);
  // Caught up: every event of the log copied.
  EXPECT_EQ(last.events_done, 300u * 20u);
  EXPECT_EQ(last.events_total, 300u * 20u);
  EXPECT_EQ(last.cases_done, 300u);
  for (size_t i = 0; i + 1 < reports.size(); ++i) {
    EXPECT_FALSE(reports[i].about_to_switch);
  }
  const ProjectionStatus status = store_->projection_status();
  EXPECT_EQ(status.active_version, 1u);
  EXPECT_EQ(status.rebuilding_version, 0u);
  // The old version still follows the log.
  OpenCases(300, 3, 2);
  ExpectMaterializedEqualsLog(1);
  Close();
  std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(raw->CountVersion(2), 0u) << "the shadow's keys are there";
  EXPECT_FALSE(raw->Has(Family::kMeta, kMetaProjectionShadow));
  EXPECT_FALSE(raw->Has(Family::kMeta, ProjectionMarkKey(2)));
}

TEST(SetRebuildRatesTest, RateAndTimeLeftFollowFromTheCounts) {
  RebuildProgress progress;
  progress.events_done = 3000;
  progress.events_total = 12000;
  SetRebuildRates(progress, absl::Seconds(2));
  EXPECT_EQ(progress.elapsed, absl::Seconds(2));
  EXPECT_DOUBLE_EQ(progress.events_per_second, 1500.0);
  EXPECT_DOUBLE_EQ(progress.eta_seconds, 6.0);

  // Done: nothing left.
  progress.events_done = 12000;
  SetRebuildRates(progress, absl::Seconds(4));
  EXPECT_DOUBLE_EQ(progress.events_per_second, 3000.0);
  EXPECT_DOUBLE_EQ(progress.eta_seconds, 0.0);

  // No time yet, or nothing copied yet: no rate and no estimate.
  SetRebuildRates(progress, absl::ZeroDuration());
  EXPECT_DOUBLE_EQ(progress.events_per_second, 0.0);
  EXPECT_DOUBLE_EQ(progress.eta_seconds, 0.0);
  progress.events_done = 0;
  SetRebuildRates(progress, absl::Seconds(1));
  EXPECT_DOUBLE_EQ(progress.events_per_second, 0.0);
  EXPECT_DOUBLE_EQ(progress.eta_seconds, 0.0);
}

// A rebuild the store's closing interrupts fails, not switches: the old
// version stays active, the shadow goes, and the next start rebuilds anew.
TEST_F(ProjectionStoreTest,
       ARebuildThatTheClosingInterruptsLeavesTheOldVersion) {
  OpenCases(0, 300, 20);
  WaitForProjection();
  absl::StatusOr<uint32_t> interrupted =
      store_->Rebuild([&](const RebuildProgress&) {
        // The server is told to stop while the copy runs.
        store_->BeginClose();
        return absl::OkStatus();
      });
  EXPECT_EQ(interrupted.status().code(), absl::StatusCode::kUnavailable)
      << interrupted.status();
  const ProjectionStatus status = store_->projection_status();
  EXPECT_EQ(status.active_version, 1u);
  EXPECT_EQ(status.rebuilding_version, 0u);
  Close();
  {
    std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
    ASSERT_NE(raw, nullptr);
    EXPECT_EQ(raw->CountVersion(2), 0u) << "the shadow's keys are there";
    EXPECT_FALSE(raw->Has(Family::kMeta, kMetaProjectionShadow));
    EXPECT_GT(raw->CountVersion(1), 0u);
  }
  Reopen();
  ExpectMaterializedEqualsLog(1);
}

TEST_F(ProjectionStoreTest, ARebuildOfAnEmptyLogSwitches) {
  std::vector<RebuildProgress> reports;
  absl::StatusOr<uint32_t> rebuilt =
      store_->Rebuild([&](const RebuildProgress& progress) {
        reports.push_back(progress);
        return absl::OkStatus();
      });
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ(*rebuilt, 2u);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].events_total, 0u);
  EXPECT_FALSE(reports[0].about_to_switch);
  EXPECT_TRUE(reports[1].about_to_switch);
  EXPECT_FALSE(reports[1].switched);
  EXPECT_FALSE(reports[2].about_to_switch);
  EXPECT_TRUE(reports[2].switched);
  OpenCases(0, 2, 2);
  ExpectMaterializedEqualsLog(2);
}

TEST_F(ProjectionStoreTest, WhatACrashLeftIsRemovedAtOpen) {
  OpenCases(0, 10, 3);
  ASSERT_TRUE(store_->Rebuild(nullptr).ok());
  WaitForProjection();
  const uint64_t last = store_->last_position();
  Close();
  {
    // A crash in the middle of rebuilding version 3, and before version 1
    // (replaced by 2) was deleted.
    std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
    ASSERT_NE(raw, nullptr);
    raw->Put(Family::kMeta, kMetaProjectionShadow, EncodeU32(3));
    raw->Put(Family::kMeta, ProjectionMarkKey(3), EncodeProjectionMark({2, 0}));
    raw->Put(Family::kMeta, ProjectionMarkKey(1), EncodeProjectionMark({1, 0}));
    for (uint32_t version : {1u, 3u}) {
      raw->Put(Family::kProjections, ProjectionEventKey(version, "c-0", 1),
               "left over");
      raw->Put(Family::kProjections, ProjectionEventKey(version, "c-1", 1),
               "left over");
    }
    ASSERT_EQ(raw->CountVersion(3), 2u);
  }
  Reopen();
  EXPECT_EQ(store_->projection_status().active_version, 2u);
  EXPECT_EQ(store_->projection_status().position, last);
  ExpectMaterializedEqualsLog(2);
  Close();
  std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(raw->CountVersion(1), 0u);
  EXPECT_EQ(raw->CountVersion(3), 0u);
  EXPECT_EQ(raw->CountEvents(2), last);
  EXPECT_FALSE(raw->Has(Family::kMeta, kMetaProjectionShadow));
  EXPECT_FALSE(raw->Has(Family::kMeta, ProjectionMarkKey(1)));
  EXPECT_FALSE(raw->Has(Family::kMeta, ProjectionMarkKey(3)));
}

TEST_F(ProjectionStoreTest, VerifyNamesAProjectionThatDiffersFromTheLog) {
  OpenCases(0, 4, 3);
  WaitForProjection();
  ASSERT_TRUE(store_->Verify().ok());
  Close();
  {
    // c-1's second event replaced by c-1's third.
    std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
    ASSERT_NE(raw, nullptr);
    std::string third;
    ASSERT_TRUE(raw->db()
                    .Get(rocksdb::ReadOptions(),
                         raw->family(Family::kProjections),
                         ProjectionEventKey(1, "c-1", 3), &third)
                    .ok());
    raw->Put(Family::kProjections, ProjectionEventKey(1, "c-1", 2), third);
  }
  Reopen();
  EXPECT_EQ(store_->Verify().status(),
            absl::DataLossError("projection version 1: the key of case c-1 "
                                "version 2 holds the event of case c-1 "
                                "version 3"));
  Close();
  {
    std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
    ASSERT_NE(raw, nullptr);
    raw->Delete(Family::kProjections, ProjectionEventKey(1, "c-1", 2));
  }
  Reopen();
  // c-1 is the second case: its events are at positions 4 to 6.
  EXPECT_EQ(store_->Verify().status(),
            absl::DataLossError("projection version 1: the event at position "
                                "5 is missing, though the materialized "
                                "position is 12"));
}

// A population for the case index: case i of jobcentre jc-(i % 3), team
// team-(i % 2) (team ids repeat across jobcentres, as real ones do) and
// caseworker cw-(i % 5); every fourth case moves to cw-9 of team-b later,
// in an append of its own after every case began. Returns the case ids.
std::vector<std::string> OpenIndexedCases(EventStore& store, int cases) {
  std::vector<std::string> ids;
  for (int i = 0; i < cases; ++i) {
    const std::string c = CaseId(i);
    v1::Event opened = CaseOpened(c + "-open", c);
    opened.mutable_case_opened()->set_jobcentre_id(absl::StrCat("jc-", i % 3));
    opened.mutable_case_opened()->set_team_id(absl::StrCat("team-", i % 2));
    opened.mutable_case_opened()->set_caseworker_id(absl::StrCat("cw-", i % 5));
    std::vector<v1::Event> events = Interviews(c, 1, 1 + i % 3);
    events.insert(events.begin(), opened);
    EXPECT_TRUE(store.Append(Command(c, std::move(events))).ok());
    ids.push_back(c);
  }
  for (int i = 0; i < cases; i += 4) {
    const std::string c = CaseId(i);
    v1::Event moved = CaseworkerChanged(c + "-moved", c, "2018-09-03", "cw-9");
    moved.mutable_caseworker_changed()->set_team_id("team-b");
    EXPECT_TRUE(store.Append(Command(c, {moved})).ok());
  }
  return ids;
}

// The cases of `population` with an event naming `id` in the index's field
// (and, for a team or caseworker, of one of `jobcentres` if any): what a
// selection must read.
Population Named(const Population& population, const CaseSelection& selection) {
  Population named;
  for (const auto& [case_id, events] : population) {
    std::string jobcentre;
    bool names = false;
    for (const auto& [position, bytes] : events) {
      v1::Event event;
      EXPECT_TRUE(event.ParseFromString(bytes));
      std::vector<std::string> ids;
      if (event.has_case_opened()) {
        jobcentre = event.case_opened().jobcentre_id();
        ids = {selection.index == CaseIndex::kJobcentre ? jobcentre
               : selection.index == CaseIndex::kTeam
                   ? event.case_opened().team_id()
                   : event.case_opened().caseworker_id()};
      } else if (event.has_caseworker_changed() &&
                 selection.index != CaseIndex::kJobcentre) {
        ids = {selection.index == CaseIndex::kTeam
                   ? event.caseworker_changed().team_id()
                   : event.caseworker_changed().caseworker_id()};
      }
      for (const std::string& id : ids) {
        names = names || std::find(selection.ids.begin(), selection.ids.end(),
                                   id) != selection.ids.end();
      }
    }
    const bool in_jobcentre =
        selection.jobcentre_ids.empty() ||
        std::find(selection.jobcentre_ids.begin(),
                  selection.jobcentre_ids.end(),
                  jobcentre) != selection.jobcentre_ids.end();
    if (names && in_jobcentre) named.emplace(case_id, events);
  }
  return named;
}

Scan ScanSelected(const EventStore& store, const CaseSelection& selection,
                  uint64_t max_position = 0) {
  return Collect([&](const CaseVisitor& visit) {
    return store.ScanMaterialized(visit, max_position, &selection);
  });
}

// Selections of every kind: one id, several, across jobcentres, one that
// names nothing.
std::vector<CaseSelection> Selections() {
  return {
      {CaseIndex::kJobcentre, {"jc-1"}, {}},
      {CaseIndex::kJobcentre, {"jc-0", "jc-2"}, {}},
      {CaseIndex::kTeam, {"team-0"}, {}},
      {CaseIndex::kTeam, {"team-1"}, {"jc-2"}},
      {CaseIndex::kTeam, {"team-b", "team-1"}, {"jc-0", "jc-1"}},
      {CaseIndex::kCaseworker, {"cw-3"}, {}},
      {CaseIndex::kCaseworker, {"cw-9"}, {"jc-1"}},
      {CaseIndex::kCaseworker, {"cw-nobody"}, {}},
      {CaseIndex::kTeam, {"team-0"}, {"jc-nowhere"}},
  };
}

// A selection reads exactly the cases whose events name one of its ids,
// each whole, in case order, from the same snapshot as a full scan: at any
// cut, and after a rebuild.
TEST_F(ProjectionStoreTest, ASelectionReadsExactlyTheCasesTheirEventsName) {
  OpenIndexedCases(*store_, 40);
  // After a restart the follower has forgotten which jobcentre c-5 is in
  // and finds it in the log.
  WaitForProjection();
  Reopen();
  v1::Event moved =
      CaseworkerChanged("c-5-moved", CaseId(5), "2018-09-20", "cw-9");
  moved.mutable_caseworker_changed()->set_team_id("team-b");
  Append(Command(CaseId(5), {moved}));
  const uint64_t cut = store_->last_position() - 5;
  WaitForProjection();
  for (uint32_t version : {1u, 2u}) {
    if (version == 2) {
      ASSERT_TRUE(store_->Rebuild(nullptr).ok());
      WaitForProjection();
    }
    const Scan whole = ScanMaterialized(*store_);
    ASSERT_TRUE(whole.status.ok()) << whole.status;
    EXPECT_FALSE(whole.basis.indexed);
    const Scan whole_cut = Collect([&](const CaseVisitor& visit) {
      return store_->ScanMaterialized(visit, cut);
    });
    for (const CaseSelection& selection : Selections()) {
      const std::string what =
          absl::StrCat("version ", version, " index ",
                       std::string(1, static_cast<char>(selection.index)), " ",
                       selection.ids[0], " of ", selection.jobcentre_ids.size(),
                       " jobcentres");
      const Scan selected = ScanSelected(*store_, selection);
      ASSERT_TRUE(selected.status.ok()) << what << ": " << selected.status;
      EXPECT_TRUE(selected.basis.indexed) << what;
      const Population want = Named(whole.cases, selection);
      EXPECT_EQ(FirstDifference(selected.cases, want), "") << what;
      EXPECT_EQ(selected.basis.cases, static_cast<int64_t>(want.size()));
      EXPECT_TRUE(std::is_sorted(selected.order.begin(), selected.order.end()))
          << what;
      EXPECT_EQ(selected.order.size(), want.size()) << what;
      EXPECT_EQ(selected.basis.projection_version, version);
      EXPECT_EQ(selected.basis.last_position, whole.basis.last_position);
      EXPECT_EQ(selected.basis.last_recorded_at, whole.basis.last_recorded_at);

      const Scan part = ScanSelected(*store_, selection, cut);
      ASSERT_TRUE(part.status.ok()) << what << ": " << part.status;
      EXPECT_EQ(FirstDifference(part.cases, UpTo(want, cut)), "") << what;
      EXPECT_EQ(part.basis.last_position, cut);
      EXPECT_EQ(part.basis.last_recorded_at, whole_cut.basis.last_recorded_at);
    }
    // The selections are not all empty, nor all everything.
    EXPECT_EQ(ScanSelected(*store_, Selections()[0]).cases.size(), 13u);
    // cw-9 in jc-2: c-5, and c-8, c-20 and c-32 (every fourth of jc-2).
    EXPECT_EQ(ScanSelected(*store_, Selections()[6]).cases.size(), 3u);
    EXPECT_EQ(
        ScanSelected(*store_, {CaseIndex::kCaseworker, {"cw-9"}, {"jc-2"}})
            .order,
        (std::vector<std::string>{"c-20", "c-32", "c-5", "c-8"}));
    EXPECT_TRUE(ScanSelected(*store_, Selections()[7]).cases.empty());
  }
  absl::StatusOr<VerifyReport> verified = store_->Verify();
  EXPECT_TRUE(verified.ok()) << verified.status();
}

// A version begun by a build without the case index has no marker: a
// selection reads every case (the caller's filter still decides), Verify
// does not ask for an index, and a rebuild makes one.
TEST_F(ProjectionStoreTest, AVersionWithoutACaseIndexIsReadWhole) {
  OpenIndexedCases(*store_, 12);
  WaitForProjection();
  Close();
  {
    std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
    ASSERT_NE(raw, nullptr);
    rocksdb::WriteBatch batch;
    batch.DeleteRange(raw->family(Family::kProjections),
                      ProjectionIndexedKey(1), ProjectionIndexEnd(1));
    ASSERT_TRUE(raw->db().Write(rocksdb::WriteOptions(), &batch).ok());
  }
  Reopen();
  const CaseSelection team{CaseIndex::kTeam, {"team-b"}, {}};
  Scan selected = ScanSelected(*store_, team);
  ASSERT_TRUE(selected.status.ok()) << selected.status;
  EXPECT_FALSE(selected.basis.indexed);
  EXPECT_EQ(selected.cases.size(), 12u);
  absl::StatusOr<VerifyReport> verified = store_->Verify();
  EXPECT_TRUE(verified.ok()) << verified.status();
  // New events are indexed, but the index is still not whole.
  Append(Command(CaseId(1), {CaseworkerChanged("c-1-moved", CaseId(1),
                                               "2018-09-10", "cw-7")}));
  WaitForProjection();
  EXPECT_FALSE(ScanSelected(*store_, team).basis.indexed);

  ASSERT_TRUE(store_->Rebuild(nullptr).ok());
  selected = ScanSelected(*store_, team);
  EXPECT_TRUE(selected.basis.indexed);
  // Cases 0, 4 and 8 moved to team-b; c-1 moved to cw-7 of team-a.
  EXPECT_EQ(selected.order, (std::vector<std::string>{"c-0", "c-4", "c-8"}));
  EXPECT_EQ(ScanSelected(*store_, {CaseIndex::kCaseworker, {"cw-7"}, {}}).order,
            std::vector<std::string>{"c-1"});
}

TEST_F(ProjectionStoreTest, VerifyNamesACaseIndexThatDiffersFromTheEvents) {
  OpenIndexedCases(*store_, 8);
  WaitForProjection();
  ASSERT_TRUE(store_->Verify().ok());
  Close();
  {
    // c-4 (jobcentre jc-1) no longer listed under cw-9, its caseworker
    // from 2018-09-03.
    std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
    ASSERT_NE(raw, nullptr);
    const std::string key =
        ProjectionIndexKey(1, CaseIndex::kCaseworker, "cw-9", "jc-1", "c-4");
    ASSERT_TRUE(raw->Has(Family::kProjections, key));
    raw->Delete(Family::kProjections, key);
  }
  Reopen();
  EXPECT_EQ(store_->Verify().status(),
            absl::DataLossError(
                "projection version 1: the case index lacks case c-4 under "
                "caseworker cw-9 of jobcentre jc-1, though an event of the "
                "case names it"));
  Close();
  {
    // Back, and one more that no event gives.
    std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
    ASSERT_NE(raw, nullptr);
    raw->Put(
        Family::kProjections,
        ProjectionIndexKey(1, CaseIndex::kCaseworker, "cw-9", "jc-1", "c-4"),
        "");
    raw->Put(Family::kProjections,
             ProjectionIndexKey(1, CaseIndex::kTeam, "team-z", "jc-0", "c-3"),
             "");
  }
  Reopen();
  EXPECT_EQ(store_->Verify().status(),
            absl::DataLossError(
                "projection version 1: the case index lists case c-3 under "
                "team team-z of jobcentre jc-0, which none of its events "
                "name"));
  Close();
  {
    // Without the stray entry the index agrees with the events again.
    std::unique_ptr<RawDb> raw = RawDb::Open(dir_.path());
    ASSERT_NE(raw, nullptr);
    raw->Delete(
        Family::kProjections,
        ProjectionIndexKey(1, CaseIndex::kTeam, "team-z", "jc-0", "c-3"));
    // 8 cases give 3 entries each, and the 2 moved 2 more each.
    EXPECT_EQ(raw->Count(Family::kProjections, ProjectionIndexBegin(1),
                         ProjectionIndexEnd(1)),
              28u);
  }
  Reopen();
  absl::StatusOr<VerifyReport> verified = store_->Verify();
  EXPECT_TRUE(verified.ok()) << verified.status();
}

v1::RuleSet MakeRuleSet(const std::string& id, int version,
                        const std::string& title) {
  v1::RuleSet rule_set;
  rule_set.set_id(id);
  rule_set.set_version(version);
  rule_set.set_title(title);
  rule_set.set_kind(v1::RULE_SET_KIND_STATUTORY);
  rule_set.set_valid_from("2016-01-01");
  return rule_set;
}

TEST_F(ProjectionStoreTest, RuleSetsAreStoredOnceAndNeverChange) {
  auto put = [&](const std::string& id, int version, const std::string& title,
                 const std::string& origin) -> std::string {
    absl::StatusOr<bool> stored =
        store_->PutRuleSet(MakeRuleSet(id, version, title), origin);
    if (!stored.ok()) return stored.status().ToString();
    return *stored ? "stored already" : "stored";
  };
  ASSERT_EQ(put("a-rules", 1, "first", "file a"), "stored");
  // The same content again: nothing is written (the origin stays).
  EXPECT_EQ(put("a-rules", 1, "first", "again"), "stored already");
  ASSERT_EQ(put("a-rules", 2, "second", "put"), "stored");
  ASSERT_EQ(put("b-rules", 5, "b", "put"), "stored");
  // An older version stored identically is still "stored already".
  EXPECT_EQ(put("a-rules", 1, "first", "x"), "stored already");
  EXPECT_EQ(put("a-rules", 1, "changed", "put"),
            "ALREADY_EXISTS: rule set a-rules version 1 is stored already "
            "with other content; a stored version never changes: put "
            "version 3");
  EXPECT_EQ(put("b-rules", 4, "b", "put"),
            "FAILED_PRECONDITION: rule set b-rules version 4 is older than "
            "the stored version 5");
  EXPECT_EQ(put("c-rules", 0, "c", "put"),
            "INVALID_ARGUMENT: rule set c-rules: version 0 must be at least 1");

  auto expect_stored = [&] {
    absl::StatusOr<std::vector<v1::StoredRuleSet>> stored =
        store_->ReadRuleSets();
    ASSERT_TRUE(stored.ok()) << stored.status();
    ASSERT_EQ(stored->size(), 3u);
    const v1::StoredRuleSet& a1 = (*stored)[0];
    EXPECT_EQ(a1.rule_set().id(), "a-rules");
    EXPECT_EQ(a1.rule_set().version(), 1);
    EXPECT_EQ(a1.rule_set().title(), "first");
    EXPECT_EQ(a1.origin(), "file a");
    EXPECT_FALSE(a1.active());
    EXPECT_EQ(a1.stored_at().seconds(), absl::ToUnixSeconds(FixedNow()));
    EXPECT_EQ((*stored)[1].rule_set().version(), 2);
    EXPECT_EQ((*stored)[1].rule_set().title(), "second");
    EXPECT_TRUE((*stored)[1].active());
    EXPECT_EQ((*stored)[2].rule_set().id(), "b-rules");
    EXPECT_TRUE((*stored)[2].active());
  };
  expect_stored();
  Reopen();
  expect_stored();
}

}  // namespace
}  // namespace caseline::store
