#include "server/api/access.h"

namespace caseline::api {

absl::StatusOr<Caller> Admit(const grpc::ServerContext* /*context*/,
                             Rpc /*rpc*/) {
  // Until authentication exists, who recorded an event is not known.
  return Caller{"anonymous"};
}

}  // namespace caseline::api
