#include "agent/task_manager.h"

#include <netinet/in.h>
#include <string.h>  // sigabbrev_np
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "agent/agent_log.h"
#include "agent/progress_reporter.h"
#include "agent/supervisor_state.h"
#include "agent/task_dirs.h"
#include "agent/task_runner.h"
#include "common/signal_names.h"

namespace hetsched::agent {
namespace {

constexpr int kExecFailedExitCode = 127;  // the shell's "command not found"
constexpr size_t kRememberedEndedTasks = 10000;

constexpr std::string_view kStopReasonTimeout = "timeout";

// What HETSCHED_STOP_REASON_FILE says for a stop ordered with `state`.
std::string_view StopReasonWord(v1::TaskState state) {
  switch (state) {
    case v1::TASK_STATE_PREEMPTED:
    case v1::TASK_STATE_LOST:  // self-fencing: the job runs again elsewhere
      return "preempted";
    case v1::TASK_STATE_FAILED:
      return kStopReasonTimeout;
    default:
      return "cancelled";
  }
}

// True when nothing listens on (or holds) TCP `port` on any address.
bool PortFree(uint32_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;  // cannot tell; assume the best
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool free =
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return free;
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? absl::StrCat("SIG", abbrev)
                           : absl::StrCat("signal ", sig);
}

}  // namespace

TaskManager::TaskManager(Options options, StatusSink sink)
    : options_(std::move(options)), sink_(std::move(sink)) {
  TaskLauncher::ExitCallback on_exit =
      [this](const std::string& id, const ExitInfo& e) { OnExit(id, e); };
  if (options_.launcher) {
    runner_ = options_.launcher(std::move(on_exit));
  } else {
    runner_ = std::make_unique<TaskRunner>(std::move(on_exit));
  }
  if (options_.own_timer) timer_ = std::thread([this] { TimerLoop(); });
  if (options_.fetch_workdir) {
    workdir_cache_ = std::make_unique<WorkdirCache>(
        options_.work_dir + "/workdirs", options_.fetch_workdir);
    preparer_ = std::make_unique<WorkdirPreparer>(options_.work_dir,
                                                  workdir_cache_.get(), this);
  }
}

TaskManager::~TaskManager() {
  std::map<uint64_t, std::thread> preparations;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_timer_ = true;
    cancel_preparation_ = true;
    preparations.swap(preparations_);
  }
  changed_.notify_all();
  for (auto& [id, thread] : preparations) thread.join();
  if (timer_.joinable()) timer_.join();
  runner_.reset();
}

void TaskManager::Report(Task& task, v1::TaskState state,
                         const std::string& message) {
  task.status.set_state(state);
  task.status.set_message(message);
  task.status.set_time_ms(ToUnixMillis(options_.clock->Now()));
  sink_(task.status);
  changed_.notify_all();
  if (IsTerminal(state)) {
    ++ended_total_[state];
    ended_.push_back(task.status.task_id());
    if (ended_.size() > kRememberedEndedTasks) {
      // Never `task` itself: it was just appended, the front is older.
      tasks_.erase(ended_.front());
      ended_.pop_front();
    }
  }
}

void TaskManager::Fail(const v1::TaskAssignment& assignment, int exit_code,
                       const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  Task& task = tasks_[assignment.task_id()];
  task.status.set_task_id(assignment.task_id());
  task.status.set_job_id(assignment.job_id());
  task.status.set_exit_code(exit_code);
  Report(task, v1::TASK_STATE_FAILED, message);
}

EnvList TaskManager::BaseEnv(const std::optional<TaskAccount>& account) const {
  EnvList env;
  for (const std::string& name : options_.env_pass) {
    if (const char* value = getenv(name.c_str()); value != nullptr) {
      env.emplace_back(name, value);
    }
  }
  if (account.has_value()) {
    env.emplace_back("HOME", account->home);
    env.emplace_back("USER", account->user);
    env.emplace_back("LOGNAME", account->user);
    env.emplace_back("SHELL", account->shell);
  } else {
    for (const char* name : {"HOME", "USER", "LOGNAME", "SHELL"}) {
      if (const char* value = getenv(name); value != nullptr) {
        env.emplace_back(name, value);
      }
    }
  }
  return env;
}

