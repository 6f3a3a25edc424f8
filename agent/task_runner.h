// Runs task processes: each in its own process group, with its own working
// directory, environment and stdout/stderr files; reaps them and reports how
// they ended. Pure POSIX, no protobuf, so it is tested alone.
//
// Ownership: a TaskRunner reaps every child of the process (it waits on any
// pid, and makes the process a child subreaper so a task's orphaned
// grandchildren come back to it and do not linger as zombies). So only one
// TaskRunner may exist at a time, and nobody else may wait for children
// while it does.
// Thread-safety: all methods are thread-safe. The exit callback runs on the
// runner's waiter thread (or on Start's caller, see Start) without any lock
// held, so it may call back into the runner.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/device_env.h"
#include "agent/task_launcher.h"

namespace hetsched::agent {

class TaskRunner final : public TaskLauncher {
 public:
  // `supervisor`: the hetsched-task-supervisor binary for specs with a
  // state_dir; empty: the one next to this executable, if any (without
  // one, tasks run as plain children and end with the agent).
  explicit TaskRunner(ExitCallback on_exit, std::string supervisor = "");
  // SIGKILLs every process group still running and reaps the leaders,
  // unless Detach() was called: supervised tasks then keep running.
  ~TaskRunner() override;
  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  // Forks the task as the leader of a new process group (pgid == pid) and
  // execs spec.argv without a shell. Returns the pid once exec succeeded,
  // after calling on_running(pid); the exit callback for this task is never
  // called before on_running has returned (if the process already ended, it
  // is called from here, just before returning). When exec fails, returns
  // the errno as a status (NOT_FOUND for a missing binary) and never calls
  // the exit callback.
  absl::StatusOr<pid_t> Start(
      const LaunchSpec& spec,
      const std::function<void(pid_t)>& on_running) override;

  // SIGTERM to the task's process group now, SIGKILL to the group once
  // `grace` has passed if the leader still runs. NOT_FOUND when the task
  // does not run. Calling it again may shorten the grace, never lengthen it.
  absl::Status Terminate(const std::string& task_id,
                         absl::Duration grace) override;

  // `sig` to the task's process group.
  absl::Status Signal(const std::string& task_id, int sig) override;

  bool Running(const std::string& task_id) const override;

  // Watches the supervisor through a pidfd (it is not our child); its end
  // brings the exit its supervisor recorded in state_dir.
  absl::Status Adopt(const std::string& task_id, pid_t supervisor_pid,
                     uint64_t supervisor_start_ticks, pid_t pgid,
                     const std::string& state_dir) override;
  void Detach() override;

  bool Supervises() const override { return supervised(); }
  bool supervised() const { return !supervisor_.empty(); }

 private:
  struct Child {
    std::string task_id;
    pid_t pgid = 0;  // the task's group (the supervisor's child's)
    bool supervised = false;
    int pidfd = -1;                // adopted: not our child, watched by pidfd
    std::string state_dir;         // supervised: where its exit is recorded
    bool confirmed = false;        // exec succeeded and on_running returned
    bool discard = false;          // exec failed: reap silently
    std::optional<ExitInfo> exit;  // reaped before confirmation
    std::optional<std::chrono::steady_clock::time_point> kill_at;
  };

  void WaiterLoop();
  void ReapReady();
  void ReapAdopted(const std::vector<int>& ended_pidfds);
  void KillOverdue();
  void Wake();
  int PollTimeoutMs();

  ExitCallback on_exit_;
  const std::string supervisor_;
  int wake_read_ = -1;
  int wake_write_ = -1;
  mutable std::mutex mu_;
  // By pid: the task's leader (pid == pgid), or its supervisor.
  std::map<pid_t, Child> children_;
  bool stopping_ = false;
  bool detached_ = false;
  std::thread waiter_;
};

}  // namespace hetsched::agent
