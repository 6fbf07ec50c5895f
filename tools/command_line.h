// Pure helpers of the `caseline` command line: the server address and the
// nearest command to a mistyped one. No I/O.
#ifndef CASELINE_TOOLS_COMMAND_LINE_H_
#define CASELINE_TOOLS_COMMAND_LINE_H_

#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace caseline::cli {

// The port caseline-server listens on by default (its --listen default,
// 127.0.0.1:50051 in server/main.cc). An address without a port means this
// one: gRPC alone would take https' 443, where no caseline server listens.
inline constexpr int kDefaultServerPort = 50051;

// The address to dial for --server: "HOST:PORT", "HOST" (port
// kDefaultServerPort), "[IPV6]:PORT" or "[IPV6]"; a gRPC target with a
// scheme ("unix:/run/caseline.sock", "dns:///host:port") is kept as given.
// Returns INVALID_ARGUMENT naming what is wrong: an empty host, a port that
// is not a number from 1 to 65535, an IPv6 address without brackets, a
// character that cannot be in a host name.
absl::StatusOr<std::string> ServerAddress(absl::string_view text);

// The name in `names` closest to `word` by edit distance (insertions,
// deletions, substitutions and swaps of neighbours each count one), or ""
// when none is close: more than a third of the word's letters (at least 2)
// differ.
std::string NearestName(absl::string_view word,
                        const std::vector<std::string>& names);

}  // namespace caseline::cli

#endif  // CASELINE_TOOLS_COMMAND_LINE_H_
