// caseline-server: flags, start-up, signal handling and graceful shutdown.
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/signal_set.hpp"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/api/access.h"
#include "server/api/admin_service.h"
#include "server/api/call_metrics.h"
#include "server/api/event_store_service.h"
#include "server/api/json_api.h"
#include "server/api/population_answers.h"
#include "server/api/projections_service.h"
#include "server/api/rule_book.h"
#include "server/auth/authenticator.h"
#include "server/auth/loopback.h"
#include "server/http/http_server.h"
#include "server/http/static_files.h"
#include "server/metrics.h"
#include "server/rule_files.h"
#include "server/store/event_store.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace {

// Largest gRPC message the server accepts: above store::kAppendBytesMax plus
// the envelope, so that an oversized append gets the store's clear error
// rather than a transport error.
constexpr int kGrpcReceiveBytesMax = 8 * 1024 * 1024;
// Largest message it sends: a read page (store::kReadPageBytesMax) plus one
// event past the byte limit and the envelope.
constexpr int kGrpcSendBytesMax = 8 * 1024 * 1024;
// How long access log entries are kept by default: six months, long enough
// to answer a citizen's request about the last look-ups, short enough that
// the log of who looked is not itself kept for ever.
constexpr int kAccessLogRetentionDaysDefault = 180;
// And at most: ten years, the longest any municipality keeps case files.
constexpr int kAccessLogRetentionDaysMax = 3650;
// How often the retention sweep runs.
constexpr absl::Duration kAccessLogSweepInterval = absl::Hours(1);
// On SIGINT/SIGTERM, in-flight calls get this long to finish before they are
// cancelled.
constexpr absl::Duration kShutdownGrace = absl::Seconds(10);
// Then the last answers get this long to be sent before the remaining calls
// and connections are cut.
constexpr absl::Duration kShutdownSendGrace = absl::Milliseconds(500);

struct Flags {
  std::string data = "var/caseline";
  std::string listen = "127.0.0.1:50051";
  std::string http = "127.0.0.1:8080";
  std::string log_level = "info";
  std::string rules = "rules";
  bool check = false;
  std::string backup_dir;
  std::string restore;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  std::string auth_keys;
  std::string auth_issuer;
  std::string auth_audience;
  bool insecure = false;
  int access_log_retention_days = kAccessLogRetentionDaysDefault;
};

// Deletes access log entries older than the retention at start and then
// every kAccessLogSweepInterval, on a thread of its own (a sweep compacts).
class AccessLogSweeper {
 public:
  AccessLogSweeper(caseline::store::EventStore& store, absl::Duration retention)
      : store_(store), retention_(retention), thread_([this] { Run(); }) {}
  ~AccessLogSweeper() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      lock.unlock();
      absl::StatusOr<uint64_t> swept =
          store_.SweepAccessLog(absl::Now() - retention_);
      if (!swept.ok()) {
        spdlog::error("access log retention sweep failed: {}",
                      swept.status().ToString());
      } else if (*swept > 0) {
        spdlog::info("access log: deleted {} entries older than {} days",
                     *swept, absl::ToInt64Hours(retention_) / 24);
      }
      lock.lock();
      wake_.wait_for(lock, absl::ToChronoSeconds(kAccessLogSweepInterval),
                     [this] { return stopping_; });
    }
  }

  caseline::store::EventStore& store_;
  const absl::Duration retention_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // Guarded by mu_.
  std::thread thread_;
};

absl::StatusOr<std::string> ReadPemFile(const std::string& path,
                                        const std::string& flag) {
  // Certificates and keys are a few KiB; a chain of a few certificates fits.
  constexpr std::streamsize kPemBytesMax = 1024 * 1024;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(absl::StrCat(flag, ": cannot read ", path));
  }
  std::string text(kPemBytesMax + 1, '\0');
  file.read(text.data(), kPemBytesMax + 1);
  text.resize(static_cast<size_t>(file.gcount()));
  if (text.size() > static_cast<size_t>(kPemBytesMax) ||
      text.find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", path, " is not a PEM file"));
  }
  return text;
}