absl::StatusOr<EnvList> TaskManager::TaskEnv(
    const v1::TaskAssignment& assignment, const std::string& task_dir,
    const std::string& job_dir) const {
  const std::string kind = assignment.accelerator_kind().empty()
                               ? options_.node_kind
                               : assignment.accelerator_kind();
  if (!assignment.accelerator_kind().empty() && !options_.node_kind.empty() &&
      assignment.accelerator_kind() != options_.node_kind) {
    return absl::InvalidArgumentError(
        absl::StrCat("accelerator_kind: ", assignment.accelerator_kind(),
                     " but this node has ", options_.node_kind));
  }
  const auto& indices = assignment.device_indices();
  auto outside = std::find_if(indices.begin(), indices.end(), [&](uint32_t i) {
    return i >= options_.accelerator_count;
  });
  if (outside != indices.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("device_indices: ", *outside, " is not on this node (",
                     options_.accelerator_count, " accelerators)"));
  }
  // Assignment env over the agent's, then visibility over both: the job's
  // env must not widen the devices it was given.
  EnvList env(assignment.env().begin(), assignment.env().end());
  std::sort(env.begin(), env.end());  // map order is unspecified
  auto visibility = DeviceVisibilityEnv(
      kind, std::vector<uint32_t>(indices.begin(), indices.end()),
      options_.cores_per_device);
  if (!visibility.ok()) return visibility.status();
  env.insert(env.end(), visibility->begin(), visibility->end());
  HostContract contract;
  // A CPU-only replica holds no accelerator, whatever this host carries.
  contract.accelerator_kind = indices.empty() ? "" : kind;
  contract.accelerators = indices.size();
  contract.job_dir = job_dir;
  contract.stop_reason_file = StopReasonPath(task_dir);
  contract.progress_file = task_dir + "/" + kProgressFileName;
  EnvList host = HostContractEnv(contract);
  env.insert(env.end(), host.begin(), host.end());
  return env;
}

void TaskManager::Assign(const v1::TaskAssignment& assignment) {
  const std::string& id = assignment.task_id();
  if (auto s = ValidateTaskId(id); !s.ok()) {
    Fail(assignment, kExecFailedExitCode, std::string(s.message()));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tasks_.find(id);
    if (it != tasks_.end()) {
      // A repeated assignment (e.g. resent after a reconnect): the scheduler
      // only needs to hear where the task is.
      sink_(it->second.status);
      return;
    }
  }
  if (assignment.command().empty()) {
    Fail(assignment, kExecFailedExitCode, "command: must not be empty");
    return;
  }
  auto dir = CreateTaskDir(options_.work_dir, id);
  if (!dir.ok()) {
    Fail(assignment, kExecFailedExitCode, std::string(dir.status().message()));
    return;
  }
  auto job_dir =
      CreateJobDir(options_.job_dir_root.empty() ? options_.work_dir + "/jobs"
                                                 : options_.job_dir_root,
                   assignment.job_id());
  if (!job_dir.ok()) {
    Fail(assignment, kExecFailedExitCode,
         std::string(job_dir.status().message()));
    return;
  }
  std::optional<TaskAccount> account;
  if (options_.users != nullptr) {
    auto resolved = options_.users->Resolve(assignment.owner());
    if (!resolved.ok()) {
      Fail(assignment, kExecFailedExitCode,
           std::string(resolved.status().message()));
      return;
    }
    account = *std::move(resolved);
    // The task writes its own directory (its progress file) and its job
    // directory (checkpoints); the agent, as root, still writes both.
    if (chown(dir->c_str(), account->run_as.uid, account->run_as.gid) != 0) {
      Fail(assignment, kExecFailedExitCode,
           absl::StrCat(*dir, ": cannot give it to ", account->user, ": ",
                        strerror(errno)));
      return;
    }
    if (chown(job_dir->c_str(), account->run_as.uid, account->run_as.gid) !=
        0) {
      // A shared file system may refuse (root squash): the job's own
      // permissions there decide.
      AgentLog(absl::StrCat("task ", id, ": ", *job_dir, ": cannot give it to ",
                            account->user, ": ", strerror(errno)));
    }
  }
  auto env = TaskEnv(assignment, *dir, *job_dir);
  if (!env.ok()) {
    Fail(assignment, kExecFailedExitCode, std::string(env.status().message()));
    return;
  }
  // Base first: the job's and the contract's variables win over it.
  EnvList base = BaseEnv(account);
  env->insert(env->begin(), base.begin(), base.end());
  // A stop reason left by an earlier run of the same task id is stale.
  std::error_code ignored;
  std::filesystem::remove(StopReasonPath(*dir), ignored);
  if (assignment.master_port() != 0 && !PortFree(assignment.master_port())) {
    // The scheduler keeps the port from other jobs; something outside
    // hetsched holds it. Rendezvous will fail and say so; the operator
    // should keep --rendezvous-ports for the agent alone.
    AgentLog(absl::StrCat("task ", id, ": MASTER_PORT ",
                          assignment.master_port(),
                          " is in use on this host by another program"));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    Task& task = tasks_[id];
    task.status.set_task_id(id);
    task.status.set_job_id(assignment.job_id());
    task.devices.assign(assignment.device_indices().begin(),
                        assignment.device_indices().end());
    task.owner = assignment.owner();
    task.dir = *dir;
    task.max_runtime_s = assignment.max_runtime_s();
    task.signal_before_timeout_s = assignment.signal_before_timeout_s();
    task.grace = Grace(assignment.termination_grace_s());
    Report(task, v1::TASK_STATE_STARTING, "");
  }
  LaunchSpec spec;
  spec.task_id = id;
  spec.argv.assign(assignment.command().begin(), assignment.command().end());
  spec.env = *std::move(env);
  spec.inherit_env = false;
  if (account.has_value()) spec.run_as = account->run_as;
  spec.directory = *dir;
  if (preparer_ != nullptr && WorkdirPreparer::Needed(assignment)) {
    std::vector<std::thread> finished;
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_[id].preparing = true;
      for (uint64_t done : finished_preparations_) {
        finished.push_back(std::move(preparations_[done]));
        preparations_.erase(done);
      }
      finished_preparations_.clear();
      const uint64_t thread_id = next_preparation_++;
      preparations_[thread_id] =
          std::thread([this, thread_id, assignment, spec = std::move(spec)] {
            PrepareThenLaunch(thread_id, assignment, spec);
          });
    }
    // They have returned or are about to: joined without the lock.
    for (std::thread& thread : finished) thread.join();
    return;
  }
  Launch(assignment, std::move(spec));
}

