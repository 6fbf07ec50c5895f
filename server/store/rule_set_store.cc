#include "server/store/rule_set_store.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "projections/instants.h"
#include "rocksdb/iterator.h"
#include "server/store/internal/store_internal.h"
#include "server/store/keys.h"

namespace caseline::store {
namespace {

using internal::FromRocks;
using internal::View;

// Equal messages give equal bytes (a plain SerializeAsString need not).
std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

}  // namespace

RuleSetStore::RuleSetStore(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta,
                           std::function<absl::Time()> clock)
    : db_(db), meta_(meta), clock_(std::move(clock)) {}

absl::StatusOr<bool> RuleSetStore::Put(const v1::RuleSet& rule_set,
                                       const std::string& origin) {
  const std::string& id = rule_set.id();
  // The caller validates; these two the keys themselves need.
  if (id.empty() || id.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(
        "rule set id: is required and may not contain a NUL byte");
  }
  if (rule_set.version() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("rule set ", id, ": version ", rule_set.version(),
                     " must be at least 1"));
  }
  const uint32_t version = static_cast<uint32_t>(rule_set.version());
  std::lock_guard<std::mutex> lock(put_mu_);

  const std::string prefix = RuleSetPrefix(id);
  uint32_t newest = 0;
  std::optional<std::string> stored;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), meta_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    absl::StatusOr<std::pair<std::string, uint32_t>> key =
        DecodeRuleSetKey(View(it->key()));
    if (!key.ok()) return absl::DataLossError(key.status().message());
    newest = std::max(newest, key->second);
    if (key->second == version) stored = it->value().ToString();
  }
  if (!it->status().ok()) {
    return FromRocks(it->status(), "cannot read the stored rule sets");
  }
  if (stored) {
    v1::StoredRuleSet record;
    if (!record.ParseFromString(*stored)) {
      return absl::DataLossError(absl::StrCat(
          "the stored rule set ", id, " version ", version, " is corrupt"));
    }
    if (DeterministicBytes(record.rule_set()) == DeterministicBytes(rule_set)) {
      return true;
    }
    return absl::AlreadyExistsError(absl::StrCat(
        "rule set ", id, " version ", version,
        " is stored already with other content; a stored version never "
        "changes: put version ",
        newest + 1));
  }
  if (newest > version) {
    return absl::FailedPreconditionError(
        absl::StrCat("rule set ", id, " version ", version,
                     " is older than the stored version ", newest));
  }
  v1::StoredRuleSet record;
  *record.mutable_rule_set() = rule_set;
  *record.mutable_stored_at() = ToTimestamp(clock_());
  record.set_origin(origin);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  absl::Status written = FromRocks(
      db_->Put(sync, meta_, RuleSetKey(id, version),
               record.SerializeAsString()),
      absl::StrCat("cannot store rule set ", id, " version ", version));
  if (!written.ok()) return written;
  return false;
}

absl::StatusOr<std::vector<v1::StoredRuleSet>> RuleSetStore::ReadAll() const {
  std::vector<v1::StoredRuleSet> rule_sets;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), meta_));
  for (it->Seek(kMetaRuleSets);
       it->Valid() && it->key().starts_with(kMetaRuleSets); it->Next()) {
    absl::StatusOr<std::pair<std::string, uint32_t>> key =
        DecodeRuleSetKey(View(it->key()));
    if (!key.ok()) return absl::DataLossError(key.status().message());
    v1::StoredRuleSet record;
    if (!record.ParseFromArray(it->value().data(),
                               static_cast<int>(it->value().size())) ||
        record.rule_set().id() != key->first ||
        record.rule_set().version() != static_cast<int32_t>(key->second)) {
      return absl::DataLossError(absl::StrCat("the stored rule set ",
                                              key->first, " version ",
                                              key->second, " is corrupt"));
    }
    // Keys sort by id, then version: the last of an id is its newest.
    if (!rule_sets.empty() && rule_sets.back().rule_set().id() != key->first) {
      rule_sets.back().set_active(true);
    }
    rule_sets.push_back(std::move(record));
  }
  if (!it->status().ok()) {
    return FromRocks(it->status(), "cannot read the stored rule sets");
  }
  if (!rule_sets.empty()) rule_sets.back().set_active(true);
  return rule_sets;
}

}  // namespace caseline::store
