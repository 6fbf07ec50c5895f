// Goal: /healthz and /metrics answer as specified. Method: start HttpServer on
// 127.0.0.1:0 on an io_context run by a thread, talk HTTP/1.1 to it with a
// synchronous Beast client, and check Metrics' Prometheus text line by line.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/time/time.h"
#include "server/http/http_server.h"
#include "server/metrics.h"

namespace caseline {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Response = http::response<http::string_body>;

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

bool HasLine(std::string_view text, std::string_view line) {
  for (const std::string& each : Lines(text)) {
    if (each == line) return true;
  }
  return false;
}

std::string Header(const Response& response, http::field field) {
  const auto value = response[field];
  return std::string(value.data(), value.size());
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Metrics metrics;
  metrics.RecordAppend(0, 1, absl::Microseconds(300));
  metrics.RecordAppend(0, 1, absl::Microseconds(500));  // On a bound: le.
  metrics.RecordAppend(0, 1, absl::Microseconds(700));
  metrics.RecordAppend(0, 1, absl::Milliseconds(30));
  metrics.RecordAppend(0, 1, absl::Seconds(10));
  const std::string text = metrics.RenderPrometheus(0);

  constexpr std::string_view kBucket =
      "caseline_append_latency_seconds_bucket{le=\"";
  const std::vector<std::string> expected = {
      "0.0005\"} 2", "0.001\"} 3", "0.0025\"} 3", "0.005\"} 3", "0.01\"} 3",
      "0.025\"} 3",  "0.05\"} 4",  "0.1\"} 4",    "0.25\"} 4",  "0.5\"} 4",
      "1\"} 4",      "2.5\"} 4",   "+Inf\"} 5"};
  std::vector<std::string> buckets;
  for (const std::string& line : Lines(text)) {
    if (line.starts_with(kBucket))
      buckets.push_back(line.substr(kBucket.size()));
  }
  EXPECT_EQ(buckets, expected) << text;
  EXPECT_TRUE(HasLine(text, "caseline_append_latency_seconds_count 5")) << text;
  EXPECT_TRUE(HasLine(text, "caseline_append_latency_seconds_sum 10.0315"))
      << text;
}

TEST(MetricsTest, CountsAppendsByCodeName) {
  Metrics metrics;
  metrics.RecordAppend(0, 3, absl::Milliseconds(1));
  metrics.RecordAppend(3, 0, absl::Milliseconds(1));
  metrics.RecordAppend(9, 0, absl::Milliseconds(1));
  metrics.RecordAppend(6, 0, absl::Milliseconds(1));
  const std::string text = metrics.RenderPrometheus(7);
  EXPECT_TRUE(HasLine(text, "caseline_appends_total{code=\"OK\"} 1")) << text;
  EXPECT_TRUE(
      HasLine(text, "caseline_appends_total{code=\"INVALID_ARGUMENT\"} 1"))
      << text;
  EXPECT_TRUE(
      HasLine(text, "caseline_appends_total{code=\"FAILED_PRECONDITION\"} 1"))
      << text;
  EXPECT_TRUE(
      HasLine(text, "caseline_appends_total{code=\"ALREADY_EXISTS\"} 1"))
      << text;
  EXPECT_EQ(text.find("NOT_FOUND"), std::string::npos) << "codes not seen";
  EXPECT_TRUE(HasLine(text, "caseline_events_appended_total 3")) << text;
  EXPECT_TRUE(HasLine(text, "# TYPE caseline_last_position gauge")) << text;
  EXPECT_TRUE(HasLine(text, "caseline_last_position 7")) << text;
}

// A synchronous HTTP/1.1 client on one connection.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  Response Send(http::verb method, std::string_view target,
                std::string body = "") {
    http::request<http::string_body> request(
        method, beast::string_view(target.data(), target.size()), 11);
    request.set(http::field::host, "127.0.0.1");
    request.body() = std::move(body);
    request.prepare_payload();
    http::write(socket_, request);
    http::response_parser<http::string_body> parser;
    parser.skip(method == http::verb::head);  // A HEAD response has no body.
    http::read(socket_, buffer_, parser);
    return parser.release();
  }

  tcp::socket& socket() { return socket_; }
  beast::flat_buffer& buffer() { return buffer_; }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServer::Handlers handlers;
    handlers.healthy = [this] { return healthy_.load(); };
    handlers.metrics = [this] { return metrics_.RenderPrometheus(42); };
    absl::StatusOr<std::unique_ptr<HttpServer>> server =
        HttpServer::Start(io_, "127.0.0.1:0", std::move(handlers));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_NE(server_->port(), 0);
    io_thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Stop();
    if (io_thread_.joinable()) io_thread_.join();
  }

  // Stops the server and waits until the io_context has carried that out:
  // run() returns once the acceptor and every connection have let go.
  void StopAndWait() {
    server_->Stop();
    io_thread_.join();
  }

  Response Get(std::string_view target) {
    return Client(server_->port()).Send(http::verb::get, target);
  }

  asio::io_context io_;
  std::atomic<bool> healthy_{true};
  Metrics metrics_;
  std::unique_ptr<HttpServer> server_;
  std::thread io_thread_;
};

