// Owning handles for OpenSSL objects, and base64url as JOSE uses it. Private
// to server/auth.
#ifndef CASELINE_SERVER_AUTH_OPENSSL_HANDLES_H_
#define CASELINE_SERVER_AUTH_OPENSSL_HANDLES_H_

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace caseline::auth::internal {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EvpPkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};

using Bio = std::unique_ptr<BIO, BioFree>;
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

inline std::shared_ptr<EVP_PKEY> OwnKey(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

// OpenSSL keeps errors on a per-thread queue; a failed call must not leave
// them for the next, unrelated one to find.
inline void ClearErrors() { ERR_clear_error(); }

// JOSE's base64url without padding (RFC 7515, section 2). nullopt for text
// that is not.
inline std::optional<std::string> Base64UrlDecode(absl::string_view text) {
  if (text.find('=') != absl::string_view::npos) return std::nullopt;
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(text, &bytes)) return std::nullopt;
  return bytes;
}

inline std::string Base64UrlEncode(absl::string_view bytes) {
  return absl::WebSafeBase64Escape(bytes);
}

// The P-256 curve's coordinates and ES256's r and s are 32 bytes each.
inline constexpr int kP256CoordinateBytes = 32;

}  // namespace caseline::auth::internal

#endif  // CASELINE_SERVER_AUTH_OPENSSL_HANDLES_H_
