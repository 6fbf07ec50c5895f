#include "server/auth/signing.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/auth/openssl_handles.h"

namespace caseline::auth {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using internal::Base64UrlEncode;
using internal::kP256CoordinateBytes;

constexpr int kRsaBits = 2048;

absl::Status OpenSslError(absl::string_view what) {
  internal::ClearErrors();
  return absl::InternalError(absl::StrCat("OpenSSL could not ", what));
}

std::string Json(const Struct& object) {
  std::string json;
  // Serializing a Struct cannot fail.
  (void)google::protobuf::util::MessageToJsonString(object, &json);
  return json;
}

absl::StatusOr<std::string> BnParam(EVP_PKEY* key, const char* name,
                                    int pad_to) {
  BIGNUM* read = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &read) != 1) {
    return OpenSslError("read a key parameter");
  }
  internal::Bn bn(read);
  std::string bytes(pad_to > 0 ? pad_to : BN_num_bytes(bn.get()), '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()),
                   static_cast<int>(bytes.size())) < 0) {
    return OpenSslError("write a key parameter");
  }
  return bytes;
}

absl::StatusOr<Struct> PublicJwk(const SigningKey& key) {
  Struct jwk;
  auto& fields = *jwk.mutable_fields();
  fields["kid"].set_string_value(key.key_id);
  fields["use"].set_string_value("sig");
  fields["alg"].set_string_value(AlgorithmName(key.algorithm));
  if (key.algorithm == Algorithm::kRs256) {
    absl::StatusOr<std::string> n =
        BnParam(key.key.get(), OSSL_PKEY_PARAM_RSA_N, 0);
    absl::StatusOr<std::string> e =
        BnParam(key.key.get(), OSSL_PKEY_PARAM_RSA_E, 0);
    if (!n.ok()) return n.status();
    if (!e.ok()) return e.status();
    fields["kty"].set_string_value("RSA");
    fields["n"].set_string_value(Base64UrlEncode(*n));
    fields["e"].set_string_value(Base64UrlEncode(*e));
    return jwk;
  }
  absl::StatusOr<std::string> x =
      BnParam(key.key.get(), OSSL_PKEY_PARAM_EC_PUB_X, kP256CoordinateBytes);
  absl::StatusOr<std::string> y =
      BnParam(key.key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, kP256CoordinateBytes);
  if (!x.ok()) return x.status();
  if (!y.ok()) return y.status();
  fields["kty"].set_string_value("EC");
  fields["crv"].set_string_value("P-256");
  fields["x"].set_string_value(Base64UrlEncode(*x));
  fields["y"].set_string_value(Base64UrlEncode(*y));
  return jwk;
}

absl::StatusOr<std::string> Pem(const SigningKey& key, bool private_key) {
  internal::Bio bio(BIO_new(BIO_s_mem()));
  const int written =
      bio == nullptr ? 0
      : private_key
          ? PEM_write_bio_PrivateKey(bio.get(), key.key.get(), nullptr, nullptr,
                                     0, nullptr, nullptr)
          : PEM_write_bio_PUBKEY(bio.get(), key.key.get());
  if (written != 1) return OpenSslError("write a PEM key");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

// OpenSSL's DER ECDSA signature as JOSE's r and s side by side.
absl::StatusOr<std::string> DerToEs256(const std::string& der) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
  internal::EcdsaSig sig(
      d2i_ECDSA_SIG(nullptr, &bytes, static_cast<long>(der.size())));
  if (sig == nullptr) return OpenSslError("read an ECDSA signature");
  std::string raw(2 * kP256CoordinateBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, kP256CoordinateBytes) <
          0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + kP256CoordinateBytes,
                   kP256CoordinateBytes) < 0) {
    return OpenSslError("write an ECDSA signature");
  }
  return raw;
}

void AddStrings(Struct& object, const std::string& name,
                const std::vector<std::string>& strings) {
  ListValue* list = (*object.mutable_fields())[name].mutable_list_value();
  for (const std::string& one : strings)
    list->add_values()->set_string_value(one);
}

Struct Payload(const TokenClaims& claims) {
  Struct payload;
  auto& fields = *payload.mutable_fields();
  if (!claims.subject.empty()) fields["sub"].set_string_value(claims.subject);
  if (!claims.issuer.empty()) fields["iss"].set_string_value(claims.issuer);
  if (!claims.audience.empty()) fields["aud"].set_string_value(claims.audience);
  if (claims.expires_at != absl::InfinitePast()) {
    fields["exp"].set_number_value(
        static_cast<double>(absl::ToUnixSeconds(claims.expires_at)));
  }
  if (claims.not_before != absl::InfinitePast()) {
    fields["nbf"].set_number_value(
        static_cast<double>(absl::ToUnixSeconds(claims.not_before)));
  }
  if (!claims.omit_roles) AddStrings(payload, "roles", claims.roles);
  if (!claims.omit_jobcentres) {
    AddStrings(payload, "jobcentres", claims.jobcentres);
  }
  return payload;
}

}  // namespace

absl::StatusOr<SigningKey> GenerateSigningKey(Algorithm algorithm,
                                              std::string key_id) {
  EVP_PKEY* key = algorithm == Algorithm::kEs256
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA",
                                          static_cast<size_t>(kRsaBits));
  if (key == nullptr) return OpenSslError("generate a key");
  return SigningKey{std::move(key_id), algorithm, internal::OwnKey(key)};
}

absl::StatusOr<std::string> PrivateKeyPem(const SigningKey& key) {
  return Pem(key, /*private_key=*/true);
}

absl::StatusOr<std::string> PublicKeyPem(const SigningKey& key) {
  return Pem(key, /*private_key=*/false);
}

absl::StatusOr<std::string> PublicJwks(const std::vector<SigningKey>& keys) {
  Struct document;
  ListValue* list = (*document.mutable_fields())["keys"].mutable_list_value();
  for (const SigningKey& key : keys) {
    absl::StatusOr<Struct> jwk = PublicJwk(key);
    if (!jwk.ok()) return jwk.status();
    *list->add_values()->mutable_struct_value() = *std::move(jwk);
  }
  return Json(document);
}

absl::StatusOr<std::string> SignToken(const SigningKey& key,
                                      const TokenClaims& claims) {
  Struct header;
  (*header.mutable_fields())["alg"].set_string_value(
      AlgorithmName(key.algorithm));
  (*header.mutable_fields())["typ"].set_string_value("JWT");
  if (!key.key_id.empty()) {
    (*header.mutable_fields())["kid"].set_string_value(key.key_id);
  }
  const std::string signed_part =
      absl::StrCat(Base64UrlEncode(Json(header)), ".",
                   Base64UrlEncode(Json(Payload(claims))));
  internal::MdCtx ctx(EVP_MD_CTX_new());
  size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(signed_part.data());
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr,
                         key.key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, data, signed_part.size()) !=
          1) {
    return OpenSslError("sign a token");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(),
                     reinterpret_cast<unsigned char*>(signature.data()),
                     &length, data, signed_part.size()) != 1) {
    return OpenSslError("sign a token");
  }
  signature.resize(length);
  if (key.algorithm == Algorithm::kEs256) {
    absl::StatusOr<std::string> raw = DerToEs256(signature);
    if (!raw.ok()) return raw.status();
    signature = *std::move(raw);
  }
  return absl::StrCat(signed_part, ".", Base64UrlEncode(signature));
}

}  // namespace caseline::auth
