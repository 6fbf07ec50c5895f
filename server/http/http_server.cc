#include "server/http/http_server.h"

#include <cassert>
#include <charconv>
#include <chrono>
#include <optional>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "absl/status/status.h"

namespace caseline {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// After a failed accept (out of file descriptors, say) wait this long before
// accepting again rather than spin on the error.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

constexpr char kTextContentType[] = "text/plain; charset=utf-8";
// A served page may load scripts, styles and data from this server only (no
// inline script, no other site: jobcentres' networks are closed, and a
// page that shows citizens' cases must not run anyone else's code), and may
// not be framed by another site.
constexpr char kFileSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'";
// Paths under this go to the API handler.
constexpr std::string_view kApiPrefix = "/v1/";
// The header a caller says why it looks with, as gRPC's x-caseline-purpose.
constexpr char kPurposeHeader[] = "X-Caseline-Purpose";
constexpr char kMetricsContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

std::string Text(beast::string_view text) {
  return std::string(text.data(), text.size());
}

absl::StatusOr<tcp::endpoint> ParseListenAddress(std::string_view address) {
  auto invalid = [address](std::string_view why) {
    return absl::InvalidArgumentError(
        "listen address \"" + std::string(address) + "\": " + std::string(why));
  };
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return invalid("expected host:port");
  std::string_view host = address.substr(0, colon);
  const std::string_view port_text = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }

  uint16_t port = 0;
  const char* port_end = port_text.data() + port_text.size();
  const auto [end, error] = std::from_chars(port_text.data(), port_end, port);
  if (port_text.empty() || error != std::errc() || end != port_end) {
    return invalid("port \"" + std::string(port_text) +
                   "\" is not a number in 0..65535");
  }
  beast::error_code address_error;
  const asio::ip::address ip =
      asio::ip::make_address(std::string(host), address_error);
  if (address_error) {
    return invalid("host \"" + std::string(host) +
                   "\" is not an IP address (IPv6 goes in brackets)");
  }
  return tcp::endpoint(ip, port);
}

