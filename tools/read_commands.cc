// The commands that read: `read` (one case), `tail` (live), `export` (all).
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <thread>

#include "tools/client.h"
#include "tools/format.h"

namespace caseline::cli {
namespace {

void PrintEvent(const v1::Event& event, bool json, bool with_case) {
  std::cout << (json ? EventToJson(event) : TableRow(event, with_case)) << "\n";
}

// Reports a server that answers a page without moving forward, which would
// otherwise make a paging loop spin forever.
int NoProgress(std::string_view what, uint64_t from, uint64_t next) {
  std::cerr << "error: the server's " << what << " did not advance (asked from "
            << from << ", told to continue at " << next << ")\n";
  return kExitFailure;
}

// Turns SIGINT and SIGTERM into cancelling a call. Construct it before any
// other thread starts (gRPC's included): threads inherit the blocked signals,
// so only the watching thread's sigtimedwait receives them.
class InterruptWatcher {
 public:
  InterruptWatcher() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  }
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;
  ~InterruptWatcher() { Stop(); }

  // Cancels `context` on the first signal. Call at most once.
  void Start(grpc::ClientContext* context) {
    assert(!thread_.joinable());
    thread_ = std::thread([this, context] { Watch(context); });
  }

  // Ends the watching; true if a signal came.
  bool Stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    return interrupted_;
  }

 private:
  void Watch(grpc::ClientContext* context) {
    // How often the thread looks at stopping_: bounds how long Stop waits.
    constexpr timespec kPollInterval = {.tv_sec = 0, .tv_nsec = 100'000'000};
    while (!stopping_) {
      if (sigtimedwait(&signals_, nullptr, &kPollInterval) > 0) {
        interrupted_ = true;
        context->TryCancel();
        return;
      }
    }
  }

  sigset_t signals_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> interrupted_{false};
  std::thread thread_;
};

// The log's last position now; 0 for an empty log.
grpc::Status LastPosition(const ClientOptions& options,
                          v1::EventStore::Stub& stub, uint64_t* last) {
  v1::ReadAllRequest request;
  request.set_max_count(1);
  v1::ReadAllResponse response;
  grpc::ClientContext context;
  SetUnaryDeadline(options, &context);
  grpc::Status status = stub.ReadAll(&context, request, &response);
  *last = response.last_position();
  return status;
}

}  // namespace

int RunRead(const ClientOptions& options, const ReadOptions& read) {
  std::unique_ptr<v1::EventStore::Stub> stub = MakeStub(options);
  uint64_t from_version = read.from_version;
  uint64_t printed = 0;
  bool header_printed = options.json;
  while (read.limit == 0 || printed < read.limit) {
    v1::ReadCaseRequest request;
    request.set_case_id(read.case_id);
    request.set_from_version(from_version);
    uint64_t page_events = kPageEventsMax;
    if (read.limit != 0)
      page_events = std::min(page_events, read.limit - printed);
    request.set_max_count(static_cast<uint32_t>(page_events));

    v1::ReadCaseResponse response;
    grpc::ClientContext context;
    SetUnaryDeadline(options, &context);
    grpc::Status status = stub->ReadCase(&context, request, &response);
    if (!status.ok()) {
      PrintError(status);
      return kExitRejected;
    }
    if (!header_printed) {
      std::cout << TableHeader(/*with_case=*/false) << "\n";
      header_printed = true;
    }
    for (const v1::Event& event : response.events()) {
      if (read.limit != 0 && printed == read.limit) break;
      PrintEvent(event, options.json, /*with_case=*/false);
      ++printed;
    }
    if (response.next_version() == 0) break;
    if (response.next_version() <= from_version) {
      return NoProgress("ReadCase", from_version, response.next_version());
    }
    from_version = response.next_version();
  }
  std::cout.flush();
  return kExitOk;
}

int RunTail(const ClientOptions& options, const TailOptions& tail) {
  InterruptWatcher interrupts;  // First: before gRPC starts its threads.
  std::unique_ptr<v1::EventStore::Stub> stub = MakeStub(options);

  uint64_t from_position = tail.from_position;
  if (from_position == 0) {
    uint64_t last_position = 0;
    grpc::Status status = LastPosition(options, *stub, &last_position);
    if (!status.ok()) {
      PrintError(status);
      return kExitRejected;
    }
    from_position = last_position + 1;
  }

  v1::SubscribeRequest request;
  request.set_from_position(from_position);
  for (const std::string& kind : tail.kinds) request.add_kinds(kind);
  grpc::ClientContext context;
  interrupts.Start(&context);
  std::unique_ptr<grpc::ClientReader<v1::Event>> reader =
      stub->Subscribe(&context, request);
  bool header_printed = options.json;
  v1::Event event;
  while (reader->Read(&event)) {
    if (!header_printed) {
      std::cout << TableHeader(/*with_case=*/true) << "\n";
      header_printed = true;
    }
    PrintEvent(event, options.json, /*with_case=*/true);
    std::cout.flush();  // Whoever reads the pipe sees each event at once.
  }
  grpc::Status status = reader->Finish();
  if (interrupts.Stop()) return kExitOk;
  if (!status.ok()) {
    PrintError(status);
    return kExitRejected;
  }
  return kExitOk;
}

int RunExport(const ClientOptions& options,
              const ExportOptions& export_options) {
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!export_options.out.empty()) {
    file.open(export_options.out, std::ios::out | std::ios::trunc);
    if (!file) {
      std::cerr << "error: cannot open " << export_options.out << ": "
                << std::strerror(errno) << "\n";
      return kExitFailure;
    }
    out = &file;
  }

  std::unique_ptr<v1::EventStore::Stub> stub = MakeStub(options);
  uint64_t from_position = 1;
  uint64_t exported = 0;
  while (true) {
    v1::ReadAllRequest request;
    request.set_from_position(from_position);
    request.set_max_count(kPageEventsMax);
    for (const std::string& kind : export_options.kinds)
      request.add_kinds(kind);
    v1::ReadAllResponse response;
    grpc::ClientContext context;
    SetUnaryDeadline(options, &context);
    grpc::Status status = stub->ReadAll(&context, request, &response);
    if (!status.ok()) {
      PrintError(status);
      std::cerr << "exported " << exported << " events before the error\n";
      return kExitRejected;
    }
    for (const v1::Event& event : response.events()) {
      *out << EventToJson(event) << "\n";
    }
    exported += response.events_size();
    if (response.next_position() > response.last_position()) break;
    if (response.next_position() <= from_position) {
      return NoProgress("ReadAll", from_position, response.next_position());
    }
    from_position = response.next_position();
  }
  out->flush();
  if (!*out) {
    std::cerr << "error: writing "
              << (export_options.out.empty() ? "stdout" : export_options.out)
              << " failed\n";
    return kExitFailure;
  }
  std::cerr << "exported " << exported << " events\n";
  return kExitOk;
}

}  // namespace caseline::cli