TEST_F(HttpServerTest, HealthzFollowsTheHealthyFlag) {
  Response response = Get("/healthz");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), "ok\n");

  healthy_ = false;
  response = Get("/healthz");
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  EXPECT_EQ(response.body(), "unavailable\n");
}

TEST_F(HttpServerTest, MetricsServesPrometheusText) {
  metrics_.RecordAppend(0, 2, absl::Milliseconds(3));
  metrics_.RecordAppend(0, 3, absl::Milliseconds(40));
  metrics_.RecordAppend(9, 0, absl::Milliseconds(1));

  const Response response = Get("/metrics");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(Header(response, http::field::content_type),
            "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = response.body();
  EXPECT_TRUE(HasLine(text, "caseline_appends_total{code=\"OK\"} 2")) << text;
  EXPECT_TRUE(
      HasLine(text, "caseline_appends_total{code=\"FAILED_PRECONDITION\"} 1"))
      << text;
  EXPECT_TRUE(HasLine(text, "caseline_events_appended_total 5")) << text;
  EXPECT_TRUE(
      HasLine(text, "caseline_append_latency_seconds_bucket{le=\"+Inf\"} 3"))
      << text;
  EXPECT_TRUE(HasLine(text, "caseline_last_position 42")) << text;
  EXPECT_TRUE(HasLine(text, "# TYPE caseline_appends_total counter")) << text;
  EXPECT_TRUE(HasLine(text, "# TYPE caseline_append_latency_seconds histogram"))
      << text;
}

TEST_F(HttpServerTest, HeadHasHeadersButNoBody) {
  const Response response =
      Client(server_->port()).Send(http::verb::head, "/healthz");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(Header(response, http::field::content_length), "3");
  EXPECT_EQ(response.body(), "");
}

TEST_F(HttpServerTest, UnknownPathIsNotFound) {
  EXPECT_EQ(Get("/").result(), http::status::not_found);
  EXPECT_EQ(Get("/healthz/extra").result(), http::status::not_found);
}

TEST_F(HttpServerTest, PostIsMethodNotAllowed) {
  const Response response =
      Client(server_->port()).Send(http::verb::post, "/metrics", "x=1");
  EXPECT_EQ(response.result(), http::status::method_not_allowed);
  EXPECT_EQ(Header(response, http::field::allow), "GET, HEAD");
}

TEST_F(HttpServerTest, MalformedRequestIsBadRequestAndCloses) {
  Client client(server_->port());
  asio::write(client.socket(),
              asio::buffer(std::string_view("not http\r\n\r\n")));
  Response response;
  http::read(client.socket(), client.buffer(), response);
  EXPECT_EQ(response.result(), http::status::bad_request);
  EXPECT_FALSE(response.keep_alive());
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  Client client(server_->port());
  const Response first = client.Send(http::verb::get, "/healthz");
  EXPECT_TRUE(first.keep_alive());
  const Response second = client.Send(http::verb::get, "/metrics");
  EXPECT_EQ(first.result(), http::status::ok);
  EXPECT_EQ(second.result(), http::status::ok);
  EXPECT_TRUE(HasLine(second.body(), "caseline_last_position 42"));
}

TEST_F(HttpServerTest, StopClosesConnectionsAndRefusesNewOnes) {
  Client open_client(server_->port());
  EXPECT_EQ(open_client.Send(http::verb::get, "/healthz").result(),
            http::status::ok);

  StopAndWait();

  // The kept-alive connection was closed by the server.
  http::response<http::string_body> response;
  beast::error_code read_error;
  http::read(open_client.socket(), open_client.buffer(), response, read_error);
  EXPECT_EQ(read_error, http::error::end_of_stream) << read_error.message();

  asio::io_context client_io;
  tcp::socket socket(client_io);
  beast::error_code connect_error;
  socket.connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()),
      connect_error);
  EXPECT_EQ(connect_error, asio::error::connection_refused)
      << connect_error.message();

  server_->Stop();  // Idempotent.
}

TEST_F(HttpServerTest, ClosesConnectionsBeyondTheLimit) {
  asio::io_context client_io;
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"),
                               server_->port());
  std::vector<tcp::socket> within_limit;
  for (size_t i = 0; i < HttpServer::kConnectionsMax; ++i) {
    within_limit.emplace_back(client_io).connect(endpoint);
  }

  // The kernel completes the handshake; the server then closes it unread.
  tcp::socket beyond_limit(client_io);
  beyond_limit.connect(endpoint);
  char byte = 0;
  beast::error_code read_error;
  beyond_limit.read_some(asio::buffer(&byte, 1), read_error);
  EXPECT_EQ(read_error, asio::error::eof) << read_error.message();

  // Connections within the limit are still served.
  http::request<http::string_body> request(http::verb::get, "/healthz", 11);
  http::write(within_limit.back(), request);
  beast::flat_buffer buffer;
  Response response;
  http::read(within_limit.back(), buffer, response);
  EXPECT_EQ(response.result(), http::status::ok);
}