// The file served at `path`, if any; "/" is "/index.html".
const StaticFile* FindFile(const std::vector<StaticFile>& files,
                           std::string_view path) {
  if (path == "/") path = "/index.html";
  for (const StaticFile& file : files) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

Response MakeResponse(http::status status, std::string_view content_type,
                      std::string body) {
  Response response(status, /*version=*/11);
  response.set(http::field::content_type, std::string(content_type));
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

// The response to a well-formed request, before HTTP version, keep-alive and
// HEAD are applied.
Response Route(const Request& request, const HttpServer::Handlers& handlers) {
  const std::string_view target(request.target().data(),
                                request.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  const StaticFile* file = FindFile(handlers.files, path);
  if (path != "/healthz" && path != "/metrics" && file == nullptr) {
    return MakeResponse(http::status::not_found, kTextContentType,
                        "not found\n");
  }
  if (request.method() != http::verb::get &&
      request.method() != http::verb::head) {
    Response response = MakeResponse(http::status::method_not_allowed,
                                     kTextContentType, "method not allowed\n");
    response.set(http::field::allow, "GET, HEAD");
    return response;
  }
  if (path == "/metrics") {
    return MakeResponse(http::status::ok, kMetricsContentType,
                        handlers.metrics());
  }
  if (file != nullptr) {
    Response response = MakeResponse(http::status::ok, file->content_type,
                                     std::string(file->body));
    // Always asked anew: a new server version brings a new page.
    response.set(http::field::cache_control, "no-cache");
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Content-Security-Policy", kFileSecurityPolicy);
    response.set("Referrer-Policy", "no-referrer");
    return response;
  }
  return handlers.healthy()
             ? MakeResponse(http::status::ok, kTextContentType, "ok\n")
             : MakeResponse(http::status::service_unavailable, kTextContentType,
                            "unavailable\n");
}

// The status to answer a request we could not read with, or nullopt to just
// close: the peer left or timed out, or we are stopping.
std::optional<http::status> StatusForReadError(beast::error_code error) {
  if (error == http::error::header_limit) {
    return http::status::request_header_fields_too_large;
  }
  if (error == http::error::body_limit) return http::status::payload_too_large;
  const bool is_parse_error =
      error.category() ==
      http::make_error_code(http::error::bad_target).category();
  if (is_parse_error && error != http::error::end_of_stream &&
      error != http::error::partial_message) {
    return http::status::bad_request;
  }
  return std::nullopt;
}

// An open connection, as the server closes it on Stop.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void Close() = 0;
};

}  // namespace

// Everything the pending I/O operations need, owned jointly by the HttpServer
// and by each of them, so it outlives the HttpServer until the last completes.
// Touched only on the io_context's thread, except for the immutable `io`.
struct HttpServer::State : std::enable_shared_from_this<State> {
  State(asio::io_context& io_context, tcp::acceptor bound_acceptor,
        std::string address, Handlers h,
        std::unique_ptr<asio::ssl::context> tls_context)
      : io(io_context),
        acceptor(std::move(bound_acceptor)),
        accept_retry_timer(io_context),
        bound_address(std::move(address)),
        handlers(std::move(h)),
        tls(std::move(tls_context)) {}

  void Accept();
  void OnAccept(beast::error_code error, tcp::socket socket);
  void Stop();

  asio::io_context& io;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry_timer;
  const std::string bound_address;  // For logs: "host:port", the real port.
  const Handlers handlers;
  // Null for plain HTTP.
  const std::unique_ptr<asio::ssl::context> tls;
  // Open connections; a Session adds itself on construction and removes itself
  // on destruction. At most kConnectionsMax.
  std::unordered_set<Connection*> sessions;
  bool stopped = false;
};

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One HTTP connection: read a request, write its response, repeat while the
// client keeps the connection alive. Pending operations hold a shared_ptr.
// `Stream` is beast::tcp_stream, or TlsStream whose handshake comes first.
template <typename Stream>
class Session : public Connection,
                public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::State> server)
      : stream_(MakeStream(std::move(socket), *server)),
        server_(std::move(server)) {
    server_->sessions.insert(this);
  }
  ~Session() override { server_->sessions.erase(this); }

  void Start() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(stream_).expires_after(
          HttpServer::kConnectionIdleTimeout);
      stream_.async_handshake(
          asio::ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code error) {
            // A client that does not speak TLS, or has no certificate the
            // server trusts, is dropped.
            if (!error) self->ReadRequest();
          });
    } else {
      ReadRequest();
    }
  }

  // Reads the header first: the body's limit depends on the path. Beast
  // checks a Content-Length against the limit as the header ends, so the
  // larger limit holds until then.
  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(HttpServer::kRequestHeaderBytesMax);
    parser_->body_limit(HttpServer::kApiRequestBodyBytesMax);
    beast::get_lowest_layer(stream_).expires_after(
        HttpServer::kConnectionIdleTimeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code error, size_t) {
          self->OnHeader(error);
        });
  }

  void OnHeader(beast::error_code error) {
    if (error) return OnRead(error);
    if (!IsApiCall(parser_->get())) {
      // Beast has checked a Content-Length only against the larger limit.
      const auto length = parser_->content_length();
      if (length && *length > HttpServer::kRequestBodyBytesMax) {
        return OnRead(http::error::body_limit);
      }
      parser_->body_limit(HttpServer::kRequestBodyBytesMax);
    }
    if (parser_->is_done()) return OnRead(error);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](
                         beast::error_code read_error, size_t) {
                       self->OnRead(read_error);
                     });
  }

  bool IsApiCall(const Request& request) const {
    const std::string_view target(request.target().data(),
                                  request.target().size());
    return server_->handlers.api && target.starts_with(kApiPrefix);
  }

  // Pending operations complete with operation_aborted and release the
  // session.
  void Close() override {
    beast::error_code ignored;
    beast::tcp_stream& tcp_stream = beast::get_lowest_layer(stream_);
    tcp_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp_stream.close();
  }

 private:
  static Stream MakeStream(tcp::socket socket, HttpServer::State& server) {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      return Stream(beast::tcp_stream(std::move(socket)), *server.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  void OnRead(beast::error_code error) {
    if (error) {
      const std::optional<http::status> status = StatusForReadError(error);
      if (!status.has_value() || server_->stopped) return;
      const auto reason = http::obsolete_reason(*status);
      Response response =
          MakeResponse(*status, kTextContentType,
                       std::string(reason.data(), reason.size()) + "\n");
      response.keep_alive(false);
      return WriteResponse(std::move(response));
    }
    const Request& request = parser_->get();
    if (IsApiCall(request)) return CallApi(request);
    Response response = Route(request, server_->handlers);
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    // Content-Length stays that of the GET response, as HEAD requires.
    if (request.method() == http::verb::head) response.body().clear();
    WriteResponse(std::move(response));
  }

  // Hands the request to the API handler; its answer comes back on the
  // io_context's thread and is written like any other response.
  void CallApi(const Request& request) {
    HttpServer::ApiCall call;
    call.method = Text(request.method_string());
    call.target = Text(request.target());
    call.body = request.body();
    call.authorization = Text(request[http::field::authorization]);
    call.purpose = Text(request[kPurposeHeader]);
    call.host = Text(request[http::field::host]);
    call.content_type = Text(request[http::field::content_type]);
    beast::error_code ignored;
    const asio::ip::address peer = beast::get_lowest_layer(stream_)
                                       .socket()
                                       .remote_endpoint(ignored)
                                       .address();
    // As gRPC writes peers: IPv6 in brackets.
    call.peer = peer.is_v6() ? "[" + peer.to_string() + "]" : peer.to_string();
    const unsigned version = request.version();
    const bool keep_alive = request.keep_alive();
    // The session travels into the posted handler, so that it is released
    // on the io_context's thread, never on the thread that answered.
    cancel_ = server_->handlers.api(
        std::move(call), [self = this->shared_from_this(), version,
                          keep_alive](HttpServer::ApiAnswer answer) mutable {
          auto executor = self->stream_.get_executor();
          asio::post(executor, [self = std::move(self), version, keep_alive,
                                answer = std::move(answer)]() mutable {
            self->StopWatchingForHangUp();
            Response response =
                MakeResponse(static_cast<http::status>(answer.status),
                             answer.content_type, std::move(answer.body));
            response.version(version);
            // Answers hold personal data: not for caches.
            response.set(http::field::cache_control, "no-store");
            response.set("X-Content-Type-Options", "nosniff");
            if (!answer.www_authenticate.empty()) {
              response.set(http::field::www_authenticate,
                           answer.www_authenticate);
            }
            if (!answer.allow.empty()) {
              response.set(http::field::allow, answer.allow);
            }
            response.keep_alive(keep_alive);
            self->WriteResponse(std::move(response));
          });
        });
    // The answer is posted to this thread, so it comes after this.
    WatchForHangUp();
  }

  // Until the answer comes, a socket that turns readable is either a client
  // that hung up (end of stream or an error: the call is cancelled) or one
  // that sent more (a pipelined request, left for ReadRequest).
  void WatchForHangUp() {
    beast::get_lowest_layer(stream_).socket().async_wait(
        tcp::socket::wait_read,
        [self = this->shared_from_this()](beast::error_code error) {
          self->OnReadable(error);
        });
  }

  void OnReadable(beast::error_code error) {
    // Cancelled by the answer; one that had already completed finds
    // cancel_ gone and does nothing.
    if (error == asio::error::operation_aborted) return;
    if (!error) {
      char byte = 0;
      // Readable now, so this does not block; a peek leaves the bytes.
      const size_t peeked = beast::get_lowest_layer(stream_).socket().receive(
          asio::buffer(&byte, 1), tcp::socket::message_peek, error);
      if (!error && peeked > 0) return;
    }
    if (HttpServer::ApiCancel cancel = std::exchange(cancel_, nullptr)) {
      cancel();
    }
  }

  void StopWatchingForHangUp() {
    cancel_ = nullptr;
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().cancel(ignored);
  }

  void WriteResponse(Response response) {
    response_ = std::move(response);
    beast::get_lowest_layer(stream_).expires_after(
        HttpServer::kConnectionIdleTimeout);
    http::async_write(
        stream_, response_,
        [self = this->shared_from_this()](beast::error_code error, size_t) {
          self->OnWrite(error);
        });
  }

  void OnWrite(beast::error_code error) {
    if (error) return;  // The peer left or timed out; nothing to tell it.
    if (!response_.keep_alive() || server_->stopped) return Close();
    ReadRequest();
  }

  Stream stream_;
  // Holds one request, plus any pipelined bytes up to the same bound.
  beast::flat_buffer buffer_{HttpServer::kRequestHeaderBytesMax +
                             HttpServer::kRequestBodyBytesMax};
  // One parser per request: a Beast parser reads exactly one message.
  std::optional<http::request_parser<http::string_body>> parser_;
  Response response_;  // Must live until async_write completes.
  // What stops the API call waiting for its answer if the client hangs up
  // first; empty once answered. Used on the io_context's thread only.
  HttpServer::ApiCancel cancel_;
  std::shared_ptr<HttpServer::State> server_;
};

}  // namespace

