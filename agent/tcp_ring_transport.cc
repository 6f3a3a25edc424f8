#include "agent/tcp_ring_transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hetsched::agent {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;
constexpr uint32_t kMagic = 0x48535247;  // "HSRG"
constexpr int kSliceMs = 100;  // how often a wait looks at the abort flag

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

std::string StripBrackets(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

absl::StatusOr<addrinfo*> Resolve(const std::string& host, const char* port,
                                  bool passive) {
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* result = nullptr;
  const int rc =
      getaddrinfo(StripBrackets(host).c_str(), port, &hints, &result);
  if (rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve ", host, ": ", gai_strerror(rc)));
  }
  return result;
}

void SetNonBlocking(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void Tune(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// Binds a socket on host:0 and returns it with its port.
absl::StatusOr<std::pair<int, int>> BindAnyPort(const std::string& host) {
  auto ai = Resolve(host, "0", true);
  if (!ai.ok()) return ai.status();
  absl::Status last = absl::UnavailableError("no address");
  for (addrinfo* a = *ai; a != nullptr; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last = Errno("socket");
      continue;
    }
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0) {
      last = Errno(absl::StrCat("bind ", host));
      close(fd);
      continue;
    }
    sockaddr_storage bound = {};
    socklen_t len = sizeof(bound);
    getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    const int port =
        bound.ss_family == AF_INET6
            ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
            : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    freeaddrinfo(*ai);
    return std::make_pair(fd, port);
  }
  freeaddrinfo(*ai);
  return last;
}

// Waits for `events` on fd until `deadline` or abort; true when ready.
absl::Status WaitFor(int fd, short events, SteadyTime deadline,
                     const std::atomic<bool>* abort, const std::string& what) {
  while (true) {
    if (abort != nullptr && abort->load()) {
      return absl::AbortedError(absl::StrCat(what, ": test aborted"));
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      return absl::DeadlineExceededError(absl::StrCat(what, ": timed out"));
    }
    pollfd p{fd, events, 0};
    const int rc =
        poll(&p, 1, static_cast<int>(std::min<int64_t>(left, kSliceMs)));
    if (rc < 0 && errno != EINTR) return Errno(what);
    if (rc > 0) return absl::OkStatus();
  }
}

absl::Status SendAll(int fd, const char* data, size_t size, SteadyTime deadline,
                     const std::atomic<bool>* abort, const std::string& what) {
  while (size > 0) {
    const ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return Errno(what);
    }
    if (auto s = WaitFor(fd, POLLOUT, deadline, abort, what); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status RecvAll(int fd, char* data, size_t size, SteadyTime deadline,
                     const std::atomic<bool>* abort, const std::string& what) {
  while (size > 0) {
    const ssize_t n = recv(fd, data, size, 0);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
      continue;
    }
    if (n == 0) {
      return absl::UnavailableError(absl::StrCat(what, ": connection closed"));
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return Errno(what);
    }
    if (auto s = WaitFor(fd, POLLIN, deadline, abort, what); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ConnectTo(const std::string& address, SteadyTime deadline,
                              const std::atomic<bool>* abort,
                              const std::string& what) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": '", address, "' is not HOST:PORT"));
  }
  auto ai = Resolve(address.substr(0, colon), address.substr(colon + 1).c_str(),
                    false);
  if (!ai.ok()) {
    return absl::UnavailableError(
        absl::StrCat(what, ": ", ai.status().message()));
  }
  absl::Status last =
      absl::UnavailableError(absl::StrCat(what, ": no address"));
  for (addrinfo* a = *ai; a != nullptr; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    SetNonBlocking(fd);
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = Errno(absl::StrCat(what, " ", address));
      close(fd);
      continue;
    }
    absl::Status ready = WaitFor(fd, POLLOUT, deadline, abort, what);
    int err = 0;
    socklen_t len = sizeof(err);
    if (ready.ok()) getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (!ready.ok() || err != 0) {
      if (ready.ok()) {
        errno = err;
        ready = Errno(absl::StrCat(what, " ", address));
      }
      last = ready;
      close(fd);
      continue;
    }
    Tune(fd);
    freeaddrinfo(*ai);
    return fd;
  }
  freeaddrinfo(*ai);
  return last;
}

