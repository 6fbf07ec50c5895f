#include "server/store/keys.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace caseline::store {
namespace {

constexpr size_t kU64Bytes = 8;

void AppendU64(std::string* out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

uint64_t ReadU64(absl::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < kU64Bytes; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

absl::Status Corrupt(absl::string_view what, size_t size) {
  return absl::InternalError(
      absl::StrCat("corrupt ", what, ": ", size, " bytes"));
}

constexpr size_t kU32Bytes = 4;

void AppendU32(std::string* out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

uint32_t ReadU32(absl::string_view bytes) {
  uint32_t value = 0;
  for (size_t i = 0; i < kU32Bytes; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

// Tags after the version in the projections family. 0xff sorts after every
// tag: the version's end.
constexpr char kProjectionEventsTag = 'e';
constexpr char kProjectionIndexTag = 'i';
constexpr char kProjectionVersionEndTag = '\xff';

}  // namespace

std::string EncodeU64(uint64_t value) {
  std::string out;
  out.reserve(kU64Bytes);
  AppendU64(&out, value);
  return out;
}

absl::StatusOr<uint64_t> DecodeU64(absl::string_view bytes) {
  if (bytes.size() != kU64Bytes) return Corrupt("u64", bytes.size());
  return ReadU64(bytes);
}

std::string AccessLogKey(uint64_t at_micros, uint64_t sequence) {
  std::string out;
  out.reserve(2 * kU64Bytes);
  AppendU64(&out, at_micros);
  AppendU64(&out, sequence);
  return out;
}

absl::StatusOr<std::pair<uint64_t, uint64_t>> DecodeAccessLogKey(
    absl::string_view key) {
  if (key.size() != 2 * kU64Bytes) return Corrupt("access log key", key.size());
  return std::make_pair(ReadU64(key.substr(0, kU64Bytes)),
                        ReadU64(key.substr(kU64Bytes)));
}

std::string EncodeU32(uint32_t value) {
  std::string out;
  out.reserve(kU32Bytes);
  AppendU32(&out, value);
  return out;
}

absl::StatusOr<uint32_t> DecodeU32(absl::string_view bytes) {
  if (bytes.size() != kU32Bytes) return Corrupt("u32", bytes.size());
  return ReadU32(bytes);
}

std::string PositionKey(uint64_t position) { return EncodeU64(position); }

std::string CasePrefix(absl::string_view case_id) {
  std::string prefix(case_id);
  prefix.push_back('\0');
  return prefix;
}

std::string CaseVersionKey(absl::string_view case_id, uint64_t version) {
  std::string key = CasePrefix(case_id);
  AppendU64(&key, version);
  return key;
}

absl::StatusOr<std::pair<std::string, uint64_t>> DecodeCaseVersionKey(
    absl::string_view key) {
  if (key.size() < kU64Bytes + 2 || key[key.size() - kU64Bytes - 1] != '\0') {
    return Corrupt("cases key", key.size());
  }
  const size_t id_size = key.size() - kU64Bytes - 1;
  return std::make_pair(std::string(key.substr(0, id_size)),
                        ReadU64(key.substr(id_size + 1)));
}

std::string EncodeEventIdEntry(const EventIdEntry& entry) {
  std::string out;
  out.reserve(2 * kU64Bytes);
  AppendU64(&out, entry.position);
  AppendU64(&out, entry.digest);
  return out;
}

absl::StatusOr<EventIdEntry> DecodeEventIdEntry(absl::string_view bytes) {
  if (bytes.size() != 2 * kU64Bytes)
    return Corrupt("event_ids entry", bytes.size());
  return EventIdEntry{ReadU64(bytes.substr(0, kU64Bytes)),
                      ReadU64(bytes.substr(kU64Bytes))};
}

std::string ProjectionVersionBegin(uint32_t version) {
  return EncodeU32(version);
}

std::string ProjectionVersionEnd(uint32_t version) {
  std::string key = EncodeU32(version);
  key.push_back(kProjectionVersionEndTag);
  return key;
}

std::string ProjectionEventsPrefix(uint32_t version) {
  std::string prefix = EncodeU32(version);
  prefix.push_back(kProjectionEventsTag);
  return prefix;
}

std::string ProjectionEventsEnd(uint32_t version) {
  std::string end = EncodeU32(version);
  end.push_back(kProjectionEventsTag + 1);
  return end;
}

std::string ProjectionIndexedKey(uint32_t version) {
  std::string key = EncodeU32(version);
  key.push_back(kProjectionIndexTag);
  return key;
}

std::string ProjectionIndexPrefix(uint32_t version, CaseIndex index,
                                  absl::string_view id,
                                  absl::string_view jobcentre_id) {
  std::string prefix = ProjectionIndexedKey(version);
  prefix.push_back(static_cast<char>(index));
  prefix.append(id.data(), id.size());
  prefix.push_back('\0');
  if (index != CaseIndex::kJobcentre && !jobcentre_id.empty()) {
    prefix.append(jobcentre_id.data(), jobcentre_id.size());
    prefix.push_back('\0');
  }
  return prefix;
}

std::string ProjectionIndexKey(uint32_t version, CaseIndex index,
                               absl::string_view id,
                               absl::string_view jobcentre_id,
                               absl::string_view case_id) {
  std::string key = ProjectionIndexPrefix(version, index, id, jobcentre_id);
  key.append(case_id.data(), case_id.size());
  return key;
}

absl::StatusOr<ProjectionIndexEntry> DecodeProjectionIndexKey(
    absl::string_view key, absl::string_view prefix, CaseIndex index,
    bool prefix_has_jobcentre) {
  if (!absl::StartsWith(key, prefix)) {
    return Corrupt("case index key", key.size());
  }
  ProjectionIndexEntry entry;
  absl::string_view rest = key.substr(prefix.size());
  if (index != CaseIndex::kJobcentre && !prefix_has_jobcentre) {
    // The jobcentre, then the case.
    const size_t end = rest.find('\0');
    if (end == 0 || end == absl::string_view::npos) {
      return Corrupt("case index key", key.size());
    }
    entry.jobcentre_id = rest.substr(0, end);
    rest.remove_prefix(end + 1);
  }
  if (rest.empty() || rest.find('\0') != absl::string_view::npos) {
    return Corrupt("case index key", key.size());
  }
  entry.case_id = rest;
  return entry;
}

std::string ProjectionIndexBegin(uint32_t version) {
  // The marker is the version and the tag alone; entries have more.
  std::string begin = ProjectionIndexedKey(version);
  begin.push_back('\0');
  return begin;
}

std::string ProjectionIndexEnd(uint32_t version) {
  std::string end = EncodeU32(version);
  end.push_back(kProjectionIndexTag + 1);
  return end;
}

std::string ProjectionCaseEventsPrefix(uint32_t version,
                                       absl::string_view case_id) {
  std::string prefix = ProjectionEventsPrefix(version);
  prefix.append(case_id.data(), case_id.size());
  prefix.push_back('\0');
  return prefix;
}

std::string ProjectionEventKey(uint32_t version, absl::string_view case_id,
                               uint64_t case_version) {
  std::string key = ProjectionCaseEventsPrefix(version, case_id);
  AppendU64(&key, case_version);
  return key;
}

bool IsProjectionEventKey(absl::string_view key) {
  return key.size() > kU32Bytes + 1 + kU64Bytes &&
         key[kU32Bytes] == kProjectionEventsTag;
}

absl::StatusOr<ProjectionEventKeyParts> DecodeProjectionEventKey(
    absl::string_view key) {
  // version, tag, at least one byte of case_id, 0x00, case_version.
  constexpr size_t kSizeMin = kU32Bytes + 1 + 1 + 1 + kU64Bytes;
  if (key.size() < kSizeMin || key[kU32Bytes] != kProjectionEventsTag ||
      key[key.size() - kU64Bytes - 1] != '\0') {
    return Corrupt("projection key", key.size());
  }
  ProjectionEventKeyParts parts;
  parts.version = ReadU32(key);
  parts.case_id =
      key.substr(kU32Bytes + 1, key.size() - kU32Bytes - 1 - kU64Bytes - 1);
  parts.case_version = ReadU64(key.substr(key.size() - kU64Bytes));
  return parts;
}

std::string ProjectionMarkKey(uint32_t version) {
  std::string key = kMetaProjectionMarks;
  AppendU32(&key, version);
  return key;
}

std::string EncodeProjectionMark(const ProjectionMark& mark) {
  std::string out;
  out.reserve(2 * kU64Bytes);
  AppendU64(&out, mark.position);
  AppendU64(&out, static_cast<uint64_t>(mark.recorded_micros));
  return out;
}

absl::StatusOr<ProjectionMark> DecodeProjectionMark(absl::string_view bytes) {
  if (bytes.size() != 2 * kU64Bytes) {
    return Corrupt("projection mark", bytes.size());
  }
  return ProjectionMark{ReadU64(bytes.substr(0, kU64Bytes)),
                        static_cast<int64_t>(ReadU64(bytes.substr(kU64Bytes)))};
}

std::string RuleSetPrefix(absl::string_view id) {
  std::string prefix = kMetaRuleSets;
  prefix.append(id.data(), id.size());
  prefix.push_back('\0');
  return prefix;
}

std::string RuleSetKey(absl::string_view id, uint32_t version) {
  std::string key = RuleSetPrefix(id);
  AppendU32(&key, version);
  return key;
}

absl::StatusOr<std::pair<std::string, uint32_t>> DecodeRuleSetKey(
    absl::string_view key) {
  const size_t prefix_size = sizeof(kMetaRuleSets) - 1;
  if (key.size() < prefix_size + 1 + 1 + kU32Bytes ||
      key.substr(0, prefix_size) != kMetaRuleSets ||
      key[key.size() - kU32Bytes - 1] != '\0') {
    return Corrupt("rule set key", key.size());
  }
  const size_t id_size = key.size() - prefix_size - 1 - kU32Bytes;
  return std::make_pair(std::string(key.substr(prefix_size, id_size)),
                        ReadU32(key.substr(key.size() - kU32Bytes)));
}

std::string EncodeHead(const Head& head) {
  std::string out;
  out.reserve(2 * kU64Bytes);
  AppendU64(&out, head.last_position);
  AppendU64(&out, static_cast<uint64_t>(head.last_recorded_micros));
  return out;
}

absl::StatusOr<Head> DecodeHead(absl::string_view bytes) {
  if (bytes.size() != 2 * kU64Bytes) return Corrupt("head", bytes.size());
  return Head{ReadU64(bytes.substr(0, kU64Bytes)),
              static_cast<int64_t>(ReadU64(bytes.substr(kU64Bytes)))};
}

}  // namespace caseline::store
