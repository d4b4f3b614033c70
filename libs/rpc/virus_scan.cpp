#include "rpc/virus_scan.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/config.h"
#include "core/log.h"
#include "rpc/audit.h"
#include "rpc/status.h"

namespace civic::rpc {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kChunk = 64 * 1024;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

bool wait_for(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd pfd{fd, events, 0};
  int rc;
  do rc = ::poll(&pfd, 1, int(timeout.count()));
  while (rc < 0 && errno == EINTR);
  return rc > 0;
}

// A connected non-blocking socket to `address`, or -1 with `why` set.
int connect_to(const std::string& address, std::chrono::milliseconds timeout, std::string& why) {
  auto finish = [&](int fd, const sockaddr* sa, socklen_t len) {
    if (fd < 0) {
      why = std::string("socket: ") + std::strerror(errno);
      return -1;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (::connect(fd, sa, len) == 0) return fd;
    if (errno == EINPROGRESS || errno == EAGAIN) {
      int err = 0;
      socklen_t n = sizeof err;
      if (wait_for(fd, POLLOUT, timeout) && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n) == 0 && err == 0)
        return fd;
      why = err ? std::string("connect: ") + std::strerror(err) : "connect: timed out";
    } else {
      why = std::string("connect: ") + std::strerror(errno);
    }
    ::close(fd);
    return -1;
  };
  if (address.rfind("unix:", 0) == 0) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::string path = address.substr(5);
    if (path.empty() || path.size() >= sizeof sa.sun_path) {
      why = "bad socket path";
      return -1;
    }
    std::memcpy(sa.sun_path, path.data(), path.size());
    return finish(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  }
  auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    why = "address is neither unix:PATH nor HOST:PORT";
    return -1;
  }
  std::string host = address.substr(0, colon), port = address.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    why = std::string("resolve: ") + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next)
    fd = finish(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol), a->ai_addr, a->ai_addrlen);
  ::freeaddrinfo(found);
  return fd;
}

bool send_all(int fd, const char* data, size_t size, std::chrono::milliseconds timeout) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      size -= size_t(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd, POLLOUT, timeout)) return false;
    } else {
      return false;
    }
  }
  return true;
}

// clamd's answer, up to its terminating NUL (z-commands) or the end of the stream.
std::string read_reply(int fd, std::chrono::milliseconds timeout) {
  std::string reply;
  char buf[512];
  while (reply.size() < 4096) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      reply.append(buf, size_t(n));
      if (auto nul = reply.find('\0'); nul != std::string::npos) return reply.substr(0, nul);
    } else if (n == 0) {
      break;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(fd, POLLIN, timeout)) break;
    } else {
      break;
    }
  }
  return reply;
}

ScanVerdict verdict_of(std::string reply) {
  while (!reply.empty() && (reply.back() == '\n' || reply.back() == '\r')) reply.pop_back();
  // "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
  std::string_view body = reply;
  if (body.rfind("stream: ", 0) == 0) body.remove_prefix(8);
  auto ends = [&](std::string_view tail) {
    return body.size() >= tail.size() && body.substr(body.size() - tail.size()) == tail;
  };
  if (body == "OK") return {ScanVerdict::Outcome::clean, ""};
  if (ends(" FOUND")) return {ScanVerdict::Outcome::infected, std::string(body.substr(0, body.size() - 6))};
  return {ScanVerdict::Outcome::unavailable, reply.empty() ? "no answer" : reply};
}

} // namespace

VirusScanner::VirusScanner(std::string address, std::chrono::milliseconds timeout)
    : address_(std::move(address)), timeout_(timeout) {}

VirusScanner VirusScanner::from_env() {
  std::string address = config::str("CLAMD_ADDRESS", "");
  if (address.empty())
    throw std::invalid_argument("CLAMD_ADDRESS is not set: uploads are scanned by clamd (unix:PATH or HOST:PORT)");
  return VirusScanner(address, std::chrono::milliseconds(config::integer("CLAMD_TIMEOUT_MS", 30000, 100, 600000)));
}

ScanVerdict VirusScanner::scan(std::string_view data) const {
  std::string why;
  Socket sock(connect_to(address_, timeout_, why));
  if (sock.fd() < 0) return {ScanVerdict::Outcome::unavailable, why};
  static constexpr char kCommand[] = "zINSTREAM";
  bool sent = send_all(sock.fd(), kCommand, sizeof kCommand, timeout_);  // with its NUL
  for (size_t at = 0; sent && at < data.size(); at += kChunk) {
    size_t n = std::min(kChunk, data.size() - at);
    uint32_t len = htonl(uint32_t(n));
    sent = send_all(sock.fd(), reinterpret_cast<const char*>(&len), sizeof len, timeout_) &&
           send_all(sock.fd(), data.data() + at, n, timeout_);
  }
  uint32_t end = 0;
  sent = sent && send_all(sock.fd(), reinterpret_cast<const char*>(&end), sizeof end, timeout_);
  int send_error = sent ? 0 : errno;
  // clamd may answer early (its stream limit) and close: its reply says why.
  std::string reply = read_reply(sock.fd(), timeout_);
  if (!sent && reply.empty()) return {ScanVerdict::Outcome::unavailable, "send: " + std::string(std::strerror(send_error))};
  ScanVerdict v = verdict_of(std::move(reply));
  if (!sent && v.outcome == ScanVerdict::Outcome::clean) return {ScanVerdict::Outcome::unavailable, "stream cut short"};
  return v;
}

grpc::Status scan_upload(const VirusScanner& scanner, db::Pool& pool, const Principal& p, std::string_view field,
                         std::string_view data, std::string_view entity_type, std::string_view entity_id) {
  auto started = Clock::now();
  ScanVerdict v = scanner.scan(data);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  switch (v.outcome) {
    case ScanVerdict::Outcome::clean:
      log::debug("upload_scanned", {{"bytes", data.size()}, {"ms", ms}});
      return grpc::Status::OK;
    case ScanVerdict::Outcome::infected:
      pool.transaction([&](db::Tx& tx) {
        audit(tx, p, "upload_refused", entity_type, entity_id,
              {{"reason", "infected"}, {"signature", v.detail}, {"bytes", data.size()}});
      });
      log::warn("upload_infected", {{"signature", v.detail}, {"entity_type", entity_type}, {"entity_id", entity_id},
                                    {"bytes", data.size()}, {"account_id", p.account_id()},
                                    {"request_id", p.request_id()}});
      return invalid(std::string(field), "infected",
                     "ウイルスが検出されたため受け付けられません（" + v.detail + "）",
                     "a virus was found in this file (" + v.detail + ")");
    case ScanVerdict::Outcome::unavailable:
      break;
  }
  log::error("virus_scan_unavailable", {{"clamd", scanner.address()}, {"why", v.detail}, {"ms", ms},
                                        {"request_id", p.request_id()}});
  return fail(grpc::StatusCode::UNAVAILABLE,
              "ウイルス検査ができないため、いまはファイルを受け付けられません。しばらくしてからお試しください", 60);
}

} // namespace civic::rpc
