// The public keys that may sign a bearer token: read from a JWKS document
// (an identity provider's published keys) or from PEM public keys. The
// cryptography is OpenSSL's; this module only reads keys and checks that a
// signature over a token's header and payload verifies with one of them.
#ifndef CASELINE_SERVER_AUTH_KEY_SET_H_
#define CASELINE_SERVER_AUTH_KEY_SET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace caseline::auth {

// The signature algorithms caseline accepts (JWA names RS256 and ES256).
// Symmetric ones (HS256) are refused: the server would then hold a secret
// that can mint tokens. "none" is refused always.
enum class Algorithm { kRs256, kEs256 };

// "RS256" or "ES256".
const char* AlgorithmName(Algorithm algorithm);

// RSA keys shorter than this are refused: below 2048 bits RSA is no longer
// considered safe (NIST SP 800-131A).
inline constexpr int kRsaBitsMin = 2048;
// A key file larger than this is refused: a JWKS holds a handful of keys.
inline constexpr size_t kKeyFileBytesMax = 1024 * 1024;
// Keys in one file: an identity provider publishes two or three (the current
// one and those being rotated in and out).
inline constexpr size_t kKeysMax = 64;

using KeyHandle = std::shared_ptr<EVP_PKEY>;

struct PublicKey {
  // The JWK's "kid"; empty for a PEM key, which any token without a known
  // kid may try.
  std::string key_id;
  Algorithm algorithm = Algorithm::kRs256;
  KeyHandle key;
};

// Immutable once built; safe to share between threads.
class KeySet {
 public:
  // Reads `path`: a JWKS document ({"keys": [...]}, RSA and P-256 EC keys,
  // "use" sig or absent) or one or more PEM public keys. INVALID_ARGUMENT
  // naming the file and the key for anything malformed, unsupported or
  // empty; NOT_FOUND when the file cannot be read.
  static absl::StatusOr<KeySet> Load(const std::string& path);
  static absl::StatusOr<KeySet> ParseJwks(absl::string_view text);
  static absl::StatusOr<KeySet> ParsePem(absl::string_view text);

  // OK when `signature` over `signed_part` verifies with a key of
  // `algorithm`: the key with `key_id` when one has it, else (for an empty
  // or unknown key_id) any key without a kid. UNAUTHENTICATED otherwise,
  // saying whether the key was unknown or the signature wrong.
  absl::Status Verify(Algorithm algorithm, absl::string_view key_id,
                      absl::string_view signed_part,
                      absl::string_view signature) const;

  size_t size() const { return keys_.size(); }

 private:
  std::vector<PublicKey> keys_;
};

}  // namespace caseline::auth

#endif  // CASELINE_SERVER_AUTH_KEY_SET_H_
