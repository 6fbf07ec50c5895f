// An identity provider for end-to-end tests: a signing key made at test
// time, its public JWKS for the server's --auth-keys, and tokens it signs.
#ifndef CASELINE_TESTS_TEST_ISSUER_H_
#define CASELINE_TESTS_TEST_ISSUER_H_

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/auth/signing.h"

namespace caseline::testing {

inline constexpr char kTestIssuer[] = "https://idp.test";
inline constexpr char kTestAudience[] = "caseline";

struct TestIssuer {
  // Makes an ES256 key and writes its JWKS to `jwks_path`.
  explicit TestIssuer(std::string path) : jwks_path(std::move(path)) {
    absl::StatusOr<auth::SigningKey> made =
        auth::GenerateSigningKey(auth::Algorithm::kEs256, "test-1");
    EXPECT_TRUE(made.ok());
    key = *made;
    absl::StatusOr<std::string> jwks = auth::PublicJwks({key});
    EXPECT_TRUE(jwks.ok());
    std::ofstream(jwks_path) << *jwks;
  }

  // The server flags that make it trust this issuer.
  std::vector<std::string> ServerArgs() const {
    return {"--auth-keys", jwks_path,         "--auth-issuer",
            kTestIssuer,   "--auth-audience", kTestAudience};
  }

  // A token for `subject` valid for an hour; `jobcentres` {"*"} for all.
  std::string Token(const std::string& subject, std::vector<std::string> roles,
                    std::vector<std::string> jobcentres) const {
    auth::TokenClaims claims;
    claims.subject = subject;
    claims.roles = std::move(roles);
    claims.jobcentres = std::move(jobcentres);
    claims.issuer = kTestIssuer;
    claims.audience = kTestAudience;
    claims.expires_at = absl::Now() + absl::Hours(1);
    absl::StatusOr<std::string> token = auth::SignToken(key, claims);
    EXPECT_TRUE(token.ok());
    return *token;
  }

  std::string jwks_path;
  auth::SigningKey key;
};

}  // namespace caseline::testing

#endif  // CASELINE_TESTS_TEST_ISSUER_H_
