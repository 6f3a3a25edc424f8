// The TCP side of the agents' ring all-reduce test: a listener on the
// agent's advertise host (PREPARE), the connection to the next rank and the
// one accepted from the previous rank (START), and SendRecv over the two.
// Every operation has a deadline and stops early once `abort` is set (an
// ABORT order); errors name the peer. One TcpRing is used by one thread,
// except Abort-by-flag, which any thread may set.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/collective_ring.h"

namespace hetsched::agent {

// A listening TCP socket on `host` (an IP, a name, or "[v6]"), port 0.
class TcpListener {
 public:
  static absl::StatusOr<std::unique_ptr<TcpListener>> Open(
      const std::string& host);
  ~TcpListener();
  // "HOST:PORT" with the host as given.
  const std::string& address() const { return address_; }
  int fd() const { return fd_; }

 private:
  TcpListener(int fd, std::string address)
      : fd_(fd), address_(std::move(address)) {}
  int fd_;
  std::string address_;
};

// A free port on `host` for someone else to listen on (NCCL's bootstrap
// root): bound, read back and closed; "HOST:PORT".
absl::StatusOr<std::string> PickFreeAddress(const std::string& host);

class TcpRing final : public RingTransport {
 public:
  struct Options {
    std::string test_id;
    uint32_t rank = 0;
    uint32_t nranks = 0;
    std::string next_address;                     // peers[rank + 1]
    absl::Duration timeout = absl::Seconds(120);  // per operation
    const std::atomic<bool>* abort = nullptr;
  };

  // Connects to the next rank and accepts the previous one on `listener`
  // (a connection that does not introduce itself as rank-1 of this test is
  // closed and the wait goes on).
  static absl::StatusOr<std::unique_ptr<TcpRing>> Connect(
      const Options& options, TcpListener& listener);
  ~TcpRing() override;

  absl::Status SendRecv(absl::Span<const char> send,
                        absl::Span<char> recv) override;

 private:
  TcpRing(Options options, int next_fd, int prev_fd)
      : options_(std::move(options)), next_fd_(next_fd), prev_fd_(prev_fd) {}
  Options options_;
  int next_fd_;
  int prev_fd_;
};

}  // namespace hetsched::agent
