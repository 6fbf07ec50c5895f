// Bearer tokens: every way a token can be wrong is refused with
// UNAUTHENTICATED and a message naming the problem; keys load from JWKS and
// PEM, rotate on reload, and a peer that keeps failing is locked out. Keys
// and tokens are made here, with OpenSSL, as an identity provider would.
#include <openssl/evp.h>

#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "server/auth/authenticator.h"
#include "server/auth/key_set.h"
#include "server/auth/signing.h"
#include "server/auth/tokens.h"
#include "tests/temp_dir.h"

namespace caseline::auth {
namespace {

const absl::Time kNow = absl::FromCivil(
    absl::CivilSecond(2026, 12, 2, 10, 0, 0), absl::UTCTimeZone());

SigningKey Key(Algorithm algorithm, const std::string& key_id) {
  absl::StatusOr<SigningKey> key = GenerateSigningKey(algorithm, key_id);
  EXPECT_TRUE(key.ok()) << key.status();
  return *key;
}

TokenClaims GoodClaims() {
  TokenClaims claims;
  claims.subject = "caseworker-7";
  claims.roles = {"caseworker"};
  claims.jobcentres = {"jc-101", "jc-147"};
  claims.issuer = "https://idp.example.dk";
  claims.audience = "caseline";
  claims.not_before = kNow - absl::Minutes(5);
  claims.expires_at = kNow + absl::Hours(1);
  return claims;
}

const TokenRules kRules{"https://idp.example.dk", "caseline"};

std::string Sign(const SigningKey& key, const TokenClaims& claims) {
  absl::StatusOr<std::string> token = SignToken(key, claims);
  EXPECT_TRUE(token.ok()) << token.status();
  return *token;
}

KeySet Jwks(const std::vector<SigningKey>& keys) {
  absl::StatusOr<std::string> jwks = PublicJwks(keys);
  EXPECT_TRUE(jwks.ok()) << jwks.status();
  absl::StatusOr<KeySet> set = KeySet::ParseJwks(*jwks);
  EXPECT_TRUE(set.ok()) << set.status();
  return *set;
}

// The refusal's message, after checking that it is UNAUTHENTICATED.
std::string Refusal(const absl::StatusOr<Principal>& verified) {
  EXPECT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated)
      << verified.status();
  return std::string(verified.status().message());
}

TEST(TokensTest, Es256AndRs256TokensVerifyAndNameThePrincipal) {
  for (Algorithm algorithm : {Algorithm::kEs256, Algorithm::kRs256}) {
    const SigningKey key = Key(algorithm, "k1");
    absl::StatusOr<Principal> principal =
        VerifyToken(Sign(key, GoodClaims()), Jwks({key}), kRules, kNow);
    ASSERT_TRUE(principal.ok()) << principal.status();
    EXPECT_EQ(principal->subject, "caseworker-7");
    EXPECT_EQ(principal->roles, std::vector<std::string>{"caseworker"});
    EXPECT_EQ(principal->jobcentres,
              (std::vector<std::string>{"jc-101", "jc-147"}));
    EXPECT_FALSE(principal->all_jobcentres);
    EXPECT_EQ(principal->expires_at, kNow + absl::Hours(1));
  }
}

TEST(TokensTest, StarMeansEveryJobcentre) {
  const SigningKey key = Key(Algorithm::kEs256, "k1");
  TokenClaims claims = GoodClaims();
  claims.jobcentres = {"*"};
  absl::StatusOr<Principal> principal =
      VerifyToken(Sign(key, claims), Jwks({key}), kRules, kNow);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_TRUE(principal->all_jobcentres);
  EXPECT_TRUE(principal->jobcentres.empty());
}

TEST(TokensTest, ExpiryAndNotBeforeAllowTheClockSkewAndNoMore) {
  const SigningKey key = Key(Algorithm::kEs256, "k1");
  const KeySet keys = Jwks({key});
  TokenClaims claims = GoodClaims();
  claims.expires_at = kNow - kClockSkew + absl::Seconds(1);
  EXPECT_TRUE(VerifyToken(Sign(key, claims), keys, kRules, kNow).ok());
  claims.expires_at = kNow - kClockSkew - absl::Seconds(1);
  EXPECT_EQ(Refusal(VerifyToken(Sign(key, claims), keys, kRules, kNow)),
            "bearer token: expired at 2026-12-02T09:58:59Z");

  claims = GoodClaims();
  claims.not_before = kNow + kClockSkew - absl::Seconds(1);
  EXPECT_TRUE(VerifyToken(Sign(key, claims), keys, kRules, kNow).ok());
  claims.not_before = kNow + absl::Minutes(10);
  EXPECT_EQ(Refusal(VerifyToken(Sign(key, claims), keys, kRules, kNow)),
            "bearer token: not valid before 2026-12-02T10:10:00Z");
}

TEST(TokensTest, IssuerAndAudienceAreCheckedWhenConfigured) {
  const SigningKey key = Key(Algorithm::kEs256, "k1");
  const KeySet keys = Jwks({key});
  TokenClaims claims = GoodClaims();
  claims.issuer = "https://other.example.dk";
  EXPECT_EQ(Refusal(VerifyToken(Sign(key, claims), keys, kRules, kNow)),
            "bearer token: iss is not the expected issuer "
            "https://idp.example.dk");
  // Not configured: not checked.
  EXPECT_TRUE(
      VerifyToken(Sign(key, claims), keys, {"", "caseline"}, kNow).ok());

  claims = GoodClaims();
  claims.audience = "another-service";
  EXPECT_EQ(Refusal(VerifyToken(Sign(key, claims), keys, kRules, kNow)),
            "bearer token: aud does not include caseline");
  EXPECT_TRUE(
      VerifyToken(Sign(key, claims), keys, {kRules.issuer, ""}, kNow).ok());
}

TEST(TokensTest, ATokenWithoutAudienceIsRefusedWhenOneIsConfigured) {
  const SigningKey key = Key(Algorithm::kEs256, "k1");
  TokenClaims claims = GoodClaims();
  claims.audience = "";
  const std::string token = Sign(key, claims);
  EXPECT_EQ(Refusal(VerifyToken(token, Jwks({key}), kRules, kNow)),
            "bearer token: aud does not include caseline");
}

TEST(TokensTest, ATamperedPayloadFailsTheSignature) {
  const SigningKey key = Key(Algorithm::kEs256, "k1");
  const std::vector<std::string> parts =
      absl::StrSplit(Sign(key, GoodClaims()), '.');
  TokenClaims admin = GoodClaims();
  admin.roles = {"admin"};
  const std::vector<std::string> forged_parts =
      absl::StrSplit(Sign(key, admin), '.');
  // The admin payload under the caseworker token's signature.
  const std::string forged =
      absl::StrCat(parts[0], ".", forged_parts[1], ".", parts[2]);
  EXPECT_EQ(Refusal(VerifyToken(forged, Jwks({key}), kRules, kNow)),
            "bearer token: the signature does not verify");
}

TEST(TokensTest, AKeyNotInTheSetIsRefused) {
  const SigningKey known = Key(Algorithm::kEs256, "known");
  const SigningKey stranger = Key(Algorithm::kEs256, "stranger");
  EXPECT_EQ(Refusal(VerifyToken(Sign(stranger, GoodClaims()), Jwks({known}),
                                kRules, kNow)),
            "bearer token: the token's kid is not a known ES256 key");
  const SigningKey no_kid = Key(Algorithm::kEs256, "");
  EXPECT_EQ(Refusal(VerifyToken(Sign(no_kid, GoodClaims()), Jwks({known}),
                                kRules, kNow)),
            "bearer token: no ES256 key verifies tokens without a kid");
  // Same kid, other key: the signature fails.
  const SigningKey impostor = Key(Algorithm::kEs256, "known");
  EXPECT_EQ(Refusal(VerifyToken(Sign(impostor, GoodClaims()), Jwks({known}),
                                kRules, kNow)),
            "bearer token: the signature does not verify");
  // An RS256 token against only an EC key with its kid.
  const SigningKey rsa = Key(Algorithm::kRs256, "known");
  EXPECT_EQ(Refusal(VerifyToken(Sign(rsa, GoodClaims()), Jwks({known}), kRules,
                                kNow)),
            "bearer token: the token's kid is not a known RS256 key");
}

std::string Unsigned(const std::string& header, const std::string& payload,
                     const std::string& signature) {
  return absl::StrCat(absl::WebSafeBase64Escape(header), ".",
                      absl::WebSafeBase64Escape(payload), ".", signature);
}

TEST(TokensTest, AlgNoneAndSymmetricAlgorithmsAreRefused) {
  const SigningKey key = Key(Algorithm::kEs256, "k1");
  const std::string payload =
      R"({"sub":"x","roles":["admin"],"jobcentres":["*"],"exp":9999999999})";
  EXPECT_EQ(Refusal(VerifyToken(Unsigned(R"({"alg":"none"})", payload, ""),
                                Jwks({key}), kRules, kNow)),
            "bearer token: alg: only RS256 and ES256 are accepted");
  EXPECT_EQ(Refusal(VerifyToken(Unsigned(R"({"alg":"HS256"})", payload, "c2ln"),
                                Jwks({key}), kRules, kNow)),
            "bearer token: alg: only RS256 and ES256 are accepted");
  EXPECT_EQ(
      Refusal(VerifyToken(
          Unsigned(R"({"alg":"ES256","crit":["x"]})", payload, "c2ln"),
          Jwks({key}), kRules, kNow)),
      "bearer token: the header's crit names extensions caseline does not "
      "know");
}

TEST(TokensTest, MalformedTokensAreRefusedWithoutBeingRepeated) {
  const KeySet keys = Jwks({Key(Algorithm::kEs256, "k1")});
  EXPECT_EQ(Refusal(VerifyToken("secret-looking-garbage", keys, kRules, kNow)),
            "bearer token: not a JWT (header.payload.signature)");
  EXPECT_EQ(Refusal(VerifyToken("a.b.c", keys, kRules, kNow)),
            "bearer token: the header is not base64url JSON");
  EXPECT_EQ(Refusal(VerifyToken(Unsigned(R"({"alg":"ES256"})", "{}", "@@"),
                                keys, kRules, kNow)),
            "bearer token: the signature is missing or not base64url");
  EXPECT_EQ(Refusal(VerifyToken(std::string(kTokenBytesMax + 1, 'a'), keys,
                                kRules, kNow)),
            "bearer token: over the limit of 8192 bytes");
  EXPECT_EQ(Refusal(VerifyToken("", keys, kRules, kNow)),
            "bearer token: empty");
}

TEST(TokensTest, EachMissingClaimIsNamed) {
  const SigningKey key = Key(Algorithm::kEs256, "k1");
  const KeySet keys = Jwks({key});
  TokenClaims claims = GoodClaims();
  claims.subject = "";
  EXPECT_EQ(Refusal(VerifyToken(Sign(key, claims), keys, kRules, kNow)),
            "bearer token: claim sub is missing");
  claims = GoodClaims();
  claims.omit_roles = true;
  EXPECT_EQ(Refusal(VerifyToken(Sign(key, claims), keys, kRules, kNow)),
            "bearer token: claim roles is missing");
  claims = GoodClaims();
  claims.omit_jobcentres = true;
  EXPECT_EQ(Refusal(VerifyToken(Sign(key, claims), keys, kRules, kNow)),
            "bearer token: claim jobcentres is missing");
  claims = GoodClaims();
  claims.expires_at = absl::InfinitePast();
  EXPECT_EQ(Refusal(VerifyToken(Sign(key, claims), keys, kRules, kNow)),
            "bearer token: claim exp is missing");
  claims = GoodClaims();
  claims.subject = "line\nbreak";
  EXPECT_EQ(Refusal(VerifyToken(Sign(key, claims), keys, kRules, kNow)),
            "bearer token: claim sub is not a printable string of 1 to 128 "
            "bytes");
}

TEST(KeySetTest, PemPublicKeysVerifyTokensWithoutAKnownKid) {
  const SigningKey key = Key(Algorithm::kRs256, "");
  absl::StatusOr<std::string> pem = PublicKeyPem(key);
  ASSERT_TRUE(pem.ok()) << pem.status();
  absl::StatusOr<KeySet> keys = KeySet::ParsePem(*pem);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_TRUE(VerifyToken(Sign(key, GoodClaims()), *keys, kRules, kNow).ok());
}

TEST(KeySetTest, ABadKeyFileNamesTheKeyAndTheProblem) {
  EXPECT_EQ(KeySet::ParseJwks("not json").status().message(),
            "neither a JWKS document (JSON) nor PEM public keys");
  EXPECT_EQ(KeySet::ParseJwks(R"({"keys":[]})").status().message(),
            "keys: empty");
  EXPECT_EQ(KeySet::ParseJwks(R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})")
                .status()
                .message(),
            "keys[0].kty: 'oct' is not supported (RSA and EC are)");
  EXPECT_EQ(KeySet::ParseJwks(R"({"keys":[{"kty":"EC","crv":"P-384"}]})")
                .status()
                .message(),
            "keys[0].crv: 'P-384' is not supported (P-256 is)");
  EXPECT_EQ(KeySet::ParseJwks(R"({"keys":[{"kty":"RSA","e":"AQAB"}]})")
                .status()
                .message(),
            "keys[0].n: missing");
  EXPECT_EQ(
      KeySet::ParsePem("-----BEGIN PUBLIC KEY-----\nnope\n").status().message(),
      "PEM key 1 cannot be read as a public key");
  EXPECT_EQ(KeySet::ParsePem("no key here\n").status().message(),
            "no PEM public key (-----BEGIN PUBLIC KEY-----) could be read");
  EXPECT_EQ(KeySet::Load("/nonexistent/jwks.json").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(KeySetTest, AKeyFileCutShortDoesNotLoadAsFewerKeys) {
  absl::StatusOr<std::string> first = PublicKeyPem(Key(Algorithm::kEs256, ""));
  absl::StatusOr<std::string> second = PublicKeyPem(Key(Algorithm::kEs256, ""));
  ASSERT_TRUE(first.ok() && second.ok());
  absl::StatusOr<KeySet> both = KeySet::ParsePem(*first + *second);
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(both->size(), 2u);
  const std::string cut = *first + second->substr(0, second->size() / 2);
  EXPECT_EQ(KeySet::ParsePem(cut).status().message(),
            "PEM key 2 cannot be read as a public key");
}

TEST(KeySetTest, AShortRsaKeyIsRefused) {
  EVP_PKEY* weak = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024});
  ASSERT_NE(weak, nullptr);
  SigningKey key{"weak", Algorithm::kRs256,
                 std::shared_ptr<EVP_PKEY>(weak, EVP_PKEY_free)};
  absl::StatusOr<std::string> jwks = PublicJwks({key});
  ASSERT_TRUE(jwks.ok());
  EXPECT_EQ(KeySet::ParseJwks(*jwks).status().message(),
            "keys[0]: an RSA key of 1024 bits is too short (at least 2048)");
}

