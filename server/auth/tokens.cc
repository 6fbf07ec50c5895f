#include "server/auth/tokens.h"

#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/auth/openssl_handles.h"

namespace caseline::auth {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

absl::Status Refuse(absl::string_view problem) {
  return absl::UnauthenticatedError(absl::StrCat("bearer token: ", problem));
}

std::string Instant(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

// A base64url part of the token holding a JSON object.
absl::StatusOr<Struct> JsonPart(absl::string_view part,
                                absl::string_view name) {
  std::optional<std::string> json = internal::Base64UrlDecode(part);
  Struct object;
  if (!json.has_value() ||
      !google::protobuf::util::JsonStringToMessage(*json, &object).ok()) {
    return Refuse(absl::StrCat("the ", name, " is not base64url JSON"));
  }
  return object;
}

const Value* Field(const Struct& object, const std::string& name) {
  auto it = object.fields().find(name);
  return it == object.fields().end() ? nullptr : &it->second;
}

absl::StatusOr<Algorithm> HeaderAlgorithm(const Struct& header) {
  if (Field(header, "crit") != nullptr) {
    return Refuse("the header's crit names extensions caseline does not know");
  }
  const Value* alg = Field(header, "alg");
  if (alg == nullptr || !alg->has_string_value()) {
    return Refuse("the header has no alg");
  }
  if (alg->string_value() == "RS256") return Algorithm::kRs256;
  if (alg->string_value() == "ES256") return Algorithm::kEs256;
  // "none", HS256 and the rest: refused whatever the keys.
  return Refuse("alg: only RS256 and ES256 are accepted");
}

// A NumericDate claim (seconds since the epoch); nullopt when absent.
absl::StatusOr<std::optional<absl::Time>> DateClaim(const Struct& claims,
                                                    const std::string& name) {
  const Value* value = Field(claims, name);
  if (value == nullptr) return std::nullopt;
  // Seconds since 1970 up to the year 9999; beyond, not a date.
  constexpr double kSecondsMax = 253402300799.0;
  if (!value->has_number_value() || !std::isfinite(value->number_value()) ||
      value->number_value() < 0 || value->number_value() > kSecondsMax) {
    return Refuse(absl::StrCat("claim ", name, " is not a date"));
  }
  return absl::FromUnixSeconds(static_cast<int64_t>(value->number_value()));
}

absl::Status CheckWindow(const Struct& claims, absl::Time now) {
  absl::StatusOr<std::optional<absl::Time>> exp = DateClaim(claims, "exp");
  if (!exp.ok()) return exp.status();
  if (!exp->has_value()) return Refuse("claim exp is missing");
  if (now > **exp + kClockSkew) {
    return Refuse(absl::StrCat("expired at ", Instant(**exp)));
  }
  absl::StatusOr<std::optional<absl::Time>> nbf = DateClaim(claims, "nbf");
  if (!nbf.ok()) return nbf.status();
  if (nbf->has_value() && now + kClockSkew < **nbf) {
    return Refuse(absl::StrCat("not valid before ", Instant(**nbf)));
  }
  return absl::OkStatus();
}

absl::Status CheckIssuerAndAudience(const Struct& claims,
                                    const TokenRules& rules) {
  if (!rules.issuer.empty()) {
    const Value* iss = Field(claims, "iss");
    if (iss == nullptr || iss->string_value() != rules.issuer) {
      return Refuse(
          absl::StrCat("iss is not the expected issuer ", rules.issuer));
    }
  }
  if (!rules.audience.empty()) {
    const Value* aud = Field(claims, "aud");
    bool found = aud != nullptr && aud->string_value() == rules.audience;
    if (aud != nullptr && aud->has_list_value()) {
      for (const Value& one : aud->list_value().values()) {
        if (one.string_value() == rules.audience) found = true;
      }
    }
    if (!found) {
      return Refuse(absl::StrCat("aud does not include ", rules.audience));
    }
  }
  return absl::OkStatus();
}

// A claim that must be an array of non-empty strings, each at most
// `bytes_max` long, at most `count_max` of them.
absl::StatusOr<std::vector<std::string>> StringsClaim(const Struct& claims,
                                                      const std::string& name,
                                                      size_t count_max,
                                                      size_t bytes_max) {
  const Value* value = Field(claims, name);
  if (value == nullptr)
    return Refuse(absl::StrCat("claim ", name, " is missing"));
  if (!value->has_list_value()) {
    return Refuse(absl::StrCat("claim ", name, " is not an array of strings"));
  }
  const auto& values = value->list_value().values();
  if (static_cast<size_t>(values.size()) > count_max) {
    return Refuse(
        absl::StrCat("claim ", name, " has more than ", count_max, " entries"));
  }
  std::vector<std::string> strings;
  for (const Value& one : values) {
    if (!one.has_string_value() || one.string_value().empty() ||
        one.string_value().size() > bytes_max) {
      return Refuse(absl::StrCat("claim ", name,
                                 " holds an entry that is not a string of 1 "
                                 "to ",
                                 bytes_max, " bytes"));
    }
    strings.push_back(one.string_value());
  }
  return strings;
}

bool Printable(absl::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

absl::StatusOr<Principal> ReadPrincipal(const Struct& claims) {
  Principal principal;
  const Value* sub = Field(claims, "sub");
  if (sub == nullptr) return Refuse("claim sub is missing");
  if (!sub->has_string_value() || sub->string_value().empty() ||
      sub->string_value().size() > kSubjectBytesMax ||
      !Printable(sub->string_value())) {
    return Refuse(absl::StrCat("claim sub is not a printable string of 1 to ",
                               kSubjectBytesMax, " bytes"));
  }
  principal.subject = sub->string_value();
  absl::StatusOr<std::vector<std::string>> roles =
      StringsClaim(claims, "roles", kRolesMax, kSubjectBytesMax);
  if (!roles.ok()) return roles.status();
  principal.roles = *std::move(roles);
  absl::StatusOr<std::vector<std::string>> jobcentres =
      StringsClaim(claims, "jobcentres", kJobcentresMax, kJobcentreIdBytesMax);
  if (!jobcentres.ok()) return jobcentres.status();
  for (std::string& jobcentre : *jobcentres) {
    if (jobcentre == "*") {
      principal.all_jobcentres = true;
    } else {
      principal.jobcentres.push_back(std::move(jobcentre));
    }
  }
  return principal;
}

}  // namespace

absl::StatusOr<Principal> VerifyToken(absl::string_view token,
                                      const KeySet& keys,
                                      const TokenRules& rules, absl::Time now,
                                      bool* signed_by_a_key) {
  if (signed_by_a_key != nullptr) *signed_by_a_key = false;
  if (token.empty()) return Refuse("empty");
  if (token.size() > kTokenBytesMax) {
    return Refuse(absl::StrCat("over the limit of ", kTokenBytesMax, " bytes"));
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return Refuse("not a JWT (header.payload.signature)");
  }
  absl::StatusOr<Struct> header = JsonPart(parts[0], "header");
  if (!header.ok()) return header.status();
  absl::StatusOr<Algorithm> algorithm = HeaderAlgorithm(*header);
  if (!algorithm.ok()) return algorithm.status();
  std::optional<std::string> signature = internal::Base64UrlDecode(parts[2]);
  if (!signature.has_value() || signature->empty()) {
    return Refuse("the signature is missing or not base64url");
  }
  const Value* kid = Field(*header, "kid");
  const absl::string_view signed_part(token.data(),
                                      parts[0].size() + 1 + parts[1].size());
  absl::Status verified =
      keys.Verify(*algorithm, kid == nullptr ? "" : kid->string_value(),
                  signed_part, *signature);
  if (!verified.ok()) return Refuse(verified.message());
  if (signed_by_a_key != nullptr) *signed_by_a_key = true;
  // Only a signed payload is read: nothing an attacker wrote is trusted.
  absl::StatusOr<Struct> claims = JsonPart(parts[1], "payload");
  if (!claims.ok()) return claims.status();
  if (absl::Status window = CheckWindow(*claims, now); !window.ok()) {
    return window;
  }
  if (absl::Status who = CheckIssuerAndAudience(*claims, rules); !who.ok()) {
    return who;
  }
  absl::StatusOr<Principal> principal = ReadPrincipal(*claims);
  if (!principal.ok()) return principal.status();
  principal->expires_at = **DateClaim(*claims, "exp");
  return principal;
}

}  // namespace caseline::auth
