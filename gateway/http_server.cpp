#include "gateway/http_server.h"

// Pistache's inline transport destructors trip GCC's -Wnull-dereference at -O2 inside
// its headers (shared_ptr members of queued timer entries), not in this file's code.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <pistache/peer.h>
#include <pistache/transport.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/log.h"
#include "gateway/errors.h"
#include "gateway/transcoder.h"

namespace civic::gateway {
namespace {
namespace Tcp = Pistache::Tcp;
using Clock = std::chrono::steady_clock;

constexpr const char* kConnectionKey = "civic.connection";
constexpr size_t kMaxDiscard = 64 << 10;  // bytes read and dropped after a final answer before a reset

// What one connection is doing. Lives in the peer's data, so it ends with the peer.
struct Connection {
  enum class Phase { idle, head, body, closing };
  Phase phase = Phase::idle;
  Clock::time_point deadline;       // of the current phase
  Clock::time_point body_deadline;  // whole-body cap
  std::string in;                   // received and not yet used
  http1::Head head;
  http1::ChunkedDecoder chunked;
  std::string body;
  std::optional<RequestContext> ctx;
  size_t discarded = 0;
  bool final_written = false;  // closing: the last answer is on the wire
  int queued = 0;              // writes handed to the transport and not yet done
  std::shared_ptr<std::atomic<size_t>> open;

  ~Connection() { open->fetch_sub(1); }
};

// Ends a connection at once with a reset, for clients that keep sending after their
// final answer: connect(AF_UNSPEC) dissolves the TCP association (the kernel drops what
// is queued and sends RST), so the transport's next read fails and it removes the peer —
// without reading megabytes of queued body first, as shutdown(SHUT_RD) would.
void abort_connection(int fd) {
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  ::connect(fd, &unspec, sizeof unspec);
}

Connection& connection_of(const std::shared_ptr<Tcp::Peer>& peer) {
  return *std::static_pointer_cast<Connection>(peer->getData(kConnectionKey));
}

// The connection's final answer is on the wire: FIN after it; the client's close, the
// linger deadline or abort_connection() ends the peer.
void final_answer_written(const std::shared_ptr<Tcp::Peer>& peer) {
  connection_of(peer).final_written = true;
  ::shutdown(peer->fd(), SHUT_WR);
}

HttpRequest request_of(const http1::Head& head, const std::string& peer_ip) {
  HttpRequest r;
  r.method = head.method;
  r.path = head.path;
  r.query = split_query(head.query);
  r.headers = head.headers;
  r.declared_length = head.content_length.value_or(0);
  r.chunked = head.chunked;
  r.peer_ip = peer_ip;
  return r;
}

// The handler of one transport thread: frames requests and runs them through the gateway.
class Front final : public Tcp::Handler {
 public:
  Front(std::shared_ptr<Gateway> gateway, const ServerOptions& options, std::shared_ptr<std::atomic<size_t>> open)
      : gateway_(std::move(gateway)), options_(options), open_(std::move(open)) {}

  std::shared_ptr<Tcp::Handler> clone() const override { return std::make_shared<Front>(gateway_, options_, open_); }

  void onConnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    auto c = std::make_shared<Connection>();
    c->open = open_;
    c->deadline = Clock::now() + options_.header_timeout;  // a connection that says nothing is dropped
    peer->putData(kConnectionKey, c);
    if (open_->fetch_add(1) + 1 > options_.max_connections) {
      c->phase = Connection::Phase::closing;
      ::shutdown(peer->fd(), SHUT_RDWR);  // the reactor sees the end and removes the peer
    }
  }

  void onInput(const char* buffer, size_t len, const std::shared_ptr<Tcp::Peer>& peer) override {
    Connection& c = connection_of(peer);
    if (c.phase == Connection::Phase::closing) {
      // Lingering close: the client may still be sending a body we refused; reading it
      // lets the answer reach the client instead of a reset. Bounded.
      c.discarded += len;
      // Past the cap the client is not listening: end it even if its answer is still queued.
      if ((c.discarded > kMaxDiscard && c.final_written) || c.discarded > 16 * kMaxDiscard) abort_connection(peer->fd());
      return;
    }
    c.in.append(buffer, len);
    process(c, peer);
  }

  /// A connection's deadline passed (called on this transport's thread).
  void timeout(Connection& c, const std::shared_ptr<Tcp::Peer>& peer) {
    c.ctx.reset();
    RequestContext ctx = gateway_->bare_context(peer->address().host());
    ctx.route_label = c.phase == Connection::Phase::head ? "timeout:head" : "timeout:body";
    answer(c, peer, ctx, errors::http(408, false), true);
  }

