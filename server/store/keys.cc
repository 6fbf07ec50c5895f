#include "server/store/keys.h"

#include "absl/status/status.h"
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
