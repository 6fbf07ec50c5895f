// Whether an address reaches only this machine: the line between a server
// that may run open for development and one that must have TLS and tokens
// (caseline-server), and between a token that may travel in clear and one
// that may not (the caseline client).
#ifndef CASELINE_SERVER_AUTH_LOOPBACK_H_
#define CASELINE_SERVER_AUTH_LOOPBACK_H_

#include <arpa/inet.h>

#include <string>

namespace caseline::auth {

// "127.0.0.1:50051", "localhost:0", "[::1]:8080": true. A host name other
// than localhost is not trusted to resolve to this machine.
inline bool IsLoopbackAddress(const std::string& host_port) {
  const std::string host = host_port.substr(0, host_port.rfind(':'));
  if (host == "localhost" || host == "[::1]") return true;
  in_addr ipv4{};
  return inet_pton(AF_INET, host.c_str(), &ipv4) == 1 &&
         (ntohl(ipv4.s_addr) >> 24) == 127;
}

}  // namespace caseline::auth

#endif  // CASELINE_SERVER_AUTH_LOOPBACK_H_
