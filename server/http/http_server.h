// A small HTTP/1.1 server (Boost.Beast) for /healthz and /metrics.
#ifndef CASELINE_SERVER_HTTP_HTTP_SERVER_H_
#define CASELINE_SERVER_HTTP_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "absl/status/statusor.h"
#include "server/http/static_files.h"

namespace caseline {

// Serves GET (and HEAD) /healthz, /metrics and the static files it is given,
// and hands every request under /v1/ to the API handler when one is given;
// other paths get 404, other methods 405. Connections are kept alive, time out
// when idle, and are capped in number; request sizes are capped (see the limits
// below).
//
// All I/O runs on the caller's io_context, which must be run by exactly one
// thread and must outlive the HttpServer. The handlers are called on that
// thread.
class HttpServer {
 public:
  // Limits. A request beyond a size limit gets 431 or 413 and the connection
  // is closed.

  // Request line plus headers. Scrapers and health probes send a few hundred
  // bytes; 8 KiB is the usual server default and bounds what one client can
  // pin.
  static constexpr size_t kRequestHeaderBytesMax = 8 * 1024;
  // /healthz and /metrics take no body. A small allowance still lets a
  // client that sends one (a POST, say) get a 405 instead of a dropped
  // connection.
  static constexpr size_t kRequestBodyBytesMax = 1024;
  // An API request's body: the JSON of one request message. The largest a
  // client sends is a what-if with a candidate rule set (the shipped ones are
  // under 10 KiB of text); 1 MiB leaves room for many times that, and bounds
  // what the open connections can pin to kConnectionsMax MiB.
  static constexpr size_t kApiRequestBodyBytesMax = 1024 * 1024;
  // A connection that sends no request, or does not take our response, for this
  // long is closed, so stuck clients cannot hold connections forever. Scrapers
  // poll every 15-60 s and reconnect cheaply when they miss the window.
  static constexpr std::chrono::seconds kConnectionIdleTimeout{30};
  // Connections beyond this are closed as soon as they are accepted. Scrapers
  // and probes need a handful; the cap bounds file descriptors and memory (each
  // connection holds at most one request and one response).
  static constexpr size_t kConnectionsMax = 256;

  // A request under /v1/, as the API handler gets it.
  struct ApiCall {
    std::string method;  // "GET", "POST", ...
    std::string target;  // Path and query, as sent ("/v1/report?x=1").
    std::string body;
    std::string authorization;  // The Authorization header, if any.
    std::string purpose;        // The X-Caseline-Purpose header, if any.
    std::string peer;           // The client's IP address.
    std::string host;           // The Host header.
    std::string content_type;   // The Content-Type header.
  };
  struct ApiAnswer {
    int status = 200;  // An HTTP status code.
    std::string content_type;
    std::string body;
    std::string allow;             // The Allow header of a 405, else empty.
    std::string www_authenticate;  // The WWW-Authenticate header of a 401.
  };
  // Answers `call` by calling `done` once, on any thread. Returns what to
  // call, on the io_context's thread, if the client hangs up before the
  // answer (it may be empty): the work for it can stop. `done` must still
  // be called.
  using ApiCancel = std::function<void()>;
  using ApiHandler = std::function<ApiCancel(
      ApiCall call, std::function<void(ApiAnswer)> done)>;

  struct Handlers {
    // GET /healthz: 200 "ok\n" if true, 503 "unavailable\n" if false.
    std::function<bool()> healthy;
    // GET /metrics: 200 with the returned text, Content-Type
    // "text/plain; version=0.0.4; charset=utf-8".
    std::function<std::string()> metrics;
    // Every request whose path begins with /v1/; without it they get 404.
    // A connection waits for its answer before it reads the next request.
    // While it waits, a client that closes its connection (a browser that
    // left the page) cancels the call. A client that only shuts down its
    // sending side looks the same, and is cancelled too: browsers and
    // HTTP/1.1 clients do not. Over TLS, only a close without close_notify
    // is seen: the alert's bytes look like a next request.
    ApiHandler api;
    // Served on GET and HEAD of their paths ("/" is "/index.html"), with
    // headers that keep a page to this server's own scripts.
    std::vector<StaticFile> files;
  };

  // TLS for the port: a certificate chain and its private key (PEM text),
  // and, when set, the CAs whose client certificates are required.
  struct Tls {
    std::string certificate_chain;
    std::string private_key;
    std::string client_ca;
  };

  // Binds `listen_address` ("host:port", host an IP address, IPv6 in brackets
  // as in "[::1]:8080"; port 0 picks a free port) and starts accepting,
  // over TLS when `tls` is given. Returns INVALID_ARGUMENT for a malformed
  // address or TLS material that does not load, and UNAVAILABLE if it
  // cannot bind (the message names the address and the OS error). Both
  // handlers must be set.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      boost::asio::io_context& io, std::string_view listen_address,
      Handlers handlers, std::optional<Tls> tls = std::nullopt);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();  // Calls Stop.

  // The bound port.
  uint16_t port() const { return port_; }

  // Stops accepting and closes open connections. Safe to call from any thread:
  // the work is posted to the io_context, so it has taken effect only once the
  // io_context has run it. Idempotent.
  void Stop();

  struct State;  // Shared with the pending I/O operations; see the .cc file.

 private:
  HttpServer(std::shared_ptr<State> state, uint16_t port);

  std::shared_ptr<State> state_;
  uint16_t port_;
};

}  // namespace caseline

#endif  // CASELINE_SERVER_HTTP_HTTP_SERVER_H_
