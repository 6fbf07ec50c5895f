// Goal: the access log keeps every entry in time order, finds them by case,
// citizen, user and window, survives reopening with unique keys, and a
// retention sweep deletes what is older than its cutoff, from the files on
// disk too, and nothing younger. Method: a store in a fresh temp directory
// with a clock the test moves.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/store/event_store.h"
#include "tests/temp_dir.h"

namespace caseline::store {
namespace {

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 6, 1, 9, 0, 0), absl::UTCTimeZone());

class AccessLogTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    StoreOptions options;
    options.path = dir_.path();
    options.clock = [this] { return now_; };
    absl::StatusOr<std::unique_ptr<EventStore>> opened =
        EventStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
  }

  void Record(const std::string& subject, const std::string& case_id,
              const std::string& citizen_id, const std::string& purpose = "") {
    v1::AccessEntry entry;
    entry.set_subject(subject);
    entry.set_rpc("GetCompliance");
    entry.add_case_ids(case_id);
    entry.add_citizen_ids(citizen_id);
    entry.set_purpose(purpose);
    entry.set_outcome("OK");
    ASSERT_TRUE(store_->RecordAccess(entry, /*sync=*/true).ok());
  }

  std::vector<std::string> Subjects(const AccessQuery& query) {
    absl::StatusOr<AccessPage> page = store_->ReadAccessLog(query);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> subjects;
    for (const v1::AccessEntry& entry : page.value_or(AccessPage()).entries) {
      subjects.push_back(entry.subject());
    }
    return subjects;
  }

  caseline::testing::TempDir dir_;
  absl::Time now_ = kStart;
  std::unique_ptr<EventStore> store_;
};

using Strings = std::vector<std::string>;

AccessQuery Query(void (*set)(AccessQuery&)) {
  AccessQuery query;
  set(query);
  return query;
}

TEST_F(AccessLogTest, EntriesAreFoundByCaseCitizenUserAndWindow) {
  Record("cw-1", "case-1", "p-1");
  now_ += absl::Hours(1);
  Record("cw-2", "case-2", "p-2");
  now_ += absl::Hours(1);
  Record("cw-1", "case-2", "p-2");

  EXPECT_EQ(Subjects({}), (Strings{"cw-1", "cw-2", "cw-1"}));
  EXPECT_EQ(Subjects(Query([](AccessQuery& q) { q.case_id = "case-2"; })),
            (Strings{"cw-2", "cw-1"}));
  EXPECT_EQ(Subjects(Query([](AccessQuery& q) { q.citizen_id = "p-1"; })),
            (Strings{"cw-1"}));
  EXPECT_EQ(Subjects(Query([](AccessQuery& q) { q.subject = "cw-2"; })),
            (Strings{"cw-2"}));
  EXPECT_EQ(Subjects(Query([](AccessQuery& q) {
              q.from = kStart + absl::Minutes(30);
              q.to = kStart + absl::Minutes(90);
            })),
            (Strings{"cw-2"}));
  absl::StatusOr<AccessPage> first_two =
      store_->ReadAccessLog(Query([](AccessQuery& q) { q.limit = 2; }));
  ASSERT_TRUE(first_two.ok());
  EXPECT_EQ(first_two->entries.size(), 2u);
  EXPECT_TRUE(first_two->truncated);
  EXPECT_EQ(first_two->entries[1].at().seconds(),
            absl::ToUnixSeconds(kStart + absl::Hours(1)));
}

TEST_F(AccessLogTest, EntriesOfTheSameMomentAcrossARestartAreAllKept) {
  Record("cw-1", "case-1", "p-1");
  Reopen();
  Record("cw-2", "case-1", "p-1");
  EXPECT_EQ(Subjects(Query([](AccessQuery& q) { q.case_id = "case-1"; })),
            (Strings{"cw-1", "cw-2"}));
}

// Every byte of every file in `dir`.
std::string AllFiles(const std::string& dir) {
  std::string bytes;
  for (const auto& file : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(file.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    bytes += text.str();
  }
  return bytes;
}

TEST_F(AccessLogTest, ASweepDeletesOlderEntriesFromDiskAndKeepsYoungerOnes) {
  Record("cw-old", "case-1", "p-1", "marker-of-an-old-look-up");
  now_ += absl::Hours(24) * 200;
  Record("cw-new", "case-1", "p-1", "a-recent-look-up");
  ASSERT_TRUE(
      absl::StrContains(AllFiles(dir_.path()), "marker-of-an-old-look-up"))
      << "the test must see the entry on disk before the sweep";

  absl::StatusOr<uint64_t> swept =
      store_->SweepAccessLog(now_ - absl::Hours(24) * 180);
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(*swept, 1u);
  EXPECT_EQ(Subjects({}), (Strings{"cw-new"}));
  EXPECT_FALSE(
      absl::StrContains(AllFiles(dir_.path()), "marker-of-an-old-look-up"));
  EXPECT_TRUE(absl::StrContains(AllFiles(dir_.path()), "a-recent-look-up"));

  // Nothing older left: a second sweep deletes nothing.
  swept = store_->SweepAccessLog(now_ - absl::Hours(24) * 180);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 0u);
  Reopen();
  EXPECT_EQ(Subjects({}), (Strings{"cw-new"}));
}

TEST_F(AccessLogTest, AnEntryStampedAtTheCutoffIsKeptAndOneJustOlderIsNot) {
  Record("cw-1", "case-1", "p-1");
  absl::StatusOr<uint64_t> swept = store_->SweepAccessLog(kStart);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 0u);
  EXPECT_EQ(Subjects({}), (Strings{"cw-1"}));
  swept = store_->SweepAccessLog(kStart + absl::Microseconds(1));
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 1u);
  EXPECT_EQ(Subjects({}), (Strings{}));
}

TEST_F(AccessLogTest, SequencesStayUniqueWhenTheClockGoesBackAcrossARestart) {
  Record("cw-1", "case-1", "p-1");
  now_ -= absl::Hours(1);
  Reopen();
  Record("cw-2", "case-1", "p-1");
  Reopen();
  // The same instant as cw-2, after a restart: a sequence taken from the
  // latest entry would repeat cw-2's and overwrite it.
  Record("cw-3", "case-1", "p-1");
  EXPECT_EQ(Subjects({}), (Strings{"cw-2", "cw-3", "cw-1"}));
}

}  // namespace
}  // namespace caseline::store