 private:
  void process(Connection& c, const std::shared_ptr<Tcp::Peer>& peer) {
    while (c.phase != Connection::Phase::closing) {
      if (c.phase == Connection::Phase::idle || c.phase == Connection::Phase::head) {
        if (c.in.empty()) return;
        if (c.phase == Connection::Phase::idle) {
          c.phase = Connection::Phase::head;
          c.deadline = Clock::now() + options_.header_timeout;
        }
        auto parsed = http1::parse_head(c.in, options_.limits);
        if (std::holds_alternative<std::monostate>(parsed)) return;
        if (auto* refusal = std::get_if<http1::Refusal>(&parsed)) {
          RequestContext ctx = gateway_->bare_context(peer->address().host());
          ctx.route_label = "refused:" + refusal->reason;
          answer(c, peer, ctx, errors::http(refusal->status, false), true);
          return;
        }
        c.head = std::move(std::get<http1::Head>(parsed));
        c.in.erase(0, c.head.size);
        c.ctx.emplace(gateway_->context(request_of(c.head, peer->address().host())));
        if (auto early = gateway_->admit(*c.ctx)) {
          // Answered from the head: a body that is coming is never read.
          answer(c, peer, *c.ctx, std::move(*early), c.head.has_body() || !c.head.keep_alive);
          continue;
        }
        if (c.head.expect_continue && c.head.has_body()) write(c, peer, "HTTP/1.1 100 Continue\r\n\r\n");
        c.phase = Connection::Phase::body;
        c.body.clear();
        c.chunked = http1::ChunkedDecoder();
        auto now = Clock::now();
        c.deadline = now + options_.body_idle_timeout;
        c.body_deadline = now + options_.body_timeout;
      }
      // Body.
      if (c.head.chunked) {
        size_t used = 0;
        auto result = c.chunked.feed(c.in, c.body, c.ctx->body_limit, used);
        c.in.erase(0, used);
        if (used) c.deadline = std::min(Clock::now() + options_.body_idle_timeout, c.body_deadline);
        if (result == http1::ChunkedDecoder::Result::more) return;
        if (result != http1::ChunkedDecoder::Result::done) {
          c.ctx->route_label += result == http1::ChunkedDecoder::Result::too_large ? " (body over limit)" : " (bad chunk)";
          int status = result == http1::ChunkedDecoder::Result::too_large ? 413 : 400;
          answer(c, peer, *c.ctx, errors::http(status, c.ctx->english), true);
          return;
        }
      } else {
        size_t need = c.head.content_length.value_or(0);
        if (c.in.size() < need) {
          c.deadline = std::min(Clock::now() + options_.body_idle_timeout, c.body_deadline);
          return;
        }
        if (c.in.size() == need) {
          c.body = std::move(c.in);
          c.in.clear();
        } else {
          c.body.assign(c.in, 0, need);
          c.in.erase(0, need);
        }
      }
      HttpResponse resp = gateway_->complete(*c.ctx, std::move(c.body));
      c.body.clear();
      answer(c, peer, *c.ctx, std::move(resp), !c.head.keep_alive);
    }
  }

