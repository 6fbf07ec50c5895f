// Backups by RocksDB's BackupEngine (event_store.h: EventStore::Backup,
// RestoreLatestBackup).
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "projections/instants.h"
#include "rocksdb/utilities/backup_engine.h"
#include "server/store/event_store.h"
#include "server/store/internal/event_store_impl.h"
#include "server/store/internal/store_internal.h"

namespace caseline::store {
namespace {

using internal::FromRocks;

// One backup at a time in this process: a second would only double the
// disk's load. Other processes are kept out of the directory by its lock
// file (DirectoryLock).
std::mutex backup_mu;

// The backup's meta file lists every file of it with its size and CRC32C:
// its SHA-256 (hex) stands for them all. Empty when it cannot be read.
std::string Checksum(const std::string& dir, rocksdb::BackupID id) {
  std::ifstream meta(absl::StrCat(dir, "/meta/", id), std::ios::binary);
  if (!meta) return "";
  const std::string text((std::istreambuf_iterator<char>(meta)),
                         std::istreambuf_iterator<char>());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

// The head recorded with the backup, as "position recorded_at_micros".
std::string Metadata(const LogHead& head) {
  return absl::StrCat(
      head.last_position, " ",
      head.last_position == 0 ? 0 : absl::ToUnixMicros(head.last_recorded_at));
}

LogHead HeadOf(const std::string& metadata) {
  LogHead head;
  const std::vector<absl::string_view> parts = absl::StrSplit(metadata, ' ');
  uint64_t position = 0;
  int64_t micros = 0;
  if (parts.size() == 2 && absl::SimpleAtoi(parts[0], &position) &&
      absl::SimpleAtoi(parts[1], &micros)) {
    head.last_position = position;
    if (position > 0) head.last_recorded_at = absl::FromUnixMicros(micros);
  }
  return head;
}

// What a backup holds, as Admin.Backup answers it and the manifests say.
v1::BackupResponse Manifest(const std::string& dir,
                            const rocksdb::BackupInfo& info) {
  v1::BackupResponse manifest;
  manifest.set_backup_id(info.backup_id);
  const LogHead head = HeadOf(info.app_metadata);
  manifest.set_last_position(head.last_position);
  if (head.last_position > 0) {
    *manifest.mutable_last_recorded_at() = ToTimestamp(head.last_recorded_at);
  }
  *manifest.mutable_created_at() =
      ToTimestamp(absl::FromUnixSeconds(info.timestamp));
  manifest.set_size_bytes(info.size);
  manifest.set_files(info.number_files);
  manifest.set_checksum(absl::StrCat("sha256:", Checksum(dir, info.backup_id)));
  manifest.set_directory(dir);
  return manifest;
}

// A manifest as the files hold it: protobuf's JSON with the proto's names.
std::string Json(const v1::BackupResponse& manifest) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  // A message always prints.
  (void)google::protobuf::util::MessageToJsonString(manifest, &json, options);
  return json + "\n";
}

// An exclusive lock on DIR/LOCK while a backup is made: two servers
// given one --backup-dir would pick the same next id and remove each
// other's files.
class DirectoryLock {
 public:
  static absl::StatusOr<DirectoryLock> Take(const std::string& dir) {
    const std::string path = absl::StrCat(dir, "/LOCK");
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return absl::UnavailableError(absl::StrCat("cannot open ", path));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return absl::FailedPreconditionError(
          absl::StrCat("another process is backing up into ", dir,
                       "; give each server a --backup-dir of its own"));
    }
    return DirectoryLock(fd);
  }
  DirectoryLock(DirectoryLock&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)) {}
  DirectoryLock& operator=(DirectoryLock&&) = delete;
  ~DirectoryLock() {
    if (fd_ >= 0) ::close(fd_);  // Closing lets the lock go.
  }

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

// What a restore leaves in the data directory, for --check.
constexpr char kRestoredFrom[] = "RESTORED_FROM";

// `text` into `path`, whole or not at all (written beside it, renamed).
absl::Status WriteWhole(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    FILE* out = std::fopen(temporary.c_str(), "wb");
    if (out == nullptr) {
      return absl::UnavailableError(absl::StrCat("cannot write ", temporary));
    }
    // Durable before it takes the name: a crash leaves the old file or the
    // whole new one.
    const bool written =
        std::fwrite(text.data(), 1, text.size(), out) == text.size() &&
        std::fflush(out) == 0 && ::fsync(::fileno(out)) == 0;
    if (std::fclose(out) != 0 || !written) {
      return absl::UnavailableError(absl::StrCat("cannot write ", temporary));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", path, ": ", error.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::BackupResponse> EventStore::Backup(const std::string& dir) {
  std::unique_lock lock(backup_mu, std::try_to_lock);
  if (!lock.owns_lock()) {
    return absl::FailedPreconditionError("a backup is running; one at a time");
  }
  std::error_code made_dir;
  std::filesystem::create_directories(dir, made_dir);
  absl::StatusOr<DirectoryLock> locked = DirectoryLock::Take(dir);
  if (!locked.ok()) return locked.status();
  // Taken before the copy begins: everything acknowledged by now is in the
  // backup, which RocksDB makes of one consistent moment after it.
  const LogHead head = impl_->head();
  rocksdb::BackupEngine* opened = nullptr;
  if (rocksdb::Status status = rocksdb::BackupEngine::Open(
          rocksdb::BackupEngineOptions(dir), rocksdb::Env::Default(), &opened);
      !status.ok()) {
    return FromRocks(status, absl::StrCat("open the backup directory ", dir));
  }
  const std::unique_ptr<rocksdb::BackupEngine> engine(opened);
  rocksdb::CreateBackupOptions options;
  // The memtables into table files first: the backup's tables then hold
  // every acknowledged append, and the WAL it copies is short.
  options.flush_before_backup = true;
  rocksdb::BackupID id = 0;
  if (rocksdb::Status status = engine->CreateNewBackupWithMetadata(
          options, impl_->db(), Metadata(head), &id);
      !status.ok()) {
    return FromRocks(status, absl::StrCat("back up into ", dir));
  }
  if (rocksdb::Status status = engine->VerifyBackup(id, true); !status.ok()) {
    // Left in place it would be the latest, and every restore would take
    // it and refuse.
    const rocksdb::Status deleted = engine->DeleteBackup(id);
    return FromRocks(
        status,
        absl::StrCat("verify backup ", id, " in ", dir, " (",
                     deleted.ok() ? "deleted" : "could not delete it", ")"));
  }
  rocksdb::BackupInfo info;
  if (rocksdb::Status status =
          engine->GetBackupInfo(id, &info, /*include_file_details=*/true);
      !status.ok()) {
    return FromRocks(status, absl::StrCat("read backup ", id, " in ", dir));
  }
  v1::BackupResponse manifest = Manifest(dir, info);
  if (absl::Status written = WriteWhole(
          absl::StrCat(dir, "/manifest-", id, ".json"), Json(manifest));
      !written.ok()) {
    return written;
  }
  return manifest;
}

absl::StatusOr<v1::BackupResponse> RestoreLatestBackup(
    const std::string& backup_dir, const std::string& data_dir) {
  std::error_code error;
  if (std::filesystem::exists(data_dir, error) &&
      !std::filesystem::is_empty(data_dir, error)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--data ", data_dir,
        " is not empty: restore into a new directory, never over a store"));
  }
  if (!std::filesystem::exists(backup_dir, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("no backup directory ", backup_dir));
  }
  rocksdb::BackupEngineReadOnly* opened = nullptr;
  if (rocksdb::Status status = rocksdb::BackupEngineReadOnly::Open(
          rocksdb::BackupEngineOptions(backup_dir), rocksdb::Env::Default(),
          &opened);
      !status.ok()) {
    return FromRocks(status,
                     absl::StrCat("open the backup directory ", backup_dir));
  }
  const std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(opened);
  rocksdb::BackupInfo info;
  if (rocksdb::Status status =
          engine->GetLatestBackupInfo(&info, /*include_file_details=*/true);
      !status.ok()) {
    if (status.IsNotFound()) {
      return absl::FailedPreconditionError(
          absl::StrCat("no backup in ", backup_dir));
    }
    return FromRocks(status, absl::StrCat("read the backups in ", backup_dir));
  }
  if (rocksdb::Status status = engine->VerifyBackup(info.backup_id, true);
      !status.ok()) {
    return absl::DataLossError(absl::StrCat(
        "backup ", info.backup_id, " in ", backup_dir,
        " fails its check, nothing restored: ", status.ToString()));
  }
  if (rocksdb::Status status =
          engine->RestoreDBFromLatestBackup(data_dir, data_dir);
      !status.ok()) {
    return FromRocks(status,
                     absl::StrCat("restore ", backup_dir, " into ", data_dir));
  }
  v1::BackupResponse manifest = Manifest(backup_dir, info);
  if (absl::Status written = WriteWhole(
          absl::StrCat(data_dir, "/", kRestoredFrom), Json(manifest));
      !written.ok()) {
    return written;
  }
  return manifest;
}