void WriteJwks(const std::string& path, const std::vector<SigningKey>& keys) {
  absl::StatusOr<std::string> jwks = PublicJwks(keys);
  ASSERT_TRUE(jwks.ok());
  std::ofstream(path) << *jwks;
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  // An authenticator on a key file holding `keys`, reading the test's clock.
  std::unique_ptr<Authenticator> Open(const std::vector<SigningKey>& keys) {
    WriteJwks(path_, keys);
    absl::StatusOr<std::unique_ptr<Authenticator>> opened =
        Authenticator::Open({path_, kRules, [this] { return now_; }});
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? *std::move(opened) : nullptr;
  }

  caseline::testing::TempDir dir_;
  const std::string path_ = dir_.path() + "/jwks.json";
  absl::Time now_ = kNow;
  const SigningKey key_ = Key(Algorithm::kEs256, "k1");
};

TEST_F(AuthenticatorTest, AReloadAddsTheNewKeyAndDropsTheRemovedOne) {
  const SigningKey old_key = Key(Algorithm::kEs256, "2026-11");
  const SigningKey new_key = Key(Algorithm::kEs256, "2026-12");
  std::unique_ptr<Authenticator> authenticator = Open({old_key});
  ASSERT_NE(authenticator, nullptr);
  const std::string old_bearer = "Bearer " + Sign(old_key, GoodClaims());
  const std::string new_bearer = "Bearer " + Sign(new_key, GoodClaims());
  EXPECT_TRUE(authenticator->Authenticate(old_bearer, "10.0.0.1").ok());
  EXPECT_FALSE(authenticator->Authenticate(new_bearer, "10.0.0.1").ok());

  WriteJwks(path_, {new_key});
  ASSERT_EQ(authenticator->Reload().value_or(0), 1u);
  EXPECT_TRUE(authenticator->Authenticate(new_bearer, "10.0.0.1").ok());
  // Verified before, remembered then, and still refused now.
  EXPECT_EQ(
      authenticator->Authenticate(old_bearer, "10.0.0.1").status().message(),
      "bearer token: the token's kid is not a known ES256 key");

  // A broken file keeps the keys that work.
  std::ofstream(path_) << "{";
  EXPECT_FALSE(authenticator->Reload().ok());
  EXPECT_TRUE(authenticator->Authenticate(new_bearer, "10.0.0.1").ok());
}

