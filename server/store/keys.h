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
//                "projection_active"                  active projection
//                                                     version (u32 BE)
//                "projection/" version (u32 BE)       the position that
//                                                     version has
//                                                     materialized (u64 BE),
//                                                     its recorded_at, Unix
//                                                     micros (u64 BE)
//                "projection_shadow"                  the version a rebuild
//                                                     is building (u32 BE)
//                "rule_set/" id 0x00 version (u32 BE) serialized
//                                                     v1::StoredRuleSet
//   projections  version (u32 BE) 'e' case_id 0x00    serialized v1::Event,
//                case_version (u64 BE)                the log's bytes as
//                                                     they are
//                version (u32 BE) 'i'                 empty: the version's
//                                                     case index is whole
//                version (u32 BE) 'i' 'j' jobcentre   empty: the case is
//                0x00 case_id                         the jobcentre's
//                version (u32 BE) 'i' 't' or 'w' id   empty: an event of
//                0x00 jobcentre 0x00 case_id          the case (of that
//                                                     jobcentre) names the
//                                                     team or caseworker
//   access_log   at, Unix micros (u64 BE)             serialized
//                sequence (u64 BE)                    v1::AccessEntry
//                0xff x 16 "/next_sequence"           end of the sequences
//                                                     reserved (u64 BE)
//
// Big-endian integers sort numerically under RocksDB's bytewise comparator,
// so iteration is in position (and, per case, version) order. Ids are
// printable ASCII, so 0x00 cannot occur inside a case_id and the prefix
// "case_id 0x00" selects exactly one case.
//
// A projection version's keys are contiguous, and within them one case's
// events are contiguous and in version order: a population scan is one
// sequential iteration, and a version is deleted with one DeleteRange. The
// 'e' tag leaves room for other kinds of per-version keys: the case index
// ('i') follows the events. It lists, per jobcentre, and per team and
// caseworker id and jobcentre (index 'j', 't', 'w'), every case with an
// event naming it (case_opened, caseworker_changed), so that an answer
// about one team reads only the cases that were ever the team's (team ids
// repeat across jobcentres, so a team's cases are kept per jobcentre). Its
// marker is written with a version's first page, so a version begun by a build
// without the index has none, and is read in full until it is rebuilt. A
// missing "projection_active" (a database from before projections) means
// version 1 with nothing materialized.
#ifndef CASELINE_SERVER_STORE_KEYS_H_
#define CASELINE_SERVER_STORE_KEYS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace caseline::store {

enum class Family : int {
  kEvents = 0,
  kCases,
  kEventIds,
  kMeta,
  kProjections,
  kAccessLog,
};
inline constexpr int kFamilyCount = 6;
inline constexpr std::array<absl::string_view, kFamilyCount> kFamilyNames = {
    "events", "cases", "event_ids", "meta", "projections", "access_log"};

// The on-disk format this build reads and writes. Format 2 added the
// projections' case index, whose keys a format 1 build would take for
// corrupt events; a format 1 directory is upgraded at open (it has no index
// keys to change, and its projection is read whole until rebuilt).
inline constexpr int kFormatVersion = 2;
inline constexpr int kFormatVersionUpgraded = 1;
inline constexpr char kMetaFormatVersion[] = "format_version";
inline constexpr char kMetaHead[] = "head";

std::string EncodeU64(uint64_t value);
// INTERNAL (data corruption) unless `bytes` is exactly 8 bytes.
absl::StatusOr<uint64_t> DecodeU64(absl::string_view bytes);

// An access log entry's key: when it was stamped, then a sequence number
// that keeps entries of the same microsecond apart. Time order is key order,
// so a retention sweep deletes one range.
std::string AccessLogKey(uint64_t at_micros, uint64_t sequence);
// Where the access log keeps the end of the sequences reserved: after every
// entry's key (it is longer than the greatest), so never read or swept as
// one.
inline constexpr char kAccessLogSequenceKey[] =
    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
    "\xff/next_sequence";
// Sequences a run reserves at a time: one write per 2^32 entries.
inline constexpr uint64_t kAccessLogSequenceBlock = uint64_t{1} << 32;
absl::StatusOr<std::pair<uint64_t, uint64_t>> DecodeAccessLogKey(
    absl::string_view key);

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

std::string EncodeU32(uint32_t value);
// INTERNAL (data corruption) unless `bytes` is exactly 4 bytes.
absl::StatusOr<uint32_t> DecodeU32(absl::string_view bytes);

