// What the fleet benchmark reads about a process from /proc: CPU time
// (utime + stime from /proc/PID/stat), resident memory and thread count
// (/proc/PID/status). Stateless functions; thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "absl/status/statusor.h"

namespace hetsched::bench {

struct ProcSample {
  double cpu_seconds = 0;  // user + system, this process's own threads
  uint64_t rss_bytes = 0;
  int threads = 0;
};

// NOT_FOUND when the process is gone.
absl::StatusOr<ProcSample> ReadProc(pid_t pid);

}  // namespace hetsched::bench
