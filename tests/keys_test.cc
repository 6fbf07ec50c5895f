// Goal: the store's key encodings sort as the log needs and refuse corrupt
// bytes. Method: encode, compare bytewise as RocksDB does, decode back.
#include "server/store/keys.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace caseline::store {
namespace {

TEST(KeysTest, PositionsSortNumerically) {
  EXPECT_EQ(PositionKey(1), std::string("\0\0\0\0\0\0\0\x01", 8));
  EXPECT_LT(PositionKey(255), PositionKey(256));
  EXPECT_LT(PositionKey(9), PositionKey(10));
  EXPECT_LT(PositionKey(UINT32_MAX), PositionKey(uint64_t{UINT32_MAX} + 1));
  EXPECT_EQ(*DecodeU64(PositionKey(0x0102030405060708)), 0x0102030405060708u);
}

TEST(KeysTest, CaseKeysGroupByCaseAndSortByVersion) {
  EXPECT_EQ(CaseVersionKey("c-1", 2),
            std::string("c-1\0\0\0\0\0\0\0\0\x02", 12));
  EXPECT_LT(CaseVersionKey("c-1", 2), CaseVersionKey("c-1", 10));
  // Every version of c-1 sorts before c-10's keys: the 0x00 separator is
  // below every printable byte.
  EXPECT_LT(CaseVersionKey("c-1", UINT64_MAX), CaseVersionKey("c-10", 1));
  const std::string key = CaseVersionKey("c-1", 7);
  EXPECT_EQ(key.substr(0, CasePrefix("c-1").size()), CasePrefix("c-1"));
  EXPECT_NE(CaseVersionKey("c-10", 1).substr(0, CasePrefix("c-1").size()),
            CasePrefix("c-1"));
  auto decoded = DecodeCaseVersionKey(key);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->first, "c-1");
  EXPECT_EQ(decoded->second, 7u);
}

