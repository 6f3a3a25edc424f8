// What a task's supervisor (hetsched-task-supervisor) leaves on local disk
// so that a restarted agent can adopt the task: in the task's state
// directory (outside the task's working directory), `supervisor` (who
// supervises which process group, since when) once the task runs, and
// `exit` (how it ended) before the supervisor exits. Each file is written
// whole (temporary file, fsync, rename): a reader sees all of it or none.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "agent/task_launcher.h"

namespace hetsched::agent {

struct SupervisorRecord {
  pid_t pid = 0;             // the supervisor
  uint64_t start_ticks = 0;  // its start time (/proc/PID/stat), vs pid reuse
  pid_t pgid = 0;            // the task's process group
  int64_t started_unix_ms = 0;
};

absl::Status WriteSupervisorRecord(const std::string& dir,
                                   const SupervisorRecord& record);
absl::StatusOr<SupervisorRecord> ReadSupervisorRecord(const std::string& dir);

absl::Status WriteExitRecord(const std::string& dir, const ExitInfo& exit);
// NOT_FOUND while the task has not ended.
absl::StatusOr<ExitInfo> ReadExitRecord(const std::string& dir);

// Start time of `pid` in clock ticks since boot; 0 when it does not exist.
uint64_t ProcessStartTicks(pid_t pid);
// Whether the recorded supervisor still runs (same pid, same start time).
bool SupervisorAlive(const SupervisorRecord& record);

}  // namespace hetsched::agent