inline constexpr char kMetaProjectionActive[] = "projection_active";
inline constexpr char kMetaProjectionShadow[] = "projection_shadow";

// The first key of a projection version, and one past its last key: every
// key of `version` sorts in [ProjectionVersionBegin, ProjectionVersionEnd).
std::string ProjectionVersionBegin(uint32_t version);
std::string ProjectionVersionEnd(uint32_t version);
// The prefix of every event key of `version`.
std::string ProjectionEventsPrefix(uint32_t version);
std::string ProjectionEventKey(uint32_t version, absl::string_view case_id,
                               uint64_t case_version);
// The prefix of one case's event keys in `version`.
std::string ProjectionCaseEventsPrefix(uint32_t version,
                                       absl::string_view case_id);
struct ProjectionEventKeyParts {
  uint32_t version = 0;
  // Points into the decoded key.
  absl::string_view case_id;
  uint64_t case_version = 0;
};
// Whether `key` has the shape of a projection event key (the version, the
// events' tag, something, and a u64): the cheap test of the memtable's
// insert hints, not a full decode.
bool IsProjectionEventKey(absl::string_view key);
// Splits a projection event key; INTERNAL if it is malformed.
absl::StatusOr<ProjectionEventKeyParts> DecodeProjectionEventKey(
    absl::string_view key);

// The end of `version`'s event keys (the case index follows them).
std::string ProjectionEventsEnd(uint32_t version);

// The case index of a projection version (see the table above).
enum class CaseIndex : char {
  kJobcentre = 'j',
  kTeam = 't',
  kCaseworker = 'w',
};
// Present when `version`'s index holds every case it materialized.
std::string ProjectionIndexedKey(uint32_t version);
// The prefix of the index entries of one id: for a team or caseworker, of
// its cases in one jobcentre when `jobcentre_id` is given (it is ignored
// for the jobcentre index), else of its cases in every jobcentre.
std::string ProjectionIndexPrefix(uint32_t version, CaseIndex index,
                                  absl::string_view id,
                                  absl::string_view jobcentre_id = {});
// An entry: the case `case_id` of `jobcentre_id` under `id`.
std::string ProjectionIndexKey(uint32_t version, CaseIndex index,
                               absl::string_view id,
                               absl::string_view jobcentre_id,
                               absl::string_view case_id);
// What an index key holds after a ProjectionIndexPrefix; both point into
// the key.
struct ProjectionIndexEntry {
  // Empty when the prefix named it, or for the jobcentre index.
  absl::string_view jobcentre_id;
  absl::string_view case_id;
};
// Splits an index key that begins with `prefix`, a ProjectionIndexPrefix of
// `index`, with or without a jobcentre; INTERNAL if the rest is malformed.
absl::StatusOr<ProjectionIndexEntry> DecodeProjectionIndexKey(
    absl::string_view key, absl::string_view prefix, CaseIndex index,
    bool prefix_has_jobcentre);
// Every index entry of `version` (not its marker) sorts in
// [ProjectionIndexBegin, ProjectionIndexEnd).
std::string ProjectionIndexBegin(uint32_t version);
std::string ProjectionIndexEnd(uint32_t version);

// What one projection version has materialized: every event up to
// `position`, the last of them recorded at `recorded_micros`.
struct ProjectionMark {
  uint64_t position = 0;
  int64_t recorded_micros = 0;
};
std::string ProjectionMarkKey(uint32_t version);
// The prefix of every ProjectionMarkKey.
inline constexpr char kMetaProjectionMarks[] = "projection/";
std::string EncodeProjectionMark(const ProjectionMark& mark);
absl::StatusOr<ProjectionMark> DecodeProjectionMark(absl::string_view bytes);

// The prefix of every stored rule set, and of one id's versions.
inline constexpr char kMetaRuleSets[] = "rule_set/";
std::string RuleSetPrefix(absl::string_view id);
std::string RuleSetKey(absl::string_view id, uint32_t version);
// Splits a rule set key; INTERNAL if it is malformed.
absl::StatusOr<std::pair<std::string, uint32_t>> DecodeRuleSetKey(
    absl::string_view key);

struct Head {
  uint64_t last_position = 0;
  int64_t last_recorded_micros = 0;
};
std::string EncodeHead(const Head& head);
absl::StatusOr<Head> DecodeHead(absl::string_view bytes);

}  // namespace caseline::store

#endif  // CASELINE_SERVER_STORE_KEYS_H_