// The TLS files of --tls-cert, --tls-key and --tls-client-ca; nullopt
// without --tls-cert.
absl::StatusOr<std::optional<caseline::HttpServer::Tls>> ReadTls(
    const Flags& flags) {
  if (flags.tls_cert.empty()) return std::nullopt;
  caseline::HttpServer::Tls tls;
  for (const auto& [path, flag, into] :
       {std::tuple{&flags.tls_cert, "--tls-cert", &tls.certificate_chain},
        std::tuple{&flags.tls_key, "--tls-key", &tls.private_key},
        std::tuple{&flags.tls_client_ca, "--tls-client-ca", &tls.client_ca}}) {
    if (path->empty()) continue;
    absl::StatusOr<std::string> pem = ReadPemFile(*path, flag);
    if (!pem.ok()) return pem.status();
    *into = *std::move(pem);
  }
  return tls;
}

// The gRPC port's credentials: TLS with `tls` (client certificates required
// and verified when it has a client CA), else plain.
std::shared_ptr<grpc::ServerCredentials> ServerCredentials(
    const std::optional<caseline::HttpServer::Tls>& tls) {
  if (!tls.has_value()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back(
      {tls->private_key, tls->certificate_chain});
  if (!tls->client_ca.empty()) {
    options.pem_root_certs = tls->client_ca;
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

// Refuses a start that would expose citizens' data: off loopback, TLS and
// tokens are required unless --insecure says otherwise.
absl::Status CheckExposure(const Flags& flags) {
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key go together: give both or neither");
  }
  if (!flags.tls_client_ca.empty() && flags.tls_cert.empty()) {
    return absl::InvalidArgumentError(
        "--tls-client-ca needs --tls-cert and --tls-key");
  }
  if ((!flags.auth_issuer.empty() || !flags.auth_audience.empty()) &&
      flags.auth_keys.empty()) {
    return absl::InvalidArgumentError(
        "--auth-issuer and --auth-audience need --auth-keys");
  }
  const bool exposed = !caseline::auth::IsLoopbackAddress(flags.listen) ||
                       !caseline::auth::IsLoopbackAddress(flags.http);
  if (exposed && !flags.insecure &&
      (flags.tls_cert.empty() || flags.auth_keys.empty())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "listening beyond this machine (--listen ", flags.listen, ", --http ",
        flags.http,
        ") needs TLS and tokens: give --tls-cert, --tls-key and --auth-keys, "
        "or --insecure to serve citizens' data unprotected"));
  }
  // An identity provider signs tokens for every application it serves;
  // only the issuer and audience say a token is meant for caseline.
  if (exposed && !flags.insecure &&
      (flags.auth_issuer.empty() || flags.auth_audience.empty())) {
    return absl::FailedPreconditionError(
        "listening beyond this machine needs --auth-issuer and "
        "--auth-audience, so that only tokens issued for caseline are "
        "accepted (or --insecure)");
  }
  return absl::OkStatus();
}

// What the listening line says of the server's protection.
std::string SecurityWords(const Flags& flags) {
  std::string words = flags.auth_keys.empty()
                          ? "access=open (no --auth-keys, so every caller may "
                            "do everything)"
                          : "access=tokens";
  absl::StrAppend(&words, flags.tls_cert.empty() ? " tls=off" : " tls=on");
  if (!flags.tls_client_ca.empty()) absl::StrAppend(&words, "+client-certs");
  if (flags.insecure) absl::StrAppend(&words, " INSECURE (--insecure)");
  return words;
}

// "host:port" with the port replaced by `port` (the bound one, when 0 was
// asked for).
std::string WithPort(const std::string& address, int port) {
  const size_t colon = address.rfind(':');
  return absl::StrCat(address.substr(0, colon), ":", port);
}

// What to do about a damaged store, after the message that names the file.
constexpr char kDamagedAdvice[] =
    "the store is damaged: stop serving from it and copy the directory "
    "aside as it is, for inspection (opening it, even to check it, may "
    "change it); restore the latest backup into a new directory "
    "(caseline-server --restore BACKUP_DIR --data NEW_DIR), --check that, "
    "and serve it. Events acknowledged after that backup are only in the "
    "damaged copy";

