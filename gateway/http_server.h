// The gateway's HTTP/1.1 front on Pistache's TCP layer (listener, reactor, transports):
// the bytes of each connection are framed by http1.h, not by Pistache's HTTP parser,
// so that a hostile client is refused from the request head — a body over the route's
// limit is answered 413 and the connection closed before the body is read, smuggling
// shapes and over-long heads are refused, slow heads and bodies time out — and every
// answer the process writes goes through the gateway's error writer and finish().
// Requests on one connection are handled in order on that connection's transport thread.
#pragma once
#include <pistache/listener.h>

#include <atomic>
#include <chrono>
#include <memory>

#include "gateway/gateway.h"
#include "gateway/http1.h"

namespace civic::gateway {

struct ServerOptions {
  int threads = 4;                                     ///< transport threads (GATEWAY_THREADS)
  http1::Limits limits;                                ///< request line / header section
  std::chrono::milliseconds header_timeout{10000};     ///< whole head, from its first byte (slowloris)
  std::chrono::milliseconds body_idle_timeout{15000};  ///< between two reads of a body
  std::chrono::milliseconds body_timeout{120000};      ///< whole body
  std::chrono::milliseconds keepalive_timeout{60000};  ///< idle connection between requests
  std::chrono::milliseconds linger{2000};              ///< reading and dropping after a final answer
  size_t max_connections = 20000;                      ///< more are closed at once
};

class HttpServer {
 public:
  HttpServer(std::shared_ptr<Gateway> gateway, ServerOptions options);
  ~HttpServer();
  /// Binds `port` (0: any free port) on every IPv4 address and serves on background threads.
  void start(uint16_t port);
  void stop();
  uint16_t port() const;

 private:
  std::shared_ptr<Gateway> gateway_;
  ServerOptions options_;
  std::shared_ptr<std::atomic<size_t>> open_;
  std::unique_ptr<Pistache::Tcp::Listener> listener_;
};

} // namespace civic::gateway
