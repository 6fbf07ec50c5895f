#include "server/api/access.h"

#include <algorithm>
#include <array>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "server/api/convert.h"
#include "spdlog/spdlog.h"

namespace caseline::api {
namespace {

constexpr std::array<std::pair<Role, const char*>, 4> kRoleNames = {{
    {Role::kRecorder, "recorder"},
    {Role::kCaseworker, "caseworker"},
    {Role::kAnalyst, "analyst"},
    {Role::kAdmin, "admin"},
}};

// "ipv4:10.0.0.7:51234" -> "10.0.0.7"; "ipv6:[::1]:51234" -> "[::1]".
std::string PeerAddress(const std::string& peer) {
  const size_t scheme = peer.find(':');
  if (scheme == std::string::npos) return peer;
  const std::string address = peer.substr(scheme + 1);
  if (peer.compare(0, scheme, "ipv6") == 0) {
    const size_t close = address.find(']');
    return close == std::string::npos ? address : address.substr(0, close + 1);
  }
  if (peer.compare(0, scheme, "ipv4") == 0) {
    const size_t port = address.rfind(':');
    return port == std::string::npos ? address : address.substr(0, port);
  }
  return address;
}

std::string Metadata(const grpc::ServerContext& context,
                     const std::string& key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(key);
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// 32 bytes from OpenSSL's random generator, in hex.
std::string RandomKey() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // Without a key no forwarded address is believed: HTTP callers are
    // then logged under the in-process peer, which is safe.
    spdlog::error("no random bytes for the JSON API's forwarding key");
    return "";
  }
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

bool HasRole(const Caller& caller, Role role) {
  for (const auto& [known, name] : kRoleNames) {
    if (known != role) continue;
    return std::find(caller.roles.begin(), caller.roles.end(), name) !=
           caller.roles.end();
  }
  return false;
}

bool AnyRoleMay(const Caller& caller, Rpc rpc) {
  for (const auto& [role, name] : kRoleNames) {
    if (HasRole(caller, role) && RoleMay(role, rpc)) return true;
  }
  return false;
}

Caller FromPrincipal(auth::Principal principal) {
  Caller caller;
  caller.subject = std::move(principal.subject);
  caller.roles = std::move(principal.roles);
  caller.all_jobcentres = principal.all_jobcentres;
  caller.jobcentres.insert(principal.jobcentres.begin(),
                           principal.jobcentres.end());
  // An admin manages the whole server, whatever jobcentres the token names.
  if (HasRole(caller, Role::kAdmin)) caller.all_jobcentres = true;
  return caller;
}

}  // namespace

const char* RpcName(Rpc rpc) {
  switch (rpc) {
    case Rpc::kAppend:
      return "Append";
    case Rpc::kBatchAppend:
      return "BatchAppend";
    case Rpc::kBulkAppend:
      return "BulkAppend";
    case Rpc::kReadCase:
      return "ReadCase";
    case Rpc::kReadAll:
      return "ReadAll";
    case Rpc::kSubscribe:
      return "Subscribe";
    case Rpc::kImportHistory:
      return "ImportHistory";
    case Rpc::kBulkImportHistory:
      return "BulkImportHistory";
    case Rpc::kPutRuleSet:
      return "PutRuleSet";
    case Rpc::kRebuild:
      return "Rebuild";
    case Rpc::kGetProjectionStatus:
      return "GetProjectionStatus";
    case Rpc::kWhatIf:
      return "WhatIf";
    case Rpc::kGetCompliance:
      return "GetCompliance";
    case Rpc::kGetSwitches:
      return "GetSwitches";
    case Rpc::kGetWaitingTimes:
      return "GetWaitingTimes";
    case Rpc::kGetTimeline:
      return "GetTimeline";
    case Rpc::kListRuleSets:
      return "ListRuleSets";
    case Rpc::kReport:
      return "Report";
    case Rpc::kTrend:
      return "Trend";
    case Rpc::kWorklist:
      return "Worklist";
    case Rpc::kListCases:
      return "ListCases";
    case Rpc::kReadAccessLog:
      return "ReadAccessLog";
    case Rpc::kBackup:
      return "Backup";
  }
  return "?";
}

bool RoleMay(Role role, Rpc rpc) {
  const bool recorder = role == Role::kRecorder;
  const bool caseworker = role == Role::kCaseworker;
  const bool analyst = role == Role::kAnalyst;
  const bool admin = role == Role::kAdmin;
  switch (rpc) {
    // Case systems record; an admin may too (corrections, CSV loads).
    case Rpc::kAppend:
    case Rpc::kBatchAppend:
    case Rpc::kBulkAppend:
      return recorder || admin;
    // One case and what is due: the people who work the cases.
    case Rpc::kReadCase:
    case Rpc::kGetCompliance:
    case Rpc::kGetSwitches:
    case Rpc::kGetWaitingTimes:
    case Rpc::kGetTimeline:
    case Rpc::kWorklist:
      return caseworker || analyst || admin;
    // Populations, and the cases behind their figures: analysts.
    case Rpc::kReport:
    case Rpc::kListCases:
    case Rpc::kTrend:
    case Rpc::kWhatIf:
      return analyst || admin;
    // The rules judged by hold no personal data: anyone signed in.
    case Rpc::kListRuleSets:
      return recorder || caseworker || analyst || admin;
    // The whole log, history loads and the server's own state: admin only.
    // (ReadAll and Subscribe are not scoped: they are the export.)
    case Rpc::kReadAll:
    case Rpc::kSubscribe:
    case Rpc::kImportHistory:
    case Rpc::kBulkImportHistory:
    case Rpc::kPutRuleSet:
    case Rpc::kRebuild:
    case Rpc::kGetProjectionStatus:
    case Rpc::kReadAccessLog:
    case Rpc::kBackup:
      return admin;
  }
  return false;
}

Access::Access(auth::Authenticator* authenticator, store::EventStore& store,
               Metrics& metrics)
    : authenticator_(authenticator),
      forwarding_key_(RandomKey()),
      store_(store),
      metrics_(metrics) {}

std::string Access::CallerAddress(const grpc::ServerContext& context) const {
  const std::string key = Metadata(context, kForwardingKeyMetadata);
  const std::string forwarded = Metadata(context, kHttpPeerMetadata);
  if (!forwarding_key_.empty() && !forwarded.empty() &&
      key.size() == forwarding_key_.size() &&
      CRYPTO_memcmp(key.data(), forwarding_key_.data(), key.size()) == 0) {
    return forwarded;
  }
  return PeerAddress(context.peer());
}

absl::StatusOr<Caller> Access::Admit(const grpc::ServerContext& context,
                                     Rpc rpc) {
  const std::string peer = CallerAddress(context);
  // Printable ASCII only, so that whatever a client sends, the access log
  // stays readable text.
  std::string purpose = Metadata(context, kPurposeMetadata);
  if (purpose.size() > kPurposeBytesMax) purpose.resize(kPurposeBytesMax);
  for (char& c : purpose) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  if (authenticator_ == nullptr) {
    Caller open;
    open.subject = "anonymous";
    for (const auto& [role, name] : kRoleNames) open.roles.push_back(name);
    open.all_jobcentres = true;
    open.peer = peer;
    open.purpose = std::move(purpose);
    return open;
  }
  absl::StatusOr<auth::Principal> principal =
      authenticator_->Authenticate(Metadata(context, "authorization"), peer);
  if (!principal.ok()) {
    metrics_.RecordAuthFailure();
    spdlog::warn("authentication failed: {} from {}: {}", RpcName(rpc), peer,
                 std::string(principal.status().message()));
    // Who could not be told; nor is a stranger's purpose kept.
    Caller unknown;
    unknown.peer = peer;
    RecordRefusal(unknown, rpc, principal.status());
    return principal.status();
  }
  Caller caller = FromPrincipal(*std::move(principal));
  caller.peer = peer;
  caller.purpose = std::move(purpose);
  absl::Status refusal;
  if (!AnyRoleMay(caller, rpc)) {
    refusal = absl::PermissionDeniedError(
        absl::StrCat(RpcName(rpc), " is not for roles [",
                     absl::StrJoin(caller.roles, ", "), "]"));
  } else if (!caller.all_jobcentres && caller.jobcentres.empty()) {
    refusal = absl::PermissionDeniedError(
        "the token's jobcentres claim names no jobcentre");
  }
  if (!refusal.ok()) {
    metrics_.RecordAccessDenied();
    spdlog::warn("denied: {} by {} from {}: {}", RpcName(rpc), caller.subject,
                 peer, std::string(refusal.message()));
    RecordRefusal(caller, rpc, refusal);
    return refusal;
  }
  return caller;
}

namespace {

// An entry's who, where, what and how it ended.
v1::AccessEntry EntryOf(const Caller& caller, Rpc rpc,
                        const absl::Status& outcome) {
  v1::AccessEntry entry;
  entry.set_subject(caller.subject);
  for (const std::string& role : caller.roles) entry.add_roles(role);
  entry.set_peer(caller.peer);
  entry.set_rpc(RpcName(rpc));
  entry.set_purpose(caller.purpose);
  entry.set_outcome(absl::StatusCodeToString(outcome.code()));
  return entry;
}

}  // namespace

bool Access::MayLogRefusal(const std::string& peer) {
  const absl::Time now = absl::Now();
  std::lock_guard<std::mutex> lock(refusals_mu_);
  if (refusals_.size() >= kRefusalPeersMax && !refusals_.contains(peer)) {
    absl::erase_if(refusals_, [now](const auto& entry) {
      return now - entry.second.window_start > absl::Minutes(1);
    });
    if (refusals_.size() >= kRefusalPeersMax) return false;
  }
  Refusals& refusals = refusals_[peer];
  if (now - refusals.window_start > absl::Minutes(1)) {
    refusals.window_start = now;
    refusals.logged = 0;
  }
  return ++refusals.logged <= kRefusalEntriesPerPeerMinute;
}

void Access::RecordRefusal(const Caller& caller, Rpc rpc,
                           const absl::Status& refusal) {
  if (!MayLogRefusal(caller.peer)) return;
  v1::AccessEntry entry = EntryOf(caller, rpc, refusal);
  // Not synced: a refusal reveals nothing, and a flood of bad calls must
  // not cost a disk sync each. The next synced write makes it durable.
  if (absl::Status recorded = store_.RecordAccess(std::move(entry), false);
      !recorded.ok()) {
    spdlog::error("cannot record a refused call in the access log: {}",
                  std::string(recorded.message()));
  }
}

grpc::Status Access::Answer(const Caller& caller, Rpc rpc, const Use& use,
                            const absl::Status& outcome, Logged logged) {
  v1::AccessEntry entry = EntryOf(caller, rpc, outcome);
  // Each case and citizen once (a worklist names a case per requirement).
  auto unique = [](std::vector<std::string> ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  };
  for (const std::string& id : unique(use.case_ids)) {
    if (!id.empty()) entry.add_case_ids(id);
  }
  for (const std::string& id : unique(use.citizen_ids)) {
    if (!id.empty()) entry.add_citizen_ids(id);
  }
  entry.set_criterion(use.criterion);
  const bool before_answer = logged == Logged::kBeforeAnswer;
  if (absl::Status recorded =
          store_.RecordAccess(std::move(entry), /*sync=*/before_answer);
      !recorded.ok()) {
    if (!before_answer) {
      spdlog::error("cannot write the access log entry of a {}: {}",
                    RpcName(rpc), std::string(recorded.message()));
      return ToGrpcStatus(outcome);
    }
    spdlog::error("cannot write the access log; withholding a {} answer: {}",
                  RpcName(rpc), std::string(recorded.message()));
    return ToGrpcStatus(absl::UnavailableError(
        "the access log cannot be written, so the answer is withheld; retry "
        "later"));
  }
  return ToGrpcStatus(outcome);
}

std::string Criterion(const google::protobuf::Message& request) {
  std::string json;
  // A message always converts; an empty criterion would only lose detail.
  (void)google::protobuf::util::MessageToJsonString(request, &json);
  return json;
}

absl::Status CaseNotFound(absl::string_view case_id) {
  return absl::NotFoundError(absl::StrCat("case ", case_id, " not found"));
}

absl::Status CheckCase(const Caller& caller, absl::string_view case_id,
                       absl::string_view jobcentre_id) {
  if (caller.Covers(jobcentre_id)) return absl::OkStatus();
  return CaseNotFound(case_id);
}

absl::Status ScopeFilter(const Caller& caller, absl::string_view field,
                         v1::CaseFilter& filter) {
  if (caller.all_jobcentres) return absl::OkStatus();
  for (int i = 0; i < filter.jobcentre_ids_size(); ++i) {
    if (!caller.Covers(filter.jobcentre_ids(i))) {
      return absl::PermissionDeniedError(absl::StrCat(
          field, ".jobcentre_ids[", i, "]: ", filter.jobcentre_ids(i),
          " is not one of your jobcentres"));
    }
  }
  if (filter.jobcentre_ids().empty()) {
    std::vector<std::string> mine(caller.jobcentres.begin(),
                                  caller.jobcentres.end());
    std::sort(mine.begin(), mine.end());
    for (std::string& jobcentre : mine) {
      filter.add_jobcentre_ids(std::move(jobcentre));
    }
  }
  return absl::OkStatus();
}

absl::Status ScopeJobcentre(const Caller& caller, absl::string_view field,
                            std::string& jobcentre_id) {
  if (caller.all_jobcentres) return absl::OkStatus();
  if (jobcentre_id.empty()) {
    if (caller.jobcentres.size() != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": required: the token covers ",
                       caller.jobcentres.size(), " jobcentres; name one"));
    }
    jobcentre_id = *caller.jobcentres.begin();
    return absl::OkStatus();
  }
  if (!caller.Covers(jobcentre_id)) {
    return absl::PermissionDeniedError(absl::StrCat(
        field, ": ", jobcentre_id, " is not one of your jobcentres"));
  }
  return absl::OkStatus();
}

}  // namespace caseline::api
