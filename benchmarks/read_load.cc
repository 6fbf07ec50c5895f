// read_load: per-case reads against a running caseline-server, to measure
// what a token check and the access log cost a read. Calls GetCompliance
// for the given cases from several clients at once and prints the calls per
// second and the latency percentiles.
//
// Usage: read_load SERVER CASES_FILE CALLS CLIENTS [TOKEN]
//   CASES_FILE: one case id per line; each client cycles through them.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/latencies.h"
#include "caseline/v1/projections.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: read_load SERVER CASES_FILE CALLS CLIENTS [TOKEN]\n");
    return 2;
  }
  const std::string server = argv[1];
  std::vector<std::string> cases;
  std::ifstream file(argv[2]);
  for (std::string line; std::getline(file, line);) {
    if (!line.empty()) cases.push_back(line);
  }
  const int calls = std::stoi(argv[3]);
  const int clients = std::stoi(argv[4]);
  const std::string token = argc > 5 ? argv[5] : "";
  if (cases.empty() || calls < 1 || clients < 1) {
    std::fprintf(stderr, "read_load: need cases, calls >= 1, clients >= 1\n");
    return 2;
  }
  auto channel =
      grpc::CreateChannel(server, grpc::InsecureChannelCredentials());
  auto stub = caseline::v1::Projections::NewStub(channel);
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  caseline::bench::Latencies latencies(clients);
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = next++; i < calls; i = next++) {
        grpc::ClientContext context;
        if (!token.empty()) {
          context.AddMetadata("authorization", "Bearer " + token);
        }
        caseline::v1::GetComplianceRequest request;
        request.set_case_id(cases[static_cast<size_t>(i) % cases.size()]);
        request.set_as_of("2019-12-31");
        caseline::v1::GetComplianceResponse response;
        const Clock::time_point began = Clock::now();
        if (!stub->GetCompliance(&context, request, &response).ok()) ++failed;
        latencies.Record(c, began);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  const std::vector<double> all = latencies.Sorted();
  std::printf(
      "%d calls, %d clients: %.0f calls/s, p50 %.2f ms, p99 %.2f ms, "
      "%d failed\n",
      calls, clients, calls / seconds, caseline::bench::Percentile(all, 0.50),
      caseline::bench::Percentile(all, 0.99), failed.load());
  return failed.load() == 0 ? 0 : 1;
}
