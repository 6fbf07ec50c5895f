// `caseline dev-keys DIR`: a signing key, the JWKS the server verifies with,
// and a token for each role, for running a secured server on a laptop and
// in tests. Needs no server. Not for production: there the municipality's
// identity provider signs the tokens.
#ifndef CASELINE_TOOLS_DEV_KEYS_COMMAND_H_
#define CASELINE_TOOLS_DEV_KEYS_COMMAND_H_

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace caseline::cli {

// A development token is valid this long by default: long enough for a
// week of work, short enough that a leaked one dies.
inline constexpr int kDevTokenDaysDefault = 7;
// And at most this long.
inline constexpr int kDevTokenDaysMax = 90;

struct DevKeysArguments {
  std::string dir;
  std::string issuer = "caseline-dev";
  std::string audience = "caseline";
  // The jobcentres of the recorder, caseworker and analyst tokens; the
  // admin's is always every jobcentre.
  std::vector<std::string> jobcentres = {"*"};
  int days = kDevTokenDaysDefault;
};

// Adds the `dev-keys` subcommand to `app`; its options fill `arguments`.
CLI::App* AddDevKeysCommand(CLI::App* app, DevKeysArguments* arguments);

// Writes DIR/signing-key.pem (mode 0600), DIR/jwks.json and DIR/ROLE.token
// (mode 0600) for each role, and prints the server's flags. Returns kExitOk,
// or kExitFile when a file cannot be written.
int RunDevKeys(const DevKeysArguments& arguments);

}  // namespace caseline::cli

#endif  // CASELINE_TOOLS_DEV_KEYS_COMMAND_H_