void HttpServer::State::Accept() {
  acceptor.async_accept(
      [self = shared_from_this()](beast::error_code error, tcp::socket socket) {
        self->OnAccept(error, std::move(socket));
      });
}

void HttpServer::State::OnAccept(beast::error_code error, tcp::socket socket) {
  if (stopped) return;
  if (error) {
    spdlog::error("http: accept on {} failed: {}", bound_address,
                  error.message());
    accept_retry_timer.expires_after(kAcceptRetryDelay);
    accept_retry_timer.async_wait(
        [self = shared_from_this()](beast::error_code timer_error) {
          if (!timer_error && !self->stopped) self->Accept();
        });
    return;
  }
  if (sessions.size() >= HttpServer::kConnectionsMax) {
    spdlog::warn("http: refusing a connection on {}: {} already open",
                 bound_address, HttpServer::kConnectionsMax);
    // Destroying `socket` closes it.
  } else if (tls != nullptr) {
    std::make_shared<Session<TlsStream>>(std::move(socket), shared_from_this())
        ->Start();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(std::move(socket),
                                                 shared_from_this())
        ->Start();
  }
  Accept();
}

void HttpServer::State::Stop() {
  if (stopped) return;
  stopped = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  accept_retry_timer.cancel();
  // Close() does not destroy a session (its pending operation holds it), but
  // copy anyway so the loop never depends on that.
  for (Connection* session :
       std::vector<Connection*>(sessions.begin(), sessions.end())) {
    session->Close();
  }
}