// An API handler that answers only when told, and counts cancellations.
class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServer::Handlers handlers;
    handlers.healthy = [] { return true; };
    handlers.metrics = [] { return std::string(); };
    handlers.api = [this](HttpServer::ApiCall call,
                          std::function<void(HttpServer::ApiAnswer)> done)
        -> HttpServer::ApiCancel {
      std::lock_guard lock(mu_);
      targets_.push_back(call.target);
      pending_.push_back(std::move(done));
      return [this] { ++cancelled_; };
    };
    absl::StatusOr<std::unique_ptr<HttpServer>> server =
        HttpServer::Start(io_, "127.0.0.1:0", std::move(handlers));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    io_thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    AnswerAll();
    server_->Stop();
    io_thread_.join();
  }

  // Waits up to 10 s for `n` calls to have arrived.
  bool Arrived(size_t n) {
    for (int i = 0; i < 1000; ++i) {
      {
        std::lock_guard lock(mu_);
        if (pending_.size() >= n) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  void AnswerAll() {
    std::vector<std::function<void(HttpServer::ApiAnswer)>> pending;
    {
      std::lock_guard lock(mu_);
      pending.swap(pending_);
    }
    for (auto& done : pending) {
      HttpServer::ApiAnswer answer;
      answer.content_type = "application/json";
      answer.body = "{}";
      done(std::move(answer));
    }
  }

  void SendOnly(tcp::socket& socket, const std::string& target) {
    http::request<http::string_body> request(http::verb::get, target, 11);
    request.set(http::field::host, "127.0.0.1");
    http::write(socket, request);
  }

  asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::thread io_thread_;
  std::mutex mu_;
  std::vector<std::string> targets_;                                 // Guarded.
  std::vector<std::function<void(HttpServer::ApiAnswer)>> pending_;  // Guarded.
  std::atomic<int> cancelled_ = 0;
};

TEST_F(HttpApiTest, AClientThatHangsUpCancelsItsCall) {
  {
    Client client(server_->port());
    SendOnly(client.socket(), "/v1/report");
    ASSERT_TRUE(Arrived(1));
    EXPECT_EQ(cancelled_.load(), 0);
  }  // The client closes its connection before the answer.
  for (int i = 0; i < 1000 && cancelled_.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(cancelled_.load(), 1);
  // The answer still comes, and goes nowhere; the server serves on.
  AnswerAll();
  Client next(server_->port());
  SendOnly(next.socket(), "/v1/report");
  ASSERT_TRUE(Arrived(1));
  AnswerAll();
  http::response_parser<http::string_body> answer;
  http::read(next.socket(), next.buffer(), answer);
  EXPECT_EQ(answer.get().result(), http::status::ok);
  EXPECT_EQ(cancelled_.load(), 1);
}

TEST_F(HttpApiTest, AnAnsweredCallAndAPipelinedOneAreNotCancelled) {
  Client client(server_->port());
  // Two requests at once: the second waits its turn and cancels nothing.
  SendOnly(client.socket(), "/v1/report");
  SendOnly(client.socket(), "/v1/trend");
  ASSERT_TRUE(Arrived(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(cancelled_.load(), 0);
  AnswerAll();
  http::response_parser<http::string_body> first;
  http::read(client.socket(), client.buffer(), first);
  EXPECT_EQ(first.get().result(), http::status::ok);
  ASSERT_TRUE(Arrived(1));
  AnswerAll();
  http::response_parser<http::string_body> second;
  http::read(client.socket(), client.buffer(), second);
  EXPECT_EQ(second.get().result(), http::status::ok);
  {
    std::lock_guard lock(mu_);
    EXPECT_EQ(targets_, (std::vector<std::string>{"/v1/report", "/v1/trend"}));
  }
  // Leaving after the answers cancels nothing.
  client.socket().close();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(cancelled_.load(), 0);
}

TEST(HttpServerStartTest, MalformedAddressIsInvalidArgument) {
  asio::io_context io;
  for (std::string_view address :
       {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:8o",
        "localhost:8080", "[::1:80"}) {
    const absl::StatusOr<std::unique_ptr<HttpServer>> server =
        HttpServer::Start(io, address,
                          {[] { return true; }, [] { return ""; }, {}, {}});
    EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument)
        << address;
    EXPECT_NE(std::string(server.status().message()).find(address),
              std::string::npos)
        << server.status();
  }
}

TEST(HttpServerStartTest, PortInUseIsUnavailable) {
  asio::io_context io;
  const HttpServer::Handlers handlers = {
      [] { return true; }, [] { return ""; }, {}, {}};
  absl::StatusOr<std::unique_ptr<HttpServer>> first =
      HttpServer::Start(io, "127.0.0.1:0", handlers);
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string address = "127.0.0.1:" + std::to_string((*first)->port());
  const absl::StatusOr<std::unique_ptr<HttpServer>> second =
      HttpServer::Start(io, address, handlers);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(std::string(second.status().message()).find(address),
            std::string::npos)
      << second.status();
}

}  // namespace
}  // namespace caseline
