#include "tools/command_line.h"

#include <algorithm>
#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace caseline::cli {
namespace {

// A DNS name is at most 253 characters; anything longer is a mistake.
constexpr size_t kHostBytesMax = 253;

constexpr int kPortMax = 65535;

// No command is longer; a longer word is not a typo of one, and the bound
// keeps the distance table small.
constexpr size_t kWordBytesMax = 64;

absl::Status AddressError(absl::string_view text, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("--server: ", text, ": ", problem,
                   "; want HOST:PORT, e.g. 127.0.0.1:", kDefaultServerPort));
}

bool IsHostChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '-' || c == '_';
}

absl::Status CheckPort(absl::string_view text, absl::string_view port) {
  int value = 0;
  if (!absl::SimpleAtoi(absl::string_view(port.data(), port.size()), &value) ||
      value < 1 || value > kPortMax || port.front() == '+') {
    return AddressError(
        text, absl::StrCat("the port \"", port, "\" is not a number from 1 to ",
                           kPortMax));
  }
  return absl::OkStatus();
}

// "[::1]" or "[::1]:50051".
absl::StatusOr<std::string> BracketedAddress(absl::string_view text) {
  const size_t close = text.find(']');
  if (close == absl::string_view::npos || close == 1) {
    return AddressError(text, "an IPv6 address needs its closing bracket");
  }
  const absl::string_view after = text.substr(close + 1);
  if (after.empty()) return absl::StrCat(text, ":", kDefaultServerPort);
  if (after.front() != ':') {
    return AddressError(text, "only :PORT may follow the ]");
  }
  if (absl::Status status = CheckPort(text, after.substr(1)); !status.ok()) {
    return status;
  }
  return std::string(text);
}

}  // namespace

absl::StatusOr<std::string> ServerAddress(absl::string_view text) {
  if (absl::StrContains(text, "://") || absl::StartsWith(text, "unix:") ||
      absl::StartsWith(text, "unix-abstract:")) {
    return std::string(text);
  }
  if (text.empty()) return AddressError(text, "the address is empty");
  if (text.front() == '[') return BracketedAddress(text);
  const size_t colon = text.find(':');
  if (colon != absl::string_view::npos &&
      text.find(':', colon + 1) != absl::string_view::npos) {
    return AddressError(text, "write an IPv6 address in brackets, [::1]:PORT");
  }
  const absl::string_view host = text.substr(0, colon);
  if (host.empty()) return AddressError(text, "the host is empty");
  if (host.size() > kHostBytesMax ||
      !std::all_of(host.begin(), host.end(), IsHostChar)) {
    return AddressError(text, "that is not a host name or address");
  }
  if (colon == absl::string_view::npos) {
    return absl::StrCat(text, ":", kDefaultServerPort);
  }
  if (absl::Status status = CheckPort(text, text.substr(colon + 1));
      !status.ok()) {
    return status;
  }
  return std::string(text);
}

namespace {

// The optimal string alignment distance: Levenshtein plus swaps of
// neighbours, which are the commonest typo ("complaince").
size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1,
                                     std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string NearestName(absl::string_view word,
                        const std::vector<std::string>& names) {
  if (word.size() > kWordBytesMax) return "";
  const size_t allowed = std::max<size_t>(2, word.size() / 3);
  std::string nearest;
  size_t nearest_distance = allowed + 1;
  for (const std::string& name : names) {
    const size_t distance = EditDistance(word, name);
    if (distance < nearest_distance) {
      nearest = name;
      nearest_distance = distance;
    }
  }
  return nearest;
}

}  // namespace caseline::cli
