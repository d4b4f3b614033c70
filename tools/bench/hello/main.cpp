// The limit a Pistache server reaches on this machine: a bare hello over keep-alive
// connections, no gateway work at all. tools/bench/uncached measures it in the same run
// as the gateway's routes, so their figures read as a share of it. Never deployed.
// Usage: civic_bench_hello PORT THREADS
#include <pistache/endpoint.h>
#include <pistache/http.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

namespace {
namespace Http = Pistache::Http;

class Hello final : public Http::Handler {
 public:
  HTTP_PROTOTYPE(Hello)
  void onRequest(const Http::Request&, Http::ResponseWriter response) override {
    // Pistache answers "Connection: close" to an HTTP/1.1 request without a Connection
    // header; keep-alive is what the gateway does, so the baseline does it too.
    response.headers().remove<Http::Header::Connection>();
    response.headers().add<Http::Header::Connection>(Http::ConnectionControl::KeepAlive);
    response.send(Http::Code::Ok, R"({"hello":"world"})", MIME(Application, Json));
  }
};
} // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: civic_bench_hello PORT THREADS\n";
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  Pistache::Address addr(Pistache::Ipv4::loopback(), Pistache::Port(uint16_t(std::atoi(argv[1]))));
  Http::Endpoint endpoint(addr);
  endpoint.init(Http::Endpoint::options().threads(std::atoi(argv[2])).flags(Pistache::Tcp::Options::ReuseAddr));
  endpoint.setHandler(Http::make_handler<Hello>());
  endpoint.serve();
}
