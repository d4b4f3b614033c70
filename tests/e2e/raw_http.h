// E2E helper: one TCP connection to the gateway that writes exactly the bytes a test
// gives it, as a hostile client would, and reads answers and the connection's end.
#pragma once
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <arpa/inet.h>

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "client.h"

namespace civic::e2e {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class RawConnection {
 public:
  RawConnection() {
    std::string url = env("GATEWAY_URL");  // http://127.0.0.1:PORT
    auto colon = url.rfind(':');
    int port = std::stoi(url.substr(colon + 1));
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(uint16_t(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("connect failed");
    timeval five{5, 0};  // a gateway that stops reading must not hang the test
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &five, sizeof five);
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  /// Writes all of `bytes`; false when the server has closed or reset the connection.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(size_t(n));
    }
    return true;
  }

  /// The next answer (head and Content-Length body), or nullopt when none came in `wait`.
  std::optional<RawResponse> read_response(std::chrono::milliseconds wait = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      auto end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        RawResponse r;
        std::string head = buffer_.substr(0, end + 2);
        r.status = std::stoi(head.substr(9, 3));
        size_t pos = head.find("\r\n") + 2;
        while (pos < head.size()) {
          size_t eol = head.find("\r\n", pos);
          std::string line = head.substr(pos, eol - pos);
          pos = eol + 2;
          auto colon = line.find(':');
          std::string name = line.substr(0, colon);
          for (auto& ch : name) ch = char(std::tolower(static_cast<unsigned char>(ch)));
          r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
        }
        size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
        if (r.status == 100) {
          buffer_.erase(0, end + 4);
          return r;
        }
        if (buffer_.size() >= end + 4 + length || head_only_) {
          size_t taken = head_only_ ? 0 : length;
          r.body = buffer_.substr(end + 4, taken);
          buffer_.erase(0, end + 4 + taken);
          return r;
        }
      }
      if (!fill(deadline)) return std::nullopt;
    }
  }

  /// True when the server ends the connection (EOF or reset) within `wait`; bytes that
  /// arrive meanwhile are kept for read_response().
  bool closed_by_server(std::chrono::milliseconds wait = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (fill(deadline)) {
    }
    return eof_;
  }

  /// The next answers are to HEAD requests: their Content-Length announces no body.
  void expect_head_answers(bool on) { head_only_ = on; }
  /// Bytes received and not yet read as an answer.
  const std::string& pending() const { return buffer_; }

 private:
  // Reads what arrives before `deadline`; false on timeout or when the connection ended.
  bool fill(std::chrono::steady_clock::time_point deadline) {
    if (eof_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, std::max(0, int(left.count()))) <= 0) return false;
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, size_t(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
  bool head_only_ = false;
};

} // namespace civic::e2e
