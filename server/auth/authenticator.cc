#include "server/auth/authenticator.h"

#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace caseline::auth {
namespace {

constexpr absl::string_view kBearer = "bearer ";

}  // namespace

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::Open(
    AuthOptions options) {
  absl::StatusOr<KeySet> keys = KeySet::Load(options.keys_path);
  if (!keys.ok()) return keys.status();
  return std::unique_ptr<Authenticator>(
      new Authenticator(std::move(options), *std::move(keys)));
}

Authenticator::Authenticator(AuthOptions options, KeySet keys)
    : options_(std::move(options)),
      keys_(std::make_shared<const KeySet>(std::move(keys))) {}

absl::StatusOr<size_t> Authenticator::Reload() {
  absl::StatusOr<KeySet> keys = KeySet::Load(options_.keys_path);
  if (!keys.ok()) return keys.status();
  const size_t count = keys->size();
  std::lock_guard<std::mutex> lock(mu_);
  keys_ = std::make_shared<const KeySet>(*std::move(keys));
  verified_.clear();
  return count;
}

absl::Status Authenticator::Locked(const std::string& peer, absl::Time now) {
  auto it = failures_.find(peer);
  if (it == failures_.end() || it->second.locked_until <= now) {
    return absl::OkStatus();
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      "too many failed authentications from this address; retry in ",
      static_cast<int64_t>(
          std::ceil(absl::ToDoubleSeconds(it->second.locked_until - now))),
      " s"));
}

void Authenticator::CountFailure(const std::string& peer, absl::Time now) {
  if (failures_.size() >= kPeersTrackedMax && !failures_.contains(peer)) {
    // Forget the peers not locked out (first those whose window is over);
    // a lockout is never forgotten early, so failing from many addresses
    // cannot lift one.
    absl::erase_if(failures_, [now](const auto& entry) {
      return entry.second.locked_until <= now &&
             now - entry.second.window_start > kFailureWindow;
    });
    if (failures_.size() >= kPeersTrackedMax) {
      absl::erase_if(failures_, [now](const auto& entry) {
        return entry.second.locked_until <= now;
      });
    }
    // Every tracked peer locked out: this one's failure is not tracked.
    if (failures_.size() >= kPeersTrackedMax) return;
  }
  Failures& failures = failures_[peer];
  if (now - failures.window_start > kFailureWindow) {
    failures.window_start = now;
    failures.count = 0;
  }
  if (++failures.count >= kFailuresMax) {
    failures.locked_until = now + kFailureLockout;
    failures.count = 0;
  }
}

absl::StatusOr<Principal> Authenticator::Authenticate(
    absl::string_view authorization, const std::string& peer) {
  const absl::Time now = options_.clock();
  std::shared_ptr<const KeySet> keys;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status locked = Locked(peer, now); !locked.ok()) return locked;
    auto it = verified_.find(authorization);
    if (it != verified_.end() && now <= it->second.expires_at + kClockSkew) {
      return it->second;
    }
    keys = keys_;
  }
  absl::StatusOr<Principal> principal;
  bool signed_by_a_key = false;
  if (authorization.empty()) {
    principal = absl::UnauthenticatedError(
        "no bearer token: send metadata 'authorization: Bearer <token>' "
        "(caseline --token or CASELINE_TOKEN)");
  } else if (authorization.size() <= kBearer.size() ||
             !absl::StartsWithIgnoreCase(authorization, kBearer)) {
    principal = absl::UnauthenticatedError(
        "authorization: not of the form 'Bearer <token>'");
  } else {
    principal = VerifyToken(authorization.substr(kBearer.size()), *keys,
                            options_.rules, now, &signed_by_a_key);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!principal.ok()) {
    // A call without a token is a client not set up, and a genuine token
    // that expired or is for another audience an integration that must
    // renew it; neither is a guess. Both are refused, but only tokens no
    // key signed count towards a lockout, so that a gateway retrying with
    // an expired token does not lock out everyone behind it.
    if (!authorization.empty() && !signed_by_a_key) CountFailure(peer, now);
    return principal;
  }
  // Only tokens verified with the keys still current are remembered: a
  // reload meanwhile may have removed the key.
  if (keys == keys_) {
    if (verified_.size() >= kTokenCacheMax) verified_.clear();
    verified_.emplace(std::string(authorization), *principal);
  }
  return principal;
}

}  // namespace caseline::auth
