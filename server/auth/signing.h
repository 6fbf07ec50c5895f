// Making keys and signing tokens, for `caseline dev-keys` and the tests
// only: in production the municipality's identity provider signs tokens and
// caseline only verifies them. The cryptography is OpenSSL's.
#ifndef CASELINE_SERVER_AUTH_SIGNING_H_
#define CASELINE_SERVER_AUTH_SIGNING_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/auth/key_set.h"

namespace caseline::auth {

struct SigningKey {
  std::string key_id;
  Algorithm algorithm = Algorithm::kEs256;
  KeyHandle key;  // Private.
};

// A new key pair: P-256 for ES256, 2048-bit RSA for RS256.
absl::StatusOr<SigningKey> GenerateSigningKey(Algorithm algorithm,
                                              std::string key_id);

// The private key as PEM (PKCS #8), to keep with mode 0600.
absl::StatusOr<std::string> PrivateKeyPem(const SigningKey& key);
// The public key as PEM (SubjectPublicKeyInfo): a valid --auth-keys file.
absl::StatusOr<std::string> PublicKeyPem(const SigningKey& key);
// A JWKS document of the keys' public halves: a valid --auth-keys file.
absl::StatusOr<std::string> PublicJwks(const std::vector<SigningKey>& keys);

// What a token says; empty strings and lists are left out of it.
struct TokenClaims {
  std::string subject;
  std::vector<std::string> roles;
  std::vector<std::string> jobcentres;
  std::string issuer;
  std::string audience;
  absl::Time not_before = absl::InfinitePast();  // InfinitePast: no nbf.
  absl::Time expires_at = absl::InfinitePast();  // InfinitePast: no exp.
  // Leave a claim out even when it would be empty (to test its absence).
  bool omit_roles = false;
  bool omit_jobcentres = false;
};

// A compact JWS: header {alg, typ, kid}, the claims, the signature.
absl::StatusOr<std::string> SignToken(const SigningKey& key,
                                      const TokenClaims& claims);

}  // namespace caseline::auth

#endif  // CASELINE_SERVER_AUTH_SIGNING_H_
