// The task launcher of a simulated host (agent --simulate-hosts): a task
// runs no process. Start writes one line to the task's stdout (and an
// empty stderr), reports RUNNING, and the task ends after
// HETSCHED_SIM_RUNTIME_S seconds of its environment (default 0) with exit
// code HETSCHED_SIM_EXIT_CODE (default 0). Terminate ends it at once as
// SIGTERM would end a process with the default handler (exit code 143).
// Everything above it (TaskManager, the scheduler link) is the real code.
// Thread-safe. Ends run on the shared SimTimer's thread, in wall-clock
// time; the timer must outlive the launcher.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "agent/sim_timer.h"
#include "agent/task_launcher.h"

namespace hetsched::agent {

inline constexpr char kSimRuntimeEnv[] = "HETSCHED_SIM_RUNTIME_S";
inline constexpr char kSimExitCodeEnv[] = "HETSCHED_SIM_EXIT_CODE";

class SimulatedLauncher final : public TaskLauncher {
 public:
  SimulatedLauncher(SimTimer* timer, ExitCallback on_exit);
  // Pending ends are dropped; an end running now is waited for.
  ~SimulatedLauncher() override;
  SimulatedLauncher(const SimulatedLauncher&) = delete;
  SimulatedLauncher& operator=(const SimulatedLauncher&) = delete;

  // INVALID_ARGUMENT naming the variable when HETSCHED_SIM_RUNTIME_S is not
  // a number of seconds >= 0 or HETSCHED_SIM_EXIT_CODE not in 0..255; an
  // error from the file system when the log cannot be written.
  absl::StatusOr<pid_t> Start(
      const LaunchSpec& spec,
      const std::function<void(pid_t)>& on_running) override;
  // `grace` does not matter: a simulated task stops at the first signal.
  absl::Status Terminate(const std::string& task_id,
                         absl::Duration grace) override;
  bool Running(const std::string& task_id) const override;

 private:
  struct Task {
    SimTimer::Id end = 0;     // 0 until scheduled
    bool terminated = false;  // Terminate came before the end was scheduled
  };

  void End(const std::string& task_id, ExitInfo exit);

  SimTimer* timer_;
  ExitCallback on_exit_;
  mutable std::mutex mu_;
  std::map<std::string, Task> tasks_;
};

}  // namespace hetsched::agent