void TaskManager::PrepareThenLaunch(uint64_t thread_id,
                                    const v1::TaskAssignment& assignment,
                                    LaunchSpec spec) {
  int exit_code = 1;
  const absl::Status prepared =
      preparer_->Prepare(assignment, spec.directory, spec.env, spec.run_as,
                         &cancel_preparation_, &exit_code);
  bool launch = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tasks_.find(assignment.task_id());
    if (it != tasks_.end() && !IsTerminal(it->second.status.state())) {
      Task& task = it->second;
      task.preparing = false;
      if (!prepared.ok()) {
        task.status.set_exit_code(exit_code);
        Report(task, v1::TASK_STATE_FAILED, std::string(prepared.message()));
      } else {
        launch = true;
      }
    }
  }
  if (launch) Launch(assignment, std::move(spec));
  std::lock_guard<std::mutex> lock(mu_);
  finished_preparations_.push_back(thread_id);
}

void TaskManager::Launch(const v1::TaskAssignment& assignment,
                         LaunchSpec spec) {
  const std::string& id = assignment.task_id();
  if (runner_->Supervises()) {
    // The agent's own record, so that a restarted agent adopts the task.
    auto state_dir = CreateSupervisedDir(options_.work_dir, id);
    std::ofstream out;
    if (state_dir.ok()) {
      out.open(*state_dir + "/assignment.pb", std::ios::binary);
      assignment.SerializeToOstream(&out);
      out.close();
    }
    if (!state_dir.ok() || !out) {
      Fail(assignment, kExecFailedExitCode,
           state_dir.ok() ? *state_dir + "/assignment.pb: cannot write"
                          : std::string(state_dir.status().message()));
      return;
    }
    spec.state_dir = *state_dir;
    spec.max_log_bytes = options_.max_log_bytes;
    std::lock_guard<std::mutex> lock(mu_);
    tasks_[id].state_dir = *state_dir;
  }
  auto pid = runner_->Start(spec, [&](pid_t pgid) {
    std::lock_guard<std::mutex> lock(mu_);
    Task& task = tasks_[id];
    task.started = options_.clock->Now();
    task.pgid = pgid;
    Report(task, v1::TASK_STATE_RUNNING, "");
  });
  changed_.notify_all();  // a new max_runtime deadline for the timer
  if (!pid.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    Task& task = tasks_[id];
    if (!task.state_dir.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(task.state_dir, ignored);
    }
    task.status.set_exit_code(kExecFailedExitCode);
    Report(task, v1::TASK_STATE_FAILED, std::string(pid.status().message()));
  }
}