TEST(KeysTest, ValuesRoundTrip) {
  auto entry = DecodeEventIdEntry(EncodeEventIdEntry({42, 0xfeedface}));
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->position, 42u);
  EXPECT_EQ(entry->digest, 0xfeedfaceu);
  auto head = DecodeHead(EncodeHead({1000, 1'700'000'000'000'000}));
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->last_position, 1000u);
  EXPECT_EQ(head->last_recorded_micros, 1'700'000'000'000'000);
}

TEST(KeysTest, ProjectionKeysSortByVersionThenCaseThenCaseVersion) {
  EXPECT_EQ(ProjectionEventKey(2, "c-1", 3),
            std::string("\0\0\0\x02"
                        "ec-1\0\0\0\0\0\0\0\0\x03",
                        17));
  EXPECT_LT(ProjectionEventKey(2, "c-1", 9), ProjectionEventKey(2, "c-1", 10));
  // One case's events are contiguous: c-1's last sorts before c-10's first.
  EXPECT_LT(ProjectionEventKey(2, "c-1", UINT64_MAX),
            ProjectionEventKey(2, "c-10", 1));
  // Versions sort numerically, whatever the case ids.
  EXPECT_LT(ProjectionEventKey(255, "zzz", UINT64_MAX),
            ProjectionEventKey(256, "a", 1));
  // The parts point into the key, which must outlive them.
  const std::string key = ProjectionEventKey(7, "c-42", 12);
  auto parts = DecodeProjectionEventKey(key);
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->version, 7u);
  EXPECT_EQ(parts->case_id, "c-42");
  EXPECT_EQ(parts->case_version, 12u);
}

// The store's memtable insert hints (CaseVersionPrefix in event_store.cc)
// take keys longer than 8 bytes; RocksDB 7 shares those hints with range
// tombstones, so the bounds of the projections' range deletions must stay
// outside that domain.
TEST(KeysTest, ProjectionRangeDeletionBoundsAreOutsideTheInsertHintDomain) {
  for (uint32_t version : {0u, 1u, 7u, UINT32_MAX}) {
    EXPECT_LE(ProjectionVersionBegin(version).size(), 8u);
    EXPECT_LE(ProjectionVersionEnd(version).size(), 8u);
  }
}

TEST(KeysTest, ProjectionVersionRangeHoldsExactlyItsKeys) {
  for (uint32_t version : {0u, 1u, 255u, UINT32_MAX - 1, UINT32_MAX}) {
    const std::string begin = ProjectionVersionBegin(version);
    const std::string end = ProjectionVersionEnd(version);
    const std::string first = ProjectionEventKey(version, "!", 0);
    const std::string last = ProjectionEventKey(version, "~~~~", UINT64_MAX);
    EXPECT_LE(begin, first) << version;
    EXPECT_LT(last, end) << version;
    EXPECT_EQ(first.substr(0, ProjectionEventsPrefix(version).size()),
              ProjectionEventsPrefix(version));
    if (version > 0) {
      EXPECT_LT(ProjectionEventKey(version - 1, "~~~~", UINT64_MAX), begin);
    }
    if (version < UINT32_MAX) {
      EXPECT_LE(end, ProjectionEventKey(version + 1, "!", 0)) << version;
    }
  }
}

// The case index follows a version's events inside the version's range:
// its marker first, then its entries, grouped by index, id, and (for a
// team or caseworker) jobcentre; a prefix selects exactly one id's cases.
TEST(KeysTest, CaseIndexKeysSitAfterTheEventsOfTheirVersion) {
  for (uint32_t version : {1u, 255u, UINT32_MAX}) {
    const std::string last_event =
        ProjectionEventKey(version, "~~~~", UINT64_MAX);
    const std::string marker = ProjectionIndexedKey(version);
    const std::string first =
        ProjectionIndexKey(version, CaseIndex::kJobcentre, "!", "", "!");
    const std::string last = ProjectionIndexKey(version, CaseIndex::kCaseworker,
                                                "~~~~", "~~~~", "~~~~");
    EXPECT_LT(last_event, ProjectionEventsEnd(version)) << version;
    EXPECT_LE(ProjectionEventsEnd(version), marker) << version;
    EXPECT_LT(marker, ProjectionIndexBegin(version)) << version;
    EXPECT_LE(ProjectionIndexBegin(version), first) << version;
    EXPECT_LT(last, ProjectionIndexEnd(version)) << version;
    EXPECT_LE(ProjectionIndexEnd(version), ProjectionVersionEnd(version))
        << version;
    EXPECT_LE(ProjectionVersionBegin(version), ProjectionEventsPrefix(version));
  }
  EXPECT_EQ(ProjectionIndexKey(2, CaseIndex::kTeam, "team-a", "jc-1", "c-7"),
            std::string("\0\0\0\x02itteam-a\0jc-1\0c-7", 21));
  // The jobcentre index has no second jobcentre.
  EXPECT_EQ(ProjectionIndexKey(2, CaseIndex::kJobcentre, "jc-1", "jc-1", "c-7"),
            std::string("\0\0\0\x02ijjc-1\0c-7", 14));
  // team-a's prefix does not select team-ab's cases, nor jc-1's jc-10's.
  const std::string team_a =
      ProjectionIndexPrefix(2, CaseIndex::kTeam, "team-a");
  EXPECT_FALSE(absl::StartsWith(
      ProjectionIndexKey(2, CaseIndex::kTeam, "team-ab", "jc-1", "c-7"),
      team_a));
  const std::string in_jc1 =
      ProjectionIndexPrefix(2, CaseIndex::kTeam, "team-a", "jc-1");
  EXPECT_FALSE(absl::StartsWith(
      ProjectionIndexKey(2, CaseIndex::kTeam, "team-a", "jc-10", "c-7"),
      in_jc1));
  // A team's prefix without a jobcentre selects it in every jobcentre.
  const std::string key =
      ProjectionIndexKey(2, CaseIndex::kTeam, "team-a", "jc-10", "c-7");
  EXPECT_TRUE(absl::StartsWith(key, team_a));
  auto entry = DecodeProjectionIndexKey(key, team_a, CaseIndex::kTeam, false);
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->jobcentre_id, "jc-10");
  EXPECT_EQ(entry->case_id, "c-7");
  const std::string jc10 =
      ProjectionIndexPrefix(2, CaseIndex::kTeam, "team-a", "jc-10");
  entry = DecodeProjectionIndexKey(key, jc10, CaseIndex::kTeam, true);
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->jobcentre_id, "");
  EXPECT_EQ(entry->case_id, "c-7");
  const std::string jobcentre =
      ProjectionIndexPrefix(2, CaseIndex::kJobcentre, "jc-1", "ignored");
  EXPECT_EQ(jobcentre, std::string("\0\0\0\x02ijjc-1\0", 11));
  const std::string of_jobcentre = jobcentre + "c-9";
  entry = DecodeProjectionIndexKey(of_jobcentre, jobcentre,
                                   CaseIndex::kJobcentre, false);
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->jobcentre_id, "");
  EXPECT_EQ(entry->case_id, "c-9");
  // No case, no jobcentre before the case, another prefix, an extra 0x00.
  EXPECT_FALSE(
      DecodeProjectionIndexKey(jc10, jc10, CaseIndex::kTeam, true).ok());
  EXPECT_FALSE(
      DecodeProjectionIndexKey(team_a + "c-7", team_a, CaseIndex::kTeam, false)
          .ok());
  EXPECT_FALSE(DecodeProjectionIndexKey(team_a + std::string("\0c-7", 4),
                                        team_a, CaseIndex::kTeam, false)
                   .ok());
  EXPECT_FALSE(
      DecodeProjectionIndexKey(key, in_jc1, CaseIndex::kTeam, true).ok());
  EXPECT_FALSE(DecodeProjectionIndexKey(jobcentre + std::string("c\0-9", 4),
                                        jobcentre, CaseIndex::kJobcentre, false)
                   .ok());
}

