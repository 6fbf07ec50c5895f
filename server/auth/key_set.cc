#include "server/auth/key_set.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/auth/openssl_handles.h"

namespace caseline::auth {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using internal::Base64UrlDecode;
using internal::Bn;
using internal::ClearErrors;
using internal::EcdsaSig;
using internal::kP256CoordinateBytes;
using internal::MdCtx;

struct OsslParamBldFree {
  void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct OsslParamFree {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};

// A string member of a JWK; empty when absent or not a string.
std::string Member(const Struct& jwk, const std::string& name) {
  auto it = jwk.fields().find(name);
  if (it == jwk.fields().end() || !it->second.has_string_value()) return "";
  return it->second.string_value();
}

absl::StatusOr<std::string> Bytes(const Struct& jwk, const std::string& name,
                                  const std::string& where) {
  const std::string text = Member(jwk, name);
  if (text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".", name, ": missing"));
  }
  std::optional<std::string> bytes = Base64UrlDecode(text);
  if (!bytes.has_value() || bytes->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".", name, ": not base64url"));
  }
  return *std::move(bytes);
}

// A public key from OpenSSL parameters, for key type `type` ("RSA", "EC").
absl::StatusOr<KeyHandle> FromParams(const char* type, OSSL_PARAM_BLD* bld,
                                     const std::string& where) {
  std::unique_ptr<OSSL_PARAM, OsslParamFree> params(
      OSSL_PARAM_BLD_to_param(bld));
  internal::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (params == nullptr || ctx == nullptr ||
      EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) !=
          1) {
    ClearErrors();
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": not a valid ", type, " public key"));
  }
  return internal::OwnKey(key);
}

absl::StatusOr<KeyHandle> RsaKey(const Struct& jwk, const std::string& where) {
  absl::StatusOr<std::string> n = Bytes(jwk, "n", where);
  if (!n.ok()) return n.status();
  absl::StatusOr<std::string> e = Bytes(jwk, "e", where);
  if (!e.ok()) return e.status();
  Bn modulus(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                       static_cast<int>(n->size()), nullptr));
  Bn exponent(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                        static_cast<int>(e->size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, OsslParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (modulus == nullptr || exponent == nullptr || bld == nullptr ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) !=
          1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E,
                             exponent.get()) != 1) {
    ClearErrors();
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": not a valid RSA public key"));
  }
  return FromParams("RSA", bld.get(), where);
}

absl::StatusOr<KeyHandle> EcKey(const Struct& jwk, const std::string& where) {
  if (Member(jwk, "crv") != "P-256") {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ".crv: '", Member(jwk, "crv"), "' is not supported (P-256 is)"));
  }
  absl::StatusOr<std::string> x = Bytes(jwk, "x", where);
  if (!x.ok()) return x.status();
  absl::StatusOr<std::string> y = Bytes(jwk, "y", where);
  if (!y.ok()) return y.status();
  if (x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": x and y must be 32 bytes each for P-256"));
  }
  // An uncompressed point: 0x04, x, y (SEC 1, section 2.3.3).
  const std::string point = absl::StrCat("\x04", *x, *y);
  std::unique_ptr<OSSL_PARAM_BLD, OsslParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                       point.data(), point.size()) != 1) {
    ClearErrors();
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": not a valid EC public key"));
  }
  return FromParams("EC", bld.get(), where);
}

// The algorithm a key of this type signs with, or an error for key types
// and sizes caseline does not accept.
absl::StatusOr<Algorithm> AlgorithmOf(EVP_PKEY* key, const std::string& where) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    if (EVP_PKEY_get_bits(key) < kRsaBitsMin) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": an RSA key of ", EVP_PKEY_get_bits(key),
                       " bits is too short (at least ", kRsaBitsMin, ")"));
    }
    return Algorithm::kRs256;
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                       sizeof(group), &length) == 1 &&
        std::string(group) == "prime256v1") {
      return Algorithm::kEs256;
    }
    ClearErrors();
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": only EC keys on P-256 are supported"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": only RSA and EC (P-256) keys are supported"));
}

absl::StatusOr<PublicKey> JwkKey(const Struct& jwk, const std::string& where) {
  const std::string kty = Member(jwk, "kty");
  const std::string use = Member(jwk, "use");
  if (!use.empty() && use != "sig") {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".use: '", use, "' is not sig"));
  }
  absl::StatusOr<KeyHandle> key;
  if (kty == "RSA") {
    key = RsaKey(jwk, where);
  } else if (kty == "EC") {
    key = EcKey(jwk, where);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ".kty: '", kty, "' is not supported (RSA and EC are)"));
  }
  if (!key.ok()) return key.status();
  absl::StatusOr<Algorithm> algorithm = AlgorithmOf(key->get(), where);
  if (!algorithm.ok()) return algorithm.status();
  const std::string alg = Member(jwk, "alg");
  if (!alg.empty() && alg != AlgorithmName(*algorithm)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".alg: '", alg, "' does not fit a ", kty, " key (",
                     AlgorithmName(*algorithm), " does)"));
  }
  return PublicKey{Member(jwk, "kid"), *algorithm, *std::move(key)};
}

// ES256 signatures are r and s side by side (RFC 7518, section 3.4);
// OpenSSL verifies the DER form.
std::optional<std::string> Es256ToDer(absl::string_view signature) {
  if (signature.size() != 2 * kP256CoordinateBytes) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(signature.data());
  EcdsaSig sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, kP256CoordinateBytes, nullptr);
  BIGNUM* s =
      BN_bin2bn(bytes + kP256CoordinateBytes, kP256CoordinateBytes, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr ||
      ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) return std::nullopt;
  std::string result(reinterpret_cast<char*>(der), length);
  OPENSSL_free(der);
  return result;
}

