// Helpers for the end-to-end tests of the `caseline` client: run the real
// binary (CASELINE_CLIENT_PATH) as a child process, with its output in files
// or on a pipe, and read what it printed and how it exited.
#ifndef CASELINE_TESTS_CLI_TESTING_H_
#define CASELINE_TESTS_CLI_TESTING_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace caseline::testing {

// Time for one client run: a client start under the sanitizers takes about a
// second, an import of a generated population some more; a hung client fails
// the test rather than the whole ctest run.
inline constexpr auto kClientRunMax = std::chrono::seconds(120);

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::out | std::ios::trunc);
  out << text;
}

// The lines of `text`, without the "\n" that ends the last one.
inline std::vector<std::string> Lines(const std::string& text) {
  if (text.empty()) return {};
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (lines.back().empty()) lines.pop_back();
  return lines;
}

// The lines `append` sends: neither blank nor a # comment.
// The exit code, or 128 + the signal that ended the process.
inline int ExitCode(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  return 128 + WTERMSIG(wait_status);
}

// Starts the client with `args`, its stdin, stdout and stderr on the given
// descriptors. Everything the child needs is built before fork: the test
// process has gRPC threads, so the child may only make async-signal-safe
// calls.
inline pid_t SpawnClient(const std::vector<std::string>& args, int stdin_fd,
                         int stdout_fd, int stderr_fd) {
  std::vector<std::string> argv_strings = {CASELINE_CLIENT_PATH};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(stdin_fd, STDIN_FILENO);
    dup2(stdout_fd, STDOUT_FILENO);
    dup2(stderr_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// Waits up to kClientRunMax for `pid`, then kills it. Returns its exit code,
// or -1 if it had to be killed.
inline int WaitForExit(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + kClientRunMax;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ExitCode(status);
}

struct ClientRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// A `tail` running in the background, its stdout on a pipe that the test
// reads line by line.
class TailProcess {
 public:
  TailProcess(const std::vector<std::string>& args,
              const std::string& stderr_path) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    const int null_fd = open("/dev/null", O_RDONLY);
    const int err_fd =
        open(stderr_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    pid_ = SpawnClient(args, null_fd, out[1], err_fd);
    close(null_fd);
    close(err_fd);
    close(out[1]);
    stdout_fd_ = out[0];
    if (pid_ < 0) throw std::runtime_error("fork failed");
  }
  ~TailProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(stdout_fd_);
  }
  TailProcess(const TailProcess&) = delete;
  TailProcess& operator=(const TailProcess&) = delete;

  // The next line of stdout; false at its end or at `deadline`.
  bool ReadLine(std::chrono::steady_clock::time_point deadline,
                std::string* line) {
    while (true) {
      const size_t newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        *line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return true;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd fd{stdout_fd_, POLLIN, 0};
      if (poll(&fd, 1, static_cast<int>(left.count())) <= 0) return false;
      char chunk[4096];
      const ssize_t got = read(stdout_fd_, chunk, sizeof(chunk));
      if (got <= 0) return false;
      buffer_.append(chunk, static_cast<size_t>(got));
    }
  }

  // Sends `signal` and waits (up to kClientRunMax) for the exit code.
  int Stop(int signal) {
    kill(pid_, signal);
    const int code = WaitForExit(pid_);
    pid_ = -1;
    return code;
  }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
};

// Runs the client with `args` as given, stdin from `stdin_path`, stdout and
// stderr into the two files, and collects its output.
inline ClientRun RunClient(const std::vector<std::string>& args,
                           const std::string& stdin_path,
                           const std::string& out_path,
                           const std::string& err_path) {
  const int in_fd = open(stdin_path.c_str(), O_RDONLY);
  const int out_fd = open(out_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  const int err_fd = open(err_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  EXPECT_TRUE(in_fd >= 0 && out_fd >= 0 && err_fd >= 0);
  const pid_t pid = SpawnClient(args, in_fd, out_fd, err_fd);
  close(in_fd);
  close(out_fd);
  close(err_fd);
  ClientRun run;
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return run;
  }
  run.exit_code = WaitForExit(pid);
  EXPECT_NE(run.exit_code, -1) << "the client did not finish in time";
  run.out = ReadFile(out_path);
  run.err = ReadFile(err_path);
  return run;
}

}  // namespace caseline::testing

#endif  // CASELINE_TESTS_CLI_TESTING_H_
