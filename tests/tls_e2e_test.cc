// Goal: the transport and the start-up are secure by default. TLS with
// certificates made here by openssl: a plaintext client is refused, a
// client without a certificate is refused when --tls-client-ca asks for
// one. Off loopback the server will not start without TLS and tokens
// unless --insecure, which it then says. And the client's --tls-ca,
// --token and CASELINE_TOKEN, with keys from `caseline dev-keys`, work.
// Method: the real binaries, openssl's command line, gRPC.
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "caseline/v1/caseline.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/cli_testing.h"
#include "tests/http_get.h"
#include "tests/server_process.h"
#include "tests/temp_dir.h"

namespace caseline {
namespace {

using namespace ::caseline::testing;  // NOLINT: helpers.

// A CA, a server certificate for 127.0.0.1 and localhost, and a client
// certificate, all signed by the CA, in `dir`.
void MakeCertificates(const std::string& dir) {
  const std::string ec =
      "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  WriteFile(dir + "/server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  const std::string script = absl::StrCat(
      "set -e; cd ", dir, "; ", "openssl req -x509 ", ec,
      " -keyout ca.key -out ca.pem -days 2 -subj /CN=caseline-test-ca; ",
      "openssl req ", ec,
      " -keyout server.key -out server.csr -subj /CN=localhost; ",
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
      "-CAcreateserial -out server.pem -days 2 -extfile server.ext; ",
      "openssl req ", ec,
      " -keyout client.key -out client.csr -subj /CN=case-system; ",
      "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key "
      "-CAcreateserial -out client.pem -days 2; ",
      "openssl req -x509 ", ec,
      " -keyout other.key -out other.pem -days 2 -subj /CN=stranger",
      " 2>/dev/null");
  ASSERT_EQ(std::system(script.c_str()), 0) << "openssl failed";
}

std::shared_ptr<grpc::Channel> TlsChannel(const ServerProcess& server,
                                          const std::string& dir,
                                          const std::string& client) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFile(dir + "/ca.pem");
  if (!client.empty()) {
    tls.pem_cert_chain = ReadFile(dir + "/" + client + ".pem");
    tls.pem_private_key = ReadFile(dir + "/" + client + ".key");
  }
  return grpc::CreateChannel(server.grpc_address(), grpc::SslCredentials(tls));
}

grpc::StatusCode ReadAllCode(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::EventStore::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::ReadAllResponse response;
  return stub->ReadAll(&context, {}, &response).error_code();
}

// GET /healthz over TLS with openssl's client, trusting the test CA, with
// the client certificate `client` if not empty. What the server sent.
std::string HttpsHealthz(int port, const std::string& dir,
                         const std::string& client) {
  std::string command = absl::StrCat(
      "printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\n"
      "Connection: close\\r\\n\\r\\n' | timeout 20 openssl s_client "
      "-connect 127.0.0.1:",
      port, " -CAfile ", dir, "/ca.pem -verify_return_error -quiet");
  if (!client.empty()) {
    absl::StrAppend(&command, " -cert ", dir, "/", client, ".pem -key ", dir,
                    "/", client, ".key");
  }
  absl::StrAppend(&command, " 2>/dev/null");
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char chunk[4096];
  size_t got = 0;
  while ((got = fread(chunk, 1, sizeof(chunk), pipe)) > 0) {
    output.append(chunk, got);
  }
  pclose(pipe);
  return output;
}

TEST(TlsTest, TlsIsServedAndPlaintextIsRefused) {
  TempDir dir;
  MakeCertificates(dir.path());
  ServerProcess server(dir.path() + "/data", "127.0.0.1:0", CASELINE_RULES_DIR,
                       {"--tls-cert", dir.path() + "/server.pem", "--tls-key",
                        dir.path() + "/server.key"});
  EXPECT_TRUE(absl::StrContains(server.listening_line(), " tls=on"));
  EXPECT_EQ(ReadAllCode(TlsChannel(server, dir.path(), "")),
            grpc::StatusCode::OK);
  EXPECT_EQ(ReadAllCode(server.Channel()), grpc::StatusCode::UNAVAILABLE);

  // The HTTP port too.
  const std::string https = HttpsHealthz(server.http_port(), dir.path(), "");
  EXPECT_TRUE(absl::StrContains(https, "HTTP/1.1 200 OK")) << https;
  EXPECT_TRUE(absl::StrContains(https, "\r\n\r\nok\n")) << https;
  EXPECT_FALSE(
      absl::StrContains(HttpGet(server.http_port(), "/healthz"), "200 OK"));
}

TEST(TlsTest, WithAClientCaAClientWithoutAGoodCertificateIsRefused) {
  TempDir dir;
  MakeCertificates(dir.path());
  ServerProcess server(
      dir.path() + "/data", "127.0.0.1:0", CASELINE_RULES_DIR,
      {"--tls-cert", dir.path() + "/server.pem", "--tls-key",
       dir.path() + "/server.key", "--tls-client-ca", dir.path() + "/ca.pem"});
  EXPECT_TRUE(
      absl::StrContains(server.listening_line(), " tls=on+client-certs"));
  EXPECT_EQ(ReadAllCode(TlsChannel(server, dir.path(), "client")),
            grpc::StatusCode::OK);
  EXPECT_EQ(ReadAllCode(TlsChannel(server, dir.path(), "")),
            grpc::StatusCode::UNAVAILABLE);
  // A certificate the CA did not sign.
  EXPECT_EQ(ReadAllCode(TlsChannel(server, dir.path(), "other")),
            grpc::StatusCode::UNAVAILABLE);
  // The HTTP port too.
  EXPECT_TRUE(absl::StrContains(
      HttpsHealthz(server.http_port(), dir.path(), "client"), "200 OK"));
  EXPECT_FALSE(absl::StrContains(
      HttpsHealthz(server.http_port(), dir.path(), ""), "200 OK"));
  EXPECT_FALSE(absl::StrContains(
      HttpsHealthz(server.http_port(), dir.path(), "other"), "200 OK"));
}

// Runs caseline-server with `args`; it must exit (not start). Returns its
// exit code and stderr.
std::pair<int, std::string> RunServerToExit(const std::string& dir,
                                            std::vector<std::string> args) {
  args.insert(args.begin(), {CASELINE_SERVER_PATH, "--data", dir + "/data",
                             "--rules", CASELINE_RULES_DIR});
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string err_path = dir + "/server.err";
  const int err_fd =
      open(err_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(err_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(err_fd);
  return {WaitForExit(pid), ReadFile(err_path)};
}

TEST(StartupTest, OffLoopbackTheServerRefusesToStartWithoutTlsAndTokens) {
  TempDir dir;
  auto [code, err] = RunServerToExit(
      dir.path(), {"--listen", "0.0.0.0:0", "--http", "127.0.0.1:0"});
  EXPECT_EQ(code, 2);
  EXPECT_TRUE(absl::StrContains(
      err,
      "refusing to start: listening beyond this machine (--listen "
      "0.0.0.0:0, --http 127.0.0.1:0) needs TLS and tokens: give "
      "--tls-cert, --tls-key and --auth-keys, or --insecure to serve "
      "citizens' data unprotected"))
      << err;
  auto [half, half_err] = RunServerToExit(
      dir.path(), {"--listen", "127.0.0.1:0", "--tls-cert", "x.pem"});
  EXPECT_EQ(half, 2);
  EXPECT_TRUE(absl::StrContains(
      half_err, "--tls-cert and --tls-key go together: give both or neither"))
      << half_err;
  auto [missing, missing_err] = RunServerToExit(
      dir.path(), {"--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
                   "--auth-keys", dir.path() + "/nope.json"});
  EXPECT_EQ(missing, 1);
  EXPECT_TRUE(absl::StrContains(missing_err, "cannot load --auth-keys"))
      << missing_err;
}

TEST(StartupTest, OffLoopbackTokensMustNameCaselinesIssuerAndAudience) {
  TempDir dir;
  MakeCertificates(dir.path());
  WriteFile(dir.path() + "/jwks.json", R"({"keys":[]})");
  auto [code, err] = RunServerToExit(
      dir.path(),
      {"--listen", "0.0.0.0:0", "--http", "127.0.0.1:0", "--tls-cert",
       dir.path() + "/server.pem", "--tls-key", dir.path() + "/server.key",
       "--auth-keys", dir.path() + "/jwks.json"});
  EXPECT_EQ(code, 2);
  EXPECT_TRUE(absl::StrContains(
      err,
      "refusing to start: listening beyond this machine needs --auth-issuer "
      "and --auth-audience, so that only tokens issued for caseline are "
      "accepted (or --insecure)"))
      << err;
}

TEST(ClientTest, ATokenIsNotSentUnencryptedToAnotherMachine) {
  TempDir dir;
  ClientRun run =
      RunClient({"--server", "10.20.30.40:50051", "--token", "a.b.c", "status"},
                "/dev/null", dir.path() + "/out", dir.path() + "/err");
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_EQ(run.err,
            "error: refusing to send the token unencrypted to "
            "10.20.30.40:50051: connect with --tls-ca FILE or --tls (or give "
            "--insecure)\n");
  run = RunClient({"--purpose", "opfølgning", "status"}, "/dev/null",
                  dir.path() + "/out", dir.path() + "/err");
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_EQ(run.err,
            "error: --purpose: printable ASCII only (it travels as gRPC "
            "metadata)\n");
}

TEST(StartupTest, InsecureStartsOffLoopbackAndSaysSo) {
  TempDir dir;
  ServerProcess server(dir.path() + "/data", "0.0.0.0:0", CASELINE_RULES_DIR,
                       {"--insecure"});
  EXPECT_TRUE(absl::StrContains(server.listening_line(),
                                "access=open (no --auth-keys, so every caller "
                                "may do everything) tls=off INSECURE"))
      << server.listening_line();
}

TEST(StartupTest, OnLoopbackWithoutKeysTheServerRunsOpenAndSaysSo) {
  TempDir dir;
  ServerProcess server(dir.path() + "/data");
  EXPECT_TRUE(absl::StrContains(server.listening_line(), " access=open "))
      << server.listening_line();
  EXPECT_FALSE(absl::StrContains(server.listening_line(), "INSECURE"));
}

TEST(DevKeysTest, TheClientCarriesADevTokenOverTlsFromFlagOrEnvironment) {
  TempDir dir;
  MakeCertificates(dir.path());
  const std::string keys = dir.path() + "/dev";
  ClientRun made = RunClient({"dev-keys", keys}, "/dev/null",
                             dir.path() + "/out", dir.path() + "/err");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  struct stat key_stat {};
  ASSERT_EQ(stat((keys + "/signing-key.pem").c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((keys + "/admin.token").c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);

  ServerProcess server(
      dir.path() + "/data", "127.0.0.1:0", CASELINE_RULES_DIR,
      {"--auth-keys", keys + "/jwks.json", "--auth-issuer", "caseline-dev",
       "--auth-audience", "caseline", "--tls-cert", dir.path() + "/server.pem",
       "--tls-key", dir.path() + "/server.key"});
  EXPECT_TRUE(
      absl::StrContains(server.listening_line(), " access=tokens tls=on"));
  const std::string admin(
      absl::StripTrailingAsciiWhitespace(ReadFile(keys + "/admin.token")));
  const std::vector<std::string> base = {"--server", server.grpc_address(),
                                         "--tls-ca", dir.path() + "/ca.pem"};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), base.begin(), base.end());
    return RunClient(args, "/dev/null", dir.path() + "/out",
                     dir.path() + "/err");
  };
  ClientRun with_flag = run({"--token", admin, "status"});
  EXPECT_EQ(with_flag.exit_code, 0) << with_flag.err;

  ClientRun without = run({"status"});
  EXPECT_NE(without.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(without.err, "UNAUTHENTICATED")) << without.err;

  setenv("CASELINE_TOKEN", admin.c_str(), 1);
  ClientRun with_env = run({"status"});
  unsetenv("CASELINE_TOKEN");
  EXPECT_EQ(with_env.exit_code, 0) << with_env.err;

  // A caseworker may not ask for a report.
  const std::string caseworker(
      absl::StripTrailingAsciiWhitespace(ReadFile(keys + "/caseworker.token")));
  ClientRun denied =
      run({"--token", caseworker, "report", "--as-of", "2020-06-30"});
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(
      denied.err, "PERMISSION_DENIED: Report is not for roles [caseworker]"))
      << denied.err;
}

}  // namespace
}  // namespace caseline
