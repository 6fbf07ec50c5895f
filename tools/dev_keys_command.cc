#include "tools/dev_keys_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/auth/signing.h"
#include "tools/exit_codes.h"

namespace caseline::cli {
namespace {

constexpr const char* kRoles[] = {"recorder", "caseworker", "analyst", "admin"};

// Writes `text` to `path`, readable by its owner only when `secret`.
bool WriteFile(const std::filesystem::path& path, const std::string& text,
               bool secret) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                      secret ? 0600 : 0644);
  if (fd < 0) {
    std::cerr << "error: cannot write " << path.string() << "\n";
    return false;
  }
  // An existing file keeps its mode through O_TRUNC: set it.
  bool written = fchmod(fd, secret ? 0600 : 0644) == 0;
  size_t done = 0;
  while (written && done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    written = n > 0;
    if (written) done += static_cast<size_t>(n);
  }
  written = close(fd) == 0 && written;
  if (!written) std::cerr << "error: cannot write " << path.string() << "\n";
  return written;
}

}  // namespace

CLI::App* AddDevKeysCommand(CLI::App* app, DevKeysArguments* arguments) {
  CLI::App* command = app->add_subcommand(
      "dev-keys",
      "Make a signing key, its JWKS for caseline-server --auth-keys, and a "
      "token for each role, for development and tests only (no server "
      "needed)");
  command->add_option("DIR", arguments->dir, "Directory to write to (created)")
      ->required();
  command->add_option("--issuer", arguments->issuer, "The tokens' iss")
      ->capture_default_str();
  command->add_option("--audience", arguments->audience, "The tokens' aud")
      ->capture_default_str();
  command
      ->add_option("--jobcentres", arguments->jobcentres,
                   "Jobcentres of the recorder, caseworker and analyst tokens "
                   "(* for every one); the admin token has every one")
      ->delimiter(',')
      ->capture_default_str();
  command->add_option("--days", arguments->days, "Days the tokens are valid")
      ->capture_default_str()
      ->check(CLI::Range(1, kDevTokenDaysMax));
  return command;
}

int RunDevKeys(const DevKeysArguments& arguments) {
  const std::filesystem::path dir(arguments.dir);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    std::cerr << "error: cannot create " << dir.string() << ": "
              << error.message() << "\n";
    return kExitFile;
  }
  absl::StatusOr<auth::SigningKey> key =
      auth::GenerateSigningKey(auth::Algorithm::kEs256, "caseline-dev-1");
  if (!key.ok()) {
    std::cerr << "error: " << key.status().message() << "\n";
    return kExitFailure;
  }
  absl::StatusOr<std::string> private_pem = auth::PrivateKeyPem(*key);
  absl::StatusOr<std::string> jwks = auth::PublicJwks({*key});
  if (!private_pem.ok() || !jwks.ok()) {
    std::cerr << "error: cannot write the key\n";
    return kExitFailure;
  }
  if (!WriteFile(dir / "signing-key.pem", *private_pem, /*secret=*/true) ||
      !WriteFile(dir / "jwks.json", *jwks + "\n", /*secret=*/false)) {
    return kExitFile;
  }
  const absl::Time now = absl::Now();
  for (const char* role : kRoles) {
    auth::TokenClaims claims;
    claims.subject = absl::StrCat("dev-", role);
    claims.roles = {role};
    claims.jobcentres = std::string(role) == "admin"
                            ? std::vector<std::string>{"*"}
                            : arguments.jobcentres;
    claims.issuer = arguments.issuer;
    claims.audience = arguments.audience;
    claims.not_before = now - absl::Minutes(1);
    claims.expires_at = now + absl::Hours(24) * arguments.days;
    absl::StatusOr<std::string> token = auth::SignToken(*key, claims);
    if (!token.ok()) {
      std::cerr << "error: " << token.status().message() << "\n";
      return kExitFailure;
    }
    if (!WriteFile(dir / absl::StrCat(role, ".token"), *token + "\n",
                   /*secret=*/true)) {
      return kExitFile;
    }
  }
  const std::string d = dir.string();
  std::cout << "wrote " << d << "/jwks.json (the public key) and " << d
            << "/signing-key.pem (the private key)\n"
            << "wrote a token for each role, valid " << arguments.days
            << " days: " << d << "/{recorder,caseworker,analyst,admin}.token\n"
            << "for development only; serve with:\n"
            << "  caseline-server --auth-keys " << d << "/jwks.json"
            << " --auth-issuer " << arguments.issuer << " --auth-audience "
            << arguments.audience << "\n";
  return kExitOk;
}

}  // namespace caseline::cli