int Check(caseline::store::EventStore& store, const std::string& data) {
  absl::StatusOr<caseline::store::VerifyReport> report = store.Verify();
  if (!report.ok()) {
    std::cerr << "check failed for " << data << ": "
              << report.status().message() << "\n";
    if (absl::IsDataLoss(report.status())) {
      std::cerr << kDamagedAdvice << "\n";
    }
    return 1;
  }
  std::cout << "ok: " << report->events << " events in " << report->cases
            << " cases; positions gap-free, indexes agree with the log\n";
  absl::StatusOr<std::string> restored =
      caseline::store::CheckRestoredFrom(store, data);
  if (!restored.ok()) {
    std::cerr << "check failed for " << data << ": "
              << restored.status().message() << "\n";
    return 1;
  }
  if (!restored->empty()) std::cout << "ok: " << *restored << "\n";
  return 0;
}

// Stops taking new work and lets the appends in flight finish and be
// answered; then ends the remaining calls (subscriptions, idle streams) and
// closes the listener without waiting long on idle connections.
void Drain(caseline::api::EventStoreService& service,
           caseline::store::EventStore& store, grpc::Server& server) {
  service.BeginShutdown();
  store.BeginClose();
  if (!service.WaitForAppends(kShutdownGrace)) {
    spdlog::warn("appends still in flight after {}s; ending them",
                 absl::ToInt64Seconds(kShutdownGrace));
  }
  server.Shutdown(absl::ToChronoTime(absl::Now() + kShutdownSendGrace));
  server.Wait();
}

int Serve(const Flags& flags, caseline::store::EventStore& store,
          caseline::api::RuleBook& rules,
          caseline::auth::Authenticator* authenticator) {
  absl::StatusOr<std::optional<caseline::HttpServer::Tls>> tls = ReadTls(flags);
  if (!tls.ok()) {
    spdlog::error("cannot set up TLS: {}", tls.status().ToString());
    return 1;
  }
  caseline::Metrics metrics;
  caseline::api::Access access(authenticator, store, metrics);
  AccessLogSweeper sweeper(store,
                           absl::Hours(24) * flags.access_log_retention_days);
  caseline::api::EventStoreService service(store, access, metrics);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort(flags.listen, ServerCredentials(*tls), &grpc_port);
  builder.RegisterService(&service);
  caseline::api::Admission population(caseline::api::kPopulationQueriesMax,
                                      "population answers");
  caseline::api::AdminService admin(service, store, rules, population, access,
                                    metrics, flags.backup_dir);
  builder.RegisterService(&admin);
  caseline::api::ProjectionsService projections(store, rules, population,
                                                access);
  builder.RegisterService(&projections);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<caseline::api::CallMetricsFactory>(metrics));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.SetMaxReceiveMessageSize(kGrpcReceiveBytesMax);
  builder.SetMaxSendMessageSize(kGrpcSendBytesMax);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || grpc_port == 0) {
    spdlog::error("cannot listen for gRPC on {}", flags.listen);
    return 1;
  }

  boost::asio::io_context io;
  // Declared after `io`, so it is gone (its calls answered) before `io` is.
  grpc::ChannelArguments api_channel;
  api_channel.SetMaxReceiveMessageSize(kGrpcSendBytesMax);
  api_channel.SetMaxSendMessageSize(kGrpcReceiveBytesMax);
  // Held apart from json_api, and so let go after it: a channel let go
  // while one of its callbacks still runs takes its completion queue from
  // under it.
  const std::shared_ptr<grpc::Channel> api_calls =
      server->InProcessChannel(api_channel);
  caseline::api::JsonApi json_api(
      api_calls, access.forwarding_key(),
      /*loopback_hosts_only=*/access.open() && !flags.insecure);
  caseline::HttpServer::Handlers handlers;
  handlers.files = caseline::DashboardFiles();
  handlers.api =
      [&json_api](caseline::HttpServer::ApiCall call,
                  std::function<void(caseline::HttpServer::ApiAnswer)> done) {
        return json_api.Handle(std::move(call), std::move(done));
      };
  handlers.healthy = [&store] { return store.health().ok(); };
  handlers.metrics = [&metrics, &store, &population] {
    return metrics.RenderPrometheus(
        caseline::Metrics::Gauges{store.last_position(), population.running()});
  };
  absl::StatusOr<std::unique_ptr<caseline::HttpServer>> http =
      caseline::HttpServer::Start(io, flags.http, handlers, *tls);
  if (!http.ok()) {
    spdlog::error("cannot serve HTTP: {}", http.status().ToString());
    server->Shutdown();
    return 1;
  }

  // One line for people and scripts (tests read the bound ports from it).
  std::cout << "caseline-server listening grpc="
            << WithPort(flags.listen, grpc_port)
            << " http=" << WithPort(flags.http, (*http)->port())
            << " data=" << flags.data << " " << SecurityWords(flags)
            << std::endl;
  spdlog::info("serving {} events from {}", store.last_position(), flags.data);
  if (flags.insecure) {
    spdlog::warn(
        "--insecure: serving without the protection a network address needs "
        "(TLS and tokens); anyone who reaches the port may read and write");
  }

  // SIGHUP reloads the token keys (an identity provider's key rotation).
  boost::asio::signal_set hangups(io, SIGHUP);
  std::function<void()> await_hangup = [&] {
    hangups.async_wait([&](const boost::system::error_code& error, int) {
      if (error) return;
      if (authenticator == nullptr) {
        spdlog::info("SIGHUP: no --auth-keys to reload");
      } else if (absl::StatusOr<size_t> keys = authenticator->Reload();
                 keys.ok()) {
        spdlog::info("SIGHUP: reloaded {} token keys from {}", *keys,
                     flags.auth_keys);
      } else {
        spdlog::error("SIGHUP: kept the old token keys: {}",
                      keys.status().ToString());
      }
      await_hangup();
    });
  };
  await_hangup();

  // On a signal, drain on a thread of its own while the io_context goes on
  // serving /healthz (503 from now on) and /metrics; stop HTTP last.
  std::thread drainer;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    spdlog::info("received signal {}; shutting down", signal);
    drainer = std::thread([&] {
      Drain(service, store, *server);
      boost::asio::post(io, [&] {
        (*http)->Stop();
        io.stop();
      });
    });
  });
  io.run();
  if (drainer.joinable()) drainer.join();
  spdlog::info("stopped at position {}", store.last_position());
  return 0;
}

}  // namespace

