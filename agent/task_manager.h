// The agent's tasks: turns assignments and kill orders from the scheduler
// into processes (through a TaskLauncher: TaskRunner, or a simulated one
// on simulated hosts), enforces max_runtime_s, and reports
// every state change as a TaskStatus to a sink (the scheduler link).
//
// Reports for one task are delivered to the sink in order
// (STARTING, RUNNING, then one terminal state). Thread-safe; the sink is
// called with the manager's lock held, so it must not call back in.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "agent/child_launcher.h"
#include "agent/task_activity.h"
#include "agent/task_launcher.h"
#include "agent/task_users.h"
#include "agent/workdir_cache.h"
#include "agent/workdir_preparer.h"
#include "common/clock.h"
#include "hetsched/v1/agent.pb.h"
#include "proto/api_states.h"

namespace hetsched::agent {

class TaskManager final : public TaskActivity, public ChildLauncher {
 public:
  struct Options {
    std::string work_dir;
    std::string node_kind;  // the host's accelerator kind, "" when none
    uint32_t accelerator_count = 0;
    uint32_t cores_per_device = 0;  // 0: the kind's default
    Clock* clock = Clock::Real();
    // Where each job's HETSCHED_JOB_DIR lives (--job-dir-root); empty:
    // WORK_DIR/jobs.
    std::string job_dir_root;
    // SIGTERM-to-SIGKILL grace when neither the kill order nor the
    // assignment names one.
    absl::Duration default_grace = absl::Seconds(10);
    // The operator's bound on any grace a job or the scheduler asks for.
    absl::Duration max_grace = absl::Hours(1);
    // Makes what tasks run through, given the manager's exit callback;
    // empty: a TaskRunner (real processes; one per process). Simulated
    // hosts pass a SimulatedLauncher.
    std::function<std::unique_ptr<TaskLauncher>(TaskLauncher::ExitCallback)>
        launcher;
    // False: the manager starts no timer thread and its owner calls Tick()
    // (simulated hosts share one ticking thread).
    bool own_timer = true;
    // Set (the agent runs as root, --task-users): each task runs as the
    // account its job's owner maps to; its directories become that
    // account's. Must outlive the manager.
    const TaskUsers* users = nullptr;
    // The only variables of the agent's own environment a task sees
    // (--task-env-pass); the rest of its environment is the job's and the
    // launch contract's, and HOME, USER, LOGNAME, SHELL of its account.
    std::vector<std::string> env_pass = {"PATH", "LANG", "LC_ALL", "TZ",
                                         "LD_LIBRARY_PATH"};
    // The cap on each of a supervised task's stdout and stderr files
    // (--max-log-bytes; 0: none); see LaunchSpec::max_log_bytes.
    uint64_t max_log_bytes = uint64_t{1} << 30;
    // Set: assignments naming a workdir or a setup step get their job's
    // code in their directory first (workdir_preparer.h), fetched through
    // this into WORK_DIR/workdirs. Unset (simulated hosts): both are
    // ignored.
    WorkdirCache::Fetcher fetch_workdir;
  };
  using StatusSink = std::function<void(const v1::TaskStatus&)>;

  TaskManager(Options options, StatusSink sink);
  // Running tasks are SIGKILLed; call StopAll first for a graceful stop.
  ~TaskManager() override;

  // Starts the task; reports STARTING then RUNNING, or FAILED (exit code
  // 127 when the command cannot be executed). A task id it already has is
  // not started again; its current status is re-reported. A task whose
  // job ships a workdir or a setup step stays STARTING while a thread of
  // the manager prepares its directory; a failure there fails it.
  void Assign(const v1::TaskAssignment& assignment);

  // Writes the stop reason (`preempted` or `cancelled`) to the task's
  // HETSCHED_STOP_REASON_FILE, then SIGTERM to the task's group, SIGKILL
  // after grace_period_s (0: the assignment's termination_grace_s, else
  // the default; never above max_grace); the task then reports
  // kill.final_state. A task that is not running has its last status (or
  // final_state, if unknown) re-reported.
  void Kill(const v1::KillTask& kill);
  // Sends an allowed signal (common/signal_names.h) to a running task's
  // processes. INVALID_ARGUMENT for another signal, NOT_FOUND when the
  // task does not run here.
  absl::Status Signal(const v1::SignalTask& order);

  // Sends SIGUSR1 to tasks signal_before_timeout_s before their
  // max_runtime_s, and stops (stop reason `timeout`) tasks past it, judged
  // at the clock's now. Called by the manager's own timer; tests with a
  // FakeClock call it directly.
  void Tick();

  // Status RUNNING for every task not yet ended, for re-registration.
  std::vector<v1::TaskStatus> Running() const;

  // One entry per accelerator a task not yet ended holds, in device
  // order: dcgm-exporter's job-mapping files and the allocation metric.
  struct DeviceAllocation {
    uint32_t device = 0;
    std::string job_id;
    std::string owner;
  };
  std::vector<DeviceAllocation> Allocations() const;

