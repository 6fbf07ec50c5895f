// The client's connection: plain or TLS, and the metadata every call
// carries (the bearer token, the purpose).
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "grpcpp/support/client_interceptor.h"
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

// The file's contents; empty for no file. The command line checked that
// the file exists; one that cannot be read still fails the channel clearly.
std::string ReadPem(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  if (!file) std::cerr << "error: cannot read " << path << "\n";
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