TEST(KeysTest, RuleSetKeysSortByIdThenVersion) {
  EXPECT_EQ(RuleSetKey("dk", 2), std::string("rule_set/dk\0\0\0\0\x02", 16));
  EXPECT_LT(RuleSetKey("dk", 9), RuleSetKey("dk", 10));
  // Every version of "dk" before any of "dk-lab": one id's versions are
  // contiguous under RuleSetPrefix.
  EXPECT_LT(RuleSetKey("dk", UINT32_MAX), RuleSetKey("dk-lab", 1));
  EXPECT_NE(RuleSetKey("dk-lab", 1).substr(0, RuleSetPrefix("dk").size()),
            RuleSetPrefix("dk"));
  auto decoded = DecodeRuleSetKey(RuleSetKey("dk-lab-2016", 3));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->first, "dk-lab-2016");
  EXPECT_EQ(decoded->second, 3u);
}

TEST(KeysTest, ProjectionValuesRoundTrip) {
  EXPECT_EQ(*DecodeU32(EncodeU32(0x01020304)), 0x01020304u);
  EXPECT_LT(EncodeU32(255), EncodeU32(256));
  EXPECT_EQ(ProjectionMarkKey(1), std::string("projection/\0\0\0\x01", 15));
  auto mark =
      DecodeProjectionMark(EncodeProjectionMark({4711, 1'700'000'000'000'001}));
  ASSERT_TRUE(mark.ok()) << mark.status();
  EXPECT_EQ(mark->position, 4711u);
  EXPECT_EQ(mark->recorded_micros, 1'700'000'000'000'001);
}

TEST(KeysTest, CorruptBytesAreRefused) {
  EXPECT_EQ(DecodeU64("1234567").status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(DecodeU64("1234567").status().message(), "corrupt u64: 7 bytes");
  EXPECT_FALSE(DecodeEventIdEntry(std::string(15, 'x')).ok());
  EXPECT_FALSE(DecodeHead(std::string(17, 'x')).ok());
  EXPECT_FALSE(DecodeCaseVersionKey("c-1").ok());
  // Right length, but no 0x00 before the version.
  EXPECT_FALSE(
      DecodeCaseVersionKey(std::string("c-1x\0\0\0\0\0\0\0\x02", 12)).ok());
  EXPECT_FALSE(DecodeU32("123").ok());
  EXPECT_FALSE(DecodeProjectionMark(std::string(15, 'x')).ok());
  // Too short; wrong tag; no 0x00 before the case version.
  EXPECT_FALSE(DecodeProjectionEventKey(std::string("\0\0\0\x01", 4)).ok());
  std::string key = ProjectionEventKey(1, "c-1", 1);
  key[4] = 'x';
  EXPECT_FALSE(DecodeProjectionEventKey(key).ok());
  key = ProjectionEventKey(1, "c-1", 1);
  key[key.size() - 9] = '1';
  EXPECT_FALSE(DecodeProjectionEventKey(key).ok());
  // An empty case id is not a key.
  EXPECT_FALSE(DecodeProjectionEventKey(ProjectionEventKey(1, "", 1)).ok());
  EXPECT_FALSE(DecodeRuleSetKey("rule_set/dk").ok());
  // The right length, but not under "rule_set/".
  EXPECT_FALSE(
      DecodeRuleSetKey(std::string("rule_sex/dk\0\0\0\0\x02", 16)).ok());
}

}  // namespace
}  // namespace caseline::store
