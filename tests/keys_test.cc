// Goal: the store's key encodings sort as the log needs and refuse corrupt
// bytes. Method: encode, compare bytewise as RocksDB does, decode back.
#include "server/store/keys.h"

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

TEST(KeysTest, CorruptBytesAreRefused) {
  EXPECT_EQ(DecodeU64("1234567").status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(DecodeU64("1234567").status().message(), "corrupt u64: 7 bytes");
  EXPECT_FALSE(DecodeEventIdEntry(std::string(15, 'x')).ok());
  EXPECT_FALSE(DecodeHead(std::string(17, 'x')).ok());
  EXPECT_FALSE(DecodeCaseVersionKey("c-1").ok());
  // Right length, but no 0x00 before the version.
  EXPECT_FALSE(
      DecodeCaseVersionKey(std::string("c-1x\0\0\0\0\0\0\0\x02", 12)).ok());
}

}  // namespace
}  // namespace caseline::store