namespace {

// TLS 1.2 and later only, with the server's certificate; client
// certificates required and verified when a client CA is given.
absl::StatusOr<std::unique_ptr<asio::ssl::context>> TlsContext(
    const HttpServer::Tls& tls) {
  auto context =
      std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  beast::error_code error;
  context->set_options(
      asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
          asio::ssl::context::no_tlsv1_1,
      error);
  if (!error) {
    context->use_certificate_chain(asio::buffer(tls.certificate_chain), error);
  }
  if (!error) {
    context->use_private_key(asio::buffer(tls.private_key),
                             asio::ssl::context::pem, error);
  }
  if (!error && !tls.client_ca.empty()) {
    context->add_certificate_authority(asio::buffer(tls.client_ca), error);
    if (!error) {
      context->set_verify_mode(
          asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert,
          error);
    }
  }
  if (error) {
    return absl::InvalidArgumentError("TLS for HTTP: " + error.message());
  }
  return context;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    asio::io_context& io, std::string_view listen_address, Handlers handlers,
    std::optional<Tls> tls) {
  assert(handlers.healthy && handlers.metrics);
  const absl::StatusOr<tcp::endpoint> endpoint =
      ParseListenAddress(listen_address);
  if (!endpoint.ok()) return endpoint.status();
  std::unique_ptr<asio::ssl::context> tls_context;
  if (tls.has_value()) {
    absl::StatusOr<std::unique_ptr<asio::ssl::context>> made = TlsContext(*tls);
    if (!made.ok()) return made.status();
    tls_context = *std::move(made);
  }

  tcp::acceptor acceptor(io);
  beast::error_code error;
  acceptor.open(endpoint->protocol(), error);
  if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(*endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  const uint16_t port = error ? 0 : acceptor.local_endpoint(error).port();
  if (error) {
    return absl::UnavailableError("cannot listen on " +
                                  std::string(listen_address) + ": " +
                                  error.message());
  }
  const std::string_view host =
      listen_address.substr(0, listen_address.rfind(':'));
  auto state = std::make_shared<State>(
      io, std::move(acceptor), std::string(host) + ":" + std::to_string(port),
      std::move(handlers), std::move(tls_context));
  state->Accept();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state), port));
}

HttpServer::HttpServer(std::shared_ptr<State> state, uint16_t port)
    : state_(std::move(state)), port_(port) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  asio::post(state_->io, [state = state_] { state->Stop(); });
}

}  // namespace caseline
