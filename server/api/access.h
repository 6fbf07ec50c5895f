// Who is calling, and whether they may make this call: the one check every
// handler makes before it reads its request. Authentication (a bearer token
// against --auth-keys), the table of what each role may do, and each
// principal's jobcentres live here; handlers ask, they do not re-decide.
#ifndef CASELINE_SERVER_API_ACCESS_H_
#define CASELINE_SERVER_API_ACCESS_H_

#include <string>
#include <vector>

#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "caseline/v1/projections.pb.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "server/auth/authenticator.h"
#include "server/metrics.h"
#include "server/store/event_store.h"

namespace caseline::api {

// Every call the services answer.
enum class Rpc {
  kAppend,
  kBatchAppend,
  kBulkAppend,
  kReadCase,
  kReadAll,
  kSubscribe,
  kImportHistory,
  kBulkImportHistory,
  kPutRuleSet,
  kRebuild,
  kGetProjectionStatus,
  kWhatIf,
  kGetCompliance,
  kGetSwitches,
  kGetWaitingTimes,
  kGetTimeline,
  kListRuleSets,
  kReport,
  kTrend,
  kWorklist,
  kListCases,
  kReadAccessLog,
  kBackup,
};

// The method's name as the proto gives it ("Append").
const char* RpcName(Rpc rpc);

// The roles a token's roles claim may name; other names are ignored.
enum class Role { kRecorder, kCaseworker, kAnalyst, kAdmin };

// The policy, read top to bottom: true when `role` may make `rpc` at all
// (in its jobcentres, unless the role is admin).
bool RoleMay(Role role, Rpc rpc);

// Metadata a caller may send to say why it looks (recorded with the call).
inline constexpr char kPurposeMetadata[] = "x-caseline-purpose";
// A longer purpose is cut to this: it is a short reason, not a document.
inline constexpr size_t kPurposeBytesMax = 200;
// Metadata the JSON API sends its HTTP client's address in. Believed only
// with kForwardingKeyMetadata equal to Access::forwarding_key(), a secret
// that never leaves the process; from anyone else it is ignored.
inline constexpr char kHttpPeerMetadata[] = "x-caseline-http-peer";
inline constexpr char kForwardingKeyMetadata[] = "x-caseline-forwarding-key";

struct Caller {
  // Recorded as recorded_by on the events the caller appends.
  std::string subject;
  std::vector<std::string> roles;
  // Every jobcentre's cases (admin, a token's ["*"], or an open server).
  bool all_jobcentres = false;
  absl::flat_hash_set<std::string> jobcentres;
  // The client's IP address as gRPC saw it.
  std::string peer;
  std::string purpose;

  bool Covers(absl::string_view jobcentre_id) const {
    return all_jobcentres || jobcentres.contains(jobcentre_id);
  }
};

// What a call used of citizens' data, for its access log entry.
struct Use {
  std::vector<std::string> case_ids;
  std::vector<std::string> citizen_ids;
  // What a population answer, a worklist or a log read asked (JSON).
  std::string criterion;
};

// Thread-safe.
class Access {
 public:
  // Without an authenticator the server is open (development on loopback):
  // every caller is "anonymous" with every role and every jobcentre. Every
  // use and every refusal is recorded in `store`'s access log.
  Access(auth::Authenticator* authenticator, store::EventStore& store,
         Metrics& metrics);

  // The secret by which the JSON API's in-process calls vouch for the HTTP
  // client's address (kForwardingKeyMetadata): 32 random bytes in hex, made
  // anew by each Access. Never logged, never sent over a network.
  const std::string& forwarding_key() const { return forwarding_key_; }

  // The caller of `rpc`, or the status that refuses the call (recorded in
  // the access log): UNAUTHENTICATED (no or bad token), RESOURCE_EXHAUSTED
  // (a peer locked out after failures), PERMISSION_DENIED (no role of the
  // caller's may make the call, or a scoped caller names no jobcentre).
  absl::StatusOr<Caller> Admit(const grpc::ServerContext& context, Rpc rpc);

  // When a call's entry is made durable.
  enum class Logged {
    // Before the answer leaves: reads, whose answers reveal data. Fail
    // closed: an entry that cannot be written withholds the answer
    // (UNAVAILABLE).
    kBeforeAnswer,
    // With the next synced write: appends, whose own synced write has gone
    // before and whose answer reveals nothing but positions. An entry that
    // cannot be written is reported in the server's log; the append stands.
    kAfterWrite,
  };

  // Records the call and how it ended, then gives the status to answer
  // with.
  grpc::Status Answer(const Caller& caller, Rpc rpc, const Use& use,
                      const absl::Status& outcome,
                      Logged logged = Logged::kBeforeAnswer);

  bool open() const { return authenticator_ == nullptr; }

  // Refused calls one peer may add to the access log per minute; beyond,
  // they are only counted (caseline_auth_failures_total and
  // caseline_access_denied_total), so that calls without a token cannot
  // fill the disk.
  static constexpr int kRefusalEntriesPerPeerMinute = 60;
  // Peers whose refusals are counted towards that limit.
  static constexpr size_t kRefusalPeersMax = 10'000;

 private:
  // Whether another refusal from `peer` may be logged now.
  bool MayLogRefusal(const std::string& peer);

  void RecordRefusal(const Caller& caller, Rpc rpc,
                     const absl::Status& refusal);

  // The client's address: gRPC's peer, or the one the JSON API vouches for.
  std::string CallerAddress(const grpc::ServerContext& context) const;

  auth::Authenticator* authenticator_;
  const std::string forwarding_key_;
  store::EventStore& store_;
  Metrics& metrics_;
  std::mutex refusals_mu_;
  struct Refusals {
    absl::Time window_start;
    int logged = 0;
  };
  absl::flat_hash_map<std::string, Refusals> refusals_;  // Guarded.
};

// What a request asked, for the access log: the message as JSON.
std::string Criterion(const google::protobuf::Message& request);

// Hides from a caller limited to some jobcentres how many cases the whole
// server holds (a population answer's basis counts every case read).
template <typename Response>
void HideOthers(const Caller& caller, Response& response) {
  if (!caller.all_jobcentres) response.mutable_basis()->set_cases_examined(0);
}

// A case outside the caller's jobcentres answers exactly as an unknown case
// does: the caller learns nothing of it, not even that it exists.
absl::Status CaseNotFound(absl::string_view case_id);

// OK when the case opened in `jobcentre_id` is the caller's; else
// CaseNotFound.
absl::Status CheckCase(const Caller& caller, absl::string_view case_id,
                       absl::string_view jobcentre_id);

// Limits a population filter to the caller's jobcentres: an empty
// jobcentre list becomes the caller's; one naming another jobcentre is
// PERMISSION_DENIED. `field` names the filter in messages.
absl::Status ScopeFilter(const Caller& caller, absl::string_view field,
                         v1::CaseFilter& filter);

// The same for a worklist's one jobcentre: empty becomes the caller's one
// jobcentre (INVALID_ARGUMENT when the caller has several: name one).
absl::Status ScopeJobcentre(const Caller& caller, absl::string_view field,
                            std::string& jobcentre_id);

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_ACCESS_H_
