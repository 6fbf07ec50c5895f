// live_append_load: what a live append costs while a server holds a
// population: CLIENTS case systems each append one event at a time (unary
// Append), paced so that together they make RATE appends a second, for
// SECONDS; prints the appends per second reached and the latency
// percentiles, each append's from the moment it was due (so that a server
// falling behind shows in them, not in fewer appends). Each client works
// its own new cases: a case_opened, then interviews a week apart.
//
// Usage: live_append_load SERVER CLIENTS RATE SECONDS
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/latencies.h"
#include "caseline/v1/caseline.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace {

using Clock = std::chrono::steady_clock;

// Events per case: an opening and this many interviews, 2020-01-06 on.
constexpr int kInterviewsPerCase = 9;
// An append not answered by then counts as failed: the benchmark ends.
constexpr auto kAppendDeadline = std::chrono::seconds(10);

// The n-th event of client `client`'s stream of cases.
caseline::v1::AppendRequest NthAppend(int client, int n) {
  const int case_number = n / (kInterviewsPerCase + 1);
  const int version = n % (kInterviewsPerCase + 1);
  const std::string case_id =
      "live-" + std::to_string(client) + "-" + std::to_string(case_number);
  caseline::v1::AppendRequest request;
  request.set_case_id(case_id);
  caseline::v1::Event* event = request.add_events();
  event->set_event_id(case_id + "-e" + std::to_string(version));
  event->set_case_id(case_id);
  char day[32];
  // 2020-01-06 is a Monday; a week apart stays within January-March.
  const int day_of_year = 6 + 7 * version;
  const int month = day_of_year <= 31 ? 1 : (day_of_year <= 60 ? 2 : 3);
  const int day_of_month = day_of_year - (month == 1   ? 0
                                          : month == 2 ? 31
                                                       : 60);
  std::snprintf(day, sizeof day, "2020-%02d-%02d", month, day_of_month);
  event->set_occurred_on(day);
  if (version == 0) {
    caseline::v1::CaseOpened* opened = event->mutable_case_opened();
    opened->set_citizen_id("p-" + case_id);
    opened->set_jobcentre_id("jc-live");
    opened->set_target_group(caseline::v1::TARGET_GROUP_A_DAGPENGE);
    opened->set_birth_on("1984-11-19");
    opened->set_anchor_on(day);
    opened->set_caseworker_id("cw-live");
    opened->set_team_id("team-live");
  } else {
    caseline::v1::InterviewHeld* held = event->mutable_interview_held();
    held->set_kind(caseline::v1::INTERVIEW_KIND_INDIVIDUAL);
    held->set_channel(caseline::v1::INTERVIEW_CHANNEL_IN_PERSON);
  }
  return request;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr,
                 "usage: live_append_load SERVER CLIENTS RATE SECONDS\n");
    return 2;
  }
  const std::string server = argv[1];
  const int clients = std::stoi(argv[2]);
  const double rate = std::stod(argv[3]);
  const double seconds = std::stod(argv[4]);
  if (clients < 1 || rate <= 0 || seconds <= 0) {
    std::fprintf(stderr, "live_append_load: need positive arguments\n");
    return 2;
  }
  auto channel =
      grpc::CreateChannel(server, grpc::InsecureChannelCredentials());
  auto stub = caseline::v1::EventStore::NewStub(channel);
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(clients / rate));
  const Clock::time_point start = Clock::now();
  const Clock::time_point end =
      start + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(seconds));
  std::atomic<int> failed{0};
  caseline::bench::Latencies latencies(clients);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      // Spread the clients' first appends over one interval.
      Clock::time_point next = start + interval * c / clients;
      for (int n = 0;; ++n) {
        std::this_thread::sleep_until(next);
        if (Clock::now() >= end) return;
        const Clock::time_point due = next;
        next += interval;
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() +
                             kAppendDeadline);
        caseline::v1::AppendResponse response;
        if (!stub->Append(&context, NthAppend(c, n), &response).ok()) {
          ++failed;
        }
        latencies.Record(c, due);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double took =
      std::chrono::duration<double>(Clock::now() - start).count();
  const std::vector<double> all = latencies.Sorted();
  std::printf(
      "%zu appends, %d clients: %.0f appends/s, p50 %.2f ms, p99 %.2f ms, "
      "%d failed\n",
      all.size(), clients, static_cast<double>(all.size()) / took,
      caseline::bench::Percentile(all, 0.50),
      caseline::bench::Percentile(all, 0.99), failed.load());
  return failed.load() == 0 ? 0 : 1;
}
