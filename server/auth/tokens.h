// Bearer tokens: JWTs (RFC 7519) in compact JWS form, signed with RS256 or
// ES256 by the municipality's identity provider, and the principal they
// name. Verification checks the form, the algorithm, the signature, the
// validity window, the issuer and audience, and caseline's claims.
#ifndef CASELINE_SERVER_AUTH_TOKENS_H_
#define CASELINE_SERVER_AUTH_TOKENS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/auth/key_set.h"

namespace caseline::auth {

// A token larger than this is refused before it is parsed. Identity
// providers' access tokens are 1-4 KiB; gRPC's default metadata limit is
// 8 KiB.
inline constexpr size_t kTokenBytesMax = 8 * 1024;
// Clocks of the identity provider and the server may differ this much: exp
// and nbf are checked with this allowance (what OIDC libraries commonly use).
inline constexpr absl::Duration kClockSkew = absl::Seconds(60);
// sub becomes recorded_by on every event the caller appends.
inline constexpr size_t kSubjectBytesMax = 128;
// Roles and jobcentres a token may name: there are four roles, and 98
// municipalities.
inline constexpr size_t kRolesMax = 16;
inline constexpr size_t kJobcentresMax = 256;
inline constexpr size_t kJobcentreIdBytesMax = 64;

// Who a verified token speaks for. Holds no secret: the token itself is not
// kept.
struct Principal {
  // The user or integration: the token's sub.
  std::string subject;
  // The token's roles, as given (unknown ones are kept; policy ignores them).
  std::vector<std::string> roles;
  // The token's jobcentres; all_jobcentres for ["*"].
  std::vector<std::string> jobcentres;
  bool all_jobcentres = false;
  // The token's exp.
  absl::Time expires_at = absl::InfinitePast();
};

// What the server expects of every token; empty strings are not checked.
struct TokenRules {
  std::string issuer;
  std::string audience;
};

// Verifies `token` against `keys` and `rules` at `now`. UNAUTHENTICATED with
// a message naming what is wrong (the header, the signature, exp, nbf, iss,
// aud, or the claim that is missing or malformed); the message never
// repeats the token. `signed_by_a_key`, when given, is set when the
// signature verified: a refusal then concerns a genuine token (expired, for
// another audience), not one someone made up.
absl::StatusOr<Principal> VerifyToken(absl::string_view token,
                                      const KeySet& keys,
                                      const TokenRules& rules, absl::Time now,
                                      bool* signed_by_a_key = nullptr);

}  // namespace caseline::auth

#endif  // CASELINE_SERVER_AUTH_TOKENS_H_
