// Disk pressure: a node whose work dir's file system is nearly full takes
// no new work (a task could not write its logs or checkpoints, and would
// fail silently). The guard measures the free space now and then and
// before each assignment, and reports a reason while it is below the
// floor (--min-free-disk-bytes, --min-free-disk-percent); the agent sends
// it as its node's unhealthy_reason. It recovers by itself once space is
// back. The free-space source is injected, so tests say "full" or "free".
// Thread-safe: Check() may run on the guard's thread and the link's.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace hetsched::agent {

struct DiskSpace {
  uint64_t available_bytes = 0;  // what an unprivileged writer may still use
  uint64_t total_bytes = 0;
};

// statvfs(2) of `path`.
absl::StatusOr<DiskSpace> StatvfsSpace(const std::string& path);

// "" when `space` is at or above both floors (0 and 0.0: no floor), else
// why the node takes no work.
std::string DiskPressureReason(const DiskSpace& space, const std::string& path,
                               uint64_t min_free_bytes,
                               double min_free_percent);

class DiskGuard {
 public:
  using Source = std::function<absl::StatusOr<DiskSpace>(const std::string&)>;
  struct Options {
    std::string path;  // the agent's --work-dir
    uint64_t min_free_bytes = uint64_t{1} << 30;
    double min_free_percent = 0;
    Source source;  // empty: StatvfsSpace
    // Called (outside the guard's lock) with the new reason whenever it
    // changes; "" means there is room again.
    std::function<void(const std::string&)> on_change;
  };
  explicit DiskGuard(Options options);
  ~DiskGuard() { Stop(); }
  DiskGuard(const DiskGuard&) = delete;
  DiskGuard& operator=(const DiskGuard&) = delete;

  // Measures now; returns the reason ("" when there is room). A source
  // that fails counts as no room: tasks could not write there either.
  std::string Check();
  std::string reason() const;

  // Check() every `period` on a thread of its own until Stop().
  void Start(absl::Duration period);
  void Stop();

 private:
  Options options_;
  std::mutex check_mu_;  // held across a whole Check()
  mutable std::mutex mu_;
  std::string reason_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace hetsched::agent
