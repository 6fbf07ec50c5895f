// The server's check of who is calling: the bearer token of a call's
// `authorization` metadata against the keys in --auth-keys, verified once
// and then remembered until it expires, and a brake on peers that keep
// failing.
#ifndef CASELINE_SERVER_AUTH_AUTHENTICATOR_H_
#define CASELINE_SERVER_AUTH_AUTHENTICATOR_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/auth/key_set.h"
#include "server/auth/tokens.h"

namespace caseline::auth {

// Verified tokens remembered, so that a token is verified once per
// connection's life, not once per call. A few thousand users and
// integrations at once; when full, the memory starts over.
inline constexpr size_t kTokenCacheMax = 4096;
// A peer (an IP address) that presents a token no key signed this many
// times within
// kFailureWindow is refused outright for kFailureLockout: enough for a
// user's typos and a misconfigured integration's retries to be noticed,
// few enough to make guessing useless.
inline constexpr int kFailuresMax = 20;
inline constexpr absl::Duration kFailureWindow = absl::Minutes(1);
inline constexpr absl::Duration kFailureLockout = absl::Minutes(5);
// Peers whose failures are tracked; beyond it the oldest windows are
// forgotten, so that a flood of addresses cannot grow memory without bound.
inline constexpr size_t kPeersTrackedMax = 10'000;

struct AuthOptions {
  // A JWKS document or PEM public keys (see KeySet::Load).
  std::string keys_path;
  TokenRules rules;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// Thread-safe.
class Authenticator {
 public:
  // Loads the keys; the KeySet::Load error when they do not load.
  static absl::StatusOr<std::unique_ptr<Authenticator>> Open(
      AuthOptions options);

  // Reads the key file again (on SIGHUP). On success the new keys replace
  // the old ones and every remembered token is forgotten, so that a removed
  // key stops working at once; on failure the old keys stay and the error
  // is returned. Returns the number of keys loaded.
  absl::StatusOr<size_t> Reload();

  // The principal of `authorization` ("Bearer <token>") from `peer` (an IP
  // address). UNAUTHENTICATED for a missing or bad token (the message says
  // why, never repeating the token); RESOURCE_EXHAUSTED while the peer is
  // locked out after too many bad tokens (a missing one does not count).
  absl::StatusOr<Principal> Authenticate(absl::string_view authorization,
                                         const std::string& peer);

 private:
  explicit Authenticator(AuthOptions options, KeySet keys);
  absl::Status Locked(const std::string& peer, absl::Time now);
  void CountFailure(const std::string& peer, absl::Time now);

  struct Failures {
    absl::Time window_start;
    int count = 0;
    absl::Time locked_until = absl::InfinitePast();
  };

  const AuthOptions options_;
  std::mutex mu_;
  std::shared_ptr<const KeySet> keys_;                    // Guarded by mu_.
  absl::flat_hash_map<std::string, Principal> verified_;  // Guarded by mu_.
  absl::flat_hash_map<std::string, Failures> failures_;   // Guarded by mu_.
};

}  // namespace caseline::auth

#endif  // CASELINE_SERVER_AUTH_AUTHENTICATOR_H_