  // Writes the final answer of a request; `close` ends the connection after it.
  void answer(Connection& c, const std::shared_ptr<Tcp::Peer>& peer, RequestContext& ctx, HttpResponse resp,
              bool close) {
    gateway_->finish(ctx, resp);
    std::string out = http1::serialize_head(resp.status, resp.headers, resp.content_type, resp.body.size(), !close);
    if (!ctx.head_only) out += resp.body;  // HEAD: GET's head, no body
    c.ctx.reset();
    if (!close) {
      write(c, peer, std::move(out));
      c.phase = Connection::Phase::idle;
      c.deadline = Clock::now() + options_.keepalive_timeout;
      return;
    }
    c.phase = Connection::Phase::closing;
    c.deadline = Clock::now() + options_.linger;
    c.in.clear();
    c.in.shrink_to_fit();
    // The last answer goes out now, straight to the socket, when nothing of this
    // connection is still queued: the transport keeps reading what a hostile client
    // sends until the socket runs dry, and the queue would only be written after that.
    size_t sent = 0;
    if (c.queued == 0) {
      ssize_t n = ::send(peer->fd(), out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      sent = n > 0 ? size_t(n) : 0;
    }
    if (sent == out.size()) return final_answer_written(peer);
    write(c, peer, out.substr(sent), final_answer_written);
  }

  // Queues bytes on the transport's writer; `queued` counts them until written, then
  // `after` runs on this transport's thread, if the peer is still there.
  static void write(Connection& c, const std::shared_ptr<Tcp::Peer>& peer, std::string bytes,
                    void (*after)(const std::shared_ptr<Tcp::Peer>&) = nullptr) {
    size_t size = bytes.size();
    ++c.queued;
    std::weak_ptr<Tcp::Peer> weak = peer;
    auto done = [weak, after] {
      auto p = weak.lock();
      if (!p) return;
      --connection_of(p).queued;
      if (after) after(p);
    };
    peer->send(Pistache::RawBuffer(std::move(bytes), size)).then([done](ssize_t) { done(); },
                                                                  [done](std::exception_ptr) { done(); });
  }

  std::shared_ptr<Gateway> gateway_;
  ServerOptions options_;
  std::shared_ptr<std::atomic<size_t>> open_;
};

// A transport thread with a clock: every 250 ms it ends connections whose phase ran out
// of time — idle keep-alive connections quietly, slow heads and bodies with a 408,
// lingering ones after their grace.
class FrontTransport final : public Tcp::Transport {
 public:
  explicit FrontTransport(const std::shared_ptr<Front>& front) : Tcp::Transport(front), front_(front) {}
  ~FrontTransport() override {
    if (timer_fd_ >= 0) ::close(timer_fd_);
  }

  void registerPoller(Pistache::Polling::Epoll& poller) override {
    Tcp::Transport::registerPoller(poller);
    timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer_fd_ < 0) throw std::runtime_error("timerfd_create failed");
    itimerspec spec{};
    spec.it_interval.tv_nsec = spec.it_value.tv_nsec = 250'000'000;
    timerfd_settime(timer_fd_, 0, &spec, nullptr);
    poller.addFd(timer_fd_, Pistache::Flags<Pistache::Polling::NotifyOn>(Pistache::Polling::NotifyOn::Read),
                 Pistache::Polling::Tag(timer_fd_));
  }

  void onReady(const Pistache::Aio::FdSet& fds) override {
    for (const auto& entry : fds)
      if (entry.getTag() == Pistache::Polling::Tag(timer_fd_)) {
        uint64_t wakeups = 0;
        [[maybe_unused]] auto n = ::read(timer_fd_, &wakeups, sizeof wakeups);
        expire();
      }
    Tcp::Transport::onReady(fds);
  }

  std::shared_ptr<Pistache::Aio::Handler> clone() const override {
    return std::make_shared<FrontTransport>(std::static_pointer_cast<Front>(front_->clone()));
  }

 private:
  void expire() {
    auto now = Clock::now();
    std::vector<std::shared_ptr<Tcp::Peer>> ended;
    for (const auto& [fd, peer] : peers) {
      if (!peer->tryGetData(kConnectionKey)) continue;
      Connection& c = connection_of(peer);
      if (now < c.deadline) continue;
      if (c.phase == Connection::Phase::head || c.phase == Connection::Phase::body) {
        front_->timeout(c, peer);
        continue;
      }
      if (c.phase == Connection::Phase::closing) abort_connection(peer->fd());  // done lingering: a reset
      ended.push_back(peer);
    }
    for (const auto& peer : ended) removePeer(peer);
  }

  std::shared_ptr<Front> front_;
  int timer_fd_ = -1;
};
} // namespace

HttpServer::HttpServer(std::shared_ptr<Gateway> gateway, ServerOptions options)
    : gateway_(std::move(gateway)), options_(options), open_(std::make_shared<std::atomic<size_t>>(0)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start(uint16_t port) {
  Pistache::Address addr(Pistache::Ipv4::any(), Pistache::Port(port));
  listener_ = std::make_unique<Tcp::Listener>(addr);
  listener_->init(size_t(options_.threads), Pistache::Flags<Tcp::Options>(Tcp::Options::ReuseAddr | Tcp::Options::NoDelay),
                  "gateway");
  auto front = std::make_shared<Front>(gateway_, options_, open_);
  listener_->setHandler(front);
  listener_->setTransportFactory([front] { return std::make_shared<FrontTransport>(front); });
  listener_->bind();
  listener_->runThreaded();
}

void HttpServer::stop() {
  if (!listener_) return;
  listener_->shutdown();
  listener_.reset();
}

uint16_t HttpServer::port() const { return listener_ ? uint16_t(listener_->getPort()) : 0; }

} // namespace civic::gateway