absl::StatusOr<std::string> CheckRestoredFrom(const EventStore& store,
                                              const std::string& data_dir) {
  std::ifstream in(absl::StrCat(data_dir, "/", kRestoredFrom));
  if (!in) return std::string();
  const std::string text((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  v1::BackupResponse manifest;
  if (!google::protobuf::util::JsonStringToMessage(text, &manifest).ok()) {
    return absl::DataLossError(absl::StrCat(kRestoredFrom, " in ", data_dir,
                                            " is not what a restore writes"));
  }
  const std::string backup = absl::StrCat("backup ", manifest.backup_id());
  const uint64_t position = manifest.last_position();
  if (position == 0) {
    return absl::StrCat(backup, "'s manifest names no event: an empty log");
  }
  absl::StatusOr<LogPage> page = store.ReadAll(position, 1, KindFilter());
  if (!page.ok()) return page.status();
  if (page->events.empty() || page->events[0].position() != position) {
    return absl::DataLossError(
        absl::StrCat("the store holds no event at position ", position,
                     ", which ", backup, "'s manifest says it holds"));
  }
  const auto text_of = [](const google::protobuf::Timestamp& at) {
    return absl::FormatTime(absl::RFC3339_full, ToTime(at),
                            absl::UTCTimeZone());
  };
  const google::protobuf::Timestamp& recorded = page->events[0].recorded_at();
  const google::protobuf::Timestamp& named = manifest.last_recorded_at();
  if (ToTime(recorded) != ToTime(named)) {
    return absl::DataLossError(
        absl::StrCat("the event at position ", position, " was recorded at ",
                     text_of(recorded), ", not at ", text_of(named), " as ",
                     backup, "'s manifest says"));
  }
  return absl::StrCat(backup, "'s manifest agrees: the event at position ",
                      position, " was recorded at ", text_of(named));
}

}  // namespace caseline::store
