// What TaskManager starts its tasks through: the seam between the agent's
// task bookkeeping (states, kills, max_runtime_s, reports) and what a task
// really is. Two implementations: TaskRunner (real processes, one per
// process because it reaps every child) and SimulatedLauncher (simulated
// hosts: no process, a timer decides when the task ends).
// Implementations are thread-safe; the exit callback runs without the
// launcher's lock held, never from inside Start's caller's Terminate call.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/device_env.h"

namespace hetsched::agent {

// A local account to run a task as (set only when the agent runs as root).
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups
};

struct LaunchSpec {
  std::string task_id;
  std::vector<std::string> argv;  // argv[0] is looked up on the task's PATH
  EnvList env;  // over the agent's environment, or alone (inherit_env)
  // False: `env` is the task's whole environment.
  bool inherit_env = true;
  // Set: the task drops to this account before exec.
  std::optional<RunAs> run_as;
  // Must exist: the task's cwd, where `stdout` and `stderr` are written.
  std::string directory;
  // Non-empty (and existing, private to the agent): the task runs under
  // hetsched-task-supervisor, which records its state here so that it
  // survives an agent restart (supervisor_state.h). Empty: a plain child
  // (helpers such as hetsched-calibrate).
  std::string state_dir;
  // With a state_dir: the most each of `stdout` and `stderr` may hold;
  // the supervisor then ends the file with a note and drops the rest
  // (output_relay.h). 0: no cap. Plain children are never capped.
  uint64_t max_log_bytes = 0;
};

struct ExitInfo {
  int exit_code = 0;  // the exit status, or 128 + signal when signalled
  int signal = 0;     // terminating signal, 0 when the process exited
  // An adopted task whose supervisor ended without recording how the task
  // ended (killed, or the host restarted): nobody knows.
  bool unknown = false;
};

class TaskLauncher {
 public:
  using ExitCallback =
      std::function<void(const std::string& task_id, const ExitInfo& exit)>;

  virtual ~TaskLauncher() = default;

  // Starts the task and returns its process group id (0 when there is no
  // process, as for a simulated task) after calling on_running(pgid); the
  // exit callback for this task is never called before on_running has
  // returned. On an error the exit callback is never called.
  virtual absl::StatusOr<pid_t> Start(
      const LaunchSpec& spec, const std::function<void(pid_t)>& on_running) = 0;

  // Asks the task to stop now (SIGTERM), and forces it (SIGKILL) once
  // `grace` has passed. NOT_FOUND when the task does not run. The exit
  // callback follows asynchronously, so a caller may hold its own lock.
  virtual absl::Status Terminate(const std::string& task_id,
                                 absl::Duration grace) = 0;

  // Sends `sig` to the task's processes (SIGUSR1 before max_runtime_s).
  // NOT_FOUND when the task does not run; launchers without processes
  // answer UNIMPLEMENTED.
  virtual absl::Status Signal(const std::string& task_id, int sig) {
    (void)task_id;
    (void)sig;
    return absl::UnimplementedError("this launcher has no processes");
  }

  virtual bool Running(const std::string& task_id) const = 0;

  // Takes over a task a previous agent started under a supervisor that
  // still runs; its exit callback follows like any task's. Launchers
  // without processes answer UNIMPLEMENTED.
  virtual absl::Status Adopt(const std::string& task_id, pid_t supervisor_pid,
                             uint64_t supervisor_start_ticks, pid_t pgid,
                             const std::string& state_dir) {
    (void)task_id;
    (void)supervisor_pid;
    (void)supervisor_start_ticks;
    (void)pgid;
    (void)state_dir;
    return absl::UnimplementedError("this launcher has no processes");
  }

  // From now on the launcher's destruction leaves supervised tasks
  // running (the agent stops; a new one adopts them).
  virtual void Detach() {}

  // Whether specs with a state_dir run under a supervisor.
  virtual bool Supervises() const { return false; }
};

}  // namespace hetsched::agent
