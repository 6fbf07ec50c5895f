// Column families and key encodings of caseline's RocksDB database, in one
// place.
//
//   family       key                                  value
//   ----------   ----------------------------------   -----------------------
//   events       position (u64 BE)                    serialized v1::Event
//   cases        case_id 0x00 version (u64 BE)        position (u64 BE)
//   event_ids    event_id                             position (u64 BE)
//                                                     digest (u64 BE)
//   meta         "format_version"                     decimal text
//                "head"                               last position (u64 BE)
//                                                     last recorded_at, Unix
//                                                     micros (u64 BE)
//   projections  (reserved for materialized projections)
//
// Big-endian integers sort numerically under RocksDB's bytewise comparator,
// so iteration is in position (and, per case, version) order. Ids are
// printable ASCII, so 0x00 cannot occur inside a case_id and the prefix
// "case_id 0x00" selects exactly one case.
#ifndef CASELINE_SERVER_STORE_KEYS_H_
#define CASELINE_SERVER_STORE_KEYS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace caseline::store {

enum class Family : int {
  kEvents = 0,
  kCases,
  kEventIds,
  kMeta,
  kProjections,
};
inline constexpr int kFamilyCount = 5;
inline constexpr std::array<absl::string_view, kFamilyCount> kFamilyNames = {
    "events", "cases", "event_ids", "meta", "projections"};

// The on-disk format this build reads and writes.
inline constexpr int kFormatVersion = 1;
inline constexpr char kMetaFormatVersion[] = "format_version";
inline constexpr char kMetaHead[] = "head";

std::string EncodeU64(uint64_t value);
// INTERNAL (data corruption) unless `bytes` is exactly 8 bytes.
absl::StatusOr<uint64_t> DecodeU64(absl::string_view bytes);

std::string PositionKey(uint64_t position);

// The prefix of every key of one case in `cases`.
std::string CasePrefix(absl::string_view case_id);
std::string CaseVersionKey(absl::string_view case_id, uint64_t version);
// Splits a `cases` key; INTERNAL if it is malformed.
absl::StatusOr<std::pair<std::string, uint64_t>> DecodeCaseVersionKey(
    absl::string_view key);

struct EventIdEntry {
  uint64_t position = 0;
  uint64_t digest = 0;
};
std::string EncodeEventIdEntry(const EventIdEntry& entry);
absl::StatusOr<EventIdEntry> DecodeEventIdEntry(absl::string_view bytes);

struct Head {
  uint64_t last_position = 0;
  int64_t last_recorded_micros = 0;
};
std::string EncodeHead(const Head& head);
absl::StatusOr<Head> DecodeHead(absl::string_view bytes);

}  // namespace caseline::store

#endif  // CASELINE_SERVER_STORE_KEYS_H_