void TaskManager::OnExit(const std::string& task_id, const ExitInfo& exit) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto helper = helpers_.find(task_id); helper != helpers_.end()) {
    helper->second = exit;
    changed_.notify_all();
    return;
  }
  auto it = tasks_.find(task_id);
  if (it == tasks_.end()) return;
  ReportEnd(it->second, exit);
}

void TaskManager::ReportEnd(Task& task, const ExitInfo& exit) {
  if (!task.state_dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(task.state_dir, ignored);
  }
  task.status.set_exit_code(exit.exit_code);
  task.status.set_signal(exit.signal);
  if (exit.unknown) {
    Report(task, v1::TASK_STATE_LOST,
           "its supervisor ended without recording how the task ended (the "
           "host restarted, or the supervisor was killed)");
  } else if (task.stopping) {
    Report(task, task.stop_state, task.stop_message);
  } else if (exit.signal != 0) {
    Report(task, v1::TASK_STATE_FAILED,
           absl::StrCat("killed by ", SignalName(exit.signal)));
  } else if (exit.exit_code != 0) {
    Report(task, v1::TASK_STATE_FAILED,
           absl::StrCat("exited with code ", exit.exit_code));
  } else {
    Report(task, v1::TASK_STATE_SUCCEEDED, "");
  }
}

absl::Duration TaskManager::Grace(uint32_t seconds) const {
  const absl::Duration grace =
      seconds > 0 ? absl::Seconds(seconds) : options_.default_grace;
  return std::min(grace, options_.max_grace);
}

absl::Status TaskManager::StopTask(const std::string& id, Task& task,
                                   std::string_view reason,
                                   absl::Duration grace) {
  // Before SIGTERM, so a handler can read why it is being stopped.
  if (!task.dir.empty()) {
    if (auto s = WriteStopReason(task.dir, reason); !s.ok()) {
      AgentLog(absl::StrCat("task ", id, ": ", s.message()));
    }
  }
  return runner_->Terminate(id, grace);
}

absl::Status TaskManager::Signal(const v1::SignalTask& order) {
  const std::optional<int> number = AllowedSignal(order.signal());
  if (!number) {
    return absl::InvalidArgumentError(absl::StrCat(
        "signal: '", order.signal(), "' is not one of ", AllowedSignalNames()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tasks_.find(order.task_id());
  if (it == tasks_.end() || IsTerminal(it->second.status.state()) ||
      it->second.stopping) {
    return absl::NotFoundError(
        absl::StrCat("task ", order.task_id(), " does not run here"));
  }
  return runner_->Signal(order.task_id(), *number);
}

void TaskManager::Kill(const v1::KillTask& kill) {
  const v1::TaskState final_state =
      kill.final_state() == v1::TASK_STATE_PREEMPTED ? v1::TASK_STATE_PREEMPTED
                                                     : v1::TASK_STATE_CANCELLED;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tasks_.find(kill.task_id());
  if (it == tasks_.end()) {
    // Never heard of it (e.g. assigned to a previous agent run): it is not
    // running here, which is what the scheduler needs to know.
    v1::TaskStatus status;
    status.set_task_id(kill.task_id());
    status.set_state(final_state);
    status.set_message("task not known to this agent");
    status.set_time_ms(ToUnixMillis(options_.clock->Now()));
    sink_(status);
    return;
  }
  Task& task = it->second;
  if (IsTerminal(task.status.state())) {
    sink_(task.status);
    return;
  }
  if (task.preparing) {
    // No process yet: it ends now, and its preparation launches nothing.
    Report(task, final_state, kill.reason());
    return;
  }
  const absl::Duration grace =
      kill.grace_period_s() > 0 ? Grace(kill.grace_period_s()) : task.grace;
  const bool first = !task.stopping;
  if (first) {
    task.stopping = true;
    task.stop_state = final_state;
    task.stop_message = kill.reason();
  }
  if (!StopTask(kill.task_id(), task, StopReasonWord(task.stop_state), grace)
           .ok() &&
      first) {
    // It ended on its own just now; its real result is on the way.
    task.stopping = false;
  }
}

absl::Time TaskManager::NextDeadline(const Task& task) const {
  if (task.max_runtime_s == 0 || task.stopping ||
      task.status.state() != v1::TASK_STATE_RUNNING) {
    return absl::InfiniteFuture();
  }
  const absl::Time end = task.started + absl::Seconds(task.max_runtime_s);
  if (task.signal_before_timeout_s == 0 || task.warned) return end;
  return end - absl::Seconds(
                   std::min(task.signal_before_timeout_s, task.max_runtime_s));
}

void TaskManager::Tick() {
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = options_.clock->Now();
  for (auto& [id, task] : tasks_) {
    if (task.max_runtime_s == 0 || task.stopping ||
        task.status.state() != v1::TASK_STATE_RUNNING) {
      continue;
    }
    const absl::Time end = task.started + absl::Seconds(task.max_runtime_s);
    if (!task.warned && task.signal_before_timeout_s > 0 &&
        now >= end - absl::Seconds(std::min(task.signal_before_timeout_s,
                                            task.max_runtime_s))) {
      task.warned = true;
      (void)runner_->Signal(id, SIGUSR1);
    }
    if (now >= end) {
      task.stopping = true;
      task.stop_state = v1::TASK_STATE_FAILED;
      task.stop_message = "exceeded max_runtime_s";
      (void)StopTask(id, task, kStopReasonTimeout, task.grace);
    }
  }
}

void TaskManager::TimerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_timer_) {
    absl::Time next = absl::InfiniteFuture();
    for (const auto& [id, task] : tasks_) {
      next = std::min(next, NextDeadline(task));
    }
    if (next == absl::InfiniteFuture()) {
      changed_.wait(lock);
    } else {
      const absl::Duration left = next - options_.clock->Now();
      if (left > absl::ZeroDuration()) {
        changed_.wait_for(lock, absl::ToChronoNanoseconds(left));
      }
      lock.unlock();
      Tick();
      lock.lock();
    }
  }
}

TaskManager::Stats TaskManager::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats stats;
  stats.ended_total = ended_total_;
  for (const auto& [id, task] : tasks_) {
    if (task.status.state() == v1::TASK_STATE_STARTING) ++stats.starting;
    if (task.status.state() != v1::TASK_STATE_RUNNING) continue;
    ++stats.running;
    if (task.pgid > 0) stats.groups[id] = task.pgid;
  }
  return stats;
}

