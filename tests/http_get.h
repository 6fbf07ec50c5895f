// A minimal blocking HTTP/1.1 client over a POSIX socket, for end-to-end
// tests of the server's /healthz, /metrics and JSON API.
#ifndef CASELINE_TESTS_HTTP_GET_H_
#define CASELINE_TESTS_HTTP_GET_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace caseline::testing {

struct HttpReply {
  int status = 0;       // 0 when no answer came.
  std::string headers;  // The status line and headers.
  std::string body;
};

// One request with `headers` ("Name: value" lines) and `body`, on a
// connection of its own; the reply split into status, headers and body.
inline HttpReply HttpCall(int port, const std::string& method,
                          const std::string& target,
                          const std::vector<std::string>& headers = {},
                          const std::string& body = "") {
  std::string request =
      method + " " + target + " HTTP/1.1\r\nConnection: close\r\n";
  bool host = false;
  for (const std::string& header : headers) {
    request += header + "\r\n";
    host = host || header.rfind("Host:", 0) == 0;
  }
  if (!host) request += "Host: 127.0.0.1\r\n";
  if (!body.empty() || method == "POST") {
    request += "Content-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ==
      0) {
    size_t sent = 0;
    while (sent < request.size()) {
      // A server that refuses early may close while we still send: an
      // error, not a SIGPIPE that ends the test.
      const ssize_t n =
          send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    // Until the peer closes, or the Content-Length is in (not every server
    // closes after "Connection: close").
    char buffer[65536];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof(buffer))) > 0) {
      response.append(buffer, static_cast<size_t>(n));
      const size_t end = response.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      std::string head = response.substr(0, end);
      for (char& c : head) c = static_cast<char>(tolower(c));
      const size_t length_at = head.find("\r\ncontent-length:");
      if (length_at == std::string::npos) continue;
      const size_t length = std::stoul(head.substr(length_at + 17));
      if (response.size() >= end + 4 + length) break;
    }
  }
  close(fd);
  HttpReply reply;
  const size_t end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) {
    return reply;
  }
  reply.status = std::stoi(response.substr(9, 3));
  reply.headers = response.substr(0, end);
  reply.body = response.substr(end + 4);
  return reply;
}

// The whole response (status line, headers, body) of a GET; empty on
// failure.
inline std::string HttpGet(int port, const std::string& path) {
  const HttpReply reply = HttpCall(port, "GET", path);
  return reply.status == 0 ? "" : reply.headers + "\r\n\r\n" + reply.body;
}

}  // namespace caseline::testing

#endif  // CASELINE_TESTS_HTTP_GET_H_