  // At start, before any assignment: takes over the tasks a previous agent
  // left running under their supervisors (WORK_DIR/supervised), and
  // reports those that ended meanwhile with their recorded exit (LOST when
  // nothing recorded it: a host restart, a killed supervisor). Returns a
  // line per task for the log.
  std::vector<std::string> AdoptLeftovers();

  // From now on the manager's end leaves supervised tasks running, for
  // the next agent to adopt (an agent restart kills nothing).
  void Detach();
  // Whether tasks run under hetsched-task-supervisor (it was found).
  bool Supervises() const { return runner_->Supervises(); }

  // Stops every task (reporting `final_state` with `reason`) and waits up
  // to `wait` for them to end. Returns true if all ended.
  bool StopAll(absl::Duration grace, v1::TaskState final_state,
               const std::string& reason, absl::Duration wait);

  // Figures for the agent's metrics, read under the lock in one go.
  struct Stats {
    int64_t starting = 0;  // tasks forked but not yet exec'd
    int64_t running = 0;   // tasks RUNNING, stopping ones included
    // Tasks that ended since the manager was made, by end state.
    std::map<v1::TaskState, int64_t> ended_total;
    // The process group of every RUNNING task, by task id.
    std::map<std::string, pid_t> groups;
  };
  Stats GetStats() const;

  bool Active(const std::string& task_id) const override;
  bool WaitUntilInactive(const std::string& task_id,
                         absl::Duration timeout) override;

  // Helpers (hetsched-calibrate) run through the same TaskRunner as tasks,
  // since only one runner may reap this process's children. They are not
  // tasks: never reported, never listed in Running().
  absl::StatusOr<ChildOutcome> RunToEnd(
      const LaunchSpec& spec, absl::Duration timeout,
      const std::atomic<bool>* cancel) override;

 private:
  struct Task {
    v1::TaskStatus status;
    std::string dir;
    std::string state_dir;  // WORK_DIR/supervised/<id>; "" when unsupervised
    std::vector<uint32_t> devices;  // the assignment's device indices
    std::string owner;
    absl::Time started;
    pid_t pgid = 0;  // set once RUNNING
    uint64_t max_runtime_s = 0;
    uint64_t signal_before_timeout_s = 0;
    bool warned = false;  // SIGUSR1 sent before max_runtime_s
    absl::Duration grace;
    bool stopping = false;
    v1::TaskState stop_state = v1::TASK_STATE_UNSPECIFIED;
    std::string stop_message;
    bool preparing = false;  // its workdir is being prepared; no process
  };

  void Report(Task& task, v1::TaskState state, const std::string& message);
  void Fail(const v1::TaskAssignment& assignment, int exit_code,
            const std::string& message);
  void OnExit(const std::string& task_id, const ExitInfo& exit);
  // The second half of Assign: records the task for adoption and starts
  // its process, unless it was stopped while being prepared.
  void Launch(const v1::TaskAssignment& assignment, LaunchSpec spec);
  // On a thread of its own: prepares the task's directory, then launches.
  void PrepareThenLaunch(uint64_t thread_id,
                         const v1::TaskAssignment& assignment, LaunchSpec spec);
  // The terminal report for an exit (the lock held), and the end of the
  // task's supervised record.
  void ReportEnd(Task& task, const ExitInfo& exit);
  // What a task's environment starts from: the passed variables of the
  // agent's, and the identity of the account it runs as.
  EnvList BaseEnv(const std::optional<TaskAccount>& account) const;
  absl::StatusOr<EnvList> TaskEnv(const v1::TaskAssignment& assignment,
                                  const std::string& task_dir,
                                  const std::string& job_dir) const;
  // The grace for a kill order's or an assignment's seconds (0: default),
  // capped by max_grace.
  absl::Duration Grace(uint32_t seconds) const;
  // Stop reason file, then SIGTERM; SIGKILL after `grace`.
  absl::Status StopTask(const std::string& id, Task& task,
                        std::string_view reason, absl::Duration grace);
  // When the timer must next look: a max_runtime_s or a warning.
  absl::Time NextDeadline(const Task& task) const;
  void TimerLoop();

  Options options_;
  StatusSink sink_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, Task> tasks_;
  // Ended tasks, oldest first; only the newest are remembered (for repeated
  // assignments and kills) so a long-lived agent does not grow forever.
  std::deque<std::string> ended_;
  std::map<v1::TaskState, int64_t> ended_total_;
  // Running helpers by runner id ("helper:" + spec.task_id; ':' is never in
  // a task id), with their exit once reaped.
  std::map<std::string, std::optional<ExitInfo>> helpers_;
  bool stopping_timer_ = false;
  // Workdir preparation (null without Options::fetch_workdir): one thread
  // per task being prepared, joined once finished.
  std::unique_ptr<WorkdirCache> workdir_cache_;
  std::unique_ptr<WorkdirPreparer> preparer_;
  std::atomic<bool> cancel_preparation_{false};
  std::map<uint64_t, std::thread> preparations_;
  std::vector<uint64_t> finished_preparations_;
  uint64_t next_preparation_ = 0;
  // Declared last: destroyed first, so no exit callback runs on a
  // half-destroyed manager.
  std::unique_ptr<TaskLauncher> runner_;
  std::thread timer_;
};

}  // namespace hetsched::agent
