// The client's connection: plain or TLS, and the metadata every call
// carries (the bearer token, the purpose).

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/client_interceptor.h"
#include "server/auth/loopback.h"
#include "tools/client.h"

namespace caseline::cli {
namespace {

// Adds the caller's metadata to every call on the channel.
class MetadataInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit MetadataInterceptor(
      const std::vector<std::pair<std::string, std::string>>& metadata)
      : metadata_(metadata) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      auto* sent = methods->GetSendInitialMetadata();
      for (const auto& [key, value] : metadata_) sent->insert({key, value});
    }
    methods->Proceed();
  }

 private:
  const std::vector<std::pair<std::string, std::string>>& metadata_;
};

class MetadataInterceptorFactory
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit MetadataInterceptorFactory(
      std::vector<std::pair<std::string, std::string>> metadata)
      : metadata_(std::move(metadata)) {}

  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* /*info*/) override {
    return new MetadataInterceptor(metadata_);
  }

 private:
  const std::vector<std::pair<std::string, std::string>> metadata_;
};

// The file's contents; empty for no file. CheckConnection made sure each
// can be read.
std::string ReadPem(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::shared_ptr<grpc::ChannelCredentials> Credentials(
    const ClientOptions& options) {
  if (!options.tls && options.tls_ca.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions tls;
  // Empty: the system's roots.
  tls.pem_root_certs = ReadPem(options.tls_ca);
  tls.pem_cert_chain = ReadPem(options.tls_cert);
  tls.pem_private_key = ReadPem(options.tls_key);
  return grpc::SslCredentials(tls);
}

}  // namespace

std::string CheckConnection(const ClientOptions& options) {
  for (const auto& [flag, path] : {std::pair{"--tls-ca", &options.tls_ca},
                                   std::pair{"--tls-cert", &options.tls_cert},
                                   std::pair{"--tls-key", &options.tls_key}}) {
    if (path->empty()) continue;
    std::ifstream file(*path, std::ios::binary);
    if (!file || file.peek() == std::ifstream::traits_type::eof()) {
      return absl::StrCat(flag, ": cannot read ", *path);
    }
  }
  for (const char c : options.purpose) {
    if (c < 0x20 || c > 0x7e) {
      return "--purpose: printable ASCII only (it travels as gRPC metadata)";
    }
  }
  const bool tls = options.tls || !options.tls_ca.empty();
  if (!tls && (!options.tls_cert.empty() || !options.tls_key.empty())) {
    return "--tls-cert and --tls-key need TLS: add --tls-ca FILE or --tls";
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return "--tls-cert and --tls-key go together";
  }
  if (!tls && !options.token.empty() &&
      !caseline::auth::IsLoopbackAddress(options.server) && !options.insecure) {
    return absl::StrCat(
        "refusing to send the token unencrypted to ", options.server,
        ": connect with --tls-ca FILE or --tls (or give --insecure)");
  }
  return "";
}

std::shared_ptr<grpc::Channel> MakeChannel(const ClientOptions& options) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kReceiveMessageBytesMax);
  std::vector<std::pair<std::string, std::string>> metadata;
  if (!options.token.empty()) {
    metadata.emplace_back("authorization", "Bearer " + options.token);
  }
  if (!options.purpose.empty()) {
    metadata.emplace_back("x-caseline-purpose", options.purpose);
  }
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<MetadataInterceptorFactory>(std::move(metadata)));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      options.server, Credentials(options), arguments, std::move(interceptors));
}

}  // namespace caseline::cli