std::vector<std::string> TaskManager::AdoptLeftovers() {
  std::vector<std::string> log;
  std::error_code ec;
  std::vector<std::string> dirs;
  for (const auto& entry : std::filesystem::directory_iterator(
           SupervisedRoot(options_.work_dir), ec)) {
    dirs.push_back(entry.path().string());
  }
  std::sort(dirs.begin(), dirs.end());
  for (const std::string& state_dir : dirs) {
    v1::TaskAssignment assignment;
    std::ifstream in(state_dir + "/assignment.pb", std::ios::binary);
    if (!in || !assignment.ParseFromIstream(&in) ||
        !ValidateTaskId(assignment.task_id()).ok()) {
      log.push_back(
          absl::StrCat(state_dir, ": no readable assignment; removed"));
      std::filesystem::remove_all(state_dir, ec);
      continue;
    }
    const std::string& id = assignment.task_id();
    auto record = ReadSupervisorRecord(state_dir);
    auto exit = ReadExitRecord(state_dir);
    std::lock_guard<std::mutex> lock(mu_);
    Task& task = tasks_[id];
    task.status.set_task_id(id);
    task.status.set_job_id(assignment.job_id());
    task.devices.assign(assignment.device_indices().begin(),
                        assignment.device_indices().end());
    task.owner = assignment.owner();
    task.dir = TaskDir(options_.work_dir, id);
    task.state_dir = state_dir;
    task.max_runtime_s = assignment.max_runtime_s();
    task.signal_before_timeout_s = assignment.signal_before_timeout_s();
    task.grace = Grace(assignment.termination_grace_s());
    if (!exit.ok() && record.ok()) {
      absl::Status adopted = runner_->Adopt(
          id, record->pid, record->start_ticks, record->pgid, state_dir);
      if (adopted.ok()) {
        task.status.set_state(v1::TASK_STATE_RUNNING);
        task.pgid = record->pgid;
        task.started = absl::FromUnixMillis(record->started_unix_ms);
        log.push_back(absl::StrCat("adopted task ", id, " (process group ",
                                   record->pgid, ") from a previous agent"));
        continue;
      }
      exit = ReadExitRecord(state_dir);  // it may have ended just now
    }
    ExitInfo end;
    if (exit.ok()) {
      end = *exit;
    } else {
      end.unknown = true;
    }
    ReportEnd(task, end);
    log.push_back(absl::StrCat("task ", id, " ended while no agent ran: ",
                               v1::TaskState_Name(task.status.state()), " ",
                               task.status.message()));
  }
  changed_.notify_all();
  return log;
}

