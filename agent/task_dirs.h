// The agent's work directory layout, the one place that turns a task id
// into a path:
//   WORK_DIR/tasks/<task_id>/          the task's cwd
//   WORK_DIR/tasks/<task_id>/stdout    its standard output
//   WORK_DIR/tasks/<task_id>/stderr    its standard error
//   WORK_DIR/tasks/<task_id>/pgid      "<pgid> <boot id>" while it runs
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

// Records the running task's process group so a later agent can clean up.
absl::Status WritePgidFile(const std::string& task_dir, pid_t pgid);
void RemovePgidFile(const std::string& task_dir);

// Kills the process groups left by a previous agent run (pgid files of the
// same boot) and removes those files. Returns one line per group for the
// log. Their tasks are orphans the scheduler has marked LOST.
std::vector<std::string> KillLeftoverGroups(const std::string& work_dir);

}  // namespace hetsched::agent