namespace {

// The server's command line, with its help text.
void AddFlags(CLI::App& app, Flags& flags) {
  app.add_option("--data", flags.data, "data directory (created if missing)")
      ->capture_default_str();
  app.add_option("--listen", flags.listen,
                 "gRPC address host:port (port 0 picks a free one)")
      ->capture_default_str();
  app.add_option("--http", flags.http,
                 "HTTP address for /healthz, /metrics and the JSON API (port 0 "
                 "picks one)")
      ->capture_default_str();
  app.add_option("--log-level", flags.log_level,
                 "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--rules", flags.rules,
                 "directory of rule set files (*.textproto), loaded and "
                 "validated at start")
      ->capture_default_str();
  app.add_flag("--check", flags.check,
               "verify the data directory (log and indexes agree) and exit");
  app.add_option("--backup-dir", flags.backup_dir,
                 "where Admin.Backup (caseline backup) puts backups: "
                 "incremental, one directory for all of them");
  app.add_option("--restore", flags.restore,
                 "restore the latest backup in this directory into --data "
                 "(which must be new or empty) and exit; start the server "
                 "on --data after, or --check it first");
  app.add_option("--tls-cert", flags.tls_cert,
                 "TLS certificate chain (PEM) for the gRPC port");
  app.add_option("--tls-key", flags.tls_key,
                 "the TLS certificate's private key (PEM)");
  app.add_option("--tls-client-ca", flags.tls_client_ca,
                 "CA certificates (PEM): clients must present a certificate "
                 "they signed");
  app.add_option("--auth-keys", flags.auth_keys,
                 "public keys that sign bearer tokens: a JWKS document or PEM "
                 "public keys; reloaded on SIGHUP. Without it the server is "
                 "open (loopback only)");
  app.add_option("--auth-issuer", flags.auth_issuer,
                 "the iss every token must have");
  app.add_option("--auth-audience", flags.auth_audience,
                 "an aud every token must have");
  app.add_flag("--insecure", flags.insecure,
               "allow a non-loopback address without TLS and tokens");
  app.add_option("--access-log-retention", flags.access_log_retention_days,
                 "days the access log keeps an entry; older ones are deleted "
                 "from disk")
      ->capture_default_str()
      ->check(CLI::Range(1, kAccessLogRetentionDaysMax));
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app{
      "caseline-server: records case events durably and serves them over "
      "gRPC"};
  AddFlags(app, flags);
  CLI11_PARSE(app, argc, argv);

  // Logs go to stderr; stdout carries the one "listening" line.
  spdlog::set_default_logger(spdlog::stderr_color_mt("caseline"));
  spdlog::set_level(spdlog::level::from_str(flags.log_level));

  if (absl::Status exposure = CheckExposure(flags); !exposure.ok()) {
    spdlog::error("refusing to start: {}", std::string(exposure.message()));
    return 2;
  }

  if (!flags.restore.empty()) {
    absl::StatusOr<caseline::v1::BackupResponse> restored =
        caseline::store::RestoreLatestBackup(flags.restore, flags.data);
    if (!restored.ok()) {
      std::cerr << "restore failed: " << restored.status().message() << "\n";
      return 1;
    }
    std::cout << "restored backup " << restored->backup_id() << " of "
              << flags.restore << " into " << flags.data << ": position "
              << restored->last_position() << ", " << restored->files()
              << " files, checksum " << restored->checksum() << "\n";
    return 0;
  }

  // A bad rule file stops the start, naming the file, the line and the
  // problem: judging cases by rules that did not load would mislead.
  std::vector<caseline::v1::RuleSet> rule_sets;
  if (!flags.check) {
    absl::StatusOr<std::vector<caseline::v1::RuleSet>> loaded =
        caseline::LoadRuleSets(flags.rules);
    if (!loaded.ok()) {
      spdlog::error("cannot load the rule sets: {}",
                    loaded.status().ToString());
      return 1;
    }
    rule_sets = *std::move(loaded);
    for (const caseline::v1::RuleSet& rule_set : rule_sets) {
      spdlog::info("rule set {} version {}: {} requirements", rule_set.id(),
                   rule_set.version(), rule_set.requirements_size());
    }
  }
  // --check reads what is there; it must not create an empty store.
  if (flags.check &&
      !std::filesystem::exists(std::filesystem::path(flags.data) / "CURRENT")) {
    std::cerr << "check failed: no caseline data in " << flags.data << "\n";
    return 1;
  }
  caseline::store::StoreOptions options;
  options.path = flags.data;
  options.verify_only = flags.check;
  absl::StatusOr<std::unique_ptr<caseline::store::EventStore>> store =
      caseline::store::EventStore::Open(options);
  if (!store.ok()) {
    spdlog::error("cannot open the store: {}", store.status().ToString());
    if (absl::IsDataLoss(store.status())) spdlog::error(kDamagedAdvice);
    return 1;
  }
  if (flags.check) return Check(**store, flags.data);
  // The files are stored as versions; with those put since, they make the
  // rule book every answer judges by.
  absl::StatusOr<std::unique_ptr<caseline::api::RuleBook>> rules =
      caseline::api::RuleBook::Open(**store, rule_sets,
                                    "rules directory " + flags.rules);
  if (!rules.ok()) {
    spdlog::error("cannot store the rule sets: {}", rules.status().ToString());
    return 1;
  }
  std::unique_ptr<caseline::auth::Authenticator> authenticator;
  if (!flags.auth_keys.empty()) {
    caseline::auth::AuthOptions auth;
    auth.keys_path = flags.auth_keys;
    auth.rules = {flags.auth_issuer, flags.auth_audience};
    absl::StatusOr<std::unique_ptr<caseline::auth::Authenticator>> opened =
        caseline::auth::Authenticator::Open(std::move(auth));
    if (!opened.ok()) {
      spdlog::error("cannot load --auth-keys: {}", opened.status().ToString());
      return 1;
    }
    authenticator = *std::move(opened);
  }
  return Serve(flags, **store, **rules, authenticator.get());
}
