// Runs a helper program (hetsched-calibrate, not a task) as a child process
// and waits for it to end, with a timeout. An interface so that the
// calibration and NCCL collective code can be tested without processes, and
// because only one TaskRunner may exist per process: the agent's
// implementation is its TaskManager, which runs helpers through the same
// runner (and reaper) as tasks. Implementations are thread-safe.
#pragma once

#include <atomic>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/task_runner.h"

namespace hetsched::agent {

struct ChildOutcome {
  ExitInfo exit;
  bool timed_out = false;  // killed because `timeout` passed
  bool cancelled = false;  // killed because `cancel` became true
};

class ChildLauncher {
 public:
  virtual ~ChildLauncher() = default;

  // Starts spec.argv in spec.directory (stdout and stderr go to files
  // there, as for a task) and blocks until it ends. Past `timeout`, or once
  // `*cancel` (may be null) is true, its process group is SIGKILLed and the
  // outcome says so. An error only when it could not be started (NOT_FOUND
  // for a missing binary) or the same spec.task_id is already running.
  virtual absl::StatusOr<ChildOutcome> RunToEnd(
      const LaunchSpec& spec, absl::Duration timeout,
      const std::atomic<bool>* cancel) = 0;
};

}  // namespace hetsched::agent
