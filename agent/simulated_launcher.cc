#include "agent/simulated_launcher.h"

#include <csignal>
#include <fstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hetsched::agent {
namespace {

// The last value of `key` in `env` (later entries win, as in the runner).
const std::string* Lookup(const EnvList& env, const std::string& key) {
  const std::string* value = nullptr;
  for (const auto& [k, v] : env) {
    if (k == key) value = &v;
  }
  return value;
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    return absl::InternalError(absl::StrCat(path, ": cannot write"));
  }
  return absl::OkStatus();
}

constexpr ExitInfo kTerminated{128 + SIGTERM, SIGTERM};

}  // namespace

SimulatedLauncher::SimulatedLauncher(SimTimer* timer, ExitCallback on_exit)
    : timer_(timer), on_exit_(std::move(on_exit)) {}

SimulatedLauncher::~SimulatedLauncher() {
  std::vector<SimTimer::Id> ends;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, task] : tasks_) {
      if (task.end != 0) ends.push_back(task.end);
    }
    tasks_.clear();  // an end already running finds nothing to report
  }
  for (SimTimer::Id end : ends) timer_->CancelAndWait(end);
}

absl::StatusOr<pid_t> SimulatedLauncher::Start(
    const LaunchSpec& spec, const std::function<void(pid_t)>& on_running) {
  double runtime_s = 0;
  if (const std::string* v = Lookup(spec.env, kSimRuntimeEnv)) {
    if (!absl::SimpleAtod(*v, &runtime_s) || !(runtime_s >= 0) ||
        runtime_s > 365 * 86400.0) {
      return absl::InvalidArgumentError(absl::StrCat(
          kSimRuntimeEnv, ": '", *v, "' is not a number of seconds >= 0"));
    }
  }
  int exit_code = 0;
  if (const std::string* v = Lookup(spec.env, kSimExitCodeEnv)) {
    if (!absl::SimpleAtoi(*v, &exit_code) || exit_code < 0 || exit_code > 255) {
      return absl::InvalidArgumentError(absl::StrCat(
          kSimExitCodeEnv, ": '", *v, "' is not an exit code in 0..255"));
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (tasks_.contains(spec.task_id)) {
      return absl::AlreadyExistsError(
          absl::StrCat("task ", spec.task_id, " is already running"));
    }
  }
  const std::string line =
      absl::StrCat("simulated task ", spec.task_id, ": runs ", runtime_s,
                   " s, then exits with code ", exit_code, "\n");
  if (auto s = WriteFile(spec.directory + "/stdout", line); !s.ok()) return s;
  if (auto s = WriteFile(spec.directory + "/stderr", ""); !s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_[spec.task_id] = Task{};
  }
  if (on_running) on_running(0);
  const std::string id = spec.task_id;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return 0;  // the launcher is being destroyed
  if (it->second.terminated) {
    it->second.end = timer_->After(absl::ZeroDuration(),
                                   [this, id] { End(id, kTerminated); });
  } else {
    const ExitInfo exit{exit_code, 0};
    it->second.end = timer_->After(absl::Seconds(runtime_s),
                                   [this, id, exit] { End(id, exit); });
  }
  return 0;
}

absl::Status SimulatedLauncher::Terminate(const std::string& task_id,
                                          absl::Duration /*grace*/) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tasks_.find(task_id);
  if (it == tasks_.end()) {
    return absl::NotFoundError(
        absl::StrCat("task ", task_id, " is not running"));
  }
  Task& task = it->second;
  if (task.end == 0) {
    task.terminated = true;  // Start schedules the end
    return absl::OkStatus();
  }
  // Never ends the task here: the caller may hold a lock its exit
  // callback takes. When the end is running already, it reports.
  if (timer_->Cancel(task.end)) {
    task.end = timer_->After(absl::ZeroDuration(),
                             [this, task_id] { End(task_id, kTerminated); });
  }
  return absl::OkStatus();
}

bool SimulatedLauncher::Running(const std::string& task_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return tasks_.contains(task_id);
}

void SimulatedLauncher::End(const std::string& task_id, ExitInfo exit) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (tasks_.erase(task_id) == 0) return;
  }
  if (on_exit_) on_exit_(task_id, exit);
}

}  // namespace hetsched::agent