void TaskManager::Detach() { runner_->Detach(); }

std::vector<v1::TaskStatus> TaskManager::Running() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<v1::TaskStatus> running;
  for (const auto& [id, task] : tasks_) {
    if (IsTerminal(task.status.state())) continue;
    v1::TaskStatus status = task.status;
    status.set_state(v1::TASK_STATE_RUNNING);
    running.push_back(std::move(status));
  }
  return running;
}

std::vector<TaskManager::DeviceAllocation> TaskManager::Allocations() const {
  std::vector<DeviceAllocation> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, task] : tasks_) {
      if (IsTerminal(task.status.state())) continue;
      for (uint32_t device : task.devices) {
        out.push_back({device, task.status.job_id(), task.owner});
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const DeviceAllocation& a, const DeviceAllocation& b) {
              return std::tie(a.device, a.job_id) <
                     std::tie(b.device, b.job_id);
            });
  return out;
}

bool TaskManager::StopAll(absl::Duration grace, v1::TaskState final_state,
                          const std::string& reason, absl::Duration wait) {
  std::unique_lock<std::mutex> lock(mu_);
  for (auto& [id, task] : tasks_) {
    if (IsTerminal(task.status.state())) continue;
    if (task.preparing) {
      Report(task, final_state, reason);
      continue;
    }
    if (!task.stopping) {
      task.stopping = true;
      task.stop_state = final_state;
      task.stop_message = reason;
    }
    (void)StopTask(id, task, StopReasonWord(task.stop_state), grace);
  }
  return changed_.wait_for(lock, absl::ToChronoNanoseconds(wait), [&] {
    for (const auto& [id, task] : tasks_) {
      if (!IsTerminal(task.status.state())) return false;
    }
    return true;
  });
}

bool TaskManager::Active(const std::string& task_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tasks_.find(task_id);
  return it != tasks_.end() && !IsTerminal(it->second.status.state());
}

bool TaskManager::WaitUntilInactive(const std::string& task_id,
                                    absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] {
    auto it = tasks_.find(task_id);
    return it == tasks_.end() || IsTerminal(it->second.status.state());
  });
}

}  // namespace hetsched::agent

namespace hetsched::agent {

absl::StatusOr<ChildOutcome> TaskManager::RunToEnd(
    const LaunchSpec& spec, absl::Duration timeout,
    const std::atomic<bool>* cancel) {
  const std::string id = absl::StrCat("helper:", spec.task_id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!helpers_.emplace(id, std::nullopt).second) {
      return absl::FailedPreconditionError(
          absl::StrCat(spec.task_id, " is already running"));
    }
  }
  LaunchSpec helper = spec;
  helper.task_id = id;
  auto pid = runner_->Start(helper, nullptr);
  std::unique_lock<std::mutex> lock(mu_);
  if (!pid.ok()) {
    helpers_.erase(id);
    return pid.status();
  }
  ChildOutcome outcome;
  const auto deadline =
      std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
  while (!helpers_[id].has_value()) {
    const auto now = std::chrono::steady_clock::now();
    if (cancel != nullptr && cancel->load()) {
      outcome.cancelled = true;
      break;
    }
    if (now >= deadline) {
      outcome.timed_out = true;
      break;
    }
    // Short slices only to notice `cancel`; exits wake us at once.
    changed_.wait_for(lock,
                      std::min<std::chrono::steady_clock::duration>(
                          deadline - now, std::chrono::milliseconds(100)));
  }
  if (!helpers_[id].has_value()) {
    (void)runner_->Terminate(id, absl::ZeroDuration());
    // SIGKILL follows at once; only a process stuck in the kernel is slower.
    changed_.wait_for(lock, std::chrono::seconds(10),
                      [&] { return helpers_[id].has_value(); });
  }
  if (helpers_[id].has_value()) {
    outcome.exit = *helpers_[id];
  } else {
    outcome.exit.signal = SIGKILL;
    outcome.exit.exit_code = 128 + SIGKILL;
  }
  helpers_.erase(id);
  return outcome;
}

}  // namespace hetsched::agent
