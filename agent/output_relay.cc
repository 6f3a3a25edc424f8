#include "agent/output_relay.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace hetsched::agent {
namespace {

constexpr size_t kChunk = 64 * 1024;
// At the stop, what is read before giving up on a writer that goes on.
constexpr int kDrainChunks = 256;

// Writes all of [data, data + n) to fd; false on an error.
bool WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

void Keep(RelayStream& s, const char* data, size_t n, uint64_t max_bytes) {
  if (s.capped || s.broken || n == 0) return;
  size_t keep = n;
  if (max_bytes > 0 && s.written + n > max_bytes) {
    keep = static_cast<size_t>(max_bytes - s.written);
  }
  if (keep > 0) {
    if (!WriteAll(s.out, data, keep)) {
      s.broken = true;
      return;
    }
    s.written += keep;
    s.ends_line = data[keep - 1] == '\n';
  }
  if (keep < n) {
    const std::string note =
        (s.ends_line ? "" : "\n") + TruncationNote(max_bytes);
    s.broken = !WriteAll(s.out, note.data(), note.size());
    s.capped = true;
  }
}

// Reads up to `chunks` chunks of what `s.in` holds now; false once it
// reached end of file (or failed), and closes it then.
bool Pump(RelayStream& s, uint64_t max_bytes, int chunks) {
  char buf[kChunk];
  for (int i = 0; i < chunks; ++i) {
    const ssize_t got = read(s.in, buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (got <= 0) {
      close(s.in);
      s.in = -1;
      return false;
    }
    Keep(s, buf, static_cast<size_t>(got), max_bytes);
  }
  return true;
}

}  // namespace

std::string TruncationNote(uint64_t max_bytes) {
  return "[hetsched: output truncated at " + std::to_string(max_bytes) +
         " bytes; further output discarded]\n";
}

void RelayOutput(std::vector<RelayStream>& streams, uint64_t max_bytes,
                 int stop_fd) {
  for (RelayStream& s : streams) {
    if (s.in >= 0) fcntl(s.in, F_SETFL, fcntl(s.in, F_GETFL) | O_NONBLOCK);
  }
  while (true) {
    std::vector<pollfd> fds;
    std::vector<RelayStream*> owners;
    for (RelayStream& s : streams) {
      if (s.in < 0) continue;
      fds.push_back({s.in, POLLIN, 0});
      owners.push_back(&s);
    }
    if (fds.empty()) return;
    const size_t open_streams = fds.size();
    if (stop_fd >= 0) fds.push_back({stop_fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (stop_fd >= 0 && fds[open_streams].revents != 0) {
      // The task's processes are gone; a writer that escaped them must not
      // keep the supervisor from ending.
      for (RelayStream* s : owners) {
        if (Pump(*s, max_bytes, kDrainChunks)) {
          close(s->in);
          s->in = -1;
        }
      }
      return;
    }
    for (size_t i = 0; i < open_streams; ++i) {
      if (fds[i].revents != 0) Pump(*owners[i], max_bytes, 1);
    }
  }
}

}  // namespace hetsched::agent