std::string Hello(const std::string& test_id, uint32_t rank) {
  std::string h(12, '\0');
  const uint32_t words[3] = {kMagic, rank,
                             static_cast<uint32_t>(test_id.size())};
  std::memcpy(h.data(), words, sizeof(words));
  return h + test_id;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TcpListener>> TcpListener::Open(
    const std::string& host) {
  auto bound = BindAnyPort(host);
  if (!bound.ok()) return bound.status();
  auto [fd, port] = *bound;
  if (listen(fd, 16) != 0) {
    absl::Status s = Errno("listen");
    close(fd);
    return s;
  }
  SetNonBlocking(fd);
  return std::unique_ptr<TcpListener>(
      new TcpListener(fd, absl::StrCat(host, ":", port)));
}

TcpListener::~TcpListener() { close(fd_); }

absl::StatusOr<std::string> PickFreeAddress(const std::string& host) {
  auto bound = BindAnyPort(host);
  if (!bound.ok()) return bound.status();
  close(bound->first);
  return absl::StrCat(host, ":", bound->second);
}

absl::StatusOr<std::unique_ptr<TcpRing>> TcpRing::Connect(
    const Options& o, TcpListener& listener) {
  const SteadyTime deadline =
      std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(o.timeout);
  const uint32_t next = (o.rank + 1) % o.nranks;
  const uint32_t prev = (o.rank + o.nranks - 1) % o.nranks;
  const std::string to_next =
      absl::StrCat("connect to rank ", next, " at ", o.next_address);
  // The listener's backlog completes this connect before the peer accepts,
  // so connecting first and accepting second cannot deadlock the ring.
  auto next_fd = ConnectTo(o.next_address, deadline, o.abort, to_next);
  if (!next_fd.ok()) return next_fd.status();
  const std::string hello = Hello(o.test_id, o.rank);
  if (auto s = SendAll(*next_fd, hello.data(), hello.size(), deadline, o.abort,
                       to_next);
      !s.ok()) {
    close(*next_fd);
    return s;
  }
  const std::string from_prev =
      absl::StrCat("accept from rank ", prev, " on ", listener.address());
  const std::string expected = Hello(o.test_id, prev);
  while (true) {
    absl::Status ready =
        WaitFor(listener.fd(), POLLIN, deadline, o.abort, from_prev);
    if (!ready.ok()) {
      close(*next_fd);
      return ready;
    }
    const int fd = accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    SetNonBlocking(fd);
    std::string got(expected.size(), '\0');
    if (RecvAll(fd, got.data(), got.size(), deadline, o.abort, from_prev)
            .ok() &&
        got == expected) {
      Tune(fd);
      return std::unique_ptr<TcpRing>(new TcpRing(o, *next_fd, fd));
    }
    close(fd);  // not our previous rank: keep waiting for it
  }
}

TcpRing::~TcpRing() {
  close(next_fd_);
  close(prev_fd_);
}

absl::Status TcpRing::SendRecv(absl::Span<const char> send,
                               absl::Span<char> recv) {
  const SteadyTime deadline = std::chrono::steady_clock::now() +
                              absl::ToChronoNanoseconds(options_.timeout);
  const uint32_t next = (options_.rank + 1) % options_.nranks;
  const uint32_t prev = (options_.rank + options_.nranks - 1) % options_.nranks;
  size_t sent = 0;
  size_t received = 0;
  // Both directions at once: each rank sending before it receives would
  // deadlock the ring once the socket buffers are full.
  while (sent < send.size() || received < recv.size()) {
    if (options_.abort != nullptr && options_.abort->load()) {
      return absl::AbortedError("test aborted");
    }
    pollfd fds[2];
    int nfds = 0;
    int send_slot = -1;
    int recv_slot = -1;
    if (sent < send.size()) {
      send_slot = nfds;
      fds[nfds++] = {next_fd_, POLLOUT, 0};
    }
    if (received < recv.size()) {
      recv_slot = nfds;
      fds[nfds++] = {prev_fd_, POLLIN, 0};
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      return absl::DeadlineExceededError(absl::StrCat(
          received < recv.size() ? absl::StrCat("receive from rank ", prev)
                                 : absl::StrCat("send to rank ", next),
          ": no progress within ", absl::FormatDuration(options_.timeout)));
    }
    const int rc =
        poll(fds, nfds, static_cast<int>(std::min<int64_t>(left, kSliceMs)));
    if (rc < 0 && errno != EINTR) return Errno("poll");
    if (rc <= 0) continue;
    if (send_slot >= 0 && fds[send_slot].revents != 0) {
      const ssize_t n = ::send(next_fd_, send.data() + sent, send.size() - sent,
                               MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return Errno(absl::StrCat("send to rank ", next));
      }
    }
    if (recv_slot >= 0 && fds[recv_slot].revents != 0) {
      const ssize_t n =
          ::recv(prev_fd_, recv.data() + received, recv.size() - received, 0);
      if (n > 0) {
        received += static_cast<size_t>(n);
      } else if (n == 0) {
        return absl::UnavailableError(
            absl::StrCat("receive from rank ", prev, ": connection closed"));
      } else if (errno != EAGAIN && errno != EINTR) {
        return Errno(absl::StrCat("receive from rank ", prev));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace hetsched::agent
