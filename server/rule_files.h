// Reads the rule set files of a directory, once, when the server starts.
#ifndef CASELINE_SERVER_RULE_FILES_H_
#define CASELINE_SERVER_RULE_FILES_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "caseline/v1/rules.pb.h"
#include "projections/rule_sets.h"

namespace caseline {

// A rule file holds one rule set; the parser's own limit bounds it.
inline constexpr size_t kRuleFileBytesMax = kRuleSetTextBytesMax;

// A few rule sets per law change and municipality; 256 files is years of
// them, and bounds start-up time and memory.
inline constexpr size_t kRuleFilesMax = 256;

// Reads every regular file named *.textproto directly in `directory` (not
// recursive; names starting with '.' are skipped as editors' temporary
// files), in byte order of their names, and parses and checks each with
// ParseRuleSet. Returns the rule sets in that order. Thread-safe; reads the
// files and changes nothing.
//
// Errors:
//   NOT_FOUND: `directory` does not exist;
//   FAILED_PRECONDITION: it is not a directory, holds no rule set file, or
//     holds more than kRuleFilesMax of them;
//   INVALID_ARGUMENT: a file is over kRuleFileBytesMax ("<path>: is larger
//     than ..."), a rule set is wrong ("<path>:<line>: ...", as
//     ParseRuleSet words it), or two files hold the same (id, version);
//   other codes (from errno): a file or the directory cannot be read.
absl::StatusOr<std::vector<v1::RuleSet>> LoadRuleSets(
    const std::string& directory);

}  // namespace caseline

#endif  // CASELINE_SERVER_RULE_FILES_H_
