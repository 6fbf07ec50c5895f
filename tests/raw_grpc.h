// Calls to gRPC services caseline does not define (health, reflection) with
// hand-encoded protobuf bytes, through grpc::GenericStub.
#ifndef CASELINE_TESTS_RAW_GRPC_H_
#define CASELINE_TESTS_RAW_GRPC_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace caseline::testing {

inline grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

inline std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  (void)buffer.Dump(&slices);
  std::string out;
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

// Waits for the next completion on `cq`; false if it failed.
inline bool Await(grpc::CompletionQueue& cq) {
  void* tag = nullptr;
  bool ok = false;
  return cq.Next(&tag, &ok) && ok;
}

// One unary call; returns the response bytes and sets `status`.
inline std::string RawUnary(const std::shared_ptr<grpc::Channel>& channel,
                            const std::string& method,
                            const std::string& request, grpc::Status* status) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  grpc::ByteBuffer response;
  {
    auto call = stub.PrepareUnaryCall(&context, method, ToBuffer(request), &cq);
    call->StartCall();
    call->Finish(&response, status, nullptr);
    Await(cq);
  }
  cq.Shutdown();
  while (Await(cq)) {
  }
  return FromBuffer(response);
}

// One request and its first response on a bidirectional stream.
inline std::string RawBidiFirst(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& method,
                                const std::string& request,
                                grpc::Status* status) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  grpc::ByteBuffer response;
  {
    auto call = stub.PrepareCall(&context, method, &cq);
    call->StartCall(nullptr);
    Await(cq);
    call->Write(ToBuffer(request), nullptr);
    Await(cq);
    call->Read(&response, nullptr);
    Await(cq);
    call->WritesDone(nullptr);
    Await(cq);
    call->Finish(status, nullptr);
    Await(cq);
  }
  cq.Shutdown();
  while (Await(cq)) {
  }
  return FromBuffer(response);
}

}  // namespace caseline::testing

#endif  // CASELINE_TESTS_RAW_GRPC_H_