TEST_F(AuthenticatorTest, ARememberedTokenStillExpires) {
  std::unique_ptr<Authenticator> authenticator = Open({key_});
  ASSERT_NE(authenticator, nullptr);
  const std::string bearer = "Bearer " + Sign(key_, GoodClaims());
  EXPECT_TRUE(authenticator->Authenticate(bearer, "10.0.0.1").ok());
  now_ += absl::Hours(2);
  EXPECT_EQ(authenticator->Authenticate(bearer, "10.0.0.1").status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthenticatorTest, APeerThatKeepsFailingIsLockedOutAndOthersAreNot) {
  std::unique_ptr<Authenticator> authenticator = Open({key_});
  ASSERT_NE(authenticator, nullptr);
  const std::string good = "Bearer " + Sign(key_, GoodClaims());
  EXPECT_EQ(authenticator->Authenticate("", "10.0.0.9").status().message(),
            "no bearer token: send metadata 'authorization: Bearer <token>' "
            "(caseline --token or CASELINE_TOKEN)");
  EXPECT_EQ(
      authenticator->Authenticate("Basic abc", "10.0.0.9").status().message(),
      "authorization: not of the form 'Bearer <token>'");
  // Calls without a token, and genuine tokens that expired, do not lock a
  // peer out: they are not guesses.
  TokenClaims expired = GoodClaims();
  expired.expires_at = kNow - absl::Hours(1);
  const std::string stale = "Bearer " + Sign(key_, expired);
  for (int i = 0; i < 2 * kFailuresMax; ++i) {
    EXPECT_EQ(authenticator->Authenticate("", "10.0.0.9").status().code(),
              absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(authenticator->Authenticate(stale, "10.0.0.9").status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  for (int i = 1; i < kFailuresMax; ++i) {
    EXPECT_EQ(
        authenticator->Authenticate("Bearer x.y.z", "10.0.0.9").status().code(),
        absl::StatusCode::kUnauthenticated);
  }
  // Locked: even a good token is refused, with the wait.
  absl::StatusOr<Principal> locked =
      authenticator->Authenticate(good, "10.0.0.9");
  EXPECT_EQ(locked.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(locked.status().message(),
            "too many failed authentications from this address; retry in 300 "
            "s");
  EXPECT_TRUE(authenticator->Authenticate(good, "10.0.0.10").ok());
  now_ += kFailureLockout;
  EXPECT_TRUE(authenticator->Authenticate(good, "10.0.0.9").ok());
}

TEST_F(AuthenticatorTest, FailuresSpreadBeyondTheWindowDoNotLockOut) {
  std::unique_ptr<Authenticator> authenticator = Open({key_});
  ASSERT_NE(authenticator, nullptr);
  for (int i = 0; i < 3 * kFailuresMax; ++i) {
    now_ += kFailureWindow / (kFailuresMax / 2);
    EXPECT_EQ(
        authenticator->Authenticate("Bearer x.y.z", "10.0.0.9").status().code(),
        absl::StatusCode::kUnauthenticated);
  }
}

}  // namespace
}  // namespace caseline::auth
