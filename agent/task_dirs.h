// The agent's work directory layout, the one place that turns a task id
// into a path:
//   WORK_DIR/tasks/<task_id>/          the task's cwd
//   WORK_DIR/tasks/<task_id>/stdout    its standard output
//   WORK_DIR/tasks/<task_id>/stderr    its standard error
//   WORK_DIR/tasks/<task_id>/stop_reason  why the agent stops it, one word
//   WORK_DIR/supervised/<task_id>/     the agent's own record of a task
//                                      while it runs (mode 0700, outside
//                                      any task's cwd): its assignment and
//                                      its supervisor's state, so that a
//                                      restarted agent adopts it
//   JOB_DIR_ROOT/<job_id>/             the job's directory on this host,
//                                      the same for every attempt
//                                      (JOB_DIR_ROOT: --job-dir-root,
//                                      default WORK_DIR/jobs)
// Task ids come from the network, so every path goes through
// ValidateTaskId. Stateless functions; thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hetsched::agent {

// 1..128 characters of [A-Za-z0-9._-], not starting with '.', so an id can
// never name a parent directory or a hidden file. INVALID_ARGUMENT names
// task_id.
absl::Status ValidateTaskId(std::string_view task_id);

// WORK_DIR/tasks/<task_id>; the id must be valid.
std::string TaskDir(const std::string& work_dir, std::string_view task_id);

// Creates WORK_DIR/tasks/<task_id> (and parents).
absl::StatusOr<std::string> CreateTaskDir(const std::string& work_dir,
                                          std::string_view task_id);

// JOB_DIR_ROOT/<job_id>, created (with parents) if missing. Job ids obey
// the task id rules; INVALID_ARGUMENT names job_id otherwise.
absl::StatusOr<std::string> CreateJobDir(const std::string& job_dir_root,
                                         std::string_view job_id);

// The file a task reads to learn why it is being stopped.
std::string StopReasonPath(const std::string& task_dir);
// Writes `reason` and a newline to StopReasonPath(task_dir), whole or not
// at all (a new file renamed over the old one).
absl::Status WriteStopReason(const std::string& task_dir,
                             std::string_view reason);

// WORK_DIR/supervised: one directory per task a supervisor runs.
std::string SupervisedRoot(const std::string& work_dir);
// Creates WORK_DIR/supervised/<task_id>, private to the agent (0700).
absl::StatusOr<std::string> CreateSupervisedDir(const std::string& work_dir,
                                                std::string_view task_id);

}  // namespace hetsched::agent