bool SignatureVerifies(const PublicKey& key, absl::string_view signed_part,
                       absl::string_view signature) {
  std::string der;
  if (key.algorithm == Algorithm::kEs256) {
    std::optional<std::string> converted = Es256ToDer(signature);
    if (!converted.has_value()) return false;
    der = *std::move(converted);
    signature = der;
  }
  MdCtx ctx(EVP_MD_CTX_new());
  const bool verified =
      ctx != nullptr &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr,
                           key.key.get()) == 1 &&
      EVP_DigestVerify(
          ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
          signature.size(),
          reinterpret_cast<const unsigned char*>(signed_part.data()),
          signed_part.size()) == 1;
  ClearErrors();
  return verified;
}

}  // namespace

const char* AlgorithmName(Algorithm algorithm) {
  return algorithm == Algorithm::kEs256 ? "ES256" : "RS256";
}

absl::StatusOr<KeySet> KeySet::Load(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(absl::StrCat("cannot read key file ", path));
  }
  std::string text(kKeyFileBytesMax + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(file.gcount()));
  if (text.size() > kKeyFileBytesMax) {
    return absl::InvalidArgumentError(absl::StrCat("key file ", path,
                                                   " is over the limit of ",
                                                   kKeyFileBytesMax, " bytes"));
  }
  absl::StatusOr<KeySet> keys =
      absl::StrContains(text, "-----BEGIN") ? ParsePem(text) : ParseJwks(text);
  if (!keys.ok()) {
    return absl::Status(
        keys.status().code(),
        absl::StrCat("key file ", path, ": ", keys.status().message()));
  }
  return keys;
}

absl::StatusOr<KeySet> KeySet::ParseJwks(absl::string_view text) {
  Struct document;
  if (!google::protobuf::util::JsonStringToMessage(
           google::protobuf::StringPiece(text.data(), text.size()), &document)
           .ok()) {
    return absl::InvalidArgumentError(
        "neither a JWKS document (JSON) nor PEM public keys");
  }
  auto it = document.fields().find("keys");
  if (it == document.fields().end() || !it->second.has_list_value()) {
    return absl::InvalidArgumentError(
        "keys: missing (a JWKS has a keys array)");
  }
  const auto& jwks = it->second.list_value().values();
  if (jwks.empty()) return absl::InvalidArgumentError("keys: empty");
  if (static_cast<size_t>(jwks.size()) > kKeysMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        "keys: ", jwks.size(), " keys are over the limit of ", kKeysMax));
  }
  KeySet set;
  for (int i = 0; i < jwks.size(); ++i) {
    const std::string where = absl::StrCat("keys[", i, "]");
    if (!jwks[i].has_struct_value()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": not an object"));
    }
    absl::StatusOr<PublicKey> key = JwkKey(jwks[i].struct_value(), where);
    if (!key.ok()) return key.status();
    for (const PublicKey& other : set.keys_) {
      if (!key->key_id.empty() && other.key_id == key->key_id) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".kid: '", key->key_id, "' appears twice"));
      }
    }
    set.keys_.push_back(*std::move(key));
  }
  return set;
}

absl::StatusOr<KeySet> KeySet::ParsePem(absl::string_view text) {
  internal::Bio bio(
      BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (bio == nullptr) return absl::ResourceExhaustedError("out of memory");
  KeySet set;
  for (;;) {
    // Another block left, or the end. A block that is not a public key
    // fails the file: one half-written during a rotation must not load as
    // fewer keys.
    char* rest = nullptr;
    const long left = BIO_get_mem_data(bio.get(), &rest);
    if (left <= 0 ||
        absl::string_view(rest, static_cast<size_t>(left)).find("-----BEGIN") ==
            absl::string_view::npos) {
      break;
    }
    EVP_PKEY* read = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (read == nullptr) {
      ClearErrors();
      return absl::InvalidArgumentError(absl::StrCat(
          "PEM key ", set.keys_.size() + 1, " cannot be read as a public key"));
    }
    KeyHandle key = internal::OwnKey(read);
    const std::string where = absl::StrCat("PEM key ", set.keys_.size() + 1);
    if (set.keys_.size() == kKeysMax) {
      return absl::InvalidArgumentError(
          absl::StrCat("more than ", kKeysMax, " keys"));
    }
    absl::StatusOr<Algorithm> algorithm = AlgorithmOf(key.get(), where);
    if (!algorithm.ok()) return algorithm.status();
    set.keys_.push_back(PublicKey{"", *algorithm, std::move(key)});
  }
  ClearErrors();
  if (set.keys_.empty()) {
    return absl::InvalidArgumentError(
        "no PEM public key (-----BEGIN PUBLIC KEY-----) could be read");
  }
  return set;
}

absl::Status KeySet::Verify(Algorithm algorithm, absl::string_view key_id,
                            absl::string_view signed_part,
                            absl::string_view signature) const {
  bool known_id = false;
  for (const PublicKey& key : keys_) {
    if (!key.key_id.empty() && key.key_id == key_id) known_id = true;
  }
  bool tried = false;
  for (const PublicKey& key : keys_) {
    const bool candidate = known_id ? key.key_id == key_id : key.key_id.empty();
    if (!candidate || key.algorithm != algorithm) continue;
    tried = true;
    if (SignatureVerifies(key, signed_part, signature)) {
      return absl::OkStatus();
    }
  }
  if (!tried) {
    return absl::UnauthenticatedError(
        key_id.empty() ? absl::StrCat("no ", AlgorithmName(algorithm),
                                      " key verifies tokens without a kid")
                       : absl::StrCat("the token's kid is not a known ",
                                      AlgorithmName(algorithm), " key"));
  }
  return absl::UnauthenticatedError("the signature does not verify");
}

}  // namespace caseline::auth
