// What checking a bearer token costs a call: a full verification (ES256 and
// RS256: parse, signature, claims) and a remembered token (the cache hit
// every later call of a connection takes). Meaningful on a Release build.
#include <fstream>
#include <string>

#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "server/auth/authenticator.h"
#include "server/auth/signing.h"
#include "server/auth/tokens.h"

namespace caseline::auth {
namespace {

TokenClaims Claims() {
  TokenClaims claims;
  claims.subject = "caseworker-7";
  claims.roles = {"caseworker"};
  claims.jobcentres = {"jc-101"};
  claims.issuer = "idp";
  claims.audience = "caseline";
  claims.expires_at = absl::Now() + absl::Hours(1);
  return claims;
}

void BM_VerifyToken(benchmark::State& state, Algorithm algorithm) {
  const SigningKey key = *GenerateSigningKey(algorithm, "k1");
  const KeySet keys = *KeySet::ParseJwks(*PublicJwks({key}));
  const std::string token = *SignToken(key, Claims());
  const absl::Time now = absl::Now();
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        VerifyToken(token, keys, {"idp", "caseline"}, now));
  }
}
BENCHMARK_CAPTURE(BM_VerifyToken, ES256, Algorithm::kEs256);
BENCHMARK_CAPTURE(BM_VerifyToken, RS256, Algorithm::kRs256);

void BM_AuthenticateRemembered(benchmark::State& state) {
  const SigningKey key = *GenerateSigningKey(Algorithm::kEs256, "k1");
  const std::string path = "/tmp/caseline-auth-benchmark-jwks.json";
  std::ofstream(path) << *PublicJwks({key});
  auto authenticator = *Authenticator::Open({path, {"idp", "caseline"}});
  const std::string bearer = "Bearer " + *SignToken(key, Claims());
  for (auto _ : state) {
    benchmark::DoNotOptimize(authenticator->Authenticate(bearer, "10.0.0.1"));
  }
}
BENCHMARK(BM_AuthenticateRemembered);

}  // namespace
}  // namespace caseline::auth

BENCHMARK_MAIN();
