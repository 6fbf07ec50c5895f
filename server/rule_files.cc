#include "server/rule_files.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace caseline {
namespace {

namespace fs = std::filesystem;

constexpr absl::string_view kRuleFileExtension = ".textproto";

// std::filesystem reports the errno of the failed call on POSIX.
absl::Status IoError(const std::error_code& error, absl::string_view what) {
  return absl::ErrnoToStatus(error.value(), what);
}

absl::Status CheckDirectory(const std::string& directory) {
  std::error_code error;
  const fs::file_status status = fs::status(directory, error);
  if (status.type() == fs::file_type::not_found) {
    return absl::NotFoundError(
        absl::StrCat("rule directory ", directory, " does not exist"));
  }
  if (error) {
    return IoError(error,
                   absl::StrCat("cannot read rule directory ", directory));
  }
  if (status.type() != fs::file_type::directory) {
    return absl::FailedPreconditionError(
        absl::StrCat("rule directory ", directory, " is not a directory"));
  }
  return absl::OkStatus();
}

bool IsRuleFileName(const std::string& name) {
  return name.size() > kRuleFileExtension.size() && name[0] != '.' &&
         absl::string_view(name).substr(
             name.size() - kRuleFileExtension.size()) == kRuleFileExtension;
}

// The paths of the rule files in `directory`, sorted by name.
absl::StatusOr<std::vector<std::string>> ListRuleFiles(
    const std::string& directory) {
  std::vector<std::string> paths;
  std::error_code error;
  fs::directory_iterator it(directory, error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!IsRuleFileName(name)) continue;
    // Follows symbolic links; a directory named *.textproto is not a file.
    std::error_code type_error;
    if (!it->is_regular_file(type_error)) continue;
    if (paths.size() == kRuleFilesMax) {
      return absl::FailedPreconditionError(
          absl::StrCat("rule directory ", directory, " holds more than ",
                       kRuleFilesMax, " *.textproto files"));
    }
    paths.push_back(it->path().string());
  }
  if (error) {
    return IoError(error,
                   absl::StrCat("cannot list rule directory ", directory));
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

// Reads at most kRuleFileBytesMax + 1 bytes, so that a file that grows while
// read cannot exceed the limit unnoticed.
absl::StatusOr<std::string> ReadRuleFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
  std::string text;
  char chunk[16 * 1024];
  while (text.size() <= kRuleFileBytesMax) {
    in.read(chunk, sizeof chunk);
    text.append(chunk, static_cast<size_t>(in.gcount()));
    if (in.bad()) {
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", path));
    }
    if (in.eof()) break;
  }
  if (text.size() > kRuleFileBytesMax) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: is larger than %d bytes, the limit for a rule file", path,
        kRuleFileBytesMax));
  }
  return text;
}

}  // namespace

absl::StatusOr<std::vector<v1::RuleSet>> LoadRuleSets(
    const std::string& directory) {
  if (absl::Status status = CheckDirectory(directory); !status.ok()) {
    return status;
  }
  absl::StatusOr<std::vector<std::string>> paths = ListRuleFiles(directory);
  if (!paths.ok()) return paths.status();
  if (paths->empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "rule directory ", directory, " holds no *.textproto rule set files"));
  }
  std::vector<v1::RuleSet> rule_sets;
  // (id, version) -> the file that holds it.
  absl::flat_hash_map<std::pair<std::string, int>, std::string> seen;
  for (const std::string& path : *paths) {
    absl::StatusOr<std::string> text = ReadRuleFile(path);
    if (!text.ok()) return text.status();
    absl::StatusOr<v1::RuleSet> rule_set = ParseRuleSet(*text, path);
    if (!rule_set.ok()) return rule_set.status();
    auto [it, inserted] =
        seen.emplace(std::make_pair(rule_set->id(), rule_set->version()), path);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": rule set ", rule_set->id(), " version ",
                       rule_set->version(), " is also in ", it->second));
    }
    rule_sets.push_back(*std::move(rule_set));
  }
  return rule_sets;
}

}  // namespace caseline
