// Starts the real caseline-server binary on free localhost ports, reads the
// bound ports from its "listening" line, and stops or kills it.
#ifndef CASELINE_TESTS_SERVER_PROCESS_H_
#define CASELINE_TESTS_SERVER_PROCESS_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "caseline/v1/caseline.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace caseline::testing {

class ServerProcess {
 public:
  // Starts the server on `data_dir`, with gRPC on `listen` (port 0: a free
  // one), HTTP on a free port, the rule set files of `rules_dir`, and
  // `extra_args` (e.g. --auth-keys FILE). Throws if it does not come up in
  // 60 s.
  explicit ServerProcess(const std::string& data_dir,
                         const std::string& listen = "127.0.0.1:0",
                         const std::string& rules_dir = CASELINE_RULES_DIR,
                         const std::vector<std::string>& extra_args = {}) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> args = {CASELINE_SERVER_PATH,
                                     "--data",
                                     data_dir,
                                     "--listen",
                                     listen,
                                     "--http",
                                     "127.0.0.1:0",
                                     "--log-level",
                                     "warn",
                                     "--rules",
                                     rules_dir};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    // The server dies with the test: a test that crashes must not leave a
    // server behind holding the test runner's output open. Between fork and
    // exec only async-signal-safe calls are made.
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      dup2(out[1], STDOUT_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    stdout_fd_ = out[0];
    const std::string line = ReadLine(60'000);
    const std::string grpc_key = "grpc=", http_key = " http=";
    const size_t grpc_at = line.find(grpc_key);
    const size_t http_at = line.find(http_key);
    if (grpc_at == std::string::npos || http_at == std::string::npos) {
      Kill();
      throw std::runtime_error("caseline-server did not start: '" + line + "'");
    }
    grpc_address_ = line.substr(grpc_at + grpc_key.size(),
                                http_at - grpc_at - grpc_key.size());
    const std::string http = line.substr(http_at + http_key.size());
    http_port_ = std::stoi(http.substr(http.rfind(':') + 1));
    listening_line_ = line;
  }

  ~ServerProcess() {
    if (pid_ > 0) Stop(SIGTERM);
    if (stdout_fd_ >= 0) close(stdout_fd_);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::string& grpc_address() const { return grpc_address_; }
  int grpc_port() const {
    return std::stoi(grpc_address_.substr(grpc_address_.rfind(':') + 1));
  }
  int http_port() const { return http_port_; }
  // The whole line the server printed when it began to listen.
  const std::string& listening_line() const { return listening_line_; }
  pid_t pid() const { return pid_; }

  // Sends `signal` and waits for the exit; returns the exit code, or 128 +
  // the signal that ended it.
  int Stop(int signal) {
    if (pid_ <= 0) return -1;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
  }
  void Kill() { Stop(SIGKILL); }

  std::shared_ptr<grpc::Channel> Channel() const {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
    return grpc::CreateCustomChannel(grpc_address_,
                                     grpc::InsecureChannelCredentials(), args);
  }
  std::unique_ptr<v1::EventStore::Stub> NewStub() const {
    return v1::EventStore::NewStub(Channel());
  }

 private:
  std::string ReadLine(int timeout_ms) {
    std::string line;
    char c;
    while (true) {
      pollfd fd{stdout_fd_, POLLIN, 0};
      if (poll(&fd, 1, timeout_ms) <= 0) break;
      if (read(stdout_fd_, &c, 1) != 1 || c == '\n') break;
      line.push_back(c);
    }
    return line;
  }

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string grpc_address_;
  int http_port_ = 0;
  std::string listening_line_;
};

}  // namespace caseline::testing

#endif  // CASELINE_TESTS_SERVER_PROCESS_H_
